/* test_guest_mm.c - the guest kernel's page tables and address spaces:
 * real x86-64 table entries, table allocation and freeing, PTE bits for
 * VM_* flags, VMA split and merge (mm_map, mm_unmap, mm_protect), the
 * top-down search for free ranges, the mmap/munmap/mprotect/brk/madvise
 * system calls, and rule 3: one CPU TLB flush per operation that changed
 * present PTEs, and no stale translation in the TLB model.
 *
 * A real kernel (64 MiB of guest memory) with kernel_ops that only count
 * the requests (guest_fixture.h); no CPU is needed. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_fixture.h"
#include "unit.h"

#define MEM_SIZE GUEST_MEM_SIZE
#define P PAGE_SIZE
#define A 0x10000000ULL     /* a user address for fixed maps (256 MiB) */
#define HEAP 0x600000ULL    /* start_brk for the brk tests */
#define MMAP_BASE_EXPECTED (USER_TOP - (128ULL << 20))
#define RW (VM_READ | VM_WRITE)

static void setup(void)
{
	guest_setup(NULL);
	k->stats.tlb_flushes = 0;
}

static uint64_t pt_pages(void)
{
	return kernel_stats(k)->page_table_pages;
}

static int64_t sys(syscall_fn *fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		   uint64_t a4, uint64_t a5)
{
	const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
	return fn(k, &p->ctx, a);
}

static int64_t do_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags)
{
	return sys(sys_mmap, addr, len, prot, flags, (uint64_t)-1, 0);
}

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static unsigned count_vmas(void)
{
	unsigned n = 0;
	for (struct vma *v = mm->vmas; v; v = v->next)
		n++;
	return n;
}

static struct vma *nth_vma(unsigned i)
{
	struct vma *v = mm->vmas;
	while (v && i--)
		v = v->next;
	ck_assert_ptr_nonnull(v);
	return v;
}

/* The VMA's flags but the commit charge (VM_ACCOUNT: writable private). */
#define assert_vma(v, s, e, f)                                                        \
	do {                                                                          \
		const struct vma *v_ = (v);                                           \
		ck_assert_ptr_nonnull(v_);                                            \
		ck_assert_uint_eq(v_->start, (s));                                    \
		ck_assert_uint_eq(v_->end, (e));                                      \
		ck_assert_uint_eq(v_->flags & ~VM_ACCOUNT, (f));                      \
	} while (0)

/* The PTE value for va, 0 when no table holds it. */
static uint64_t pte_of(uint64_t va)
{
	uint64_t *pte = pgtable_pte(k, mm, va, false);
	return pte ? *pte : 0;
}

/* A user access as the CPU makes it (faults handled); must succeed. */
static uint64_t touch(uint64_t va, enum mmu_access access)
{
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert_msg(kernel_tlb_fill(k, va, access, &pa, &prot), "touch 0x%llx",
		      (unsigned long long)va);
	return pa;
}

/* The entry at level (4 = PML4E .. 1 = PTE) for va, read from guest
 * physical memory; 0 when a table above is missing. */
static uint64_t entry(uint64_t va, int level)
{
	uint64_t table = mm->pml4;
	for (int l = 4;; l--) {
		unsigned idx = (va >> (PAGE_SHIFT + 9 * (l - 1))) & 511;
		uint64_t e = ((const uint64_t *)phys_ptr(k, table))[idx];
		if (l == level)
			return e;
		if (!(e & PTE_P))
			return 0;
		table = e & PTE_ADDR_MASK;
	}
}

/* ---- page tables ---- */

/* exec's mmap_base follows RLIMIT_STACK: the limit and a 1 MiB guard gap,
 * from 128 MiB up to 5/6 of user space, page-aligned. */
START_TEST(test_mmap_layout)
{
	mm_pick_mmap_layout(mm, 8 << 20);
	ck_assert_uint_eq(mm->mmap_base, USER_TOP - (128ULL << 20));
	mm_pick_mmap_layout(mm, (1ULL << 30) + 5);
	ck_assert_uint_eq(mm->mmap_base, USER_TOP - (1ULL << 30) - (1ULL << 20));
	mm_pick_mmap_layout(mm, UINT64_MAX);
	ck_assert_uint_eq(mm->mmap_base, (USER_TOP - USER_TOP / 6 * 5 + P - 1) & ~(P - 1));
}
END_TEST

START_TEST(test_fresh_mm)
{
	ck_assert_uint_ne(mm->pml4, 0);
	ck_assert_uint_eq(mm->pml4 % P, 0);
	ck_assert_uint_eq(mm->pt_pages, 1);
	ck_assert_uint_eq(pt_pages(), 1);
	ck_assert_uint_eq(in_use(), 1);
	ck_assert_uint_eq(mm->rss_pages, 0);
	ck_assert_ptr_null(mm->vmas);
	ck_assert_uint_eq(mm->mmap_base, MMAP_BASE_EXPECTED);
	ck_assert_uint_ne(mm->pcid, 0);
	ck_assert_uint_eq(kernel_current_cr3(k), mm->pml4 | mm->pcid);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(((const uint64_t *)phys_ptr(k, mm->pml4))[i], 0);
}
END_TEST

