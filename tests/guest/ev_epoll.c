/* ev_epoll: epoll_create(2), epoll_create1(2), epoll_ctl(2), epoll_wait(2),
 * epoll_pwait(2), epoll_pwait2(2).
 *
 * Level-triggered items report while ready, round robin when maxevents
 * is short; edge-triggered ones once per change of the file (each write
 * to a pipe, not a partial read); one-shot ones once until EPOLL_CTL_MOD
 * arms them again. An item stays while its file is open through another
 * fd and goes with the file's last fd. A forked child's write wakes a
 * parent blocked in epoll_wait; a timeout ends a wait with 0; a signal
 * ends one with EINTR, even with SA_RESTART; epoll_pwait's mask holds a
 * signal off while it waits and the handler runs after it. Every kind of
 * file: pipes (both ends), AF_UNIX pairs (EPOLLRDHUP, EPOLLHUP), eventfd,
 * timerfd, signalfd, pidfds, /proc files, nested epolls. Errors in
 * Linux's order: EINVAL, EBADF, EPERM (a regular file), EEXIST, ENOENT,
 * ELOOP (loops, and nesting deeper than 5), the EPOLLEXCLUSIVE rules,
 * EFAULT only once there is an event to store. "anon_inode:[eventpoll]". */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int ep_new(void)
{
	int ep = epoll_create1(0);
	CHECK(ep >= 0, "epoll_create1: %s", strerror(errno));
	return ep;
}

static void add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "EPOLL_CTL_ADD %d: %s", fd, strerror(errno));
}

static int ctl(int ep, int op, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events};
	return epoll_ctl(ep, op, fd, &ev);
}

/* One wait: "what: n [data:events ...]". */
static int show(const char *what, int ep, int max, int timeout)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, max, timeout);
	CHECK(n >= 0, "%s: epoll_wait: %s", what, strerror(errno));
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" %llu:%#x", (unsigned long long)ev[i].data.u64, ev[i].events);
	printf("\n");
	return n;
}

static void put(int fd, const char *s)
{
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s), "write: %s", strerror(errno));
}

