/* cpu_user_mode: the CPU runs a process at CPL 3, as Linux does.
 * Privileged instructions (CLI, STI, HLT, RDMSR, MOV from CR0) and port I/O
 * (IN, OUT, INS, OUTS: IOPL 0, no I/O bitmap) raise #GP: SIGSEGV with
 * SI_KERNEL, trapno 13, error code 0, RIP on the instruction and the
 * registers as they were before it. SYSENTER in 64-bit mode is SIGILL
 * (#UD, AMD) or SIGSEGV (Intel). Each of several divisions by zero is a
 * SIGFPE (#DE), none a double fault. The trap flag single-steps: one
 * SIGTRAP (TRAP_TRACE, trapno 1) after each instruction, at the next one's
 * address, from the one after the POPF that sets it up to and including
 * the POPF that clears it. */
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

#include "guest_test.h"

#define X86_TRAP_GP 13
#define X86_EFLAGS_TF 0x100UL

static sigjmp_buf back;
static struct {
	int signo, code;
	uint64_t rip, trapno, err, rax, rcx, eflags;
} got;

static void on_fault(int sig, siginfo_t *si, void *uc_void)
{
	ucontext_t *uc = uc_void;
	greg_t *g = uc->uc_mcontext.gregs;
	got.signo = sig;
	got.code = si->si_code;
	got.rip = (uint64_t)g[REG_RIP];
	got.trapno = (uint64_t)g[REG_TRAPNO];
	got.err = (uint64_t)g[REG_ERR];
	got.rax = (uint64_t)g[REG_RAX];
	got.rcx = (uint64_t)g[REG_RCX];
	got.eflags = (uint64_t)g[REG_EFL];
	siglongjmp(back, 1);
}

static char got_buf[16]; /* INS/OUTS's buffer */

