/* test_guest_pcid.c - PCIDs tag the TLB model's entries by address space;
 * there are 4095 of them (CR3 bits 0-11, 0 unused) and no limit on address
 * spaces, so a PCID is recycled, and must be flushed when it is: no
 * address space may ever translate through another's cached entries.
 * A real kernel (256 MiB) without a CPU; the fixture's process switches
 * between address spaces as the scheduler does (kernel_start). */
#include <check.h>

#include "guest_fixture.h"
#include "unit.h"

#define X 0x10000000ULL /* the page every address space maps */
#define RW (VM_READ | VM_WRITE)
#define MANY 4200       /* more address spaces than PCIDs */

/* The frame behind X in m, faulted in by a store of value. */
static uint64_t map_x(struct mm *m, uint64_t value)
{
	ck_assert_int_eq(mm_map(k, m, X, PAGE_SIZE, RW, true), (int64_t)X);
	ck_assert_int_eq(mm_write_force(k, m, X, &value, sizeof(value)), 0);
	return *pgtable_pte(k, m, X, false) & PTE_ADDR_MASK;
}

/* Runs m (as a context switch does) and touches X as the CPU would:
 * the frame the MMU answers with. */
static uint64_t run_and_touch(struct mm *m)
{
	p->mm = m;
	kernel_start(k, p);
	uint64_t pa;
	unsigned prot;
	ck_assert(kernel_tlb_fill(k, X, MMU_READ, &pa, &prot));
	return pa;
}

/* Room for MANY address spaces of five frames each (four tables, X). */
static void setup(void)
{
	const struct kernel_config cfg = {.mem_size = 256ULL << 20};
	guest_setup(&cfg);
}

/* An old address space keeps running (its TLB entry for X stays fresh)
 * while MANY others are created, run and destroyed one after another:
 * each sees its own page, never the old one's. */
START_TEST(test_recycled_pcid_is_flushed)
{
	struct mm *old = mm;
	uint64_t old_pa = map_x(old, 1);
	for (int i = 0; i < MANY; i++) {
		ck_assert_uint_eq(run_and_touch(old), old_pa);
		struct mm *young = mm_create(k);
		ck_assert_ptr_nonnull(young);
		uint64_t pa = map_x(young, 2);
		ck_assert_msg(run_and_touch(young) == pa,
			      "address space %d translated X through another's entry", i);
		p->mm = old;
		kernel_start(k, p);
		mm_destroy(k, young);
	}
	ck_assert_uint_eq(run_and_touch(old), old_pa);
}
END_TEST

/* MANY address spaces alive at once, each run in turn twice: the second
 * round finds every PCID taken by others since, and still translates
 * right. */
START_TEST(test_more_live_spaces_than_pcids)
{
	static struct mm *ms[MANY];
	static uint64_t pas[MANY];
	for (int i = 0; i < MANY; i++) {
		ms[i] = mm_create(k);
		ck_assert_ptr_nonnull(ms[i]);
		pas[i] = map_x(ms[i], (uint64_t)i);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < MANY; i++)
			ck_assert_msg(run_and_touch(ms[i]) == pas[i], "round %d, space %d", round, i);
	p->mm = mm;
	kernel_start(k, p);
	for (int i = 0; i < MANY; i++)
		mm_destroy(k, ms[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_pcid");
	TCase *tc = unit_tcase(s, "pcid", setup, guest_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_recycled_pcid_is_flushed);
	tcase_add_test(tc, test_more_live_spaces_than_pcids);
	return unit_run(s);
}
