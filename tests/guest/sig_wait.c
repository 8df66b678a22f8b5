/* sig_wait: taking signals without their handlers (rt_sigtimedwait:
 * sigwaitinfo, sigtimedwait) and sending them with a siginfo
 * (rt_sigqueueinfo: sigqueue; rt_tgsigqueueinfo), compared with Linux:
 * - a pending signal of the set is taken without its handler, the
 *   thread's own before its process's; errors EINVAL (sigset size, bad
 *   timespec), EFAULT; a zero timeout and a timeout give EAGAIN;
 * - a handled signal outside the set ends the wait with EINTR, even with
 *   SA_RESTART; one in the set that comes during the wait is taken, not
 *   handled, though unblocked; a stop and continue end it with EINTR;
 * - queued real-time signals keep their order, count and values; a
 *   standard signal queued twice is taken once, with the first value;
 * - sigqueue between parent and child: si_code SI_QUEUE, si_pid, si_value;
 *   the wait sleeps while the other process runs;
 * - a si_code >= 0 or SI_TKILL to another process is EPERM, to oneself
 *   allowed; ESRCH, EINVAL, and their order. */
#include "proc_test.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

static volatile int handled[NSIG];

static void on_signal(int sig)
{
	handled[sig]++;
}

static void handle(int sig, int flags)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = flags};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction(%d): %s", sig, strerror(errno));
}

static sigset_t set_of(int a, int b)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static void block_all_rt_and_usr(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	for (int sig = SIGRTMIN; sig <= SIGRTMIN + 8; sig++)
		sigaddset(&s, sig);
	CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "sigprocmask");
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Takes one of set within 10 s; returns the signal, *si filled. The raw
 * call: glibc's sigtimedwait shows SI_TKILL as SI_USER. */
static int take(sigset_t set, siginfo_t *si)
{
	struct timespec ts = {10, 0};
	int got = (int)syscall(SYS_rt_sigtimedwait, &set, si, &ts, 8);
	CHECK(got > 0, "sigtimedwait: %s", strerror(errno));
	return got;
}

static void sigqueue_raw(pid_t pid, int sig, int code, int value)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	CHECK(syscall(SYS_rt_sigqueueinfo, pid, sig, &si) == 0, "rt_sigqueueinfo(%d, %d): %s",
	      (int)pid, sig, strerror(errno));
}

static void errors_and_timeouts(void)
{
	sigset_t s = set_of(SIGUSR1, 0);
	siginfo_t si;
	struct timespec zero = {0, 0}, bad = {0, 1000000000}, neg = {-1, 0};
	CHECK_ERRNO(syscall(SYS_rt_sigtimedwait, &s, &si, &zero, 4), EINVAL, "sigsetsize 4");
	CHECK_ERRNO(syscall(SYS_rt_sigtimedwait, (void *)8, &si, &zero, 8), EFAULT, "bad set");
	CHECK_ERRNO(syscall(SYS_rt_sigtimedwait, &s, &si, (void *)8, 8), EFAULT, "bad timespec ptr");
	CHECK_ERRNO(sigtimedwait(&s, &si, &bad), EINVAL, "tv_nsec 1e9");
	CHECK_ERRNO(sigtimedwait(&s, &si, &neg), EINVAL, "tv_sec -1");
	CHECK_ERRNO(sigtimedwait(&s, &si, &zero), EAGAIN, "zero timeout, nothing pending");
	long start = now_ns();
	struct timespec t100 = {0, 100000000};
	CHECK_ERRNO(sigtimedwait(&s, &si, &t100), EAGAIN, "100 ms timeout");
	CHECK(now_ns() - start >= 100000000, "the 100 ms timeout ended early");
	printf("errors and timeouts ok\n");
}

/* tgkill to the calling thread (raise(3) need not use it). */
static void self_tgkill(int sig)
{
	CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig) == 0, "tgkill");
}

