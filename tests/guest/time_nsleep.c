/* time_nsleep: clock_nanosleep and clock_getres on every clock id, by the
 * raw calls (libc answers some itself), compared with Linux:
 * - which clocks sleep (REALTIME, MONOTONIC, BOOTTIME, TAI, the process's
 *   CPU clock) and which do not: EOPNOTSUPP for MONOTONIC_RAW, the COARSE
 *   clocks, THREAD_CPUTIME_ID and a dynamic (fd) clock, EINVAL for ids
 *   that name no clock; the alarm clocks need an RTC (EOPNOTSUPP without
 *   one, after the timespec's EFAULT);
 * - the order of the errors: the clock, then EFAULT, then EINVAL for a bad
 *   timespec; flags other than TIMER_ABSTIME are ignored;
 * - relative and absolute sleeps last at least their time, an absolute
 *   time in the past returns at once;
 * - a sleep on the process's CPU clock ends after another thread has used
 *   that much CPU time; on a child's CPU clock, after the child has; a
 *   thread's own clock is EINVAL, as is a pid that does not exist;
 * - a handler ends a sleep with EINTR, the time left in rmtp (not for an
 *   absolute sleep; EFAULT for a bad pointer);
 * - clock_getres of each id (printed: stdout is compared). */
#include "proc_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#define MS 1000000L
#define CLOCK_TAI_ 11
/* Linux's CPU clock ids: ~pid << 3 | (4: a thread's) | 2 (CPUCLOCK_SCHED). */
#define PROCESS_CLOCK(pid) ((clockid_t)((~(unsigned)(pid) << 3) | 2))
#define THREAD_CLOCK(tid) ((clockid_t)((~(unsigned)(tid) << 3) | 4 | 2))
#define FD_CLOCK(fd) ((clockid_t)((~(unsigned)(fd) << 3) | 3))

static long nsleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	return syscall(SYS_clock_nanosleep, clock, flags, req, rem) ? errno : 0;
}

static long now_ns(clockid_t clock)
{
	struct timespec ts;
	CHECK(syscall(SYS_clock_gettime, clock, &ts) == 0, "clock_gettime(%d): %s", (int)clock,
	      strerror(errno));
	return ts.tv_sec * 1000 * MS + ts.tv_nsec;
}

static struct timespec ns_ts(long ns)
{
	return (struct timespec){ns / (1000 * MS), ns % (1000 * MS)};
}

static const char *err_name(long err)
{
	switch (err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	default: return strerror((int)err);
	}
}

static bool have_rtc(void)
{
	return access("/sys/class/rtc/rtc0", F_OK) == 0;
}

/* Each clock id: what a 1 us sleep returns, and clock_getres. */
static void each_clock(void)
{
	static const long expect[16] = {
		[0] = 0, [1] = 0, [4] = EOPNOTSUPP, [5] = EOPNOTSUPP, [6] = EOPNOTSUPP,
		[7] = 0, [10] = EINVAL, [11] = 0, [12] = EINVAL, [13] = EINVAL, [14] = EINVAL,
		[15] = EINVAL, [3] = EOPNOTSUPP,
	};
	struct timespec us = {0, 1000};
	for (int c = 0; c < 16; c++) {
		struct timespec res = {-1, -1};
		long r = syscall(SYS_clock_getres, c, &res) ? errno : 0;
		printf("clock %2d: getres %s", c, err_name(r));
		if (!r)
			printf(" %ld.%09ld", (long)res.tv_sec, res.tv_nsec);
		if (c == CLOCK_PROCESS_CPUTIME_ID) { /* relative: only other threads' CPU use ends it */
			printf("\n");
			continue;
		}
		long e = nsleep(c, 0, &us, NULL);
		printf(", sleep %s\n", err_name(e));
		if (c == CLOCK_REALTIME_ALARM || c == CLOCK_BOOTTIME_ALARM) {
			if (!have_rtc())
				CHECK(e == EOPNOTSUPP, "clock %d without an RTC: %s", c, err_name(e));
			continue;
		}
		CHECK(e == expect[c], "clock_nanosleep(%d): %s, expected %s", c, err_name(e),
		      err_name(expect[c]));
	}
	CHECK(nsleep(16, 0, &us, NULL) == EINVAL, "clock 16");
	CHECK(nsleep(FD_CLOCK(0), 0, &us, NULL) == EOPNOTSUPP, "a dynamic clock");
}

