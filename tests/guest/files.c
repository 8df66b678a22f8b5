/* files: the file system calls a simple program makes, on a unique temporary
 * file under $TMPDIR (or /tmp) that is removed at the end:
 *   open(O_CREAT|O_EXCL) twice (EEXIST), write, lseek (SET, CUR, END, and a
 *   hole past the end that reads as zeros), read, pread/pwrite, fstat and
 *   stat sizes and modes, ftruncate, O_APPEND, dup, readv/writev, stdio
 *   (fopen/fprintf/fgets), rename, unlink; opening a missing file gives
 *   ENOENT, a bad fd EBADF, reading a directory EISDIR. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char path[4096], path2[4096 + 16];

static void cleanup(void)
{
	unlink(path);
	unlink(path2);
}

static void expect_read(int fd, const char *want, size_t n, const char *what)
{
	char buf[256];
	ssize_t r = read(fd, buf, n);
	CHECK(r == (ssize_t)n, "%s: read returned %zd (%s), expected %zu", what, r,
	      r < 0 ? strerror(errno) : "short", n);
	CHECK(memcmp(buf, want, n) == 0, "%s: read \"%.*s\", expected \"%.*s\"", what, (int)n,
	      buf, (int)n, want);
}

static off_t size_of(int fd)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	return st.st_size;
}

int main(void)
{
	/* A unique name from mkstemp (getpid() may be 1 in every guest run),
	 * freed again so that O_CREAT|O_EXCL can create it. */
	snprintf(path, sizeof path, "%s/vmemu-files-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	snprintf(path2, sizeof path2, "%s.renamed", path);
	atexit(cleanup);
	close(fd);
	CHECK(unlink(path) == 0, "unlink(%s): %s", path, strerror(errno));

	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0640);
	CHECK(fd >= 0, "open(%s, O_CREAT|O_EXCL): %s", path, strerror(errno));
	CHECK_ERRNO(open(path, O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST,
		    "open(O_CREAT|O_EXCL) of an existing file");

	const char text[] = "The quick brown fox jumps over the lazy dog\n";
	const size_t len = sizeof text - 1;
	CHECK(write(fd, text, len) == (ssize_t)len, "write: %s", strerror(errno));
	CHECK(size_of(fd) == (off_t)len, "fstat size %lld after write, expected %zu",
	      (long long)size_of(fd), len);
	struct stat st;
	CHECK(stat(path, &st) == 0, "stat(%s): %s", path, strerror(errno));
	CHECK(S_ISREG(st.st_mode), "stat: not a regular file (mode %o)", st.st_mode);
	CHECK(st.st_size == (off_t)len, "stat size %lld", (long long)st.st_size);

	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)len, "lseek(SEEK_CUR) after write");
	CHECK(lseek(fd, 4, SEEK_SET) == 4, "lseek(4, SEEK_SET): %s", strerror(errno));
	expect_read(fd, "quick", 5, "read after SEEK_SET");
	CHECK(lseek(fd, 1, SEEK_CUR) == 10, "lseek(1, SEEK_CUR)");
	expect_read(fd, "brown", 5, "read after SEEK_CUR");
	CHECK(lseek(fd, -4, SEEK_END) == (off_t)len - 4, "lseek(-4, SEEK_END)");
	expect_read(fd, "dog\n", 4, "read after SEEK_END");
	char c;
	CHECK(read(fd, &c, 1) == 0, "read at end of file did not return 0");
	CHECK_ERRNO(lseek(fd, -1000, SEEK_SET), EINVAL, "lseek to a negative offset");

	/* pread/pwrite leave the offset alone. */
	CHECK(pwrite(fd, "QUICK", 5, 4) == 5, "pwrite: %s", strerror(errno));
	char buf[64];
	CHECK(pread(fd, buf, 9, 0) == 9 && memcmp(buf, "The QUICK", 9) == 0, "pread after pwrite");
	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)len, "pread/pwrite moved the offset");

	/* A hole past the end reads as zeros. */
	CHECK(lseek(fd, 10000, SEEK_SET) == 10000, "lseek past the end");
	CHECK(write(fd, "end", 3) == 3, "write after a hole: %s", strerror(errno));
	CHECK(size_of(fd) == 10003, "size %lld after writing past a hole",
	      (long long)size_of(fd));
	CHECK(pread(fd, buf, 64, 5000) == 64, "pread in the hole");
	for (int i = 0; i < 64; i++)
		CHECK(buf[i] == 0, "hole byte %d is %#x", i, buf[i]);

	CHECK(ftruncate(fd, 9) == 0, "ftruncate: %s", strerror(errno));
	CHECK(size_of(fd) == 9, "size %lld after ftruncate(9)", (long long)size_of(fd));

	/* dup shares the offset. */
	int fd2 = dup(fd);
	CHECK(fd2 >= 0 && fd2 != fd, "dup: %s", strerror(errno));
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	expect_read(fd2, "The ", 4, "read through a dup");
	CHECK(lseek(fd, 0, SEEK_CUR) == 4, "dup does not share the offset");
	CHECK(close(fd2) == 0, "close(dup): %s", strerror(errno));
	CHECK_ERRNO(close(fd2), EBADF, "closing a closed fd");
	CHECK_ERRNO(read(fd2, buf, 1), EBADF, "read from a closed fd");

	/* writev/readv. */
	struct iovec wv[3] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 } };
	CHECK(lseek(fd, 0, SEEK_END) == 9, "lseek(SEEK_END)");
	CHECK(writev(fd, wv, 3) == 6, "writev: %s", strerror(errno));
	char r1[3], r2[4];
	struct iovec rv[2] = { { r1, 3 }, { r2, 4 } };
	CHECK(lseek(fd, 8, SEEK_SET) == 8, "lseek");
	CHECK(readv(fd, rv, 2) == 7, "readv");
	CHECK(memcmp(r1, "Kab", 3) == 0 && memcmp(r2, "cdef", 4) == 0, "readv data \"%.3s%.4s\"",
	      r1, r2);
	CHECK(close(fd) == 0, "close: %s", strerror(errno));

	/* O_APPEND writes at the end whatever the offset. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0, "open(O_APPEND): %s", strerror(errno));
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	CHECK(write(fd, "!", 1) == 1, "append write");
	CHECK(size_of(fd) == 16, "size %lld after an append", (long long)size_of(fd));
	close(fd);

	/* stdio on top. */
	FILE *f = fopen(path, "r+");
	CHECK(f != NULL, "fopen: %s", strerror(errno));
	CHECK(fgets(buf, sizeof buf, f) != NULL, "fgets");
	CHECK(strcmp(buf, "The QUICKabcdef!") == 0, "fgets read \"%s\"", buf);
	CHECK(fseek(f, 0, SEEK_END) == 0, "fseek");
	CHECK(fprintf(f, "\nline %d\n", 2) == 8, "fprintf");
	CHECK(fclose(f) == 0, "fclose: %s", strerror(errno));
	f = fopen(path, "r");
	CHECK(f != NULL, "fopen: %s", strerror(errno));
	CHECK(fgets(buf, sizeof buf, f) && fgets(buf, sizeof buf, f) && strcmp(buf, "line 2\n") == 0,
	      "second line is \"%s\"", buf);
	CHECK(fgets(buf, sizeof buf, f) == NULL && feof(f), "more than two lines");
	fclose(f);

	/* rename, unlink, errors. */
	CHECK(rename(path, path2) == 0, "rename: %s", strerror(errno));
	CHECK_ERRNO(open(path, O_RDONLY), ENOENT, "open of a renamed-away file");
	CHECK(stat(path2, &st) == 0 && st.st_size == 24, "stat after rename: size %lld",
	      (long long)st.st_size);
	CHECK(unlink(path2) == 0, "unlink: %s", strerror(errno));
	CHECK_ERRNO(unlink(path2), ENOENT, "unlink of a removed file");

	fd = open(tmp_dir(), O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "open(%s, O_DIRECTORY): %s", tmp_dir(), strerror(errno));
	CHECK_ERRNO(read(fd, buf, 1), EISDIR, "read from a directory");
	close(fd);
	return 0;
}
