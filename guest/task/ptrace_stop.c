/* ptrace_stop.c - where a traced task stops for its tracer (Linux's
 * ptrace_stop and its callers): system-call entry and exit, the delivery
 * of a signal, the events of exec and fork; and what wait reports of
 * those stops and of a tracee's end to its tracer. */
#include <errno.h>
#include <sys/syscall.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"
#include "task/ptrace.h"

/* PTRACE_GETEVENTMSG at a syscall stop (<linux/ptrace.h>'s, which
 * clashes with <sys/ptrace.h>). */
#define PTRACE_EVENTMSG_SYSCALL_ENTRY 1
#define PTRACE_EVENTMSG_SYSCALL_EXIT 2

/* p stops with wait status code (the signal, event << 8): its tracer's
 * process is told by SIGCHLD (CLD_TRAPPED) and woken from wait. */
static void ptrace_stop(struct kernel *k, struct process *p, enum ptrace_stop_kind kind, int code)
{
	struct process *tracer = p->ptrace.tracer;
	p->state = PROC_TRACED;
	p->ptrace.stop = (uint8_t)kind;
	p->ptrace.exit_code = code;
	/* A stop of its own (not a signal's) shows PTRACE_GETSIGINFO its
	 * status, even once wait has reported it (Linux's ptrace_do_notify). */
	if (kind != PTRACE_STOP_SIGNAL)
		p->ptrace.siginfo = (struct ksiginfo){.signo = SIGTRAP, .code = code,
						      .pid = task_tgid_nr_ns(p, p->pid_ns),
						      .uid = (int)p->cred.uid};
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

/* The syscall-exit-stop; PTRACE_GETEVENTMSG tells it from an entry's. */
static void syscall_exit_stop(struct kernel *k, struct process *p)
{
	p->ptrace.eventmsg = PTRACE_EVENTMSG_SYSCALL_EXIT;
	ptrace_stop(k, p, PTRACE_STOP_SYSCALL_EXIT, syscall_trap(p));
}

/* The registers as after SYSCALL, rax set: how the tracer sees a call
 * from its entry stop to its exit. */
static void syscall_regs(struct cpu_context *ctx, uint64_t rax)
{
	ctx->rax = rax;
	ctx->rip += SYSCALL_INSN_LEN;
	ctx->rcx = ctx->rip;
	ctx->r11 = ctx->rflags;
}

/* exit or exit_group is to run: PTRACE_O_TRACEEXIT's stop first, the
 * exit status in the event message (true: p stopped). */
static bool ptrace_exit_event(struct kernel *k, struct process *p, struct cpu_context *ctx)
{
	struct ptrace_state *pt = &p->ptrace;
	uint64_t nr = ctx->rax;
	if (!(pt->options & PTRACE_O_TRACEEXIT) || pt->exiting ||
	    (nr != SYS_exit && nr != SYS_exit_group))
		return false;
	pt->exiting = true;
	pt->orig_rax = nr;
	pt->eventmsg = (ctx->rdi & 0xff) << 8;
	syscall_regs(ctx, (uint64_t)-ENOSYS);
	ptrace_stop(k, p, PTRACE_STOP_EXIT, SIGTRAP | PTRACE_EVENT_EXIT << 8);
	return true;
}

bool ptrace_syscall_entry(struct kernel *k, struct process *p, struct cpu_context *ctx)
{
	struct ptrace_state *pt = &p->ptrace;
	if (pt->in_syscall) {
		/* Resumed from the entry stop: the call the registers now name
		 * runs, or none when orig_rax's low 32 bits are -1 (the number
		 * is an int, as Linux's do_syscall_64 takes it; rax is then the
		 * result). */
		pt->in_syscall = false;
		if ((int32_t)pt->orig_rax != -1) {
			ctx->rax = pt->orig_rax;
			return ptrace_exit_event(k, p, ctx);
		}
		syscall_regs(ctx, pt->entry_rax);
		ptrace_syscall_exit(k, p);
		return true;
	}
	if (p->restart_syscall && !pt->restarted)
		return false; /* the same call again, after a sleep */
	pt->restarted = false;
	pt->orig_rax = ctx->rax;
	if (!pt->syscall_trace)
		return ptrace_exit_event(k, p, ctx);
	syscall_regs(ctx, (uint64_t)-ENOSYS);
	pt->eventmsg = PTRACE_EVENTMSG_SYSCALL_ENTRY;
	ptrace_stop(k, p, PTRACE_STOP_SYSCALL_ENTRY, syscall_trap(p));
	return true;
}

bool ptrace_event_seccomp(struct kernel *k, struct process *p, struct cpu_context *ctx,
			  uint32_t data)
{
	struct ptrace_state *pt = &p->ptrace;
	pt->orig_rax = ctx->rax;
	pt->eventmsg = data;
	syscall_regs(ctx, (uint64_t)-ENOSYS);
	ptrace_stop(k, p, PTRACE_STOP_SECCOMP, SIGTRAP | PTRACE_EVENT_SECCOMP << 8);
	return true;
}

bool ptrace_syscall_exit(struct kernel *k, struct process *p)
{
	struct ptrace_state *pt = &p->ptrace;
	if (pt->pending_event) {
		int ev = pt->pending_event;
		pt->pending_event = 0;
		ptrace_stop(k, p, PTRACE_STOP_EVENT, SIGTRAP | ev << 8);
		return true;
	}
	/* A step over the call: its trap replaces the exit stop (Linux's
	 * syscall_exit_work). */
	if (pt->singlestep && p->state == PROC_RUNNABLE) {
		ptrace_step_syscall(k, p);
		return false;
	}
	if (!pt->syscall_trace)
		return false;
	if (p->state != PROC_RUNNABLE) { /* a vfork parent waits for its child first */
		pt->exit_pending = true;
		return false;
	}
	syscall_exit_stop(k, p);
	return true;
}

/* The child p's vfork waits for, NULL when none. */
static struct process *vfork_child(struct kernel *k, const struct process *p)
{
	for (struct process *c = k->procs; c; c = c->next)
		if (c->vfork_parent == p)
			return c;
	return NULL;
}

bool ptrace_vfork_exit(struct kernel *k, struct process *p)
{
	p->ptrace.exit_pending = false;
	return p->ptrace.tracer && ptrace_syscall_exit(k, p);
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
	if (kind != PTRACE_STOP_SIGNAL || !sig)
		pt->sync_sig = false;
	pt->listening = false;
	p->state = PROC_RUNNABLE;
	if (kind == PTRACE_STOP_SYSCALL_ENTRY || kind == PTRACE_STOP_EXIT ||
	    kind == PTRACE_STOP_SECCOMP) {
		pt->in_syscall = true;
		pt->seccomp_resumed = kind == PTRACE_STOP_SECCOMP;
		pt->entry_rax = p->ctx.rax;
		p->ctx.rip -= SYSCALL_INSN_LEN;
	} else if (kind == PTRACE_STOP_SYSCALL_EXIT && pt->restarted) {
		p->ctx.rip -= SYSCALL_INSN_LEN; /* made again from its SYSCALL */
		p->ctx.rax = pt->orig_rax;
	} else if (kind == PTRACE_STOP_EVENT && vfork_child(k, p)) {
		/* PTRACE_EVENT_VFORK: the call goes on waiting for the child */
		p->state = PROC_BLOCKED;
		p->wait_chan = vfork_child(k, p);
		pt->exit_pending = pt->syscall_trace || pt->singlestep;
		return;
	} else if (kind == PTRACE_STOP_EVENT && pt->tracer && pt->syscall_trace) {
		syscall_exit_stop(k, p);
		return;
	} else if (kind == PTRACE_STOP_EVENT && pt->tracer && pt->singlestep) {
		ptrace_step_syscall(k, p); /* the call stepped over ends after its event */
	} else if (kind == PTRACE_STOP_SIGNAL && sig) {
		if (sig != pt->siginfo.signo) {
			pt->siginfo = (struct ksiginfo){.signo = sig, .code = SI_USER,
							.pid = pt->tracer ? pt->tracer->tgid : 0};
			pt->sync_sig = false; /* another signal: no fault behind it */
		}
		pt->inject_sig = sig;
	}
}

int ptrace_take_injected(struct process *p, struct ksiginfo *info, struct sigframe_fault *ff,
			 bool *sync)
{
	struct ptrace_state *pt = &p->ptrace;
	int sig = pt->inject_sig;
	pt->inject_sig = 0;
	*sync = false;
	if (!sig)
		return 0;
	*info = pt->siginfo;
	/* The fault's own signal, as it was: its frame tells the fault. */
	if (pt->sync_sig && sig == pt->siginfo.signo) {
		*sync = true;
		*ff = (struct sigframe_fault){pt->fault_trapno, pt->fault_err, pt->fault_cr2};
	}
	pt->sync_sig = false;
	return sig;
}

bool ptrace_signal(struct kernel *k, struct process *p, const struct ksiginfo *info,
		   const struct sigframe_fault *ff)
{
	struct ptrace_state *pt = &p->ptrace;
	pt->siginfo = *info;
	pt->sync_sig = ff != NULL;
	if (ff) {
		pt->fault_trapno = ff->trapno;
		pt->fault_err = ff->err;
		pt->fault_cr2 = ff->cr2;
	}
	ptrace_stop(k, p, PTRACE_STOP_SIGNAL, info->signo);
	return true;
}

/* ---- PTRACE_SINGLESTEP ---- */

void ptrace_step_syscall(struct kernel *k, struct process *p)
{
	/* send_sigtrap(regs, 0, TRAP_BRKPT): si_addr is the next RIP */
	struct ksiginfo info = {.signo = SIGTRAP, .code = TRAP_BRKPT, .addr = p->ctx.rip};
	force_sig_info(k, p, &info, false);
}

void ptrace_step_handler(struct kernel *k, struct process *p)
{
	ptrace_stop(k, p, PTRACE_STOP_STEP, SIGTRAP);
}

void ptrace_disable_single_step(struct process *p)
{
	struct ptrace_state *pt = &p->ptrace;
	pt->singlestep = false;
	if (pt->forced_tf)
		p->ctx.rflags &= ~X86_EFLAGS_TF;
	pt->forced_tf = false;
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
	if (!pt->tracer)
		return;
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
		ptrace_stop(k, child, PTRACE_STOP_TRAP, SIGTRAP | PTRACE_EVENT_STOP << 8);
	else
		signal_send(k, child, &(struct ksiginfo){.signo = SIGSTOP, .code = SI_USER});
	pt->eventmsg = (uint64_t)task_pid_nr_ns(child, pt->tracer->pid_ns);
	pt->pending_event = ev;
}

bool ptrace_syscall_interrupted(struct kernel *k, struct process *p)
{
	struct ptrace_state *pt = &p->ptrace;
	pt->orig_rax = p->ctx.rax;
	pt->restarted = true;
	syscall_regs(&p->ctx, (uint64_t)-ERESTARTSYS);
	p->state = PROC_RUNNABLE;
	syscall_exit_stop(k, p);
	return true;
}

/* ---- group stops and PTRACE_INTERRUPT, for a seized tracee ---- */

/* A group stop's report: the signal, and PTRACE_EVENT_STOP when seized. */
void ptrace_group_stop(struct kernel *k, struct process *p, int sig)
{
	ptrace_stop(k, p, PTRACE_STOP_TRAP, sig | (p->ptrace.seized ? PTRACE_EVENT_STOP << 8 : 0));
}

void ptrace_listen_continue(struct kernel *k, struct process *p)
{
	p->ptrace.listening = false;
	ptrace_stop(k, p, PTRACE_STOP_TRAP, SIGTRAP | PTRACE_EVENT_STOP << 8);
}

bool ptrace_trap(struct kernel *k, struct process *p)
{
	p->ptrace.trap_pending = false;
	ptrace_stop(k, p, PTRACE_STOP_TRAP, SIGTRAP | PTRACE_EVENT_STOP << 8);
	return true;
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
	/* Its end told, the tracer lets go: the real parent may wait now;
	 * a thread other than the leader is freed (Linux's release_task). */
	c->ptrace.tracer = NULL;
	if (!thread_group_leader(c))
		c->autoreap = true;
	if (c->signal->parent)
		kernel_wake(k, c->signal->parent);
}
