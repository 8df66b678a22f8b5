/* rlimit.c - the resource limits of the guest's processes (Linux's
 * signal->rlim, kernel/sys.c): getrlimit, setrlimit and prlimit64. Each
 * process keeps its own; the first starts with vmemu's as the host gave
 * them (as a native program inherits its shell's), fork copies them and
 * exec keeps them. Where each is enforced: RLIMIT_NOFILE in fs/fdtable.c,
 * RLIMIT_FSIZE in fs/, the memory limits in mm/, RLIMIT_CPU in cputime.c,
 * RLIMIT_NPROC in fork.c. */
#include <errno.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include "fs/fs.h"
#include "mm/mm.h"
#include "task/task.h"

_Static_assert(TASK_RLIM_NLIMITS == RLIM_NLIMITS, "one slot per RLIMIT_*");

uint64_t task_rlimit(const struct process *p, unsigned resource)
{
	return p->signal->rlim[resource].rlim_cur;
}

uint64_t task_rlimit_max(const struct process *p, unsigned resource)
{
	return p->signal->rlim[resource].rlim_max;
}

uint64_t rlimit(struct kernel *k, unsigned resource)
{
	return k->current ? task_rlimit(k->current, resource) : RLIM_INFINITY;
}

void rlimit_init(struct signal_struct *s)
{
	for (unsigned i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit host = {RLIM_INFINITY, RLIM_INFINITY};
		getrlimit((int)i, &host);
		s->rlim[i] = (struct k_rlimit){host.rlim_cur, host.rlim_max};
	}
}

/* Linux's check_prlimit_permission: another process's limits need the
 * caller's real ids to be all of the target's, or CAP_SYS_RESOURCE. */
static int check_prlimit_permission(struct kernel *k, const struct process *t)
{
	const struct process *p = k->current;
	if (p->signal == t->signal)
		return 0;
	const struct cred *c = &p->cred, *tc = &t->cred;
	bool id_match = c->uid == tc->euid && c->uid == tc->suid && c->uid == tc->uid &&
			c->gid == tc->egid && c->gid == tc->sgid && c->gid == tc->gid;
	return id_match || capable(k, CAP_SYS_RESOURCE) ? 0 : -EPERM;
}

/* Linux's do_prlimit: old gets the limit before new replaces it. */
static int do_prlimit(struct kernel *k, struct process *t, uint64_t resource,
		      const struct k_rlimit *new, struct k_rlimit *old)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	struct k_rlimit *rlim = &t->signal->rlim[resource];
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (resource == RLIMIT_NOFILE && new->rlim_max > NR_OPEN)
			return -EPERM;
		if (new->rlim_max > rlim->rlim_max && !capable(k, CAP_SYS_RESOURCE))
			return -EPERM;
	}
	if (old)
		*old = *rlim;
	if (new)
		*rlim = *new;
	return 0;
}

int64_t sys_prlimit64(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	struct k_rlimit new, old;
	if (a[2] && copy_from_user(k, &new, a[2], sizeof(new)))
		return -EFAULT;
	struct process *t = pid ? find_task_by_vpid(k, pid) : k->current;
	if (!t)
		return -ESRCH;
	int err = check_prlimit_permission(k, t);
	if (!err)
		err = do_prlimit(k, t, a[1], a[2] ? &new : NULL, a[3] ? &old : NULL);
	if (!err && a[3] && copy_to_user(k, a[3], &old, sizeof(old)))
		return -EFAULT;
	return err;
}

int64_t sys_getrlimit(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_rlimit old;
	int err = do_prlimit(k, k->current, a[0], NULL, &old);
	if (!err && copy_to_user(k, a[1], &old, sizeof(old)))
		return -EFAULT;
	return err;
}

int64_t sys_setrlimit(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_rlimit new;
	if (copy_from_user(k, &new, a[1], sizeof(new)))
		return -EFAULT;
	return do_prlimit(k, k->current, a[0], &new, NULL);
}
