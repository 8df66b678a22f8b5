/* ioprio.c - I/O priorities: ioprio_get(2) and ioprio_set(2) as Linux's
 * block/ioprio.c has them. Each task keeps the 16-bit value it was given
 * (vmemu's host-backed I/O does not use it). ioprio_get of one task gives
 * that value (0: none set); of a group or a user, the best of the
 * members' effective priorities, where "none" means the class and level
 * the nice value and policy imply. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/sched.h>

#include "kern.h"
#include "task/task.h"

static int ioprio_check_cap(struct kernel *k, int ioprio)
{
	int level = IOPRIO_PRIO_LEVEL(ioprio);
	switch (IOPRIO_PRIO_CLASS(ioprio)) {
	case IOPRIO_CLASS_RT:
		if (!capable(k, CAP_SYS_ADMIN) && !capable(k, CAP_SYS_NICE))
			return -EPERM;
		return 0; /* the level has three bits: always below 8 */
	case IOPRIO_CLASS_BE:
	case IOPRIO_CLASS_IDLE:
		return 0;
	case IOPRIO_CLASS_NONE:
		return level ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static bool ioprio_match(struct kernel *k, const struct process *p, int which, int who)
{
	switch (which) {
	case IOPRIO_WHO_PROCESS:
		return p->pid == (who ? who : k->current->pid);
	case IOPRIO_WHO_PGRP:
		return p->signal->pgid == (who ? who : k->current->signal->pgid);
	default:
		return p->cred.uid == (who ? (uint32_t)who : k->current->cred.uid);
	}
}

int64_t sys_ioprio_set(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int which = (int)a[0], who = (int)a[1], ioprio = (int)a[2];
	int err = ioprio_check_cap(k, ioprio);
	if (err)
		return err;
	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	const struct cred *me = &k->current->cred;
	int ret = -ESRCH;
	for (struct process *p = k->procs; p; p = p->next) {
		if (!ioprio_match(k, p, which, who))
			continue;
		/* set_task_ioprio: the caller's user, or CAP_SYS_NICE. */
		if (p->cred.uid != me->euid && p->cred.uid != me->uid && !capable(k, CAP_SYS_NICE))
			return -EPERM;
		p->ioprio = (uint16_t)ioprio;
		ret = 0;
	}
	return ret;
}

/* __get_task_ioprio: none set is the class of the policy, the level of
 * the nice value. */
static int effective_ioprio(const struct process *p)
{
	if (IOPRIO_PRIO_CLASS(p->ioprio) != IOPRIO_CLASS_NONE)
		return p->ioprio;
	int class = p->sched.policy == SCHED_IDLE                                   ? IOPRIO_CLASS_IDLE
		    : p->sched.policy == SCHED_FIFO || p->sched.policy == SCHED_RR ? IOPRIO_CLASS_RT
										     : IOPRIO_CLASS_BE;
	return IOPRIO_PRIO_VALUE(class, (p->sched.nice + 20) / 5);
}

int64_t sys_ioprio_get(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int which = (int)a[0], who = (int)a[1];
	if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER)
		return -EINVAL;
	int ret = -ESRCH;
	for (struct process *p = k->procs; p; p = p->next) {
		if (!ioprio_match(k, p, which, who))
			continue;
		if (which == IOPRIO_WHO_PROCESS)
			return p->ioprio;
		int prio = effective_ioprio(p);
		if (ret == -ESRCH || prio < ret) /* ioprio_best: the lower value */
			ret = prio;
	}
	return ret;
}
