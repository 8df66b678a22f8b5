/* sig_kill: signals a process sends itself (and one a child sends).
 * - kill(getpid(), SIGUSR1) runs the handler before kill returns, with
 *   SI_USER, the sender's pid and uid, and the signal blocked meanwhile;
 * - raise() (tkill/tgkill) gives SI_TKILL; SA_RESETHAND and SA_NODEFER;
 * - a blocked signal stays pending (sigpending) and arrives when
 *   sigprocmask unblocks it, before sigprocmask returns;
 * - SIG_IGN drops a signal, also one already pending;
 * - rt_sigsuspend with a pending signal, and woken by a child's kill;
 * - kill with signal 0, ESRCH and EINVAL; getpgid/getsid agree; a child's
 *   setsid makes it the leader of a new session and group.
 * With the argument "term" it ends with raise(SIGTERM) under the default
 * action: death by SIGTERM (status 143). */
#include "guest_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int hits[NSIG];
static volatile int last_code, last_pid, last_uid;
static volatile int self_blocked; /* the signal was blocked inside its handler */

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	self_blocked = sigismember(&now, sig);
	hits[sig]++;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_uid = (int)si->si_uid;
}

static void handle(int sig, int flags)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | flags};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction(%d): %s", sig, strerror(errno));
}

static void set_mask(int how, int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	CHECK(sigprocmask(how, &set, NULL) == 0, "sigprocmask: %s", strerror(errno));
}

static void kill_self(void)
{
	handle(SIGUSR1, 0);
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(hits[SIGUSR1] == 1, "the SIGUSR1 handler did not run before kill returned");
	CHECK(last_code == SI_USER, "kill: si_code %d, expected SI_USER", last_code);
	CHECK(last_pid == getpid(), "kill: si_pid %d, expected %d", last_pid, getpid());
	CHECK(last_uid == (int)getuid(), "kill: si_uid %d", last_uid);
	CHECK(self_blocked, "SIGUSR1 was not blocked inside its handler");
	printf("kill(getpid(), SIGUSR1): handler ran before kill returned\n");

	CHECK(raise(SIGUSR1) == 0, "raise: %s", strerror(errno));
	CHECK(hits[SIGUSR1] == 2, "raise: the handler did not run");
	CHECK(last_code == SI_TKILL, "raise: si_code %d, expected SI_TKILL", last_code);

	handle(SIGUSR2, SA_NODEFER | SA_RESETHAND);
	CHECK(raise(SIGUSR2) == 0, "raise: %s", strerror(errno));
	CHECK(hits[SIGUSR2] == 1, "SA_RESETHAND handler did not run");
	CHECK(!self_blocked, "SA_NODEFER: SIGUSR2 was blocked inside its handler");
	struct sigaction now;
	CHECK(sigaction(SIGUSR2, NULL, &now) == 0, "sigaction: %s", strerror(errno));
	CHECK(now.sa_handler == SIG_DFL, "SA_RESETHAND did not reset the action");
	printf("raise: SI_TKILL, SA_NODEFER and SA_RESETHAND\n");
}

static void blocked_then_unblocked(void)
{
	handle(SIGUSR2, 0);
	hits[SIGUSR2] = 0;
	set_mask(SIG_BLOCK, SIGUSR2);
	CHECK(kill(getpid(), SIGUSR2) == 0, "kill: %s", strerror(errno));
	CHECK(hits[SIGUSR2] == 0, "a blocked SIGUSR2 was delivered");
	sigset_t pend;
	CHECK(sigpending(&pend) == 0, "sigpending: %s", strerror(errno));
	CHECK(sigismember(&pend, SIGUSR2), "the blocked SIGUSR2 is not pending");
	/* A second one merges with the first: standard signals are not queued. */
	CHECK(kill(getpid(), SIGUSR2) == 0, "kill: %s", strerror(errno));
	set_mask(SIG_UNBLOCK, SIGUSR2);
	CHECK(hits[SIGUSR2] == 1, "unblocking delivered SIGUSR2 %d times, expected once",
	      hits[SIGUSR2]);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR2), "SIGUSR2 still pending");
	printf("blocked SIGUSR2: pending, delivered once on unblock\n");
}

static void ignored(void)
{
	hits[SIGUSR1] = 0;
	CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR, "signal: %s", strerror(errno));
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	/* Ignored while pending and blocked: discarded. */
	handle(SIGUSR1, 0);
	set_mask(SIG_BLOCK, SIGUSR1);
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR, "signal: %s", strerror(errno));
	sigset_t pend;
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1),
	      "SIG_IGN did not discard the pending SIGUSR1");
	handle(SIGUSR1, 0);
	set_mask(SIG_UNBLOCK, SIGUSR1);
	CHECK(hits[SIGUSR1] == 0, "an ignored SIGUSR1 reached the handler");
	/* The default action of SIGCHLD and SIGWINCH is to ignore. */
	CHECK(raise(SIGWINCH) == 0 && raise(SIGCHLD) == 0, "raise: %s", strerror(errno));
	printf("SIG_IGN and default-ignore signals dropped\n");
}

