/* read_buf: the kernel copying to and from user memory (copy_to_user /
 * copy_from_user through the MMU).
 *
 *   read() of a file into a freshly mmapped, never-touched buffer that
 *     starts mid-page and spans several pages: the data arrives intact;
 *   read() into an unmapped address: -1 EFAULT, file offset unchanged;
 *   read() into a PROT_READ buffer: -1 EFAULT;
 *   read() into a buffer whose tail is unmapped: EFAULT or a short count,
 *     and whatever count it returns, those bytes are right;
 *   write() from an unmapped or PROT_NONE buffer: -1 EFAULT;
 *   openat() with an unmapped path: -1 EFAULT.
 * The file is a unique temporary file under $TMPDIR (or /tmp), removed at
 * the end. */
#include "guest_test.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FILE_SIZE (5 * PAGE + 333)

static unsigned char content(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void check_content(const unsigned char *buf, size_t n, size_t file_off, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != content(file_off + i))
			fail("%s: byte %zu is %#x, expected %#x", what, i, buf[i],
			     content(file_off + i));
}

static off_t offset(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

int main(void)
{
	snprintf(path, sizeof path, "%s/vmemu-read_buf-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	atexit(cleanup);

	static unsigned char data[FILE_SIZE];
	for (size_t i = 0; i < FILE_SIZE; i++)
		data[i] = content(i);
	CHECK(write(fd, data, FILE_SIZE) == (ssize_t)FILE_SIZE, "write of the file: %s",
	      strerror(errno));
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));

	/* Into untouched memory, starting mid-page, across page boundaries. */
	unsigned char *fresh = map(8 * PAGE, PROT_READ | PROT_WRITE);
	ssize_t n = read(fd, fresh + 1000, FILE_SIZE);
	CHECK(n == (ssize_t)FILE_SIZE, "read into an untouched buffer returned %zd (%s)", n,
	      n < 0 ? strerror(errno) : "short");
	check_content(fresh + 1000, FILE_SIZE, 0, "read into an untouched buffer");
	for (size_t i = 0; i < 1000; i++)
		CHECK(fresh[i] == 0, "byte %zu before the read buffer is %#x", i, fresh[i]);
	for (size_t i = 1000 + FILE_SIZE; i < 8 * PAGE; i++)
		CHECK(fresh[i] == 0, "byte %zu after the read buffer is %#x", i, fresh[i]);
	CHECK(read(fd, fresh, 10) == 0, "read at end of file did not return 0");

	/* Into an unmapped address: EFAULT and nothing consumed. */
	unsigned char *gone = map(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(munmap(gone, 2 * PAGE) == 0, "munmap: %s", strerror(errno));
	CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek: %s", strerror(errno));
	CHECK_ERRNO(read(fd, gone, 200), EFAULT, "read into an unmapped buffer");
	CHECK(offset(fd) == 100, "file offset after a failed read is %lld, expected 100",
	      (long long)offset(fd));
	CHECK_ERRNO(syscall(SYS_read, fd, (void *)8, 200), EFAULT, "read into address 8");
	CHECK_ERRNO(syscall(SYS_read, fd, (void *)0xffff800000000000UL, 200), EFAULT,
		    "read into a kernel address");

	/* Into a read-only buffer: EFAULT, and the buffer keeps its zeros. */
	unsigned char *ro = map(PAGE, PROT_READ);
	CHECK_ERRNO(read(fd, ro, 200), EFAULT, "read into a PROT_READ buffer");
	for (size_t i = 0; i < 200; i++)
		CHECK(ro[i] == 0, "PROT_READ buffer byte %zu changed to %#x", i, ro[i]);
	unsigned char *none = map(PAGE, PROT_NONE);
	CHECK_ERRNO(read(fd, none, 200), EFAULT, "read into a PROT_NONE buffer");

	/* A buffer whose second page is unmapped: Linux gives a short read
	 * (or EFAULT); the bytes it reports must be right. */
	unsigned char *half = map(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK(munmap(half + PAGE, PAGE) == 0, "munmap: %s", strerror(errno));
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
	n = read(fd, half + PAGE - 100, 300);
	if (n == -1)
		CHECK(errno == EFAULT, "read into a half-mapped buffer: %s", strerror(errno));
	else {
		CHECK(n > 0 && n <= 100, "read into a half-mapped buffer returned %zd, expected "
		      "1..100 or EFAULT", n);
		check_content(half + PAGE - 100, (size_t)n, 0, "read into a half-mapped buffer");
		CHECK(offset(fd) == n, "offset %lld after a short read of %zd",
		      (long long)offset(fd), n);
	}

	/* write() from bad buffers. */
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)FILE_SIZE, "lseek: %s", strerror(errno));
	CHECK_ERRNO(write(fd, gone, 100), EFAULT, "write from an unmapped buffer");
	CHECK_ERRNO(write(fd, none, 100), EFAULT, "write from a PROT_NONE buffer");
	CHECK_ERRNO(syscall(SYS_write, fd, (void *)8, 100), EFAULT, "write from address 8");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)FILE_SIZE,
	      "file size after failed writes: %lld", (long long)st.st_size);

	/* write() from a PROT_READ buffer is fine. */
	CHECK(write(fd, ro, 100) == 100, "write from a PROT_READ buffer: %s", strerror(errno));

	/* A path the kernel cannot read. */
	CHECK_ERRNO(syscall(SYS_openat, AT_FDCWD, (void *)gone, O_RDONLY), EFAULT,
		    "openat with an unmapped path");

	close(fd);
	return 0;
}