static void errors(void)
{
	struct timespec bad_ns = {0, 1000 * MS}, neg = {-1, 0}, us = {0, 1000};
	CHECK(nsleep(10, 0, NULL, NULL) == EINVAL, "no clock before EFAULT");
	CHECK(nsleep(CLOCK_MONOTONIC_RAW, 0, NULL, NULL) == EOPNOTSUPP,
	      "EOPNOTSUPP before EFAULT");
	CHECK(nsleep(CLOCK_THREAD_CPUTIME_ID, 0, NULL, NULL) == EOPNOTSUPP,
	      "THREAD_CPUTIME_ID before EFAULT");
	CHECK(nsleep(CLOCK_MONOTONIC, 0, NULL, NULL) == EFAULT, "NULL request");
	CHECK(nsleep(CLOCK_MONOTONIC, 0, &bad_ns, NULL) == EINVAL, "tv_nsec 1e9");
	CHECK(nsleep(CLOCK_REALTIME, TIMER_ABSTIME, &neg, NULL) == EINVAL, "tv_sec -1");
	CHECK(nsleep(CLOCK_REALTIME_ALARM, 0, NULL, NULL) == EFAULT, "alarm: EFAULT first");
	if (!have_rtc()) {
		CHECK(nsleep(CLOCK_BOOTTIME_ALARM, 0, &bad_ns, NULL) == EINVAL,
		      "alarm: EINVAL second");
		CHECK(nsleep(CLOCK_BOOTTIME_ALARM, 2, &us, NULL) == EOPNOTSUPP, "alarm: no RTC");
	}
	CHECK(nsleep(CLOCK_MONOTONIC, 2 | 4 | 8, &us, NULL) == 0, "unknown flags: %s",
	      err_name(nsleep(CLOCK_MONOTONIC, 2 | 4 | 8, &us, NULL)));
	CHECK(syscall(SYS_nanosleep, NULL, NULL) == -1 && errno == EFAULT, "nanosleep(NULL)");
	CHECK(syscall(SYS_nanosleep, &bad_ns, NULL) == -1 && errno == EINVAL, "nanosleep 1e9");
	/* CPU clocks: the caller's own thread, a pid that does not exist. */
	CHECK(nsleep(THREAD_CLOCK(0), 0, &us, NULL) == EINVAL, "own thread clock (0)");
	CHECK(nsleep(THREAD_CLOCK(getpid()), 0, &us, NULL) == EINVAL, "own thread clock (tid)");
	CHECK(nsleep(PROCESS_CLOCK(4000000), 0, &us, NULL) == EINVAL, "no such process");
	CHECK(nsleep(THREAD_CLOCK(1), 0, &us, NULL) == EINVAL, "another process's thread");
}

static void durations(void)
{
	static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
					   CLOCK_TAI_};
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		clockid_t c = clocks[i];
		long start = now_ns(c);
		struct timespec rel = ns_ts(30 * MS);
		CHECK(nsleep(c, 0, &rel, NULL) == 0, "relative sleep on %d", (int)c);
		CHECK(now_ns(c) - start >= 30 * MS, "clock %d: woke %ld us early", (int)c,
		      (30 * MS - (now_ns(c) - start)) / 1000);
		struct timespec abs = ns_ts(now_ns(c) + 30 * MS);
		CHECK(nsleep(c, TIMER_ABSTIME, &abs, NULL) == 0, "absolute sleep on %d", (int)c);
		CHECK(now_ns(c) >= abs.tv_sec * 1000 * MS + abs.tv_nsec, "clock %d: early (abs)",
		      (int)c);
		start = now_ns(CLOCK_MONOTONIC);
		struct timespec past = ns_ts(now_ns(c) - 1000 * MS);
		CHECK(nsleep(c, TIMER_ABSTIME, &past, NULL) == 0, "past time on %d", (int)c);
		CHECK(now_ns(CLOCK_MONOTONIC) - start < 20 * MS, "a past time slept");
	}
}

static volatile int stop_spinning;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		;
	return NULL;
}

