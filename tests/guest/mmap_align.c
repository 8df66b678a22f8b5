/* mmap_align: where mmap puts a private anonymous map given no hint. Since
 * Linux 6.7 (thp_get_unmapped_area for anonymous memory; 6.10 on only for
 * lengths that are multiples of 2 MiB) such a map starts at a 2 MiB
 * boundary, whatever the THP mode, so that huge pages can back it whole.
 * The program maps 2, 4 and 8 MiB, and 2 MiB again after a 4 KiB map
 * that leaves the free space unaligned, and prints whether each start is
 * at a 2 MiB boundary; a hint that is free is taken as it is. It checks
 * that the maps are usable. vmemu only: a host kernel before 6.7 gives
 * other answers. */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE (2UL << 20)

static void *map(void *hint, size_t len)
{
	void *p = mmap(hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap %zu: %s", len, strerror(errno));
	memset(p, 1, len);
	return p;
}

static void show(const char *what, const void *p)
{
	printf("%s: %s\n", what, (uintptr_t)p % HUGE ? "not at a 2 MiB boundary" : "at a 2 MiB boundary");
}

int main(void)
{
	show("2 MiB", map(NULL, HUGE));
	show("4 MiB", map(NULL, 2 * HUGE));
	show("8 MiB", map(NULL, 4 * HUGE));
	map(NULL, PAGE);
	show("2 MiB after 4 KiB", map(NULL, HUGE));
	/* A free hint is kept: one page into an aligned free area. */
	char *area = map(NULL, 2 * HUGE);
	CHECK(munmap(area, 2 * HUGE) == 0, "munmap: %s", strerror(errno));
	char *hinted = map(area + PAGE, HUGE);
	printf("hinted 2 MiB: %s\n", hinted == area + PAGE ? "at the hint" : "elsewhere");
	return 0;
}
