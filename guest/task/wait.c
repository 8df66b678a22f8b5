/* wait.c - wait4 and waitid: reaping zombie children, and telling of
 * stopped and continued ones (WUNTRACED/WSTOPPED, WCONTINUED). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3 /* Linux 5.4's idtype; older libc headers lack it */
#endif

/* wait's pid argument as the caller's PID namespace names it, in the
 * initial namespace's numbers; one the caller cannot see matches no
 * child. */
static int pid_arg_global(struct kernel *k, int pid)
{
	if (pid <= 0 && pid >= -1)
		return pid;
	int g = pid_from_vnr(k, pid > 0 ? pid : -pid);
	int none = INT_MAX; /* no pid is that high */
	return pid > 0 ? (g ? g : none) : -(g ? g : none);
}

/* Does child c (a process's leader) match wait4's pid argument for the
 * waiting process s? */
static bool pid_matches(const struct signal_struct *s, const struct process *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == 0)
		return c->signal->pgid == s->pgid;
	if (pid < -1)
		return c->signal->pgid == -pid;
	return true;
}

/* A child whose exit signal is not SIGCHLD is a "clone" child: only
 * __WCLONE waits for those, and only those (__WALL: for all). */
static bool type_matches(const struct process *c, int options)
{
	if (options & __WALL)
		return true;
	return (c->exit_signal != SIGCHLD) == !!(options & __WCLONE);
}

/* What wait can report of a child (Linux's wait_task_zombie,
 * wait_task_stopped and wait_task_continued). */
enum child_event { CHILD_NONE, CHILD_EXITED, CHILD_STOPPED, CHILD_CONTINUED, CHILD_TRACED };

/* The event of c that options (WEXITED, WSTOPPED, WCONTINUED) ask for.
 * A stop or continue is reported once: reporting it clears it. */
static enum child_event child_event(const struct process *c, int options)
{
	const struct signal_struct *s = c->signal;
	if (process_dead(c))
		return options & WEXITED ? CHILD_EXITED : CHILD_NONE;
	if ((options & WSTOPPED) && s->group_stop && s->stop_code)
		return CHILD_STOPPED;
	if ((options & WCONTINUED) && s->stop_continued)
		return CHILD_CONTINUED;
	return CHILD_NONE;
}

/* The first matching child with an event to report (*ev), or NULL; *any
 * says whether any child matches at all. Children of every thread of the
 * caller's process count, as Linux's do_wait without __WNOTHREAD (a
 * thread's children are its process's here). */
static struct process *find_child(struct kernel *k, int pid, int options, enum child_event *ev,
				  bool *any)
{
	const struct signal_struct *s = k->current->signal;
	*any = false;
	for (struct process *c = k->procs; c; c = c->next) {
		/* A tracee of the caller: its ptrace stops (whatever WUNTRACED
		 * says) and its end, whoever its parent (Linux's ptraced list). */
		bool exited;
		int traced = ptrace_wait_event(c, s, &exited);
		if (traced >= 0 && pid_matches(s, c, pid)) {
			*any = true;
			*ev = exited && (options & WEXITED) ? CHILD_EXITED
			      : traced > 0 ? CHILD_TRACED : CHILD_NONE;
			if (*ev != CHILD_NONE)
				return c;
			continue;
		}
		/* Traced by another: its parent hears of its end once the
		 * tracer has. */
		if (c->ptrace.tracer && process_dead(c) && c->signal->parent == s)
			*any = true;
		if (c->ptrace.tracer && process_dead(c))
			continue;
		if (!thread_group_leader(c) || c->signal->parent != s || c->autoreap ||
		    !pid_matches(s, c, pid) || !type_matches(c, options))
			continue;
		*any = true;
		*ev = child_event(c, options);
		if (*ev != CHILD_NONE)
			return c;
	}
	return NULL;
}

/* The status word of wait(2): exit code << 8, or the signal (+ 0x80 core);
 * 0x7f | signal << 8 for a stop, 0xffff for a continue. */
static int wait_status(const struct process *c, enum child_event ev)
{
	if (ev == CHILD_STOPPED)
		return 0x7f | c->signal->stop_code << 8;
	if (ev == CHILD_TRACED)
		return 0x7f | c->ptrace.exit_code << 8;
	if (ev == CHILD_CONTINUED)
		return 0xffff;
	if (c->term_signal)
		return c->term_signal | (c->core_dumped ? 0x80 : 0);
	return c->exit_code << 8;
}

/* Faults of a process, its threads' and its waited-for children's. */
static void process_faults(struct kernel *k, const struct process *c, uint64_t *min,
			   uint64_t *maj)
{
	thread_group_faults(k, c, min, maj);
	*min += c->signal->child_min_flt;
	*maj += c->signal->child_maj_flt;
}

/* A child's rusage for wait4 and waitid (Linux's RUSAGE_BOTH): its faults
 * and peak resident set, its waited-for children's included. */
static void child_rusage(struct kernel *k, const struct process *c, struct rusage *ru)
{
	uint64_t min, maj;
	process_faults(k, c, &min, &maj);
	*ru = (struct rusage){.ru_minflt = (long)min, .ru_majflt = (long)maj,
			      .ru_maxrss = task_maxrss_kb(c, RUSAGE_BOTH)};
}

