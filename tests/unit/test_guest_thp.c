/* test_guest_thp.c - transparent huge pages (mm/huge_memory.c): huge
 * faults and the huge zero page, the --thp modes and MADV_*HUGEPAGE,
 * fallback without a free order-9 block, PDE splits on partial munmap,
 * mprotect and mremap, fork and copy-on-write of a huge page, swap-out,
 * and what meminfo and /proc/vmstat count. mm_check runs after each test
 * (guest_fixture.h), with every huge leaf holding its order-9 block. */
#include <check.h>
#include <errno.h>
#include <sys/mman.h>

#include "guest_fixture.h"
#include "unit.h"

#define H PAGE_SIZE_2M
#define P PAGE_SIZE
#define A 0x40000000ULL /* 2 MiB aligned */
#define RW (VM_READ | VM_WRITE)

static void setup(void)
{
	guest_setup(NULL);
}

static void setup_swap(void)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .swap_size = 32ULL << 20};
	guest_setup(&cfg);
}

static uint64_t pmd_of(struct mm *m, uint64_t va)
{
	uint64_t *pmd = pgtable_pmd(k, m, va, false);
	return pmd ? *pmd : 0;
}

static const struct kernel_stats *st(void)
{
	return kernel_stats(k);
}

/* A write fault maps an order-9 block with one PDE leaf: 512 frames, each
 * with one reference and on the LRU; the walk finds a 2 MiB page. */
START_TEST(test_huge_write_fault)
{
	map(A, 4 * H, RW | VM_HUGEPAGE);
	uint64_t before = in_use();
	uint64_t pa = guest_touch(A + H + 5 * P + 7, MMU_WRITE);
	uint64_t pmd = pmd_of(mm, A + H);
	ck_assert(pmd_trans_huge(pmd));
	ck_assert_uint_eq(pmd & PTE_ADDR_MASK, pa - 5 * P);
	ck_assert_uint_eq((pmd & PTE_ADDR_MASK) % H, 0);
	ck_assert_uint_eq(in_use() - before, 512 + 2); /* and a PDPT and a page directory */
	ck_assert_uint_eq(mm->rss_pages, 512);
	ck_assert_uint_eq(st()->thp_fault_alloc, 1);
	ck_assert_uint_eq(st()->page_faults, 1);
	for (uint64_t i = 0; i < 512; i++)
		ck_assert_uint_eq(frame_refcount(k, (pmd & PTE_ADDR_MASK) + i * P), 1);
	/* The rest of the 2 MiB needs no fault. */
	ck_assert_uint_eq(guest_touch(A + H + 511 * P, MMU_WRITE), (pmd & PTE_ADDR_MASK) + 511 * P);
	ck_assert_uint_eq(st()->page_faults, 1);
	struct mmu_walk_record rec;
	struct mmu_translation t = guest_fresh_walk(A + H, &rec);
	ck_assert_uint_eq(t.page_size, PAGE_SIZE_2M);
	ck_assert_int_eq(rec.nsteps, 3); /* PML4E, PDPTE, PDE */
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.anon_huge_pages, 2048);
	ck_assert_uint_eq(mi.anon_pages, 2048);
	/* munmap gives the 512 frames back. */
	ck_assert_int_eq(mm_unmap(k, mm, A, 4 * H), 0);
	ck_assert_uint_eq(in_use(), before);
}
END_TEST

/* A read maps the huge zero page read-only; a write then splits it into
 * 4 KiB zero pages and copies one (Linux's do_huge_pmd_wp_page fallback). */
START_TEST(test_huge_zero_page)
{
	map(A, 2 * H, RW | VM_HUGEPAGE);
	uint64_t pa = guest_touch(A + 3 * P, MMU_READ);
	uint64_t pmd = pmd_of(mm, A);
	ck_assert(pmd_trans_huge(pmd));
	ck_assert(!(pmd & PTE_W));
	ck_assert_uint_eq(pa, huge_zero_pa(k) + 3 * P);
	ck_assert_uint_eq(st()->thp_zero_page_alloc, 1);
	ck_assert_uint_eq(mm->rss_pages, 0);
	guest_touch(A + H, MMU_READ); /* the same huge zero page, not made again */
	ck_assert_uint_eq(pmd_of(mm, A + H) & PTE_ADDR_MASK, huge_zero_pa(k));
	ck_assert_uint_eq(st()->thp_zero_page_alloc, 1);
	uint64_t new_pa = guest_touch(A + 3 * P, MMU_WRITE);
	ck_assert_uint_ne(new_pa, pa);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A)));
	ck_assert_uint_eq(st()->thp_split_pmd, 1);
	ck_assert_uint_eq(st()->cow_zero, 1);
	ck_assert_uint_eq(mm->rss_pages, 1);
	ck_assert_uint_eq(*pgtable_pte(k, mm, A + 4 * P, false) & PTE_ADDR_MASK, ZERO_PAGE_PA);
}
END_TEST

