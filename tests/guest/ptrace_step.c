/* ptrace_step.c - what a debugger needs of ptrace(2), on a forked child
 * that runs a piece of assembly (step_code) whose every address is known:
 * an int3 breakpoint written into its text with POKETEXT (the parent's own
 * text stays unchanged: the write broke copy-on-write) and one written
 * through /proc/PID/mem, each stopping it with SIGTRAP (SI_KERNEL, RIP
 * after the 0xCC) and stepped over after RIP is rewound (SETREGS,
 * POKEUSER); PTRACE_SINGLESTEP one instruction at a time (SIGTRAP,
 * TRAP_TRACE, si_addr the next RIP, TF not shown), over a whole system
 * call (TRAP_BRKPT; over fork: its event stop first) and into a signal
 * handler; faults as
 * signal-delivery-stops (SIGILL, SIGSEGV) that the tracer suppresses;
 * GETFPREGS and GETREGSET NT_X86_XSTATE; the debug registers of struct user; PEEKSIGINFO of the
 * thread's and the process's queued signals, then their stops in delivery
 * order. Prints what it sees, addresses relative to step_code; the output
 * is compared with Linux's. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

/* Not in every libc's headers. */
#define REQ_PEEKSIGINFO 0x4209
#define PEEKSIGINFO_SHARED 1
struct peeksiginfo_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};
#define DEBUGREG_OFFSET 848 /* offsetof(struct user, u_debugreg) */
#define TF 0x100

extern char step_code[], step_xmm[], step_after_syscall[], step_bp[], step_ud2[], step_load[],
	step_int3[], step_int3b[];
__asm__(".text\n"
	".globl step_code\n"
	"step_code:\n"
	"	nop\n"
	"	movl $7, %eax\n"
	"	addl $5, %eax\n"
	".globl step_xmm\n"
	"step_xmm:\n"
	"	movq %rax, %xmm0\n"
	"	movl $39, %eax\n" /* getpid */
	"	syscall\n"
	".globl step_after_syscall\n"
	"step_after_syscall:\n"
	"	nop\n"
	".globl step_bp\n"
	"step_bp:\n"
	"	nop\n"
	"	nop\n"
	".globl step_ud2\n"
	"step_ud2:\n"
	"	ud2\n"
	"	xorl %ecx, %ecx\n"
	".globl step_load\n"
	"step_load:\n"
	"	movl (%rcx), %eax\n"
	".globl step_int3\n"
	"step_int3:\n"
	"	int3\n"
	"	nop\n"
	".globl step_int3b\n"
	"step_int3b:\n"
	"	int3\n"
	"	movl $231, %eax\n" /* exit_group(42) */
	"	movl $42, %edi\n"
	"	syscall\n");

extern char fork_code[], fork_after[];
__asm__(".text\n"
	".globl fork_code\n"
	"fork_code:\n"
	"	movl $57, %eax\n" /* fork */
	"	syscall\n"
	".globl fork_after\n"
	"fork_after:\n"
	"	movl %eax, %edi\n"
	"	movl $231, %eax\n" /* exit_group(the pid, or 0 in the child) */
	"	syscall\n");

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static pid_t child;

static long off(uint64_t a)
{
	return (long)(a - (uint64_t)step_code);
}

static int wait_stop(const char *what)
{
	int st;
	CHECK(waitpid(child, &st, __WALL) == child, "%s: waitpid: %s", what, strerror(errno));
	CHECK(WIFSTOPPED(st), "%s: not stopped (status 0x%x)", what, st);
	return WSTOPSIG(st);
}

static struct user_regs_struct regs(void)
{
	struct user_regs_struct r;
	CHECK(ptrace(PTRACE_GETREGS, child, 0, &r) == 0, "GETREGS: %s", strerror(errno));
	return r;
}

static siginfo_t siginfo(void)
{
	siginfo_t si;
	CHECK(ptrace(PTRACE_GETSIGINFO, child, 0, &si) == 0, "GETSIGINFO: %s", strerror(errno));
	return si;
}

static void set_rip(uint64_t rip)
{
	CHECK(ptrace(PTRACE_POKEUSER, child, offsetof(struct user_regs_struct, rip), rip) == 0,
	      "POKEUSER rip: %s", strerror(errno));
}

