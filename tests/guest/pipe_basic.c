/* pipe_basic: a pipe inside one process.
 * write then read (also readv/writev and a dup'ed end), FIONREAD, access
 * modes and O_NONBLOCK through fcntl, EAGAIN on an empty or full pipe and
 * the 64 KiB capacity, end of file once the write end is closed, EPIPE
 * with SIGPIPE ignored and with a handler, poll bits, fstat (a FIFO of
 * size 0, one inode for both ends), ESPIPE, and pipe2's flags. */
#include "guest_test.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CAPACITY 65536 /* Linux's default pipe size */

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void make_pipe(int fds[2], int flags)
{
	CHECK(pipe2(fds, flags) == 0, "pipe2(%#x): %s", flags, strerror(errno));
}

static void write_read(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	CHECK(write(p[1], "hello, ", 7) == 7, "write: %s", strerror(errno));
	struct iovec wv[2] = {{"pi", 2}, {"pe", 2}};
	CHECK(writev(p[1], wv, 2) == 4, "writev: %s", strerror(errno));
	int n = -1;
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 11, "FIONREAD: %d (%s)", n, strerror(errno));
	char a[6] = "", b[16] = "";
	struct iovec rv[2] = {{a, 5}, {b, sizeof(b) - 1}};
	CHECK(readv(p[0], rv, 2) == 11, "readv: %s", strerror(errno));
	CHECK(!strcmp(a, "hello") && !strcmp(b, ", pipe"), "readv got '%s' '%s'", a, b);
	/* A dup'ed end is the same end: closing the original changes nothing. */
	int w2 = dup(p[1]);
	CHECK(w2 >= 0, "dup: %s", strerror(errno));
	close(p[1]);
	CHECK(write(w2, "x", 1) == 1, "write through dup: %s", strerror(errno));
	CHECK(read(p[0], b, sizeof(b)) == 1 && b[0] == 'x', "read after dup");
	/* Each end works one way. */
	CHECK_ERRNO(write(p[0], "x", 1), EBADF, "write to the read end");
	CHECK_ERRNO(read(w2, b, 1), EBADF, "read from the write end");
	/* End of file once no write end is left, also after data. */
	CHECK(write(w2, "bye", 3) == 3, "write: %s", strerror(errno));
	close(w2);
	CHECK(read(p[0], b, sizeof(b)) == 3, "read before EOF");
	CHECK(read(p[0], b, sizeof(b)) == 0, "read at EOF");
	CHECK(read(p[0], b, sizeof(b)) == 0, "read at EOF again");
	close(p[0]);
	printf("write/read/EOF ok\n");
}

static void flags_and_nonblocking(void)
{
	int p[2];
	make_pipe(p, 0);
	CHECK(fcntl(p[0], F_GETFL) == O_RDONLY, "F_GETFL read end %#x", fcntl(p[0], F_GETFL));
	CHECK(fcntl(p[1], F_GETFL) == O_WRONLY, "F_GETFL write end %#x", fcntl(p[1], F_GETFL));
	CHECK(fcntl(p[0], F_GETFD) == 0, "F_GETFD without O_CLOEXEC");
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL: %s", strerror(errno));
	CHECK(fcntl(p[0], F_GETFL) == (O_RDONLY | O_NONBLOCK), "F_GETFL after F_SETFL %#x",
	      fcntl(p[0], F_GETFL));
	char c;
	CHECK_ERRNO(read(p[0], &c, 1), EAGAIN, "read of an empty O_NONBLOCK pipe");
	close(p[0]);
	close(p[1]);

	make_pipe(p, O_CLOEXEC | O_NONBLOCK);
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
	      "pipe2(O_CLOEXEC): F_GETFD");
	CHECK(fcntl(p[1], F_GETFL) == (O_WRONLY | O_NONBLOCK), "pipe2(O_NONBLOCK) F_GETFL %#x",
	      fcntl(p[1], F_GETFL));
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == CAPACITY, "F_GETPIPE_SZ %d", fcntl(p[0], F_GETPIPE_SZ));
	/* A large non-blocking write fills the pipe and says how much went in. */
	static char big[100000];
	memset(big, 'b', sizeof(big));
	ssize_t w = write(p[1], big, sizeof(big));
	CHECK(w == CAPACITY, "write of %zu bytes to an empty pipe: %zd (%s)", sizeof(big), w,
	      w < 0 ? strerror(errno) : "-");
	CHECK_ERRNO(write(p[1], "x", 1), EAGAIN, "write to a full O_NONBLOCK pipe");
	/* Room for fewer than PIPE_BUF bytes: a small write is all or nothing. */
	CHECK(read(p[0], big, 100) == 100, "read 100");
	CHECK_ERRNO(write(p[1], big, 200), EAGAIN, "write of 200 bytes into 100 free");
	size_t total = 100;
	ssize_t r;
	while ((r = read(p[0], big, sizeof(big))) > 0)
		total += (size_t)r;
	CHECK(r == -1 && errno == EAGAIN, "read of the emptied pipe: %zd (%s)", r, strerror(errno));
	CHECK(total == CAPACITY, "read back %zu bytes, expected %d", total, CAPACITY);
	close(p[0]);
	close(p[1]);
	CHECK_ERRNO(pipe2(p, O_APPEND), EINVAL, "pipe2(O_APPEND)");
	printf("flags/O_NONBLOCK/capacity ok\n");
}

