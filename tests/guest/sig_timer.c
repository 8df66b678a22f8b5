/* sig_timer: POSIX per-process timers (timer_create, timer_settime,
 * timer_gettime, timer_getoverrun, timer_delete), made with the raw calls
 * so that the kernel's timer ids are seen, compared with Linux:
 * - ids count up from 0 per process, also past a failed create that had
 *   taken one; the order of the errors (EFAULT, EINVAL, EOPNOTSUPP);
 * - a NULL sigevent sends SIGALRM with si_value = the id, si_code
 *   SI_TIMER and si_timerid;
 * - a periodic timer whose signal is not taken counts overruns: one
 *   signal, si_overrun = timer_getoverrun() > 0; after timer_delete or a
 *   new timer_settime the queued signal is stale and dropped;
 * - SIGEV_NONE sends nothing, timer_gettime shows it run down;
 * - the old value, TIMER_ABSTIME (in the past: at once), disarming;
 * - SIGEV_THREAD_ID to the calling thread, and to another thread, which
 *   takes it in sigtimedwait while the main thread never sees it pending;
 *   another process's id is EINVAL;
 * - CPU-time timers fire after CPU use, not while the process sleeps; the
 *   process's CPU clock keeps the time of a thread that has ended;
 * - libc's SIGEV_THREAD (a helper thread that takes SIGEV_THREAD_ID
 *   signals in sigwaitinfo) runs the callback of a periodic timer;
 * - a forked child has no timers (its ids start at 0), exec deletes them. */
#include "proc_test.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#define SIGEV_THREAD_ID_ 4
/* Linux's id of the calling process's CPU clock (MAKE_PROCESS_CPUCLOCK(0,
 * CPUCLOCK_SCHED)), as glibc passes CLOCK_PROCESS_CPUTIME_ID. */
#define PROCESS_CPUCLOCK_SELF (-6)

/* struct sigevent with the kernel's sigev_notify_thread_id. */
struct kevent {
	union sigval value;
	int signo, notify, tid;
	int pad[11];
};

static int tcreate(int clock, const struct kevent *ev)
{
	int id = -1;
	if (syscall(SYS_timer_create, clock, ev, &id) != 0)
		return -errno;
	return id;
}

static long tset(int id, int flags, long value_ns, long interval_ns, struct itimerspec *old)
{
	struct itimerspec its = {{interval_ns / 1000000000, interval_ns % 1000000000},
				 {value_ns / 1000000000, value_ns % 1000000000}};
	return syscall(SYS_timer_settime, id, flags, &its, old);
}

static struct itimerspec tget(int id)
{
	struct itimerspec its;
	CHECK(syscall(SYS_timer_gettime, id, &its) == 0, "timer_gettime(%d): %s", id,
	      strerror(errno));
	return its;
}

static long ns_of(struct timespec ts)
{
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static struct kevent ev_signal(int sig, int value)
{
	return (struct kevent){.value.sival_int = value, .signo = sig, .notify = SIGEV_SIGNAL};
}

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "sigprocmask");
}

static int pending(int sig)
{
	sigset_t s;
	CHECK(sigpending(&s) == 0, "sigpending");
	return sigismember(&s, sig);
}

/* Takes sig, waiting up to 10 s; its siginfo in *si. */
static void take(int sig, siginfo_t *si, const char *what)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec ts = {10, 0};
	int got = sigtimedwait(&s, si, &ts);
	CHECK(got == sig, "%s: sigtimedwait returned %d (%s)", what, got, strerror(errno));
}