/* A stop, its signal, si_code, si_addr and RIP printed. */
static void show_stop(const char *what, int want_sig)
{
	int sig = wait_stop(what);
	siginfo_t si = siginfo();
	struct user_regs_struct r = regs();
	printf("%s: sig %d si_signo %d si_code %d", what, sig, si.si_signo, si.si_code);
	if (sig == SIGSEGV)
		printf(" si_addr %p", si.si_addr);
	else if (sig == SIGILL || si.si_code == 1 || si.si_code == 2)
		printf(" si_addr %+ld", off((uint64_t)si.si_addr));
	printf(" rip %+ld tf %d\n", off(r.rip), (int)!!(r.eflags & TF));
	CHECK(sig == want_sig, "%s: stopped by %d, expected %d", what, sig, want_sig);
}

static void resume(int req, int sig)
{
	CHECK(ptrace(req, child, 0, sig) == 0, "resume %d: %s", req, strerror(errno));
}

static void breakpoint_by_poketext(void)
{
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, child, step_code, 0);
	CHECK(errno == 0, "PEEKTEXT: %s", strerror(errno));
	CHECK((word & 0xff) == 0x90, "PEEKTEXT: 0x%lx", word);
	CHECK(ptrace(PTRACE_POKETEXT, child, step_code, (word & ~0xffL) | 0xcc) == 0,
	      "POKETEXT: %s", strerror(errno));
	errno = 0;
	long now = ptrace(PTRACE_PEEKTEXT, child, step_code, 0);
	CHECK(now == ((word & ~0xffL) | 0xcc), "PEEKTEXT after POKETEXT: 0x%lx", now);
	/* The child's text page is its own copy now: ours still has the nop. */
	CHECK((unsigned char)step_code[0] == 0x90, "POKETEXT changed the tracer's text: 0x%x",
	      (unsigned char)step_code[0]);
	resume(PTRACE_CONT, 0);
	show_stop("breakpoint", SIGTRAP);
	CHECK(ptrace(PTRACE_POKETEXT, child, step_code, word) == 0, "POKETEXT back: %s",
	      strerror(errno));
	struct user_regs_struct r = regs();
	CHECK(r.rip == (uint64_t)step_code + 1, "rip after int3 %+ld", off(r.rip));
	r.rip = (uint64_t)step_code;
	CHECK(ptrace(PTRACE_SETREGS, child, 0, &r) == 0, "SETREGS: %s", strerror(errno));
}

static void fpregs(void)
{
	struct user_fpregs_struct fp;
	CHECK(ptrace(PTRACE_GETFPREGS, child, 0, &fp) == 0, "GETFPREGS: %s", strerror(errno));
	printf("fpregs: cwd 0x%x mxcsr 0x%x xmm0 %u\n", fp.cwd, fp.mxcsr, fp.xmm_space[0]);
	CHECK(fp.xmm_space[0] == 12, "xmm0 %u, expected 12", fp.xmm_space[0]);
	/* NT_X86_XSTATE: the FXSAVE image, whose first software-reserved
	 * word is XCR0 as XGETBV reads it, then the XSAVE header; as long as
	 * CPUID 0xd says the enabled features' area is. */
	static uint64_t xs[8192 / 8];
	struct iovec iov = {xs, sizeof(xs)};
	CHECK(ptrace(PTRACE_GETREGSET, child, 0x202, &iov) == 0, "GETREGSET NT_X86_XSTATE: %s",
	      strerror(errno));
	uint32_t lo, hi, a = 0xd, b, c = 0, d;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	const unsigned char *x = (const unsigned char *)xs;
	uint64_t xcr0;
	memcpy(&xcr0, x + 464, 8);
	CHECK(xcr0 == ((uint64_t)hi << 32 | lo) && iov.iov_len == b,
	      "XSTATE: XCR0 0x%llx (XGETBV 0x%x), %zu bytes (CPUID 0xd: %u)",
	      (unsigned long long)xcr0, lo, iov.iov_len, b);
	CHECK(memcmp(x, &fp, 160) == 0 && memcmp(x + 160, fp.xmm_space, 256) == 0,
	      "XSTATE's FXSAVE image differs from GETFPREGS");
	printf("xstate: the FXSAVE image, XCR0 as XGETBV\n");
}

