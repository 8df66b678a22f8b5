/* test_guest_hugetlb.c - the hugetlb pool (mm/hugetlb.c) through the
 * system calls: an empty pool refuses MAP_HUGETLB with ENOMEM, the pool
 * grows and shrinks with vm.nr_hugepages, a map reserves its pages
 * (HugePages_Rsvd) and a fault consumes a reservation, MAP_NORESERVE gets
 * SIGBUS once the pool is empty, fork shares pages copy-on-write, hugetlb
 * maps are cut at page boundaries only; 1 GiB pages by PDPTE leaves. mm_check (guest_fixture.h) also
 * checks that the reservations are the reserving PDEs. The numbers are
 * those Linux's Documentation/admin-guide/mm/hugetlbpage.rst describes
 * for the same sequence. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "guest_fixture.h"
#include "unit.h"

#define H PAGE_SIZE_2M
#define PRW (PROT_READ | PROT_WRITE)
#define HUGE_ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB)

static void setup(void)
{
	guest_setup(NULL);
}

static int64_t do_mmap(uint64_t addr, uint64_t len, uint64_t flags)
{
	struct cpu_context *ctx = kernel_current_context(k);
	ctx->r8 = (uint64_t)-1;
	ctx->r9 = 0;
	return guest_syscall(SYS_mmap, addr, len, PRW, flags);
}

/* HugePages_Total, Free, Rsvd as /proc/meminfo shows them. */
static void assert_pool(uint64_t total, uint64_t free, uint64_t rsvd)
{
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.huge_total, total);
	ck_assert_uint_eq(mi.huge_free, free);
	ck_assert_uint_eq(mi.huge_rsvd, rsvd);
	ck_assert_uint_eq(mi.huge_surp, 0);
	ck_assert_uint_eq(mi.hugetlb, total * 2048);
}

static void set_nr_hugepages(const char *text)
{
	int i = vm_sysctl_find("nr_hugepages", 12);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(vm_sysctl_write(k, i, text, strlen(text)), 0);
}

/* Linux with no pool: MAP_HUGETLB is ENOMEM, MAP_HUGE_1GB too, and a
 * shared map's reservation as well; a size with no pool at all is EINVAL. */
START_TEST(test_empty_pool)
{
	assert_pool(0, 0, 0);
	ck_assert_int_eq(do_mmap(0, H, HUGE_ANON), -ENOMEM);
	ck_assert_int_eq(do_mmap(0, H, HUGE_ANON | (30ULL << MAP_HUGE_SHIFT)), -ENOMEM);
	ck_assert_int_eq(do_mmap(0, H, HUGE_ANON | (21ULL << MAP_HUGE_SHIFT)), -ENOMEM);
	ck_assert_int_eq(do_mmap(0, H, HUGE_ANON | (22ULL << MAP_HUGE_SHIFT)), -EINVAL);
	ck_assert_int_eq(do_mmap(0, H, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB), -ENOMEM);
	ck_assert_int_eq(mm->map_count, 0);
}
END_TEST

/* vm.nr_hugepages takes order-9 blocks from the buddy allocator and gives
 * free ones back; what is reserved stays. */
START_TEST(test_pool_size)
{
	uint64_t before = in_use();
	set_nr_hugepages("4\n");
	assert_pool(4, 4, 0);
	ck_assert_int_eq(k->vm.nr_hugepages, 4);
	ck_assert_uint_eq(in_use() - before, 4 * 512);
	int64_t a = do_mmap(0, 3 * H, HUGE_ANON);
	ck_assert_int_ge(a, 0);
	assert_pool(4, 4, 3);
	set_nr_hugepages("0");
	assert_pool(3, 3, 3); /* the reserved pages stay in the pool */
	ck_assert_int_eq(k->vm.nr_hugepages, 3);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, 3 * H, 0, 0), 0);
	assert_pool(3, 3, 0);
	set_nr_hugepages("0");
	assert_pool(0, 0, 0);
	ck_assert_uint_eq(in_use(), before);
}
END_TEST

/* The map reserves; each first touch consumes one reservation and maps a
 * zeroed 2 MiB page with one PDE; munmap gives pages and the reservations
 * left back. A length is rounded up to 2 MiB; the address is 2 MiB
 * aligned. */
