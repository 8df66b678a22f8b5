/* wait.c - wait4 and waitid: reaping zombie children. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kern.h"

/* Does child c match wait4's pid argument for parent p? */
static bool pid_matches(const struct process *p, const struct process *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == 0)
		return c->pgid == p->pgid;
	if (pid < -1)
		return c->pgid == -pid;
	return true;
}

/* The status word of wait(2): exit code << 8, or the signal (+ 0x80 core). */
static int wait_status(const struct process *c)
{
	if (c->term_signal)
		return c->term_signal | (c->core_dumped ? 0x80 : 0);
	return c->exit_code << 8;
}

/* Finds a matching zombie (*found), or says whether any child matches. */
static struct process *find_zombie(struct kernel *k, int pid, bool *any)
{
	struct process *p = k->current;
	*any = false;
	for (struct process *c = k->procs; c; c = c->next) {
		if (c->parent != p || c->autoreap || !pid_matches(p, c, pid))
			continue;
		*any = true;
		if (c->state == PROC_ZOMBIE)
			return c;
	}
	return NULL;
}

static void reap(struct kernel *k, struct process *c)
{
	struct process *p = k->current;
	p->child_min_flt += c->min_flt + c->child_min_flt;
	p->child_maj_flt += c->maj_flt + c->child_maj_flt;
	process_reap(k, c);
}

/* wait4(pid, *status, options, *rusage) */
int64_t sys_wait4(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0], options = (int)a[2];
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD))
		return -EINVAL;
	bool any;
	struct process *c = find_zombie(k, pid, &any);
	if (!any)
		return -ECHILD;
	if (!c) {
		if (options & WNOHANG)
			return 0;
		process_block(k, k->current);
		return -ERESTARTSYS;
	}
	int32_t status = wait_status(c);
	if (a[1] && copy_to_user(k, a[1], &status, sizeof(status)))
		return -EFAULT;
	/* The child's usage, its own waited-for children included. */
	struct rusage ru = {.ru_minflt = (long)(c->min_flt + c->child_min_flt),
			    .ru_majflt = (long)(c->maj_flt + c->child_maj_flt)};
	if (a[3] && copy_to_user(k, a[3], &ru, sizeof(ru)))
		return -EFAULT;
	int child = c->pid;
	reap(k, c);
	return child;
}

/* waitid(idtype, id, *siginfo, options, *rusage) */
int64_t sys_waitid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int idtype = (int)a[0], id = (int)a[1], options = (int)a[3];
	int pid = idtype == P_PID ? id : idtype == P_PGID ? -id : idtype == P_ALL ? -1 : 0;
	if (idtype != P_PID && idtype != P_PGID && idtype != P_ALL)
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_PGID && id == 0)
		pid = 0;
	bool any;
	struct process *c = find_zombie(k, pid, &any);
	if (!any)
		return -ECHILD;
	if (!c || !(options & WEXITED)) {
		if (options & WNOHANG) {
			/* Linux zeroes si_pid (and si_signo) when nothing is ready. */
			uint8_t zero[128] = {0};
			return a[2] && copy_to_user(k, a[2], zero, sizeof(zero)) ? -EFAULT : 0;
		}
		process_block(k, k->current);
		return -ERESTARTSYS;
	}
	/* siginfo_t for SIGCHLD: signo, errno, code, then pid, uid, status. */
	struct {
		int32_t signo, errnum, code, pad;
		int32_t pid, uid, status;
		uint8_t rest[100];
	} si = {.signo = SIGCHLD,
		.code = c->term_signal ? (c->core_dumped ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED,
		.pid = c->pid,
		.status = c->term_signal ? c->term_signal : c->exit_code};
	_Static_assert(sizeof(si) == 128, "siginfo_t is 128 bytes");
	if (a[2] && copy_to_user(k, a[2], &si, sizeof(si)))
		return -EFAULT;
	if (!(options & WNOWAIT))
		reap(k, c);
	return 0;
}
