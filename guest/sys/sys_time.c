/* sys_time.c - clocks, sleeping and CPU usage, answered from the host's
 * clocks (the guest's time is the host's). */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define NSEC_PER_SEC 1000000000L

/* Negative clock ids name CPU clocks of the guest's tasks (Linux's
 * encoding), which the guest kernel keeps itself. */
static bool clock_ok(uint64_t id)
{
	return (int)id >= 0;
}

static bool cpu_clock(uint64_t id)
{
	return (int)id < 0 || id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID;
}

/* clock_gettime and clock_getres: the host's query answers for clock id,
 * the guest's CPU time for a CPU clock (1 ns resolution, as Linux's),
 * into uts (which clock_getres, uts_optional, may leave NULL). */
static int64_t clock_query(struct kernel *k, uint64_t id, uint64_t uts, bool uts_optional,
			   int (*query)(clockid_t, struct timespec *))
{
	struct timespec ts = {0, 1};
	uint64_t ns;
	if (cpu_clock(id)) {
		int err = cpu_clock_get(k, (int)id, &ns);
		if (err)
			return err;
		if (query == clock_gettime)
			ts = (struct timespec){(time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC)};
	} else if (query((clockid_t)id, &ts) < 0) {
		return -errno;
	}
	return uts || !uts_optional ? copy_to_user(k, uts, &ts, sizeof(ts)) : 0;
}

int64_t sys_clock_gettime(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return clock_query(k, a[0], a[1], false, clock_gettime);
}

int64_t sys_clock_getres(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return clock_query(k, a[0], a[1], true, clock_getres);
}

int64_t sys_gettimeofday(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	if (a[0] && copy_to_user(k, a[0], &tv, sizeof(tv)))
		return -EFAULT;
	struct timezone tz = {0, 0}; /* the kernel's sys_tz, never set here */
	return a[1] ? copy_to_user(k, a[1], &tz, sizeof(tz)) : 0;
}

int64_t sys_time(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int64_t t = time(NULL);
	if (a[0] && copy_to_user(k, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static int64_t get_timespec(struct kernel *k, uint64_t uts, struct timespec *ts)
{
	if (copy_from_user(k, ts, uts, sizeof(*ts)))
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

/* No guest signal can interrupt a sleep yet, so it always runs to its end
 * (host signals only resume it) and the remaining time is never written. */
static int64_t do_sleep(struct kernel *k, uint64_t clock, uint64_t flags, uint64_t ureq)
{
	struct timespec ts;
	int64_t err = get_timespec(k, ureq, &ts);
	if (err)
		return err;
	if (!clock_ok(clock) || (flags & ~(uint64_t)TIMER_ABSTIME))
		return -EINVAL;
	/* Other processes run meanwhile: a timed block, deadline in
	 * CLOCK_MONOTONIC whatever clock the guest named. */
	uint64_t ns;
	timespec_to_ns(&ts, &ns); /* valid: get_timespec checked it */
	uint64_t deadline = (flags & TIMER_ABSTIME) ? clock_deadline((clockid_t)clock, ns)
						    : kernel_now_ns() + ns;
	return process_block_until(k, &k->current->wake_at, deadline);
}

int64_t sys_nanosleep(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_sleep(k, CLOCK_MONOTONIC, 0, a[0]);
}

int64_t sys_clock_nanosleep(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_sleep(k, a[0], a[1], a[2]);
}

/* Page faults are the guest's own (minor: fixed without I/O); the CPU
 * times are vmemu's; the rest zero. */
int64_t sys_getrusage(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	int who = (int)a[0];
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	struct rusage ru, host;
	memset(&ru, 0, sizeof(ru));
	if (who != RUSAGE_CHILDREN && getrusage(RUSAGE_SELF, &host) == 0) {
		ru.ru_utime = host.ru_utime;
		ru.ru_stime = host.ru_stime;
	}
	uint64_t min = p->min_flt, maj = p->maj_flt;
	if (who == RUSAGE_SELF) {
		thread_group_faults(k, p, &min, &maj);
	} else if (who == RUSAGE_CHILDREN) {
		min = p->signal->child_min_flt;
		maj = p->signal->child_maj_flt;
	}
	ru.ru_minflt = (long)min;
	ru.ru_majflt = (long)maj;
	return copy_to_user(k, a[1], &ru, sizeof(ru));
}
