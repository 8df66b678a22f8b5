/* mem_swap: more anonymous memory than the machine has, so pages go to swap
 * and come back, several times, and must come back intact.
 *
 * usage: mem_swap [MIB]   (default 128)
 *
 * Pass 1 fills MIB MiB page by page, in address order, with generation 1 of
 * a pseudo-random pattern: every page has its own generator, seeded from
 * (page number, generation), so a page can be re-generated and checked
 * alone, in any order. Pass 2 visits the pages in a random order, checks
 * each against generation 1 and overwrites it with generation 2 (so every
 * page is dirty again and must be written out again). Pass 3 checks
 * generation 2 in another random order. After passes 1 and 3 a CRC-32 of
 * the whole area, in address order, is printed: it does not depend on how
 * the pattern was generated, and the harness compares it with the native
 * run's. With MIB well above vmemu's --mem, every pass swaps most pages out
 * and back in. */
#include "guest_test.h"
#include "page_pattern.h"

#include <stdint.h>
#include <sys/mman.h>

#define SEED 0x6d656d5f73776170ULL /* "mem_swap" */

static void fill_page(unsigned char *p, size_t page, unsigned gen)
{
	page_fill(p, page, SEED, gen);
}

static void check_page(const unsigned char *p, size_t page, unsigned gen, const char *pass)
{
	uint64_t got, want;
	long i = page_check(p, page, SEED, gen, &got, &want);
	if (i >= 0)
		fail("%s: page %zu word %ld (address %p) is %#llx, expected %#llx (generation %u)",
		     pass, page, i, (const void *)(p + page * PAGE + (size_t)i * 8),
		     (unsigned long long)got, (unsigned long long)want, gen);
}

/* A random permutation of 0..n-1 (Fisher-Yates with a fixed seed). */
static void shuffle(uint32_t *order, size_t n, unsigned long long seed)
{
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_next(&seed) % (i + 1);
		uint32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

int main(int argc, char **argv)
{
	char *end;
	size_t mib = argc > 1 ? strtoul(argv[1], &end, 10) : 128;
	CHECK(argc < 2 || (*end == 0 && mib > 0 && mib <= 4096), "bad size \"%s\" (MiB, 1..4096)",
	      argv[1]);
	size_t len = mib << 20, pages = len / PAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap(%zu MiB): %s", mib, strerror(errno));
	uint32_t *order = malloc(pages * sizeof(*order));
	CHECK(order, "malloc(%zu): out of memory", pages * sizeof(*order));
	printf("mem_swap: %zu MiB, %zu pages\n", mib, pages);

	for (size_t i = 0; i < pages; i++)
		fill_page(p, i, 1);
	uint32_t crc1 = crc32_update(0, p, len);
	printf("pass 1 (fill in address order): crc32 %08x\n", (unsigned)crc1);

	shuffle(order, pages, SEED ^ 2);
	for (size_t i = 0; i < pages; i++) {
		check_page(p, order[i], 1, "pass 2 (check and refill in random order)");
		fill_page(p, order[i], 2);
	}
	printf("pass 2 (check and refill in random order): ok\n");

	shuffle(order, pages, SEED ^ 3);
	for (size_t i = 0; i < pages; i++)
		check_page(p, order[i], 2, "pass 3 (check in another random order)");
	uint32_t crc3 = crc32_update(0, p, len);
	printf("pass 3 (check in another random order): crc32 %08x\n", (unsigned)crc3);
	CHECK(crc3 != crc1, "the crc32 after the refill equals the first one (%08x)",
	      (unsigned)crc1);

	/* Reading the area once more (every page swapped in again) must give
	 * the same bytes. */
	uint32_t crc3_again = crc32_update(0, p, len);
	CHECK(crc3_again == crc3, "a second crc32 of unchanged memory is %08x, the first %08x",
	      (unsigned)crc3_again, (unsigned)crc3);
	CHECK(munmap(p, len) == 0, "munmap: %s", strerror(errno));
	free(order);
	printf("mem_swap: ok\n");
	return 0;
}