static void errors(void)
{
	CHECK_ERRNO(syscall(SYS_epoll_create, 0), EINVAL, "epoll_create(0)");
	CHECK_ERRNO(epoll_create1(1), EINVAL, "epoll_create1 unknown flag");
	int ep = (int)syscall(SYS_epoll_create, 1), p[2];
	CHECK(ep >= 0 && pipe(p) == 0, "epoll_create: %s", strerror(errno));
	CHECK(fcntl(ep, F_GETFD) == 0, "epoll_create is not close-on-exec");
	int ep2 = epoll_create1(EPOLL_CLOEXEC);
	CHECK(fcntl(ep2, F_GETFD) == FD_CLOEXEC, "EPOLL_CLOEXEC");
	char path[64], link[64], buf[8];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ep);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink");
	link[n] = 0;
	printf("link %s F_GETFL %o\n", link, fcntl(ep, F_GETFL));
	CHECK_ERRNO(read(ep, buf, 8), EINVAL, "read of an epoll fd");
	CHECK_ERRNO(ctl(999, EPOLL_CTL_ADD, p[0], EPOLLIN), EBADF, "bad epfd");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, 999, EPOLLIN), EBADF, "bad fd");
	CHECK_ERRNO(epoll_ctl(999, EPOLL_CTL_ADD, 999, NULL), EFAULT, "the event before the fds");
	int reg = open("/proc/self/exe", O_RDONLY);
	CHECK(reg >= 0, "open /proc/self/exe");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, reg, EPOLLIN), EPERM, "a regular file");
	CHECK_ERRNO(ctl(p[0], EPOLL_CTL_ADD, reg, EPOLLIN), EPERM, "EPERM before EINVAL");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN), EINVAL, "itself");
	CHECK_ERRNO(ctl(p[0], EPOLL_CTL_ADD, p[1], EPOLLIN), EINVAL, "not an epoll fd");
	CHECK_ERRNO(ctl(ep, 99, p[0], EPOLLIN), EINVAL, "unknown op");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_DEL, p[0], 0), ENOENT, "DEL of no item");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN), ENOENT, "MOD of no item");
	add(ep, p[0], EPOLLIN, 1);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN), EEXIST, "twice");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "DEL without an event");
	/* EPOLLEXCLUSIVE: ADD only, no epoll fd, only some events. */
	add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE), EINVAL, "MOD with EXCLUSIVE");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN), EINVAL, "MOD of an EXCLUSIVE item");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT), EINVAL,
		    "EXCLUSIVE with ONESHOT");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLRDHUP), EINVAL,
		    "EXCLUSIVE with RDHUP");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE), EINVAL, "EXCLUSIVE epoll");
	/* Loops and depth: a chain of at most 5 epolls. */
	add(ep2, ep, EPOLLIN, 2);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN), ELOOP, "a loop");
	int chain[6];
	for (int i = 0; i < 6; i++)
		chain[i] = ep_new();
	for (int i = 1; i < 5; i++)
		add(chain[i], chain[i - 1], EPOLLIN, 0);
	CHECK_ERRNO(ctl(chain[5], EPOLL_CTL_ADD, chain[4], EPOLLIN), ELOOP, "6 deep");
	int top = ep_new();
	CHECK_ERRNO(ctl(top, EPOLL_CTL_ADD, chain[4], EPOLLIN), ELOOP, "6 deep, from above");
	for (int i = 0; i < 6; i++)
		close(chain[i]);
	close(top);
	/* epoll_wait's checks. */
	struct epoll_event ev;
	CHECK_ERRNO(epoll_wait(ep, &ev, 0, 0), EINVAL, "maxevents 0");
	CHECK_ERRNO(epoll_wait(999, &ev, 1, 0), EBADF, "wait on fd 999");
	CHECK_ERRNO(epoll_wait(p[0], &ev, 1, 0), EINVAL, "wait on a pipe");
	CHECK(syscall(SYS_epoll_wait, ep, 8, 1, 0) == 0, "a bad buffer and no event: 0");
	put(p[1], "x");
	CHECK_ERRNO(syscall(SYS_epoll_wait, ep, 8, 1, 0), EFAULT, "a bad buffer and an event");
	struct timespec bad = {0, 1000000000};
	CHECK_ERRNO(syscall(SYS_epoll_pwait2, ep, &ev, 1, &bad, NULL, 8), EINVAL, "pwait2 timespec");
	sigset_t none;
	sigemptyset(&none);
	CHECK_ERRNO(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &none, 4), EINVAL, "pwait sigsetsize");
	printf("errors: as Linux\n");
	close(reg);
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
}