static void debugregs(void)
{
	for (int i = 0; i < 8; i++) {
		if (i == 4 || i == 5)
			continue;
		errno = 0;
		long v = ptrace(PTRACE_PEEKUSER, child, DEBUGREG_OFFSET + 8 * i, 0);
		CHECK(errno == 0, "PEEKUSER dr%d: %s", i, strerror(errno));
		printf("dr%d 0x%lx\n", i, v);
	}
}

/* SINGLESTEP from step_code to step_bp: one stop per instruction. */
static void single_steps(void)
{
	for (int n = 0; n < 10; n++) {
		uint64_t from = regs().rip;
		resume(PTRACE_SINGLESTEP, 0);
		show_stop("step", SIGTRAP);
		struct user_regs_struct r = regs();
		if (from == (uint64_t)step_xmm)
			fpregs();
		if (r.rip == (uint64_t)step_after_syscall)
			CHECK(r.rax == (uint64_t)child, "getpid stepped over: rax %lld",
			      (long long)r.rax);
		if (r.rip == (uint64_t)step_bp)
			return;
	}
	fail("ten steps did not reach step_bp");
}

static void breakpoint_by_proc_mem(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)child);
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	unsigned char old, cc = 0xcc;
	CHECK(pread(fd, &old, 1, (off_t)(uintptr_t)step_bp) == 1, "pread: %s", strerror(errno));
	CHECK(pwrite(fd, &cc, 1, (off_t)(uintptr_t)step_bp) == 1, "pwrite: %s", strerror(errno));
	CHECK((unsigned char)step_bp[0] == 0x90, "/proc/PID/mem changed the tracer's text");
	resume(PTRACE_CONT, 0);
	show_stop("breakpoint by /proc/PID/mem", SIGTRAP);
	CHECK(pwrite(fd, &old, 1, (off_t)(uintptr_t)step_bp) == 1, "pwrite: %s", strerror(errno));
	close(fd);
	set_rip((uint64_t)step_bp);
	resume(PTRACE_SINGLESTEP, 0);
	show_stop("step over the breakpoint", SIGTRAP);
}

static void faults(void)
{
	resume(PTRACE_CONT, 0);
	show_stop("ud2", SIGILL);
	set_rip((uint64_t)step_ud2 + 2); /* suppressed: it runs on after the ud2 */
	resume(PTRACE_CONT, 0);
	show_stop("load from 0", SIGSEGV);
	set_rip((uint64_t)step_load + 2);
	resume(PTRACE_CONT, 0);
	show_stop("int3", SIGTRAP);
}

/* A step with SIGUSR1 delivered: the stop is at the handler's start. */
static void step_into_handler(void)
{
	resume(PTRACE_SINGLESTEP, SIGUSR1);
	int sig = wait_stop("step into a handler");
	siginfo_t si = siginfo();
	struct user_regs_struct r = regs();
	printf("step into a handler: sig %d si_signo %d si_code %d at handler %d tf %d\n", sig,
	       si.si_signo, si.si_code, r.rip == (uint64_t)on_usr1, (int)!!(r.eflags & TF));
	CHECK(r.rip == (uint64_t)on_usr1, "not at the handler: rip 0x%llx",
	      (unsigned long long)r.rip);
	resume(PTRACE_CONT, 0);
	show_stop("int3 after the handler", SIGTRAP);
}

static void queue_signal(int sig, int value, int thread)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	long r = thread ? syscall(SYS_rt_tgsigqueueinfo, child, child, sig, &si)
			: syscall(SYS_rt_sigqueueinfo, child, sig, &si);
	CHECK(r == 0, "sigqueueinfo %d: %s", sig, strerror(errno));
}

static void peek(const char *which, uint32_t flags, int want)
{
	siginfo_t si[8];
	struct peeksiginfo_args a = {.off = 0, .flags = flags, .nr = 8};
	long n = syscall(SYS_ptrace, REQ_PEEKSIGINFO, child, &a, si);
	CHECK(n == want, "PEEKSIGINFO %s: %ld (%s), expected %d", which, n, strerror(errno), want);
	for (long i = 0; i < n; i++)
		printf("queued %s: signo %d code %d value %d\n", which, si[i].si_signo,
		       si[i].si_code, si[i].si_value.sival_int);
	a.off = 1;
	a.nr = 1;
	n = syscall(SYS_ptrace, REQ_PEEKSIGINFO, child, &a, si);
	CHECK(n == (want > 1), "PEEKSIGINFO %s from 1: %ld", which, n);
}

