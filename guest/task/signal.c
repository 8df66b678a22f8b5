/* signal.c - queuing and delivering signals, as Linux's kernel/signal.c:
 * signal_send sets a pending bit in a thread's own set, group_send_sig in
 * its process's shared set (a standard signal has one instance; every
 * instance of a real-time signal, or a timer's, is queued in order with
 * its siginfo); signal_dequeue takes one for rt_sigtimedwait; signal_deliver
 * runs before a thread returns to user mode and acts on one signal of
 * either set: its default action, or a handler frame (sigframe.c).
 * Faults and CPU exceptions arrive as p->pending_fatal and are forced
 * through first. A fatal default action ends the whole process. Job
 * control: a stop signal's default action stops the process (each thread
 * PROC_STOPPED on its way to user mode) until SIGCONT, which acts when it
 * is sent; the parent hears of both (SIGCHLD, wait). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "fs/fs.h"
#include "kern.h"
#include "task/internal.h"

/* x86 exception vectors, saved as sigcontext.trapno. */
#define X86_TRAP_DE 0
#define X86_TRAP_DB 1
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
	uint64_t h = p->sighand->action[sig].handler;
	return h == KSIG_IGN || (h == KSIG_DFL && signal_default_action(sig) == SIG_DEFAULT_IGNORE);
}

uint64_t signal_blockable(uint64_t mask)
{
	return mask & ~(sig_bit(SIGKILL) | sig_bit(SIGSTOP));
}

#define KSIGRTMIN 32 /* the kernel's first real-time signal */

/* A further instance of a pending signal (struct sigpending). */
struct sigqueue {
	struct sigqueue *next;
	struct ksiginfo info;
	uint64_t seq;
};

/* Takes the oldest instance of sig off q: its next instance, if any,
 * becomes the first. */
static void take(struct sigpending *q, int sig, struct ksiginfo *info)
{
	*info = q->info[sig];
	for (struct sigqueue **e = &q->more; *e; e = &(*e)->next) {
		if ((*e)->info.signo == sig) {
			struct sigqueue *next = *e;
			q->info[sig] = next->info;
			q->seq[sig] = next->seq;
			*e = next->next;
			free(next);
			return;
		}
	}
	q->signal &= ~sig_bit(sig);
}

/* False for a timer's signal the timer no longer sends (deleted or set
 * again since): Linux drops it when it is dequeued. */
static bool still_wanted(struct process *p, struct ksiginfo *info)
{
	return !info->timer_seq || posix_timer_dequeued(p->signal, info);
}

/* Every instance of the signals of mask leaves q. */
static void flush_queue(struct signal_struct *s, struct sigpending *q, uint64_t mask)
{
	for (int sig = 1; sig <= KSIG_MAX; sig++) {
		while (q->signal & mask & sig_bit(sig)) {
			struct ksiginfo info;
			take(q, sig, &info);
			if (info.timer_seq)
				posix_timer_dequeued(s, &info);
		}
	}
}

struct queued {
	uint64_t seq;
	const struct ksiginfo *info;
};

static int by_seq(const void *a, const void *b)
{
	uint64_t x = ((const struct queued *)a)->seq, y = ((const struct queued *)b)->seq;
	return x < y ? -1 : x > y;
}

