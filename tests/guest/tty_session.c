/* tty_session.c - sessions and controlling terminals on a pty: TIOCSCTTY
 * (EPERM for a non-leader and for another session's terminal unless
 * stolen with arg 1 by root), TIOCNOTTY by the leader (SIGHUP and SIGCONT
 * to the foreground group, sent as the leader's kill), the leader's exit
 * (SIGHUP from the kernel to the foreground group, the terminal then controls no session), SIGTTOU for a
 * background tcsetattr, tcsetpgrp and (with TOSTOP) write, and the
 * master's close (SIGHUP to the session leader, whose reads then give 0).
 * Each scenario runs in a child that makes its own session; children
 * report over a pipe. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "guest_test.h"

static int open_pair(int *s, char name[64])
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0, "posix_openpt: errno %d", errno);
	CHECK(ptsname_r(m, name, 64) == 0, "ptsname_r: errno %d", errno);
	*s = open(name, O_RDWR | O_NOCTTY);
	CHECK(*s >= 0, "open %s: errno %d", name, errno);
	return m;
}

/* Runs fn(arg) in a child and checks that it exits 0. */
static void in_child(int (*fn)(const char *), const char *arg, const char *what)
{
	pid_t c = fork();
	CHECK(c >= 0, "fork");
	if (c == 0)
		_exit(fn(arg));
	int st;
	CHECK(waitpid(c, &st, 0) == c, "waitpid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x", what, st);
}

static int report_fd = -1;
static volatile sig_atomic_t got; /* 1: SIGHUP, 2: SIGCONT */
static volatile sig_atomic_t hup_code;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got |= sig == SIGHUP ? 1 : 2;
	if (sig == SIGHUP)
		hup_code = si->si_code;
}

/* Reads exactly n bytes. */
static ssize_t read_n(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return got ? (ssize_t)got : r;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void catch_sigs(void)
{
	struct sigaction sa = {.sa_sigaction = on_sig, .sa_flags = SA_RESTART | SA_SIGINFO};
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
}

/* Waits for the signals of want (SIGALRM ends a wait that fails), then
 * reports them: "H" for SIGHUP with "u" when a process sent it (SI_USER)
 * or "k" when the kernel did (SI_KERNEL), "C" for SIGCONT. Several pending signals
 * are delivered at once, the last one's handler first, so the report
 * does not tell their order. */
static void wait_report(int want)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCONT);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigdelset(&old, SIGHUP);
	sigdelset(&old, SIGCONT);
	alarm(30);
	while ((got & want) != want)
		sigsuspend(&old);
	if (got & 1)
		(void)!write(report_fd, hup_code == SI_USER ? "Hu" : hup_code == SI_KERNEL ? "Hk" : "H?", 2);
	(void)!write(report_fd, got & 2 ? "C" : "", (got & 2) >> 1);
}

/* A child of the caller in its group that reports the signals of want;
 * returns once it is ready. */
static pid_t reporter(int want)
{
	int ready[2];
	if (pipe(ready))
		return -1;
	pid_t g = fork();
	if (g == 0) {
		catch_sigs();
		sigset_t block;
		sigemptyset(&block);
		sigaddset(&block, SIGHUP);
		sigaddset(&block, SIGCONT);
		sigprocmask(SIG_BLOCK, &block, NULL);
		(void)!write(ready[1], "g", 1);
		wait_report(want);
		_exit(0);
	}
	char b;
	(void)!read(ready[0], &b, 1);
	close(ready[0]);
	close(ready[1]);
	return g;
}

static int sctty(const char *name)
{
	if (setsid() < 0)
		return 1;
	int s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0 || tcgetpgrp(s) != -1 || errno != ENOTTY)
		return 2;
	if (ioctl(s, TIOCSCTTY, 0) || tcgetpgrp(s) != getpid() || ioctl(s, TIOCSCTTY, 0))
		return 3;
	pid_t c = fork();
	if (c == 0) /* not a session leader */
		_exit(ioctl(s, TIOCSCTTY, 0) == -1 && errno == EPERM ? 0 : 1);
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		return 4;
	c = fork();
	if (c == 0) { /* another session: EPERM, unless root steals it */
		setsid();
		if (ioctl(s, TIOCSCTTY, 0) != -1 || errno != EPERM)
			_exit(1);
		_exit(ioctl(s, TIOCSCTTY, 1) == 0 && tcgetpgrp(s) == getpid() ? 0 : 2);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		return 5;
	if (tcgetpgrp(s) != -1 || errno != ENOTTY)
		return 6; /* stolen */
	return 0;
}

static int notty(const char *name)
{
	if (setsid() < 0)
		return 1;
	int s = open(name, O_RDWR);
	if (s < 0 || tcgetpgrp(s) != getpid())
		return 2;
	pid_t g = reporter(3);
	signal(SIGHUP, SIG_IGN); /* the leader is in the foreground group too */
	if (ioctl(s, TIOCNOTTY))
		return 3;
	if (tcgetpgrp(s) != -1 || errno != ENOTTY)
		return 4;
	if (open("/dev/tty", O_RDWR) != -1 || errno != ENXIO)
		return 5;
	int st;
	return waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 6;
}