START_TEST(test_reserve_fault_unmap)
{
	set_nr_hugepages("4");
	ck_assert_int_eq(do_mmap(0, 5 * H, HUGE_ANON), -ENOMEM);
	assert_pool(4, 4, 0);
	int64_t a = do_mmap(0, 2 * H + 4096, HUGE_ANON); /* 3 pages */
	ck_assert_int_ge(a, 0);
	ck_assert_uint_eq((uint64_t)a % H, 0);
	assert_pool(4, 4, 3);
	uint64_t pa = guest_touch((uint64_t)a + H + 123, MMU_WRITE);
	assert_pool(4, 3, 2);
	ck_assert(all_zero(pa & ~(H - 1), H));

	uint64_t *pmd = pgtable_pmd(k, mm, (uint64_t)a + H, false);
	ck_assert(pmd && (*pmd & PTE_PS) && pmd_hugetlb(*pmd));
	struct mmu_walk_record rec;
	struct mmu_translation t = guest_fresh_walk((uint64_t)a + H, &rec);
	ck_assert_uint_eq(t.page_size, PAGE_SIZE_2M);
	ck_assert_int_eq(rec.nsteps, 3);
	/* Not anonymous memory as meminfo counts it, nor the process's RSS. */
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.anon_pages, 0);
	ck_assert_uint_eq(mm->rss_pages, 0);
	/* A page used before is cleared when it is taken again. */
	memset(phys_ptr(k, pa & ~(H - 1)), 0xaa, H);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a + H, H, 0, 0), 0);
	assert_pool(4, 4, 2);
	ck_assert_uint_eq(guest_touch((uint64_t)a + 5, MMU_WRITE), pa & ~(H - 1));
	ck_assert(all_zero(pa & ~(H - 1), H));
	assert_pool(4, 3, 1);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, 3 * H, 0, 0), 0);
	assert_pool(4, 4, 0);
}
END_TEST

/* MAP_NORESERVE reserves nothing: a fault past the free pages is SIGBUS. */
START_TEST(test_noreserve_sigbus)
{
	set_nr_hugepages("1");
	int64_t a = do_mmap(0, 2 * H, HUGE_ANON | MAP_NORESERVE);
	ck_assert_int_ge(a, 0);
	assert_pool(1, 1, 0);
	guest_touch((uint64_t)a, MMU_WRITE);
	assert_pool(1, 0, 0);
	uint64_t pa;
	unsigned prot;
	ck_assert(!kernel_tlb_fill(k, (uint64_t)a + H, MMU_READ, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGBUS);
	ck_assert_int_eq(p->fault.si_code, BUS_ADRERR);
	p->pending_fatal = 0;
	/* A reserving map cannot be made while the pool has nothing free. */
	ck_assert_int_eq(do_mmap(0, H, HUGE_ANON), -ENOMEM);
}
END_TEST

/* fork: the child shares the page read-only and holds no reservation; a
 * write copies it into an unreserved free page. */
START_TEST(test_fork_cow)
{
	set_nr_hugepages("3");
	int64_t a = do_mmap(0, 2 * H, HUGE_ANON);
	ck_assert_int_ge(a, 0);
	uint64_t pa = guest_touch((uint64_t)a, MMU_WRITE);
	*(uint64_t *)phys_ptr(k, pa) = 7;
	assert_pool(3, 2, 1);
	struct mm *child = mm_fork(k, mm);
	ck_assert_ptr_nonnull(child);
	assert_pool(3, 2, 1); /* the parent's reservation is not the child's */
	uint64_t *cpmd = pgtable_pmd(k, child, (uint64_t)a, false);
	ck_assert(cpmd && !(*cpmd & PTE_W));
	ck_assert(!*pgtable_pmd(k, child, (uint64_t)a + H, false));
	enum fault_kind kind;
	struct vma *cv = vma_find(child, (uint64_t)a);
	ck_assert_int_eq(handle_pte_fault(k, child, cv, (uint64_t)a + 8, MMU_WRITE, &kind), 0);
	ck_assert_int_eq(kind, FAULT_COW);
	assert_pool(3, 1, 1);
	uint64_t copy = *cpmd & PTE_ADDR_MASK;
	ck_assert_uint_ne(copy, pa & ~(H - 1));
	ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, copy), 7);
	mm_put(k, child);
	assert_pool(3, 2, 1);
	ck_assert_uint_eq(guest_touch((uint64_t)a, MMU_WRITE), pa); /* the parent's alone again */
}
END_TEST

/* A hugetlb map is cut at 2 MiB boundaries only (EINVAL elsewhere);
 * PROT_NONE keeps the page, which an access then cannot reach. */
