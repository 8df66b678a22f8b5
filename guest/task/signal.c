/* signal.c - queuing and delivering signals, as Linux's kernel/signal.c:
 * signal_send sets a pending bit (one instance per signal), signal_deliver
 * runs before a process returns to user mode and acts on one signal: its
 * default action, or a handler frame (sigframe.c). Faults and CPU
 * exceptions arrive as p->pending_fatal and are forced through first.
 * Job control: a stop signal's default action stops the process
 * (PROC_STOPPED) until SIGCONT, which acts when it is sent; the parent
 * hears of both (SIGCHLD, wait). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "kern.h"
#include "task/internal.h"

/* x86 exception vectors, saved as sigcontext.trapno. */
#define X86_TRAP_DE 0
#define X86_TRAP_BP 3
#define X86_TRAP_UD 6
#define X86_TRAP_GP 13
#define X86_TRAP_PF 14
#define X86_TRAP_AC 17

enum sig_default signal_default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGSYS: case SIGXCPU: case SIGXFSZ:
		return SIG_DEFAULT_CORE;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SIG_DEFAULT_STOP;
	case SIGCHLD: case SIGURG: case SIGWINCH:
	case SIGCONT: /* it continued the process when it was sent */
		return SIG_DEFAULT_IGNORE;
	default: /* the rest, real-time signals too */
		return SIG_DEFAULT_TERM;
	}
}

bool signal_ignored(const struct process *p, int sig)
{
	uint64_t h = p->sig.action[sig].handler;
	return h == KSIG_IGN || (h == KSIG_DFL && signal_default_action(sig) == SIG_DEFAULT_IGNORE);
}

uint64_t signal_blockable(uint64_t mask)
{
	return mask & ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP));
}

/* True when a signal will interrupt the call now; pending unblocked
 * signals that are ignored are dropped on the way, as delivery would. */
bool signal_interrupts(struct process *p)
{
	for (int sig; (sig = signal_next(p));) {
		if (!signal_ignored(p, sig))
			return true;
		p->sig.pending &= ~sig_bit(sig);
	}
	return false;
}

int signal_next(const struct process *p)
{
	uint64_t ready = p->sig.pending & ~p->sig.blocked;
	if (!ready)
		return 0;
	if (ready & sig_bit(SIGKILL))
		return SIGKILL;
	return __builtin_ctzll(ready) + 1;
}

/* ---- job control: stop and continue ---- */

/* The signals whose default action is to stop (Linux's SIG_KERNEL_STOP_MASK). */
#define SIG_STOP_MASK (sig_bit(SIGSTOP) | sig_bit(SIGTSTP) | sig_bit(SIGTTIN) | sig_bit(SIGTTOU))

/* Tells p's parent that p stopped or continued (why: CLD_STOPPED or
 * CLD_CONTINUED): SIGCHLD unless the parent set SA_NOCLDSTOP, and a wait
 * blocked in the parent looks again either way. */
static void do_notify_parent_cldstop(struct kernel *k, struct process *p, int why)
{
	struct process *parent = p->parent;
	if (!parent)
		return;
	if (!(parent->sig.action[SIGCHLD].flags & SA_NOCLDSTOP)) {
		struct ksiginfo info = {.signo = SIGCHLD, .code = why, .pid = p->pid,
					.status = why == CLD_STOPPED ? p->stop_code : SIGCONT};
		signal_send(k, parent, &info);
	}
	kernel_wake(k, parent);
}

/* The default action of a stop signal: p leaves the run queue until
 * SIGCONT or SIGKILL. An interrupted call stays ready to restart. */
static void do_signal_stop(struct kernel *k, struct process *p, int sig)
{
	p->state = PROC_STOPPED;
	p->stop_code = sig;
	p->stop_continued = false;
	do_notify_parent_cldstop(k, p, CLD_STOPPED);
}

/* What sending sig does at once, whatever p's action for it (Linux's
 * prepare_signal): stop signals and SIGCONT cancel each other's pending
 * instances, and SIGCONT continues a stopped p. */