static void suspend(void)
{
	handle(SIGUSR1, 0);
	hits[SIGUSR1] = 0;
	set_mask(SIG_BLOCK, SIGUSR1);
	sigset_t none;
	sigemptyset(&none);
	/* Already pending: sigsuspend returns at once after the handler. */
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK_ERRNO(sigsuspend(&none), EINTR, "sigsuspend");
	CHECK(hits[SIGUSR1] == 1, "sigsuspend returned without running the handler");
	sigset_t now;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0 && sigismember(&now, SIGUSR1),
	      "sigsuspend did not put the old mask back");
	/* Woken by another process: a child sends SIGUSR1 to its parent. */
	pid_t child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0)
		_exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
	CHECK_ERRNO(sigsuspend(&none), EINTR, "sigsuspend");
	CHECK(hits[SIGUSR1] == 2, "sigsuspend woke without the child's SIGUSR1");
	CHECK(last_pid == child, "si_pid %d, expected the child %d", last_pid, child);
	int status;
	CHECK(waitpid(child, &status, 0) == child, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed to kill");
	set_mask(SIG_UNBLOCK, SIGUSR1);
	printf("sigsuspend: pending signal, and woken by a child's kill\n");
}

static void errors(void)
{
	CHECK(kill(getpid(), 0) == 0, "kill(self, 0): %s", strerror(errno));
	CHECK(kill(0, 0) == 0, "kill(0, 0): %s", strerror(errno));
	/* Under vmemu the first process is pid 1 and leads group 1, and -1
	 * means "every process but init and me". */
	if (getpgrp() > 1)
		CHECK(kill(-getpgrp(), 0) == 0, "kill(-pgrp, 0): %s", strerror(errno));
	CHECK_ERRNO(kill(getpid(), 65), EINVAL, "kill(self, 65)");
	CHECK_ERRNO(kill(getpid(), -1), EINVAL, "kill(self, -1)");
	CHECK_ERRNO(kill(0x3ffffff0, 0), ESRCH, "kill(no such pid, 0)");
	CHECK(getpgid(0) == getpgrp() && getpgid(getpid()) == getpgrp(), "getpgid/getpgrp differ");
	/* getsid may be 0 natively: in a container the session leader can live
	 * outside the pid namespace. */
	CHECK(getsid(0) == getsid(getpid()) && getsid(0) >= 0, "getsid: %s", strerror(errno));
	CHECK_ERRNO(getpgid(0x3ffffff0), ESRCH, "getpgid(no such pid)");
	struct sigaction sa = {.sa_handler = SIG_IGN};
	CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL, "sigaction(SIGKILL)");
	CHECK_ERRNO(sigaction(SIGSTOP, &sa, NULL), EINVAL, "sigaction(SIGSTOP)");
	CHECK(sigaction(SIGKILL, NULL, &sa) == 0, "sigaction(SIGKILL, NULL, old): %s",
	      strerror(errno));
	/* SIGKILL and SIGSTOP cannot be blocked. */
	sigset_t all, now;
	sigfillset(&all);
	CHECK(sigprocmask(SIG_SETMASK, &all, &now) == 0, "sigprocmask: %s", strerror(errno));
	sigset_t got;
	CHECK(sigprocmask(SIG_SETMASK, &now, &got) == 0, "sigprocmask: %s", strerror(errno));
	CHECK(!sigismember(&got, SIGKILL) && !sigismember(&got, SIGSTOP),
	      "SIGKILL or SIGSTOP was blocked");
	CHECK(sigismember(&got, SIGUSR1) && sigismember(&got, SIGTERM), "sigfillset mask lost");
	printf("kill 0/ESRCH/EINVAL, process groups, SIGKILL and SIGSTOP rules\n");
}

/* A child (never a group leader) starts a session; a leader cannot. */
static void new_session(void)
{
	fflush(stdout);
	pid_t child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		if (setsid() != getpid() || getsid(0) != getpid() || getpgrp() != getpid())
			_exit(1);
		if (setsid() != -1 || errno != EPERM)
			_exit(2);
		_exit(0);
	}
	int status;
	CHECK(waitpid(child, &status, 0) == child, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "setsid in a child: status %#x", status);
	printf("setsid: a child leads a new session and group; a leader gets EPERM\n");
}

int main(int argc, char **argv)
{
	kill_self();
	blocked_then_unblocked();
	ignored();
	suspend();
	errors();
	new_session();
	if (argc > 1 && strcmp(argv[1], "term") == 0) {
		printf("raise(SIGTERM) with the default action\n");
		fflush(stdout);
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		fail("raise(SIGTERM) returned");
	}
	return 0;
}
