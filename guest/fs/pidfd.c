/* pidfd.c - pidfd_open(2), pidfd_send_signal(2), pidfd_getfd(2) and
 * process_mrelease(2), and clone's CLONE_PIDFD. A pidfd names one
 * process for as long as it is open: the process's pid and serial number,
 * so a later process given the same pid is not it. poll(2) reports POLLIN
 * once the process has exited, and POLLHUP too once it has been reaped,
 * as Linux's pidfd_poll; an exit wakes its polls and epoll items
 * (pidfd_notify). A pidfd is not read or written (EINVAL).
 *
 * process_mrelease frees the private memory of a process that is being
 * killed (SIGKILL pending) before it gets to exit, as Linux's oom reaper
 * does: EINVAL for one that is not dying, ESRCH once it has exited (vmemu
 * frees the memory of an exiting process at once). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

struct pidfd {
	struct kernel *k;
	int pid;
	uint64_t serial;
};

/* The process an open /proc/PID directory names, or NULL once it has
 * been reaped. */
static struct process *proc_pid_dir_task(struct kernel *k, const struct proc_ref *ref)
{
	struct process *p = process_find(k, ref->pid);
	return p && thread_group_leader(p) ? p : NULL;
}

/* The process f names, or NULL once it has been reaped. */
static struct process *pidfd_task(const struct file *f)
{
	const struct pidfd *pf = f->private;
	struct process *p = process_find(pf->k, pf->pid);
	return p && p->serial == pf->serial ? p : NULL;
}

int pidfd_pid(struct kernel *k, uint64_t fd, int *f_flags)
{
	struct file *f = fd_arg(k, fd);
	if (!f || f->kind != FILE_PIDFD)
		return -EBADF; /* pidfd_get_pid's answer for any other file too */
	*f_flags = f->flags;
	struct process *p = pidfd_task(f);
	return p ? p->pid : 0;
}

/* Every pidfd's poll and epoll items wait here for an exit. */
static const char pidfd_wait;

void pidfd_notify(struct kernel *k)
{
	file_wake(k, &pidfd_wait, POLLIN);
}

static int pidfd_chans(struct file *f, const void *chans[])
{
	(void)f;
	chans[0] = &pidfd_wait;
	return 1;
}

static unsigned pidfd_poll(struct file *f)
{
	struct process *p = pidfd_task(f);
	if (!p)
		return POLLIN | POLLRDNORM | POLLHUP;
	/* Readable once the whole process has exited, not its leader alone
	 * (thread_group_empty). */
	return p->exited && process_dead(p) ? POLLIN | POLLRDNORM : 0;
}

static int64_t pidfd_rw(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)k, (void)f, (void)u, (void)pos;
	return -EINVAL; /* Linux's answer for a file without read or write */
}

static void pidfd_release(struct file *f)
{
	free(f->private);
}

/* Pid and NSpid: the process's id as /proc's (the initial) PID namespace
 * sees it, then at each level of its own namespaces; -1 once it has been
 * reaped. */
static void pidfd_show_fdinfo(struct file *f, struct seq *s)
{
	struct process *p = pidfd_task(f);
	if (!p) {
		seq_printf(s, "Pid:\t-1\nNSpid:\t-1\n");
		return;
	}
	seq_printf(s, "Pid:\t%d\n", p->pid);
	proc_show_pid_levels(s, "NSpid", p, false);
}

static const struct file_ops pidfd_ops = {
	.read = pidfd_rw,
	.write = pidfd_rw,
	.poll = pidfd_poll,
	.stat = anon_inode_stat,
	.release = pidfd_release,
	.poll_chans = pidfd_chans,
	.anon_name = "[pidfd]",
	.show_fdinfo = pidfd_show_fdinfo,
};

int64_t sys_pidfd_open(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	if (a[1] & ~(uint64_t)O_NONBLOCK) /* PIDFD_NONBLOCK */
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	struct process *p = find_task_by_vpid(k, pid);
	if (!p)
		return -ESRCH;
	return pidfd_create(k, p, (int)a[1]);
}

int pidfd_create(struct kernel *k, const struct process *p, int flags)
{
	struct pidfd *pf = malloc(sizeof(*pf));
	struct file *f = pf ? file_alloc(&pidfd_ops, FILE_PIDFD, O_RDWR | flags, pf) : NULL;
	if (!f) {
		free(pf);
		return -ENOMEM;
	}
	*pf = (struct pidfd){.k = k, .pid = p->pid, .serial = p->serial};
	f->f_mode = FMODE_READ | FMODE_WRITE;
	return fd_install_new(k, f, true); /* always close-on-exec */
}

