/* ptrace_stop.c - where a traced task stops for its tracer (Linux's
 * ptrace_stop and its callers): system-call entry and exit, the delivery
 * of a signal, the events of exec and fork; and what wait reports of
 * those stops and of a tracee's end to its tracer. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* p stops with wait status code (the signal, event << 8): its tracer's
 * process is told by SIGCHLD (CLD_TRAPPED) and woken from wait. */
static void ptrace_stop(struct kernel *k, struct process *p, enum ptrace_stop_kind kind, int code)
{
	struct process *tracer = p->ptrace.tracer;
	p->state = PROC_TRACED;
	p->ptrace.stop = (uint8_t)kind;
	p->ptrace.exit_code = code;
	struct ksiginfo info = {.signo = SIGCHLD, .code = CLD_TRAPPED,
				.pid = task_tgid_nr_ns(p, tracer->pid_ns), .uid = (int)p->cred.uid,
				.status = code & 0x7f};
	group_send_sig(k, tracer, &info);
	kernel_wake(k, tracer->signal);
	if (p == k->current)
		k->ops.stop(k->ops.ctx);
}

/* SIGTRAP, with 0x80 for PTRACE_O_TRACESYSGOOD. */
static int syscall_trap(const struct process *p)
{
	return SIGTRAP | (p->ptrace.options & PTRACE_O_TRACESYSGOOD ? 0x80 : 0);
}

bool ptrace_syscall_entry(struct kernel *k, struct process *p, struct cpu_context *ctx)
{
	struct ptrace_state *pt = &p->ptrace;
	if (pt->in_syscall) {
		/* Resumed from the entry stop: the call the registers now name
		 * runs, or none when orig_rax is -1 (rax is then its result). */
		pt->in_syscall = false;
		if (pt->orig_rax != UINT64_MAX) {
			ctx->rax = pt->orig_rax;
			return false;
		}
		ctx->rax = pt->entry_rax;
		ctx->rip += SYSCALL_INSN_LEN;
		ctx->rcx = ctx->rip;
		ctx->r11 = ctx->rflags;
		ptrace_syscall_exit(k, p);
		return true;
	}
	if (p->restart_syscall)
		return false; /* the same call again, after a sleep */
	pt->orig_rax = ctx->rax;
	if (!pt->syscall_trace)
		return false;
	/* The tracer sees the registers as after SYSCALL, rax -ENOSYS. */
	ctx->rax = (uint64_t)-ENOSYS;
	ctx->rip += SYSCALL_INSN_LEN;
	ctx->rcx = ctx->rip;
	ctx->r11 = ctx->rflags;
	ptrace_stop(k, p, PTRACE_STOP_SYSCALL_ENTRY, syscall_trap(p));
	return true;
}

bool ptrace_syscall_exit(struct kernel *k, struct process *p)
{
	struct ptrace_state *pt = &p->ptrace;
	if (pt->pending_event) {
		int ev = pt->pending_event;
		pt->pending_event = 0;
		if (p->state != PROC_RUNNABLE)
			return false;
		ptrace_stop(k, p, PTRACE_STOP_EVENT, SIGTRAP | ev << 8);
		return true;
	}
	if (!pt->syscall_trace || p->state != PROC_RUNNABLE)
		return false; /* a vfork parent waits for its child first */
	ptrace_stop(k, p, PTRACE_STOP_SYSCALL_EXIT, syscall_trap(p));
	return true;
}

/* Resumed from a stop (ptrace.c): the entry stop's call runs from its
 * SYSCALL again; an event inside a call is followed by the exit stop;
 * a signal-delivery-stop's signal is the tracer's choice. */
void ptrace_resume_stopped(struct kernel *k, struct process *p, int sig)
{
	struct ptrace_state *pt = &p->ptrace;
	enum ptrace_stop_kind kind = pt->stop;
	pt->stop = PTRACE_STOP_NONE;
	pt->exit_code = 0;
	p->state = PROC_RUNNABLE;
	if (kind == PTRACE_STOP_SYSCALL_ENTRY) {
		pt->in_syscall = true;
		pt->entry_rax = p->ctx.rax;
		p->ctx.rip -= SYSCALL_INSN_LEN;
	} else if (kind == PTRACE_STOP_EVENT && pt->tracer && pt->syscall_trace) {
		ptrace_stop(k, p, PTRACE_STOP_SYSCALL_EXIT, syscall_trap(p));
	} else if (kind == PTRACE_STOP_SIGNAL && sig) {
		if (sig != pt->siginfo.signo)
			pt->siginfo = (struct ksiginfo){.signo = sig, .code = SI_USER,
							.pid = pt->tracer ? pt->tracer->tgid : 0};
		pt->inject_sig = sig;
	}
	kernel_wake(k, p);
}