/* Which faults get huge pages: --thp, MADV_HUGEPAGE / MADV_NOHUGEPAGE,
 * and only 2 MiB wholly inside the VMA. */
START_TEST(test_thp_modes)
{
	map(A, 2 * H, RW); /* madvise mode, no advice: 4 KiB */
	guest_touch(A, MMU_WRITE);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A)));
	ck_assert_int_eq(mm_madvise(k, mm, A + H, A + 2 * H, MADV_HUGEPAGE), 0);
	guest_touch(A + H, MMU_WRITE);
	ck_assert(pmd_trans_huge(pmd_of(mm, A + H)));
	map(A + 4 * H, H + H / 2, RW | VM_HUGEPAGE); /* the last 1 MiB is no whole 2 MiB */
	guest_touch(A + 5 * H, MMU_WRITE);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A + 5 * H)));
	k->thp = THP_ALWAYS;
	map(A + 8 * H, H, RW);
	guest_touch(A + 8 * H, MMU_WRITE);
	ck_assert(pmd_trans_huge(pmd_of(mm, A + 8 * H)));
	map(A + 10 * H, H, RW | VM_NOHUGEPAGE);
	guest_touch(A + 10 * H, MMU_WRITE);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A + 10 * H)));
	k->thp = THP_NEVER;
	map(A + 12 * H, H, RW | VM_HUGEPAGE);
	guest_touch(A + 12 * H, MMU_WRITE);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A + 12 * H)));
	ck_assert_uint_eq(st()->thp_fault_alloc, 2);
}
END_TEST

/* Without a free order-9 block the fault maps 4 KiB and counts it. */
START_TEST(test_fallback)
{
	map(A, H, RW | VM_HUGEPAGE);
	uint64_t held[64], n = 0, pa;
	while (n < 64 && (pa = frame_alloc(k, HPAGE_PMD_ORDER)) != FRAME_NONE)
		held[n++] = pa;
	ck_assert_uint_lt(n, 64);
	guest_touch(A, MMU_WRITE);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A)));
	ck_assert_uint_eq(st()->thp_fault_fallback, 1);
	ck_assert_uint_eq(st()->thp_fault_alloc, 0);
	ck_assert_uint_eq(mm->rss_pages, 1);
	while (n)
		frame_put(k, held[--n], HPAGE_PMD_ORDER);
}
END_TEST

/* Unmapping 1 MiB of a huge page splits it; the other pages keep their
 * data and the 256 unmapped frames are free again. */
START_TEST(test_split_on_munmap)
{
	map(A, H, RW | VM_HUGEPAGE);
	for (uint64_t i = 0; i < 512; i++)
		*(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_WRITE)) = 0x1000 + i;
	uint64_t before = in_use();
	ck_assert_int_eq(mm_unmap(k, mm, A + H / 4, H / 2), 0);
	ck_assert_uint_eq(st()->thp_split_pmd, 1);
	ck_assert_uint_eq(before - in_use(), 256 - 1); /* one frame became the page table */
	ck_assert_uint_eq(mm->rss_pages, 256);
	for (uint64_t i = 0; i < 512; i++) {
		if (i >= 128 && i < 384)
			continue;
		ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_READ)), 0x1000 + i);
	}
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.anon_huge_pages, 0);
}
END_TEST

/* mprotect of part of a huge page splits it; of all of it, the PDE stays. */
START_TEST(test_mprotect)
{
	map(A, 2 * H, RW | VM_HUGEPAGE);
	guest_touch(A, MMU_WRITE);
	guest_touch(A + H, MMU_WRITE);
	ck_assert_int_eq(mm_protect(k, mm, A + H, H, VM_READ), 0);
	uint64_t pmd = pmd_of(mm, A + H);
	ck_assert(pmd_trans_huge(pmd));
	ck_assert(!(pmd & PTE_W));
	ck_assert_int_eq(mm_protect(k, mm, A + P, P, VM_READ), 0);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A)));
	ck_assert(!(*pgtable_pte(k, mm, A + P, false) & PTE_W));
	ck_assert(*pgtable_pte(k, mm, A + 2 * P, false) & PTE_W);
	ck_assert_int_eq(mm_protect(k, mm, A + H, H, PROT_NONE), 0); /* no huge PROT_NONE */
	ck_assert(!pmd_trans_huge(pmd_of(mm, A + H)));
	ck_assert_uint_eq(st()->thp_split_pmd, 2);
}
END_TEST

/* MADV_NOHUGEPAGE on half of a huge page splits it there: no huge page
 * straddles VMAs. */
