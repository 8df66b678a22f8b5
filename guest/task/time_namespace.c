/* time_namespace.c - time namespaces (Linux's kernel/time/namespace.c):
 * each holds offsets that its tasks see added to CLOCK_MONOTONIC (its
 * COARSE and RAW variants too) and CLOCK_BOOTTIME (and BOOTTIME_ALARM);
 * CLOCK_REALTIME is everyone's. unshare(CLONE_NEWTIME) makes one for the
 * caller's children (time_for_children), whose offsets
 * /proc/PID/timens_offsets sets until a task enters it (fork, clone3's
 * CLONE_NEWTIME or setns): then they are frozen (EACCES). An absolute
 * time a task gives on those clocks (clock_nanosleep, timer_settime,
 * timerfd_settime, futex waits) goes back to the host's clock first,
 * never below 0. vmemu's vDSO asks the kernel for the time, so it needs
 * no data page per namespace. */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <time.h>

#include "kern.h"
#include "task/internal.h"

#define PROC_TIME_INIT_INO 0xEFFFFFFAU /* Linux's initial time namespace inode */
#define NSEC_PER_SEC 1000000000LL
#define KTIME_SEC_MAX (INT64_MAX / NSEC_PER_SEC)

struct time_namespace *init_time_ns(struct kernel *k)
{
	if (!k->init_time_ns && (k->init_time_ns = calloc(1, sizeof(*k->init_time_ns)))) {
		k->init_time_ns->refs = 1;
		k->init_time_ns->inum = PROC_TIME_INIT_INO;
		k->init_time_ns->frozen = true;
	}
	return k->init_time_ns;
}

/* Linux's clone_time_ns: the old one's offsets, not yet frozen. */
struct time_namespace *time_ns_copy(const struct time_namespace *old)
{
	struct time_namespace *ns = malloc(sizeof(*ns));
	if (!ns)
		return NULL;
	*ns = *old;
	ns->refs = 1;
	ns->inum = ns_alloc_inum();
	ns->frozen = false;
	return ns;
}

struct time_namespace *get_time_ns(struct time_namespace *ns)
{
	if (ns)
		ns->refs++;
	return ns;
}

void put_time_ns(struct time_namespace *ns)
{
	if (ns && --ns->refs == 0)
		free(ns);
}

void timens_enter(struct process *p, struct time_namespace *ns)
{
	if (p->time_ns != ns) {
		get_time_ns(ns);
		put_time_ns(p->time_ns);
		p->time_ns = ns;
	}
	ns->frozen = true; /* Linux's timens_commit */
}

/* The offset of ns for clock, NULL for a clock namespaces leave alone. */
static const struct timespec *clock_offset(const struct time_namespace *ns, clockid_t clock)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_MONOTONIC_RAW:
		return &ns->monotonic;
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return &ns->boottime;
	default:
		return NULL;
	}
}

static int64_t offset_ns(const struct timespec *off)
{
	return off->tv_sec * NSEC_PER_SEC + off->tv_nsec;
}

void timens_add(const struct process *p, clockid_t clock, struct timespec *ts)
{
	const struct timespec *off = p && p->time_ns ? clock_offset(p->time_ns, clock) : NULL;
	if (!off)
		return;
	ts->tv_sec += off->tv_sec;
	ts->tv_nsec += off->tv_nsec;
	if (ts->tv_nsec >= NSEC_PER_SEC) {
		ts->tv_nsec -= NSEC_PER_SEC;
		ts->tv_sec++;
	}
}

uint64_t timens_to_host(const struct process *p, clockid_t clock, uint64_t ns)
{
	/* Linux's timers take no MONOTONIC_RAW or COARSE: only these. */
	if (!p || !p->time_ns ||
	    (clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME && clock != CLOCK_BOOTTIME_ALARM))
		return ns;
	int64_t off = offset_ns(clock_offset(p->time_ns, clock));
	if (off < 0) { /* later on the host's clock, at most KTIME_MAX */
		uint64_t t = ns + (uint64_t)-off;
		return t < ns || t > INT64_MAX ? INT64_MAX : t;
	}
	return ns < (uint64_t)off ? 0 : ns - (uint64_t)off; /* already past: at once */
}

void timens_offsets(const struct process *p, struct timespec *monotonic, struct timespec *boottime)
{
	const struct time_namespace *ns = p->time_ns_for_children;
	*monotonic = ns ? ns->monotonic : (struct timespec){0};
	*boottime = ns ? ns->boottime : (struct timespec){0};
}

/* Linux's proc_timens_set_offset: all checked, then all set. */
int timens_set_offsets(struct kernel *k, struct process *p, const struct timens_offset *offs,
		       int n)
{
	struct time_namespace *ns = p->time_ns_for_children;
	if (!ns)
		return -ESRCH;
	if (!capable(k, CAP_SYS_TIME))
		return -EPERM;
	for (int i = 0; i < n; i++) {
		struct timespec now;
		if (offs[i].clock != CLOCK_MONOTONIC && offs[i].clock != CLOCK_BOOTTIME)
			return -EINVAL;
		clock_gettime(offs[i].clock, &now);
		if (offs[i].val.tv_sec > KTIME_SEC_MAX || offs[i].val.tv_sec < -KTIME_SEC_MAX)
			return -ERANGE;
		if (offs[i].val.tv_nsec < 0 || offs[i].val.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		/* The clock there must stay in [0, KTIME_SEC_MAX / 2]. */
		int64_t sec = now.tv_sec + offs[i].val.tv_sec +
			      (now.tv_nsec + offs[i].val.tv_nsec >= NSEC_PER_SEC);
		if (sec < 0 || sec > KTIME_SEC_MAX / 2)
			return -ERANGE;
	}
	if (ns->frozen)
		return -EACCES;
	for (int i = 0; i < n; i++)
		*(offs[i].clock == CLOCK_MONOTONIC ? &ns->monotonic : &ns->boottime) = offs[i].val;
	return 0;
}
