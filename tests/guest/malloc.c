/* malloc: the heap as both libcs build it, from brk and from mmap.
 *
 *   small blocks: thousands of 16..1024-byte blocks filled with patterns,
 *     verified, half freed, the rest grown with realloc (contents kept),
 *     verified again and freed;
 *   large blocks: 64 MiB (served by mmap in musl and glibc), every page
 *     written and verified, freed, twice;
 *   calloc: zeroed both when fresh (large) and when reusing dirty memory
 *     (small blocks allocated after dirty ones were freed). */
#include "guest_test.h"

#include <stdint.h>

#define NSMALL 20000

static unsigned char pattern(size_t block, size_t i)
{
	return (unsigned char)(block * 131 + i * 7 + 1);
}

static void fill(unsigned char *p, size_t n, size_t block)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(block, i);
}

static void verify(const unsigned char *p, size_t n, size_t block, const char *when)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(block, i))
			fail("%s: block %zu (%p) byte %zu is %#x, expected %#x", when, block,
			     (const void *)p, i, p[i], pattern(block, i));
}

static void small_blocks(void)
{
	static unsigned char *blk[NSMALL];
	static size_t len[NSMALL];
	unsigned long long s = 0x9e3779b97f4a7c15ULL;

	for (size_t b = 0; b < NSMALL; b++) {
		len[b] = 16 + rng_next(&s) % (1024 - 16 + 1);
		blk[b] = malloc(len[b]);
		CHECK(blk[b] != NULL, "malloc(%zu) #%zu returned NULL", len[b], b);
		CHECK(((uintptr_t)blk[b] & 15) == 0, "malloc(%zu) returned %p, not 16-aligned",
		      len[b], (void *)blk[b]);
		fill(blk[b], len[b], b);
	}
	for (size_t b = 0; b < NSMALL; b++)
		verify(blk[b], len[b], b, "after filling all small blocks");

	for (size_t b = 0; b < NSMALL; b += 2) {
		free(blk[b]);
		blk[b] = NULL;
	}
	/* Grow the odd blocks step by step; the old bytes must follow. */
	for (size_t b = 1; b < NSMALL; b += 2) {
		size_t grow = len[b] * 2 + rng_next(&s) % 4096;
		unsigned char *p = realloc(blk[b], grow);
		CHECK(p != NULL, "realloc(%p, %zu) returned NULL", (void *)blk[b], grow);
		verify(p, len[b], b, "after realloc growth");
		fill(p, grow, b);
		blk[b] = p;
		len[b] = grow;
	}
	/* Shrinking keeps the prefix too. */
	for (size_t b = 1; b < NSMALL; b += 4) {
		unsigned char *p = realloc(blk[b], len[b] / 3 + 1);
		CHECK(p != NULL, "realloc shrink returned NULL");
		blk[b] = p;
		len[b] = len[b] / 3 + 1;
	}
	for (size_t b = 1; b < NSMALL; b += 2)
		verify(blk[b], len[b], b, "before freeing");
	for (size_t b = 1; b < NSMALL; b += 2)
		free(blk[b]);
}

static void large_block(int round)
{
	size_t n = 64UL << 20;
	unsigned char *p = malloc(n);
	CHECK(p != NULL, "malloc(64 MiB) returned NULL (round %d)", round);
	for (size_t off = 0; off < n; off += PAGE) {
		p[off] = (unsigned char)(off / PAGE + round);
		p[off + PAGE - 1 < n ? off + PAGE - 1 : n - 1] = (unsigned char)(off / PAGE * 3);
	}
	for (size_t off = 0; off < n; off += PAGE) {
		CHECK(p[off] == (unsigned char)(off / PAGE + round),
		      "64 MiB block: first byte of page %zu is %#x (round %d)", off / PAGE, p[off],
		      round);
		CHECK(p[off + PAGE - 1] == (unsigned char)(off / PAGE * 3),
		      "64 MiB block: last byte of page %zu is %#x", off / PAGE, p[off + PAGE - 1]);
	}
	free(p);
}

static void check_zero(const unsigned char *p, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			fail("%s: byte %zu of %zu is %#x, expected 0", what, i, n, p[i]);
}

static void calloc_zeroed(void)
{
	/* Dirty the heap, free it, then calloc must still hand out zeros. */
	enum { N = 2000 };
	static void *dirty[N];
	for (int i = 0; i < N; i++) {
		dirty[i] = malloc(48 + (size_t)i % 700);
		CHECK(dirty[i] != NULL, "malloc for dirtying returned NULL");
		memset(dirty[i], 0xa5, 48 + (size_t)i % 700);
	}
	for (int i = 0; i < N; i++)
		free(dirty[i]);
	for (int i = 0; i < N; i++) {
		size_t n = 48 + (size_t)i % 700;
		dirty[i] = calloc(1, n);
		CHECK(dirty[i] != NULL, "calloc(1, %zu) returned NULL", n);
		check_zero(dirty[i], n, "calloc reusing freed blocks");
	}
	for (int i = 0; i < N; i++)
		free(dirty[i]);

	size_t big = 32UL << 20;
	unsigned char *p = calloc(big / 16, 16);
	CHECK(p != NULL, "calloc(32 MiB) returned NULL");
	check_zero(p, big, "calloc(32 MiB)");
	free(p);

	volatile size_t huge = SIZE_MAX / 2; /* volatile: the compiler rejects the constant */
	errno = 0;
	p = calloc(huge, 4);
	CHECK(p == NULL && errno == ENOMEM, "calloc overflowing size_t returned %p errno %d",
	      (void *)p, errno);
}

int main(void)
{
	small_blocks();
	large_block(1);
	large_block(2);
	calloc_zeroed();
	small_blocks();
	return 0;
}
