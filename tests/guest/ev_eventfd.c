/* ev_eventfd: eventfd(2) and eventfd2(2). The counter read whole, or 1
 * at a time with EFD_SEMAPHORE; writes add; EINVAL for buffers shorter
 * than 8 bytes and for the value 2^64-1; the ceiling 2^64-2 (a write
 * past it is EAGAIN when nonblocking); a read of 0 EAGAIN; a read into a
 * bad buffer is EFAULT and the count is gone all the same; poll's IN and
 * OUT at each step; flags (EINVAL for unknown ones, EFD_CLOEXEC,
 * EFD_NONBLOCK in F_GETFL); fstat and readlink of /proc/self/fd/N
 * ("anon_inode:[eventfd]"), ENXIO for opening it there; a child blocked
 * in read until the parent writes, and in write until the parent reads;
 * the raw eventfd(2) call. */
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#define MAXCOUNT 0xfffffffffffffffeULL

static short events(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	CHECK(poll(&p, 1, 0) >= 0, "poll: %s", strerror(errno));
	return p.revents;
}

static void show(const char *what, int fd)
{
	short ev = events(fd);
	printf("%s: poll%s%s\n", what, ev & POLLIN ? " IN" : "", ev & POLLOUT ? " OUT" : "");
}

static uint64_t get(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));
	CHECK(n == 8, "read: %zd %s", n, strerror(errno));
	return v;
}

static void put(int fd, uint64_t v)
{
	ssize_t n = write(fd, &v, sizeof(v));
	CHECK(n == 8, "write %llu: %zd %s", (unsigned long long)v, n, strerror(errno));
}

static void counter(void)
{
	int fd = eventfd(3, EFD_NONBLOCK);
	CHECK(fd >= 0, "eventfd: %s", strerror(errno));
	show("3", fd);
	CHECK(get(fd) == 3, "read of 3");
	show("0", fd);
	uint64_t v;
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN, "read of 0");
	put(fd, 5);
	put(fd, 7);
	char big[16];
	CHECK(read(fd, big, sizeof(big)) == 8, "read of 16 bytes gives 8");
	memcpy(&v, big, 8);
	CHECK(v == 12, "5 + 7 read %llu", (unsigned long long)v);
	CHECK_ERRNO(read(fd, big, 7), EINVAL, "read of 7 bytes");
	CHECK_ERRNO(write(fd, big, 7), EINVAL, "write of 7 bytes");
	v = UINT64_MAX;
	CHECK_ERRNO(write(fd, &v, 8), EINVAL, "write of 2^64-1");
	put(fd, 0);
	show("after writing 0", fd);
	put(fd, MAXCOUNT);
	show("at the ceiling", fd);
	v = 1;
	CHECK_ERRNO(write(fd, &v, 8), EAGAIN, "write past the ceiling");
	CHECK(get(fd) == MAXCOUNT, "the ceiling read back");
	put(fd, 9);
	CHECK_ERRNO(syscall(SYS_read, fd, 0, 8), EFAULT, "read into NULL");
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN, "the count after EFAULT");
	CHECK_ERRNO(syscall(SYS_write, fd, 0, 8), EFAULT, "write from NULL");
	show("empty", fd);
	printf("F_GETFL %o\n", fcntl(fd, F_GETFL));
	close(fd);
}

static void semaphore(void)
{
	int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(fd >= 0, "eventfd semaphore: %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		CHECK(get(fd) == 1, "semaphore read %d", i);
	uint64_t v;
	CHECK_ERRNO(read(fd, &v, 8), EAGAIN, "semaphore at 0");
	put(fd, 2);
	CHECK(get(fd) == 1 && get(fd) == 1, "semaphore after 2");
	printf("semaphore: 1 at a time\n");
	close(fd);
}

static void flags_and_names(void)
{
	CHECK_ERRNO(eventfd(0, 0x8), EINVAL, "eventfd2 unknown flag");
	CHECK_ERRNO(syscall(SYS_eventfd2, 0, O_APPEND), EINVAL, "eventfd2 O_APPEND");
	int fd = eventfd(0, EFD_CLOEXEC);
	CHECK(fd >= 0, "eventfd cloexec");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC");
	printf("F_GETFL %o\n", fcntl(fd, F_GETFL));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat");
	printf("mode %o nlink %lu size %lld\n", st.st_mode, (unsigned long)st.st_nlink,
	       (long long)st.st_size);
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s: %s", path, strerror(errno));
	link[n] = 0;
	printf("link %s\n", link);
	CHECK(!strcmp(link, "anon_inode:[eventfd]"), "link %s", link);
	CHECK_ERRNO(open(path, O_RDWR), ENXIO, "open of /proc/self/fd/N");
	int raw = (int)syscall(SYS_eventfd, 4);
	CHECK(raw >= 0, "eventfd(2): %s", strerror(errno));
	CHECK(fcntl(raw, F_GETFD) == 0, "eventfd(2) not close-on-exec");
	CHECK(get(raw) == 4, "eventfd(2) count");
	close(raw);
	close(fd);
}

/* A child blocked in read until the parent writes, then in a write past
 * the ceiling of a second eventfd until the parent reads it. */
static void blocking(void)
{
	int a = eventfd(0, 0), b = eventfd(1, 0);
	CHECK(a >= 0 && b >= 0, "eventfd");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		uint64_t v;
		if (read(a, &v, 8) != 8 || v != 42)
			_exit(1);
		v = MAXCOUNT;
		if (write(b, &v, 8) != 8) /* waits for the parent to take the 1 */
			_exit(2);
		_exit(0);
	}
	usleep(100000);
	put(a, 42);
	usleep(100000);
	CHECK(get(b) == 1, "the child's write waited");
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	CHECK(!(events(a) & POLLIN), "the child took 42");
	CHECK(get(b) == MAXCOUNT, "the child's write went in");
	printf("blocking: read and write waited\n");
	close(a);
	close(b);
}

int main(void)
{
	counter();
	semaphore();
	flags_and_names();
	blocking();
	return 0;
}