static void none_left(int sig, const char *what)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec zero = {0, 0};
	CHECK_ERRNO(sigtimedwait(&s, NULL, &zero), EAGAIN, what);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void ids_and_errors(void)
{
	struct kevent ev = ev_signal(SIGRTMIN, 0);
	int id;
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == 0, "the first timer's id is not 0");
	CHECK(tcreate(CLOCK_REALTIME, &ev) == 1, "the second timer's id is not 1");
	CHECK(syscall(SYS_timer_create, 99, (void *)8, &id) == -1 && errno == EFAULT,
	      "a bad sigevent address is not EFAULT before the clock");
	CHECK(tcreate(99, &ev) == -EINVAL, "clock 99 is not EINVAL");
	CHECK(tcreate(CLOCK_MONOTONIC_RAW, &ev) == -EOPNOTSUPP, "CLOCK_MONOTONIC_RAW timers");
	ev.signo = 0;
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == -EINVAL, "signal 0 is not EINVAL");
	ev.signo = 65;
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == -EINVAL, "signal 65 is not EINVAL");
	ev = ev_signal(SIGRTMIN, 0);
	ev.notify = 99;
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == -EINVAL, "sigev_notify 99 is not EINVAL");
	/* The three EINVALs above each used up an id, as on Linux. */
	ev.notify = SIGEV_SIGNAL;
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == 5, "ids do not count past failed creates");
	CHECK(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, (void *)8) == -1 && errno == EFAULT,
	      "a bad id address is not EFAULT");
	int alarm_err = tcreate(CLOCK_REALTIME_ALARM, &ev);
	printf("CLOCK_REALTIME_ALARM: %s\n", alarm_err < 0 ? strerror(-alarm_err) : "created");

	struct itimerspec its = {{0, 0}, {0, 1000000000}};
	CHECK_ERRNO(syscall(SYS_timer_settime, 0, 0, NULL, NULL), EINVAL, "settime NULL");
	CHECK_ERRNO(syscall(SYS_timer_settime, 0, 0, &its, NULL), EINVAL, "settime ns 1e9");
	CHECK_ERRNO(syscall(SYS_timer_settime, 0, 0, (void *)8, NULL), EFAULT, "settime bad ptr");
	its.it_value.tv_nsec = 0;
	CHECK_ERRNO(syscall(SYS_timer_settime, 4242, 0, &its, NULL), EINVAL, "settime bad id");
	CHECK_ERRNO(syscall(SYS_timer_gettime, 4242, (void *)8), EINVAL, "gettime bad id first");
	CHECK_ERRNO(syscall(SYS_timer_gettime, 0, (void *)8), EFAULT, "gettime bad ptr");
	CHECK_ERRNO(syscall(SYS_timer_getoverrun, 4242), EINVAL, "getoverrun bad id");
	CHECK(syscall(SYS_timer_delete, 0) == 0, "delete 0");
	CHECK_ERRNO(syscall(SYS_timer_delete, 0), EINVAL, "delete 0 twice");
	/* 6 went to the EFAULT, 7 to the alarm clock (created or not). */
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == 8, "a deleted id is taken again at once");
	for (int i = 1; i <= 8; i++)
		syscall(SYS_timer_delete, i);
	printf("ids and errors ok\n");
}

static void default_sigevent(void)
{
	block(SIGALRM);
	int id = tcreate(CLOCK_MONOTONIC, NULL);
	CHECK(id >= 0, "timer_create(NULL sigevent): %s", strerror(-id));
	CHECK(tset(id, 0, 5000000, 0, NULL) == 0, "settime: %s", strerror(errno));
	siginfo_t si;
	take(SIGALRM, &si, "NULL sigevent");
	CHECK(si.si_code == SI_TIMER, "si_code %d, expected SI_TIMER", si.si_code);
	CHECK(si.si_value.sival_int == id, "si_value %d, expected the id %d", si.si_value.sival_int,
	      id);
	CHECK(si.si_timerid == id, "si_timerid %d, expected %d", si.si_timerid, id);
	CHECK(si.si_overrun == 0, "one-shot overrun %d", si.si_overrun);
	struct itimerspec its = tget(id);
	CHECK(!ns_of(its.it_value) && !ns_of(its.it_interval), "a fired one-shot is still armed");
	syscall(SYS_timer_delete, id);
	printf("NULL sigevent: SIGALRM, value = id\n");
}

