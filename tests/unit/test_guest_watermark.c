/* test_guest_watermark.c - the zone watermarks by Linux's formulas
 * (min_free_kbytes = int_sqrt(16 * memory in KiB), low and high from
 * watermark_scale_factor) at several sizes of guest memory, and
 * MemAvailable as Linux's si_mem_available moves it when the page cache
 * grows: 32 MiB of a file read at 1 GiB take it down by the low
 * watermark alone (half the cache or the low watermark stays counted as
 * needed, whichever is less). Real kernels without a CPU. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

static void with_memory(uint64_t size)
{
	const struct kernel_config cfg = {.mem_size = size};
	guest_create_kernel(&cfg);
}

/* Managed pages are all frames but frame 0 and the zero page. */
START_TEST(test_watermarks_by_size)
{
	static const struct {
		uint64_t mem;
		int min_free_kbytes;
		uint64_t min, low, high;
	} want[] = {
		/* 4094 pages: int_sqrt(16376 * 16) = 511; gap max(127/4, 4) */
		{16ULL << 20, 511, 127, 158, 189},
		/* 65534 pages: int_sqrt(262136 * 16) = 2047; gap max(511/4, 65) */
		{256ULL << 20, 2047, 511, 638, 765},
		/* 262142 pages: int_sqrt(1048568 * 16) = 4095; gap max(255, 262) */
		{1ULL << 30, 4095, 1023, 1285, 1547},
		/* 1048574 pages: int_sqrt(4194296 * 16) = 8191; gap max(511, 1048) */
		{4ULL << 30, 8191, 2047, 3095, 4143},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		with_memory(want[i].mem);
		ck_assert_int_eq(k->vm.min_free_kbytes, want[i].min_free_kbytes);
		ck_assert_int_eq(k->vm.watermark_scale_factor, 10);
		ck_assert_uint_eq(k->wmark_min, want[i].min);
		ck_assert_uint_eq(k->wmark_low, want[i].low);
		ck_assert_uint_eq(k->wmark_high, want[i].high);
		guest_teardown();
	}
}
END_TEST

START_TEST(test_available_after_reading_32mib)
{
	with_memory(1ULL << 30);
	char path[] = "/tmp/vmemu-watermark-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, 32 << 20), 0);
	struct mapping *m = filemap_get(k, fd, NULL);
	ck_assert_ptr_nonnull(m);
	struct meminfo before, after;
	kernel_meminfo(k, &before);
	for (uint64_t i = 0; i < (32 << 20) / PAGE_SIZE; i++) {
		struct cache_page *cp;
		ck_assert_int_eq(mapping_page(k, m, i, &cp), 0);
	}
	kernel_meminfo(k, &after);
	ck_assert_uint_eq(after.cached, before.cached + (32 << 10));
	ck_assert_uint_eq(before.mem_free - after.mem_free, 32 << 10);
	/* 8192 pages of cache, 1285 of them (the low watermark) not available. */
	ck_assert_uint_eq(before.mem_available - after.mem_available, 1285 * 4);
	mapping_put(m);
	close(fd);
	guest_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_watermark");
	TCase *tc = unit_tcase(s, "watermark", NULL, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_watermarks_by_size);
	tcase_add_test(tc, test_available_after_reading_32mib);
	return unit_run(s);
}
