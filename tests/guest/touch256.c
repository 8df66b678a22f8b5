/* touch256: demand paging at scale. Maps 256 MiB (or argv[1] MiB) of
 * anonymous memory and writes one byte in every 4 KiB page, so the kernel
 * must hand out one zero page per touch (65,536 demand-zero faults for
 * 256 MiB); then checks every page's byte and that the rest of a sample of
 * pages is still zero. */
#include "guest_test.h"

#include <sys/mman.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	CHECK(mib > 0, "bad size \"%s\"", argv[1]);
	size_t len = mib << 20, pages = len / PAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap(%zu MiB): %s", mib, strerror(errno));

	for (size_t i = 0; i < pages; i++)
		p[i * PAGE + (i % 61) * 67] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < pages; i++) {
		unsigned char want = (unsigned char)(i * 7 + 1);
		unsigned char got = p[i * PAGE + (i % 61) * 67];
		CHECK(got == want, "page %zu of %zu reads %#x, expected %#x", i, pages, got, want);
	}
	for (size_t i = 0; i < pages; i += pages / 16 + 1)
		for (size_t b = 0; b < PAGE; b++)
			if (b != (i % 61) * 67)
				CHECK(p[i * PAGE + b] == 0, "page %zu byte %zu is %#x, expected 0",
				      i, b, p[i * PAGE + b]);
	CHECK(munmap(p, len) == 0, "munmap: %s", strerror(errno));
	return 0;
}
