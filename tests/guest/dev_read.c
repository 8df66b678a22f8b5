/* dev_read: one read(2) of 1 MiB from /dev/zero, /dev/full, /dev/urandom
 * and /dev/random returns the whole MiB (zeros from the first two), as
 * does readv with three 300 KiB vectors from /dev/zero and a pread;
 * /dev/null reads 0 bytes. (dd bs=1M from /dev/zero relies on it.) */
#include "guest_test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/uio.h>
#include <unistd.h>

#define SIZE (1 << 20)

static char buf[SIZE];

static int open_dev(const char *name)
{
	int fd = open(name, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", name, strerror(errno));
	return fd;
}

static void read_whole(const char *name, bool zeros)
{
	int fd = open_dev(name);
	memset(buf, 0x55, SIZE);
	ssize_t n = read(fd, buf, SIZE);
	CHECK(n == SIZE, "read of 1 MiB from %s: %zd (%s)", name, n, n < 0 ? strerror(errno) : "short");
	for (size_t i = 0; zeros && i < SIZE; i++)
		CHECK(buf[i] == 0, "%s: byte %zu is %d", name, i, buf[i]);
	close(fd);
	printf("%s: %zd bytes\n", name, n);
}

int main(void)
{
	read_whole("/dev/zero", true);
	read_whole("/dev/full", true);
	read_whole("/dev/urandom", false);
	read_whole("/dev/random", false);

	int fd = open_dev("/dev/zero");
	struct iovec iov[3];
	for (int i = 0; i < 3; i++)
		iov[i] = (struct iovec){buf + i * 300 * 1024, 300 * 1024};
	ssize_t n = readv(fd, iov, 3);
	CHECK(n == 900 * 1024, "readv of 900 KiB from /dev/zero: %zd", n);
	n = pread(fd, buf, SIZE, 12345);
	CHECK(n == SIZE, "pread of 1 MiB from /dev/zero: %zd", n);
	close(fd);
	printf("/dev/zero: readv %d, pread %d bytes\n", 900 * 1024, SIZE);

	fd = open_dev("/dev/null");
	n = read(fd, buf, SIZE);
	CHECK(n == 0, "read from /dev/null: %zd", n);
	close(fd);
	printf("dev_read: ok\n");
	return 0;
}
