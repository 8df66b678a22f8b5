/* mmap: the address-space calls and their error codes, as Linux gives them.
 *
 *   anonymous MAP_PRIVATE memory reads zero and is writable;
 *   munmap of a middle page leaves both neighbours intact, and the hole
 *     is free again (MAP_FIXED_NOREPLACE succeeds there);
 *   MAP_FIXED over part of a mapping replaces just that part (zeroed);
 *   MAP_FIXED_NOREPLACE over a mapping fails with EEXIST and leaves it alone;
 *   a free page-aligned hint is honoured without MAP_FIXED;
 *   mprotect(PROT_READ) keeps the contents readable, mprotect back to RW;
 *   munmap of a range with nothing mapped succeeds;
 *   EINVAL for length 0, MAP_FIXED at an unaligned address, munmap and
 *     mprotect at an unaligned address, neither MAP_PRIVATE nor MAP_SHARED;
 *   ENOMEM for mprotect over an unmapped range (also a partly mapped one);
 *   MAP_POPULATE gives zeroed memory too. */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static unsigned char *map(void *hint, size_t len, int prot, int flags, const char *what)
{
	void *p = mmap(hint, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "%s: mmap(%p, %zu) failed: %s", what, hint, len, strerror(errno));
	CHECK(((uintptr_t)p & (PAGE - 1)) == 0, "%s: mmap returned unaligned %p", what, p);
	return p;
}

/* A range of n pages with nothing mapped: mapped, then unmapped. */
static unsigned char *free_range(size_t n)
{
	unsigned char *p = map(NULL, n * PAGE, PROT_NONE, 0, "reserving a free range");
	CHECK(munmap(p, n * PAGE) == 0, "munmap(%p) of a reserve failed: %s", (void *)p,
	      strerror(errno));
	return p;
}

static void fill_page(unsigned char *p, unsigned char v)
{
	memset(p, v, PAGE);
}

static void check_page(const unsigned char *p, unsigned char v, const char *what)
{
	for (size_t i = 0; i < PAGE; i++)
		if (p[i] != v)
			fail("%s: byte %zu of page %p is %#x, expected %#x", what, i,
			     (const void *)p, p[i], v);
}

