/* page_pattern.h - what the memory-pressure tests write and check: every
 * page has its own pseudo-random contents, generated from (seed, page,
 * generation), so a page can be re-generated and checked alone, in any
 * order; and the standard CRC-32 of an area, which does not depend on how
 * the pattern was made (the harness compares it with the native run's). */
#ifndef PAGE_PATTERN_H
#define PAGE_PATTERN_H

#include <stdint.h>

#include "guest_test.h"

/* CRC-32 (IEEE 802.3, as zlib's crc32()), continued from crc (0 to start). */
static inline uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int b = 0; b < 8; b++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* A non-zero xorshift state for (page, generation): splitmix64 of the pair. */
static inline unsigned long long page_seed(unsigned long long seed, size_t page, unsigned gen)
{
	unsigned long long z = seed + page * 0x9e3779b97f4a7c15ULL + gen * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

static inline void page_fill(unsigned char *p, size_t page, unsigned long long seed, unsigned gen)
{
	unsigned long long s = page_seed(seed, page, gen);
	uint64_t *w = (uint64_t *)(p + page * PAGE);
	for (size_t i = 0; i < PAGE / 8; i++)
		w[i] = rng_next(&s);
}

/* Word i of the page's pattern, as page_fill writes it. */
static inline uint64_t page_word(unsigned long long seed, size_t page, unsigned gen, size_t i)
{
	unsigned long long s = page_seed(seed, page, gen);
	uint64_t w = rng_next(&s);
	while (i--)
		w = rng_next(&s);
	return w;
}

/* The first word of the page that differs from the pattern (*got, *want),
 * or -1 when the page is intact. */
static inline long page_check(const unsigned char *p, size_t page, unsigned long long seed,
			      unsigned gen, uint64_t *got, uint64_t *want)
{
	unsigned long long s = page_seed(seed, page, gen);
	const uint64_t *w = (const uint64_t *)(p + page * PAGE);
	for (size_t i = 0; i < PAGE / 8; i++) {
		uint64_t expect = rng_next(&s);
		if (w[i] != expect) {
			*got = w[i];
			*want = expect;
			return (long)i;
		}
	}
	return -1;
}

#endif