static void take_without_handler(void)
{
	handle(SIGUSR1, 0);
	handle(SIGUSR2, 0);
	self_tgkill(SIGUSR1);
	siginfo_t si;
	CHECK(take(set_of(SIGUSR1, 0), &si) == SIGUSR1, "tgkill: not SIGUSR1");
	CHECK(si.si_code == SI_TKILL && si.si_pid == getpid(), "tgkill: code %d pid %d",
	      si.si_code, si.si_pid);
	CHECK(!handled[SIGUSR1], "the handler ran for a taken signal");
	/* The thread's own pending set goes first, the lower number second. */
	kill(getpid(), SIGUSR1);
	self_tgkill(SIGUSR2);
	CHECK(take(set_of(SIGUSR1, SIGUSR2), &si) == SIGUSR2 && si.si_code == SI_TKILL,
	      "the thread's own signal is not taken first");
	CHECK(take(set_of(SIGUSR1, SIGUSR2), &si) == SIGUSR1 && si.si_code == SI_USER,
	      "then the process's");
	/* A siginfo that cannot be written: the signal is taken all the same. */
	self_tgkill(SIGUSR1);
	sigset_t s = set_of(SIGUSR1, 0);
	CHECK_ERRNO(syscall(SYS_rt_sigtimedwait, &s, (void *)8, NULL, 8), EFAULT, "bad siginfo");
	struct timespec zero = {0, 0};
	CHECK_ERRNO(sigtimedwait(&s, NULL, &zero), EAGAIN, "taken by the EFAULT call");
	/* sigwait(3) too. */
	self_tgkill(SIGUSR2);
	int got = 0;
	s = set_of(SIGUSR2, 0);
	CHECK(sigwait(&s, &got) == 0 && got == SIGUSR2, "sigwait got %d", got);
	CHECK(!handled[SIGUSR1] && !handled[SIGUSR2], "handlers ran");
	printf("taken without handlers ok\n");
}

/* The raw calls: musl's sigtimedwait makes the call again after EINTR. */
static void eintr_both(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 50000}};
	sigset_t s = set_of(SIGRTMIN + 5, 0);
	struct timespec ts = {10, 0};
	for (int flags = 0; flags <= SA_RESTART; flags += SA_RESTART) {
		sa.sa_flags = flags;
		sigaction(SIGALRM, &sa, NULL);
		handled[SIGALRM] = 0;
		setitimer(ITIMER_REAL, &it, NULL);
		CHECK_ERRNO(syscall(SYS_rt_sigtimedwait, &s, NULL, &ts, 8), EINTR,
			    "a handler ends sigtimedwait");
		CHECK(handled[SIGALRM] == 1, "SIGALRM handled %d times", handled[SIGALRM]);
		setitimer(ITIMER_REAL, &it, NULL);
		CHECK_ERRNO(syscall(SYS_rt_sigtimedwait, &s, NULL, NULL, 8), EINTR,
			    "a handler ends sigwaitinfo");
	}
	printf("EINTR ok\n");
}

/* The state letter of /proc/PID/stat. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *close = strrchr(buf, ')');
	return close && close[1] == ' ' ? close[2] : '?';
}

/* SIGUSR2, handled and not blocked, sent by a child once this process
 * sleeps in the wait: the wait takes it. */
static void unblocked_in_set(void)
{
	handle(SIGUSR2, 0);
	handled[SIGUSR2] = 0;
	sigset_t s = set_of(SIGUSR2, 0);
	CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0, "unblock");
	pid_t parent = getpid();
	pid_t child = xfork();
	if (!child) {
		while (proc_state(parent) != 'S')
			;
		_exit(kill(parent, SIGUSR2) == 0 ? 0 : 1);
	}
	struct timespec ts = {10, 0};
	long got = syscall(SYS_rt_sigtimedwait, &s, NULL, &ts, 8);
	CHECK(got == SIGUSR2, "the wait returned %ld (%s)", got, strerror(errno));
	CHECK(!handled[SIGUSR2], "the handler ran for a signal the wait took");
	expect_exit(wait_for(child), 0, "the child's kill");
	CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block");
	printf("an unblocked signal of the set is taken ok\n");
}