START_TEST(test_madvise_splits_vma_edge)
{
	map(A, H, RW | VM_HUGEPAGE);
	guest_touch(A, MMU_WRITE);
	ck_assert_int_eq(mm_madvise(k, mm, A + H / 2, A + H, MADV_NOHUGEPAGE), 0);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A)));
	ck_assert_uint_eq(mm->rss_pages, 512);
}
END_TEST

/* fork shares a huge page read-only; the child's write splits its PDE and
 * copies 4 KiB; the parent's write reuses the page once it is its alone. */
START_TEST(test_fork_cow)
{
	map(A, H, RW | VM_HUGEPAGE);
	uint64_t pa = guest_touch(A, MMU_WRITE);
	*(uint64_t *)phys_ptr(k, pa) = 42;
	struct process *parent = p;
	struct mm *child = mm_fork(k, mm);
	ck_assert_ptr_nonnull(child);
	ck_assert(pmd_trans_huge(pmd_of(child, A)));
	ck_assert(!(pmd_of(mm, A) & PTE_W));
	ck_assert(!(pmd_of(child, A) & PTE_W));
	ck_assert_uint_eq(frame_refcount(k, pa + 100 * P), 2);
	ck_assert_uint_eq(child->rss_pages, 512);

	/* The child's write, as a fault in the child's address space. */
	enum fault_kind kind;
	struct vma *cv = vma_find(child, A);
	ck_assert_int_eq(handle_pte_fault(k, child, cv, A + 3 * P, MMU_WRITE, &kind), 0);
	ck_assert_int_eq(kind, FAULT_COW);
	ck_assert(!pmd_trans_huge(pmd_of(child, A)));
	ck_assert_uint_eq(st()->thp_split_pmd, 1);
	ck_assert_uint_eq(st()->cow_copied, 1);
	ck_assert(pmd_trans_huge(pmd_of(mm, A))); /* the parent's PDE is untouched */
	ck_assert_uint_eq(frame_refcount(k, pa + 3 * P), 1);
	ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, *pgtable_pte(k, child, A, false) & PTE_ADDR_MASK),
			  42);

	mm_put(k, child);
	ck_assert_uint_eq(guest_touch(A, MMU_WRITE), pa); /* the parent's alone: reused */
	ck_assert(pmd_trans_huge(pmd_of(mm, A)));
	ck_assert(pmd_of(mm, A) & PTE_W);
	ck_assert_uint_eq(st()->cow_reused, 1);
	ck_assert_ptr_eq(p, parent);
}
END_TEST

/* Reclaim splits a huge page before swapping its pieces out; they come
 * back with their data. */
START_TEST(test_swap_out_splits)
{
	map(A, H, RW | VM_HUGEPAGE);
	for (uint64_t i = 0; i < 512; i++)
		*(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_WRITE)) = 0x5000 + i;
	ck_assert_uint_eq(st()->thp_fault_alloc, 1);
	uint64_t freed = reclaim(k, 600);
	ck_assert_uint_ge(freed, 500);
	ck_assert_uint_eq(st()->thp_split_pmd, 1);
	ck_assert_uint_ge(st()->swap_outs, 500);
	for (uint64_t i = 0; i < 512; i++)
		ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_READ)), 0x5000 + i);
	ck_assert_uint_ge(st()->faults_swap, 500);
}
END_TEST

/* mremap moves a huge page's pages (split to move) with their data. */
START_TEST(test_mremap_moves)
{
	map(A, H, RW | VM_HUGEPAGE);
	for (uint64_t i = 0; i < 512; i += 64)
		*(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_WRITE)) = 0x7000 + i;
	const uint64_t to = A + 16 * H;
	ck_assert_int_eq(mm_remap(k, mm, A, H, H, MREMAP_MAYMOVE | MREMAP_FIXED, to), (int64_t)to);
	ck_assert_uint_eq(st()->thp_split_pmd, 1);
	for (uint64_t i = 0; i < 512; i += 64)
		ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, guest_touch(to + i * P, MMU_READ)), 0x7000 + i);
	ck_assert_uint_eq(mm->rss_pages, 512);
}
END_TEST

/* MADV_COLLAPSE turns a page table of 4 KiB pages into one huge page:
 * the data is copied, the table and the old frames freed, the rest reads
 * zero; a page on swap keeps its 2 MiB from collapsing (EAGAIN). */
