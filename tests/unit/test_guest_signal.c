/* test_guest_signal.c - signals without a CPU: a real kernel (64 MiB) and a
 * process with a stack, a buffer and an altstack area. Frames are read back
 * through copy_from_user and parsed with glibc's own ucontext_t and
 * siginfo_t, an oracle independent of sigframe.c's structures; system
 * calls go through kernel_syscall (which delivers on the way out). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define STACK_LO 0x100000ULL /* [STACK_LO, STACK_HI) read-write */
#define STACK_HI 0x120000ULL
#define BUF 0x200000ULL      /* one read-write page for syscall arguments */
#define ALT 0x300000ULL      /* 16 KiB for an alternate stack */
#define ALT_SIZE 0x4000ULL
#define UNMAPPED 0x500000ULL

#define HANDLER 0x401000ULL
#define RESTORER 0x402000ULL
#define KSA_RESTORER 0x04000000ULL
#define FRAME_SIZE 440       /* pretcode + kernel ucontext (304) + siginfo (128) */
#define UC_OFF 8
#define INFO_OFF 312
#define UC_BYTES 304         /* glibc's ucontext_t agrees up to uc_sigmask's first word */
#define SYSCALL_RIP 0x401500ULL

static void setup(void)
{
	guest_setup(NULL);
	unsigned rw = VM_READ | VM_WRITE;
	map(STACK_LO, STACK_HI - STACK_LO, rw);
	map(BUF, PAGE_SIZE, rw);
	map(ALT, ALT_SIZE, rw);
	p->ctx.rsp = STACK_HI - 0x1003; /* odd on purpose: the frame aligns itself */
	p->ctx.rip = SYSCALL_RIP;
	p->ctx.rflags = 0x202;
}

/* A SYSCALL at SYSCALL_RIP; returns rax. */
static int64_t sc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	kernel_current_context(k)->rip = SYSCALL_RIP;
	return guest_syscall(nr, a0, a1, a2, a3);
}

static void put(uint64_t va, const void *src, size_t n)
{
	ck_assert_int_eq(copy_to_user(k, va, src, n), 0);
}

static void get(void *dst, uint64_t va, size_t n)
{
	ck_assert_int_eq(copy_from_user(k, dst, va, n), 0);
}

static void set_action(int sig, uint64_t handler, uint64_t flags, uint64_t mask)
{
	struct k_sigaction ka = {handler, flags | KSA_RESTORER, RESTORER, mask};
	put(BUF, &ka, sizeof(ka));
	ck_assert_int_eq(sc(SYS_rt_sigaction, (uint64_t)sig, BUF, 0, 8), 0);
}

static void send(int sig, int pid)
{
	struct ksiginfo info = {.signo = sig, .code = SI_USER, .pid = pid, .uid = 1000};
	signal_send(k, p, &info);
}

/* Fatal signals report on stderr: captured, so the test can read it. */
static FILE *capture;
static int saved_stderr;

static void capture_begin(void)
{
	capture = tmpfile();
	ck_assert_ptr_nonnull(capture);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(capture), 2);
}

/* The first captured line ("" when none). */
static void capture_end(char *line, size_t n)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(capture);
	if (!fgets(line, (int)n, capture))
		line[0] = 0;
	fclose(capture);
}

/* The frame at the current rsp, as glibc sees it in a handler. */
struct frame_view {
	uint64_t pretcode;
	ucontext_t uc;
	siginfo_t si;
};

static void read_frame(uint64_t at, struct frame_view *f)
{
	uint8_t raw[FRAME_SIZE];
	get(raw, at, sizeof(raw));
	memset(f, 0, sizeof(*f));
	memcpy(&f->pretcode, raw, 8);
	memcpy(&f->uc, raw + UC_OFF, UC_BYTES);
	memcpy(&f->si, raw + INFO_OFF, sizeof(f->si));
}

static uint64_t mask_of(const ucontext_t *uc)
{
	uint64_t m;
	memcpy(&m, &uc->uc_sigmask, sizeof(m));
	return m;
}

/* ---- classification and order ---- */