static void overruns(void)
{
	int sig = SIGRTMIN + 1;
	block(sig);
	struct kevent ev = ev_signal(sig, 4321);
	int id = tcreate(CLOCK_MONOTONIC, &ev);
	CHECK(tset(id, 0, 1000000, 2000000, NULL) == 0, "settime periodic");
	sleep_ms(100);
	CHECK(pending(sig), "the periodic timer's signal is not pending");
	CHECK(syscall(SYS_timer_getoverrun, id) == 0, "overrun before the signal is taken");
	struct itimerspec its = tget(id);
	CHECK(ns_of(its.it_interval) == 2000000, "interval %ld", ns_of(its.it_interval));
	CHECK(ns_of(its.it_value) > 0 && ns_of(its.it_value) <= 2000000, "value %ld",
	      ns_of(its.it_value));
	siginfo_t si;
	take(sig, &si, "periodic");
	CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == 4321 && si.si_timerid == id,
	      "periodic siginfo: code %d value %d timerid %d", si.si_code, si.si_value.sival_int,
	      si.si_timerid);
	/* 100 ms of 2 ms periods: about 50; some may come late. */
	CHECK(si.si_overrun >= 10, "si_overrun %d, expected >= 10", si.si_overrun);
	long got = syscall(SYS_timer_getoverrun, id);
	CHECK(got == si.si_overrun, "timer_getoverrun %ld, si_overrun %d", got, si.si_overrun);
	/* Set again: the overrun count starts afresh and a queued signal is stale. */
	sleep_ms(20);
	CHECK(pending(sig), "the periodic timer fired no more");
	CHECK(tset(id, 0, 10000000000L, 0, NULL) == 0, "settime again");
	CHECK(syscall(SYS_timer_getoverrun, id) == 0, "overrun after settime");
	CHECK(pending(sig), "the stale signal is no longer pending");
	none_left(sig, "a reprogrammed timer's queued signal");
	/* The same after timer_delete. */
	CHECK(tset(id, 0, 1000000, 0, NULL) == 0, "settime 1 ms");
	sleep_ms(30);
	CHECK(pending(sig), "the one-shot's signal is not pending");
	CHECK(syscall(SYS_timer_delete, id) == 0, "delete");
	none_left(sig, "a deleted timer's queued signal");
	printf("overruns ok\n");
}

static void sigev_none(void)
{
	struct kevent ev = {.notify = SIGEV_NONE, .signo = 99};
	int id = tcreate(CLOCK_MONOTONIC, &ev);
	CHECK(id >= 0, "SIGEV_NONE with a bad signal number: %s", strerror(-id));
	CHECK(tset(id, 0, 50000000, 0, NULL) == 0, "settime SIGEV_NONE");
	long left = ns_of(tget(id).it_value);
	CHECK(left > 0 && left <= 50000000, "SIGEV_NONE value %ld", left);
	sleep_ms(80);
	CHECK(ns_of(tget(id).it_value) == 0, "an expired SIGEV_NONE timer shows time left");
	CHECK(tset(id, 0, 10000000, 20000000, NULL) == 0, "settime periodic SIGEV_NONE");
	sleep_ms(75);
	struct itimerspec its = tget(id);
	CHECK(ns_of(its.it_value) > 0 && ns_of(its.it_value) <= 20000000 &&
		      ns_of(its.it_interval) == 20000000,
	      "periodic SIGEV_NONE: value %ld interval %ld", ns_of(its.it_value),
	      ns_of(its.it_interval));
	CHECK(syscall(SYS_timer_getoverrun, id) == 0, "SIGEV_NONE overrun");
	syscall(SYS_timer_delete, id);
	printf("SIGEV_NONE ok\n");
}