static void triggers(void)
{
	int ep = ep_new(), lt[2], et[2], os[2];
	char buf[8];
	CHECK(pipe(lt) == 0 && pipe(et) == 0 && pipe(os) == 0, "pipe");
	add(ep, lt[0], EPOLLIN, 1);
	add(ep, et[0], EPOLLIN | EPOLLET, 2);
	add(ep, os[0], EPOLLIN | EPOLLONESHOT, 3);
	show("nothing", ep, 8, 0);
	put(lt[1], "ab");
	put(et[1], "ab");
	put(os[1], "ab");
	show("all written", ep, 8, 0);
	show("again", ep, 8, 0);
	CHECK(read(lt[0], buf, 1) == 1 && read(et[0], buf, 1) == 1, "read");
	show("after a partial read", ep, 8, 0);
	put(et[1], "c");
	put(os[1], "c");
	show("written again", ep, 8, 0);
	CHECK(ctl(ep, EPOLL_CTL_MOD, os[0], EPOLLIN | EPOLLONESHOT) == 0, "MOD");
	CHECK(ctl(ep, EPOLL_CTL_MOD, et[0], EPOLLIN | EPOLLET) == 0, "MOD");
	show("after MOD", ep, 8, 0);
	CHECK(read(lt[0], buf, 8) == 1, "drain");
	show("lt drained", ep, 8, 0);
	/* Round robin: two level-triggered items, one event at a time. */
	put(lt[1], "d");
	CHECK(ctl(ep, EPOLL_CTL_MOD, os[0], EPOLLIN) == 0, "MOD to level");
	show("max 1", ep, 1, 0);
	show("max 1", ep, 1, 0);
	show("max 1", ep, 1, 0);
	/* The write end: OUT until full, OUT again once read. */
	int w = ep_new();
	fcntl(lt[1], F_SETFL, O_NONBLOCK);
	fcntl(lt[0], F_SETFL, O_NONBLOCK);
	add(w, lt[1], EPOLLOUT | EPOLLET, 9);
	show("write end", w, 8, 0);
	while (write(lt[1], buf, 8) > 0)
		;
	show("full", w, 8, 0);
	char page[4096];
	CHECK(read(lt[0], page, sizeof(page)) == sizeof(page), "read a page");
	show("a page read", w, 8, 0);
	CHECK(read(lt[0], page, sizeof(page)) == sizeof(page), "read a page");
	show("another page read", w, 8, 0);
	while (read(lt[0], page, sizeof(page)) > 0)
		;
	close(lt[1]);
	show("reader after the writer closed", ep, 8, 0);
	close(w);
	close(ep);
	close(lt[0]);
	close(et[0]);
	close(et[1]);
	close(os[0]);
	close(os[1]);
}

/* An item lives while its file does: closing one of two fds leaves it. */
static void closing(void)
{
	int ep = ep_new(), p[2];
	CHECK(pipe(p) == 0, "pipe");
	int d = dup(p[0]);
	add(ep, p[0], EPOLLIN, 5);
	int fd = p[0];
	close(p[0]);
	put(p[1], "x");
	show("fd closed, dup open", ep, 8, 0);
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_DEL, fd, 0), EBADF, "DEL of the closed fd");
	close(d);
	show("last fd closed", ep, 8, 0);
	int q[2];
	CHECK(pipe(q) == 0 && q[0] == fd, "the fd number again");
	CHECK_ERRNO(ctl(ep, EPOLL_CTL_DEL, fd, 0), ENOENT, "the old item is gone");
	add(ep, q[0], EPOLLIN, 6);
	printf("closing: the item went with the file\n");
	close(q[0]);
	close(q[1]);
	close(p[1]);
	close(ep);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

/* Blocking waits: a forked child's write, a timeout, signals. */
static void waits(void)
{
	int ep = ep_new(), p[2];
	CHECK(pipe(p) == 0, "pipe");
	add(ep, p[0], EPOLLIN, 7);
	pid_t parent = getpid(), pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		usleep(100000);
		_exit(write(p[1], "y", 1) == 1 ? 0 : 1);
	}
	show("the child wrote", ep, 8, -1);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	char c;
	CHECK(read(p[0], &c, 1) == 1, "read");
	double t0 = now();
	show("timeout 100 ms", ep, 8, 100);
	CHECK(now() - t0 >= 0.09, "woke after %f s", now() - t0);
	struct epoll_event ev;
	struct timespec ts = {0, 50000000};
	t0 = now();
	CHECK(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8) == 0, "pwait2 timeout");
	CHECK(now() - t0 >= 0.04, "pwait2 woke after %f s", now() - t0);
	/* A handler ends a wait with EINTR, SA_RESTART or not. */
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0};
		CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
		pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			usleep(100000);
			kill(parent, SIGUSR1);
			_exit(0);
		}
		CHECK_ERRNO(epoll_wait(ep, &ev, 1, -1), EINTR, "epoll_wait interrupted");
		CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	}
	CHECK(handled == 2, "handled %d", handled);
	/* epoll_pwait's mask: the signal waits for the call's end. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		usleep(100000);
		_exit(write(p[1], "z", 1) == 1 ? 0 : 1);
	}
	int n = epoll_pwait(ep, &ev, 1, -1, &usr1);
	CHECK(n == 1 && ev.data.u64 == 7, "epoll_pwait: %d %s", n, strerror(errno));
	CHECK(handled == 3, "the handler ran after the call: %d", handled);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	printf("waits: a child's write, timeouts, EINTR, epoll_pwait's mask\n");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* Every kind of file. */