START_TEST(default_actions)
{
	ck_assert_int_eq(signal_default_action(SIGTERM), SIG_DEFAULT_TERM);
	ck_assert_int_eq(signal_default_action(SIGKILL), SIG_DEFAULT_TERM);
	ck_assert_int_eq(signal_default_action(SIGPIPE), SIG_DEFAULT_TERM);
	ck_assert_int_eq(signal_default_action(SIGUSR1), SIG_DEFAULT_TERM);
	ck_assert_int_eq(signal_default_action(SIGRTMIN + 3), SIG_DEFAULT_TERM);
	ck_assert_int_eq(signal_default_action(SIGSEGV), SIG_DEFAULT_CORE);
	ck_assert_int_eq(signal_default_action(SIGQUIT), SIG_DEFAULT_CORE);
	ck_assert_int_eq(signal_default_action(SIGABRT), SIG_DEFAULT_CORE);
	ck_assert_int_eq(signal_default_action(SIGSYS), SIG_DEFAULT_CORE);
	ck_assert_int_eq(signal_default_action(SIGCHLD), SIG_DEFAULT_IGNORE);
	ck_assert_int_eq(signal_default_action(SIGWINCH), SIG_DEFAULT_IGNORE);
	ck_assert_int_eq(signal_default_action(SIGURG), SIG_DEFAULT_IGNORE);
	ck_assert_int_eq(signal_default_action(SIGSTOP), SIG_DEFAULT_STOP);
	ck_assert_int_eq(signal_default_action(SIGTSTP), SIG_DEFAULT_STOP);
	ck_assert_int_eq(signal_default_action(SIGTTIN), SIG_DEFAULT_STOP);
	ck_assert_int_eq(signal_default_action(SIGTTOU), SIG_DEFAULT_STOP);
	/* SIGCONT acts when sent; delivered, it is ignored. */
	ck_assert_int_eq(signal_default_action(SIGCONT), SIG_DEFAULT_IGNORE);
}
END_TEST

START_TEST(order_kill_first_then_lowest)
{
	p->sig.blocked = sig_bit(SIGINT);
	send(SIGUSR2, 5);
	send(SIGINT, 5);
	send(SIGHUP, 5);
	ck_assert_int_eq(signal_next(p), SIGHUP);
	send(SIGKILL, 5);
	ck_assert_int_eq(signal_next(p), SIGKILL);
	p->sig.pending.signal &= ~(sig_bit(SIGKILL) | sig_bit(SIGHUP));
	ck_assert_int_eq(signal_next(p), SIGUSR2); /* SIGINT is blocked */
	p->sig.pending.signal &= ~sig_bit(SIGUSR2);
	ck_assert_int_eq(signal_next(p), 0);
}
END_TEST

START_TEST(send_keeps_first_and_drops_ignored)
{
	send(SIGUSR1, 11);
	send(SIGUSR1, 12);
	ck_assert_int_eq(p->sig.pending.info[SIGUSR1].pid, 11);
	send(SIGCHLD, 11); /* default: ignore */
	ck_assert(!(p->sig.pending.signal & sig_bit(SIGCHLD)));
	p->sighand->action[SIGUSR2].handler = KSIG_IGN;
	send(SIGUSR2, 11);
	ck_assert(!(p->sig.pending.signal & sig_bit(SIGUSR2)));
	/* Blocked, an ignored signal is kept: the action may change. */
	p->sig.blocked = sig_bit(SIGUSR2);
	send(SIGUSR2, 11);
	ck_assert(p->sig.pending.signal & sig_bit(SIGUSR2));
}
END_TEST

START_TEST(send_wakes_blocked_process)
{
	process_block(k, &p->sig.pending);
	p->sig.blocked = sig_bit(SIGUSR1);
	send(SIGUSR1, 3);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	send(SIGUSR2, 3);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert_ptr_null(p->wait_chan);
}
END_TEST

/* ---- system call rules ---- */

START_TEST(sigaction_rules)
{
	struct k_sigaction ka = {HANDLER, SA_SIGINFO | KSA_RESTORER, RESTORER, ~0ULL}, old;
	put(BUF, &ka, sizeof(ka));
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGUSR1, BUF, 0, 4), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigaction, 0, BUF, 0, 8), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigaction, 65, BUF, 0, 8), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGKILL, BUF, 0, 8), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGSTOP, BUF, 0, 8), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGKILL, 0, BUF + 64, 8), 0); /* query only */
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGUSR1, UNMAPPED, 0, 8), -EFAULT);
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGUSR1, BUF, UNMAPPED, 8), -EFAULT);
	/* The last call set the action before failing to write the old one. */
	ck_assert_uint_eq(p->sighand->action[SIGUSR1].handler, HANDLER);
	ck_assert_int_eq(sc(SYS_rt_sigaction, SIGUSR1, 0, BUF + 64, 8), 0);
	get(&old, BUF + 64, sizeof(old));
	ck_assert_uint_eq(old.handler, HANDLER);
	ck_assert_uint_eq(old.restorer, RESTORER);
	ck_assert_uint_eq(old.flags, SA_SIGINFO | KSA_RESTORER);
	/* SIGKILL and SIGSTOP never enter sa_mask. */
	ck_assert_uint_eq(old.mask, ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP)));
	/* Setting SIG_IGN discards a pending instance. */
	p->sig.blocked = sig_bit(SIGUSR1);
	send(SIGUSR1, 1);
	set_action(SIGUSR1, KSIG_IGN, 0, 0);
	ck_assert(!(p->sig.pending.signal & sig_bit(SIGUSR1)));
}
END_TEST