static void cpu_clocks(void)
{
	/* The process's clock: a thread spins while the main one sleeps. */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, spin, NULL) == 0, "pthread_create");
	long start = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	struct timespec rel = ns_ts(100 * MS);
	CHECK(nsleep(CLOCK_PROCESS_CPUTIME_ID, 0, &rel, NULL) == 0, "process CPU clock sleep");
	long used = now_ns(CLOCK_PROCESS_CPUTIME_ID) - start;
	CHECK(used >= 100 * MS, "woke after %ld us of CPU time, not 100 ms", used / 1000);
	struct timespec abs = ns_ts(now_ns(CLOCK_PROCESS_CPUTIME_ID) + 50 * MS);
	CHECK(nsleep(PROCESS_CLOCK(0), TIMER_ABSTIME, &abs, NULL) == 0, "absolute CPU sleep");
	CHECK(now_ns(CLOCK_PROCESS_CPUTIME_ID) >= abs.tv_sec * 1000 * MS + abs.tv_nsec,
	      "absolute CPU sleep woke early");
	stop_spinning = 1;
	pthread_join(t, NULL);
	struct timespec past = {0, 0};
	CHECK(nsleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, NULL) == 0, "CPU time 0");

	/* A child's clock: the parent sleeps until the child has run 80 ms. */
	stop_spinning = 0;
	pid_t pid = xfork();
	if (pid == 0) {
		spin(NULL);
		_exit(0);
	}
	rel = ns_ts(80 * MS);
	CHECK(nsleep(PROCESS_CLOCK(pid), 0, &rel, NULL) == 0, "sleep on a child's clock");
	long child = now_ns(PROCESS_CLOCK(pid));
	CHECK(child >= 80 * MS, "the child had run %ld us", child / 1000);
	kill(pid, SIGKILL);
	CHECK(WIFSIGNALED(wait_for(pid)), "the child");
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A 2 s sleep that SIGALRM's handler ends after 50 ms: EINTR. */
static long interrupt(clockid_t clock, int flags, struct timespec *rem, bool raw_nanosleep)
{
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	long start = now_ns(CLOCK_MONOTONIC);
	struct timespec rel = ns_ts(2000 * MS);
	if (flags & TIMER_ABSTIME)
		rel = ns_ts(now_ns(clock) + 2000 * MS);
	long err = raw_nanosleep ? (syscall(SYS_nanosleep, &rel, rem) ? errno : 0)
				 : nsleep(clock, flags, &rel, rem);
	long slept = now_ns(CLOCK_MONOTONIC) - start;
	CHECK(slept >= 45 * MS && slept < 1000 * MS, "interrupted after %ld us", slept / 1000);
	return err;
}

static void interrupted(void)
{
	signal(SIGALRM, on_alarm);
	struct timespec rem = {-1, -1};
	CHECK(interrupt(CLOCK_MONOTONIC, 0, NULL, false) == EINTR, "a handler: no EINTR");
	CHECK(interrupt(CLOCK_REALTIME, 0, &rem, false) == EINTR, "a handler: no EINTR");
	long left = rem.tv_sec * 1000 * MS + rem.tv_nsec;
	CHECK(left > 1000 * MS && left < 1960 * MS, "time left %ld us of 2 s after 50 ms",
	      left / 1000);
	rem = (struct timespec){-1, -1};
	CHECK(interrupt(CLOCK_MONOTONIC, 0, &rem, true) == EINTR, "nanosleep: no EINTR");
	left = rem.tv_sec * 1000 * MS + rem.tv_nsec;
	CHECK(left > 1000 * MS && left < 1960 * MS, "nanosleep: time left %ld us", left / 1000);
	/* An absolute sleep leaves rmtp alone; a bad rmtp is EFAULT. */
	rem = (struct timespec){-1, -1};
	CHECK(interrupt(CLOCK_MONOTONIC, TIMER_ABSTIME, &rem, false) == EINTR, "absolute: EINTR");
	CHECK(rem.tv_sec == -1 && rem.tv_nsec == -1, "an absolute sleep wrote rmtp");
	CHECK(interrupt(CLOCK_BOOTTIME, 0, (struct timespec *)8, false) == EFAULT,
	      "a bad rmtp: not EFAULT");
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	each_clock();
	errors();
	durations();
	cpu_clocks();
	interrupted();
	puts("time_nsleep: ok");
	return 0;
}
