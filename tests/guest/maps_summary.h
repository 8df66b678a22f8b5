/* maps_summary.h - the lines of /proc/self/maps inside one region, printed
 * relative to its start (pages), so that a run natively and one under
 * vmemu can be compared when the program placed its maps itself. */
#ifndef MAPS_SUMMARY_H
#define MAPS_SUMMARY_H

#include <stdint.h>
#include <sys/mman.h>

#include "guest_test.h"

/* Prints "what: " and each VMA in [lo, lo + pages * PAGE) as
 * "[start,end) perms kind", kind being anon, shmem or file@OFFSET
 * (pages), on one line. */
static inline void maps_summary(const char *what, const void *lo, size_t pages)
{
	uintptr_t base = (uintptr_t)lo, top = base + pages * PAGE;
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL, "open /proc/self/maps: %s", strerror(errno));
	printf("%s:", what);
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, off, ino;
		char perms[5], dev[16], name[256] = "";
		if (sscanf(line, "%lx-%lx %4s %lx %15s %lu %255[^\n]", &start, &end, perms, &off, dev,
			   &ino, name) < 6)
			fail("a line of /proc/self/maps: %s", line);
		if (end <= base || start >= top)
			continue;
		printf(" [%lu,%lu) %s ", (start - base) / PAGE, (end - base) / PAGE, perms);
		if (strstr(name, "/dev/zero") || strstr(name, "SYSV"))
			printf("shmem");
		else if (ino)
			printf("file@%lu", off / PAGE);
		else
			printf("anon");
	}
	printf("\n");
	fclose(f);
}

/* A hole of n pages with nothing mapped in it (mapped and unmapped at once). */
static inline unsigned char *maps_hole(size_t n)
{
	void *p = mmap(NULL, n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(munmap(p, n * PAGE) == 0, "munmap: %s", strerror(errno));
	return p;
}

#endif
