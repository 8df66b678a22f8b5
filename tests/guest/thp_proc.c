/* thp_proc: what /proc and the calls that look at single pages show of
 * transparent huge pages, natively and under vmemu alike. 8 MiB at a
 * 2 MiB boundary with MADV_HUGEPAGE, every page written (four huge pages):
 *
 *   smaps     Rss, Private_Dirty, Anonymous and AnonHugePages are the
 *             whole region, THPeligible 1 (0 after MADV_NOHUGEPAGE on a
 *             region that has no huge page)
 *   pagemap   every page present and exclusive; as root, whose frames it
 *             shows, the frames of each 2 MiB are consecutive
 *   mem       a write and a read through /proc/self/mem inside a huge page
 *             reach the page and leave it huge (AnonHugePages unchanged)
 *   mincore   every page resident
 *   mlock     Locked is the whole region
 *   populate  MADV_POPULATE_WRITE of 4 MiB more maps two huge pages
 *
 * Each result is printed; the test compares them with the native run's. */
#include "guest_test.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE (2UL << 20)
#define LEN (8UL << 20)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static void show_smaps(const char *when, const void *p, const char *const *fields)
{
	printf("%s:", when);
	for (; *fields; fields++)
		printf(" %s %ld", *fields, smaps_kb(p, *fields));
	printf("\n");
}

/* pagemap: every page present and mapped by this process alone; frames
 * consecutive within each 2 MiB where they are shown. */
static void check_pagemap(const unsigned char *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0, "open /proc/self/pagemap: %s", strerror(errno));
	uint64_t e[HUGE / PAGE];
	for (size_t h = 0; h < len / HUGE; h++) {
		off_t at = (off_t)(((uintptr_t)p + h * HUGE) / PAGE * sizeof(uint64_t));
		CHECK(pread(fd, e, sizeof(e), at) == (ssize_t)sizeof(e), "pread pagemap: %s",
		      strerror(errno));
		uint64_t pfn0 = e[0] & ((1ULL << 55) - 1);
		for (size_t i = 0; i < HUGE / PAGE; i++) {
			CHECK(e[i] >> 63, "page %zu of huge page %zu is not present", i, h);
			CHECK(e[i] >> 56 & 1, "page %zu of huge page %zu is not exclusive", i, h);
			uint64_t pfn = e[i] & ((1ULL << 55) - 1);
			CHECK(!pfn0 || pfn == pfn0 + i, "page %zu of huge page %zu: frame %#llx after %#llx",
			      i, h, (unsigned long long)pfn, (unsigned long long)pfn0);
		}
	}
	close(fd);
	printf("pagemap: every page present and exclusive, frames contiguous\n");
}

static void check_mem(unsigned char *p)
{
	int fd = open("/proc/self/mem", O_RDWR);
	CHECK(fd >= 0, "open /proc/self/mem: %s", strerror(errno));
	const char text[] = "through /proc/self/mem";
	off_t at = (off_t)(uintptr_t)(p + HUGE + 12345);
	CHECK(pwrite(fd, text, sizeof(text), at) == (ssize_t)sizeof(text), "pwrite mem: %s",
	      strerror(errno));
	CHECK(!memcmp(p + HUGE + 12345, text, sizeof(text)), "the write did not reach the page");
	p[3 * HUGE + 777] = 0x5a;
	unsigned char got = 0;
	CHECK(pread(fd, &got, 1, (off_t)(uintptr_t)(p + 3 * HUGE + 777)) == 1, "pread mem: %s",
	      strerror(errno));
	CHECK(got == 0x5a, "read %#x through /proc/self/mem, expected 0x5a", got);
	close(fd);
	printf("mem: a write and a read inside huge pages\n");
}

static void check_mincore(unsigned char *p, size_t len)
{
	unsigned char vec[LEN / PAGE];
	CHECK(mincore(p, len, vec) == 0, "mincore: %s", strerror(errno));
	size_t resident = 0;
	for (size_t i = 0; i < len / PAGE; i++)
		resident += vec[i] & 1;
	printf("mincore: %zu of %zu pages resident\n", resident, len / PAGE);
}

int main(void)
{
	static const char *const sizes[] = {"Rss", "Private_Dirty", "Anonymous", "AnonHugePages",
					    "THPeligible", NULL};
	static const char *const locked[] = {"AnonHugePages", "Locked", NULL};
	unsigned char *p = map_2m_aligned(LEN);
	CHECK(madvise(p, LEN, MADV_HUGEPAGE) == 0, "MADV_HUGEPAGE: %s", strerror(errno));
	for (size_t off = 0; off < LEN; off += PAGE)
		p[off] = (unsigned char)(off >> 12);
	show_smaps("filled", p, sizes);
	check_pagemap(p, LEN);
	check_mem(p);
	show_smaps("after mem", p, sizes);
	check_mincore(p, LEN);
	CHECK(mlock(p, LEN) == 0, "mlock: %s", strerror(errno));
	show_smaps("mlocked", p, locked);
	CHECK(munlock(p, LEN) == 0, "munlock: %s", strerror(errno));

	unsigned char *q = map_2m_aligned(4UL << 20);
	CHECK(madvise(q, 4UL << 20, MADV_HUGEPAGE) == 0, "MADV_HUGEPAGE: %s", strerror(errno));
	CHECK(madvise(q, 4UL << 20, MADV_POPULATE_WRITE) == 0, "MADV_POPULATE_WRITE: %s",
	      strerror(errno));
	show_smaps("populated", q, sizes);
	CHECK(madvise(q, 4UL << 20, MADV_DONTNEED) == 0, "MADV_DONTNEED: %s", strerror(errno));
	CHECK(madvise(q, 4UL << 20, MADV_NOHUGEPAGE) == 0, "MADV_NOHUGEPAGE: %s", strerror(errno));
	show_smaps("nohugepage", q, sizes);
	return 0;
}
