/* time_itimer: the CPU-time interval timers (setitimer and getitimer with
 * ITIMER_VIRTUAL and ITIMER_PROF), compared with Linux:
 * - a value set reads back as itself plus at most a tick (Linux adds one)
 *   and counts down only while the process runs, not while it sleeps;
 * - the old value comes back from setitimer; a value of 0 disarms but the
 *   interval is kept (Linux's set_cpu_itimer);
 * - SIGVTALRM and SIGPROF (si_code SI_KERNEL) come after that much CPU
 *   time of a loop without system calls; with an interval, again and again;
 * - which out of range is EINVAL (also with a bad pointer), a bad new
 *   value's EFAULT and EINVAL; a bad old-value pointer is EFAULT after
 *   the timer is set;
 * - a forked child starts without CPU itimers. */
#include "proc_test.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#define MS 1000000L

static volatile int fired, last_code;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fired++;
	last_code = si->si_code;
}

static long cpu_ns(void)
{
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0, "clock_gettime: %s",
	      strerror(errno));
	return ts.tv_sec * 1000 * MS + ts.tv_nsec;
}

static long tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1000 * MS + tv.tv_usec * 1000L;
}

static long set(int which, long value_ns, long interval_ns, struct itimerval *old)
{
	struct itimerval v = {{interval_ns / (1000 * MS), interval_ns % (1000 * MS) / 1000},
			      {value_ns / (1000 * MS), value_ns % (1000 * MS) / 1000}};
	return syscall(SYS_setitimer, which, &v, old);
}

static struct itimerval get(int which)
{
	struct itimerval v;
	CHECK(syscall(SYS_getitimer, which, &v) == 0, "getitimer(%d): %s", which, strerror(errno));
	return v;
}

static void spin_until_fired(int n, long limit_ns, const char *what)
{
	long start = cpu_ns();
	while (fired < n)
		CHECK(cpu_ns() - start < limit_ns, "%s: %d signals after %ld ms of CPU time", what,
		      fired, limit_ns / MS);
}

static void read_back(int which, const char *name)
{
	CHECK(set(which, 500 * MS, 0, NULL) == 0, "setitimer(%s): %s", name, strerror(errno));
	long left = tv_ns(get(which).it_value);
	/* 500 ms plus a tick (4 ms at HZ=250, at most 10 ms) less the time run
	 * (some ms under vmemu's sanitizers on a loaded machine) */
	CHECK(left > 400 * MS && left <= 510 * MS, "%s: %ld us left of 500 ms", name, left / 1000);
	struct timespec nap = {0, 100 * MS};
	nanosleep(&nap, NULL);
	long after = tv_ns(get(which).it_value);
	CHECK(after <= left && after > left - 60 * MS, "%s counted down %ld us in a 100 ms sleep",
	      name, (left - after) / 1000);
	struct itimerval old;
	CHECK(set(which, 0, 7 * MS, &old) == 0, "setitimer(%s, 0): %s", name, strerror(errno));
	CHECK(tv_ns(old.it_value) <= after && tv_ns(old.it_value) > after - 60 * MS &&
		      tv_ns(old.it_interval) == 0,
	      "%s: old value %ld us, interval %ld us", name, tv_ns(old.it_value) / 1000,
	      tv_ns(old.it_interval) / 1000);
	struct itimerval now = get(which);
	CHECK(tv_ns(now.it_value) == 0 && tv_ns(now.it_interval) == 7 * MS,
	      "%s disarmed: value %ld us, interval %ld us (the interval is kept)", name,
	      tv_ns(now.it_value) / 1000, tv_ns(now.it_interval) / 1000);
	CHECK(set(which, 0, 0, NULL) == 0, "setitimer(%s, 0, 0)", name);
}

