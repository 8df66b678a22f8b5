/* mem_lru: a small set of pages used all the time stays in memory while
 * far more memory than the machine has streams past it.
 *
 * usage: mem_lru [HOT_MIB COLD_MIB]   (default 4 and 160)
 *
 * The hot set is written first; then the cold memory is written once, 8
 * MiB at a time, and after each step every hot page is read and written
 * again. Under vmemu with --mem 64M and swap, the cold pages must go to
 * swap, and the hot ones should not: they are referenced between every two
 * looks of reclaim, so the LRU lists keep them active. The first time
 * memory runs short, reclaim cannot tell them apart yet (every page starts
 * with A set by the fault that mapped it, as on Linux), so the hot set may
 * be swapped once; after that first pass with major faults (getrusage),
 * the later passes together must take fewer than one in 16 of the hot
 * pages. Natively there are none. Every page is checked at the end (the
 * pattern of page_pattern.h). */
#include "guest_test.h"
#include "page_pattern.h"

#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define HOT_SEED 0x686f74ULL   /* "hot" */
#define COLD_SEED 0x636f6c64ULL /* "cold" */
#define STEP_MIB 8

static long majflt(void)
{
	struct rusage ru;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage: %s", strerror(errno));
	return ru.ru_majflt;
}

static unsigned char *map(size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap(%zu MiB): %s", len >> 20, strerror(errno));
	return p;
}

static void check(const unsigned char *p, size_t page, unsigned long long seed, unsigned gen,
		  const char *what)
{
	uint64_t got, want;
	long i = page_check(p, page, seed, gen, &got, &want);
	if (i >= 0)
		fail("%s page %zu word %ld is %#llx, expected %#llx", what, page, i,
		     (unsigned long long)got, (unsigned long long)want);
}

int main(int argc, char **argv)
{
	size_t hot_mib = argc > 2 ? strtoul(argv[1], NULL, 10) : 4;
	size_t cold_mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 160;
	CHECK(hot_mib > 0 && cold_mib >= STEP_MIB && cold_mib % STEP_MIB == 0,
	      "bad sizes (HOT_MIB > 0, COLD_MIB a multiple of %d)", STEP_MIB);
	size_t hot_pages = (hot_mib << 20) / PAGE, cold_pages = (cold_mib << 20) / PAGE;
	size_t step_pages = ((size_t)STEP_MIB << 20) / PAGE;
	unsigned char *hot = map(hot_mib << 20), *cold = map(cold_mib << 20);
	for (size_t i = 0; i < hot_pages; i++)
		page_fill(hot, i, HOT_SEED, 1);

	long hot_faults = 0; /* in the passes after the first that had any */
	bool pressure = false;
	unsigned gen = 1;
	for (size_t done = 0; done < cold_pages; done += step_pages) {
		for (size_t i = done; i < done + step_pages; i++)
			page_fill(cold, i, COLD_SEED, 1);
		long before = majflt();
		for (size_t i = 0; i < hot_pages; i++) {
			check(hot, i, HOT_SEED, gen, "hot");
			page_fill(hot, i, HOT_SEED, gen + 1);
		}
		gen++;
		long faults = majflt() - before;
		if (pressure)
			hot_faults += faults;
		pressure |= faults > 0;
	}
	for (size_t i = 0; i < cold_pages; i++)
		check(cold, i, COLD_SEED, 1, "cold");
	for (size_t i = 0; i < hot_pages; i++)
		check(hot, i, HOT_SEED, gen, "hot");
	CHECK(hot_faults < (long)hot_pages / 16,
	      "%ld major faults on the %zu-page hot set after it first went to swap: not kept",
	      hot_faults, hot_pages);
	printf("mem_lru: %zu MiB hot set kept while %zu MiB streamed past: ok\n", hot_mib, cold_mib);
	return 0;
}
