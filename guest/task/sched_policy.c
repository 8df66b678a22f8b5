/* sched_policy.c - scheduling policies and parameters (Linux's
 * kernel/sched/syscalls.c): sched_setscheduler, sched_setparam,
 * sched_setattr and their getters, the priority ranges, the round-robin
 * interval, sched_setaffinity and getcpu.
 *
 * Each task records its policy (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE,
 * SCHED_FIFO, SCHED_RR), real-time priority, nice value, fair-class
 * slice and SCHED_RESET_ON_FORK, checked with Linux's rules and shown by
 * the getters and /proc/PID/stat. vmemu's round-robin scheduler does not
 * honour them: a SCHED_FIFO task is preempted like any other.
 * SCHED_DEADLINE is validated as Linux does, then refused with EBUSY, the
 * error of a failed admission test. The utilization clamps are
 * EOPNOTSUPP, as on kernels without CONFIG_UCLAMP_TASK. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <linux/ioprio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define MAX_RT_PRIO 100
/* sched_ext's policy: its priority range is 0..0 whether or not the
 * kernel has the class; vmemu, like kernels without it, refuses it. */
#define SCHED_EXT 7
#define RR_TIMESLICE_NS 100000000ULL /* sched_rr_timeslice_ms */
#define JIFFY_NS 4000000ULL          /* HZ 250 */
#define SETPARAM_POLICY (-1)
/* The fair class's slice (sched_runtime): Linux 6.18's base slice on one
 * CPU, or what sched_setattr asked for, within 0.1..100 ms. */
#define BASE_SLICE_NS 700000ULL
#define MIN_SLICE_NS 100000ULL
#define MAX_SLICE_NS 100000000ULL
#define DL_PERIOD_MIN_NS 100000ULL          /* sched_deadline_period_min_us */
#define DL_PERIOD_MAX_NS ((1ULL << 22) * 1000) /* ..._max_us */

