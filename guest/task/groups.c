/* groups.c - supplementary groups: getgroups(2) and setgroups(2) as
 * Linux's kernel/groups.c has them. setgroups needs CAP_SETGID and sorts
 * the list (getgroups returns it sorted, duplicates kept). */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define NGROUPS_MAX 65536

int64_t sys_getgroups(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int size = (int)a[0];
	const struct group_info *g = k->current->cred.groups;
	if (size < 0)
		return -EINVAL;
	if (size) {
		if (g->ngroups > size)
			return -EINVAL;
		if (copy_to_user(k, a[1], g->gid, (uint64_t)g->ngroups * sizeof(uint32_t)))
			return -EFAULT;
	}
	return g->ngroups;
}

static int gid_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

int64_t sys_setgroups(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	int size = (int)a[0];
	if (!capable(k, CAP_SETGID))
		return -EPERM;
	if ((unsigned)size > NGROUPS_MAX)
		return -EINVAL;
	struct group_info *g = malloc(sizeof(*g) + (size_t)size * sizeof(uint32_t));
	if (!g)
		return -ENOMEM;
	*g = (struct group_info){.refs = 1, .ngroups = size};
	if (copy_from_user(k, g->gid, a[1], (uint64_t)size * sizeof(uint32_t))) {
		free(g);
		return -EFAULT;
	}
	qsort(g->gid, (size_t)size, sizeof(uint32_t), gid_cmp);
	cred_put(p);
	p->cred.groups = g;
	return 0;
}