START_TEST(sigprocmask_rules)
{
	uint64_t set = sig_bit(SIGUSR1) | sig_bit(SIGKILL) | sig_bit(SIGSTOP), old;
	put(BUF, &set, sizeof(set));
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, SIG_BLOCK, BUF, 0, 16), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, 7, BUF, 0, 8), -EINVAL);
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, 7, 0, BUF + 8, 8), 0); /* how unchecked */
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, SIG_BLOCK, UNMAPPED, 0, 8), -EFAULT);
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, SIG_BLOCK, BUF, 0, 8), 0);
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGUSR1));
	set = sig_bit(SIGUSR2);
	put(BUF, &set, sizeof(set));
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, SIG_BLOCK, BUF, BUF + 8, 8), 0);
	get(&old, BUF + 8, sizeof(old));
	ck_assert_uint_eq(old, sig_bit(SIGUSR1));
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, SIG_UNBLOCK, BUF, 0, 8), 0);
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGUSR1));
	ck_assert_int_eq(sc(SYS_rt_sigprocmask, SIG_SETMASK, BUF, 0, 8), 0);
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGUSR2));
	/* rt_sigpending: only what is blocked. */
	send(SIGUSR2, 1);
	ck_assert_int_eq(sc(SYS_rt_sigpending, BUF + 16, 8, 0, 0), 0);
	get(&old, BUF + 16, sizeof(old));
	ck_assert_uint_eq(old, sig_bit(SIGUSR2));
	ck_assert_int_eq(sc(SYS_rt_sigpending, BUF + 16, 9, 0, 0), -EINVAL);
}
END_TEST

START_TEST(kill_rules)
{
	struct process *other = guest_new_process();
	other->signal->pgid = 77;
	ck_assert_int_eq(sc(SYS_kill, 9999, 0, 0, 0), -ESRCH);
	ck_assert_int_eq(sc(SYS_kill, 9999, 100, 0, 0), -ESRCH); /* ESRCH before EINVAL */
	ck_assert_int_eq(sc(SYS_kill, (uint64_t)p->pid, 65, 0, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_kill, (uint64_t)other->pid, 0, 0, 0), 0);
	ck_assert_uint_eq(other->signal->shared_pending.signal, 0);
	ck_assert_int_eq(sc(SYS_kill, (uint64_t)-77, SIGUSR1, 0, 0), 0);
	/* kill(2) signals a process: its shared pending set. */
	ck_assert(other->signal->shared_pending.signal & sig_bit(SIGUSR1));
	ck_assert_int_eq(other->signal->shared_pending.info[SIGUSR1].pid, p->pid);
	ck_assert_int_eq(other->signal->shared_pending.info[SIGUSR1].code, SI_USER);
	ck_assert_int_eq(sc(SYS_kill, (uint64_t)-78, SIGUSR1, 0, 0), -ESRCH);
	/* -1: everyone but init (pid 1, here the caller) and the caller. */
	ck_assert_int_eq(sc(SYS_kill, (uint64_t)-1, SIGUSR2, 0, 0), 0);
	ck_assert(other->signal->shared_pending.signal & sig_bit(SIGUSR2));
	ck_assert(!(p->signal->shared_pending.signal & sig_bit(SIGUSR2)));
	ck_assert_int_eq(sc(SYS_tgkill, (uint64_t)other->pid, (uint64_t)other->pid, SIGHUP, 0), 0);
	/* tgkill and tkill signal one thread: its own set. */
	ck_assert_int_eq(other->sig.pending.info[SIGHUP].code, SI_TKILL);
	ck_assert_int_eq(sc(SYS_tgkill, (uint64_t)p->pid, (uint64_t)other->pid, SIGHUP, 0), -ESRCH);
	ck_assert_int_eq(sc(SYS_tgkill, 0, 1, SIGHUP, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_tkill, 0, SIGHUP, 0, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_tkill, (uint64_t)other->pid, SIGINT, 0, 0), 0);
	ck_assert(other->sig.pending.signal & sig_bit(SIGINT));
}
END_TEST

START_TEST(process_group_rules)
{
	struct process *child = guest_new_process();
	child->signal->parent = p->signal;
	child->signal->pgid = p->signal->pgid;
	child->signal->sid = p->signal->sid;
	/* p leads its session (pid == sid): it cannot move. */
	ck_assert_int_eq(sc(SYS_setpgid, 0, 0, 0, 0), -EPERM);
	ck_assert_int_eq(sc(SYS_setsid, 0, 0, 0, 0), -EPERM);
	ck_assert_int_eq(sc(SYS_setpgid, 9999, 0, 0, 0), -ESRCH);
	ck_assert_int_eq(sc(SYS_setpgid, 0, (uint64_t)-1, 0, 0), -EINVAL);
	ck_assert_int_eq(sc(SYS_setpgid, (uint64_t)child->pid, 4242, 0, 0), -EPERM);
	ck_assert_int_eq(sc(SYS_setpgid, (uint64_t)child->pid, 0, 0, 0), 0);
	ck_assert_int_eq(child->signal->pgid, child->pid);
	ck_assert_int_eq(sc(SYS_getpgid, (uint64_t)child->pid, 0, 0, 0), child->pid);
	ck_assert_int_eq(sc(SYS_setpgid, (uint64_t)child->pid, (uint64_t)p->signal->pgid, 0, 0), 0);
	ck_assert_int_eq(sc(SYS_getpgid, (uint64_t)child->pid, 0, 0, 0), p->signal->pgid);
	ck_assert_int_eq(sc(SYS_getpgrp, 0, 0, 0, 0), p->signal->pgid);
	ck_assert_int_eq(sc(SYS_getsid, 0, 0, 0, 0), p->signal->sid);
	ck_assert_int_eq(sc(SYS_getsid, 9999, 0, 0, 0), -ESRCH);
	/* Not a child of the caller: ESRCH. */
	child->signal->parent = NULL;
	ck_assert_int_eq(sc(SYS_setpgid, (uint64_t)child->pid, 0, 0, 0), -ESRCH);
}
END_TEST

