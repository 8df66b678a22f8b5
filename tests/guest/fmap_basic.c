/* fmap_basic: file-backed mappings of a unique temporary file (removed at the
 * end) of 3 pages and a bit:
 *   MAP_PRIVATE read-only: the bytes equal the file's, and the tail of the
 *     last page past the end of the file reads zero;
 *   MAP_PRIVATE writable: stores stay private (the file is unchanged, and
 *     a second mapping still sees the file's bytes);
 *   a mapping at a file offset (page 1) shows that part of the file;
 *   MAP_SHARED: stores reach the file (seen by read() after msync, and by a
 *     second shared mapping at once), and write() to the file is seen in
 *     the shared mapping;
 *   mapping a file opened O_RDONLY with PROT_WRITE|MAP_SHARED: EACCES, and
 *     mprotect(PROT_WRITE) of its read-only shared map: EACCES (a private
 *     one may become writable);
 *   a file opened O_WRONLY: EACCES; a pipe: ENODEV; a bad fd: EBADF;
 *   an unaligned offset: EINVAL;
 *   ftruncate of a mapped file: the shared map sees the cut page as zeroes
 *     below the new end, and write() past the old end is seen at once. */
#include "guest_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define FSIZE (3 * PAGE + 1000)

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static unsigned char content(size_t i)
{
	return (unsigned char)(i % 251 + 1);
}

static unsigned char *map(size_t len, int prot, int flags, int fd, off_t off, const char *what)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);
	CHECK(p != MAP_FAILED, "%s: mmap: %s", what, strerror(errno));
	return p;
}

static void check_file_bytes(const unsigned char *p, size_t n, size_t off, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != content(off + i))
			fail("%s: byte %zu is %#x, expected %#x", what, i, p[i], content(off + i));
}

int main(void)
{
	snprintf(path, sizeof path, "%s/vmemu-filemap-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	atexit(cleanup);
	static unsigned char data[FSIZE];
	for (size_t i = 0; i < FSIZE; i++)
		data[i] = content(i);
	CHECK(write(fd, data, FSIZE) == (ssize_t)FSIZE, "write: %s", strerror(errno));

	/* Private, read-only. */
	unsigned char *ro = map(4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0, "private read-only");
	check_file_bytes(ro, FSIZE, 0, "private read-only map");
	for (size_t i = FSIZE; i < 4 * PAGE; i++)
		CHECK(ro[i] == 0, "byte %zu past the end of the file reads %#x", i, ro[i]);

	/* Private, writable: copy-on-write. */
	unsigned char *pw = map(FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0, "private rw");
	check_file_bytes(pw, FSIZE, 0, "private writable map before writing");
	memset(pw + PAGE, 0xee, 100);
	CHECK(pw[PAGE] == 0xee && pw[PAGE + 99] == 0xee, "private store did not stick");
	check_file_bytes(ro + PAGE, 100, PAGE, "other private map after a private store");
	unsigned char buf[100];
	CHECK(pread(fd, buf, 100, PAGE) == 100, "pread: %s", strerror(errno));
	check_file_bytes(buf, 100, PAGE, "file after a private store");
	check_file_bytes(pw, PAGE, 0, "untouched page of the private writable map");
	CHECK(munmap(pw, FSIZE) == 0, "munmap: %s", strerror(errno));

	/* At an offset. */
	unsigned char *at = map(PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE, "offset map");
	check_file_bytes(at, PAGE, PAGE, "map at file offset 4096");
	CHECK(munmap(at, PAGE) == 0, "munmap: %s", strerror(errno));

	/* Shared. */
	unsigned char *s1 = map(FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, "shared 1");
	unsigned char *s2 = map(FSIZE, PROT_READ, MAP_SHARED, fd, 0, "shared 2");
	memcpy(s1 + 2 * PAGE + 10, "shared!", 7);
	CHECK(memcmp(s2 + 2 * PAGE + 10, "shared!", 7) == 0,
	      "a second shared map does not see the store");
	CHECK(msync(s1, FSIZE, MS_SYNC) == 0, "msync: %s", strerror(errno));
	CHECK(pread(fd, buf, 7, 2 * PAGE + 10) == 7 && memcmp(buf, "shared!", 7) == 0,
	      "read() does not see a shared store: \"%.7s\"", buf);
	CHECK(memcmp(ro + 2 * PAGE + 10, "shared!", 7) == 0,
	      "a private map (read, never written) does not see the file's new bytes");
	CHECK(pwrite(fd, "written", 7, 100) == 7, "pwrite: %s", strerror(errno));
	CHECK(memcmp(s1 + 100, "written", 7) == 0 && memcmp(s2 + 100, "written", 7) == 0,
	      "shared maps do not see write()");
	CHECK(munmap(s1, FSIZE) == 0 && munmap(s2, FSIZE) == 0, "munmap: %s", strerror(errno));
	CHECK(munmap(ro, 4 * PAGE) == 0, "munmap: %s", strerror(errno));

	/* Errors. */
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL,
		    "mmap at an unaligned file offset");
	int rdonly = open(path, O_RDONLY);
	CHECK(rdonly >= 0, "open: %s", strerror(errno));
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rdonly, 0), EACCES,
		    "writable MAP_SHARED of a file opened O_RDONLY");
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF,
		    "mmap of a bad fd");
	unsigned char *rs = map(PAGE, PROT_READ, MAP_SHARED, rdonly, 0, "read-only shared");
	CHECK_ERRNO(mprotect(rs, PAGE, PROT_READ | PROT_WRITE), EACCES,
		    "mprotect(PROT_WRITE) of a shared map of an O_RDONLY file");
	unsigned char *rp = map(PAGE, PROT_READ, MAP_PRIVATE, rdonly, 0, "read-only private");
	CHECK(mprotect(rp, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect of a private map: %s",
	      strerror(errno));
	rp[0] = 0x42;
	CHECK(rs[0] == content(0), "a private store reached the shared map");
	munmap(rs, PAGE);
	munmap(rp, PAGE);
	close(rdonly);
	int wronly = open(path, O_WRONLY);
	CHECK(wronly >= 0, "open: %s", strerror(errno));
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wronly, 0), EACCES,
		    "mmap of a file opened O_WRONLY");
	close(wronly);
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe: %s", strerror(errno));
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0), ENODEV, "mmap of a pipe");
	close(pfd[0]);
	close(pfd[1]);

	/* Truncation and growth while mapped. */
	unsigned char *sm = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, "shared 3");
	sm[PAGE + 5] = 0x77;
	CHECK(ftruncate(fd, PAGE + 10) == 0, "ftruncate: %s", strerror(errno));
	CHECK(sm[PAGE + 5] == 0x77, "ftruncate lost a store below the new end");
	for (size_t i = PAGE + 10; i < 2 * PAGE; i++)
		CHECK(sm[i] == 0, "byte %zu past the new end reads %#x", i, sm[i]);
	CHECK(pwrite(fd, "grow", 4, PAGE + 100) == 4, "pwrite: %s", strerror(errno));
	CHECK(memcmp(sm + PAGE + 100, "grow", 4) == 0, "the map misses a write past the old end");
	for (size_t i = PAGE + 10; i < PAGE + 100; i++)
		CHECK(sm[i] == 0, "byte %zu of the gap reads %#x", i, sm[i]);
	CHECK(munmap(sm, 2 * PAGE) == 0, "munmap: %s", strerror(errno));
	CHECK(pread(fd, buf, 1, PAGE + 5) == 1 && buf[0] == 0x77, "munmap lost a shared store");
	close(fd);
	return 0;
}