int64_t sigpending_peek(const struct sigpending *q, uint64_t off, struct ksiginfo *out,
			uint64_t nr)
{
	size_t n = 0, cap = KSIG_MAX;
	for (const struct sigqueue *e = q->more; e; e = e->next)
		cap++;
	struct queued *all = malloc(cap * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (int sig = 1; sig <= KSIG_MAX; sig++)
		if (q->signal & sig_bit(sig))
			all[n++] = (struct queued){q->seq[sig], &q->info[sig]};
	for (const struct sigqueue *e = q->more; e; e = e->next)
		all[n++] = (struct queued){e->seq, &e->info};
	qsort(all, n, sizeof(*all), by_seq);
	uint64_t got = 0;
	for (; got < nr && off + got < n; got++)
		out[got] = *all[off + got].info;
	free(all);
	return (int64_t)got;
}

void sigpending_release(struct sigpending *q)
{
	while (q->more) {
		struct sigqueue *next = q->more->next;
		free(q->more);
		q->more = next;
	}
}

/* The signals that would end p's process now: SIGKILL, and those it
 * does not block whose action is a fatal default (Linux turns them into
 * SIGKILL for the group: fatal_signal_pending). */
static uint64_t fatal_signals(const struct process *p)
{
	uint64_t m = sig_bit(SIGKILL);
	for (int sig = 1; sig <= KSIG_MAX; sig++) {
		enum sig_default d = signal_default_action(sig);
		if (p->sighand->action[sig].handler == KSIG_DFL &&
		    (d == SIG_DEFAULT_TERM || d == SIG_DEFAULT_CORE) && !(p->sig.blocked & sig_bit(sig)))
			m |= sig_bit(sig);
	}
	return m;
}

/* The signals that do not wake p (sigtimedwait waits for blocked ones). */
static uint64_t wake_blocked(const struct process *p)
{
	if (p->wait_killable) /* a fatal signal only */
		return ~fatal_signals(p);
	return p->sig.blocked & ~p->sig.sigwait;
}

/* Signals p may take now: its own and its process's, unblocked; not
 * those rt_sigtimedwait sleeps for, which the call takes itself. */
static uint64_t ready_signals(const struct process *p)
{
	return (p->sig.pending.signal | p->signal->shared_pending.signal) &
	       ~(p->sig.blocked | p->sig.sigwait);
}

/* Takes sig off p's pending sets, its own first (Linux's dequeue_signal),
 * with the siginfo it was sent with; false when it was a stale timer's. */
static bool dequeue_signal(struct process *p, int sig, struct ksiginfo *info)
{
	struct sigpending *q = (p->sig.pending.signal & sig_bit(sig)) ? &p->sig.pending
								       : &p->signal->shared_pending;
	take(q, sig, info);
	return still_wanted(p, info);
}

/* The signals a fault raises go first (Linux's SYNCHRONOUS_MASK), then
 * the lowest. */
static int next_signal(uint64_t set)
{
	const uint64_t sync = sig_bit(SIGSEGV) | sig_bit(SIGBUS) | sig_bit(SIGILL) |
			      sig_bit(SIGTRAP) | sig_bit(SIGFPE) | sig_bit(SIGSYS);
	return __builtin_ctzll(set & sync ? set & sync : set) + 1;
}

int signal_dequeue(struct process *p, uint64_t mask, struct ksiginfo *info)
{
	for (;;) {
		uint64_t own = p->sig.pending.signal & mask;
		uint64_t set = own ? own : p->signal->shared_pending.signal & mask;
		if (!set)
			return 0;
		int sig = next_signal(set);
		take(own ? &p->sig.pending : &p->signal->shared_pending, sig, info);
		if (still_wanted(p, info))
			return sig;
	}
}

/* True when a signal will interrupt the call now; pending unblocked
 * signals that are ignored are dropped on the way, as delivery would. */
bool signal_interrupts(struct process *p)
{
	for (int sig; (sig = signal_next(p));) {
		if (!signal_ignored(p, sig))
			return true;
		struct ksiginfo info;
		dequeue_signal(p, sig, &info);
	}
	return false;
}

/* The thread's own signals before its process's, each set by
 * next_signal (Linux's dequeue_signal); SIGKILL before all. */
int signal_next(const struct process *p)
{
	uint64_t ready = ready_signals(p);
	if (!ready)
		return 0;
	if (ready & sig_bit(SIGKILL))
		return SIGKILL;
	uint64_t own = ready & p->sig.pending.signal;
	return next_signal(own ? own : ready);
}

void signal_flush_pending(struct kernel *k, struct process *p, uint64_t mask)
{
	struct signal_struct *s = p->signal;
	flush_queue(s, &s->shared_pending, mask);
	for (struct process *t = k->procs; t; t = t->next)
		if (t->signal == s)
			flush_queue(s, &t->sig.pending, mask);
}

/* ---- job control: stop and continue ---- */

/* The signals whose default action is to stop (Linux's SIG_KERNEL_STOP_MASK). */
#define SIG_STOP_MASK (sig_bit(SIGSTOP) | sig_bit(SIGTSTP) | sig_bit(SIGTTIN) | sig_bit(SIGTTOU))

/* Tells p's parent that p's process stopped or continued (why:
 * CLD_STOPPED or CLD_CONTINUED): SIGCHLD unless the parent set
 * SA_NOCLDSTOP, and a wait blocked in the parent looks again either way. */
static void do_notify_parent_cldstop(struct kernel *k, struct process *p, int why)
{
	struct signal_struct *parent = p->signal->parent;
	if (!parent)
		return;
	if (!(parent->leader->sighand->action[SIGCHLD].flags & SA_NOCLDSTOP)) {
		struct ksiginfo info = {.signo = SIGCHLD, .code = why,
					.pid = task_tgid_nr_ns(p, parent->leader->pid_ns),
					.uid = (int)p->cred.uid, .status = why == CLD_STOPPED ? p->signal->stop_code : SIGCONT};
		group_send_sig(k, parent->leader, &info);
	}
	kernel_wake(k, parent);
}

/* rt_sigtimedwait, asleep in p when its process stops, returns EINTR
 * once it continues, as on Linux (man 7 signal); other calls are made
 * again. */
static void stop_ends_sigtimedwait(struct process *p)
{
	struct cpu_context *ctx = &p->ctx;
	if (!p->restart_syscall || ctx->rax != SYS_rt_sigtimedwait)
		return;
	p->restart_syscall = false;
	p->sig.sigwait = 0;
	ctx->rcx = ctx->rip + SYSCALL_INSN_LEN; /* what SYSCALL did on entry */
	ctx->r11 = ctx->rflags;
	ctx->rax = (uint64_t)-EINTR;
	ctx->rip += SYSCALL_INSN_LEN;
}

/* The default action of a stop signal: the process stops (Linux's
 * do_signal_stop). p, the thread that took the signal, stops now; the
 * others stop on their way to user mode (signal_deliver): those asleep
 * in a call are woken for it, and make the call again once continued. */
static void do_signal_stop(struct kernel *k, struct process *p, int sig)
{
	struct signal_struct *s = p->signal;
	s->group_stop = true;
	s->stop_code = sig;
	s->stop_continued = false;
	stop_ends_sigtimedwait(p);
	p->state = PROC_STOPPED;
	if (p->ptrace.tracer)
		ptrace_group_stop(k, p, sig);
	for (struct process *t = k->procs; t; t = t->next)
		if (t->signal == s && t->state == PROC_BLOCKED && t->restart_syscall)
			process_wake(t);
	do_notify_parent_cldstop(k, p, CLD_STOPPED);
}

/* What sending sig does at once, whatever p's action for it (Linux's
 * prepare_signal): stop signals and SIGCONT cancel each other's pending
 * instances, and SIGCONT continues a stopped process. */
static void prepare_signal(struct kernel *k, struct process *p, int sig)
{
	struct signal_struct *s = p->signal;
	if (sig_bit(sig) & SIG_STOP_MASK) {
		signal_flush_pending(k, p, sig_bit(SIGCONT));
		return;
	}
	if (sig != SIGCONT)
		return;
	signal_flush_pending(k, p, SIG_STOP_MASK);
	if (s->group_stop) {
		s->group_stop = false;
		for (struct process *t = k->procs; t; t = t->next)
			if (t->signal == s && t->state == PROC_STOPPED)
				process_wake(t);
			else if (t->signal == s && t->state == PROC_TRACED && t->ptrace.listening)
				ptrace_listen_continue(k, t);
		s->stop_code = 0; /* a stop wait has not reported is not reported now */
		s->stop_continued = true;
		do_notify_parent_cldstop(k, p, CLD_CONTINUED);
	}
}

/* p has sig pending now (Linux's signal_wake_up): a call p is blocked in
 * is interrupted unless sig is blocked; a stopped p wakes only to die of
 * SIGKILL. */
static bool signal_wake_up(struct process *p, int sig)
{
	/* A seccomp notification taken by its supervisor, on a filter with
	 * WAIT_KILLABLE_RECV: a signal that is not fatal leaves the wait
	 * alone and makes it killable (D), as Linux's. */
	if (p->state == PROC_BLOCKED && !p->wait_killable && seccomp_notify_killable(p) &&
	    !(fatal_signals(p) & sig_bit(sig))) {
		p->wait_killable = true;
		return false;
	}
	bool wake = p->state == PROC_BLOCKED ? !(wake_blocked(p) & sig_bit(sig))
					     : (p->state == PROC_STOPPED || p->state == PROC_TRACED) &&
						       sig == SIGKILL;
	if (wake)
		process_wake(p);
	return wake;
}

/* ---- sending ---- */

/* Whether sig is to be queued for p at all (after job control acted). */
static bool wants_queue(struct kernel *k, struct process *p, int sig)
{
	if (sig < 1 || sig > KSIG_MAX || process_dead(p) || p->signal->group_exit)
		return false;
	prepare_signal(k, p, sig);
	/* A blocked signal is kept even when ignored: the action may change
	 * before it is unblocked (Linux's sig_ignored); a tracee's too: its
	 * tracer sees every signal. */
	return (p->sig.blocked & sig_bit(sig)) || p->ptrace.tracer || !signal_ignored(p, sig);
}

/* False when info was not queued: a standard signal pending already
 * keeps its first instance (Linux's legacy_queue; a timer's signal has
 * an entry of its own), or no room for a real-time one. */
static bool queue(const struct process *p, struct sigpending *q, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (!(q->signal & sig_bit(sig))) {
		q->signal |= sig_bit(sig);
		q->info[sig] = *info;
		q->seq[sig] = q->next_seq++;
		return true;
	}
	if (sig < KSIGRTMIN && !info->timer_seq)
		return false;
	struct sigqueue **tail = &q->more;
	uint64_t n = 1;
	for (; *tail; n++)
		tail = &(*tail)->next;
	if (n >= task_rlimit(p, RLIMIT_SIGPENDING)) /* the receiver's limit bounds each queue */
		return false;
	struct sigqueue *e = malloc(sizeof(*e));
	if (!e)
		return false;
	*e = (struct sigqueue){NULL, *info, q->next_seq++};
	*tail = e;
	return true;
}

static bool send_thread(struct kernel *k, struct process *p, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (p->exited || !wants_queue(k, p, sig) || !queue(p, &p->sig.pending, info))
		return false;
	signalfd_notify(k);
	signal_wake_up(p, sig);
	return true;
}

void signal_send(struct kernel *k, struct process *p, const struct ksiginfo *info)
{
	send_thread(k, p, info);
}

/* The thread to wake for a signal to the whole process (Linux's
 * complete_signal): the leader if it can take it, else the first other
 * thread that does not block it; none when all block it. */
static struct process *wants_signal(struct kernel *k, struct process *p, int sig)
{
	struct signal_struct *s = p->signal;
	struct process *leader = s->leader;
	if (!leader->exited && !(wake_blocked(leader) & sig_bit(sig)))
		return leader;
	for (struct process *t = k->procs; t; t = t->next)
		if (t->signal == s && !t->exited && !(wake_blocked(t) & sig_bit(sig)))
			return t;
	return NULL;
}

static bool send_group(struct kernel *k, struct process *p, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (!wants_queue(k, p, sig) || !queue(p, &p->signal->shared_pending, info))
		return false;
	signalfd_notify(k);
	struct process *t = wants_signal(k, p, sig);
	if (t)
		signal_wake_up(t, sig);
	return true;
}

void group_send_sig(struct kernel *k, struct process *p, const struct ksiginfo *info)
{
	send_group(k, p, info);
}

bool send_sigqueue(struct kernel *k, struct process *p, const struct ksiginfo *info, bool group)
{
	return group ? send_group(k, p, info) : send_thread(k, p, info);
}

void signal_exec(struct process *p)
{
	struct k_sigaction *action = p->sighand->action;
	for (int sig = 1; sig <= KSIG_MAX; sig++) {
		uint64_t h = action[sig].handler == KSIG_IGN ? KSIG_IGN : KSIG_DFL;
		action[sig] = (struct k_sigaction){.handler = h};
	}
	struct signal_state *s = &p->sig;
	s->altstack_sp = 0;
	s->altstack_size = 0;
	s->altstack_flags = 0;
	s->restore_blocked = false;
	posix_timers_release(p->signal);
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

void force_sig_info(struct kernel *k, struct process *p, const struct ksiginfo *info, bool exit)
{
	int sig = info->signo;
	struct k_sigaction *ka = &p->sighand->action[sig];
	if ((p->sig.blocked & sig_bit(sig)) || ka->handler == KSIG_IGN || exit) {
		ka->handler = KSIG_DFL;
		p->sig.blocked &= ~sig_bit(sig);
	}
	if (exit)
		ka->flags |= KSA_IMMUTABLE;
	signal_send(k, p, info);
}

void force_fatal_sig(struct process *p, int sig)
{
	if (p->pending_fatal || p->exited)
		return; /* the first cause is the one to report */
	p->pending_fatal = sig;
	p->fatal_single_step = false;
	p->fault.kind = MMU_FAULT_NONE;
}

#define DR_STEP 0x4000u /* DR6.BS */
void force_single_step(struct process *p)
{
	if (p->pending_fatal || p->exited)
		return;
	force_fatal_sig(p, SIGTRAP);
	p->fatal_single_step = true;
	p->virtual_dr6 = DR_STEP; /* exc_debug_user: the step bit of the #DB's DR6 */
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
	} else if (sig == SIGTRAP && p->fatal_single_step) {
		*info = (struct ksiginfo){.signo = sig, .code = TRAP_TRACE, .addr = p->ctx.rip};
		ff->trapno = X86_TRAP_DB;
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
	struct k_sigaction *ka = &p->sighand->action[sig];
	if ((p->sig.blocked & sig_bit(sig)) || ka->handler == KSIG_IGN) {
		ka->handler = KSIG_DFL;
		p->sig.blocked &= ~sig_bit(sig);
	}
	return sig;
}

/* The line a fatal fault leaves on stderr (the process has no handler):
 * the process dies, so its id is named, whichever thread faulted. */
static void report_fault(const struct process *p, int sig)
{
	/* A page fault: SIGSEGV, or SIGBUS past the end of a mapped file. */
	if ((sig == SIGSEGV || sig == SIGBUS) && p->fault.kind != MMU_FAULT_NONE) {
		char ec[32];
		fprintf(stderr,
			"vmemu: pid %d killed by SIG%s: rip 0x%llx addr 0x%llx (%s, %s, user; error code 0x%x %s)\n",
			p->tgid, sigabbrev_np(sig), (unsigned long long)p->ctx.rip,
			(unsigned long long)p->fault.addr,
			mmu_fault_kind_name(p->fault.kind), mmu_access_name(p->fault.access),
			p->fault.error_code, mmu_error_code_str(p->fault.error_code, ec, sizeof(ec)));
	} else {
		fprintf(stderr, "vmemu: pid %d killed by SIG%s: rip 0x%llx\n", p->tgid,
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
	case SYS_epoll_pwait2:
	case SYS_nanosleep: case SYS_clock_nanosleep:
	case SYS_semop: case SYS_semtimedop: case SYS_msgsnd: case SYS_msgrcv:
		return false;
	default:
		return true;
	}
}

/* p was blocked in a system call (ctx at its SYSCALL, rax its number): it
 * restarts after the handler (SA_RESTART) or returns EINTR, or the count
 * of bytes it has moved already. */
static void interrupt_syscall(struct kernel *k, struct process *p, const struct k_sigaction *ka)
{
	struct cpu_context *ctx = &p->ctx;
	p->restart_syscall = false;
	p->sig.sigwait = 0; /* rt_sigtimedwait is over */
	/* What the SYSCALL instruction itself did on entry. */
	ctx->rcx = ctx->rip + SYSCALL_INSN_LEN;
	ctx->r11 = ctx->rflags;
	if (p->io_done) { /* a write that moved some bytes returns their count */
		ctx->rax = p->io_done;
		ctx->rip += SYSCALL_INSN_LEN;
		return;
	}
	int64_t futex_ret = futex_end_wait(p);
	if (futex_ret == -ERESTARTSYS)
		futex_ret = seccomp_notify_end_wait(p);
	if (futex_ret == -ERESTARTNOINTR)
		return;
	if (futex_ret != -ERESTARTSYS) { /* e.g. woken before the signal: the wake stands */
		ctx->rax = (uint64_t)futex_ret;
		ctx->rip += SYSCALL_INSN_LEN;
		return;
	}
	if ((ka->flags & SA_RESTART) && restarts_after_handler(ctx->rax))
		return;
	host_job_cancel(p); /* the call is over: what it waited for is not wanted */
	ctx->rax = (uint64_t)nanosleep_interrupted(k, p);
	ctx->rip += SYSCALL_INSN_LEN;
}

/* Whether a core-dumping signal leaves a core: not below a page of
 * RLIMIT_CORE (Linux's do_coredump: the ELF format's min_coredump). */
static bool core_dumps(const struct process *p)
{
	return task_rlimit(p, RLIMIT_CORE) >= PAGE_SIZE;
}

/* No room for a frame: SIGSEGV with its default action (Linux's
 * force_sigsegv), at once. */
static void frame_failed(struct kernel *k, struct process *p, int sig)
{
	fprintf(stderr,
		"vmemu: pid %d killed by SIGSEGV: rip 0x%llx rsp 0x%llx (no room for the SIG%s signal frame)\n",
		p->tgid, (unsigned long long)p->ctx.rip, (unsigned long long)p->ctx.rsp,
		sigabbrev_np(sig));
	p->sighand->action[SIGSEGV].handler = KSIG_DFL;
	p->core_dumped = core_dumps(p);
	process_kill(k, p, SIGSEGV);
}

static void run_handler(struct kernel *k, struct process *p, int sig, const struct ksiginfo *info,
			const struct sigframe_fault *ff)
{
	struct signal_state *s = &p->sig;
	const struct k_sigaction ka = p->sighand->action[sig];
	if (p->restart_syscall)
		interrupt_syscall(k, p, &ka);
	rseq_signal_deliver(k, p, sig);
	/* A tracee stepped into a handler: the frame keeps no forced TF, and
	 * it stops at the handler's first instruction (Linux's
	 * handle_signal and signal_setup_done). */
	bool stepping = p->ptrace.singlestep;
	if (stepping)
		ptrace_disable_single_step(p);
	/* The mask the handler's return puts back: rt_sigsuspend's caller's. */
	uint64_t mask = s->restore_blocked ? s->saved_blocked : s->blocked;
	if (sigframe_setup(k, p, &ka, info, ff, mask)) {
		frame_failed(k, p, sig);
		return;
	}
	s->restore_blocked = false;
	s->blocked |= signal_blockable(ka.mask | ((ka.flags & SA_NODEFER) ? 0 : sig_bit(sig)));
	if (ka.flags & SA_RESETHAND)
		p->sighand->action[sig].handler = KSIG_DFL;
	if (stepping && p->ptrace.tracer)
		ptrace_step_handler(k, p);
}

/* Acts on sig; false when it was ignored (nothing changed). */
static bool deliver(struct kernel *k, struct process *p, int sig, const struct ksiginfo *info,
		    const struct sigframe_fault *ff, bool sync)
{
	uint64_t h = p->sighand->action[sig].handler;
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
		if (sig != SIGSTOP && is_orphaned_pgrp(k, p->signal->pgid))
			return false;
		do_signal_stop(k, p, sig);
		return true;
	}
	/* Like Linux, only a fault leaves a message; kill(2) deaths are silent. */
	if (sync)
		report_fault(p, sig);
	p->core_dumped = d == SIG_DEFAULT_CORE && core_dumps(p);
	process_kill(k, p, sig);
	return true;
}

bool signal_deliver(struct kernel *k, struct process *p)
{
	struct signal_state *s = &p->sig;
	if (p->exited)
		return false;
	/* rseq's check first: the SIGSEGV a bad descriptor gets is delivered
	 * below, before user mode (Linux loops until no work is left). */
	if (p->state == PROC_RUNNABLE)
		rseq_resume_user_mode(k, p);
	bool kill = ready_signals(p) & sig_bit(SIGKILL);
	/* ptrace: between a call's entry stop and the call, nothing is
	 * delivered; a signal the tracer chose is delivered first. */
	if (p->ptrace.in_syscall && !kill)
		return false;
	if (p->ptrace.trap_pending && !kill && ptrace_trap(k, p))
		return true;
	if (p->ptrace.exit_pending && p->state == PROC_RUNNABLE && ptrace_vfork_exit(k, p))
		return true;
	const struct sigframe_fault none = {0};
	struct ksiginfo info;
	struct sigframe_fault ff = {0};
	bool sync;
	int injected = ptrace_take_injected(p, &info, &ff, &sync);
	if (injected && !kill && deliver(k, p, injected, &info, &ff, sync))
		return true;
	if (p->pending_fatal) {
		if (kill) {
			p->pending_fatal = 0; /* SIGKILL wins */
		} else {
			int sig = take_fault(p, &info, &ff);
			/* A tracee's fault is a signal-delivery-stop first, as
			 * Linux's queued force_sig_fault is. */
			if (p->ptrace.tracer && !(p->sighand->action[sig].flags & KSA_IMMUTABLE))
				return ptrace_signal(k, p, &info, &ff);
			return deliver(k, p, sig, &info, &ff, true);
		}
	}
	/* Its process stopped: this thread stops too, on its way out (a
	 * call it sleeps in is made again once it continues; a vfork
	 * parent's wait is not interrupted). */
	if (p->signal->group_stop && !kill && !p->ptrace.tracer &&
	    (p->state == PROC_RUNNABLE || p->restart_syscall)) {
		stop_ends_sigtimedwait(p);
		p->state = PROC_STOPPED;
		return true;
	}
	/* A tracee's call a signal interrupts reports its exit first. */
	if (p->ptrace.syscall_trace && p->restart_syscall && !p->ptrace.restarted &&
	    signal_next(p) && !kill)
		return ptrace_syscall_interrupted(k, p);
	/* Blocked in a call, p stays there unless a signal interrupts it. */
	if (p->state == PROC_BLOCKED) {
		if (!signal_next(p) || (p->wait_killable && !(ready_signals(p) & fatal_signals(p))))
			return false;
		process_wake(p);
	}
	for (int sig; (sig = signal_next(p));) {
		if (!dequeue_signal(p, sig, &info))
			continue;
		if (p->ptrace.tracer && sig != SIGKILL &&
		    !(p->sighand->action[sig].flags & KSA_IMMUTABLE)) /* a signal-delivery-stop */
			return ptrace_signal(k, p, &info, NULL);
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