START_TEST(test_pte_allocates_three_levels)
{
	uint64_t va = 0x12345000;
	ck_assert_ptr_null(pgtable_pte(k, mm, va, false));
	ck_assert_uint_eq(pt_pages(), 1);
	uint64_t *pte = pgtable_pte(k, mm, va, true);
	ck_assert_ptr_nonnull(pte);
	ck_assert_uint_eq(*pte, 0);
	ck_assert_uint_eq(pt_pages(), 1 + 3);
	ck_assert_uint_eq(mm->pt_pages, 1 + 3);
	ck_assert_uint_eq(in_use(), 1 + 3);
	/* Same va, and a neighbour in the same page table: nothing new. */
	ck_assert_ptr_eq(pgtable_pte(k, mm, va, true), pte);
	ck_assert_ptr_eq(pgtable_pte(k, mm, va + P, true), pte + 1);
	ck_assert_ptr_eq(pgtable_pte(k, mm, va + P, false), pte + 1);
	ck_assert_uint_eq(pt_pages(), 4);
	/* Another 2 MiB region: one new page table; another 1 GiB: a new page
	 * directory and page table; another 512 GiB: three new tables. */
	ck_assert_ptr_nonnull(pgtable_pte(k, mm, va + PAGE_SIZE_2M, true));
	ck_assert_uint_eq(pt_pages(), 5);
	ck_assert_ptr_nonnull(pgtable_pte(k, mm, va + PAGE_SIZE_1G, true));
	ck_assert_uint_eq(pt_pages(), 7);
	ck_assert_ptr_nonnull(pgtable_pte(k, mm, va + (512ULL << 30), true));
	ck_assert_uint_eq(pt_pages(), 10);
	ck_assert_uint_eq(mm->pt_pages, 10);
	ck_assert_uint_eq(in_use(), 10);
}
END_TEST

START_TEST(test_table_entries_real_format)
{
	uint64_t va = 0x7f1234567000ULL; /* PML4 254, PDPT 72, PD 418, PT 359 */
	uint64_t *pte = pgtable_pte(k, mm, va, true);
	ck_assert_ptr_nonnull(pte);
	uint64_t pml4e = ((const uint64_t *)phys_ptr(k, mm->pml4))[254];
	ck_assert_uint_eq(pml4e, entry(va, 4));
	uint64_t pdpte = ((const uint64_t *)phys_ptr(k, pml4e & PTE_ADDR_MASK))[72];
	uint64_t pde = ((const uint64_t *)phys_ptr(k, pdpte & PTE_ADDR_MASK))[418];
	const uint64_t *pt = phys_ptr(k, pde & PTE_ADDR_MASK);
	ck_assert_ptr_eq(pte, &pt[359]);
	const uint64_t lvl[3] = {pml4e, pdpte, pde};
	for (int i = 0; i < 3; i++) {
		/* P | R/W | U/S, nothing else: no PS, no NX, no A yet. */
		ck_assert_uint_eq(lvl[i] & ~PTE_ADDR_MASK, PTE_P | PTE_W | PTE_U);
		uint64_t t = lvl[i] & PTE_ADDR_MASK;
		ck_assert_uint_ne(t, 0);
		ck_assert_uint_lt(t, MEM_SIZE);
		ck_assert_uint_ne(t, mm->pml4);
	}
	ck_assert_uint_ne(pml4e & PTE_ADDR_MASK, pdpte & PTE_ADDR_MASK);
	ck_assert_uint_ne(pdpte & PTE_ADDR_MASK, pde & PTE_ADDR_MASK);
}
END_TEST

START_TEST(test_leaf_entry_after_fault)
{
	ck_assert_int_eq(mm_map(k, mm, A, P, RW, true), (int64_t)A);
	uint64_t pa = touch(A + 0x10, MMU_READ);
	uint64_t pte = pte_of(A);
	/* A read of untouched memory maps the shared zero page, read-only. */
	ck_assert_uint_eq(pa, ZERO_PAGE_PA);
	ck_assert_uint_eq(pte & PTE_ADDR_MASK, ZERO_PAGE_PA);
	/* User, not executable; the read set A but not D. */
	ck_assert_uint_eq(pte & ~PTE_ADDR_MASK, PTE_P | PTE_U | PTE_NX | PTE_A);
	/* The walk set A on the tables too. */
	for (int l = 4; l >= 2; l--)
		ck_assert_uint_eq(entry(A, l) & ~PTE_ADDR_MASK, PTE_P | PTE_W | PTE_U | PTE_A);
	/* The first write gives the page its own frame, writable and dirty. */
	pa = touch(A, MMU_WRITE);
	ck_assert_uint_ne(pa, ZERO_PAGE_PA);
	ck_assert_uint_eq(pte_of(A) & ~PTE_ADDR_MASK,
			  PTE_P | PTE_W | PTE_U | PTE_NX | PTE_A | PTE_D);
}
END_TEST

START_TEST(test_prot_bits)
{
	/* No access at all: a not-present entry that keeps its frame. */
	ck_assert_uint_eq(pgtable_prot_bits(0), PTE_SW_PROTNONE);
	for (unsigned f = 1; f < 8; f++) {
		uint64_t want = PTE_P | PTE_U;
		if (f & VM_WRITE)
			want |= PTE_W;
		if (!(f & VM_EXEC))
			want |= PTE_NX;
		ck_assert_msg(pgtable_prot_bits(f) == want, "flags %u: 0x%llx", f,
			      (unsigned long long)pgtable_prot_bits(f));
		/* VMA kind bits do not change the entry. */
		ck_assert_uint_eq(pgtable_prot_bits(f | VM_HEAP | VM_STACK | VM_GROWSDOWN), want);
	}
	ck_assert_uint_eq(pgtable_prot_bits(VM_READ), PTE_P | PTE_U | PTE_NX);
	ck_assert_uint_eq(pgtable_prot_bits(VM_READ | VM_WRITE), PTE_P | PTE_U | PTE_W | PTE_NX);
	ck_assert_uint_eq(pgtable_prot_bits(VM_READ | VM_EXEC), PTE_P | PTE_U);
	ck_assert_uint_eq(pgtable_prot_bits(VM_READ | VM_WRITE | VM_EXEC), PTE_P | PTE_U | PTE_W);
}
END_TEST