/* A child asleep in sigtimedwait is stopped and continued: EINTR. */
static void stop_continue(void)
{
	pid_t child = xfork();
	if (!child) {
		sigset_t s = set_of(SIGRTMIN + 8, 0);
		struct timespec ts = {10, 0};
		long got = syscall(SYS_rt_sigtimedwait, &s, NULL, &ts, 8);
		_exit(got == -1 && errno == EINTR ? 0 : 1);
	}
	while (proc_state(child) != 'S')
		;
	kill(child, SIGSTOP);
	int status;
	CHECK(waitpid(child, &status, WUNTRACED) == child && WIFSTOPPED(status), "not stopped");
	kill(child, SIGCONT);
	expect_exit(wait_for(child), 0, "sigtimedwait after a stop and continue (EINTR)");
	printf("stop and continue: EINTR ok\n");
}

static void rt_order(void)
{
	for (int v = 1; v <= 5; v++)
		sigqueue_raw(getpid(), SIGRTMIN + 1, SI_QUEUE, v);
	sigqueue_raw(getpid(), SIGRTMIN, SI_QUEUE, 100);
	sigqueue_raw(getpid(), SIGUSR1, SI_QUEUE, 1);
	sigqueue_raw(getpid(), SIGUSR1, SI_QUEUE, 2);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	sigaddset(&s, SIGRTMIN + 1);
	sigaddset(&s, SIGUSR1);
	siginfo_t si;
	CHECK(take(s, &si) == SIGUSR1 && si.si_value.sival_int == 1, "SIGUSR1 first, value 1");
	CHECK(take(s, &si) == SIGRTMIN && si.si_value.sival_int == 100, "then SIGRTMIN");
	for (int v = 1; v <= 5; v++) {
		CHECK(take(s, &si) == SIGRTMIN + 1, "SIGRTMIN+1 #%d", v);
		CHECK(si.si_value.sival_int == v && si.si_code == SI_QUEUE && si.si_pid == getpid(),
		      "SIGRTMIN+1 #%d: value %d code %d", v, si.si_value.sival_int, si.si_code);
	}
	struct timespec zero = {0, 0};
	CHECK_ERRNO(sigtimedwait(&s, &si, &zero), EAGAIN, "more queued than sent");
	/* Many of one real-time signal, all kept. */
	for (int v = 0; v < 200; v++)
		CHECK(sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = v}) == 0,
		      "sigqueue: %s", strerror(errno));
	s = set_of(SIGRTMIN + 2, 0);
	for (int v = 0; v < 200; v++)
		CHECK(take(s, &si) == SIGRTMIN + 2 && si.si_value.sival_int == v,
		      "queued #%d has value %d", v, si.si_value.sival_int);
	printf("real-time order ok\n");
}

static void parent_child(void)
{
	int sig = SIGRTMIN + 3, back = SIGRTMIN + 4;
	pid_t parent = getpid();
	pid_t child = xfork();
	if (!child) {
		siginfo_t si;
		for (int v = 1; v <= 3; v++) {
			if (take(set_of(sig, 0), &si) != sig || si.si_code != SI_QUEUE ||
			    si.si_pid != parent || si.si_value.sival_int != 11 * v)
				_exit(v);
		}
		if (sigqueue(parent, back, (union sigval){.sival_int = 44}) != 0)
			_exit(8);
		_exit(0);
	}
	/* The child waits first: let it sleep in sigtimedwait. */
	struct timespec ts = {0, 50000000};
	nanosleep(&ts, NULL);
	for (int v = 1; v <= 3; v++)
		CHECK(sigqueue(child, sig, (union sigval){.sival_int = 11 * v}) == 0,
		      "sigqueue to the child: %s", strerror(errno));
	siginfo_t si;
	CHECK(take(set_of(back, 0), &si) == back, "nothing back from the child");
	CHECK(si.si_code == SI_QUEUE && si.si_pid == child && si.si_value.sival_int == 44,
	      "from the child: code %d pid %d value %d", si.si_code, si.si_pid,
	      si.si_value.sival_int);
	expect_exit(wait_for(child), 0, "the child's checks");
	printf("sigqueue between processes ok\n");
}