static void fires(int which, int sig, const char *name)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
	sigaction(sig, &sa, NULL);
	fired = 0;
	long start = cpu_ns();
	CHECK(set(which, 50 * MS, 0, NULL) == 0, "setitimer(%s): %s", name, strerror(errno));
	spin_until_fired(1, 2000 * MS, name);
	/* Linux samples the CPU time its timers see at ticks: it may fire
	 * 13 ms before clock_gettime shows the 50 ms have passed. */
	CHECK(cpu_ns() - start >= 25 * MS, "%s fired after %ld us of CPU time", name,
	      (cpu_ns() - start) / 1000);
	CHECK(last_code == SI_KERNEL, "%s: si_code %d", name, last_code);
	CHECK(tv_ns(get(which).it_value) == 0, "%s still armed after firing once", name);
	/* Periodic: 3 more signals, not at once (Linux may send the third
	 * only some 43 ms after the start: not checked closer). */
	fired = 0;
	start = cpu_ns();
	CHECK(set(which, 20 * MS, 20 * MS, NULL) == 0, "setitimer(%s, periodic)", name);
	spin_until_fired(3, 3000 * MS, name);
	CHECK(cpu_ns() - start >= 25 * MS, "%s: 3 signals after %ld us", name,
	      (cpu_ns() - start) / 1000);
	CHECK(set(which, 0, 0, NULL) == 0, "setitimer(%s, off)", name);
	/* Armed, but the process sleeps: no signal. */
	fired = 0;
	CHECK(set(which, 30 * MS, 0, NULL) == 0, "setitimer(%s)", name);
	struct timespec nap = {0, 200 * MS};
	nanosleep(&nap, NULL);
	CHECK(fired == 0, "%s fired while the process slept", name);
	CHECK(set(which, 0, 0, NULL) == 0, "setitimer(%s, off)", name);
	signal(sig, SIG_DFL);
}

static void errors(void)
{
	struct itimerval v = {{0, 0}, {1, 0}}, bad = {{0, 0}, {0, 1000000}};
	errno = 0;
	CHECK(syscall(SYS_setitimer, 3, &v, NULL) == -1 && errno == EINVAL, "which 3: %s",
	      strerror(errno));
	CHECK(syscall(SYS_getitimer, -1, &v) == -1 && errno == EINVAL, "getitimer(-1): %s",
	      strerror(errno));
	CHECK(syscall(SYS_getitimer, 3, NULL) == -1 && errno == EINVAL, "getitimer(3, NULL): %s",
	      strerror(errno));
	CHECK(syscall(SYS_getitimer, ITIMER_PROF, NULL) == -1 && errno == EFAULT,
	      "getitimer(PROF, NULL): %s", strerror(errno));
	CHECK(syscall(SYS_setitimer, 3, (void *)8, NULL) == -1 && errno == EFAULT,
	      "setitimer(3, bad pointer): %s", strerror(errno));
	CHECK(syscall(SYS_setitimer, ITIMER_VIRTUAL, &bad, NULL) == -1 && errno == EINVAL,
	      "tv_usec 1000000: %s", strerror(errno));
	/* The old value's EFAULT comes after the timer is set. */
	CHECK(syscall(SYS_setitimer, ITIMER_PROF, &v, (void *)8) == -1 && errno == EFAULT,
	      "setitimer(PROF, old = bad pointer): %s", strerror(errno));
	CHECK(get(ITIMER_PROF).it_value.tv_sec == 1, "the timer was not set before EFAULT");
	/* A NULL new value disarms. */
	CHECK(syscall(SYS_setitimer, ITIMER_PROF, NULL, NULL) == 0, "setitimer(PROF, NULL): %s",
	      strerror(errno));
	CHECK(tv_ns(get(ITIMER_PROF).it_value) == 0, "setitimer(PROF, NULL) left it armed");
}

static void fork_clears(void)
{
	CHECK(set(ITIMER_VIRTUAL, 900 * MS, 100 * MS, NULL) == 0, "setitimer(VIRTUAL)");
	CHECK(set(ITIMER_PROF, 800 * MS, 0, NULL) == 0, "setitimer(PROF)");
	pid_t pid = xfork();
	if (pid == 0) {
		struct itimerval virt = get(ITIMER_VIRTUAL), prof = get(ITIMER_PROF);
		_exit(tv_ns(virt.it_value) || tv_ns(virt.it_interval) || tv_ns(prof.it_value) ? 1
															: 0);
	}
	expect_exit(wait_for(pid), 0, "a forked child has no CPU itimers");
	CHECK(tv_ns(get(ITIMER_VIRTUAL).it_value) > 0, "the parent's timer went");
	set(ITIMER_VIRTUAL, 0, 0, NULL);
	set(ITIMER_PROF, 0, 0, NULL);
}

int main(void)
{
	read_back(ITIMER_VIRTUAL, "ITIMER_VIRTUAL");
	read_back(ITIMER_PROF, "ITIMER_PROF");
	fires(ITIMER_VIRTUAL, SIGVTALRM, "ITIMER_VIRTUAL");
	fires(ITIMER_PROF, SIGPROF, "ITIMER_PROF");
	errors();
	fork_clears();
	puts("time_itimer: ok");
	return 0;
}
