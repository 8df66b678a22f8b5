/* test_core_tlb_growth.c - the mirror of QEMU's TLB sizing and when it asks
 * for a flush. Times are given, never read: no clock in these tests. */
#include <check.h>
#include <stdint.h>

#include "tlb_growth.h"
#include "unit.h"

#define MS 1000000ULL
#define PAGE 4096ULL

static struct tlb_growth g;

static void setup(void)
{
	ck_assert(tlb_growth_init(&g, 0));
}

static void teardown(void)
{
	tlb_growth_destroy(&g);
}

/* n fills of distinct pages that land in distinct slots (n <= entries). */
static void fill_distinct(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		tlb_growth_fill(&g, 0x400000 + i * PAGE);
}

START_TEST(test_starts_at_qemu_default)
{
	ck_assert_uint_eq(g.bits, 8);
	ck_assert_uint_eq(g.used, 0);
	ck_assert(!tlb_growth_due(&g));
}
END_TEST

/* QEMU's rate is an integer percentage: 181/256 is 70%, 182/256 is 71%. */
START_TEST(test_grows_only_past_70_percent)
{
	ck_assert_uint_eq(tlb_growth_resize(8, 181, false), 8);
	ck_assert_uint_eq(tlb_growth_resize(8, 182, false), 9);
	ck_assert_uint_eq(tlb_growth_resize(8, 256, true), 9);
	ck_assert_uint_eq(tlb_growth_resize(22, 1u << 22, true), 22);
}
END_TEST

/* Below 30% only once the 100 ms window is over, to the smallest power of
 * two that holds the peak at no more than 70%, never below 64 entries. */
START_TEST(test_shrinks_after_window_to_fit_peak)
{
	ck_assert_uint_eq(tlb_growth_resize(12, 100, false), 12);
	ck_assert_uint_eq(tlb_growth_resize(12, 100, true), 8);	/* 100/128 = 78% */
	ck_assert_uint_eq(tlb_growth_resize(12, 80, true), 7);	/* 80/128 = 62% */
	ck_assert_uint_eq(tlb_growth_resize(12, 10, true), 6);	/* never below 64 */
	ck_assert_uint_eq(tlb_growth_resize(12, 1500, true), 12); /* 36%: stays */
}
END_TEST

START_TEST(test_same_page_again_counts_twice)
{
	tlb_growth_fill(&g, 0x5000);
	tlb_growth_fill(&g, 0x5123); /* same page, e.g. a write after a read */
	ck_assert_uint_eq(g.used, 2);
	tlb_growth_fill(&g, 0x5000 + 256 * PAGE); /* same slot, other page */
	ck_assert_uint_eq(g.used, 2);
	ck_assert_uint_eq(g.fills, 3);
}
END_TEST

/* Full enough but too few fills per entry: not yet; then due. */
START_TEST(test_due_needs_fills_per_entry)
{
	fill_distinct(200);
	ck_assert(!tlb_growth_due(&g));
	for (uint64_t i = 200; i < TLB_GROWTH_FILLS_PER_ENTRY * 256 - 1; i++)
		tlb_growth_fill(&g, 0x400000 + (i % 200) * PAGE + 256 * PAGE);
	ck_assert(!tlb_growth_due(&g));
	tlb_growth_fill(&g, 0x400000);
	ck_assert(tlb_growth_due(&g));
}
END_TEST

/* Many fills, but two pages fight over each of 100 slots: QEMU counts
 * 100 entries in use (39%) and would not grow, so no flush. */
START_TEST(test_not_due_when_pages_conflict)
{
	for (uint64_t i = 0; i < 100 * 256; i++)
		tlb_growth_fill(&g, ((i / 2) % 100 + (i % 2) * 256) * PAGE);
	ck_assert_uint_eq(g.used, 100);
	ck_assert(!tlb_growth_due(&g));
}
END_TEST