START_TEST(sigaltstack_rules)
{
	struct k_stack ss = {ALT, 0x1234, ALT_SIZE}, old;
	put(BUF, &ss, sizeof(ss));
	ck_assert_int_eq(sc(SYS_sigaltstack, BUF, 0, 0, 0), -EINVAL);
	ss = (struct k_stack){ALT, 0, 1024};
	put(BUF, &ss, sizeof(ss));
	ck_assert_int_eq(sc(SYS_sigaltstack, BUF, 0, 0, 0), -ENOMEM);
	ck_assert_int_eq(sc(SYS_sigaltstack, UNMAPPED, 0, 0, 0), -EFAULT);
	ss = (struct k_stack){ALT, 0, ALT_SIZE};
	put(BUF, &ss, sizeof(ss));
	ck_assert_int_eq(sc(SYS_sigaltstack, BUF, BUF + 32, 0, 0), 0);
	get(&old, BUF + 32, sizeof(old));
	ck_assert_int_eq(old.ss_flags, SS_DISABLE);
	ck_assert_int_eq(sc(SYS_sigaltstack, 0, BUF + 32, 0, 0), 0);
	get(&old, BUF + 32, sizeof(old));
	ck_assert_uint_eq(old.ss_sp, ALT);
	ck_assert_uint_eq(old.ss_size, ALT_SIZE);
	ck_assert_int_eq(old.ss_flags, 0);
	/* Running on it: reported SS_ONSTACK, and no change allowed. */
	p->ctx.rsp = ALT + 0x100;
	ck_assert_int_eq(sc(SYS_sigaltstack, BUF, BUF + 32, 0, 0), -EPERM);
	ck_assert_int_eq(sc(SYS_sigaltstack, 0, BUF + 32, 0, 0), 0);
	get(&old, BUF + 32, sizeof(old));
	ck_assert_int_eq(old.ss_flags, SS_ONSTACK);
}
END_TEST

/* ---- delivery ---- */