static int leader_exit(const char *name)
{
	if (setsid() < 0)
		return 1;
	int s = open(name, O_RDWR);
	if (s < 0)
		return 2;
	reporter(1); /* gets SIGHUP when we exit */
	return 0;
}

/* A background group's tcsetattr, tcsetpgrp and (TOSTOP) write stop it
 * with SIGTTOU; with SIGTTOU ignored they go through. */
static int bg_op(int s, int op, bool ignore)
{
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		signal(SIGTTOU, ignore ? SIG_IGN : SIG_DFL);
		struct termios t;
		tcgetattr(s, &t);
		int r = op == 0 ? tcsetattr(s, TCSANOW, &t)
			: op == 1 ? tcsetpgrp(s, getpgrp())
				  : (int)write(s, "x", 1) - 1;
		_exit(r == 0 ? 0 : 1);
	}
	setpgid(c, c);
	int st;
	if (waitpid(c, &st, WUNTRACED) != c)
		return -1;
	if (WIFSTOPPED(st)) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		return WSTOPSIG(st);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int ttou(const char *name)
{
	if (setsid() < 0)
		return 1;
	int s = open(name, O_RDWR);
	if (s < 0)
		return 2;
	signal(SIGTTOU, SIG_IGN); /* to take the foreground back */
	if (bg_op(s, 0, false) != SIGTTOU || bg_op(s, 1, false) != SIGTTOU)
		return 3;
	if (bg_op(s, 2, false) != 0) /* no TOSTOP: a background write goes */
		return 4;
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag |= TOSTOP;
	tcsetattr(s, TCSANOW, &t);
	if (bg_op(s, 2, false) != SIGTTOU || bg_op(s, 0, true) != 0)
		return 5;
	if (bg_op(s, 1, true) != 0 || tcgetpgrp(s) == getpid())
		return 6; /* a background group took the foreground */
	if (tcsetpgrp(s, getpid()) || tcgetpgrp(s) != getpid())
		return 7;
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char name[64], buf[8];
	int s, m = open_pair(&s, name);
	int rep[2];
	CHECK(pipe(rep) == 0, "pipe");
	report_fd = rep[1];

	in_child(sctty, name, "TIOCSCTTY");
	printf("TIOCSCTTY: leader only, EPERM for another session's, stolen by root with 1\n");

	in_child(notty, name, "TIOCNOTTY");
	ssize_t n = read_n(rep[0], buf, 3);
	CHECK(n == 3 && !memcmp(buf, "HuC", 3), "TIOCNOTTY: the foreground group got \"%.*s\"",
	      (int)(n > 0 ? n : 0), buf);
	printf("TIOCNOTTY: SIGHUP and SIGCONT to the foreground group\n");

	in_child(leader_exit, name, "the leader's exit");
	n = read_n(rep[0], buf, 2);
	CHECK(n == 2 && !memcmp(buf, "Hk", 2), "the leader's exit: the foreground group got \"%.*s\"",
	      (int)(n > 0 ? n : 0), buf);
	pid_t fg = -1;
	CHECK(ioctl(m, TIOCGPGRP, &fg) == 0 && fg == 0, "TIOCGPGRP after the leader: %d", fg);
	CHECK_ERRNO(ioctl(m, TIOCGSID, &fg), ENOTTY, "TIOCGSID of a terminal with no session");
	printf("leader exit: SIGHUP to the foreground group, no session after\n");

	in_child(ttou, name, "SIGTTOU");
	printf("SIGTTOU: background tcsetattr, tcsetpgrp, TOSTOP write\n");

	/* The master's close: SIGHUP (and SIGCONT) to the session leader. */
	int ready[2];
	CHECK(pipe(ready) == 0, "pipe");
	pid_t c = fork();
	if (c == 0) {
		close(m);
		close(s);
		setsid();
		int ts = open(name, O_RDWR);
		catch_sigs();
		sigset_t block;
		sigemptyset(&block);
		sigaddset(&block, SIGHUP);
		sigaddset(&block, SIGCONT);
		sigprocmask(SIG_BLOCK, &block, NULL);
		(void)!write(ready[1], "r", 1);
		wait_report(3);
		/* A read after the hangup gives 0 (one asleep in read when it
		 * came would get EIO). */
		char b;
		_exit(ts >= 0 && read(ts, &b, 1) == 0 ? 0 : 1);
	}
	CHECK(read(ready[0], buf, 1) == 1, "ready");
	close(m);
	close(s);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the hung-up leader: %#x", st);
	n = read_n(rep[0], buf, 3);
	CHECK(n == 3 && !memcmp(buf, "HkC", 3), "the master's close: the leader got \"%.*s\"",
	      (int)(n > 0 ? n : 0), buf);
	printf("master close: SIGHUP and SIGCONT to the session leader, its read gives 0\n");
	return 0;
}