START_TEST(test_flush_grows_and_resets)
{
	fill_distinct(256);
	tlb_growth_flushed(&g, 1 * MS);
	ck_assert_uint_eq(g.bits, 9);
	ck_assert_uint_eq(g.grows, 1);
	ck_assert_uint_eq(g.used, 0);
	ck_assert_uint_eq(g.fills, 0);
	ck_assert_uint_eq(g.window_max, 0);
	ck_assert_uint_eq(g.window_begin, 1 * MS);
	/* The new table has room: the 256 pages and 256 more, each alone. */
	fill_distinct(512);
	ck_assert_uint_eq(g.used, 512);
}
END_TEST

/* A flush with no fill since the last one leaves everything alone, as
 * QEMU skips a clean table. */
START_TEST(test_clean_flush_changes_nothing)
{
	fill_distinct(256);
	tlb_growth_flushed(&g, 1 * MS);
	tlb_growth_flushed(&g, 500 * MS);
	ck_assert_uint_eq(g.bits, 9);
	ck_assert_uint_eq(g.window_begin, 1 * MS);
	ck_assert_uint_eq(g.flushes, 2);
}
END_TEST

/* The window keeps its peak across flushes and shrinks only after 100 ms. */
START_TEST(test_window_peak_then_shrink)
{
	fill_distinct(256);
	tlb_growth_flushed(&g, 0); /* 512 entries, window from 0 */
	fill_distinct(100);
	tlb_growth_flushed(&g, 50 * MS);
	ck_assert_uint_eq(g.bits, 9);
	ck_assert_uint_eq(g.window_max, 100);
	fill_distinct(10);
	tlb_growth_flushed(&g, 101 * MS); /* peak 100 of 512: 19% */
	ck_assert_uint_eq(g.bits, 8);	/* 100/128 > 70%: 256 */
	ck_assert_uint_eq(g.window_begin, 101 * MS);
	ck_assert_uint_eq(g.window_max, 0);
}
END_TEST

/* An expired window that does not resize starts again from the use at
 * this flush. */
START_TEST(test_expired_window_restarts)
{
	fill_distinct(100); /* 39% of 256: neither grows nor shrinks */
	tlb_growth_flushed(&g, 150 * MS);
	ck_assert_uint_eq(g.bits, 8);
	ck_assert_uint_eq(g.window_begin, 150 * MS);
	ck_assert_uint_eq(g.window_max, 100);
}
END_TEST

/* Past TLB_GROWTH_MAX_BITS it asks no more, though QEMU would still grow
 * at flushes others make. */
START_TEST(test_stops_asking_at_cap)
{
	while (g.bits < TLB_GROWTH_MAX_BITS) {
		fill_distinct((uint64_t)1 << g.bits);
		tlb_growth_flushed(&g, 0);
	}
	ck_assert_uint_eq(g.grows, TLB_GROWTH_MAX_BITS - 8);
	for (uint64_t i = 0; i < TLB_GROWTH_FILLS_PER_ENTRY; i++)
		fill_distinct((uint64_t)1 << g.bits);
	ck_assert(!tlb_growth_due(&g));
	tlb_growth_flushed(&g, 0);
	ck_assert_uint_eq(g.bits, TLB_GROWTH_MAX_BITS + 1);
	ck_assert_uint_eq(g.peak_bits, TLB_GROWTH_MAX_BITS + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_tlb_growth");
	TCase *tc = unit_tcase(s, "tlb_growth", setup, teardown);
	tcase_add_test(tc, test_starts_at_qemu_default);
	tcase_add_test(tc, test_grows_only_past_70_percent);
	tcase_add_test(tc, test_shrinks_after_window_to_fit_peak);
	tcase_add_test(tc, test_same_page_again_counts_twice);
	tcase_add_test(tc, test_due_needs_fills_per_entry);
	tcase_add_test(tc, test_not_due_when_pages_conflict);
	tcase_add_test(tc, test_flush_grows_and_resets);
	tcase_add_test(tc, test_clean_flush_changes_nothing);
	tcase_add_test(tc, test_window_peak_then_shrink);
	tcase_add_test(tc, test_expired_window_restarts);
	tcase_add_test(tc, test_stops_asking_at_cap);
	return unit_run(s);
}