static void permissions(void)
{
	pid_t child = xfork();
	if (!child) {
		pause();
		_exit(0);
	}
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_USER;
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, (void *)8), EFAULT,
		    "bad siginfo before EPERM");
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM, "SI_USER to another");
	si.si_code = SI_KERNEL;
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM, "SI_KERNEL to another");
	si.si_code = SI_TKILL;
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM, "SI_TKILL to another");
	CHECK_ERRNO(syscall(SYS_rt_tgsigqueueinfo, child, child, SIGUSR1, &si), EPERM,
		    "tg: SI_TKILL to another");
	si.si_code = SI_QUEUE;
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, 99, &si), EINVAL, "signal 99");
	CHECK(syscall(SYS_rt_sigqueueinfo, child, 0, &si) == 0, "signal 0: %s", strerror(errno));
	CHECK_ERRNO(syscall(SYS_rt_tgsigqueueinfo, 0, child, SIGUSR1, &si), EINVAL, "tgid 0");
	CHECK_ERRNO(syscall(SYS_rt_tgsigqueueinfo, child, 0, SIGUSR1, &si), EINVAL, "tid 0");
	CHECK_ERRNO(syscall(SYS_rt_tgsigqueueinfo, getpid(), child, SIGUSR1, &si), ESRCH,
		    "tg: the child in my group");
	CHECK_ERRNO(syscall(SYS_rt_tgsigqueueinfo, 0, 0, SIGUSR1, (void *)8), EFAULT,
		    "tg: EFAULT before EINVAL");
	kill(child, SIGKILL);
	wait_for(child);
	/* child is reaped: no such process, checked before the signal. */
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, 99, &si), ESRCH, "ESRCH before EINVAL");
	si.si_code = SI_USER;
	CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM, "EPERM before ESRCH");
	/* To oneself any code goes, as given. */
	si.si_code = SI_USER;
	si.si_pid = 12345;
	si.si_value.sival_int = 5;
	CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 6, &si) == 0, "SI_USER to myself");
	siginfo_t got;
	CHECK(take(set_of(SIGRTMIN + 6, 0), &got) == SIGRTMIN + 6, "SI_USER to myself not taken");
	CHECK(got.si_code == SI_USER && got.si_pid == 12345, "to myself: code %d pid %d",
	      got.si_code, got.si_pid);
	si.si_code = SI_QUEUE;
	si.si_signo = SIGUSR2; /* the signal sent wins */
	CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), (int)syscall(SYS_gettid), SIGRTMIN + 7,
		      &si) == 0,
	      "rt_tgsigqueueinfo to myself: %s", strerror(errno));
	CHECK(take(set_of(SIGRTMIN + 7, 0), &got) == SIGRTMIN + 7 && got.si_signo == SIGRTMIN + 7 &&
		      got.si_value.sival_int == 5 && got.si_code == SI_QUEUE,
	      "rt_tgsigqueueinfo to myself: signo %d value %d", got.si_signo,
	      got.si_value.sival_int);
	printf("permissions ok\n");
}

int main(void)
{
	block_all_rt_and_usr();
	errors_and_timeouts();
	take_without_handler();
	eintr_both();
	unblocked_in_set();
	stop_continue();
	rt_order();
	parent_child();
	permissions();
	return 0;
}