/* pidfd_send_signal(pidfd, sig, info, flags): kill(2) of the process the
 * pidfd (or an open /proc/PID directory) names; with info, that siginfo, which only a process sending to
 * itself may give a non-negative si_code or SI_TKILL (Linux's rule for
 * rt_sigqueueinfo). No flags yet (Linux 6.1; 6.9 added PIDFD_SIGNAL_*). */
int64_t sys_pidfd_send_signal(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int sig = (int)a[1];
	if (a[3])
		return -EINVAL;
	struct file *f = fd_arg(k, a[0]);
	struct proc_ref ref;
	struct process *p;
	if (f && f->kind == FILE_PIDFD)
		p = pidfd_task(f);
	else if (f && procfs_file_ref(f, &ref) && ref.kind == PROC_PID_DIR)
		p = proc_pid_dir_task(k, &ref); /* Linux's tgid_pidfd_to_pid */
	else
		return -EBADF;
	struct ksiginfo info = {.signo = sig, .code = SI_USER, .pid = k->current->tgid,
				.uid = (int)k->current->cred.uid};
	if (a[2]) {
		siginfo_t si;
		if (copy_from_user(k, &si, a[2], sizeof(si)))
			return -EFAULT;
		if (si.si_signo != sig)
			return -EINVAL;
		if (p != k->current && (si.si_code >= 0 || si.si_code == SI_TKILL))
			return -EPERM;
		info.code = si.si_code;
		info.pid = si.si_pid;
		info.uid = (int)si.si_uid;
	}
	if (!p)
		return -ESRCH;
	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	if (!kill_permitted(k, p, sig))
		return -EPERM;
	if (!a[2]) /* the sender as the receiver's PID namespace sees it */
		info.pid = task_tgid_nr_ns(k->current, p->pid_ns);
	if (sig && !sig_unkillable(k, p, sig))
		group_send_sig(k, p, &info);
	return 0;
}

/* pidfd_getfd(pidfd, fd, flags): a new close-on-exec fd of the caller's
 * on the open file description at fd in the process the pidfd names
 * (the same one: offset and status flags shared), as Linux's checks go:
 * flags EINVAL, the pidfd EBADF, the process reaped ESRCH, ptrace access
 * (PTRACE_MODE_ATTACH_REALCREDS) EPERM, fd not open there EBADF (ESRCH
 * once the task has exited: a zombie), EMFILE. */
int64_t sys_pidfd_getfd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((uint32_t)a[2])
		return -EINVAL;
	struct file *pf = fd_arg(k, a[0]);
	if (!pf || pf->kind != FILE_PIDFD)
		return -EBADF;
	struct process *p = pidfd_task(pf);
	if (!p)
		return -ESRCH;
	int err = ptrace_may_access(k, p, PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS);
	if (err)
		return err;
	struct file *f = p->files ? fd_file(p->files, (int)(uint32_t)a[1]) : NULL;
	if (!f) /* an exiting task has no files left: that is ESRCH */
		return p->exited ? -ESRCH : -EBADF;
	file_get(f);
	return fd_install_new(k, f, true);
}

/* Whether a task of another process uses p's memory (CLONE_VM, vfork). */
static bool mm_shared_outside(struct kernel *k, const struct process *p)
{
	for (const struct process *q = k->procs; q; q = q->next)
		if (q->mm == p->mm && q->tgid != p->tgid)
			return true;
	return false;
}

int64_t sys_process_mrelease(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[1])
		return -EINVAL;
	struct file *f = fd_arg(k, a[0]);
	if (!f || f->kind != FILE_PIDFD)
		return -EBADF;
	struct process *p = pidfd_task(f);
	if (!p || !p->mm)
		return -ESRCH; /* it has exited: its memory is gone already */
	uint64_t pending = p->signal->shared_pending.signal | p->sig.pending.signal;
	bool dying = p->signal->group_exit || (pending & sig_bit(SIGKILL));
	if (!dying || mm_shared_outside(k, p))
		return -EINVAL; /* alive, or its memory lives on in another process */
	mm_reap(k, p->mm);
	return 0;
}