static void prepare_signal(struct kernel *k, struct process *p, int sig)
{
	struct signal_state *s = &p->sig;
	if (sig_bit(sig) & SIG_STOP_MASK) {
		s->pending &= ~sig_bit(SIGCONT);
		return;
	}
	if (sig != SIGCONT)
		return;
	s->pending &= ~SIG_STOP_MASK;
	if (p->state == PROC_STOPPED) {
		process_wake(p);
		p->stop_code = 0; /* a stop wait has not reported is not reported now */
		p->stop_continued = true;
		do_notify_parent_cldstop(k, p, CLD_CONTINUED);
	}
}

/* p has sig pending now (Linux's signal_wake_up): a call p is blocked in
 * is interrupted unless sig is blocked; a stopped p wakes only to die of
 * SIGKILL. */
static void signal_wake_up(struct process *p, int sig)
{
	bool wake = p->state == PROC_BLOCKED ? !(p->sig.blocked & sig_bit(sig))
					     : p->state == PROC_STOPPED && sig == SIGKILL;
	if (wake)
		process_wake(p);
}

/* ---- sending ---- */

void signal_send(struct kernel *k, struct process *p, const struct ksiginfo *info)
{
	int sig = info->signo;
	struct signal_state *s = &p->sig;
	if (sig < 1 || sig > KSIG_MAX || p->exited || p->state == PROC_ZOMBIE)
		return;
	prepare_signal(k, p, sig);
	/* A blocked signal is kept even when ignored: the action may change
	 * before it is unblocked (Linux's sig_ignored). */
	if (!(s->blocked & sig_bit(sig)) && signal_ignored(p, sig))
		return;
	if (s->pending & sig_bit(sig))
		return; /* standard signals: the first instance stays */
	s->pending |= sig_bit(sig);
	s->info[sig] = *info;
	signal_wake_up(p, sig);
}

void signal_exec(struct process *p)
{
	struct signal_state *s = &p->sig;
	for (int sig = 1; sig <= KSIG_MAX; sig++) {
		uint64_t h = s->action[sig].handler == KSIG_IGN ? KSIG_IGN : KSIG_DFL;
		s->action[sig] = (struct k_sigaction){.handler = h};
	}
	s->altstack_sp = 0;
	s->altstack_size = 0;
	s->altstack_flags = 0;
	s->restore_blocked = false;
}

/* ---- synchronous signals: faults and CPU exceptions ---- */

void force_sig_fault(struct process *p, int sig, int si_code, const struct mmu_fault *f,
		     enum mmu_access access)
{
	p->pending_fatal = sig;
	p->fault.addr = f->cr2;
	p->fault.error_code = f->error_code;
	p->fault.kind = f->kind;
	p->fault.access = access;
	p->fault.si_code = si_code;
}

void force_fatal_sig(struct process *p, int sig)
{
	if (p->pending_fatal || p->exited)
		return; /* the first cause is the one to report */
	p->pending_fatal = sig;
	p->fault.kind = MMU_FAULT_NONE;
}

/* The siginfo and sigcontext fields Linux gives for the cause of
 * p->pending_fatal. */
static void fault_info(const struct process *p, struct ksiginfo *info, struct sigframe_fault *ff)
{
	int sig = p->pending_fatal;
	*info = (struct ksiginfo){.signo = sig, .code = SI_KERNEL};
	*ff = (struct sigframe_fault){0};
	if (p->fault.kind != MMU_FAULT_NONE) {
		info->code = p->fault.si_code;
		info->addr = p->fault.addr;
		*ff = (struct sigframe_fault){X86_TRAP_PF, p->fault.error_code, p->fault.addr};
	} else if (sig == SIGILL) {
		*info = (struct ksiginfo){.signo = sig, .code = ILL_ILLOPN, .addr = p->ctx.rip};
		ff->trapno = X86_TRAP_UD;
	} else if (sig == SIGFPE) {
		*info = (struct ksiginfo){.signo = sig, .code = FPE_INTDIV, .addr = p->ctx.rip};
		ff->trapno = X86_TRAP_DE;
	} else if (sig == SIGBUS) {
		info->code = BUS_ADRALN;
		ff->trapno = X86_TRAP_AC;
	} else {
		ff->trapno = sig == SIGTRAP ? X86_TRAP_BP : X86_TRAP_GP;
	}
}