static bool rt_policy(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

static bool fair_policy(int policy)
{
	return policy == SCHED_NORMAL || policy == SCHED_BATCH;
}

static bool valid_policy(int policy)
{
	return fair_policy(policy) || rt_policy(policy) || policy == SCHED_IDLE ||
	       policy == SCHED_DEADLINE;
}

/* find_process_by_pid: the caller for 0, any task by its thread id. */
static struct process *find_task(struct kernel *k, int pid)
{
	return pid ? find_task_by_vpid(k, pid) : k->current;
}

/* is_nice_reduction: the caller's RLIMIT_NICE allows this nice value. */
static bool nice_allowed(struct kernel *k, int nice)
{
	return (uint64_t)(20 - nice) <= rlimit(k, RLIMIT_NICE);
}

/* The parameters get_params reads: priority, or nice and slice. */
static void get_params(const struct process *p, struct sched_attr *attr)
{
	if (rt_policy(p->sched.policy)) {
		attr->sched_priority = (uint32_t)p->sched.rt_priority;
	} else {
		attr->sched_nice = p->sched.nice;
		attr->sched_runtime = p->sched.slice ? p->sched.slice : BASE_SLICE_NS;
	}
}

/* __checkparam_dl. */
static bool dl_params_valid(const struct sched_attr *attr)
{
	uint64_t period = attr->sched_period ? attr->sched_period : attr->sched_deadline;
	return attr->sched_deadline && attr->sched_runtime >= 1024 &&
	       !(attr->sched_deadline >> 63) && !(attr->sched_period >> 63) &&
	       period >= attr->sched_deadline && attr->sched_deadline >= attr->sched_runtime &&
	       period >= DL_PERIOD_MIN_NS && period <= DL_PERIOD_MAX_NS;
}

/* user_check_sched_setscheduler: what an unprivileged caller may do. */
static int user_check(struct kernel *k, const struct process *p, const struct sched_attr *attr,
		      int policy, bool reset_on_fork)
{
	bool ok = true;
	uint64_t rtprio = rlimit(k, RLIMIT_RTPRIO);
	if (fair_policy(policy) && attr->sched_nice < p->sched.nice && !nice_allowed(k, attr->sched_nice))
		ok = false;
	if (rt_policy(policy) &&
	    ((policy != p->sched.policy && !rtprio) ||
	     (attr->sched_priority > (uint32_t)p->sched.rt_priority && attr->sched_priority > rtprio)))
		ok = false;
	if (policy == SCHED_DEADLINE)
		ok = false;
	if (p->sched.policy == SCHED_IDLE && policy != SCHED_IDLE && !nice_allowed(k, p->sched.nice))
		ok = false;
	if (!prio_same_owner(k, p) || (p->sched.reset_on_fork && !reset_on_fork))
		ok = false;
	return ok || capable(k, CAP_SYS_NICE) ? 0 : -EPERM;
}

/* __sched_setscheduler with its checks in Linux's order. */
static int64_t set_scheduler(struct kernel *k, struct process *p, const struct sched_attr *attr)
{
	int policy = (int)attr->sched_policy;
	bool reset_on_fork;
	if (policy < 0) {
		reset_on_fork = p->sched.reset_on_fork;
		policy = p->sched.policy;
	} else {
		reset_on_fork = attr->sched_flags & SCHED_FLAG_RESET_ON_FORK;
		if (!valid_policy(policy))
			return -EINVAL;
	}
	if (attr->sched_flags & ~(uint64_t)SCHED_FLAG_ALL)
		return -EINVAL;
	if (attr->sched_priority > MAX_RT_PRIO - 1 ||
	    (policy == SCHED_DEADLINE && !dl_params_valid(attr)) ||
	    rt_policy(policy) != (attr->sched_priority != 0))
		return -EINVAL;
	int err = user_check(k, p, attr, policy, reset_on_fork);
	if (err)
		return err;
	if (attr->sched_flags & SCHED_FLAG_UTIL_CLAMP)
		return -EOPNOTSUPP;
	if (policy == SCHED_DEADLINE)
		return -EBUSY;
	p->sched.policy = policy;
	p->sched.reset_on_fork = reset_on_fork;
	p->sched.rt_priority = (int)attr->sched_priority;
	if (fair_policy(policy)) {
		p->sched.nice = attr->sched_nice;
		uint64_t s = attr->sched_runtime;
		p->sched.slice = !s ? 0 : s < MIN_SLICE_NS ? MIN_SLICE_NS : s > MAX_SLICE_NS ? MAX_SLICE_NS : s;
	}
	return 0;
}

/* sched_setscheduler and sched_setparam (policy SETPARAM_POLICY). */
static int64_t do_sched_setscheduler(struct kernel *k, int pid, int policy, uint64_t uparam)
{
	struct sched_param param;
	if (!uparam || pid < 0)
		return -EINVAL;
	if (copy_from_user(k, &param, uparam, sizeof(param)))
		return -EFAULT;
	struct process *p = find_task(k, pid);
	if (!p)
		return -ESRCH;
	struct sched_attr attr = {.sched_policy = (uint32_t)policy,
				  .sched_priority = (uint32_t)param.sched_priority,
				  .sched_nice = p->sched.nice,
				  .sched_runtime = p->sched.slice};
	if (policy != SETPARAM_POLICY && (policy & SCHED_RESET_ON_FORK)) {
		attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
		attr.sched_policy = (uint32_t)(policy & ~SCHED_RESET_ON_FORK);
	}
	return set_scheduler(k, p, &attr);
}

int64_t sys_sched_setscheduler(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((int)a[1] < 0)
		return -EINVAL;
	return do_sched_setscheduler(k, (int)a[0], (int)a[1], a[2]);
}

int64_t sys_sched_setparam(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_sched_setscheduler(k, (int)a[0], SETPARAM_POLICY, a[1]);
}

int64_t sys_sched_getscheduler(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	if (pid < 0)
		return -EINVAL;
	struct process *p = find_task(k, pid);
	if (!p)
		return -ESRCH;
	return p->sched.policy | (p->sched.reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

int64_t sys_sched_getparam(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	if (!a[1] || pid < 0)
		return -EINVAL;
	struct process *p = find_task(k, pid);
	if (!p)
		return -ESRCH;
	struct sched_param param = {rt_policy(p->sched.policy) ? p->sched.rt_priority : 0};
	return copy_to_user(k, a[1], &param, sizeof(param));
}

int64_t sys_sched_get_priority_max(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)k;
	(void)ctx;
	int policy = (int)a[0];
	return rt_policy(policy) ? MAX_RT_PRIO - 1
	       : valid_policy(policy) || policy == SCHED_EXT ? 0 : -EINVAL;
}

int64_t sys_sched_get_priority_min(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)k;
	(void)ctx;
	int policy = (int)a[0];
	return rt_policy(policy) ? 1 : valid_policy(policy) || policy == SCHED_EXT ? 0 : -EINVAL;
}

/* SCHED_RR's 100 ms, SCHED_FIFO's none, the fair class's slice in whole
 * jiffies (of a 250 Hz kernel). */
int64_t sys_sched_rr_get_interval(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	if (pid < 0)
		return -EINVAL;
	struct process *p = find_task(k, pid);
	if (!p)
		return -ESRCH;
	uint64_t ns = 0;
	if (p->sched.policy == SCHED_RR)
		ns = RR_TIMESLICE_NS;
	else if (!rt_policy(p->sched.policy))
		ns = (p->sched.slice ? p->sched.slice : BASE_SLICE_NS) / JIFFY_NS * JIFFY_NS;
	struct {
		int64_t sec, nsec;
	} ts = {(int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000)};
	return copy_to_user(k, a[1], &ts, sizeof(ts));
}

/* sched_attr_copy_to_user: as much as both sides know, size set to it;
 * a larger user struct gets zeros past ours. */
int64_t sys_sched_getattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	uint64_t usize = (uint32_t)a[2];
	if (!a[1] || pid < 0 || usize > PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || a[3])
		return -EINVAL;
	struct process *p = find_task(k, pid);
	if (!p)
		return -ESRCH;
	struct sched_attr attr = {.sched_policy = (uint32_t)p->sched.policy};
	if (p->sched.reset_on_fork)
		attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
	get_params(p, &attr);
	attr.size = (uint32_t)(usize < sizeof(attr) ? usize : sizeof(attr));
	static const uint8_t zeros[PAGE_SIZE];
	if (usize > sizeof(attr) &&
	    copy_to_user(k, a[1] + sizeof(attr), zeros, usize - sizeof(attr)))
		return -EFAULT;
	return copy_to_user(k, a[1], &attr, attr.size);
}

