/* frag: why virtual memory exists, on huge pages. Physical memory is
 * fragmented until no 2 MiB block is free (/proc/buddyinfo), yet a large
 * map still works and is contiguous in the program's address space; a
 * THP fault there falls back to 4 KiB pages, unless the region asked for
 * huge pages (MADV_HUGEPAGE), where compaction moves pages to free a block.
 *
 * usage: frag fragment   (vmemu only, with --mem 64M --thp always)
 *        frag            (natively: the maps alone, nothing fragmented)
 *
 * "fragment" touches 4 KiB pages (MADV_NOHUGEPAGE) until /proc/buddyinfo
 * shows no free block of order 9 or 10, then drops every other page: half
 * of memory comes free, in single pages. It is never run natively: it
 * would fill the host's memory. */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE (2UL << 20)
#define REGION (4UL << 20)

/* Free blocks of order 9 and 10 in /proc/buddyinfo. */
static long huge_blocks(void)
{
	FILE *f = fopen("/proc/buddyinfo", "r");
	long n[11] = {0};
	CHECK(f, "open /proc/buddyinfo: %s", strerror(errno));
	CHECK(fscanf(f, "Node 0, zone %*s %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &n[0], &n[1],
		     &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8], &n[9], &n[10]) == 11,
	      "unexpected /proc/buddyinfo");
	fclose(f);
	return n[9] + n[10];
}

/* A 2 MiB-aligned region, with advice. */
static unsigned char *region(int advice)
{
	unsigned char *raw = mmap(NULL, REGION + HUGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(raw != MAP_FAILED, "mmap: %s", strerror(errno));
	unsigned char *p = (unsigned char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	CHECK(madvise(p, REGION, advice) == 0, "madvise: %s", strerror(errno));
	return p;
}

/* Writes every word of the region, then reads them back: contiguous in
 * the address space whatever frames lie behind it. */
static void use(unsigned char *p, unsigned seed)
{
	uint64_t *w = (uint64_t *)p;
	for (size_t i = 0; i < REGION / 8; i++)
		w[i] = i * 0x9e3779b97f4a7c15ULL + seed;
	for (size_t i = 0; i < REGION / 8; i++)
		CHECK(w[i] == i * 0x9e3779b97f4a7c15ULL + seed, "word %zu of the region lost", i);
}

static size_t fragment(unsigned char **area)
{
	size_t len = 64UL << 20, n = 0;
	/* As large as memory: MAP_NORESERVE, or vm.overcommit_memory 0 refuses it. */
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(madvise(p, len, MADV_NOHUGEPAGE) == 0, "madvise: %s", strerror(errno));
	while (huge_blocks() > 0) {
		CHECK(n < len / PAGE, "64 MiB touched and still a free 2 MiB block");
		for (size_t i = 0; i < 16; i++, n++)
			p[n * PAGE] = (unsigned char)n;
	}
	/* The last pages stay: they hold the block whose split ended it. */
	for (size_t i = 0; i + 32 < n; i += 2)
		CHECK(madvise(p + i * PAGE, PAGE, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
	*area = p;
	return n;
}

int main(int argc, char **argv)
{
	int frag = argc > 1 && !strcmp(argv[1], "fragment");
	unsigned char *area = NULL;
	size_t n = frag ? fragment(&area) : 0;
	if (frag)
		printf("fragmented: free 2 MiB blocks %ld\n", huge_blocks());
	long fallback = frag ? proc_vmstat("thp_fault_fallback") : 0;
	use(region(MADV_NORMAL), 1);
	if (frag)
		printf("without MADV_HUGEPAGE: %ld fallbacks to 4 KiB pages\n",
		       proc_vmstat("thp_fault_fallback") - fallback);
	long huge = frag ? proc_vmstat("thp_fault_alloc") : 0;
	use(region(MADV_HUGEPAGE), 2);
	if (frag)
		printf("with MADV_HUGEPAGE: %s, compaction %s\n",
		       proc_vmstat("thp_fault_alloc") > huge ? "huge pages" : "no huge page",
		       proc_vmstat("compact_success") > 0 ? "moved pages" : "did nothing");
	for (size_t i = 1; frag && i < n; i += 2)
		CHECK(area[i * PAGE] == (unsigned char)i, "page %zu changed when it moved", i);
	printf("both regions hold their data\n");
	return 0;
}