START_TEST(handler_frame_and_sigreturn)
{
	const uint64_t sa_mask = sig_bit(SIGUSR2) | sig_bit(SIGKILL);
	set_action(SIGUSR1, HANDLER, SA_SIGINFO, sa_mask);
	p->sig.blocked = sig_bit(SIGHUP);
	struct cpu_context *c = &p->ctx;
	uint64_t *reg = &c->rax;
	for (int i = 0; i < 16; i++)
		reg[i] = 0x1111111111111111ULL * (uint64_t)(i + 1);
	const uint64_t rsp = STACK_HI - 0x1003;
	c->rsp = rsp;
	c->rip = 0x401234;
	c->rflags = 0x246;
	c->fs_base = 0x7000;
	struct cpu_context before = *c;
	send(SIGUSR1, 42);
	ck_assert(signal_deliver(k, p));
	ck_assert(!(p->sig.pending.signal & sig_bit(SIGUSR1)));

	/* Below the red zone: the 512-byte FXSAVE area, 64-byte aligned, then
	 * the frame; at handler entry rsp + 8 is aligned. */
	uint64_t fpstate = (rsp - 128 - 512) & ~63ULL;
	uint64_t frame = c->rsp;
	ck_assert_uint_eq((frame + 8) % 16, 0);
	ck_assert_uint_le(frame + FRAME_SIZE, fpstate);
	ck_assert_uint_gt(frame + FRAME_SIZE + 16, fpstate);
	ck_assert_uint_eq(c->rip, HANDLER);
	ck_assert_uint_eq(c->rdi, SIGUSR1);
	ck_assert_uint_eq(c->rsi, frame + INFO_OFF);
	ck_assert_uint_eq(c->rdx, frame + UC_OFF);
	ck_assert_uint_eq(c->rax, 0);
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGHUP) | sig_bit(SIGUSR1) | sig_bit(SIGUSR2));

	struct frame_view f;
	read_frame(frame, &f);
	greg_t *g = f.uc.uc_mcontext.gregs;
	ck_assert_uint_eq(f.pretcode, RESTORER);
	ck_assert_uint_eq((uint64_t)g[REG_RAX], before.rax);
	ck_assert_uint_eq((uint64_t)g[REG_RBX], before.rbx);
	ck_assert_uint_eq((uint64_t)g[REG_RCX], before.rcx);
	ck_assert_uint_eq((uint64_t)g[REG_RDX], before.rdx);
	ck_assert_uint_eq((uint64_t)g[REG_RSI], before.rsi);
	ck_assert_uint_eq((uint64_t)g[REG_RDI], before.rdi);
	ck_assert_uint_eq((uint64_t)g[REG_RBP], before.rbp);
	ck_assert_uint_eq((uint64_t)g[REG_RSP], rsp);
	ck_assert_uint_eq((uint64_t)g[REG_R8], before.r8);
	ck_assert_uint_eq((uint64_t)g[REG_R15], before.r15);
	ck_assert_uint_eq((uint64_t)g[REG_RIP], 0x401234);
	ck_assert_uint_eq((uint64_t)g[REG_EFL], 0x246);
	ck_assert_uint_eq((uint64_t)g[REG_CSGSFS] & 0xffff, 0x33);
	ck_assert_uint_eq((uint64_t)g[REG_OLDMASK], sig_bit(SIGHUP));
	ck_assert_uint_eq(mask_of(&f.uc), sig_bit(SIGHUP));
	ck_assert_uint_eq((uint64_t)f.uc.uc_mcontext.fpregs, fpstate);
	ck_assert_int_eq(f.uc.uc_stack.ss_flags, SS_DISABLE);
	ck_assert_int_eq(f.si.si_signo, SIGUSR1);
	ck_assert_int_eq(f.si.si_code, SI_USER);
	ck_assert_int_eq(f.si.si_pid, 42);
	ck_assert_int_eq(f.si.si_uid, 1000);

	/* The handler changes a register and the saved mask, then returns
	 * through the restorer: ret popped pretcode. */
	g[REG_RBX] = 0xbbbb;
	g[REG_EFL] = 0x3ffff; /* IOPL, IF, ... are not the handler's to change */
	uint64_t new_mask = sig_bit(SIGINT) | sig_bit(SIGKILL);
	memcpy(&f.uc.uc_sigmask, &new_mask, sizeof(new_mask));
	put(frame + UC_OFF, &f.uc, UC_BYTES);
	c->rsp = frame + 8;
	c->rip = RESTORER;
	c->rax = SYS_rt_sigreturn;
	kernel_syscall(k, c);
	ck_assert_uint_eq(c->rip, 0x401234);
	ck_assert_uint_eq(c->rsp, rsp);
	ck_assert_uint_eq(c->rax, before.rax);
	ck_assert_uint_eq(c->rbx, 0xbbbb);
	ck_assert_uint_eq(c->rcx, before.rcx);
	ck_assert_uint_eq(c->r11, before.r11);
	ck_assert_uint_eq(c->r15, before.r15);
	ck_assert_uint_eq(c->fs_base, 0x7000);
	ck_assert_uint_eq(c->rflags, (0x246 & ~0x40dd5ULL) | (0x3ffff & 0x40dd5ULL));
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGINT));
}
END_TEST

START_TEST(sigreturn_bad_frame)
{
	char line[256];
	p->ctx.rsp = UNMAPPED + 8;
	p->ctx.rax = SYS_rt_sigreturn;
	capture_begin();
	kernel_syscall(k, &p->ctx);
	capture_end(line, sizeof(line));
	ck_assert_msg(strstr(line, "killed by SIGSEGV") != NULL, "report: %s", line);
	ck_assert(p->exited);
	ck_assert_int_eq(p->term_signal, SIGSEGV);
}
END_TEST

START_TEST(flags_nodefer_resethand_siginfo_chld)
{
	set_action(SIGCHLD, HANDLER, SA_SIGINFO | SA_NODEFER | SA_RESETHAND, 0);
	struct ksiginfo info = {.signo = SIGCHLD, .code = CLD_EXITED, .pid = 9, .uid = 5,
				.status = 3};
	signal_send(k, p, &info);
	ck_assert(signal_deliver(k, p));
	ck_assert_uint_eq(p->sig.blocked, 0);
	ck_assert_uint_eq(p->sighand->action[SIGCHLD].handler, KSIG_DFL);
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	ck_assert_int_eq(f.si.si_code, CLD_EXITED);
	ck_assert_int_eq(f.si.si_pid, 9);
	ck_assert_int_eq(f.si.si_uid, 5);
	ck_assert_int_eq(f.si.si_status, 3);
}
END_TEST

START_TEST(default_term_and_ignore)
{
	send(SIGWINCH, 1); /* dropped at once */
	p->sig.blocked = sig_bit(SIGURG);
	send(SIGURG, 1);
	p->sig.blocked = 0;
	ck_assert(!signal_deliver(k, p)); /* ignored when delivered */
	ck_assert(!p->exited);
	ck_assert_uint_eq(p->sig.pending.signal, 0);
	send(SIGTERM, 1);
	char line[256];
	capture_begin();
	ck_assert(signal_deliver(k, p));
	capture_end(line, sizeof(line));
	ck_assert_str_eq(line, ""); /* kill(2) deaths are silent, as on Linux */
	ck_assert(p->exited);
	ck_assert_int_eq(p->term_signal, SIGTERM);
	ck_assert(!p->core_dumped);
}
END_TEST