bool signal_pending_fatal(const struct process *p, struct ksiginfo *info)
{
	struct sigframe_fault ff;
	if (!p->pending_fatal)
		return false;
	fault_info(p, info, &ff);
	return true;
}

/* Turns p->pending_fatal into the signal to deliver now, like Linux's
 * force_sig_fault: blocked or ignored, it gets its default action. */
static int take_fault(struct process *p, struct ksiginfo *info, struct sigframe_fault *ff)
{
	int sig = p->pending_fatal;
	fault_info(p, info, ff);
	p->pending_fatal = 0;
	struct signal_state *s = &p->sig;
	if ((s->blocked & sig_bit(sig)) || s->action[sig].handler == KSIG_IGN) {
		s->action[sig].handler = KSIG_DFL;
		s->blocked &= ~sig_bit(sig);
	}
	return sig;
}

/* The line a fatal fault leaves on stderr (the process has no handler). */
static void report_fault(const struct process *p, int sig)
{
	/* A page fault: SIGSEGV, or SIGBUS past the end of a mapped file. */
	if ((sig == SIGSEGV || sig == SIGBUS) && p->fault.kind != MMU_FAULT_NONE) {
		char ec[32];
		fprintf(stderr,
			"vmemu: pid %d killed by SIG%s: rip 0x%llx addr 0x%llx (%s, %s, user; error code 0x%x %s)\n",
			p->pid, sigabbrev_np(sig), (unsigned long long)p->ctx.rip,
			(unsigned long long)p->fault.addr,
			mmu_fault_kind_name(p->fault.kind), mmu_access_name(p->fault.access),
			p->fault.error_code, mmu_error_code_str(p->fault.error_code, ec, sizeof(ec)));
	} else {
		fprintf(stderr, "vmemu: pid %d killed by SIG%s: rip 0x%llx\n", p->pid,
			sigabbrev_np(sig), (unsigned long long)p->ctx.rip);
	}
}

/* ---- delivery ---- */

/* Calls Linux never restarts after a handler, whatever SA_RESTART says
 * (ERESTARTNOHAND, restart blocks; man 7 signal). */
static bool restarts_after_handler(uint64_t nr)
{
	switch (nr) {
	case SYS_pause: case SYS_rt_sigsuspend: case SYS_rt_sigtimedwait:
	case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
	case SYS_epoll_wait: case SYS_epoll_pwait:
	case SYS_nanosleep: case SYS_clock_nanosleep:
		return false;
	default:
		return true;
	}
}

/* p was blocked in a system call (ctx at its SYSCALL, rax its number): it
 * restarts after the handler (SA_RESTART) or returns EINTR, or the count
 * of bytes it has moved already. */
static void interrupt_syscall(struct process *p, const struct k_sigaction *ka)
{
	struct cpu_context *ctx = &p->ctx;
	p->restart_syscall = false;
	/* What the SYSCALL instruction itself did on entry. */
	ctx->rcx = ctx->rip + SYSCALL_INSN_LEN;
	ctx->r11 = ctx->rflags;
	if (p->io_done) { /* a write that moved some bytes returns their count */
		ctx->rax = p->io_done;
		ctx->rip += SYSCALL_INSN_LEN;
		return;
	}
	if (futex_end_wait(p)) { /* woken before the signal: the wake stands */
		ctx->rax = 0;
		ctx->rip += SYSCALL_INSN_LEN;
		return;
	}
	if ((ka->flags & SA_RESTART) && restarts_after_handler(ctx->rax))
		return;
	host_job_cancel(p); /* the call is over: what it waited for is not wanted */
	ctx->rax = (uint64_t)-EINTR;
	ctx->rip += SYSCALL_INSN_LEN;
}

