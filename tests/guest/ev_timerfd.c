/* ev_timerfd: timerfd_create(2), timerfd_settime(2), timerfd_gettime(2)
 * on CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_BOOTTIME: a one-shot timer
 * read once (1 expiration) then EAGAIN, poll IN once it expires, the time
 * left and the old value settime gives back, an interval timer counting
 * several expirations, TFD_TIMER_ABSTIME (in the future, blocking; in the
 * past, expired at once), disarming; EINVAL for unknown flags, clocks,
 * bad times, a short buffer (before any wait) and fds that are no
 * timerfd, EBADF, and which comes first; TFD_NONBLOCK and TFD_CLOEXEC;
 * "anon_inode:[timerfd]"; a blocking read is a sleep that SIGALRM's
 * handler interrupts (EINTR), while a forked child runs. Times are
 * checked with wide margins. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static long long now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void arm(int fd, int flags, long long value_ns, long long interval_ns, struct itimerspec *old)
{
	struct itimerspec it = {{interval_ns / 1000000000, interval_ns % 1000000000},
				{value_ns / 1000000000, value_ns % 1000000000}};
	CHECK(timerfd_settime(fd, flags, &it, old) == 0, "timerfd_settime: %s", strerror(errno));
}

static uint64_t ticks(int fd)
{
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));
	CHECK(r == 8, "read: %zd %s", r, strerror(errno));
	return n;
}

static void errors(void)
{
	CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x10), EINVAL, "unknown flag");
	CHECK_ERRNO(timerfd_create(99, 0), EINVAL, "unknown clock");
	CHECK_ERRNO(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL, "CPU-time clock");
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(fd >= 0, "timerfd_create: %s", strerror(errno));
	struct itimerspec bad = {{0, 0}, {0, 1000000000}}, good = {{0, 0}, {1, 0}}, cur;
	CHECK_ERRNO(timerfd_settime(fd, 0, &bad, NULL), EINVAL, "tv_nsec 10^9");
	CHECK_ERRNO(timerfd_settime(fd, 4, &good, NULL), EINVAL, "unknown settime flag");
	CHECK_ERRNO(timerfd_settime(999, 4, &good, NULL), EINVAL, "flags before the fd");
	CHECK_ERRNO(timerfd_settime(999, 0, &good, NULL), EBADF, "settime bad fd");
	CHECK_ERRNO(timerfd_settime(fd, 0, NULL, NULL), EFAULT, "settime NULL");
	CHECK_ERRNO(timerfd_settime(999, 0, NULL, NULL), EFAULT, "the copy before the fd");
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK_ERRNO(timerfd_settime(p[0], 0, &good, NULL), EINVAL, "settime on a pipe");
	CHECK_ERRNO(timerfd_gettime(p[0], &cur), EINVAL, "gettime on a pipe");
	CHECK_ERRNO(timerfd_gettime(999, &cur), EBADF, "gettime bad fd");
	CHECK_ERRNO(timerfd_gettime(fd, NULL), EFAULT, "gettime NULL");
	char small[4];
	CHECK_ERRNO(read(fd, small, 4), EINVAL, "read of 4 bytes (disarmed, blocking)");
	CHECK_ERRNO(write(fd, small, 4), EINVAL, "write");
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink: %s", strerror(errno));
	link[n] = 0;
	printf("link %s F_GETFL %o FD_CLOEXEC %d\n", link, fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
	int fd2 = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	CHECK(fd2 >= 0, "timerfd_create boottime: %s", strerror(errno));
	printf("F_GETFL %o FD_CLOEXEC %d\n", fcntl(fd2, F_GETFL), fcntl(fd2, F_GETFD));
	close(fd2);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void one_shot(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	CHECK(fd >= 0, "timerfd_create: %s", strerror(errno));
	uint64_t n;
	CHECK_ERRNO(read(fd, &n, 8), EAGAIN, "read of a disarmed timer");
	struct itimerspec cur;
	CHECK(timerfd_gettime(fd, &cur) == 0, "gettime");
	CHECK(!cur.it_value.tv_sec && !cur.it_value.tv_nsec, "disarmed value");
	arm(fd, 0, 200000000, 0, NULL);
	CHECK(timerfd_gettime(fd, &cur) == 0, "gettime");
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 200000000,
	      "time left %ld.%09ld", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) == 0, "poll before expiry");
	CHECK(poll(&p, 1, 10000) == 1 && p.revents == POLLIN, "poll until expiry");
	CHECK(ticks(fd) == 1, "one expiration");
	CHECK_ERRNO(read(fd, &n, 8), EAGAIN, "read again");
	CHECK(timerfd_gettime(fd, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_nsec,
	      "expired value");
	/* The old value of a running timer, and disarming. */
	arm(fd, 0, 10000000000LL, 0, NULL);
	struct itimerspec old;
	arm(fd, 0, 0, 0, &old);
	CHECK(old.it_value.tv_sec == 9 || (old.it_value.tv_sec == 10 && !old.it_value.tv_nsec),
	      "old value %ld", (long)old.it_value.tv_sec);
	CHECK(timerfd_gettime(fd, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_nsec,
	      "disarmed");
	printf("one-shot: 1 expiration, EAGAIN after\n");
	close(fd);
}

static void interval(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	CHECK(fd >= 0, "timerfd_create");
	arm(fd, 0, 10000000, 10000000, NULL);
	struct itimerspec cur;
	CHECK(timerfd_gettime(fd, &cur) == 0 && cur.it_interval.tv_nsec == 10000000, "interval");
	usleep(300000);
	uint64_t n = ticks(fd);
	CHECK(n >= 5, "%llu expirations in 300 ms", (unsigned long long)n);
	printf("interval: several expirations\n");
	close(fd);
}

static void absolute(clockid_t clock)
{
	int fd = timerfd_create(clock, 0);
	CHECK(fd >= 0, "timerfd_create %d", clock);
	long long start = now_ns(clock);
	arm(fd, TFD_TIMER_ABSTIME, start + 100000000, 0, NULL);
	CHECK(ticks(fd) == 1, "absolute expiration");
	CHECK(now_ns(clock) >= start + 100000000, "woke early");
	arm(fd, TFD_TIMER_ABSTIME, start - 1000000000, 0, NULL); /* in the past */
	CHECK(ticks(fd) == 1, "expired at once");
	printf("absolute on clock %d: blocking read\n", clock);
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking read of a disarmed timer sleeps: a forked child runs and
 * ends meanwhile, and SIGALRM's handler (no SA_RESTART) ends it. */
static void interrupted(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(fd >= 0, "timerfd_create");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0)
		_exit(7);
	struct itimerval it = {{0, 0}, {0, 200000}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	uint64_t n;
	CHECK_ERRNO(read(fd, &n, 8), EINTR, "read interrupted");
	int status;
	CHECK(waitpid(pid, &status, WNOHANG) == pid && WEXITSTATUS(status) == 7, "the child ran");
	printf("blocking read: EINTR, the child ran\n");
	close(fd);
}

int main(void)
{
	errors();
	one_shot();
	interval();
	absolute(CLOCK_MONOTONIC);
	absolute(CLOCK_REALTIME);
	absolute(CLOCK_BOOTTIME);
	interrupted();
	return 0;
}
