/* mremap_dontunmap: MREMAP_DONTUNMAP moves the pages and leaves the old
 * range mapped: private anonymous memory reads zeroes there afterwards,
 * shared memory and a private file map read their data again (from
 * shared memory, from the file); with MREMAP_FIXED the destination is
 * replaced; a locked range can be moved; the
 * VMAs of a placed region before and after, and the EINVAL cases (no
 * MREMAP_MAYMOVE, a change of size), EFAULT (not one VMA). Printed and
 * compared with the native run. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"
#include "maps_summary.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define PAGES 4

/* What a range holds: "all C", "zeroes" or "mixed". */
static const char *contents(const char *p, char c)
{
	bool all_c = true, all_zero = true;
	for (unsigned long i = 0; i < PAGES * PAGE; i++) {
		all_c &= p[i] == c;
		all_zero &= p[i] == 0;
	}
	return all_c ? "data" : all_zero ? "zeroes" : "mixed";
}

/* A region of 3 * PAGES pages: source at 0, a hole, a destination at 2*PAGES. */
static char *region(void)
{
	char *r = mmap(NULL, 3 * PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(munmap(r, 3 * PAGES * PAGE) == 0, "munmap");
	return r;
}

static char *map_at(char *at, int flags, int fd)
{
	char *p = mmap(at, PAGES * PAGE, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
	CHECK(p == at, "mmap at %p: %s", (void *)at, strerror(errno));
	return p;
}

static void move(const char *what, char *src, int flags, int fd, char *fixed)
{
	char *r = src;
	map_at(src, flags, fd);
	memset(src, 'a', PAGES * PAGE);
	if (fixed)
		map_at(fixed, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	int mflags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP | (fixed ? MREMAP_FIXED : 0);
	char *dst = mremap(src, PAGES * PAGE, PAGES * PAGE, mflags, fixed);
	CHECK(dst != MAP_FAILED, "%s: mremap: %s", what, strerror(errno));
	CHECK(!fixed || dst == fixed, "%s: moved to %p, not %p", what, (void *)dst, (void *)fixed);
	printf("%s: new %s, old %s\n", what, contents(dst, 'a'), contents(src, 'a'));
	maps_summary("  maps", r, 3 * PAGES);
	munmap(dst, PAGES * PAGE);
	munmap(src, PAGES * PAGE);
	if (fixed)
		munmap(fixed, PAGES * PAGE);
}

int main(void)
{
	char *r = region();
	move("private anonymous", r, MAP_PRIVATE | MAP_ANONYMOUS, -1, NULL);
	move("private anonymous, fixed", r, MAP_PRIVATE | MAP_ANONYMOUS, -1, r + 2 * PAGES * PAGE);
	move("shared anonymous, fixed", r, MAP_SHARED | MAP_ANONYMOUS, -1, r + 2 * PAGES * PAGE);

	char path[4096];
	snprintf(path, sizeof(path), "%s/mremap_dontunmap.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	static char data[PAGES * PAGE];
	memset(data, 'a', sizeof(data));
	CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data), "write");
	move("private file map, fixed", r, MAP_PRIVATE, fd, r + 2 * PAGES * PAGE);
	move("shared file map, fixed", r, MAP_SHARED, fd, r + 2 * PAGES * PAGE);
	close(fd);

	char *src = map_at(r, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	memset(src, 'a', PAGES * PAGE);
	CHECK(mlock(src, PAGES * PAGE) == 0, "mlock: %s", strerror(errno));
	char *dst = mremap(src, PAGES * PAGE, PAGES * PAGE,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, r + 2 * PAGES * PAGE);
	CHECK(dst != MAP_FAILED, "mremap of a locked range: %s", strerror(errno));
	/* VmLck is not compared: Linux leaves the old range's pages in
	 * its locked_vm count ("we won't unmap"), vmemu counts locked VMAs. */
	printf("locked: new %s, old %s\n", contents(dst, 'a'), contents(src, 'a'));
	maps_summary("  maps", r, 3 * PAGES);
	munmap(dst, PAGES * PAGE);

	CHECK_ERRNO(mremap(src, PAGES * PAGE, PAGES * PAGE, MREMAP_DONTUNMAP, NULL), EINVAL,
		    "DONTUNMAP without MAYMOVE");
	CHECK_ERRNO(mremap(src, PAGES * PAGE, 2 * PAGES * PAGE, MREMAP_DONTUNMAP | MREMAP_MAYMOVE,
			   NULL),
		    EINVAL, "DONTUNMAP growing");
	/* musl's mremap passes the address only with MREMAP_FIXED. */
	CHECK_ERRNO(syscall(SYS_mremap, src, PAGES * PAGE, PAGES * PAGE,
			    MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 1L),
		    EINVAL, "DONTUNMAP with an unaligned hint");
	CHECK(mprotect(src + PAGE, PAGE, PROT_READ) == 0, "mprotect");
	CHECK_ERRNO(mremap(src, PAGES * PAGE, PAGES * PAGE, MREMAP_DONTUNMAP | MREMAP_MAYMOVE,
			   NULL),
		    EFAULT, "DONTUNMAP over two VMAs");
	munmap(src, PAGES * PAGE);
	return 0;
}