/* No room for a frame: SIGSEGV with its default action (Linux's
 * force_sigsegv), at once. */
static void frame_failed(struct kernel *k, struct process *p, int sig)
{
	fprintf(stderr,
		"vmemu: pid %d killed by SIGSEGV: rip 0x%llx rsp 0x%llx (no room for the SIG%s signal frame)\n",
		p->pid, (unsigned long long)p->ctx.rip, (unsigned long long)p->ctx.rsp,
		sigabbrev_np(sig));
	p->sig.action[SIGSEGV].handler = KSIG_DFL;
	p->core_dumped = true;
	process_kill(k, p, SIGSEGV);
}

static void run_handler(struct kernel *k, struct process *p, int sig, const struct ksiginfo *info,
			const struct sigframe_fault *ff)
{
	struct signal_state *s = &p->sig;
	const struct k_sigaction ka = s->action[sig];
	if (p->restart_syscall)
		interrupt_syscall(p, &ka);
	/* The mask the handler's return puts back: rt_sigsuspend's caller's. */
	uint64_t mask = s->restore_blocked ? s->saved_blocked : s->blocked;
	if (sigframe_setup(k, p, &ka, info, ff, mask)) {
		frame_failed(k, p, sig);
		return;
	}
	s->restore_blocked = false;
	s->blocked |= signal_blockable(ka.mask | ((ka.flags & SA_NODEFER) ? 0 : sig_bit(sig)));
	if (ka.flags & SA_RESETHAND)
		s->action[sig].handler = KSIG_DFL;
}

/* Acts on sig; false when it was ignored (nothing changed). */
static bool deliver(struct kernel *k, struct process *p, int sig, const struct ksiginfo *info,
		    const struct sigframe_fault *ff, bool sync)
{
	uint64_t h = p->sig.action[sig].handler;
	if (h == KSIG_IGN)
		return false;
	if (h != KSIG_DFL) {
		run_handler(k, p, sig, info, ff);
		return true;
	}
	enum sig_default d = signal_default_action(sig);
	if (d == SIG_DEFAULT_IGNORE)
		return false;
	if (d == SIG_DEFAULT_STOP) {
		/* An orphaned group has no shell left to continue it: the
		 * terminal's stop signals are discarded there (POSIX). */
		if (sig != SIGSTOP && is_orphaned_pgrp(k, p->pgid))
			return false;
		do_signal_stop(k, p, sig);
		return true;
	}
	/* Like Linux, only a fault leaves a message; kill(2) deaths are silent. */
	if (sync)
		report_fault(p, sig);
	p->core_dumped = d == SIG_DEFAULT_CORE;
	process_kill(k, p, sig);
	return true;
}

bool signal_deliver(struct kernel *k, struct process *p)
{
	struct signal_state *s = &p->sig;
	if (p->exited)
		return false;
	if (p->pending_fatal) {
		if (s->pending & sig_bit(SIGKILL)) {
			p->pending_fatal = 0; /* SIGKILL wins */
		} else {
			struct ksiginfo info;
			struct sigframe_fault ff;
			int sig = take_fault(p, &info, &ff);
			return deliver(k, p, sig, &info, &ff, true);
		}
	}
	/* Blocked in a call, p stays there unless a signal interrupts it. */
	if (p->state == PROC_BLOCKED) {
		if (!signal_next(p))
			return false;
		process_wake(p);
	}
	const struct sigframe_fault none = {0};
	for (int sig; (sig = signal_next(p));) {
		struct ksiginfo info = s->info[sig];
		s->pending &= ~sig_bit(sig);
		if (deliver(k, p, sig, &info, &none, false))
			return true;
	}
	/* Back to user mode without a handler: rt_sigsuspend's mask ends. */
	if (s->restore_blocked) {
		s->blocked = s->saved_blocked;
		s->restore_blocked = false;
	}
	return false;
}
