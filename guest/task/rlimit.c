/* rlimit.c - the resource limits of the guest's processes (getrlimit,
 * prlimit64, /proc/PID/limits). The kernel keeps none of its own yet: a
 * limit is the host's, except those the guest kernel sets itself (the
 * stack it maps at exec, its descriptor table). */
#include <sys/resource.h>

#include "fs/fs.h"
#include "task/task.h"

#define STACK_LIMIT (8ULL << 20) /* RLIMIT_STACK soft limit, Linux's default */

void task_rlimit(unsigned resource, uint64_t *cur, uint64_t *max)
{
	struct rlimit host = {RLIM_INFINITY, RLIM_INFINITY};
	switch (resource) {
	case RLIMIT_STACK:
		*cur = STACK_LIMIT;
		*max = RLIM_INFINITY;
		break;
	case RLIMIT_NOFILE:
		*cur = *max = MAX_FDS;
		break;
	default:
		getrlimit((int)resource, &host);
		*cur = host.rlim_cur;
		*max = host.rlim_max;
	}
}
