/* watermark.c - the zone watermarks, by Linux's formulas (mm/page_alloc.c,
 * one zone): min_free_kbytes grows with the square root of memory,
 *
 *	min_free_kbytes = int_sqrt(16 * memory in KiB), within 128..262144
 *
 * (512 KiB at 16 MiB, 4 MiB at 1 GiB, 16 MiB at 16 GiB), the min
 * watermark is that many pages, and low and high sit above it by the
 * larger of a quarter of min and watermark_scale_factor/10000 of memory
 * (0.1% by default): low = min + gap, high = min + 2 * gap. Reclaim runs
 * in the background below low up to high, and directly below min
 * (reclaim.c); MemAvailable keeps high free and low of the cache
 * (meminfo.c). */
#include "kern.h"
#include "mm/internal.h"

#define MIN_FREE_KBYTES_MIN 128
#define MIN_FREE_KBYTES_MAX 262144
#define DEFAULT_WATERMARK_SCALE_FACTOR 10

/* Frames the allocator manages (all but frame 0 and the zero page). */
static uint64_t managed_pages(const struct kernel *k)
{
	return k->frames.nframes - FRAME_FIRST;
}

/* floor(sqrt(x)), as Linux's int_sqrt. */
static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0;
	for (uint64_t bit = 1ULL << 62; bit; bit >>= 2) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

void setup_per_zone_wmarks(struct kernel *k)
{
	uint64_t managed = managed_pages(k);
	uint64_t min = (uint64_t)k->vm.min_free_kbytes >> (PAGE_SHIFT - 10);
	uint64_t scaled = managed * (uint64_t)k->vm.watermark_scale_factor / 10000;
	uint64_t gap = min / 4 > scaled ? min / 4 : scaled;
	k->wmark_min = min;
	k->wmark_low = min + gap;
	k->wmark_high = min + 2 * gap;
}

void init_per_zone_wmark_min(struct kernel *k)
{
	uint64_t kbytes = int_sqrt((managed_pages(k) << (PAGE_SHIFT - 10)) * 16);
	if (kbytes < MIN_FREE_KBYTES_MIN)
		kbytes = MIN_FREE_KBYTES_MIN;
	if (kbytes > MIN_FREE_KBYTES_MAX)
		kbytes = MIN_FREE_KBYTES_MAX;
	k->vm.min_free_kbytes = (int)kbytes;
	k->vm.watermark_scale_factor = DEFAULT_WATERMARK_SCALE_FACTOR;
	setup_per_zone_wmarks(k);
}
