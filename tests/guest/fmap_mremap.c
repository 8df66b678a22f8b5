/* fmap_mremap: mremap(2) keeps the data of every page it carries:
 *   anonymous memory grows in place when the space after it is free;
 *   blocked by a neighbour it fails with ENOMEM without MREMAP_MAYMOVE and
 *     moves with it (old pages then unmapped, new tail zero);
 *   shrinking unmaps the tail; MREMAP_FIXED moves to the address given
 *     (replacing what was there);
 *   a MAP_SHARED file map moved by mremap still reaches the file, and a
 *     private one still shows it;
 *   a realloc loop of large blocks (glibc's realloc uses mremap) keeps
 *     its contents;
 *   errors: EINVAL for an unaligned address, unknown flags, MREMAP_FIXED
 *     without MREMAP_MAYMOVE, overlapping ranges; EFAULT for an unmapped
 *     old address. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void fill(unsigned char *p, size_t pages, unsigned seed)
{
	for (size_t i = 0; i < pages; i++)
		memset(p + i * PAGE, (int)((seed + i) & 0xff), PAGE);
}

static void check(const unsigned char *p, size_t pages, unsigned seed, const char *what)
{
	for (size_t i = 0; i < pages; i++)
		for (size_t j = 0; j < PAGE; j += 511)
			if (p[i * PAGE + j] != (unsigned char)((seed + i) & 0xff))
				fail("%s: page %zu byte %zu is %#x", what, i, j, p[i * PAGE + j]);
}

/* A hole of n pages with nothing mapped in it. */
static unsigned char *hole(size_t n)
{
	unsigned char *p = mmap(NULL, n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(munmap(p, n * PAGE) == 0, "munmap: %s", strerror(errno));
	return p;
}

static unsigned char *anon_at(unsigned char *at, size_t pages)
{
	void *p = mmap(at, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void anonymous(void)
{
	unsigned char *h = hole(64);
	unsigned char *a = anon_at(h, 8);
	fill(a, 8, 1);
	unsigned char *g = mremap(a, 8 * PAGE, 16 * PAGE, 0);
	CHECK(g == a, "grow in place: %p, expected %p (%s)", (void *)g, (void *)a, strerror(errno));
	check(g, 8, 1, "grown in place");
	CHECK(g[8 * PAGE] == 0 && g[16 * PAGE - 1] == 0, "the grown part is not zero");
	fill(g, 16, 2);

	/* A neighbour right after it. */
	unsigned char *n = anon_at(g + 16 * PAGE, 1);
	n[0] = 'n';
	CHECK_ERRNO(mremap(g, 16 * PAGE, 32 * PAGE, 0), ENOMEM, "growing into a neighbour");
	unsigned char *m = mremap(g, 16 * PAGE, 32 * PAGE, MREMAP_MAYMOVE);
	CHECK(m != MAP_FAILED && m != g, "MREMAP_MAYMOVE: %s", strerror(errno));
	check(m, 16, 2, "moved");
	CHECK(m[16 * PAGE] == 0 && m[32 * PAGE - 1] == 0, "the moved map's tail is not zero");
	CHECK(n[0] == 'n', "the neighbour changed");
	unsigned char vec[1];
	CHECK_ERRNO(mincore(g, PAGE, vec), ENOMEM, "mincore of the old place");

	/* Shrink, then move to a fixed address over another map. */
	CHECK(mremap(m, 32 * PAGE, 4 * PAGE, 0) == m, "shrink: %s", strerror(errno));
	check(m, 4, 2, "shrunk");
	CHECK_ERRNO(mincore(m + 4 * PAGE, PAGE, vec), ENOMEM, "mincore of the cut tail");
	unsigned char *target = anon_at(NULL, 6);
	memset(target, 'T', 6 * PAGE);
	unsigned char *f = mremap(m, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	CHECK(f == target, "MREMAP_FIXED: %p, expected %p (%s)", (void *)f, (void *)target,
	      strerror(errno));
	check(f, 4, 2, "moved to a fixed address");
	CHECK(f[4 * PAGE] == 0, "the old contents of the fixed target are still there");
	CHECK(munmap(f, 6 * PAGE) == 0 && munmap(n, PAGE) == 0, "munmap: %s", strerror(errno));
}

static void errors(void)
{
	unsigned char *a = anon_at(NULL, 4);
	CHECK_ERRNO(mremap(a + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EINVAL, "unaligned address");
	CHECK_ERRNO(mremap(a, PAGE, 2 * PAGE, 0x80), EINVAL, "unknown flag");
	CHECK_ERRNO(mremap(a, PAGE, 2 * PAGE, MREMAP_FIXED, a + 8 * PAGE), EINVAL,
		    "MREMAP_FIXED without MREMAP_MAYMOVE");
	CHECK_ERRNO(mremap(a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, a + PAGE), EINVAL,
		    "overlapping MREMAP_FIXED");
	CHECK_ERRNO(mremap(a, PAGE, 0, MREMAP_MAYMOVE), EINVAL, "new length 0");
	unsigned char *h = hole(4);
	CHECK_ERRNO(mremap(h, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT, "unmapped old address");
	CHECK_ERRNO(mremap(a, 8 * PAGE, 16 * PAGE, MREMAP_MAYMOVE), EFAULT,
		    "old range past the end of its map");
	CHECK(munmap(a, 4 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void files(void)
{
	snprintf(path, sizeof path, "%s/vmemu-fmap-mremap-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	atexit(cleanup);
	CHECK(ftruncate(fd, 8 * PAGE) == 0, "ftruncate: %s", strerror(errno));
	unsigned char *h = hole(32);
	unsigned char *s = mmap(h, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	CHECK(s == h, "mmap: %s", strerror(errno));
	fill(s, 4, 9);
	anon_at(s + 4 * PAGE, 1); /* blocks growth in place */
	unsigned char *m = mremap(s, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	CHECK(m != MAP_FAILED && m != s, "mremap of a shared file map: %s", strerror(errno));
	check(m, 4, 9, "moved shared file map");
	fill(m + 4 * PAGE, 4, 13); /* pages 4-7 of the file, touched after the move */
	CHECK(msync(m, 8 * PAGE, MS_SYNC) == 0, "msync: %s", strerror(errno));
	unsigned char buf[PAGE];
	for (int i = 0; i < 8; i++) {
		CHECK(pread(fd, buf, PAGE, i * PAGE) == (ssize_t)PAGE, "pread: %s", strerror(errno));
		check(buf, 1, i < 4 ? 9 + i : 13 + i - 4, "file after moving its shared map");
	}
	unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	unsigned char *pm = mremap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	CHECK(pm != MAP_FAILED, "mremap of a private file map: %s", strerror(errno));
	check(pm, 2, 11, "private file map after mremap");
	check(pm + 2 * PAGE, 2, 13, "private file map, grown part");
	CHECK(munmap(pm, 4 * PAGE) == 0 && munmap(m, 8 * PAGE) == 0, "munmap: %s",
	      strerror(errno));
	close(fd);
}

static void realloc_loop(void)
{
	size_t n = 64 * 1024;
	unsigned char *p = malloc(n);
	CHECK(p, "malloc");
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	for (int round = 0; round < 24; round++) {
		size_t more = n + n / 4 + 4096;
		p = realloc(p, more);
		CHECK(p, "realloc to %zu", more);
		for (size_t i = n; i < more; i++)
			p[i] = (unsigned char)(i * 7);
		n = more;
	}
	for (size_t i = 0; i < n; i += 97)
		CHECK(p[i] == (unsigned char)(i * 7), "realloc lost byte %zu", i);
	free(p);
}

int main(void)
{
	anonymous();
	errors();
	files();
	realloc_loop();
	printf("ok\n");
	return 0;
}