START_TEST(test_unmap_frees_tables)
{
	uint64_t base_frames = in_use();
	ck_assert_int_eq(mm_map(k, mm, A, 2 * P, RW, true), (int64_t)A);
	ck_assert_uint_eq(in_use(), base_frames); /* demand paging: nothing yet */
	touch(A, MMU_WRITE);
	touch(A + P, MMU_WRITE);
	ck_assert_uint_eq(pt_pages(), 1 + 3);
	ck_assert_uint_eq(mm->rss_pages, 2);
	ck_assert_uint_eq(in_use(), base_frames + 3 + 2);

	/* One page: the tables stay (the other page uses them). */
	ck_assert_int_eq(mm_unmap(k, mm, A, P), 0);
	ck_assert_uint_eq(mm->rss_pages, 1);
	ck_assert_uint_eq(pt_pages(), 4);
	ck_assert_uint_eq(in_use(), base_frames + 3 + 1);
	ck_assert_uint_eq(pte_of(A), 0);

	/* The last page: every table left empty goes back. */
	ck_assert_int_eq(mm_unmap(k, mm, A + P, P), 0);
	ck_assert_uint_eq(mm->rss_pages, 0);
	ck_assert_uint_eq(pt_pages(), 1);
	ck_assert_uint_eq(mm->pt_pages, 1);
	ck_assert_uint_eq(in_use(), base_frames);
	ck_assert_uint_eq(entry(A, 4), 0);
	ck_assert_ptr_null(pgtable_pte(k, mm, A, false));
	tlb_gather_finish(k);
	ck_assert_uint_eq(flush_tlb_calls, 1); /* both unmaps, one flush */
}
END_TEST

START_TEST(test_unmap_keeps_tables_of_other_vma)
{
	/* Two VMAs in the same page table: unmapping one keeps the table. */
	ck_assert_int_eq(mm_map(k, mm, A, P, RW, true), (int64_t)A);
	ck_assert_int_eq(mm_map(k, mm, A + 4 * P, P, VM_READ, true), (int64_t)(A + 4 * P));
	touch(A, MMU_WRITE);
	touch(A + 4 * P, MMU_READ);
	ck_assert_uint_eq(pt_pages(), 4);
	ck_assert_int_eq(mm_unmap(k, mm, A, P), 0);
	ck_assert_uint_eq(pt_pages(), 4);
	ck_assert_uint_ne(pte_of(A + 4 * P) & PTE_P, 0);
	/* Unmapping across a hole and both: back to the PML4 alone. */
	ck_assert_int_eq(mm_unmap(k, mm, A - P, 8 * P), 0);
	ck_assert_uint_eq(pt_pages(), 1);
	ck_assert_uint_eq(in_use(), 1);
	ck_assert_uint_eq(count_vmas(), 0);
}
END_TEST

START_TEST(test_protnone_keeps_frame)
{
	ck_assert_int_eq(mm_map(k, mm, A, P, RW, true), (int64_t)A);
	uint64_t pa = touch(A, MMU_WRITE);
	memcpy(phys_ptr(k, pa), "data", 4);
	uint64_t frames = in_use();
	ck_assert_int_eq(mm_protect(k, mm, A, P, 0), 0);
	uint64_t pte = pte_of(A);
	ck_assert_uint_eq(pte & PTE_P, 0);
	ck_assert_uint_ne(pte & PTE_SW_PROTNONE, 0);
	ck_assert_uint_eq(pte & PTE_ADDR_MASK, pa);
	ck_assert_uint_eq(in_use(), frames);
	ck_assert_uint_eq(mm->rss_pages, 1);
	/* Back to read-write: same frame and contents, A and D kept. */
	ck_assert_int_eq(mm_protect(k, mm, A, P, RW), 0);
	ck_assert_uint_eq(pte_of(A), pa | PTE_P | PTE_U | PTE_W | PTE_NX | PTE_A | PTE_D);
	ck_assert_int_eq(memcmp(phys_ptr(k, pa), "data", 4), 0);
	/* Unmapping a PROT_NONE page frees its frame. */
	ck_assert_int_eq(mm_protect(k, mm, A, P, 0), 0);
	ck_assert_int_eq(mm_unmap(k, mm, A, P), 0);
	ck_assert_uint_eq(mm->rss_pages, 0);
	ck_assert_uint_eq(in_use(), 1);
}
END_TEST

/* ---- rule 3: one TLB flush per operation, no stale translation ---- */

