/* sys_time.c - clocks, sleeping and CPU usage, answered from the host's
 * clocks (the guest's time is the host's). */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define NSEC_PER_SEC 1000000000L

/* Negative clock ids name CPU clocks of the guest's tasks (Linux's
 * encoding), which the guest kernel keeps itself. */
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
	} else if (query == clock_gettime) {
		timens_add(k->current, (clockid_t)id, &ts);
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

#define CAP_WAKE_ALARM 35
/* A negative clock id with these low bits names a dynamic clock (a
 * file): it has no sleeps. The other negative ids are CPU clocks. */
#define CLOCKFD 3
#define CLOCKFD_MASK 7

/* Whether clock_nanosleep can sleep on clock (Linux's k_clock and its
 * nsleep): 0, -EINVAL for no such clock, -EOPNOTSUPP for a clock that
 * has no sleeps. */
static int64_t nsleep_clock_check(int clock)
{
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return 0;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_THREAD_CPUTIME_ID:
		return -EOPNOTSUPP;
	default:
		if (clock >= 0)
			return -EINVAL;
		return (clock & CLOCKFD_MASK) == CLOCKFD ? -EOPNOTSUPP : 0;
	}
}

/* The alarm clocks' own checks (Linux's alarm_timer_nsleep): they need an
 * RTC to wake the machine (the host's), then flags of TIMER_ABSTIME only
 * and CAP_WAKE_ALARM. They sleep as their base clock. */
static int64_t alarm_nsleep_check(struct kernel *k, int *clock, uint64_t flags)
{
	if (access("/sys/class/rtc/rtc0", F_OK) != 0)
		return -EOPNOTSUPP;
	if (flags & ~(uint64_t)TIMER_ABSTIME)
		return -EINVAL;
	if (!capable(k, CAP_WAKE_ALARM))
		return -EPERM;
	*clock = *clock == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : CLOCK_BOOTTIME;
	return 0;
}

/* Linux's order: the clock, the timespec (EFAULT, EINVAL), the clock's
 * own checks. Flags other than TIMER_ABSTIME are ignored but by the alarm
 * clocks. A handler ends the sleep with EINTR and the time left in rmtp
 * (task/nanosleep.c). */
static int64_t do_sleep(struct kernel *k, int clock, uint64_t flags, uint64_t ureq)
{
	int64_t err = nsleep_clock_check(clock);
	if (err)
		return err;
	struct timespec ts;
	err = get_timespec(k, ureq, &ts);
	if (err)
		return err;
	uint64_t ns;
	timespec_to_ns(&ts, &ns); /* valid: get_timespec checked it */
	bool abstime = flags & TIMER_ABSTIME;
	if (abstime)
		ns = timens_to_host(k->current, clock, ns);
	if (cpu_clock((uint64_t)clock))
		return cpu_clock_nsleep(k, clock, abstime, ns);
	if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) {
		err = alarm_nsleep_check(k, &clock, flags);
		if (err)
			return err;
	}
	/* Other processes run meanwhile: a timed block, deadline in
	 * CLOCK_MONOTONIC whatever clock the guest named. */
	uint64_t deadline = abstime ? clock_deadline((clockid_t)clock, ns) : kernel_now_ns() + ns;
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
	return do_sleep(k, (int)a[0], a[1], a[2]);
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
	ru.ru_maxrss = task_maxrss_kb(p, who);
	return copy_to_user(k, a[1], &ru, sizeof(ru));
}