START_TEST(test_split_and_protect)
{
	set_nr_hugepages("2");
	int64_t a = do_mmap(0, 2 * H, HUGE_ANON);
	ck_assert_int_ge(a, 0);
	guest_touch((uint64_t)a, MMU_WRITE);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a + 4096, 4096, 0, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_mprotect, (uint64_t)a, 4096, PROT_READ, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_mprotect, (uint64_t)a, H, PROT_NONE, 0), 0);
	assert_pool(2, 1, 1);
	uint64_t pa;
	unsigned prot;
	ck_assert(!kernel_tlb_fill(k, (uint64_t)a, MMU_READ, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGSEGV);
	p->pending_fatal = 0;
	ck_assert_int_eq(guest_syscall(SYS_mprotect, (uint64_t)a, H, PRW, 0), 0);
	guest_touch((uint64_t)a, MMU_WRITE);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a + H, H, 0, 0), 0);
	assert_pool(2, 1, 0);
	ck_assert_int_eq(guest_syscall(SYS_mremap, (uint64_t)a, H, 2 * H, MREMAP_MAYMOVE), -EINVAL);
}
END_TEST

/* 1 GiB pages: a pool of order-18 blocks (only one is free in 2 GiB of
 * guest memory: frames 0 and 1 are never free), mapped by PDPTE leaves. */
static void setup_1g(void)
{
	const struct kernel_config cfg = {.mem_size = 2ULL << 30};
	guest_setup(&cfg);
}

START_TEST(test_1g_pages)
{
	const uint64_t G = PAGE_SIZE_1G;
	ck_assert_uint_eq(hugetlb_set_pool(k, HSTATE_1G, 2), 1);
	const uint64_t huge_1g = HUGE_ANON | (30ULL << MAP_HUGE_SHIFT);
	ck_assert_int_eq(do_mmap(0, 2 * G, huge_1g), -ENOMEM);
	int64_t a = do_mmap(0, H, huge_1g); /* rounded up to 1 GiB */
	ck_assert_int_ge(a, 0);
	ck_assert_uint_eq((uint64_t)a % G, 0);
	ck_assert_uint_eq(k->hstate[HSTATE_1G].resv, 1);
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.huge_total, 0); /* HugePages_* are the 2 MiB pool's */
	ck_assert_uint_eq(mi.huge_rsvd, 0);
	ck_assert_uint_eq(mi.hugetlb, 1048576); /* Hugetlb counts every pool */
	uint64_t pa = guest_touch((uint64_t)a + G - 4096, MMU_WRITE);
	ck_assert_uint_eq(pa % G, G - 4096);
	ck_assert_uint_eq(k->hstate[HSTATE_1G].resv, 0);
	ck_assert_uint_eq(k->hstate[HSTATE_1G].nfree, 0);
	uint64_t *pdpte = pgtable_entry(k, mm, (uint64_t)a, 3, false);
	ck_assert(pdpte && (*pdpte & PTE_PS) && pmd_hugetlb(*pdpte));
	struct mmu_walk_record rec;
	struct mmu_translation t = guest_fresh_walk((uint64_t)a + 12345, &rec);
	ck_assert_uint_eq(t.page_size, PAGE_SIZE_1G);
	ck_assert_int_eq(rec.nsteps, 2); /* PML4E, PDPTE */
	ck_assert_uint_eq(t.pa, (pa & ~(G - 1)) + 12345);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a + H, H, 0, 0), -EINVAL);
	struct mm *child = mm_fork(k, mm);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(frame_refcount(k, pa & ~(G - 1)), 2);
	mm_put(k, child);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, G, 0, 0), 0);
	ck_assert_uint_eq(k->hstate[HSTATE_1G].nfree, 1);
	ck_assert_uint_eq(hugetlb_set_pool(k, HSTATE_1G, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_hugetlb");
	TCase *tc = unit_tcase(s, "hugetlb", setup, guest_teardown);
	tcase_add_test(tc, test_empty_pool);
	tcase_add_test(tc, test_pool_size);
	tcase_add_test(tc, test_reserve_fault_unmap);
	tcase_add_test(tc, test_noreserve_sigbus);
	tcase_add_test(tc, test_fork_cow);
	tcase_add_test(tc, test_split_and_protect);
	TCase *g = unit_tcase(s, "hugetlb_1g", setup_1g, guest_teardown);
	tcase_add_test(g, test_1g_pages);
	return unit_run(s);
}