static void broken_pipe(void)
{
	int p[2];
	make_pipe(p, 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE, "write with no reader (SIGPIPE ignored)");
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGPIPE, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	CHECK_ERRNO(write(p[1], "x", 1), EPIPE, "write with no reader (SIGPIPE handled)");
	CHECK(sigpipes == 1, "SIGPIPE handler ran %d times, expected 1", (int)sigpipes);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
	printf("EPIPE/SIGPIPE ok\n");
}

static short poll_one(int fd, short events)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int n = poll(&pfd, 1, 0);
	CHECK(n >= 0, "poll: %s", strerror(errno));
	CHECK((n == 1) == (pfd.revents != 0), "poll returned %d with revents %#x", n, pfd.revents);
	return pfd.revents;
}

static void poll_bits(void)
{
	int p[2];
	make_pipe(p, 0);
	short r = poll_one(p[0], POLLIN | POLLOUT), w = poll_one(p[1], POLLIN | POLLOUT);
	CHECK(r == 0 && w == POLLOUT, "empty pipe: revents %#x %#x", r, w);
	CHECK(write(p[1], "abc", 3) == 3, "write");
	r = poll_one(p[0], POLLIN);
	CHECK(r == POLLIN, "pipe with data: revents %#x", r);
	close(p[1]);
	r = poll_one(p[0], POLLIN);
	CHECK(r == (POLLIN | POLLHUP), "data, no writer: revents %#x", r);
	char buf[8];
	CHECK(read(p[0], buf, sizeof(buf)) == 3, "read");
	r = poll_one(p[0], POLLIN);
	CHECK(r == POLLHUP, "empty, no writer: revents %#x", r);
	close(p[0]);
	make_pipe(p, 0);
	close(p[0]);
	w = poll_one(p[1], POLLOUT);
	CHECK(w == (POLLOUT | POLLERR), "no reader: revents %#x", w);
	close(p[1]);
	printf("poll ok\n");
}

static void not_a_file(void)
{
	int p[2];
	make_pipe(p, 0);
	CHECK(write(p[1], "data", 4) == 4, "write");
	struct stat a, b;
	CHECK(fstat(p[0], &a) == 0 && fstat(p[1], &b) == 0, "fstat: %s", strerror(errno));
	CHECK(S_ISFIFO(a.st_mode) && S_ISFIFO(b.st_mode), "fstat mode %#o", a.st_mode);
	CHECK(a.st_size == 0, "fstat size %lld with data in the pipe", (long long)a.st_size);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "the ends are different inodes");
	CHECK_ERRNO(lseek(p[0], 0, SEEK_CUR), ESPIPE, "lseek");
	char c;
	CHECK_ERRNO(pread(p[0], &c, 1, 0), ESPIPE, "pread");
	CHECK_ERRNO(pwrite(p[1], &c, 1, 0), ESPIPE, "pwrite");
	CHECK_ERRNO(ftruncate(p[1], 0), EINVAL, "ftruncate");
	close(p[0]);
	close(p[1]);
	printf("fstat/ESPIPE ok\n");
}

int main(void)
{
	write_read();
	flags_and_nonblocking();
	broken_pipe();
	poll_bits();
	not_a_file();
	printf("pipe basic ok\n");
	return 0;
}
