/* test_guest_fork.c - fork shares every private page copy-on-write: the
 * reference counts, the PTE bits, one copy per written page, reuse by the
 * last user, the shared zero page, and the counts back to their pre-fork
 * values when the child exits. A real kernel (64 MiB) without a CPU. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x10000000ULL
#define NPAGES 4

static struct process *parent; /* the fixture's p */

static void setup(void)
{
	guest_setup(NULL);
	parent = p;
	map(A, (NPAGES + 1) * PAGE_SIZE, VM_READ | VM_WRITE);
}

static uint64_t pte_of(struct process *p, uint64_t va)
{
	uint64_t *pte = pgtable_pte(k, p->mm, va, false);
	ck_assert_ptr_nonnull(pte);
	return *pte;
}

static struct process *do_fork(void)
{
	struct cpu_context ctx = parent->ctx;
	const uint64_t a[6] = {0};
	int64_t pid = sys_fork(k, &ctx, a);
	ck_assert_int_gt(pid, 1);
	struct process *c = process_find(k, (int)pid);
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_fork_shares_then_copies)
{
	uint64_t pa[NPAGES];
	for (int i = 0; i < NPAGES; i++)
		pa[i] = guest_touch(A + i * PAGE_SIZE, MMU_WRITE);
	guest_touch(A + NPAGES * PAGE_SIZE, MMU_READ); /* the zero page */
	uint64_t before = kernel_stats(k)->frames_in_use;

	struct process *c = do_fork();
	for (int i = 0; i < NPAGES; i++) {
		uint64_t va = A + i * PAGE_SIZE;
		ck_assert_uint_eq(frame_refcount(k, pa[i]), 2);
		ck_assert_uint_eq(pte_of(parent, va) & PTE_ADDR_MASK, pa[i]);
		ck_assert_uint_eq(pte_of(c, va) & PTE_ADDR_MASK, pa[i]);
		/* Read-only in both: the first write of either copies. */
		ck_assert_uint_eq(pte_of(parent, va) & PTE_W, 0);
		ck_assert_uint_eq(pte_of(c, va) & PTE_W, 0);
	}
	ck_assert_uint_eq(pte_of(c, A + NPAGES * PAGE_SIZE) & PTE_ADDR_MASK, ZERO_PAGE_PA);
	ck_assert_uint_eq(c->mm->rss_pages, NPAGES); /* the zero page is not resident */

	/* The child writes two pages: two copies, nothing else changes. */
	kernel_start(k, c);
	uint64_t c0 = guest_touch(A, MMU_WRITE);
	uint64_t c1 = guest_touch(A + PAGE_SIZE, MMU_WRITE);
	ck_assert_uint_ne(c0, pa[0]);
	ck_assert_uint_ne(c1, pa[1]);
	ck_assert_uint_eq(kernel_stats(k)->faults_cow, 2);
	ck_assert_uint_eq(kernel_stats(k)->cow_copied, 2);
	ck_assert_uint_eq(frame_refcount(k, pa[0]), 1);
	ck_assert_uint_eq(frame_refcount(k, pa[2]), 2);
	ck_assert_uint_eq(c->min_flt, 2);
	/* Reading the zero page costs nothing; writing it gives a new frame. */
	guest_touch(A + NPAGES * PAGE_SIZE, MMU_READ);
	ck_assert_uint_eq(kernel_stats(k)->faults_cow, 2);

	/* The child exits: every count is back where it was before fork. */
	process_exit(k, c, 0);
	for (int i = 0; i < NPAGES; i++)
		ck_assert_uint_eq(frame_refcount(k, pa[i]), 1);
	ck_assert_uint_eq(kernel_stats(k)->frames_in_use, before);

	/* The parent, last user of its page, takes it over without a copy. */
	kernel_start(k, parent);
	ck_assert_uint_eq(guest_touch(A + 2 * PAGE_SIZE, MMU_WRITE), pa[2]);
	ck_assert_uint_eq(kernel_stats(k)->cow_reused, 1);
	ck_assert_uint_ne(pte_of(parent, A + 2 * PAGE_SIZE) & PTE_W, 0);
}
END_TEST

START_TEST(test_fork_limit)
{
	int forks = 0;
	while (k->nprocs < PROCESS_MAX) {
		do_fork();
		forks++;
	}
	struct cpu_context ctx = parent->ctx;
	const uint64_t a[6] = {0};
	ck_assert_int_eq(sys_fork(k, &ctx, a), -EAGAIN);
	ck_assert_int_eq(forks, PROCESS_MAX - 1);
}
END_TEST

START_TEST(test_vfork_borrows_memory)
{
	guest_touch(A, MMU_WRITE);
	struct cpu_context ctx = parent->ctx;
	const uint64_t a[6] = {0};
	int64_t pid = sys_vfork(k, &ctx, a);
	struct process *c = process_find(k, (int)pid);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(c->mm, parent->mm);
	ck_assert_int_eq(parent->state, PROC_BLOCKED);
	/* The child's exit gives the memory back and lets the parent run. */
	process_exit(k, c, 0);
	ck_assert_int_eq(parent->state, PROC_RUNNABLE);
	ck_assert_int_eq(parent->mm->users, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_fork");
	TCase *tc = unit_tcase(s, "fork", setup, guest_teardown);
	tcase_add_test(tc, test_fork_shares_then_copies);
	tcase_add_test(tc, test_fork_limit);
	tcase_add_test(tc, test_vfork_borrows_memory);
	return unit_run(s);
}
