/* wait_host.c - calls that wait for a host file (a FIFO) or for nothing
 * at all must not stop the rest of the guest: timers fire, signals
 * interrupt them, other processes run and can kill the waiter.
 *
 *   wait_host poll-alarm   alarm(1); poll(NULL, 0, -1): dies of SIGALRM
 *   wait_host fifo         the rest, in a FIFO of a scratch directory:
 *     - two processes rendezvous at a FIFO's open (each open waits for
 *       the other end) and pass a line;
 *     - a parent kills a child blocked in the open of a FIFO nobody
 *       writes, and one blocked in poll on it, and one in read;
 *     - a read blocked on the FIFO ends with EINTR when a handler
 *       without SA_RESTART runs, and goes on after one with SA_RESTART;
 *     - select and ppoll on it time out with nothing ready. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "proc_test.h"

static char dir[256], fifo[300];

static void cleanup(void)
{
	unlink(fifo);
	rmdir(dir);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rendezvous(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		int fd = open(fifo, O_RDONLY); /* waits for the writer */
		CHECK(fd >= 0, "child: open(O_RDONLY): %s", strerror(errno));
		char buf[32] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		CHECK(n == 6 && !strcmp(buf, "hello\n"), "child read %zd bytes '%s'", n, buf);
		_exit(0);
	}
	int fd = open(fifo, O_WRONLY); /* waits for the reader */
	CHECK(fd >= 0, "open(O_WRONLY): %s", strerror(errno));
	CHECK(write(fd, "hello\n", 6) == 6, "write: %s", strerror(errno));
	close(fd);
	expect_exit(wait_for(pid), 0, "rendezvous child");
	printf("rendezvous: ok\n");
}

/* A child that blocks in what (on a FIFO nobody writes), killed by its
 * parent after 100 ms. */
static void kill_blocked(const char *what)
{
	pid_t pid = xfork();
	if (pid == 0) {
		if (!strcmp(what, "open")) {
			open(fifo, O_RDONLY);
		} else {
			/* O_RDWR: the open does not wait, and the child is a
			 * writer itself, so reads see no end of file. */
			int fd = open(fifo, O_RDWR);
			CHECK(fd >= 0, "child: open(O_RDWR): %s", strerror(errno));
			char c;
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			if (!strcmp(what, "poll"))
				poll(&pfd, 1, -1);
			else
				CHECK(read(fd, &c, 1) >= 0, "read");
		}
		_exit(9); /* not reached: nobody writes */
	}
	usleep(100000);
	CHECK(kill(pid, SIGTERM) == 0, "kill: %s", strerror(errno));
	int st = wait_for(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child blocked in %s: status %#x", what,
	      st);
	printf("killed in %s: ok\n", what);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A read blocked on the FIFO, and SIGUSR1 from a child after 100 ms. */
static void interrupted_read(int sa_flags)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = sa_flags};
	sigaction(SIGUSR1, &sa, NULL);
	int fd = open(fifo, O_RDWR);
	CHECK(fd >= 0, "open(O_RDWR): %s", strerror(errno));
	pid_t parent = getpid();
	pid_t pid = xfork();
	if (pid == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		if (sa_flags & SA_RESTART) { /* the read goes on: give it a byte */
			usleep(100000);
			int w = open(fifo, O_WRONLY);
			CHECK(w >= 0 && write(w, "x", 1) == 1, "child write");
		}
		_exit(0);
	}
	char c;
	ssize_t n = read(fd, &c, 1);
	if (sa_flags & SA_RESTART)
		CHECK(n == 1 && c == 'x', "restarted read returned %zd", n);
	else
		CHECK_ERRNO(n, EINTR, "interrupted read");
	expect_exit(wait_for(pid), 0, "signalling child");
	close(fd);
	printf("read with handler, SA_RESTART %s: ok\n", sa_flags & SA_RESTART ? "on" : "off");
}

static void timeouts(void)
{
	int fd = open(fifo, O_RDWR);
	CHECK(fd >= 0, "open(O_RDWR): %s", strerror(errno));
	fd_set in;
	FD_ZERO(&in);
	FD_SET(fd, &in);
	struct timeval tv = {0, 200000};
	double t0 = now();
	/* The system call itself: libcs pass select a copy of tv. */
	int r = (int)syscall(SYS_select, fd + 1, &in, NULL, NULL, &tv);
	double waited = now() - t0;
	CHECK(r == 0 && !FD_ISSET(fd, &in), "select returned %d", r);
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "select left %ld.%06ld s", (long)tv.tv_sec,
	      (long)tv.tv_usec);
	CHECK(waited >= 0.19 && waited < 5, "select waited %.3f s", waited);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct timespec ts = {0, 100000000};
	t0 = now();
	r = ppoll(&pfd, 1, &ts, NULL);
	waited = now() - t0;
	CHECK(r == 0 && pfd.revents == 0, "ppoll returned %d revents %#x", r, pfd.revents);
	CHECK(waited >= 0.09 && waited < 5, "ppoll waited %.3f s", waited);
	CHECK(write(fd, "y", 1) == 1, "write");
	r = poll(&pfd, 1, -1);
	CHECK(r == 1 && pfd.revents == POLLIN, "poll of a FIFO with a byte: %d %#x", r, pfd.revents);
	close(fd);
	printf("timeouts: ok\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "poll-alarm")) {
		alarm(1);
		poll(NULL, 0, -1);
		fail("poll returned");
	}
	snprintf(dir, sizeof(dir), "%s/wait_host.XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	atexit(cleanup);
	CHECK(mkfifo(fifo, 0600) == 0, "mkfifo: %s", strerror(errno));
	rendezvous();
	kill_blocked("open");
	kill_blocked("poll");
	kill_blocked("read");
	interrupted_read(0);
	interrupted_read(SA_RESTART);
	timeouts();
	return 0;
}