START_TEST(default_core)
{
	p->signal->rlim[RLIMIT_CORE].rlim_cur = RLIM_INFINITY;
	send(SIGQUIT, 1);
	ck_assert(signal_deliver(k, p));
	ck_assert_int_eq(p->term_signal, SIGQUIT);
	ck_assert(p->core_dumped);
}
END_TEST

/* Below a page of RLIMIT_CORE no core is written (do_coredump). */
START_TEST(default_core_limit)
{
	p->signal->rlim[RLIMIT_CORE].rlim_cur = 4095;
	send(SIGQUIT, 1);
	ck_assert(signal_deliver(k, p));
	ck_assert_int_eq(p->term_signal, SIGQUIT);
	ck_assert(!p->core_dumped);
}
END_TEST

START_TEST(kill_self_runs_handler_after_syscall)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO, 0);
	ck_assert_int_eq(sc(SYS_kill, (uint64_t)p->pid, SIGUSR1, 0, 0), 0);
	/* kernel_syscall delivered on the way out: the frame holds kill's 0. */
	ck_assert_uint_eq(p->ctx.rip, HANDLER);
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	ck_assert_int_eq(f.uc.uc_mcontext.gregs[REG_RAX], 0);
	ck_assert_uint_eq((uint64_t)f.uc.uc_mcontext.gregs[REG_RIP], SYSCALL_RIP + 2);
	ck_assert_int_eq(f.si.si_pid, p->pid);
}
END_TEST

/* A page fault queued by the fault handler, with and without a handler. */
static void queue_segv(void)
{
	p->ctx.rip = 0x401777;
	p->pending_fatal = SIGSEGV;
	p->fault.addr = UNMAPPED + 0x12;
	p->fault.error_code = 0x6;
	p->fault.kind = MMU_FAULT_NOT_PRESENT;
	p->fault.access = MMU_WRITE;
	p->fault.si_code = SEGV_MAPERR;
}

START_TEST(fault_to_handler)
{
	set_action(SIGSEGV, HANDLER, SA_SIGINFO, 0);
	queue_segv();
	ck_assert(signal_deliver(k, p));
	ck_assert_int_eq(p->pending_fatal, 0);
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	greg_t *g = f.uc.uc_mcontext.gregs;
	ck_assert_int_eq(g[REG_TRAPNO], 14);
	ck_assert_int_eq(g[REG_ERR], 0x6);
	ck_assert_uint_eq((uint64_t)g[REG_CR2], UNMAPPED + 0x12);
	ck_assert_uint_eq((uint64_t)g[REG_RIP], 0x401777);
	ck_assert_int_eq(f.si.si_signo, SIGSEGV);
	ck_assert_int_eq(f.si.si_code, SEGV_MAPERR);
	ck_assert_ptr_eq(f.si.si_addr, (void *)(UNMAPPED + 0x12));
}
END_TEST

START_TEST(fault_blocked_is_forced)
{
	p->signal->rlim[RLIMIT_CORE].rlim_cur = RLIM_INFINITY;
	set_action(SIGSEGV, HANDLER, SA_SIGINFO, 0);
	p->sig.blocked = sig_bit(SIGSEGV);
	queue_segv();
	char line[256];
	capture_begin();
	ck_assert(signal_deliver(k, p));
	capture_end(line, sizeof(line));
	ck_assert_msg(strstr(line, "vmemu: pid 1 killed by SIGSEGV: rip 0x401777 addr 0x500012 "
				   "(not-present, write, user; error code 0x6") == line,
		      "report: %s", line);
	ck_assert(p->exited);
	ck_assert_int_eq(p->term_signal, SIGSEGV);
	ck_assert(p->core_dumped);
}
END_TEST

START_TEST(cpu_exception_siginfo)
{
	set_action(SIGILL, HANDLER, SA_SIGINFO, 0);
	p->ctx.rip = 0x401999;
	kernel_raise_fatal(k, SIGILL);
	ck_assert(signal_deliver(k, p));
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	ck_assert_int_eq(f.si.si_code, ILL_ILLOPN);
	ck_assert_ptr_eq(f.si.si_addr, (void *)0x401999);
	ck_assert_int_eq(f.uc.uc_mcontext.gregs[REG_TRAPNO], 6);
}
END_TEST

START_TEST(frame_unwritable_kills)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO, 0);
	p->ctx.rsp = UNMAPPED + 0x800;
	send(SIGUSR1, 1);
	char line[256];
	capture_begin();
	ck_assert(signal_deliver(k, p));
	capture_end(line, sizeof(line));
	ck_assert_msg(strstr(line, "killed by SIGSEGV") != NULL, "report: %s", line);
	ck_assert(p->exited);
	ck_assert_int_eq(p->term_signal, SIGSEGV);
}
END_TEST

