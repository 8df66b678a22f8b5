/* proc_clone3.c - what clone3(2) and clone(2) take besides fork's flags:
 * CLONE_PIDFD (a close-on-exec pidfd that polls readable at exit and that
 * waitid(P_PIDFD) reaps; EINVAL with clone's CLONE_PARENT_SETTID, which
 * shares its field), CLONE_CLEAR_SIGHAND (handlers back to SIG_DFL,
 * SIG_IGN kept; EINVAL with CLONE_SIGHAND), set_tid (the child's PID
 * chosen; EEXIST, EINVAL; two levels with CLONE_NEWPID: pid 1 inside), and pidfd_send_signal (a signal, a siginfo of
 * one's own, EPERM, EINVAL, EBADF, ESRCH). */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#define P_PIDFD_ 3

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long clone3(struct clone_args *args)
{
	return syscall(SYS_clone3, args, sizeof(*args));
}

static long pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

/* Reaps child pid and checks it exited with code. */
static void reap(pid_t pid, int code, const char *what)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "%s: waitpid: %s", what, strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code, "%s: status %#x, not exit %d", what, st,
	      code);
}

static void pidfd_flag(void)
{
	int pidfd = -1;
	struct clone_args a = {.flags = CLONE_PIDFD, .pidfd = (uintptr_t)&pidfd,
			       .exit_signal = SIGCHLD};
	long pid = clone3(&a);
	CHECK(pid >= 0, "clone3(CLONE_PIDFD): %s", strerror(errno));
	if (pid == 0)
		_exit(7);
	CHECK(pidfd >= 0, "no pidfd written: %d", pidfd);
	CHECK(fcntl(pidfd, F_GETFD) == FD_CLOEXEC, "the pidfd is not close-on-exec");
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN), "the pidfd did not poll readable");
	siginfo_t si = {0};
	CHECK(waitid(P_PIDFD_, (id_t)pidfd, &si, WEXITED) == 0, "waitid(P_PIDFD): %s",
	      strerror(errno));
	CHECK(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 7,
	      "waitid(P_PIDFD) gave pid %d code %d status %d", si.si_pid, si.si_code, si.si_status);
	close(pidfd);

	/* clone(2) keeps the pidfd in parent_tid: both at once is EINVAL. */
	int word = 0;
	CHECK_ERRNO(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &word, 0, 0),
		    EINVAL, "clone(CLONE_PIDFD|CLONE_PARENT_SETTID)");
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &word, 0, 0);
	CHECK(pid >= 0, "clone(CLONE_PIDFD): %s", strerror(errno));
	if (pid == 0)
		_exit(3);
	CHECK(word > 2, "clone(CLONE_PIDFD) wrote fd %d", word);
	reap((pid_t)pid, 3, "clone(CLONE_PIDFD)");
	close(word);
	puts("CLONE_PIDFD: ok");
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void clear_sighand(void)
{
	CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR && signal(SIGUSR2, SIG_IGN) != SIG_ERR, "signal");
	struct clone_args a = {.flags = CLONE_CLEAR_SIGHAND, .exit_signal = SIGCHLD};
	long pid = clone3(&a);
	CHECK(pid >= 0, "clone3(CLONE_CLEAR_SIGHAND): %s", strerror(errno));
	if (pid == 0) {
		struct sigaction s1, s2;
		sigaction(SIGUSR1, NULL, &s1);
		sigaction(SIGUSR2, NULL, &s2);
		_exit(s1.sa_handler == SIG_DFL && s2.sa_handler == SIG_IGN ? 0 : 1);
	}
	reap((pid_t)pid, 0, "CLONE_CLEAR_SIGHAND: handlers to SIG_DFL, SIG_IGN kept");
	struct sigaction s;
	sigaction(SIGUSR1, NULL, &s);
	CHECK(s.sa_handler == on_usr1, "the parent's handler changed");
	a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
	CHECK_ERRNO(clone3(&a), EINVAL, "clone3(CLONE_CLEAR_SIGHAND|CLONE_SIGHAND)");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	puts("CLONE_CLEAR_SIGHAND: ok");
}

