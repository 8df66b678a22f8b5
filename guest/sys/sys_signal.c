/* sys_signal.c - the signal system calls: actions and masks, waiting for
 * a signal (rt_sigsuspend, pause) or taking one (rt_sigtimedwait), the
 * alternate stack, rt_sigreturn, kill/tkill/tgkill and the siginfo-giving
 * rt_sigqueueinfo/rt_tgsigqueueinfo, and the process groups and sessions
 * kill addresses. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define KERNEL_SIGSET_SIZE 8 /* the kernel's sigset_t: 64 signals */
#define NSEC_PER_SEC 1000000000LL

/* ---- actions and masks ---- */

int64_t sys_rt_sigaction(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	int sig = (int)a[0];
	struct k_sigaction act;
	if (a[3] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (a[1] && copy_from_user(k, &act, a[1], sizeof(act)))
		return -EFAULT;
	if (sig < 1 || sig > KSIG_MAX || (a[1] && (sig == SIGKILL || sig == SIGSTOP)) ||
	    (p->sighand->action[sig].flags & KSA_IMMUTABLE))
		return -EINVAL;
	struct k_sigaction old = p->sighand->action[sig];
	if (a[1]) {
		act.mask = signal_blockable(act.mask);
		p->sighand->action[sig] = act;
		/* POSIX: an action set to ignore discards the pending signal,
		 * in every thread. */
		if (signal_ignored(p, sig))
			signal_flush_pending(k, p, sig_bit(sig));
	}
	if (a[2] && copy_to_user(k, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_rt_sigprocmask(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_state *s = &k->current->sig;
	uint64_t old = s->blocked, set;
	if (a[3] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (a[1]) {
		if (copy_from_user(k, &set, a[1], sizeof(set)))
			return -EFAULT;
		set = signal_blockable(set);
		switch ((int)a[0]) {
		case SIG_BLOCK: s->blocked |= set; break;
		case SIG_UNBLOCK: s->blocked &= ~set; break;
		case SIG_SETMASK: s->blocked = set; break;
		default: return -EINVAL;
		}
	}
	if (a[2] && copy_to_user(k, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* Blocked signals pending for the thread or its process. */
int64_t sys_rt_sigpending(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	const struct process *p = k->current;
	uint64_t set = (p->sig.pending.signal | p->signal->shared_pending.signal) & p->sig.blocked;
	if (a[1] > KERNEL_SIGSET_SIZE)
		return -EINVAL;
	return copy_to_user(k, a[0], &set, a[1]);
}

/* ---- waiting for a signal ---- */

/* Sleeps until a signal wakes p; the call then ends in EINTR (a handler
 * never restarts it: signal.c). */
static int64_t wait_for_signal(struct kernel *k, struct process *p)
{
	if (signal_interrupts(p))
		return -EINTR;
	process_block(k, &p->sig);
	return -ERESTARTSYS;
}

int64_t sys_pause(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return wait_for_signal(k, k->current);
}

/* The caller's mask comes back when the handler returns (the frame saves
 * it) or, without a handler, on the way back to user mode. */
int64_t sys_rt_sigsuspend(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	struct signal_state *s = &p->sig;
	uint64_t set;
	if (a[1] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(k, &set, a[0], sizeof(set)))
		return -EFAULT;
	/* A restarted call keeps the mask saved the first time. */
	if (!s->restore_blocked) {
		s->saved_blocked = s->blocked;
		s->restore_blocked = true;
	}
	s->blocked = signal_blockable(set);
	return wait_for_signal(k, p);
}

/* sigwaitinfo and sigtimedwait: a pending signal of the set is taken
 * without its handler (the thread's own first, then its process's).
 * Otherwise the thread sleeps (a guest sleep: others run meanwhile) until
 * one comes, blocked or not (Linux unblocks the set for the wait), or the
 * timeout passes: EAGAIN; a signal outside the set that runs a handler
 * ends the call with EINTR (never restarted: signal.c). */
int64_t sys_rt_sigtimedwait(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	struct timespec ts;
	uint64_t set, ns = 0;
	p->sig.sigwait = 0;
	if (a[3] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(k, &set, a[0], sizeof(set)))
		return -EFAULT;
	if (a[2] && copy_from_user(k, &ts, a[2], sizeof(ts)))
		return -EFAULT;
	if (a[2] && !timespec_to_ns(&ts, &ns))
		return -EINVAL;
	struct ksiginfo info;
	int sig = signal_dequeue(p, signal_blockable(set), &info);
	if (sig) /* taken, even when siginfo cannot be written */
		return a[1] && copy_siginfo_to_user(k, a[1], &info) ? -EFAULT : sig;
	if (a[2] && !ns)
		return -EAGAIN;
	if (signal_interrupts(p))
		return -EINTR;
	if (a[2]) {
		if (!process_block_until(k, &p->sig, kernel_now_ns() + ns))
			return -EAGAIN;
	} else {
		process_block(k, &p->sig);
	}
	p->sig.sigwait = signal_blockable(set);
	return -ERESTARTSYS;
}

/* ---- the alternate stack and the way back from a handler ---- */

int64_t sys_sigaltstack(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	struct process *p = k->current;
	const struct signal_state *s = &p->sig;
	struct k_stack old = {s->altstack_sp, altstack_flags(p, ctx->rsp) | s->altstack_flags,
			      s->altstack_size};
	if (a[0]) {
		struct k_stack ss;
		if (copy_from_user(k, &ss, a[0], sizeof(ss)))
			return -EFAULT;
		int err = altstack_set(p, ctx->rsp, ss.ss_sp, ss.ss_flags, ss.ss_size);
		if (err)
			return err;
	}
	if (a[1] && copy_to_user(k, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* Returns the restored rax, so the dispatcher's write keeps it. A frame
 * that cannot be read gets SIGSEGV, as Linux's signal_fault. */
int64_t sys_rt_sigreturn(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)a;
	struct process *p = k->current;
	if (sigframe_restore(k, p)) {
		force_fatal_sig(p, SIGSEGV);
		return 0;
	}
	return (int64_t)ctx->rax;
}

/* ---- sending ---- */

/* Like Linux, a bad signal number is found once a target exists (ESRCH
 * first); signal 0 only checks that the target exists. To a process
 * (kill) or one thread (tkill, tgkill). */
static int send_info(struct kernel *k, struct process *to, const struct ksiginfo *info,
		     bool thread)
{
	if (info->signo < 0 || info->signo > KSIG_MAX)
		return -EINVAL;
	if (!kill_permitted(k, to, info->signo))
		return -EPERM;
	if (info->signo && sig_unkillable(k, to, info->signo))
		return 0; /* a PID namespace's init drops it */
	if (info->signo && thread)
		signal_send(k, to, info);
	else if (info->signo)
		group_send_sig(k, to, info);
	return 0;
}

static int send_user(struct kernel *k, struct process *to, int sig, int code, bool thread)
{
	struct ksiginfo info = {.signo = sig, .code = code,
				.pid = task_tgid_nr_ns(k->current, to->pid_ns),
				.uid = (int)k->current->cred.uid};
	return send_info(k, to, &info, thread);
}

/* pid > 0: that process (any of its thread ids names it, as on Linux); 0:
 * the caller's group; -1: all but init and the caller; < -1: group -pid.
 * A group succeeds if one member took the signal, else gives the last
 * error; -1 gives the last error unless every target was EPERM (ESRCH). */
int64_t sys_kill(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *self = k->current;
	int pid = (int)a[0], sig = (int)a[1];
	if (pid > 0) {
		struct process *p = find_task_by_vpid(k, pid);
		return p ? send_user(k, p, sig, SI_USER, false) : -ESRCH;
	}
	if (pid == INT_MIN)
		return -ESRCH; /* -pid would overflow */
	int found = 0, err = 0, pgid = pid < -1 ? pid_from_vnr(k, -pid) : 0;
	bool sent = false;
	if (pid < -1 && !pgid)
		return -ESRCH;
	for (struct process *p = k->procs; p; p = p->next) {
		const struct signal_struct *s = p->signal;
		if (!thread_group_leader(p) || process_dead(p))
			continue;
		/* -1: all the caller sees but its namespace's init */
		bool hit = pid == 0    ? s->pgid == self->signal->pgid
			   : pid == -1 ? task_pid_vnr(k, p) > 1 && s != self->signal
				       : s->pgid == pgid;
		if (hit) {
			err = send_user(k, p, sig, SI_USER, false);
			found += pid != -1 || err != -EPERM;
			sent |= !err;
		}
	}
	if (!found)
		return -ESRCH;
	return pid == -1 || !sent ? err : 0;
}

/* A thread of process tgid (any process when tgid is -1: tkill). */
static int64_t do_tkill(struct kernel *k, int tgid, int tid, int sig)
{
	struct process *p = find_task_by_vpid(k, tid);
	if (!p || p->exited || (tgid > 0 && task_tgid_vnr(k, p) != tgid))
		return -ESRCH;
	return send_user(k, p, sig, SI_TKILL, true);
}

int64_t sys_tgkill(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int tgid = (int)a[0], tid = (int)a[1];
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return do_tkill(k, tgid, tid, (int)a[2]);
}

int64_t sys_tkill(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int tid = (int)a[0];
	if (tid <= 0)
		return -EINVAL;
	return do_tkill(k, -1, tid, (int)a[1]);
}

/* The siginfo a sender gives rt_sigqueueinfo (the kernel reads 48
 * bytes): its code, errno, pid, uid and value; si_signo is the signal
 * sent. */
static int siginfo_from_user(struct kernel *k, uint64_t uinfo, int sig, struct ksiginfo *info)
{
	struct {
		int32_t signo, errnum, code, pad;
		int32_t pid;
		uint32_t uid;
		uint64_t value;
		uint8_t rest[16];
	} u;
	if (copy_from_user(k, &u, uinfo, sizeof(u)))
		return -EFAULT;
	*info = (struct ksiginfo){.signo = sig, .errnum = u.errnum, .code = u.code, .pid = u.pid,
				  .uid = (int)u.uid, .value = u.value};
	return 0;
}

/* Another process may not be told that the kernel, kill or tkill sent
 * the signal: a code >= 0 or SI_TKILL is EPERM unless the receiver is the
 * calling thread itself (Linux's do_rt_sigqueueinfo). */
static bool may_pose(const struct kernel *k, const struct ksiginfo *info, int to)
{
	return (info->code < 0 && info->code != SI_TKILL) || to == task_pid_vnr(k, k->current);
}

int64_t sys_rt_sigqueueinfo(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	struct ksiginfo info;
	int err = siginfo_from_user(k, a[2], (int)a[1], &info);
	if (err)
		return err;
	if (!may_pose(k, &info, pid))
		return -EPERM;
	struct process *p = pid > 0 ? find_task_by_vpid(k, pid) : NULL;
	return p ? send_info(k, p, &info, false) : -ESRCH;
}

int64_t sys_rt_tgsigqueueinfo(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int tgid = (int)a[0], tid = (int)a[1];
	struct ksiginfo info;
	int err = siginfo_from_user(k, a[3], (int)a[2], &info);
	if (err)
		return err;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (!may_pose(k, &info, tid))
		return -EPERM;
	struct process *p = find_task_by_vpid(k, tid);
	if (!p || p->exited || task_tgid_vnr(k, p) != tgid)
		return -ESRCH;
	return send_info(k, p, &info, true);
}

/* ---- process groups and sessions ---- */

/* The process whose thread pid names (0: the caller), or NULL. */
static struct process *pid_arg(struct kernel *k, uint64_t arg)
{
	int pid = (int)arg;
	return pid ? find_task_by_vpid(k, pid) : k->current;
}

/* Rules of setpgid(2): the caller or a child of its session, never a
 * session leader, into a group of the same session or a new one named
 * after the process; a thread id other than a process id is EINVAL, as on
 * Linux. Children are not told apart by exec (no EACCES). */
int64_t sys_setpgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_struct *self = k->current->signal;
	struct process *p = pid_arg(k, a[0]);
	int pgid = (int)a[1];
	if (pgid < 0)
		return -EINVAL;
	if (!p || (p->signal != self && p->signal->parent != self))
		return -ESRCH;
	if (!thread_group_leader(p))
		return -EINVAL;
	struct signal_struct *s = p->signal;
	/* named in the caller's PID namespace (0: none there) */
	pgid = pgid ? pid_from_vnr(k, pgid) : p->tgid;
	if (!pgid)
		return -EPERM;
	if (s->sid != self->sid || s->sid == p->tgid)
		return -EPERM;
	if (pgid != p->tgid) {
		struct process *g = k->procs;
		while (g && !(g->signal->pgid == pgid && g->signal->sid == self->sid))
			g = g->next;
		if (!g)
			return -EPERM;
	}
	s->pgid = pgid;
	return 0;
}

int64_t sys_getpgid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = pid_arg(k, a[0]);
	return p ? pid_vnr(k, p->signal->pgid) : -ESRCH;
}

int64_t sys_getpgrp(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return pid_vnr(k, k->current->signal->pgid);
}

int64_t sys_getsid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = pid_arg(k, a[0]);
	return p ? pid_vnr(k, p->signal->sid) : -ESRCH;
}

/* A new session and group named after the caller's process, unless a
 * group of that name exists (the caller leads one already). */
int64_t sys_setsid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	struct process *self = k->current;
	for (struct process *p = k->procs; p; p = p->next)
		if (p->signal->pgid == self->tgid)
			return -EPERM;
	self->signal->sid = self->tgid;
	self->signal->pgid = self->tgid;
	return task_tgid_vnr(k, self);
}