static void settime_forms(void)
{
	int sig = SIGRTMIN + 2;
	block(sig);
	struct kevent ev = ev_signal(sig, 7);
	int id = tcreate(CLOCK_MONOTONIC, &ev);
	struct itimerspec old;
	CHECK(tset(id, 0, 10000000000L, 3000000000L, &old) == 0, "settime 10 s");
	CHECK(!ns_of(old.it_value) && !ns_of(old.it_interval), "old value of a new timer");
	CHECK(tset(id, 0, 20000000000L, 0, &old) == 0, "settime 20 s");
	CHECK(ns_of(old.it_value) > 5000000000L && ns_of(old.it_value) <= 10000000000L &&
		      ns_of(old.it_interval) == 3000000000L,
	      "old value %ld interval %ld", ns_of(old.it_value), ns_of(old.it_interval));
	/* Disarmed with a zero value: the interval goes too. */
	CHECK(tset(id, 0, 0, 5000000, NULL) == 0, "disarm");
	struct itimerspec its = tget(id);
	CHECK(!ns_of(its.it_value) && !ns_of(its.it_interval), "disarmed: value %ld interval %ld",
	      ns_of(its.it_value), ns_of(its.it_interval));
	/* TIMER_ABSTIME: 20 ms from now, then in the past (at once). */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	CHECK(tset(id, TIMER_ABSTIME, ns_of(now) + 20000000, 0, NULL) == 0, "settime abs");
	siginfo_t si;
	take(sig, &si, "TIMER_ABSTIME");
	CHECK(tset(id, TIMER_ABSTIME, 1, 0, NULL) == 0, "settime abs past");
	take(sig, &si, "TIMER_ABSTIME in the past");
	CHECK(si.si_value.sival_int == 7, "abs value %d", si.si_value.sival_int);
	/* Unknown flags are ignored. */
	CHECK(tset(id, 0x100, 0, 0, NULL) == 0, "settime flags 0x100: %s", strerror(errno));
	syscall(SYS_timer_delete, id);
	printf("settime forms ok\n");
}

static void thread_id(void)
{
	int sig = SIGRTMIN + 3;
	block(sig);
	struct kevent ev = ev_signal(sig, 9);
	ev.notify = SIGEV_SIGNAL | SIGEV_THREAD_ID_;
	ev.tid = (int)syscall(SYS_gettid);
	int id = tcreate(CLOCK_MONOTONIC, &ev);
	CHECK(id >= 0, "SIGEV_THREAD_ID to myself: %s", strerror(-id));
	CHECK(tset(id, 0, 2000000, 0, NULL) == 0, "settime thread id");
	siginfo_t si;
	take(sig, &si, "SIGEV_THREAD_ID");
	CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == 9, "thread id siginfo");
	syscall(SYS_timer_delete, id);
	pid_t child = xfork();
	if (!child) {
		pause();
		_exit(0);
	}
	ev.tid = child;
	CHECK(tcreate(CLOCK_MONOTONIC, &ev) == -EINVAL, "SIGEV_THREAD_ID to another process");
	kill(child, SIGKILL);
	wait_for(child);
	printf("SIGEV_THREAD_ID ok\n");
}

static long cpu_ns(int clock);

static int worker_tid;
static int worker_value = -1;

/* Takes the timer's signal sent to this thread, after 100 ms of CPU. */
static void *worker(void *arg)
{
	(void)arg;
	long start = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	while (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - start < 100000000)
		;
	__atomic_store_n(&worker_tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	siginfo_t si;
	take(SIGRTMIN + 5, &si, "SIGEV_THREAD_ID to a thread");
	worker_value = si.si_code == SI_TIMER ? si.si_value.sival_int : -2;
	return NULL;
}

static void other_thread(void)
{
	int sig = SIGRTMIN + 5;
	block(sig);
	long before = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, worker, NULL) == 0, "pthread_create");
	while (!__atomic_load_n(&worker_tid, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	struct kevent ev = ev_signal(sig, 55);
	ev.notify = SIGEV_SIGNAL | SIGEV_THREAD_ID_;
	ev.tid = worker_tid;
	int id = tcreate(CLOCK_MONOTONIC, &ev);
	CHECK(id >= 0, "SIGEV_THREAD_ID to a thread: %s", strerror(-id));
	CHECK(tset(id, 0, 20000000, 0, NULL) == 0, "settime to a thread");
	pthread_join(t, NULL);
	CHECK(worker_value == 55, "the thread took value %d", worker_value);
	CHECK(!pending(sig), "the main thread sees the thread's signal");
	long used = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - before;
	CHECK(used >= 100000000, "the process's CPU clock lost the thread's time: %ld", used);
	syscall(SYS_timer_delete, id);
	printf("SIGEV_THREAD_ID to another thread ok\n");
}

static long cpu_ns(int clock)
{
	struct timespec ts;
	CHECK(clock_gettime(clock, &ts) == 0, "clock_gettime(%d)", clock);
	return ns_of(ts);
}

/* Spins until sig is pending; the CPU time it took. */
static long spin_until(int sig, int clock)
{
	long start = cpu_ns(clock);
	while (!pending(sig))
		CHECK(cpu_ns(clock) - start < 10000000000L, "no CPU timer signal after 10 s of CPU");
	return cpu_ns(clock) - start;
}

static void cpu_timers(void)
{
	int clocks[] = {CLOCK_PROCESS_CPUTIME_ID, PROCESS_CPUCLOCK_SELF, CLOCK_THREAD_CPUTIME_ID};
	int sig = SIGRTMIN + 4;
	block(sig);
	for (int i = 0; i < 3; i++) {
		struct kevent ev = ev_signal(sig, i);
		int id = tcreate(clocks[i], &ev);
		CHECK(id >= 0, "CPU clock %d timer: %s", clocks[i], strerror(-id));
		CHECK(tset(id, 0, 50000000, 0, NULL) == 0, "settime CPU");
		sleep_ms(100);
		CHECK(!pending(sig), "CPU clock %d timer fired while asleep", clocks[i]);
		long left = ns_of(tget(id).it_value);
		CHECK(left > 0 && left <= 50000000, "CPU timer left %ld", left);
		long used = spin_until(sig, clocks[i] == CLOCK_THREAD_CPUTIME_ID
						    ? CLOCK_THREAD_CPUTIME_ID
						    : CLOCK_PROCESS_CPUTIME_ID);
		CHECK(used >= 40000000, "CPU timer fired after %ld ns of CPU", used);
		siginfo_t si;
		take(sig, &si, "CPU timer");
		CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == i, "CPU siginfo");
		syscall(SYS_timer_delete, id);
	}
	CHECK(tcreate(-1, NULL) == -EINVAL, "CPU clock type 3 (-1)");
	printf("CPU-time timers ok\n");
}