static void set_tid(void)
{
	pid_t self = getpid();
	struct clone_args a = {.exit_signal = SIGCHLD, .set_tid = (uintptr_t)&self,
			       .set_tid_size = 1};
	CHECK_ERRNO(clone3(&a), EEXIST, "clone3 with set_tid of a live pid");
	a.set_tid_size = 33; /* more than MAX_PID_NS_LEVEL: EINVAL at any PID namespace depth */
	CHECK_ERRNO(clone3(&a), EINVAL, "clone3 with 33 levels of set_tid");
	a.set_tid_size = 0;
	CHECK_ERRNO(clone3(&a), EINVAL, "clone3 with set_tid and no size");
	pid_t bad = -1;
	a.set_tid = (uintptr_t)&bad;
	a.set_tid_size = 1;
	CHECK_ERRNO(clone3(&a), EINVAL, "clone3 with set_tid -1");
	a.set_tid = 0;
	CHECK_ERRNO(clone3(&a), EINVAL, "clone3 with a size and no set_tid");

	/* A pid just freed: a reaped child's. */
	pid_t want = fork();
	CHECK(want >= 0, "fork");
	if (want == 0)
		_exit(0);
	reap(want, 0, "a child to free a pid");
	a.set_tid = (uintptr_t)&want;
	long pid = clone3(&a);
	CHECK(pid >= 0, "clone3 with set_tid %d: %s", want, strerror(errno));
	if (pid == 0)
		_exit(getpid() == want ? 0 : 1);
	CHECK(pid == want, "clone3 with set_tid %d made pid %ld", want, pid);
	reap((pid_t)pid, 0, "the child with its pid chosen");

	/* Two levels: pid 1 of a new PID namespace, and want again outside. */
	pid_t two[2] = {1, want};
	a.set_tid = (uintptr_t)two;
	a.set_tid_size = 2;
	/* (A runner may have started the native run in a PID namespace of
	 * its own, unshare -p: there two levels are valid.) */
	char ns[64] = "";
	if (readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1) > 0 && !strcmp(ns, "pid:[4026531836]"))
		CHECK_ERRNO(clone3(&a), EINVAL,
			    "clone3 with 2 levels of set_tid in the initial namespace");
	a.flags = CLONE_NEWPID;
	two[0] = 2;
	CHECK_ERRNO(clone3(&a), EINVAL, "clone3 CLONE_NEWPID with set_tid 2 and no init");
	two[0] = 1;
	pid = clone3(&a);
	CHECK(pid >= 0, "clone3 CLONE_NEWPID with set_tid {1, %d}: %s", want, strerror(errno));
	if (pid == 0)
		_exit(getpid() == 1 && getppid() == 0 ? 0 : 1);
	CHECK(pid == want, "clone3 CLONE_NEWPID with set_tid {1, %d} made pid %ld", want, pid);
	reap((pid_t)pid, 0, "the init of a new PID namespace with its pids chosen");
	puts("set_tid: ok");
}

static void send_signal(void)
{
	int pidfd = -1;
	struct clone_args a = {.flags = CLONE_PIDFD, .pidfd = (uintptr_t)&pidfd,
			       .exit_signal = SIGCHLD};
	long pid = clone3(&a);
	CHECK(pid >= 0, "clone3: %s", strerror(errno));
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(pidfd_send_signal(pidfd, 0, NULL, 0) == 0, "pidfd_send_signal(0): %s",
	      strerror(errno));
	CHECK_ERRNO(pidfd_send_signal(pidfd, SIGTERM, NULL, 0x80), EINVAL, "unknown flags");
	CHECK_ERRNO(pidfd_send_signal(1, SIGTERM, NULL, 0), EBADF, "a stdout that is no pidfd");
	siginfo_t si = {0};
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	CHECK_ERRNO(pidfd_send_signal(pidfd, SIGTERM, &si, 0), EINVAL, "si_signo not sig");
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	CHECK_ERRNO(pidfd_send_signal(pidfd, SIGTERM, &si, 0), EPERM, "SI_USER to another");
	CHECK_ERRNO(pidfd_send_signal(pidfd, 65, NULL, 0), EINVAL, "signal 65");
	CHECK(pidfd_send_signal(pidfd, SIGTERM, NULL, 0) == 0, "pidfd_send_signal(SIGTERM): %s",
	      strerror(errno));
	int st;
	CHECK(waitpid((pid_t)pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	      "the child was not killed by SIGTERM: %#x", st);
	CHECK_ERRNO(pidfd_send_signal(pidfd, SIGTERM, NULL, 0), ESRCH, "a reaped child");
	close(pidfd);
	puts("pidfd_send_signal: ok");
}

int main(void)
{
	pidfd_flag();
	clear_sighand();
	set_tid();
	send_signal();
	return 0;
}
