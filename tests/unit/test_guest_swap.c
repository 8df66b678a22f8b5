/* test_guest_swap.c - swap entries in Linux's PTE format, reclaim by the
 * accessed bit, swap-in as a major fault, the swap cache for pages shared
 * after fork, and slots given back. A real kernel (64 MiB, 16 MiB of swap
 * in an unnamed host file) without a CPU. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x10000000ULL
#define NPAGES 8

static void setup(void)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .swap_size = 16ULL << 20};
	guest_setup(&cfg);
	map(A, NPAGES * PAGE_SIZE, VM_READ | VM_WRITE);
	for (int i = 0; i < NPAGES; i++) {
		char page[PAGE_SIZE];
		memset(page, 'a' + i, sizeof(page));
		ck_assert_int_eq(copy_to_user(k, A + i * PAGE_SIZE, page, PAGE_SIZE), 0);
	}
}

static uint64_t pte_of(struct process *q, uint64_t va)
{
	return *pgtable_pte(k, q->mm, va, false);
}

static void check_data(void)
{
	for (int i = 0; i < NPAGES; i++) {
		char page[PAGE_SIZE];
		ck_assert_int_eq(copy_from_user(k, page, A + i * PAGE_SIZE, PAGE_SIZE), 0);
		for (size_t j = 0; j < PAGE_SIZE; j++)
			ck_assert_int_eq(page[j], 'a' + i);
	}
}

START_TEST(test_entry_format)
{
	/* Linux x86-64: type in bits 9-13, the offset inverted from bit 14. */
	ck_assert_uint_eq(swp_pte(1), 0x07ffffffffff8000ULL);
	ck_assert_uint_eq(swp_offset(swp_pte(1)), 1);
	ck_assert_uint_eq(swp_offset(swp_pte(123456)), 123456);
	ck_assert(pte_is_swap(swp_pte(7)));
	ck_assert_uint_eq(swp_pte(7) & (PTE_P | PTE_SW_PROTNONE), 0);
	ck_assert(!pte_is_swap(0));
	ck_assert(!pte_is_swap(PTE_SW_PROTNONE | 0x5000));
}
END_TEST

/* MADV_COLD puts the pages on the inactive list; MADV_PAGEOUT writes
 * those only this process maps to swap at once, and leaves a page a
 * forked child shares (Linux leaves pages it sees shared alone). */
START_TEST(test_madvise_cold_and_pageout)
{
	ck_assert_int_eq(guest_syscall(28, A, NPAGES * PAGE_SIZE, 20 /* MADV_COLD */, 0), 0);
	for (int i = 0; i < NPAGES; i++) {
		uint64_t pa = pte_of(p, A + i * PAGE_SIZE) & PTE_ADDR_MASK;
		ck_assert_uint_eq(k->lru.on[pa >> PAGE_SHIFT], LRU_INACTIVE_ANON + 1);
		ck_assert_uint_eq(pte_of(p, A + i * PAGE_SIZE) & PTE_A, 0);
	}
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, 0);

	struct process *parent = p;
	int64_t pid = guest_syscall(57 /* fork */, 0, 0, 0, 0);
	ck_assert_int_gt(pid, 1);
	struct process *child = process_find(k, (int)pid);
	kernel_start(k, child); /* the child writes page 0: its own copy */
	char c = 'z';
	ck_assert_int_eq(copy_to_user(k, A, &c, 1), 0);
	kernel_start(k, parent);
	ck_assert_int_eq(guest_syscall(28, A, NPAGES * PAGE_SIZE, 21 /* MADV_PAGEOUT */, 0), 0);
	ck_assert(pte_is_swap(pte_of(parent, A))); /* the parent's own page 0 */
	for (int i = 1; i < NPAGES; i++) /* still shared with the child */
		ck_assert(pte_of(parent, A + i * PAGE_SIZE) & PTE_P);
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, 1);
	check_data();
	/* Locked memory is no candidate (Linux's can_madv_lru_vma): EINVAL. */
	ck_assert_int_eq(guest_syscall(149 /* mlock */, A, NPAGES * PAGE_SIZE, 0, 0), 0);
	ck_assert_int_eq(guest_syscall(28, A, NPAGES * PAGE_SIZE, 20 /* MADV_COLD */, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(28, A, NPAGES * PAGE_SIZE, 21 /* MADV_PAGEOUT */, 0),
			 -EINVAL);
}
END_TEST

START_TEST(test_second_chance_then_swap)
{
	uint64_t before = kernel_stats(k)->frames_in_use;
	/* The copies set A: the first look activates the pages; then the
	 * active list is refilled into the inactive one with A cleared. */
	ck_assert_uint_eq(reclaim(k, NPAGES), NPAGES);
	const struct kernel_stats *s = kernel_stats(k);
	ck_assert_uint_eq(s->swap_outs, NPAGES);
	ck_assert_uint_eq(s->frames_in_use, before - NPAGES);
	ck_assert_uint_eq(p->mm->rss_pages, 0);
	ck_assert_uint_eq(p->mm->swap_ents, NPAGES);
	for (int i = 0; i < NPAGES; i++)
		ck_assert(pte_is_swap(pte_of(p, A + i * PAGE_SIZE)));
	/* Back in as major faults, every byte intact, slots given back. */
	check_data();
	ck_assert_uint_eq(s->faults_swap, NPAGES);
	ck_assert_uint_eq(p->maj_flt, NPAGES);
	ck_assert_uint_eq(k->swap.used, 0);
	ck_assert_uint_eq(p->mm->swap_ents, 0);
}
END_TEST