static void peeksiginfo(void)
{
	queue_signal(SIGRTMIN, 1, 0);
	queue_signal(SIGUSR1, 2, 0);
	queue_signal(SIGRTMIN, 3, 0);
	queue_signal(SIGUSR2, 4, 1);
	peek("shared", PEEKSIGINFO_SHARED, 3);
	peek("thread", 0, 1);
	struct peeksiginfo_args a = {.off = 0, .flags = 2, .nr = 1};
	siginfo_t si;
	CHECK_ERRNO(syscall(SYS_ptrace, REQ_PEEKSIGINFO, child, &a, &si), EINVAL, "flags 2");
	a = (struct peeksiginfo_args){.off = 0, .flags = 0, .nr = -1};
	CHECK_ERRNO(syscall(SYS_ptrace, REQ_PEEKSIGINFO, child, &a, &si), EINVAL, "nr -1");
	a.nr = 0;
	CHECK(syscall(SYS_ptrace, REQ_PEEKSIGINFO, child, &a, &si) == 0, "nr 0");
	a.nr = 1;
	CHECK_ERRNO(syscall(SYS_ptrace, REQ_PEEKSIGINFO, child, &a, (void *)8), EFAULT, "EFAULT");
	/* Each is a signal-delivery-stop in turn; suppressed. */
	for (int i = 0; i < 4; i++) {
		resume(PTRACE_CONT, 0);
		int sig = wait_stop("queued signal");
		siginfo_t s = siginfo();
		printf("delivered: sig %d value %d\n", sig, s.si_value.sival_int);
	}
}

/* A step over fork with PTRACE_O_TRACEFORK: the event stop first, then
 * the step's trap after the call (TRAP_BRKPT at fork_after). */
static void step_over_fork(void)
{
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(90);
		raise(SIGSTOP);
		((void (*)(void))fork_code)();
		_exit(91);
	}
	CHECK(wait_stop("SIGSTOP") == SIGSTOP, "the first stop is not SIGSTOP");
	CHECK(ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK) == 0,
	      "SETOPTIONS: %s", strerror(errno));
	set_rip((uint64_t)fork_code);
	resume(PTRACE_SINGLESTEP, 0);
	show_stop("step to the fork", SIGTRAP);
	resume(PTRACE_SINGLESTEP, 0);
	int st;
	CHECK(waitpid(child, &st, __WALL) == child && WIFSTOPPED(st), "fork event: 0x%x", st);
	printf("step over fork: event %d\n", st >> 16);
	unsigned long gc;
	CHECK(ptrace(PTRACE_GETEVENTMSG, child, 0, &gc) == 0, "GETEVENTMSG: %s", strerror(errno));
	int gst;
	CHECK(waitpid((pid_t)gc, &gst, __WALL) == (pid_t)gc && WIFSTOPPED(gst), "grandchild 0x%x",
	      gst);
	resume(PTRACE_SINGLESTEP, 0);
	show_stop("after the fork", SIGTRAP);
	CHECK(regs().rax == gc, "fork's result %lld, expected %lu", (long long)regs().rax, gc);
	CHECK(kill(child, SIGKILL) == 0 && waitpid(child, &st, 0) == child, "kill");
	CHECK(kill((pid_t)gc, SIGKILL) == 0, "kill grandchild");
	waitpid((pid_t)gc, &gst, __WALL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(90);
		raise(SIGSTOP);
		((void (*)(void))step_code)();
		_exit(91);
	}
	CHECK(wait_stop("SIGSTOP") == SIGSTOP, "the first stop is not SIGSTOP");
	CHECK(ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_EXITKILL) == 0, "SETOPTIONS: %s",
	      strerror(errno));
	breakpoint_by_poketext();
	single_steps();
	debugregs();
	breakpoint_by_proc_mem();
	faults();
	step_into_handler();
	peeksiginfo();
	int st;
	resume(PTRACE_CONT, 0);
	CHECK(waitpid(child, &st, 0) == child, "waitpid: %s", strerror(errno));
	printf("exit: %s %d\n", WIFEXITED(st) ? "status" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "child status 0x%x", st);
	CHECK(ptrace(PTRACE_SINGLESTEP, child, 0, 0) == -1 && errno == ESRCH,
	      "SINGLESTEP of a reaped child: %s", strerror(errno));
	step_over_fork();
	return 0;
}