/* The event is told: a dead child goes, a stop or continue is forgotten. */
static void consume(struct kernel *k, struct process *c, enum child_event ev)
{
	struct signal_struct *s = k->current->signal;
	if (ev == CHILD_TRACED || (ev == CHILD_EXITED && c->ptrace.tracer &&
				   (c->signal->parent != s || !thread_group_leader(c)))) {
		ptrace_reported(k, c, ev == CHILD_EXITED);
	} else if (ev == CHILD_STOPPED) {
		c->signal->stop_code = 0;
	} else if (ev == CHILD_CONTINUED) {
		c->signal->stop_continued = false;
	} else {
		uint64_t min, maj;
		process_faults(k, c, &min, &maj);
		s->child_min_flt += min;
		s->child_maj_flt += maj;
		maxrss_reap(s, c->signal);
		process_reap(k, c);
	}
}

/* Nothing to report yet: 0 with WNOHANG, else wait for a child's news. */
static int64_t wait_nothing(struct kernel *k, int options)
{
	if (options & WNOHANG)
		return 0;
	process_block(k, k->current->signal);
	return -ERESTARTSYS;
}

/* wait4(pid, *status, options, *rusage) */
int64_t sys_wait4(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0], options = (int)a[2];
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD))
		return -EINVAL;
	bool any;
	enum child_event ev;
	struct process *c = find_child(k, pid_arg_global(k, pid), options | WEXITED, &ev, &any);
	if (!any)
		return -ECHILD;
	if (!c)
		return wait_nothing(k, options);
	int32_t status = wait_status(c, ev);
	if (a[1] && copy_to_user(k, a[1], &status, sizeof(status)))
		return -EFAULT;
	struct rusage ru;
	child_rusage(k, c, &ru);
	if (a[3] && copy_to_user(k, a[3], &ru, sizeof(ru)))
		return -EFAULT;
	int child = task_pid_vnr(k, c);
	consume(k, c, ev);
	return child;
}

/* si_code and si_status of waitid's siginfo for event ev of c. */
static void child_siginfo(const struct process *c, enum child_event ev, int *code, int *status)
{
	if (ev == CHILD_STOPPED) {
		*code = CLD_STOPPED;
		*status = c->signal->stop_code;
	} else if (ev == CHILD_TRACED) {
		*code = CLD_TRAPPED;
		*status = c->ptrace.exit_code;
	} else if (ev == CHILD_CONTINUED) {
		*code = CLD_CONTINUED;
		*status = SIGCONT;
	} else if (c->term_signal) {
		*code = c->core_dumped ? CLD_DUMPED : CLD_KILLED;
		*status = c->term_signal;
	} else {
		*code = CLD_EXITED;
		*status = c->exit_code;
	}
}

/* waitid(idtype, id, *siginfo, options, *rusage) */
int64_t sys_waitid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int idtype = (int)a[0], id = (int)a[1], options = (int)a[3];
	int pid = idtype == P_PID ? id : idtype == P_PGID ? -id : idtype == P_ALL ? -1 : 0;
	if (idtype != P_PID && idtype != P_PGID && idtype != P_ALL && idtype != P_PIDFD)
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_PGID && id == 0)
		pid = 0;
	pid = pid_arg_global(k, pid);
	/* P_PIDFD: the child the pidfd names; one reaped since matches none.
	 * A PIDFD_NONBLOCK pidfd waits as with WNOHANG, but says EAGAIN
	 * (Linux's kernel_waitid). */
	int f_flags = 0;
	if (idtype == P_PIDFD) {
		if (id < 0)
			return -EINVAL;
		if ((pid = pidfd_pid(k, (uint64_t)id, &f_flags)) < 0)
			return pid;
		if (!pid)
			return -ECHILD;
	}
	bool nonblock = (f_flags & O_NONBLOCK) && !(options & WNOHANG);
	if (nonblock)
		options |= WNOHANG;
	bool any;
	enum child_event ev;
	struct process *c = find_child(k, pid, options, &ev, &any);
	if (!any)
		return -ECHILD;
	if (!c) {
		/* Linux zeroes si_pid (and si_signo) when nothing is ready. */
		uint8_t zero[128] = {0};
		if ((options & WNOHANG) && a[2] && copy_to_user(k, a[2], zero, sizeof(zero)))
			return -EFAULT;
		return nonblock ? -EAGAIN : wait_nothing(k, options);
	}
	/* siginfo_t for SIGCHLD: signo, errno, code, then pid, uid, status. */
	struct {
		int32_t signo, errnum, code, pad;
		int32_t pid, uid, status;
		uint8_t rest[100];
	} si = {.signo = SIGCHLD, .pid = task_pid_vnr(k, c), .uid = (int32_t)c->cred.uid};
	_Static_assert(sizeof(si) == 128, "siginfo_t is 128 bytes");
	child_siginfo(c, ev, &si.code, &si.status);
	/* The rusage first, as Linux's waitid copies it. */
	struct rusage ru;
	child_rusage(k, c, &ru);
	if (a[4] && copy_to_user(k, a[4], &ru, sizeof(ru)))
		return -EFAULT;
	if (a[2] && copy_to_user(k, a[2], &si, sizeof(si)))
		return -EFAULT;
	if (!(options & WNOWAIT))
		consume(k, c, ev);
	return 0;
}
