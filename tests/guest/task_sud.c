/* task_sud.c - Syscall User Dispatch (prctl PR_SET_SYSCALL_USER_DISPATCH):
 * a blocked call comes back as SIGSYS (SYS_USER_DISPATCH, si_call_addr
 * just past the SYSCALL, si_syscall, si_arch, si_errno 0) without running,
 * rax still its number in the handler's context, and the value the
 * handler leaves in rax is the call's result; calls from the allowed range
 * run; the selector's ALLOW lets them run; OFF ends it; a forked child and
 * an exec'd program start without it; a selector byte neither ALLOW nor
 * BLOCK kills by SIGSYS, an unreadable one by SIGSEGV, whatever the
 * handlers; the prctl's EINVAL and EFAULT. */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#endif
#define FILTER_ALLOW 0
#define FILTER_BLOCK 1
#define SYS_USER_DISPATCH 2
#define AUDIT_ARCH_X86_64 0xc000003eu
#define MAGIC 0xff00 /* no such call: ENOSYS if it ran */

static volatile char selector = FILTER_ALLOW;
static volatile int caught, caught_nr, caught_code, caught_errno;
static volatile unsigned caught_arch;
static volatile uint64_t caught_addr, caught_rax;

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	(void)sig;
	selector = FILTER_ALLOW; /* the handler's own sigreturn must run */
	caught++;
	caught_nr = si->si_syscall;
	caught_code = si->si_code;
	caught_errno = si->si_errno;
	caught_arch = si->si_arch;
	caught_addr = (uint64_t)si->si_call_addr;
	caught_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	uc->uc_mcontext.gregs[REG_RAX] = 42; /* the emulated call's result */
}

/* A raw call whose SYSCALL instruction's end is *after. */
static long raw_call(long nr, uint64_t *after)
{
	long ret;
	uint64_t end;
	__asm__ volatile("lea 1f(%%rip), %1\n\tsyscall\n1:"
			 : "=a"(ret), "=&r"(end)
			 : "a"(nr)
			 : "rcx", "r11", "memory");
	*after = end;
	return ret;
}

static long sud(long op, long off, long len, volatile char *sel)
{
	return prctl(PR_SET_SYSCALL_USER_DISPATCH, op, off, len, sel);
}

static void check_prctl(void)
{
	errno = 0;
	CHECK(sud(-1, 0, 0, 0) == -1 && errno == EINVAL, "bad op: errno %d", errno);
	CHECK(sud(PR_SYS_DISPATCH_OFF, 1, 0, 0) == -1 && errno == EINVAL, "OFF with off");
	CHECK(sud(PR_SYS_DISPATCH_OFF, 0, 0, &selector) == -1 && errno == EINVAL, "OFF with sel");
	CHECK(sud(PR_SYS_DISPATCH_ON, -1L, 1, &selector) == -1 && errno == EINVAL, "wrapping range");
	CHECK(sud(PR_SYS_DISPATCH_ON, 1, -1L, &selector) == -1 && errno == EINVAL, "wrapping len");
	CHECK(sud(PR_SYS_DISPATCH_ON, 0, 1, (char *)-1) == -1 && errno == EFAULT,
	      "kernel selector: errno %d", errno);
	CHECK(sud(PR_SYS_DISPATCH_OFF, 0, 0, 0) == 0, "OFF: %s", strerror(errno));
	printf("prctl checks ok\n");
}

static void check_dispatch(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	CHECK(sigaction(SIGSYS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	CHECK(sud(PR_SYS_DISPATCH_ON, 0, 0, &selector) == 0, "ON: %s", strerror(errno));
	uint64_t after;
	long r = raw_call(MAGIC, &after); /* ALLOW: it runs */
	CHECK(r == -ENOSYS && caught == 0, "allowed call: %ld, caught %d", r, caught);
	selector = FILTER_BLOCK;
	r = raw_call(MAGIC, &after);
	CHECK(caught == 1, "blocked call not caught");
	CHECK(r == 42, "result %ld, not the handler's 42", r);
	CHECK(caught_nr == MAGIC && caught_code == SYS_USER_DISPATCH && caught_errno == 0 &&
		      caught_arch == AUDIT_ARCH_X86_64,
	      "siginfo: nr %#x code %d errno %d arch %#x", caught_nr, caught_code, caught_errno,
	      caught_arch);
	CHECK(caught_addr == after, "si_call_addr %#lx, SYSCALL ends at %#lx",
	      (unsigned long)caught_addr, (unsigned long)after);
	CHECK(caught_rax == MAGIC, "rax in the handler %#lx", (unsigned long)caught_rax);
	printf("dispatched: result %ld, si_code %d\n", r, caught_code);
	/* getpid through libc while blocked: caught too (no range given). */
	selector = FILTER_BLOCK;
	r = syscall(SYS_getpid);
	CHECK(caught == 2 && r == 42, "getpid: %ld, caught %d", r, caught);
	CHECK(sud(PR_SYS_DISPATCH_OFF, 0, 0, 0) == 0, "OFF: %s", strerror(errno));
	selector = FILTER_BLOCK; /* OFF: the byte no longer matters */
	CHECK(getpid() > 0 && caught == 2, "a call after OFF was caught");
	printf("off: calls run\n");
	selector = FILTER_ALLOW;
}

static void check_fork_exec(const char *self)
{
	CHECK(sud(PR_SYS_DISPATCH_ON, 0, 0, &selector) == 0, "ON: %s", strerror(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int before = caught;
		selector = FILTER_BLOCK; /* the child's copy: no dispatch here */
		uint64_t after;
		_exit(raw_call(MAGIC, &after) == -ENOSYS && caught == before ? 0 : 1);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		execl(self, self, "exec-child", (char *)NULL);
		_exit(3);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exec child status %#x", status);
	CHECK(sud(PR_SYS_DISPATCH_OFF, 0, 0, 0) == 0, "OFF: %s", strerror(errno));
	printf("fork and exec: no dispatch\n");
}

/* A child whose selector is byte value v (or unreadable): its death. */
static void check_fatal(int v, int want)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
		sigaction(SIGSYS, &sa, NULL);
		sigaction(SIGSEGV, &sa, NULL);
		char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
		page[0] = v < 0 ? FILTER_ALLOW : (char)v;
		sud(PR_SYS_DISPATCH_ON, 0, 0, page);
		if (v < 0)
			munmap(page, PAGE); /* the call that unmaps it runs; the next one cannot read it */
		uint64_t after;
		raw_call(MAGIC, &after);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == want, "selector %d: status %#x", v,
	      status);
	printf("selector %d: killed by signal %d\n", v, WTERMSIG(status));
}

int main(int argc, char **argv)
{
	if (argc > 1) /* the exec'd program: dispatch is gone */
		return syscall(MAGIC) == -1 && errno == ENOSYS ? 0 : 1;
	check_prctl();
	check_dispatch();
	check_fork_exec(argv[0]);
	check_fatal(7, SIGSYS);
	check_fatal(-1, SIGSEGV);
	return 0;
}
