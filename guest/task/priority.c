/* priority.c - nice values: getpriority(2) and setpriority(2) with the
 * rules of Linux's kernel/sys.c. Each task has its own nice value
 * (PRIO_PROCESS names a thread id); PRIO_PGRP covers every thread of a
 * process group, PRIO_USER every task whose real uid is who. Lowering a
 * nice value beyond RLIMIT_NICE needs CAP_SYS_NICE (EACCES), changing
 * another user's task needs it too (EPERM). vmemu's scheduler does not
 * weigh tasks by it. */
#include <errno.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include "kern.h"
#include "task/task.h"

#define MIN_NICE (-20)
#define MAX_NICE 19

/* nice_to_rlimit: 40 for nice -20 down to 1 for nice 19. */
static long nice_to_rlimit(int nice)
{
	return MAX_NICE - nice + 1;
}

bool prio_same_owner(struct kernel *k, const struct process *p)
{
	const struct cred *c = &k->current->cred;
	return p->cred.uid == c->euid || p->cred.euid == c->euid;
}

/* Whether p belongs to the set which and who name (who already made
 * the caller's own for 0); zombies too, as Linux finds them by pid. */
static bool prio_match(const struct process *p, int which, int who)
{
	switch (which) {
	case PRIO_PROCESS:
		return p->pid == who;
	case PRIO_PGRP:
		return p->signal->pgid == who;
	default:
		return p->cred.uid == (uint32_t)who;
	}
}

/* who 0: the caller itself, its process group, its real uid. */
static int prio_who(struct kernel *k, int which, int who)
{
	if (who)
		return who;
	const struct process *p = k->current;
	return which == PRIO_PROCESS ? p->pid : which == PRIO_PGRP ? p->signal->pgid : (int)p->cred.uid;
}

/* set_one_prio: the error of this task, or the one so far when it may
 * be changed (ESRCH becomes 0: some task matched). */
static int set_one_prio(struct kernel *k, struct process *p, int nice, int error)
{
	if (!prio_same_owner(k, p) && !capable(k, CAP_SYS_NICE))
		return -EPERM;
	if (nice < p->sched.nice && (uint64_t)nice_to_rlimit(nice) > rlimit(k, RLIMIT_NICE) &&
	    !capable(k, CAP_SYS_NICE))
		return -EACCES;
	p->sched.nice = nice;
	return error == -ESRCH ? 0 : error;
}

int64_t sys_setpriority(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int which = (int)a[0], who = (int)a[1], nice = (int)a[2];
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	nice = nice < MIN_NICE ? MIN_NICE : nice > MAX_NICE ? MAX_NICE : nice;
	who = prio_who(k, which, who);
	int error = -ESRCH;
	for (struct process *p = k->procs; p; p = p->next)
		if (prio_match(p, which, who))
			error = set_one_prio(k, p, nice, error);
	return error;
}

/* The highest priority of the set as 20 - nice (1..40), so that no
 * value is negative. */
int64_t sys_getpriority(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int which = (int)a[0], who = (int)a[1];
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	who = prio_who(k, which, who);
	long best = -ESRCH;
	for (struct process *p = k->procs; p; p = p->next)
		if (prio_match(p, which, who) && nice_to_rlimit(p->sched.nice) > best)
			best = nice_to_rlimit(p->sched.nice);
	return best;
}
