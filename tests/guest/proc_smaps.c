/* proc_smaps: what /proc tells a process of its own memory, compared
 * with the native run. MADV_POPULATE_WRITE and _READ fault pages in (smaps
 * Rss and Anonymous of the region after a write; EINVAL on PROT_NONE for
 * a write, ENOMEM over a hole); /proc/self/pagemap's bits per page (present,
 * swapped, file or shared, exclusive; whether a PFN is shown);
 * smaps_rollup's header and fields; /proc/self/mem reads and writes a
 * read-only page (FOLL_FORCE) and fails with EIO at an unmapped address;
 * /proc/sys/kernel/pid_max and /proc/sys/vm/mmap_min_addr read as numbers;
 * /proc/vmstat's counters in Linux's order, pgfault and nr_mlock moving. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#define PAGES 8

/* Each page's pagemap bits: present, swapped, file or shared, exclusive,
 * a PFN shown; present_only: the first alone (a page populated by a read
 * may be the zero page or a page of its own, as the kernel's
 * configuration decides). */
static void show_pagemap(const char *what, const char *p, int pages, bool present_only)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0, "open pagemap: %s", strerror(errno));
	printf("%s: pagemap", what);
	for (int i = 0; i < pages; i++) {
		uint64_t e;
		off_t off = (off_t)(((uintptr_t)p / PAGE + (uintptr_t)i) * 8);
		CHECK(pread(fd, &e, 8, off) == 8, "pread pagemap: %s", strerror(errno));
		if (present_only)
			printf(" %c", e >> 63 & 1 ? 'p' : '-');
		else
			printf(" %c%c%c%c%c", e >> 63 & 1 ? 'p' : '-', e >> 62 & 1 ? 's' : '-',
			       e >> 61 & 1 ? 'f' : '-', e >> 56 & 1 ? 'x' : '-',
			       e & ((1ULL << 55) - 1) ? 'n' : '-');
	}
	printf("\n");
	close(fd);
}