START_TEST(no_restorer_kills)
{
	struct k_sigaction ka = {HANDLER, SA_SIGINFO, 0, 0};
	p->sighand->action[SIGUSR1] = ka;
	send(SIGUSR1, 1);
	char line[256];
	capture_begin();
	ck_assert(signal_deliver(k, p));
	capture_end(line, sizeof(line));
	ck_assert_msg(strstr(line, "killed by SIGSEGV") != NULL, "report: %s", line);
	ck_assert_int_eq(p->term_signal, SIGSEGV);
}
END_TEST

START_TEST(altstack_frame_and_autodisarm)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO | SA_ONSTACK, 0);
	struct k_stack ss = {ALT, (int32_t)(1U << 31) /* SS_AUTODISARM */, ALT_SIZE};
	put(BUF, &ss, sizeof(ss));
	ck_assert_int_eq(sc(SYS_sigaltstack, BUF, 0, 0, 0), 0);
	send(SIGUSR1, 1);
	ck_assert(signal_deliver(k, p));
	uint64_t frame = p->ctx.rsp;
	ck_assert_uint_ge(frame, ALT);
	ck_assert_uint_le(frame + FRAME_SIZE, ALT + ALT_SIZE);
	ck_assert_uint_eq((frame + 8) % 16, 0);
	/* Disarmed while the handler runs; the frame keeps the settings. */
	ck_assert_uint_eq(p->sig.altstack_size, 0);
	struct frame_view f;
	read_frame(frame, &f);
	ck_assert_ptr_eq(f.uc.uc_stack.ss_sp, (void *)ALT);
	ck_assert_uint_eq(f.uc.uc_stack.ss_size, ALT_SIZE);
	ck_assert_uint_eq((unsigned)f.uc.uc_stack.ss_flags, 1U << 31);
	/* rt_sigreturn re-arms it. */
	p->ctx.rsp = frame + 8;
	p->ctx.rax = SYS_rt_sigreturn;
	kernel_syscall(k, &p->ctx);
	ck_assert_uint_eq(p->sig.altstack_sp, ALT);
	ck_assert_uint_eq(p->sig.altstack_size, ALT_SIZE);
}
END_TEST

START_TEST(altstack_overflow_kills)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO | SA_ONSTACK, 0);
	p->sig.altstack_sp = ALT;
	p->sig.altstack_size = ALT_SIZE;
	p->ctx.rsp = ALT + 0x100; /* nested, no room left below */
	send(SIGUSR1, 1);
	char line[256];
	capture_begin();
	ck_assert(signal_deliver(k, p));
	capture_end(line, sizeof(line));
	ck_assert_msg(strstr(line, "killed by SIGSEGV") != NULL, "report: %s", line);
	ck_assert_int_eq(p->term_signal, SIGSEGV);
}
END_TEST

/* ---- interrupted system calls ---- */

static int pipe_read_end(void)
{
	ck_assert_int_eq(sc(SYS_pipe2, BUF + 128, 0, 0, 0), 0);
	int fds[2];
	get(fds, BUF + 128, sizeof(fds));
	return fds[0];
}

static void interrupted_read(uint64_t flags, uint64_t *saved_rax, uint64_t *saved_rip)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO | flags, 0);
	int fd = pipe_read_end();
	sc(SYS_read, (uint64_t)fd, BUF + 256, 16, 0);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert(p->restart_syscall);
	ck_assert_uint_eq(p->ctx.rip, SYSCALL_RIP);
	send(SIGUSR1, 1);
	ck_assert_int_eq(p->state, PROC_RUNNABLE);
	ck_assert(signal_deliver(k, p));
	ck_assert(!p->restart_syscall);
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	*saved_rax = (uint64_t)f.uc.uc_mcontext.gregs[REG_RAX];
	*saved_rip = (uint64_t)f.uc.uc_mcontext.gregs[REG_RIP];
	ck_assert_uint_eq((uint64_t)f.uc.uc_mcontext.gregs[REG_RCX], SYSCALL_RIP + 2);
}

START_TEST(read_restarts_with_sa_restart)
{
	uint64_t rax, rip;
	interrupted_read(SA_RESTART, &rax, &rip);
	ck_assert_uint_eq(rax, SYS_read);
	ck_assert_uint_eq(rip, SYSCALL_RIP);
}
END_TEST

START_TEST(read_eintr_without_sa_restart)
{
	uint64_t rax, rip;
	interrupted_read(0, &rax, &rip);
	ck_assert_int_eq((int64_t)rax, -EINTR);
	ck_assert_uint_eq(rip, SYSCALL_RIP + 2);
}
END_TEST