START_TEST(test_collapse)
{
	map(A, 2 * H, RW);
	for (uint64_t i = 0; i < 512; i += 3)
		*(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_WRITE)) = 0x9000 + i;
	guest_touch(A + 4 * P, MMU_READ); /* the zero page */
	uint64_t tables = mm->pt_pages, before = in_use();
	ck_assert_int_eq(mm_madvise(k, mm, A, A + H, 25 /* MADV_COLLAPSE */), 0);
	ck_assert(pmd_trans_huge(pmd_of(mm, A)));
	ck_assert_uint_eq(st()->thp_collapse_alloc, 1);
	ck_assert_uint_eq(mm->pt_pages, tables - 1);
	ck_assert_uint_eq(mm->rss_pages, 512);
	ck_assert_uint_eq(in_use() - before, 512 - 171 - 1); /* 171 pages and a table freed */
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t w = *(uint64_t *)phys_ptr(k, guest_touch(A + i * P, MMU_READ));
		ck_assert_uint_eq(w, i % 3 ? 0 : 0x9000 + i);
	}
	/* A PDE still empty gets a huge page too. */
	ck_assert_int_eq(mm_madvise(k, mm, A + H, A + 2 * H, 25), 0);
	ck_assert(pmd_trans_huge(pmd_of(mm, A + H)));
	ck_assert_int_eq(mm_madvise(k, mm, A, A + 2 * H, MADV_NOHUGEPAGE), 0);
	ck_assert_int_eq(mm_madvise(k, mm, A, A + 2 * H, 25), -EINVAL);
}
END_TEST

/* Free blocks of order 9 and above. */
static uint64_t huge_blocks_free(void)
{
	uint64_t c[FRAME_MAX_ORDER + 1], n = 0;
	frame_free_blocks(k, c);
	for (unsigned o = HPAGE_PMD_ORDER; o <= FRAME_MAX_ORDER; o++)
		n += c[o];
	return n;
}

/* Physical memory fragmented by 4 KiB pages until no order-9 block is
 * free, then every other page dropped: half the memory is free, in no
 * block larger than a page. A fault in a region without MADV_HUGEPAGE
 * falls back (defrag "madvise"); with it, compaction moves the pages of
 * one block elsewhere (their addresses stay, their data too) and the
 * fault gets its huge page. */
START_TEST(test_compaction)
{
	const uint64_t frag = 0x100000000ULL, len = 64ULL << 20;
	map(frag, len, RW | VM_NOHUGEPAGE | VM_NORESERVE); /* more than memory: not charged */
	uint64_t n = 0;
	while (huge_blocks_free()) {
		*(uint64_t *)phys_ptr(k, guest_touch(frag + n * P, MMU_WRITE)) = 0xf000 + n;
		n++;
	}
	/* The last page stays: it holds the block whose split ended the loop. */
	for (uint64_t i = 0; i + 1 < n; i += 2)
		mm_zap_range(k, mm, frag + i * P, frag + (i + 1) * P);
	tlb_gather_finish(k);
	ck_assert_uint_eq(huge_blocks_free(), 0);
	ck_assert_uint_gt(frames_free(k), 4 * 512);

	k->thp = THP_ALWAYS;
	map(A, H, RW);
	guest_touch(A, MMU_WRITE);
	ck_assert(!pmd_trans_huge(pmd_of(mm, A)));
	ck_assert_uint_eq(st()->thp_fault_fallback, 1);
	ck_assert_uint_eq(st()->compact_stall, 0);

	map(A + 2 * H, H, RW | VM_HUGEPAGE);
	guest_touch(A + 2 * H, MMU_WRITE);
	ck_assert(pmd_trans_huge(pmd_of(mm, A + 2 * H)));
	ck_assert_uint_eq(st()->compact_stall, 1);
	ck_assert_uint_eq(st()->compact_success, 1);
	ck_assert_uint_ge(st()->pgmigrate_success, 1);
	ck_assert_uint_le(st()->pgmigrate_success, 256);
	ck_assert_uint_eq(st()->thp_fault_alloc, 1);
	for (uint64_t i = 1; i < n; i += 2)
		ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, guest_touch(frag + i * P, MMU_READ)), 0xf000 + i);
	ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, guest_touch(frag + (n - 1) * P, MMU_READ)), 0xf000 + n - 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_thp");
	TCase *tc = unit_tcase(s, "thp", setup, guest_teardown);
	tcase_add_test(tc, test_huge_write_fault);
	tcase_add_test(tc, test_huge_zero_page);
	tcase_add_test(tc, test_thp_modes);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_split_on_munmap);
	tcase_add_test(tc, test_mprotect);
	tcase_add_test(tc, test_madvise_splits_vma_edge);
	tcase_add_test(tc, test_fork_cow);
	tcase_add_test(tc, test_mremap_moves);
	tcase_add_test(tc, test_compaction);
	tcase_add_test(tc, test_collapse);
	TCase *sw = unit_tcase(s, "thp_swap", setup_swap, guest_teardown);
	tcase_add_test(sw, test_swap_out_splits);
	return unit_run(s);
}
