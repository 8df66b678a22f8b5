/* sig_alarm: the real-time interval timer (alarm, setitimer, getitimer
 * with ITIMER_REAL), compared with Linux:
 * - alarm returns the seconds left of the previous alarm, rounded;
 * - a one-shot timer interrupts pause() with SIGALRM (si_code SI_KERNEL)
 *   and is disarmed afterwards;
 * - it fires in a loop that makes no system call;
 * - an interval timer fires again and again; getitimer shows the interval;
 * - SIGALRM interrupts a blocking read with EINTR, or restarts it with
 *   SA_RESTART;
 * - a forked child has no timer; the default action kills;
 * - a timeval with tv_usec >= 1000000 is EINVAL. */
#include "proc_test.h"

#include <signal.h>
#include <sys/time.h>

static volatile int alarms, last_code;
static int wake_fd = -1; /* the handler writes here when >= 0 */

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	alarms++;
	last_code = si->si_code;
	if (wake_fd >= 0 && write(wake_fd, "!", 1) != 1)
		_exit(9);
}

static void handle(int flags)
{
	struct sigaction sa = {.sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | flags};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
}

static void arm(long value_us, long interval_us)
{
	struct itimerval t = {{interval_us / 1000000, interval_us % 1000000},
			      {value_us / 1000000, value_us % 1000000}};
	CHECK(setitimer(ITIMER_REAL, &t, NULL) == 0, "setitimer: %s", strerror(errno));
}

static struct itimerval current(void)
{
	struct itimerval t;
	CHECK(getitimer(ITIMER_REAL, &t) == 0, "getitimer: %s", strerror(errno));
	return t;
}

static void alarm_returns(void)
{
	CHECK(alarm(0) == 0, "alarm(0) with none set");
	CHECK(alarm(5) == 0, "alarm(5) with none set");
	unsigned left = alarm(7);
	CHECK(left == 5, "alarm(7) after alarm(5) returned %u, expected 5", left);
	left = alarm(0);
	CHECK(left == 7, "alarm(0) after alarm(7) returned %u, expected 7", left);
	struct itimerval t = current();
	CHECK(!t.it_value.tv_sec && !t.it_value.tv_usec, "alarm(0) left a timer");
	printf("alarm: seconds left of the previous one\n");
}

static void one_shot(void)
{
	handle(0);
	alarms = 0;
	arm(50000, 0);
	struct itimerval t = current();
	CHECK(t.it_value.tv_sec == 0 && t.it_value.tv_usec > 0 && t.it_value.tv_usec <= 50000,
	      "getitimer: %ld.%06ld left of 0.05 s", (long)t.it_value.tv_sec,
	      (long)t.it_value.tv_usec);
	CHECK(pause() == -1 && errno == EINTR, "pause: %s", strerror(errno));
	CHECK(alarms == 1 && last_code == SI_KERNEL, "%d alarms, si_code %d", alarms, last_code);
	t = current();
	CHECK(!t.it_value.tv_sec && !t.it_value.tv_usec, "a one-shot timer still runs");
	printf("one-shot: SIGALRM with SI_KERNEL ends pause, then disarmed\n");
}

/* No system call to stop at: the timer must still fire. */
static void busy_loop(void)
{
	handle(0);
	alarms = 0;
	arm(30000, 0);
	for (volatile unsigned long spin = 0; !alarms; spin++)
		;
	printf("a busy loop gets its SIGALRM\n");
}

static void interval(void)
{
	handle(0);
	alarms = 0;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	arm(20000, 20000);
	struct itimerval t = current();
	CHECK(t.it_interval.tv_sec == 0 && t.it_interval.tv_usec == 20000, "interval %ld.%06ld",
	      (long)t.it_interval.tv_sec, (long)t.it_interval.tv_usec);
	while (alarms < 5)
		sigsuspend(&old);
	arm(0, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	t = current();
	CHECK(!t.it_value.tv_sec && !t.it_value.tv_usec && !t.it_interval.tv_usec,
	      "setitimer of zero left a timer");
	printf("interval: fired 5 times, then disarmed\n");
}

static void interrupts_read(int flags, const char *what)
{
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
	handle(flags);
	wake_fd = fds[1];
	alarms = 0;
	arm(30000, 0);
	char c;
	ssize_t n = read(fds[0], &c, 1);
	wake_fd = -1;
	if (flags & SA_RESTART)
		CHECK(n == 1 && c == '!', "%s: read returned %zd", what, n);
	else
		CHECK(n == -1 && errno == EINTR, "%s: read returned %zd (%s)", what, n,
		      strerror(errno));
	CHECK(alarms == 1, "%s: %d alarms", what, alarms);
	close(fds[0]);
	close(fds[1]);
	printf("%s\n", what);
}

static void child_and_default(void)
{
	arm(10000000, 0); /* 10 s: must not reach the child */
	pid_t child = xfork();
	if (child == 0) {
		struct itimerval t;
		if (getitimer(ITIMER_REAL, &t) || t.it_value.tv_sec || t.it_value.tv_usec)
			_exit(1);
		signal(SIGALRM, SIG_DFL);
		struct itimerval soon = {{0, 0}, {0, 10000}};
		setitimer(ITIMER_REAL, &soon, NULL);
		for (;;)
			pause();
	}
	int status = wait_for(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM, "child: status %#x", status);
	arm(0, 0);
	printf("a forked child starts without a timer; SIGALRM's default action kills\n");
}

static void bad_values(void)
{
	struct itimerval t = {{0, 0}, {0, 1000000}};
	CHECK(setitimer(ITIMER_REAL, &t, NULL) == -1 && errno == EINVAL, "tv_usec 1000000: %s",
	      strerror(errno));
	t.it_value.tv_usec = -1;
	CHECK(setitimer(ITIMER_REAL, &t, NULL) == -1 && errno == EINVAL, "tv_usec -1: %s",
	      strerror(errno));
	printf("bad timevals: EINVAL\n");
}

int main(void)
{
	alarm_returns();
	one_shot();
	busy_loop();
	interval();
	interrupts_read(0, "SIGALRM interrupts a blocking read: EINTR");
	interrupts_read(SA_RESTART, "with SA_RESTART the read goes on and gets the handler's byte");
	child_and_default();
	bad_values();
	return 0;
}