START_TEST(sigsuspend_waits_and_restores_mask)
{
	set_action(SIGUSR2, HANDLER, SA_SIGINFO | SA_RESTART, 0);
	p->sig.blocked = sig_bit(SIGUSR2) | sig_bit(SIGHUP);
	uint64_t none = 0;
	put(BUF, &none, sizeof(none));
	ck_assert_int_eq(sc(SYS_rt_sigsuspend, BUF, 4, 0, 0), -EINVAL);
	sc(SYS_rt_sigsuspend, BUF, 8, 0, 0);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	ck_assert_uint_eq(p->sig.blocked, 0);
	/* Nothing to deliver while it sleeps. */
	ck_assert(!signal_deliver(k, p));
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	send(SIGUSR2, 1);
	ck_assert(signal_deliver(k, p));
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	/* EINTR despite SA_RESTART; the frame restores the caller's mask. */
	ck_assert_int_eq(f.uc.uc_mcontext.gregs[REG_RAX], -EINTR);
	ck_assert_uint_eq(mask_of(&f.uc), sig_bit(SIGUSR2) | sig_bit(SIGHUP));
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGUSR2));
	ck_assert(!p->sig.restore_blocked);
}
END_TEST

START_TEST(sigsuspend_with_pending_signal)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO, 0);
	p->sig.blocked = sig_bit(SIGUSR1);
	send(SIGUSR1, 1);
	uint64_t none = 0;
	put(BUF, &none, sizeof(none));
	ck_assert_int_eq(sc(SYS_rt_sigsuspend, BUF, 8, 0, 0), 0); /* rax: handler entry */
	ck_assert_uint_eq(p->ctx.rip, HANDLER);
	struct frame_view f;
	read_frame(p->ctx.rsp, &f);
	ck_assert_int_eq(f.uc.uc_mcontext.gregs[REG_RAX], -EINTR);
	ck_assert_uint_eq(mask_of(&f.uc), sig_bit(SIGUSR1));
}
END_TEST

START_TEST(pause_interrupted_by_kill)
{
	set_action(SIGUSR1, HANDLER, SA_SIGINFO, 0);
	sc(SYS_pause, 0, 0, 0, 0);
	ck_assert_int_eq(p->state, PROC_BLOCKED);
	send(SIGTERM, 1);
	ck_assert(signal_deliver(k, p));
	ck_assert_int_eq(p->term_signal, SIGTERM);
}
END_TEST

START_TEST(exec_resets_handlers)
{
	p->sighand->action[SIGUSR1] = (struct k_sigaction){HANDLER, SA_RESTART, RESTORER, 5};
	p->sighand->action[SIGUSR2].handler = KSIG_IGN;
	p->sig.altstack_sp = ALT;
	p->sig.altstack_size = ALT_SIZE;
	p->sig.blocked = sig_bit(SIGUSR1);
	send(SIGUSR1, 1);
	signal_exec(p);
	ck_assert_uint_eq(p->sighand->action[SIGUSR1].handler, KSIG_DFL);
	ck_assert_uint_eq(p->sighand->action[SIGUSR1].mask, 0);
	ck_assert_uint_eq(p->sighand->action[SIGUSR2].handler, KSIG_IGN);
	ck_assert_uint_eq(p->sig.blocked, sig_bit(SIGUSR1));
	ck_assert(p->sig.pending.signal & sig_bit(SIGUSR1));
	ck_assert_uint_eq(p->sig.altstack_size, 0);
}
END_TEST

static Suite *signal_suite(void)
{
	Suite *s = suite_create("guest_signal");
	TCase *t = unit_tcase(s, "rules", setup, guest_teardown);
	tcase_add_test(t, default_actions);
	tcase_add_test(t, order_kill_first_then_lowest);
	tcase_add_test(t, send_keeps_first_and_drops_ignored);
	tcase_add_test(t, send_wakes_blocked_process);
	tcase_add_test(t, sigaction_rules);
	tcase_add_test(t, sigprocmask_rules);
	tcase_add_test(t, kill_rules);
	tcase_add_test(t, process_group_rules);
	tcase_add_test(t, sigaltstack_rules);
	tcase_add_test(t, exec_resets_handlers);

	t = unit_tcase(s, "delivery", setup, guest_teardown);
	tcase_add_test(t, handler_frame_and_sigreturn);
	tcase_add_test(t, sigreturn_bad_frame);
	tcase_add_test(t, flags_nodefer_resethand_siginfo_chld);
	tcase_add_test(t, default_term_and_ignore);
	tcase_add_test(t, default_core);
	tcase_add_test(t, default_core_limit);
	tcase_add_test(t, kill_self_runs_handler_after_syscall);
	tcase_add_test(t, fault_to_handler);
	tcase_add_test(t, fault_blocked_is_forced);
	tcase_add_test(t, cpu_exception_siginfo);
	tcase_add_test(t, frame_unwritable_kills);
	tcase_add_test(t, no_restorer_kills);
	tcase_add_test(t, altstack_frame_and_autodisarm);
	tcase_add_test(t, altstack_overflow_kills);

	t = unit_tcase(s, "interrupted", setup, guest_teardown);
	tcase_add_test(t, read_restarts_with_sa_restart);
	tcase_add_test(t, read_eintr_without_sa_restart);
	tcase_add_test(t, sigsuspend_waits_and_restores_mask);
	tcase_add_test(t, sigsuspend_with_pending_signal);
	tcase_add_test(t, pause_interrupted_by_kill);
	return s;
}

int main(void)
{
	return unit_run(signal_suite());
}
