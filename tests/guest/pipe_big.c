/* pipe_big: blocking writes of more than the pipe holds, as Linux does
 * them (pipe(7)):
 * - write() of 1 MiB to a pipe returns 1 MiB once a slow reader has taken
 *   it all, in order (the reader checks every byte);
 * - the same from writev() with several buffers;
 * - a signal whose handler returns (even with SA_RESTART) ends a write
 *   that has moved some bytes: it returns that count, 65536 here (the
 *   pipe's capacity; nobody reads; a child sends the signal once poll
 *   says the pipe is full);
 * - the last reader going away ends it too: the bytes written so far are
 *   returned, and SIGPIPE is sent (ignored here). */
#include "proc_test.h"

#include <signal.h>
#include <stdbool.h>
#include <poll.h>
#include <sys/uio.h>

#define BIG (1 << 20)

static unsigned char byte_at(size_t i)
{
	return (unsigned char)(i * 7 + i / 4096);
}

static unsigned char *pattern(void)
{
	static unsigned char buf[BIG];
	for (size_t i = 0; i < BIG; i++)
		buf[i] = byte_at(i);
	return buf;
}

/* Reads n bytes in small pieces, checking each; exits 1 on a mismatch. */
static void slow_reader(int fd, size_t n)
{
	unsigned char piece[1000];
	size_t at = 0;
	while (at < n) {
		ssize_t r = read(fd, piece, sizeof(piece));
		if (r <= 0)
			_exit(2);
		for (ssize_t i = 0; i < r; i++)
			if (piece[i] != byte_at(at + (size_t)i))
				_exit(1);
		at += (size_t)r;
	}
	_exit(read(fd, piece, 1) == 0 ? 0 : 3);
}

static void whole_write(bool vector)
{
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid_t child = xfork();
	if (child == 0) {
		close(fds[1]);
		slow_reader(fds[0], BIG);
	}
	close(fds[0]);
	unsigned char *buf = pattern();
	ssize_t n;
	if (vector) {
		struct iovec iov[3] = {{buf, 1000}, {buf + 1000, 300000}, {buf + 301000, BIG - 301000}};
		n = writev(fds[1], iov, 3);
	} else {
		n = write(fds[1], buf, BIG);
	}
	CHECK(n == BIG, "%s of %d bytes returned %zd: %s", vector ? "writev" : "write", BIG, n,
	      n < 0 ? strerror(errno) : "a partial count");
	close(fds[1]);
	expect_exit(wait_for(child), 0, "reader");
	printf("%s of 1 MiB to a pipe: all of it, in order\n", vector ? "writev" : "write");
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void interrupted_write(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	pid_t parent = getpid();
	pid_t child = xfork();
	if (child == 0) {
		/* Once the pipe is full, the parent is blocked in its write. */
		struct pollfd pfd = {.fd = fds[1], .events = POLLOUT};
		while (poll(&pfd, 1, 0) == 1)
			usleep(1000);
		_exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
	}
	ssize_t n = write(fds[1], pattern(), BIG);
	CHECK(n > 0, "interrupted write: %s", n < 0 ? strerror(errno) : "0");
	printf("interrupted after filling the pipe: write returned %zd\n", n);
	expect_exit(wait_for(child), 0, "signaller");
	close(fds[0]);
	close(fds[1]);
}

static void reader_leaves(void)
{
	signal(SIGPIPE, SIG_IGN);
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid_t child = xfork();
	if (child == 0) {
		close(fds[1]);
		unsigned char piece[4096];
		size_t got = 0;
		while (got < 100000) {
			ssize_t r = read(fds[0], piece, sizeof(piece));
			if (r <= 0)
				_exit(2);
			got += (size_t)r;
		}
		_exit(0); /* closes the last read end */
	}
	close(fds[0]);
	ssize_t n = write(fds[1], pattern(), BIG);
	/* What the child read, plus at most what the pipe held when it left. */
	CHECK(n >= 100000 && n <= 100000 + 4096 + 65536, "write returned %zd (%s)", n,
	      n < 0 ? strerror(errno) : "out of range");
	CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE, "a write with no reader: %s",
	      strerror(errno));
	close(fds[1]);
	expect_exit(wait_for(child), 0, "reader");
	printf("the reader left: the bytes written so far, then EPIPE\n");
}

int main(void)
{
	whole_write(false);
	whole_write(true);
	interrupted_write();
	reader_leaves();
	return 0;
}