START_TEST(test_munmap_one_flush_no_stale)
{
	ck_assert_int_eq(do_mmap(A, 4 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_uint_eq(flush_tlb_calls, 0); /* nothing was present */
	for (int i = 0; i < 4; i++)
		touch(A + i * P, MMU_WRITE);
	ck_assert_uint_eq(flush_tlb_calls, 0); /* demand faults change no present PTE */
	/* The TLB model now caches A. */
	struct mmu_req req = {.va = A, .access = MMU_READ, .user = true};
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(mmu_translate(&k->mmu, &req, &t, &f, NULL));

	ck_assert_int_eq(sys(sys_munmap, A, 4 * P, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(flush_tlb_calls, 1);
	ck_assert_uint_eq(kernel_stats(k)->tlb_flushes, 1);
	ck_assert(!mmu_translate(&k->mmu, &req, &t, &f, NULL));
	ck_assert_int_eq(f.kind, MMU_FAULT_NOT_PRESENT);
	ck_assert_uint_eq(in_use(), 1);
}
END_TEST

START_TEST(test_munmap_untouched_no_flush)
{
	ck_assert_int_eq(do_mmap(A, 4 * P, PROT_READ, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_int_eq(sys(sys_munmap, A, 4 * P, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(flush_tlb_calls, 0);
	ck_assert_uint_eq(count_vmas(), 0);
}
END_TEST

START_TEST(test_mprotect_one_flush_no_stale)
{
	ck_assert_int_eq(do_mmap(A, 4 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	for (int i = 0; i < 4; i++)
		touch(A + i * P, MMU_WRITE);
	struct mmu_req req = {.va = A + P, .access = MMU_WRITE, .user = true};
	struct mmu_translation t;
	struct mmu_fault f;
	ck_assert(mmu_translate(&k->mmu, &req, &t, &f, NULL)); /* cached writable */

	ck_assert_int_eq(sys(sys_mprotect, A, 4 * P, PROT_READ, 0, 0, 0), 0);
	ck_assert_uint_eq(flush_tlb_calls, 1);
	ck_assert(!mmu_translate(&k->mmu, &req, &t, &f, NULL));
	ck_assert_int_eq(f.kind, MMU_FAULT_PROTECTION);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(pte_of(A + i * P) & PTE_W, 0);
}
END_TEST

START_TEST(test_mprotect_untouched_no_flush)
{
	ck_assert_int_eq(do_mmap(A, 4 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_int_eq(sys(sys_mprotect, A, 4 * P, PROT_READ, 0, 0, 0), 0);
	ck_assert_uint_eq(flush_tlb_calls, 0);
}
END_TEST

START_TEST(test_mmap_fixed_over_touched_one_flush)
{
	ck_assert_int_eq(do_mmap(A, 3 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	for (int i = 0; i < 3; i++)
		memset(phys_ptr(k, touch(A + i * P, MMU_WRITE)), 0xee, P);
	uint64_t frames = in_use();
	ck_assert_int_eq(do_mmap(A, 3 * P, PROT_READ, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_uint_eq(flush_tlb_calls, 1);
	ck_assert_uint_eq(mm->rss_pages, 0);
	ck_assert_uint_eq(in_use(), frames - 3 - 3); /* the pages and their tables */
	/* The new mapping reads zero-fill. */
	uint64_t pa = touch(A + P, MMU_READ);
	ck_assert_uint_eq(((const uint8_t *)phys_ptr(k, pa))[0], 0);
}
END_TEST

START_TEST(test_madvise_dontneed_one_flush)
{
	ck_assert_int_eq(do_mmap(A, 2 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	memset(phys_ptr(k, touch(A, MMU_WRITE)), 0x11, P);
	memset(phys_ptr(k, touch(A + P, MMU_WRITE)), 0x22, P);
	ck_assert_int_eq(sys(sys_madvise, A, 2 * P, MADV_DONTNEED, 0, 0, 0), 0);
	ck_assert_uint_eq(flush_tlb_calls, 1);
	ck_assert_uint_eq(mm->rss_pages, 0);
	ck_assert_uint_eq(count_vmas(), 1); /* the mapping stays */
	uint64_t pa = touch(A + P, MMU_READ);
	ck_assert_uint_eq(((const uint8_t *)phys_ptr(k, pa))[100], 0);
	ck_assert_int_eq(sys(sys_madvise, A + 1, P, MADV_DONTNEED, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(sys_madvise, A, P, 12345, 0, 0, 0), -EINVAL);
}
END_TEST

START_TEST(test_gather_batches)
{
	ck_assert_int_eq(mm_map(k, mm, A, 8 * P, RW, true), (int64_t)A);
	for (int i = 0; i < 8; i++)
		touch(A + i * P, MMU_WRITE);
	/* mm_* operations owe the flush; tlb_gather_finish pays it once. */
	ck_assert_int_eq(mm_protect(k, mm, A, 4 * P, VM_READ), 0);
	ck_assert_int_eq(mm_unmap(k, mm, A + 4 * P, 4 * P), 0);
	ck_assert_uint_eq(flush_tlb_calls, 0);
	tlb_gather_finish(k);
	ck_assert_uint_eq(flush_tlb_calls, 1);
	tlb_gather_finish(k);
	ck_assert_uint_eq(flush_tlb_calls, 1);
	ck_assert_uint_eq(kernel_stats(k)->tlb_flushes, 1);
}
END_TEST

/* ---- VMAs ---- */

START_TEST(test_map_fixed_middle_splits_in_three)
{
	ck_assert_int_eq(mm_map(k, mm, A, 3 * P, RW, false), (int64_t)A);
	ck_assert_uint_eq(count_vmas(), 1);
	ck_assert_int_eq(mm_map(k, mm, A + P, P, VM_READ, true), (int64_t)(A + P));
	ck_assert_uint_eq(count_vmas(), 3);
	assert_vma(nth_vma(0), A, A + P, RW);
	assert_vma(nth_vma(1), A + P, A + 2 * P, VM_READ);
	assert_vma(nth_vma(2), A + 2 * P, A + 3 * P, RW);
	ck_assert_ptr_eq(vma_find(mm, A + P + 123), nth_vma(1));
	/* Mapping the middle back with the same flags merges all three. */
	ck_assert_int_eq(mm_map(k, mm, A + P, P, RW, true), (int64_t)(A + P));
	ck_assert_uint_eq(count_vmas(), 1);
	assert_vma(nth_vma(0), A, A + 3 * P, RW);
}
END_TEST

START_TEST(test_map_not_fixed_refuses_overlap)
{
	ck_assert_int_eq(mm_map(k, mm, A, 3 * P, RW, false), (int64_t)A);
	ck_assert_int_eq(mm_map(k, mm, A + 2 * P, 2 * P, VM_READ, false), -EEXIST);
	ck_assert_uint_eq(count_vmas(), 1);
	assert_vma(nth_vma(0), A, A + 3 * P, RW);
}
END_TEST

START_TEST(test_unmap_middle_page)
{
	ck_assert_int_eq(mm_map(k, mm, A, 3 * P, RW, false), (int64_t)A);
	for (int i = 0; i < 3; i++)
		touch(A + i * P, MMU_WRITE);
	ck_assert_int_eq(mm_unmap(k, mm, A + P, P), 0);
	ck_assert_uint_eq(count_vmas(), 2);
	assert_vma(nth_vma(0), A, A + P, RW);
	assert_vma(nth_vma(1), A + 2 * P, A + 3 * P, RW);
	ck_assert_ptr_null(vma_find(mm, A + P));
	ck_assert_ptr_null(vma_find(mm, A + 2 * P - 1));
	ck_assert_uint_eq(pte_of(A + P), 0);
	ck_assert_uint_ne(pte_of(A) & PTE_P, 0);
	ck_assert_uint_ne(pte_of(A + 2 * P) & PTE_P, 0);
	ck_assert_uint_eq(mm->rss_pages, 2);
}
END_TEST

START_TEST(test_protect_split_and_merge)
{
	ck_assert_int_eq(mm_map(k, mm, A, 4 * P, RW, false), (int64_t)A);
	touch(A + P, MMU_WRITE);
	ck_assert_int_eq(mm_protect(k, mm, A + P, 2 * P, VM_READ), 0);
	ck_assert_uint_eq(count_vmas(), 3);
	assert_vma(nth_vma(0), A, A + P, RW);
	assert_vma(nth_vma(1), A + P, A + 3 * P, VM_READ);
	assert_vma(nth_vma(2), A + 3 * P, A + 4 * P, RW);
	ck_assert_uint_eq(pte_of(A + P) & (PTE_P | PTE_W), PTE_P);
	/* Protecting an edge splits in two. */
	ck_assert_int_eq(mm_protect(k, mm, A, P, VM_READ | VM_EXEC), 0);
	ck_assert_uint_eq(count_vmas(), 3);
	assert_vma(nth_vma(0), A, A + P, VM_READ | VM_EXEC);
	/* Back to one flag set: one VMA again. */
	ck_assert_int_eq(mm_protect(k, mm, A, 4 * P, RW), 0);
	ck_assert_uint_eq(count_vmas(), 1);
	assert_vma(nth_vma(0), A, A + 4 * P, RW);
	ck_assert_uint_eq(pte_of(A + P) & (PTE_P | PTE_W), PTE_P | PTE_W);
}
END_TEST

START_TEST(test_protect_hole)
{
	ck_assert_int_eq(mm_map(k, mm, A, P, RW, false), (int64_t)A);
	ck_assert_int_eq(mm_map(k, mm, A + 2 * P, P, RW, false), (int64_t)(A + 2 * P));
	touch(A, MMU_WRITE);
	uint64_t pte = pte_of(A);
	/* A hole first, or nothing mapped: nothing changes. */
	ck_assert_int_eq(mm_protect(k, mm, A - P, 2 * P, VM_READ), -ENOMEM);
	ck_assert_int_eq(mm_protect(k, mm, A + 5 * P, P, VM_READ), -ENOMEM);
	ck_assert_uint_eq(pte_of(A), pte);
	tlb_gather_finish(k);
	ck_assert_uint_eq(flush_tlb_calls, 0);
	/* As Linux: the VMAs before the hole change, then ENOMEM. */
	ck_assert_int_eq(mm_protect(k, mm, A, 3 * P, VM_READ), -ENOMEM);
	ck_assert_uint_eq(count_vmas(), 2);
	assert_vma(nth_vma(0), A, A + P, VM_READ);
	assert_vma(nth_vma(1), A + 2 * P, A + 3 * P, RW);
	ck_assert_uint_eq(pte_of(A) & (PTE_P | PTE_W), PTE_P);
	ck_assert_int_eq(mm_protect(k, mm, A + 2 * P, 2 * P, VM_READ), -ENOMEM); /* hole last */
	assert_vma(nth_vma(1), A + 2 * P, A + 3 * P, VM_READ);
}
END_TEST

START_TEST(test_merge_respects_names)
{
	/* A heap VMA and an anonymous RW VMA side by side stay two. */
	ck_assert_int_eq(mm_map(k, mm, A, P, RW | VM_HEAP, false), (int64_t)A);
	ck_assert_int_eq(mm_map(k, mm, A + P, P, RW, false), (int64_t)(A + P));
	ck_assert_uint_eq(count_vmas(), 2);
	ck_assert_str_eq(nth_vma(0)->name, "[heap]");
	ck_assert_str_eq(nth_vma(1)->name, "");
}
END_TEST

/* ---- mm_get_unmapped_area ---- */

START_TEST(test_unmapped_area_top_down)
{
	uint64_t a1 = mm_get_unmapped_area(k, mm, 0, 4 * P);
	ck_assert_uint_eq(a1, MMAP_BASE_EXPECTED - 4 * P);
	ck_assert_int_eq(mm_map(k, mm, a1, 4 * P, RW, false), (int64_t)a1);
	uint64_t a2 = mm_get_unmapped_area(k, mm, 0, 2 * P);
	ck_assert_uint_eq(a2, a1 - 2 * P);
	ck_assert_int_eq(mm_map(k, mm, a2, 2 * P, VM_READ, false), (int64_t)a2);
	/* A one-page gap below a2, then something below it: a 2-page request
	 * skips the gap, a 1-page request takes it. */
	ck_assert_int_eq(mm_map(k, mm, a2 - 3 * P, 2 * P, VM_EXEC, false), (int64_t)(a2 - 3 * P));
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, 0, 2 * P), a2 - 5 * P);
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, 0, P), a2 - P);
	/* Something above mmap_base (the stack) does not move the search. */
	uint64_t stack = USER_TOP - 16 * P;
	ck_assert_int_eq(mm_map(k, mm, stack, 16 * P, RW | VM_STACK, false), (int64_t)stack);
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, 0, P), a2 - P);
}
END_TEST

START_TEST(test_unmapped_area_hint)
{
	ck_assert_int_eq(mm_map(k, mm, A, 4 * P, RW, false), (int64_t)A);
	/* A free hint is honoured. */
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, A + 4 * P, 2 * P), A + 4 * P);
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, A - 2 * P, 2 * P), A - 2 * P);
	/* An occupied one (or one that runs into a mapping) is not. */
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, A, P), MMAP_BASE_EXPECTED - P);
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, A - P, 2 * P), MMAP_BASE_EXPECTED - 2 * P);
	/* Nor one beyond user space. */
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, USER_TOP - P, 2 * P),
			  MMAP_BASE_EXPECTED - 2 * P);
}
END_TEST

START_TEST(test_unmapped_area_low_hint_refused)
{
	/* Linux never places a non-fixed mapping below mmap_min_addr (64 KiB
	 * by default; the search here also keeps those 16 pages free): a hint
	 * there is ignored and the search goes top-down. */
	uint64_t got = mm_get_unmapped_area(k, mm, P, P);
	ck_assert_msg(got == MMAP_BASE_EXPECTED - P, "hint 0x1000 gave 0x%llx",
		      (unsigned long long)got);
}
END_TEST

START_TEST(test_unmapped_area_full)
{
	/* Nothing free below mmap_base: 0. */
	uint64_t lo = 16 * P;
	ck_assert_int_eq(mm_map(k, mm, lo, MMAP_BASE_EXPECTED - lo, VM_READ, false), (int64_t)lo);
	ck_assert_uint_eq(mm_get_unmapped_area(k, mm, 0, P), 0);
	ck_assert_int_eq(do_mmap(0, P, PROT_READ, ANON), -ENOMEM);
}
END_TEST

/* ---- sys_mmap ---- */

START_TEST(test_mmap_anonymous)
{
	uint64_t frames = in_use();
	int64_t r = do_mmap(0, 3 * P + 1, PROT_READ | PROT_WRITE, ANON);
	ck_assert_int_eq(r, (int64_t)(MMAP_BASE_EXPECTED - 4 * P)); /* length rounded up */
	assert_vma(nth_vma(0), (uint64_t)r, (uint64_t)r + 4 * P, RW);
	ck_assert_uint_eq(in_use(), frames); /* demand paging */
	ck_assert_uint_eq(mm->rss_pages, 0);
	ck_assert_uint_eq(flush_tlb_calls, 0);
	/* The next one goes below. */
	int64_t r2 = do_mmap(0, P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS);
	ck_assert_int_eq(r2, r - (int64_t)P);
	assert_vma(vma_find(mm, (uint64_t)r2), (uint64_t)r2, (uint64_t)r, VM_READ | VM_SHARED);
	/* PROT_NONE is a mapping too. */
	int64_t r3 = do_mmap(0, P, PROT_NONE, ANON);
	ck_assert_int_eq(r3, r2 - (int64_t)P);
	ck_assert_uint_eq(vma_find(mm, (uint64_t)r3)->flags, 0);
	/* MAP_GROWSDOWN is kept. */
	int64_t r4 = do_mmap(0, P, PROT_READ | PROT_WRITE, ANON | MAP_GROWSDOWN);
	ck_assert_int_eq(r4, r3 - (int64_t)P);
	ck_assert_uint_eq(vma_find(mm, (uint64_t)r4)->flags, RW | VM_GROWSDOWN | VM_ACCOUNT);
}
END_TEST

START_TEST(test_mmap_hint)
{
	ck_assert_int_eq(do_mmap(A + 5, P, PROT_READ, ANON), (int64_t)A); /* aligned down */
	/* Occupied hint without MAP_FIXED: somewhere else, A untouched. */
	int64_t r = do_mmap(A, 2 * P, PROT_READ | PROT_WRITE, ANON);
	ck_assert_int_gt(r, 0);
	ck_assert_int_ne(r, (int64_t)A);
	ck_assert_int_eq(r, (int64_t)(MMAP_BASE_EXPECTED - 2 * P));
	assert_vma(vma_find(mm, A), A, A + P, VM_READ);
}
END_TEST

START_TEST(test_mmap_errors)
{
	ck_assert_int_eq(do_mmap(0, 0, PROT_READ, ANON), -EINVAL);
	ck_assert_int_eq(do_mmap(A + 1, P, PROT_READ, ANON | MAP_FIXED), -EINVAL);
	ck_assert_int_eq(do_mmap(A + 0x800, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE), -EINVAL);
	ck_assert_int_eq(sys(sys_mmap, 0, P, PROT_READ, MAP_PRIVATE, 3, 0), -EBADF); /* fd 3 not open */
	ck_assert_int_eq(do_mmap(0, P, 0x8, ANON), -EINVAL);
	ck_assert_int_eq(do_mmap(0, P, PROT_READ | 0x100, ANON), -EINVAL);
	ck_assert_int_eq(do_mmap(0, P, PROT_READ, MAP_ANONYMOUS), -EINVAL); /* no type */
	ck_assert_int_eq(do_mmap(0, USER_TOP + P, PROT_READ, ANON), -ENOMEM);
	ck_assert_int_eq(do_mmap(USER_TOP - P, 2 * P, PROT_READ, ANON | MAP_FIXED), -ENOMEM);
	/* Nothing was mapped by any of these. */
	ck_assert_uint_eq(count_vmas(), 0);
	ck_assert_uint_eq(flush_tlb_calls, 0);
}
END_TEST

START_TEST(test_mmap_fixed_noreplace)
{
	ck_assert_int_eq(do_mmap(A, 2 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	uint64_t pa = touch(A + P, MMU_WRITE);
	memcpy(phys_ptr(k, pa), "keep", 4);
	ck_assert_int_eq(do_mmap(A + P, 2 * P, PROT_READ, ANON | MAP_FIXED_NOREPLACE), -EEXIST);
	ck_assert_uint_eq(count_vmas(), 1);
	assert_vma(nth_vma(0), A, A + 2 * P, RW);
	ck_assert_uint_eq(pte_of(A + P) & PTE_ADDR_MASK, pa);
	ck_assert_int_eq(memcmp(phys_ptr(k, pa), "keep", 4), 0);
	/* On a free range it maps exactly there. */
	ck_assert_int_eq(do_mmap(A + 4 * P, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE),
			 (int64_t)(A + 4 * P));
	assert_vma(vma_find(mm, A + 4 * P), A + 4 * P, A + 5 * P, VM_READ);
}
END_TEST

START_TEST(test_mmap_fixed_and_noreplace_together)
{
	/* Linux: MAP_FIXED_NOREPLACE wins over MAP_FIXED (do_mmap checks for an
	 * intersection whenever MAP_FIXED_NOREPLACE is set). */
	ck_assert_int_eq(do_mmap(A, 2 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_int_eq(do_mmap(A, P, PROT_READ, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE), -EEXIST);
	assert_vma(nth_vma(0), A, A + 2 * P, RW);
}
END_TEST

START_TEST(test_mmap_fixed_replaces)
{
	ck_assert_int_eq(do_mmap(A, 3 * P, PROT_READ, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_int_eq(do_mmap(A + P, P, PROT_READ | PROT_WRITE | PROT_EXEC, ANON | MAP_FIXED),
			 (int64_t)(A + P));
	ck_assert_uint_eq(count_vmas(), 3);
	assert_vma(nth_vma(1), A + P, A + 2 * P, VM_READ | VM_WRITE | VM_EXEC);
}
END_TEST

/* ---- sys_munmap, sys_mprotect ---- */

START_TEST(test_munmap_errors)
{
	ck_assert_int_eq(do_mmap(A, 2 * P, PROT_READ, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_int_eq(sys(sys_munmap, A + 1, P, 0, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(sys_munmap, A, 0, 0, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(sys_munmap, USER_TOP, P, 0, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(sys_munmap, USER_TOP - P, 2 * P, 0, 0, 0, 0), -EINVAL);
	ck_assert_uint_eq(count_vmas(), 1);
	/* A range with nothing mapped is fine. */
	ck_assert_int_eq(sys(sys_munmap, A + 8 * P, P, 0, 0, 0, 0), 0);
	/* Length rounds up: A + 1 byte unmaps the first page. */
	ck_assert_int_eq(sys(sys_munmap, A, 1, 0, 0, 0, 0), 0);
	assert_vma(nth_vma(0), A + P, A + 2 * P, VM_READ);
}
END_TEST

START_TEST(test_mprotect_errors)
{
	ck_assert_int_eq(sys(sys_mprotect, A, P, PROT_READ, 0, 0, 0), -ENOMEM);
	ck_assert_int_eq(do_mmap(A, 2 * P, PROT_READ, ANON | MAP_FIXED), (int64_t)A);
	ck_assert_int_eq(sys(sys_mprotect, A + 1, P, PROT_READ, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(sys_mprotect, A, P, 0x100, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(sys_mprotect, A, 0, PROT_NONE, 0, 0, 0), 0);
	assert_vma(nth_vma(0), A, A + 2 * P, VM_READ);
	ck_assert_uint_eq(count_vmas(), 1);
	/* Past the end: the mapped part changes, then ENOMEM (Linux). */
	ck_assert_int_eq(sys(sys_mprotect, A, 3 * P, PROT_NONE, 0, 0, 0), -ENOMEM);
	assert_vma(nth_vma(0), A, A + 2 * P, 0);
	ck_assert_int_eq(sys(sys_mprotect, A, 2 * P, PROT_READ, 0, 0, 0), 0);
	/* Length rounds up. */
	ck_assert_int_eq(sys(sys_mprotect, A, 1, PROT_READ | PROT_WRITE, 0, 0, 0), 0);
	assert_vma(nth_vma(0), A, A + P, RW);
	assert_vma(nth_vma(1), A + P, A + 2 * P, VM_READ);
}
END_TEST

/* ---- sys_brk ---- */

START_TEST(test_brk_grow_shrink)
{
	mm->start_brk = mm->brk = HEAP;
	ck_assert_int_eq(sys(sys_brk, 0, 0, 0, 0, 0, 0), (int64_t)HEAP);
	ck_assert_uint_eq(count_vmas(), 0);
	ck_assert_int_eq(sys(sys_brk, HEAP + 3 * P, 0, 0, 0, 0, 0), (int64_t)(HEAP + 3 * P));
	ck_assert_uint_eq(mm->brk, HEAP + 3 * P);
	assert_vma(nth_vma(0), HEAP, HEAP + 3 * P, RW | VM_HEAP);
	ck_assert_str_eq(nth_vma(0)->name, "[heap]");
	/* Not page aligned: the VMA covers the last partial page. */
	ck_assert_int_eq(sys(sys_brk, HEAP + 3 * P + 10, 0, 0, 0, 0, 0),
			 (int64_t)(HEAP + 3 * P + 10));
	ck_assert_uint_eq(count_vmas(), 1);
	assert_vma(nth_vma(0), HEAP, HEAP + 4 * P, RW | VM_HEAP);
	ck_assert_uint_eq(flush_tlb_calls, 0);

	touch(HEAP, MMU_WRITE);
	touch(HEAP + 2 * P, MMU_WRITE);
	touch(HEAP + 3 * P, MMU_WRITE);
	ck_assert_uint_eq(mm->rss_pages, 3);
	ck_assert_int_eq(sys(sys_brk, HEAP + P, 0, 0, 0, 0, 0), (int64_t)(HEAP + P));
	assert_vma(nth_vma(0), HEAP, HEAP + P, RW | VM_HEAP);
	ck_assert_uint_eq(mm->rss_pages, 1);
	ck_assert_uint_eq(pte_of(HEAP + 2 * P), 0);
	ck_assert_uint_eq(flush_tlb_calls, 1);

	/* Below start_brk: refused, the break stays. */
	ck_assert_int_eq(sys(sys_brk, HEAP - P, 0, 0, 0, 0, 0), (int64_t)(HEAP + P));
	/* Down to start_brk: the heap VMA goes. */
	ck_assert_int_eq(sys(sys_brk, HEAP, 0, 0, 0, 0, 0), (int64_t)HEAP);
	ck_assert_uint_eq(count_vmas(), 0);
	ck_assert_uint_eq(mm->rss_pages, 0);
}
END_TEST

START_TEST(test_brk_refuses_mapping)
{
	mm->start_brk = mm->brk = HEAP;
	ck_assert_int_eq(do_mmap(HEAP + 8 * P, P, PROT_READ, ANON | MAP_FIXED),
			 (int64_t)(HEAP + 8 * P));
	ck_assert_int_eq(sys(sys_brk, HEAP + 2 * P, 0, 0, 0, 0, 0), (int64_t)(HEAP + 2 * P));
	/* Growing over the mapping fails and changes nothing. */
	ck_assert_int_eq(sys(sys_brk, HEAP + 10 * P, 0, 0, 0, 0, 0), (int64_t)(HEAP + 2 * P));
	ck_assert_uint_eq(mm->brk, HEAP + 2 * P);
	ck_assert_uint_eq(count_vmas(), 2);
	assert_vma(nth_vma(0), HEAP, HEAP + 2 * P, RW | VM_HEAP);
	assert_vma(nth_vma(1), HEAP + 8 * P, HEAP + 9 * P, VM_READ);
	/* Beyond user space: refused. */
	ck_assert_int_eq(sys(sys_brk, USER_TOP + P, 0, 0, 0, 0, 0), (int64_t)(HEAP + 2 * P));
	/* Up to below the mapping is fine. */
	ck_assert_int_eq(sys(sys_brk, HEAP + 7 * P, 0, 0, 0, 0, 0), (int64_t)(HEAP + 7 * P));
	assert_vma(nth_vma(0), HEAP, HEAP + 7 * P, RW | VM_HEAP);
}
END_TEST

static Suite *mm_suite(void)
{
	Suite *s = suite_create("guest_mm");
	TCase *tc = unit_tcase(s, "pgtable", setup, guest_teardown);
	tcase_add_test(tc, test_fresh_mm);
	tcase_add_test(tc, test_mmap_layout);
	tcase_add_test(tc, test_pte_allocates_three_levels);
	tcase_add_test(tc, test_table_entries_real_format);
	tcase_add_test(tc, test_leaf_entry_after_fault);
	tcase_add_test(tc, test_prot_bits);
	tcase_add_test(tc, test_unmap_frees_tables);
	tcase_add_test(tc, test_unmap_keeps_tables_of_other_vma);
	tcase_add_test(tc, test_protnone_keeps_frame);

	tc = unit_tcase(s, "tlb_flush", setup, guest_teardown);
	tcase_add_test(tc, test_munmap_one_flush_no_stale);
	tcase_add_test(tc, test_munmap_untouched_no_flush);
	tcase_add_test(tc, test_mprotect_one_flush_no_stale);
	tcase_add_test(tc, test_mprotect_untouched_no_flush);
	tcase_add_test(tc, test_mmap_fixed_over_touched_one_flush);
	tcase_add_test(tc, test_madvise_dontneed_one_flush);
	tcase_add_test(tc, test_gather_batches);

	tc = unit_tcase(s, "vma", setup, guest_teardown);
	tcase_add_test(tc, test_map_fixed_middle_splits_in_three);
	tcase_add_test(tc, test_map_not_fixed_refuses_overlap);
	tcase_add_test(tc, test_unmap_middle_page);
	tcase_add_test(tc, test_protect_split_and_merge);
	tcase_add_test(tc, test_protect_hole);
	tcase_add_test(tc, test_merge_respects_names);

	tc = unit_tcase(s, "unmapped_area", setup, guest_teardown);
	tcase_add_test(tc, test_unmapped_area_top_down);
	tcase_add_test(tc, test_unmapped_area_hint);
	tcase_add_test(tc, test_unmapped_area_low_hint_refused);
	tcase_add_test(tc, test_unmapped_area_full);

	tc = unit_tcase(s, "syscalls", setup, guest_teardown);
	tcase_add_test(tc, test_mmap_anonymous);
	tcase_add_test(tc, test_mmap_hint);
	tcase_add_test(tc, test_mmap_errors);
	tcase_add_test(tc, test_mmap_fixed_noreplace);
	tcase_add_test(tc, test_mmap_fixed_and_noreplace_together);
	tcase_add_test(tc, test_mmap_fixed_replaces);
	tcase_add_test(tc, test_munmap_errors);
	tcase_add_test(tc, test_mprotect_errors);
	tcase_add_test(tc, test_brk_grow_shrink);
	tcase_add_test(tc, test_brk_refuses_mapping);
	return s;
}

int main(void)
{
	return unit_run(mm_suite());
}