static void kinds(void)
{
	int ep = ep_new();
	int s[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
	add(ep, s[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP, 10);
	show("socket", ep, 8, 0);
	put(s[1], "x");
	show("socket with data", ep, 8, 0);
	shutdown(s[1], SHUT_WR);
	show("peer shut down writing", ep, 8, 0);
	close(s[1]);
	show("peer closed", ep, 8, 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, s[0], NULL) == 0, "DEL");
	close(s[0]);

	int efd = eventfd(0, EFD_NONBLOCK);
	add(ep, efd, EPOLLIN | EPOLLET, 11);
	show("eventfd 0", ep, 8, 0);
	uint64_t one = 1;
	CHECK(write(efd, &one, 8) == 8, "eventfd write");
	show("eventfd 1", ep, 8, 0);
	CHECK(write(efd, &one, 8) == 8, "eventfd write");
	show("eventfd 2 (edge)", ep, 8, 0);
	close(efd);

	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	add(ep, tfd, EPOLLIN | EPOLLET, 12);
	show("timerfd disarmed", ep, 8, 0);
	struct itimerspec it = {{0, 0}, {0, 100000000}};
	CHECK(timerfd_settime(tfd, 0, &it, NULL) == 0, "timerfd_settime");
	show("timerfd expired", ep, 8, 5000);
	show("timerfd (edge)", ep, 8, 0);
	close(tfd);

	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	int sfd = signalfd(-1, &usr2, SFD_NONBLOCK);
	add(ep, sfd, EPOLLIN, 13);
	show("signalfd", ep, 8, 0);
	raise(SIGUSR2);
	show("signalfd SIGUSR2 pending", ep, 8, 0);
	struct signalfd_siginfo si;
	CHECK(read(sfd, &si, sizeof(si)) == sizeof(si), "signalfd read");
	show("signalfd taken", ep, 8, 0);
	close(sfd);

	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
	add(ep, pidfd, EPOLLIN, 14);
	show("pidfd running", ep, 8, 0);
	close(p[1]); /* the child exits */
	show("pidfd exited", ep, 8, -1);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	show("pidfd reaped", ep, 8, 0);
	close(pidfd);

	int proc = open("/proc/meminfo", O_RDONLY);
	CHECK(proc >= 0, "open /proc/meminfo");
	add(ep, proc, EPOLLIN | EPOLLET, 15);
	show("/proc file", ep, 8, 0);
	show("/proc file (edge)", ep, 8, 0);
	close(proc);

	int inner = ep_new(), q[2];
	CHECK(pipe(q) == 0, "pipe");
	add(inner, q[0], EPOLLIN, 16);
	add(ep, inner, EPOLLIN, 17);
	show("nested, empty", ep, 8, 0);
	struct pollfd pfd = {.fd = inner, .events = POLLIN};
	CHECK(poll(&pfd, 1, 0) == 0, "poll of an empty epoll");
	put(q[1], "n");
	show("nested, ready", ep, 8, 0);
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "poll of a ready epoll");
	show("inner", inner, 8, 0);
	int tin = timerfd_create(CLOCK_MONOTONIC, 0);
	add(inner, tin, EPOLLIN, 18);
	CHECK(timerfd_settime(tin, 0, &it, NULL) == 0, "timerfd_settime");
	char c;
	CHECK(read(q[0], &c, 1) == 1, "read");
	show("nested timerfd, outer waits", ep, 8, 5000);
	show("inner", inner, 8, 0);
	close(tin);
	close(inner);
	close(q[0]);
	close(q[1]);
	close(ep);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	errors();
	triggers();
	closing();
	waits();
	kinds();
	return 0;
}