/* A map of its own VMA: PROT_NONE guard pages on both sides. */
static char *map_alone(int pages, int flags)
{
	char *g = mmap(NULL, (size_t)(pages + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(g != MAP_FAILED, "mmap: %s", strerror(errno));
	char *p = mmap(g + PAGE, (size_t)pages * PAGE, PROT_READ | PROT_WRITE, flags | MAP_FIXED, -1, 0);
	CHECK(p == g + PAGE, "mmap fixed: %s", strerror(errno));
	return p;
}

static void check_populate(void)
{
	char *p = map_alone(PAGES, MAP_PRIVATE | MAP_ANONYMOUS);
	printf("mapped: Rss %ld Anonymous %ld\n", smaps_kb(p, "Rss"), smaps_kb(p, "Anonymous"));
	CHECK(madvise(p, 3 * PAGE, MADV_POPULATE_WRITE) == 0, "POPULATE_WRITE: %s", strerror(errno));
	printf("POPULATE_WRITE: Rss %ld Anonymous %ld\n", smaps_kb(p, "Rss"), smaps_kb(p, "Anonymous"));
	show_pagemap("POPULATE_WRITE", p, PAGES, false);
	CHECK(madvise(p + 4 * PAGE, 2 * PAGE, MADV_POPULATE_READ) == 0, "POPULATE_READ: %s",
	      strerror(errno));
	show_pagemap("POPULATE_READ", p, PAGES, true);
	CHECK(mprotect(p + 7 * PAGE, PAGE, PROT_NONE) == 0, "mprotect");
	CHECK_ERRNO(madvise(p + 7 * PAGE, PAGE, MADV_POPULATE_WRITE), EINVAL, "POPULATE_WRITE of PROT_NONE");
	CHECK(munmap(p + 6 * PAGE, PAGE) == 0, "munmap");
	CHECK_ERRNO(madvise(p + 5 * PAGE, 2 * PAGE, MADV_POPULATE_READ), ENOMEM, "POPULATE over a hole");
	munmap(p, PAGES * PAGE);

	char *s = map_alone(2, MAP_SHARED | MAP_ANONYMOUS);
	s[0] = 1;
	show_pagemap("shared", s, 2, false);
	munmap(s, 2 * PAGE);
}

static void check_mem(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	strcpy(p, "original");
	CHECK(mprotect(p, PAGE, PROT_READ) == 0, "mprotect");
	int fd = open("/proc/self/mem", O_RDWR);
	CHECK(fd >= 0, "open /proc/self/mem: %s", strerror(errno));
	printf("mem write to a read-only page: %ld\n", (long)pwrite(fd, "changed", 7, (off_t)(uintptr_t)p));
	char buf[16] = "";
	printf("mem read: %ld \"%s\", the page has \"%s\"\n", (long)pread(fd, buf, 8, (off_t)(uintptr_t)p),
	       buf, p);
	munmap(p, PAGE);
	long r = (long)pread(fd, buf, 8, (off_t)(uintptr_t)p);
	printf("mem read of an unmapped page: %ld errno %d\n", r, r < 0 ? errno : 0);
	close(fd);
}

static void check_rollup_and_sysctls(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	CHECK(f != NULL, "open smaps_rollup: %s", strerror(errno));
	char line[256];
	CHECK(fgets(line, sizeof(line), f), "smaps_rollup is empty");
	printf("smaps_rollup header ends with [rollup]: %s\n", strstr(line, "[rollup]") ? "yes" : "no");
	printf("smaps_rollup fields:");
	while (fgets(line, sizeof(line), f))
		printf(" %.*s", (int)strcspn(line, ":"), line);
	printf("\n");
	fclose(f);
	static const char *const sysctls[] = {"/proc/sys/kernel/pid_max", "/proc/sys/vm/mmap_min_addr",
					      "/proc/sys/vm/max_map_count"};
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		f = fopen(sysctls[i], "r");
		CHECK(f != NULL, "open %s: %s", sysctls[i], strerror(errno));
		long v = -1;
		CHECK(fscanf(f, "%ld", &v) == 1 && v >= 0, "%s is no number", sysctls[i]);
		fclose(f);
	}
}

/* /proc/vmstat's value of name, -1 if missing; *order gets its line. */
static long vmstat(const char *name, int *order)
{
	FILE *f = fopen("/proc/vmstat", "r");
	CHECK(f != NULL, "open /proc/vmstat: %s", strerror(errno));
	char line[256], n[128];
	long v = -1, val;
	for (int i = 0; fgets(line, sizeof(line), f); i++) {
		CHECK(sscanf(line, "%127s %ld", n, &val) == 2, "a /proc/vmstat line: %s", line);
		if (!strcmp(n, name)) {
			v = val;
			*order = i;
		}
	}
	fclose(f);
	return v;
}

/* The counters vmemu keeps are there, in Linux's order; pgfault counts
 * 256 new pages, nr_mlock 16 locked ones (the host may lock more). */
static void check_vmstat(void)
{
	static const char *const names[] = {
		"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
		"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable", "nr_mlock",
		"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
		"nr_unevictable", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty",
		"nr_writeback", "nr_shmem", "nr_page_table_pages", "nr_swapcached", "pswpin",
		"pswpout", "pgactivate", "pgdeactivate", "pgfault", "oom_kill"};
	int last = -1, order = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK(vmstat(names[i], &order) >= 0, "no %s in /proc/vmstat", names[i]);
		CHECK(order > last, "%s out of Linux's order in /proc/vmstat", names[i]);
		last = order;
	}
	long before = vmstat("pgfault", &order);
	char *p = mmap(NULL, 256 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	for (int i = 0; i < 256; i++)
		p[i * PAGE] = 1;
	long after = vmstat("pgfault", &order);
	CHECK(mlock(p, 16 * PAGE) == 0, "mlock: %s", strerror(errno));
	long mlocked = vmstat("nr_mlock", &order);
	printf("vmstat: names in order; pgfault grew by at least 256: %s; nr_mlock at least 16: %s\n",
	       after - before >= 256 ? "yes" : "no", mlocked >= 16 ? "yes" : "no");
	munmap(p, 256 * PAGE);
}

int main(void)
{
	check_vmstat();
	check_populate();
	check_mem();
	check_rollup_and_sysctls();
	return 0;
}