/* Each instruction sits at a global label, so its address is known. */
#define INSN(name, text, ...)                                                               \
	extern char name[];                                                                 \
	static __attribute__((noinline)) void run_##name(void)                              \
	{                                                                                   \
		__asm__ volatile(".globl " #name "\n" #name ": " text __VA_ARGS__);         \
	}

INSN(at_cli, "cli")
INSN(at_sti, "sti")
INSN(at_hlt, "hlt")
INSN(at_rdmsr, "rdmsr", : : "c"(0x10), "a"(0x1234) : "rdx")
INSN(at_mov_cr0, "mov %%cr0, %%rax", : : : "rax")
INSN(at_inb, "inb $0x80, %%al", : : "a"(0x1234))
INSN(at_outb, "outb %%al, $0x80", : : "a"(0x1234))
INSN(at_inl_dx, "inl %%dx, %%eax", : : "a"(0x1234), "d"(0x3f8))
INSN(at_rep_outsb, "rep outsb", : : "S"(got_buf), "c"(3), "d"(0x80), "a"(0x1234))
INSN(at_rep_insb, "rep insb", : : "D"(got_buf), "c"(3), "d"(0x80), "a"(0x1234) : "memory")
INSN(at_sysenter, "sysenter", : : "a"(0x1234) : "rcx", "r11")

static void expect_gp(const char *what, void (*run)(void), const char *at, int with_rcx)
{
	memset(&got, 0, sizeof(got));
	if (sigsetjmp(back, 1) == 0) {
		run();
		fail("%s did not fault", what);
	}
	CHECK(got.signo == SIGSEGV, "%s: signal %d, not SIGSEGV", what, got.signo);
	CHECK(got.code == SI_KERNEL, "%s: si_code %d, not SI_KERNEL", what, got.code);
	CHECK(got.trapno == X86_TRAP_GP && got.err == 0, "%s: trapno %llu err %#llx, not #GP(0)",
	      what, (unsigned long long)got.trapno, (unsigned long long)got.err);
	CHECK(got.rip == (uint64_t)(uintptr_t)at, "%s: RIP %#llx, not the instruction's %p", what,
	      (unsigned long long)got.rip, (void *)at);
	CHECK(got.rax == 0x1234 || at == at_cli || at == at_sti || at == at_hlt ||
		      at == at_mov_cr0,
	      "%s: RAX %#llx changed", what, (unsigned long long)got.rax);
	CHECK(!with_rcx || got.rcx == 3, "%s: RCX %llu, not 3 (no iteration ran)", what,
	      (unsigned long long)got.rcx);
	printf("%s: SIGSEGV #GP at the instruction\n", what);
}

/* Single-stepping a straight line. */
extern char step_nop1[], step_nop2[], step_nop3[], step_pushf2[], step_and[], step_popf2[],
	step_end[];
static uint64_t trap_rips[16], trap_nos[16];
static int trap_codes[16];
static volatile int traps;

static void on_trap(int sig, siginfo_t *si, void *uc_void)
{
	ucontext_t *uc = uc_void;
	(void)sig;
	if (traps < 16) {
		trap_rips[traps] = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
		trap_codes[traps] = si->si_code;
		trap_nos[traps] = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
	}
	traps++;
}

static void single_step(void)
{
	const char *want[] = { step_nop2, step_nop3, step_pushf2, step_and, step_popf2,
			       step_end };
	__asm__ volatile("pushfq\n\t"
			 "orq $0x100, (%%rsp)\n\t"
			 "popfq\n"
			 ".globl step_nop1\nstep_nop1: nop\n"
			 ".globl step_nop2\nstep_nop2: nop\n"
			 ".globl step_nop3\nstep_nop3: nop\n"
			 ".globl step_pushf2\nstep_pushf2: pushfq\n"
			 ".globl step_and\nstep_and: andq $~0x100, (%%rsp)\n"
			 ".globl step_popf2\nstep_popf2: popfq\n"
			 ".globl step_end\nstep_end:" ::: "memory", "cc");
	int n = traps;
	CHECK(n == 6, "single-stepping: %d traps, not 6", n);
	for (int i = 0; i < n; i++) {
		CHECK(trap_rips[i] == (uint64_t)(uintptr_t)want[i],
		      "single-stepping: trap %d at %#llx, not %p", i,
		      (unsigned long long)trap_rips[i], (void *)want[i]);
		CHECK(trap_codes[i] == TRAP_TRACE && trap_nos[i] == 1,
		      "single-stepping: trap %d si_code %d trapno %llu, not TRAP_TRACE, #DB", i,
		      trap_codes[i], (unsigned long long)trap_nos[i]);
	}
	printf("single-stepping: %d traps, each at the next instruction\n", n);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0 && sigaction(SIGILL, &sa, NULL) == 0 &&
		      sigaction(SIGFPE, &sa, NULL) == 0,
	      "sigaction: %s", strerror(errno));
	expect_gp("cli", run_at_cli, at_cli, 0);
	expect_gp("sti", run_at_sti, at_sti, 0);
	expect_gp("hlt", run_at_hlt, at_hlt, 0);
	expect_gp("rdmsr", run_at_rdmsr, at_rdmsr, 0);
	expect_gp("mov cr0", run_at_mov_cr0, at_mov_cr0, 0);
	expect_gp("inb", run_at_inb, at_inb, 0);
	expect_gp("outb", run_at_outb, at_outb, 0);
	expect_gp("inl dx", run_at_inl_dx, at_inl_dx, 0);
	expect_gp("rep outsb", run_at_rep_outsb, at_rep_outsb, 1);
	expect_gp("rep insb", run_at_rep_insb, at_rep_insb, 1);

	memset(&got, 0, sizeof(got));
	if (sigsetjmp(back, 1) == 0) {
		run_at_sysenter();
		fail("sysenter did not fault");
	}
	CHECK(got.signo == SIGILL || got.signo == SIGSEGV, "sysenter: signal %d", got.signo);
	CHECK(got.signo != SIGILL || (got.rip == (uint64_t)(uintptr_t)at_sysenter &&
				      got.code == ILL_ILLOPN && got.trapno == 6),
	      "sysenter: SIGILL at %#llx code %d trapno %llu, not #UD at %p",
	      (unsigned long long)got.rip, got.code, (unsigned long long)got.trapno,
	      (void *)at_sysenter);
	printf("sysenter: faults\n");

	for (volatile int i = 0; i < 3; i++) {
		memset(&got, 0, sizeof(got));
		if (sigsetjmp(back, 1) == 0) {
			__asm__ volatile("xor %%edx, %%edx\n\tdiv %%ecx" : : "a"(1), "c"(0) : "rdx");
			fail("division by zero %d did not fault", i);
		}
		CHECK(got.signo == SIGFPE && got.code == FPE_INTDIV && got.trapno == 0,
		      "division by zero %d: signal %d code %d trapno %llu, not SIGFPE #DE", i,
		      got.signo, got.code, (unsigned long long)got.trapno);
	}
	printf("division by zero: SIGFPE 3 times\n");

	struct sigaction st = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };
	CHECK(sigaction(SIGTRAP, &st, NULL) == 0, "sigaction: %s", strerror(errno));
	single_step();
	return 0;
}