static volatile int callbacks;

static void on_expiry(union sigval v)
{
	callbacks += v.sival_int;
}

static void libc_sigev_thread(void)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_expiry;
	ev.sigev_value.sival_int = 1;
	timer_t t;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "SIGEV_THREAD timer_create: %s",
	      strerror(errno));
	struct itimerspec its = {{0, 10000000}, {0, 10000000}};
	CHECK(timer_settime(t, 0, &its, NULL) == 0, "SIGEV_THREAD settime");
	for (int i = 0; i < 1000 && callbacks < 5; i++)
		sleep_ms(10);
	CHECK(callbacks >= 5, "SIGEV_THREAD: %d callbacks in 10 s", callbacks);
	CHECK(timer_delete(t) == 0, "SIGEV_THREAD timer_delete");
	printf("SIGEV_THREAD callbacks ok\n");
}

static void fork_and_exec(const char *self)
{
	struct kevent ev = ev_signal(SIGRTMIN, 0);
	int id = tcreate(CLOCK_MONOTONIC, &ev);
	CHECK(tset(id, 0, 10000000000L, 0, NULL) == 0, "settime before fork");
	pid_t child = xfork();
	if (!child) {
		struct itimerspec its;
		if (syscall(SYS_timer_gettime, id, &its) != -1 || errno != EINVAL)
			_exit(2);
		_exit(tcreate(CLOCK_MONOTONIC, &ev) == 0 ? 0 : 3);
	}
	expect_exit(wait_for(child), 0, "a forked child's timers");
	char idarg[16];
	snprintf(idarg, sizeof(idarg), "%d", id);
	fflush(stdout);
	execl(self, self, "after-exec", idarg, (char *)NULL);
	fail("execl %s: %s", self, strerror(errno));
}

/* After exec: the timer is gone; ids go on from where they were. */
static int after_exec(int id)
{
	struct itimerspec its;
	CHECK_ERRNO(syscall(SYS_timer_gettime, id, &its), EINVAL, "a timer kept across exec");
	int next = tcreate(CLOCK_MONOTONIC, NULL);
	printf("after exec: timer %d is gone, the next id is %d\n", id, next);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "after-exec"))
		return after_exec(atoi(argv[2]));
	ids_and_errors();
	default_sigevent();
	overruns();
	sigev_none();
	settime_forms();
	thread_id();
	cpu_timers();
	other_thread();
	libc_sigev_thread();
	fork_and_exec(argv[0]);
}