/* vm.swappiness 0 leaves anonymous pages alone while the page cache and
 * free memory together are above the high watermark (Linux's
 * get_scan_count: anon only when file_is_tiny); 60 swaps them. */
START_TEST(test_swappiness_zero_keeps_anon)
{
	k->vm.swappiness = 0;
	ck_assert_uint_eq(reclaim(k, NPAGES), 0);
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, 0);
	k->vm.swappiness = 60;
	ck_assert_uint_eq(reclaim(k, NPAGES), NPAGES);
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, NPAGES);
	check_data();
}
END_TEST

START_TEST(test_recently_used_page_stays)
{
	reclaim(k, 0); /* nothing asked: nothing done */
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, 0);
	/* One page: the oldest, once activated and deactivated again. */
	ck_assert_uint_eq(reclaim(k, 1), 1);
	ck_assert(pte_is_swap(pte_of(p, A)));
	ck_assert(!pte_is_swap(pte_of(p, A + PAGE_SIZE)));
}
END_TEST

/* A page used again after its A bit was cleared is activated, and the
 * ones behind it on the inactive list go instead. */
START_TEST(test_used_page_is_activated)
{
	ck_assert_uint_eq(reclaim(k, 4), 4); /* pages 0-3, after one activation round */
	ck_assert_uint_eq(k->lru.count[LRU_INACTIVE_ANON], NPAGES - 4);
	char c;
	ck_assert_int_eq(copy_from_user(k, &c, A + 4 * PAGE_SIZE, 1), 0);
	uint64_t activated = kernel_stats(k)->pages_activated;
	ck_assert_uint_eq(reclaim(k, 3), 3);
	ck_assert_uint_eq(kernel_stats(k)->pages_activated, activated + 1);
	ck_assert(pte_of(p, A + 4 * PAGE_SIZE) & PTE_P);
	ck_assert_uint_eq(k->lru.count[LRU_ACTIVE_ANON], 1);
	for (int i = 0; i < NPAGES; i++)
		ck_assert(pte_is_swap(pte_of(p, A + i * PAGE_SIZE)) == (i != 4));
	check_data();
}
END_TEST

/* mremap moves the pages; the reverse map finds them at the new place. */
START_TEST(test_moved_pages_are_found)
{
	struct cpu_context ctx = p->ctx;
	const uint64_t B = A + 0x1000000;
	const uint64_t a[6] = {A, NPAGES * PAGE_SIZE, NPAGES * PAGE_SIZE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, B};
	ck_assert_int_eq(sys_mremap(k, &ctx, a), (int64_t)B);
	ck_assert_uint_eq(reclaim(k, NPAGES), NPAGES);
	for (int i = 0; i < NPAGES; i++)
		ck_assert(pte_is_swap(pte_of(p, B + i * PAGE_SIZE)));
	ck_assert_uint_eq(p->mm->rss_pages, 0);
}
END_TEST

START_TEST(test_shared_page_read_once)
{
	struct cpu_context ctx = p->ctx;
	const uint64_t a[6] = {0};
	struct process *c = process_find(k, (int)sys_fork(k, &ctx, a));
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(reclaim(k, NPAGES), NPAGES);
	/* Written once although two processes mapped each page. */
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, NPAGES);
	uint64_t slot = swp_offset(pte_of(p, A));
	ck_assert_uint_eq(slot, swp_offset(pte_of(c, A)));
	ck_assert_uint_eq(k->swap.count[slot], 2);
	/* The parent reads them back; the child finds them in the swap cache. */
	check_data();
	kernel_start(k, c);
	check_data();
	ck_assert_uint_eq(kernel_stats(k)->swap_ins, NPAGES);
	ck_assert_uint_eq(pte_of(p, A) & PTE_ADDR_MASK, pte_of(c, A) & PTE_ADDR_MASK);
	ck_assert_uint_eq(k->swap.used, 0);
	process_exit(k, c, 0);
	kernel_start(k, p);
	check_data();
}
END_TEST

START_TEST(test_unmap_frees_slots)
{
	reclaim(k, NPAGES);
	ck_assert_uint_eq(k->swap.used, NPAGES);
	ck_assert_int_eq(mm_unmap(k, p->mm, A, NPAGES * PAGE_SIZE), 0);
	ck_assert_uint_eq(k->swap.used, 0);
	ck_assert_uint_eq(p->mm->swap_ents, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_swap");
	TCase *tc = unit_tcase(s, "swap", setup, guest_teardown);
	tcase_add_test(tc, test_entry_format);
	tcase_add_test(tc, test_madvise_cold_and_pageout);
	tcase_add_test(tc, test_second_chance_then_swap);
	tcase_add_test(tc, test_swappiness_zero_keeps_anon);
	tcase_add_test(tc, test_recently_used_page_stays);
	tcase_add_test(tc, test_used_page_is_activated);
	tcase_add_test(tc, test_moved_pages_are_found);
	tcase_add_test(tc, test_shared_page_read_once);
	tcase_add_test(tc, test_unmap_frees_slots);
	return unit_run(s);
}