int ptrace_take_injected(struct process *p, struct ksiginfo *info)
{
	int sig = p->ptrace.inject_sig;
	p->ptrace.inject_sig = 0;
	if (sig)
		*info = p->ptrace.siginfo;
	return sig;
}

bool ptrace_signal(struct kernel *k, struct process *p, const struct ksiginfo *info)
{
	p->ptrace.siginfo = *info;
	ptrace_stop(k, p, PTRACE_STOP_SIGNAL, info->signo);
	return true;
}

void ptrace_event_exec(struct kernel *k, struct process *p)
{
	struct ptrace_state *pt = &p->ptrace;
	if (!pt->tracer)
		return;
	if (pt->options & PTRACE_O_TRACEEXEC) {
		pt->eventmsg = (uint64_t)task_pid_nr_ns(p, pt->tracer->pid_ns);
		pt->pending_event = PTRACE_EVENT_EXEC;
	} else if (!pt->seized) {
		/* The old way: a SIGTRAP after the call. */
		struct ksiginfo info = {.signo = SIGTRAP, .code = SI_USER};
		signal_send(k, p, &info);
	}
}

void ptrace_event_fork(struct kernel *k, struct process *p, struct process *child, uint64_t flags,
		       int exit_signal)
{
	struct ptrace_state *pt = &p->ptrace;
	if (!pt->tracer || (flags & CLONE_THREAD))
		return; /* threads are not traced with their process (left out) */
	int ev = (flags & CLONE_VFORK) ? PTRACE_EVENT_VFORK
		 : exit_signal == SIGCHLD ? PTRACE_EVENT_FORK : PTRACE_EVENT_CLONE;
	unsigned opt = ev == PTRACE_EVENT_VFORK ? PTRACE_O_TRACEVFORK
		       : ev == PTRACE_EVENT_FORK ? PTRACE_O_TRACEFORK : PTRACE_O_TRACECLONE;
	if (!(pt->options & opt))
		return;
	/* The child starts traced by the same tracer, with the same
	 * options, and stops before it runs: SIGSTOP, or PTRACE_EVENT_STOP
	 * when seized. */
	child->ptrace = (struct ptrace_state){.tracer = pt->tracer, .seized = pt->seized,
					      .options = pt->options};
	if (pt->seized)
		ptrace_stop(k, child, PTRACE_STOP_EVENT, SIGTRAP | PTRACE_EVENT_STOP << 8);
	else
		signal_send(k, child, &(struct ksiginfo){.signo = SIGSTOP, .code = SI_USER});
	pt->eventmsg = (uint64_t)task_pid_nr_ns(child, pt->tracer->pid_ns);
	pt->pending_event = ev;
}

/* ---- wait ---- */

int ptrace_wait_event(const struct process *c, const struct signal_struct *s, bool *exited)
{
	const struct ptrace_state *pt = &c->ptrace;
	*exited = false;
	if (!pt->tracer || pt->tracer->signal != s)
		return -1; /* not traced by s */
	if (c->exited && c->state == PROC_ZOMBIE && (!thread_group_leader(c) || process_dead(c))) {
		*exited = !pt->exit_reported;
		return 0;
	}
	return c->state == PROC_TRACED ? pt->exit_code : 0;
}

void ptrace_reported(struct kernel *k, struct process *c, bool exited)
{
	if (!exited) {
		c->ptrace.exit_code = 0;
		return;
	}
	c->ptrace.exit_reported = true;
	/* Its end told, the tracer lets go: the real parent may wait now. */
	c->ptrace.tracer = NULL;
	if (c->signal->parent)
		kernel_wake(k, c->signal->parent);
}