/* sched_copy_attr: a size of 0 is the first version's; a larger struct
 * than ours must have zeros past it (E2BIG, with our size written back). */
static int copy_attr(struct kernel *k, uint64_t uattr, struct sched_attr *attr)
{
	uint32_t size;
	*attr = (struct sched_attr){0};
	if (copy_from_user(k, &size, uattr, sizeof(size)))
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		goto err_size;
	if (copy_from_user(k, attr, uattr, size < sizeof(*attr) ? size : sizeof(*attr)))
		return -EFAULT;
	for (uint64_t off = sizeof(*attr); off < size; off++) {
		uint8_t b;
		if (copy_from_user(k, &b, uattr + off, 1))
			return -EFAULT;
		if (b)
			goto err_size;
	}
	if ((attr->sched_flags & SCHED_FLAG_UTIL_CLAMP) && size < SCHED_ATTR_SIZE_VER1)
		return -EINVAL;
	attr->sched_nice = attr->sched_nice < -20 ? -20 : attr->sched_nice > 19 ? 19 : attr->sched_nice;
	return 0;
err_size:
	size = sizeof(*attr);
	return copy_to_user(k, uattr, &size, sizeof(size)) ? -EFAULT : -E2BIG;
}

int64_t sys_sched_setattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int pid = (int)a[0];
	struct sched_attr attr;
	if (!a[1] || pid < 0 || a[2])
		return -EINVAL;
	int err = copy_attr(k, a[1], &attr);
	if (err)
		return err;
	if ((int)attr.sched_policy < 0)
		return -EINVAL;
	if (attr.sched_flags & SCHED_FLAG_KEEP_POLICY)
		attr.sched_policy = (uint32_t)SETPARAM_POLICY;
	struct process *p = find_task(k, pid);
	if (!p)
		return -ESRCH;
	if (attr.sched_flags & SCHED_FLAG_KEEP_PARAMS)
		get_params(p, &attr);
	return set_scheduler(k, p, &attr);
}

/* The guest has the one CPU sched_getaffinity reports, CPU 0: a mask
 * must include it. get_user_cpu_mask reads up to the kernel's cpumask
 * size (8 bytes here), over zeros. */
int64_t sys_sched_setaffinity(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t mask = 0, len = (uint32_t)a[1];
	if (copy_from_user(k, &mask, a[2], len < sizeof(mask) ? len : sizeof(mask)))
		return -EFAULT;
	struct process *p = find_task(k, (int)a[0]);
	if (!p)
		return -ESRCH;
	if (!prio_same_owner(k, p) && !capable(k, CAP_SYS_NICE))
		return -EPERM;
	return mask & 1 ? 0 : -EINVAL;
}

/* CPU 0 of node 0; the third argument is unused since Linux 2.6.24. */
int64_t sys_getcpu(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	const uint32_t zero = 0;
	if (a[0] && copy_to_user(k, a[0], &zero, sizeof(zero)))
		return -EFAULT;
	if (a[1] && copy_to_user(k, a[1], &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

void sched_init(struct process *p)
{
	struct sched_param param = {0};
	int policy = (int)syscall(SYS_sched_getscheduler, 0);
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	p->sched.nice = errno ? 0 : nice;
	if (policy >= 0 && syscall(SYS_sched_getparam, 0, &param) == 0) {
		p->sched.policy = policy & ~SCHED_RESET_ON_FORK;
		p->sched.reset_on_fork = policy & SCHED_RESET_ON_FORK;
		p->sched.rt_priority = param.sched_priority;
	}
	long ioprio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
	p->ioprio = ioprio > 0 ? (uint16_t)ioprio : 0;
}

/* sched_fork: SCHED_RESET_ON_FORK puts a real-time child back to
 * SCHED_OTHER and a negative nice value back to 0, once. An ioprio is
 * inherited when it names a class. */
void sched_fork(struct process *c, const struct process *p)
{
	c->sched = p->sched;
	c->ioprio = (p->ioprio >> 13) & 7 ? p->ioprio : 0;
	if (!c->sched.reset_on_fork)
		return;
	if (rt_policy(c->sched.policy)) {
		c->sched.policy = SCHED_NORMAL;
		c->sched.nice = 0;
		c->sched.rt_priority = 0;
	} else if (c->sched.nice < 0) {
		c->sched.nice = 0;
	}
	c->sched.reset_on_fork = false;
}