static void anon_zero(void)
{
	size_t n = 64;
	unsigned char *p = map(NULL, n * PAGE, PROT_READ | PROT_WRITE, 0, "anon zero");
	for (size_t i = 0; i < n; i++)
		check_page(p + i * PAGE, 0, "fresh anonymous memory");
	for (size_t i = 0; i < n; i++)
		fill_page(p + i * PAGE, (unsigned char)(i + 1));
	for (size_t i = 0; i < n; i++)
		check_page(p + i * PAGE, (unsigned char)(i + 1), "anonymous memory after writing");
	CHECK(munmap(p, n * PAGE) == 0, "munmap: %s", strerror(errno));

	p = map(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_POPULATE, "MAP_POPULATE");
	for (size_t i = 0; i < 16; i++)
		check_page(p + i * PAGE, 0, "MAP_POPULATE memory");
	CHECK(munmap(p, 16 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void unmap_middle(void)
{
	unsigned char *p = map(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, 0, "unmap middle");
	for (int i = 0; i < 3; i++)
		fill_page(p + i * PAGE, (unsigned char)(0x10 + i));
	CHECK(munmap(p + PAGE, PAGE) == 0, "munmap of the middle page: %s", strerror(errno));
	check_page(p, 0x10, "page before the unmapped middle page");
	check_page(p + 2 * PAGE, 0x12, "page after the unmapped middle page");

	/* The hole is free: a no-replace map there must land exactly on it. */
	unsigned char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == p + PAGE, "MAP_FIXED_NOREPLACE into the hole at %p returned %p (%s)",
	      (void *)(p + PAGE), (void *)q, q == MAP_FAILED ? strerror(errno) : "moved");
	check_page(q, 0, "new page in the hole");
	check_page(p, 0x10, "page before the refilled hole");
	check_page(p + 2 * PAGE, 0x12, "page after the refilled hole");
	CHECK(munmap(p, 3 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void fixed_replace(void)
{
	unsigned char *p = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, 0, "MAP_FIXED");
	for (int i = 0; i < 4; i++)
		fill_page(p + i * PAGE, (unsigned char)(0x20 + i));
	unsigned char *q = mmap(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + PAGE, "MAP_FIXED at %p returned %p (%s)", (void *)(p + PAGE), (void *)q,
	      q == MAP_FAILED ? strerror(errno) : "moved");
	check_page(p, 0x20, "page before the MAP_FIXED replacement");
	check_page(p + PAGE, 0, "first replaced page");
	check_page(p + 2 * PAGE, 0, "second replaced page");
	check_page(p + 3 * PAGE, 0x23, "page after the MAP_FIXED replacement");
	fill_page(p + 2 * PAGE, 0x77);
	check_page(p + 2 * PAGE, 0x77, "replaced page after writing");

	/* A read-only MAP_FIXED replacement reads zero. */
	q = mmap(p + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + 3 * PAGE, "read-only MAP_FIXED returned %p", (void *)q);
	check_page(q, 0, "read-only MAP_FIXED page");
	CHECK(munmap(p, 4 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void fixed_noreplace(void)
{
	unsigned char *p = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, 0, "NOREPLACE");
	for (int i = 0; i < 4; i++)
		fill_page(p + i * PAGE, (unsigned char)(0x30 + i));
	void *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK_ERRNO(q, EEXIST, "mmap MAP_FIXED_NOREPLACE over an existing map");
	/* Partly overlapping: starts free, runs into the mapping. */
	unsigned char *r = free_range(8);
	unsigned char *s = map(r + 4 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED, "s");
	q = mmap(r + 2 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK_ERRNO(q, EEXIST, "mmap MAP_FIXED_NOREPLACE running into an existing map");
	CHECK(munmap(s, PAGE) == 0, "munmap: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		check_page(p + i * PAGE, (unsigned char)(0x30 + i),
			   "mapping after a refused MAP_FIXED_NOREPLACE");
	CHECK(munmap(p, 4 * PAGE) == 0, "munmap: %s", strerror(errno));

	/* On free space it succeeds at exactly that address. */
	r = free_range(4);
	q = mmap(r, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == r, "MAP_FIXED_NOREPLACE on free space at %p returned %p (%s)", (void *)r, q,
	      q == MAP_FAILED ? strerror(errno) : "moved");
	check_page(r + 3 * PAGE, 0, "MAP_FIXED_NOREPLACE page");
	CHECK(munmap(r, 4 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void hint(void)
{
	unsigned char *r = free_range(8);
	unsigned char *p = mmap(r + 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == r + 2 * PAGE, "mmap with a free hint %p returned %p (%s)",
	      (void *)(r + 2 * PAGE), (void *)p, p == MAP_FAILED ? strerror(errno) : "moved");
	fill_page(p, 1);
	/* An occupied hint is not honoured, and nothing there is replaced. */
	unsigned char *q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(q != MAP_FAILED, "mmap with an occupied hint failed: %s", strerror(errno));
	CHECK(q != p, "mmap with an occupied hint %p replaced the mapping there", (void *)p);
	check_page(p, 1, "mapping at an occupied hint");
	CHECK(munmap(q, PAGE) == 0 && munmap(p, 2 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void protect(void)
{
	unsigned char *p = map(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, 0, "mprotect");
	for (int i = 0; i < 3; i++)
		fill_page(p + i * PAGE, (unsigned char)(0x40 + i));
	CHECK(mprotect(p, 3 * PAGE, PROT_READ) == 0, "mprotect(PROT_READ): %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		check_page(p + i * PAGE, (unsigned char)(0x40 + i), "page after mprotect(PROT_READ)");
	CHECK(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect(RW): %s",
	      strerror(errno));
	fill_page(p + PAGE, 0x99);
	check_page(p, 0x40, "read-only page before a page made writable again");
	check_page(p + PAGE, 0x99, "page made writable again");
	check_page(p + 2 * PAGE, 0x42, "read-only page after a page made writable again");
	/* PROT_NONE and back keeps the contents. */
	CHECK(mprotect(p, 3 * PAGE, PROT_NONE) == 0, "mprotect(PROT_NONE): %s", strerror(errno));
	CHECK(mprotect(p, 3 * PAGE, PROT_READ) == 0, "mprotect(PROT_READ): %s", strerror(errno));
	check_page(p + PAGE, 0x99, "page after PROT_NONE and back");
	CHECK(munmap(p, 3 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void errors(void)
{
	unsigned char *r = free_range(4);
	CHECK(munmap(r, 4 * PAGE) == 0, "munmap of an unmapped range failed: %s",
	      strerror(errno));

	CHECK_ERRNO(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL,
		    "mmap with length 0");
	CHECK_ERRNO(mmap(r + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		    EINVAL, "mmap MAP_FIXED at an unaligned address");
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL,
		    "mmap with neither MAP_PRIVATE nor MAP_SHARED");
	CHECK_ERRNO(munmap(r + 1, PAGE), EINVAL, "munmap at an unaligned address");
	CHECK_ERRNO(munmap(r, 0), EINVAL, "munmap with length 0");
	/* musl's mprotect() rounds the address down: ask the kernel directly. */
	CHECK_ERRNO(syscall(SYS_mprotect, r + 1, PAGE, PROT_READ), EINVAL,
		    "mprotect system call at an unaligned address");
	CHECK_ERRNO(mprotect(r, 4 * PAGE, PROT_READ), ENOMEM, "mprotect on an unmapped range");

	/* Partly mapped: Linux fails with ENOMEM. */
	unsigned char *p = map(r, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED, "partly mapped");
	CHECK_ERRNO(mprotect(p, 4 * PAGE, PROT_READ), ENOMEM,
		    "mprotect on a range mapped only at its start");
	CHECK(munmap(p, PAGE) == 0, "munmap: %s", strerror(errno));
}

int main(void)
{
	anon_zero();
	unmap_middle();
	fixed_replace();
	fixed_noreplace();
	hint();
	protect();
	errors();
	return 0;
}
