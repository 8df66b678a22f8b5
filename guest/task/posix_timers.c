/* posix_timers.c - the POSIX timers of a process (timer_create and the
 * calls on its timers, as Linux's kernel/time/posix-timers.c and
 * posix-cpu-timers.c) and the CPU-time clocks they may count.
 *
 * A process's timers are a list in its signal_struct: its threads share
 * them, a fork starts without any, exec deletes them. Ids count up from 0
 * per process, as Linux's next_posix_timer_id. A timer's signal is queued
 * with si_code SI_TIMER and the arming it came from (timer_seq): once the
 * timer is deleted or set again the queued signal is stale, and dequeuing
 * drops it (Linux 6.13+). While its signal waits to be taken, the further
 * expiries of a periodic timer are counted, not sent: the count goes into
 * si_overrun and is what timer_getoverrun returns afterwards.
 *
 * The timers are looked at by the scheduler between time slices
 * (run_timers, via itimer_run), so they fire up to a slice late; CPU-time
 * timers count the guest's own CPU time (cputime.c). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define NSEC_PER_SEC 1000000000ULL
#define KTIME_MAX ((uint64_t)INT64_MAX)
#define CAP_WAKE_ALARM 35
#define KSIGEV_THREAD_ID 4       /* glibc hides it without _GNU_SOURCE */
/* A negative clock id with CLOCKFD's low bits names a dynamic clock (a
 * file), which has no timers; the other negative ids are CPU clocks. */
#define CLOCKFD 3
#define CLOCKFD_MASK 7

/* struct sigevent as the kernel takes it (64 bytes). */
struct k_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid; /* SIGEV_THREAD_ID's sigev_notify_thread_id */
	int32_t pad[11];
};

struct k_timespec {
	int64_t tv_sec, tv_nsec;
};

struct k_itimerspec {
	struct k_timespec it_interval, it_value;
};

struct k_itimer {
	struct k_itimer *next;
	int id;
	int clock;          /* a clock id: the host's clock for the others */
	bool cpu;           /* a CPU-time clock: of task cpu_pid, or its process */
	bool cpu_thread;
	int cpu_pid;
	int notify;         /* SIGEV_SIGNAL (or SIGEV_THREAD), SIGEV_NONE, SIGEV_THREAD_ID */
	int signo, tid;
	uint64_t value;
	uint64_t expires;   /* on its clock, ns; 0: disarmed */
	uint64_t interval;
	uint64_t overrun;   /* expiries not sent since its signal was queued */
	int overrun_last;   /* of the last signal taken: timer_getoverrun */
	bool queued;        /* its signal waits to be taken */
	unsigned seq;       /* the arming its queued signal belongs to */
};

/* ---- timers ---- */

/* A timer's clock now; false when the task it counts is gone. */
static bool timer_now(struct kernel *k, const struct k_itimer *t, uint64_t *now)
{
	if (t->cpu) {
		struct process *p = process_find(k, t->cpu_pid);
		if (!p || p->exited)
			return false;
		*now = task_cputime(k, p, t->cpu_thread);
		return true;
	}
	struct timespec ts;
	clockid_t host = t->clock == CLOCK_REALTIME_ALARM   ? CLOCK_REALTIME
			 : t->clock == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME
							    : t->clock;
	clock_gettime(host, &ts);
	*now = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	return true;
}

/* Moves a periodic timer past now; returns the expiries passed. */
static uint64_t timer_forward(struct k_itimer *t, uint64_t now)
{
	if (!t->expires || t->expires > now)
		return 0;
	if (!t->interval) {
		t->expires = 0;
		return 1;
	}
	uint64_t n = (now - t->expires) / t->interval + 1;
	t->expires += n * t->interval;
	return n;
}

/* The timer has expired (now, on its clock): its signal goes to the
 * process, or the thread SIGEV_THREAD_ID names, unless one is still
 * queued: then the expiries count as overruns. */
static void timer_expire(struct kernel *k, struct signal_struct *s, struct k_itimer *t,
			 uint64_t now)
{
	uint64_t n = timer_forward(t, now);
	if (t->notify == SIGEV_NONE)
		return;
	if (t->queued) {
		t->overrun += n;
		return;
	}
	struct process *to = s->leader;
	bool group = t->notify != KSIGEV_THREAD_ID;
	if (!group) {
		to = process_find(k, t->tid);
		if (!to || to->exited || to->signal != s)
			return;
	}
	const struct ksiginfo info = {.signo = t->signo, .code = SI_TIMER, .value = t->value,
				      .timerid = t->id, .timer_seq = t->seq};
	t->queued = send_sigqueue(k, to, &info, group);
	t->overrun = t->queued ? n - 1 : 0;
}

uint64_t posix_timers_run(struct kernel *k, uint64_t now)
{
	uint64_t next = 0;
	for (struct process *p = k->procs; p; p = p->next) {
		if (!thread_group_leader(p) || process_dead(p))
			continue;
		for (struct k_itimer *t = p->signal->posix_timers; t; t = t->next) {
			uint64_t cnow;
			if (!t->expires || t->notify == SIGEV_NONE || !timer_now(k, t, &cnow))
				continue;
			if (t->expires <= cnow)
				timer_expire(k, p->signal, t, cnow);
			/* A queued signal's timer waits for it to be taken. */
			if (t->expires && !t->cpu && !t->queued) {
				uint64_t at = now + (t->expires - cnow);
				if (!next || at < next)
					next = at;
			}
		}
	}
	return next;
}

bool posix_timers_armed(const struct signal_struct *s)
{
	for (const struct k_itimer *t = s->posix_timers; t; t = t->next)
		if (t->expires && t->notify != SIGEV_NONE)
			return true;
	return false;
}

static struct k_itimer *timer_find(const struct signal_struct *s, int id)
{
	struct k_itimer *t = s->posix_timers;
	while (t && t->id != id)
		t = t->next;
	return t;
}

bool posix_timer_dequeued(struct signal_struct *s, struct ksiginfo *info)
{
	struct k_itimer *t = timer_find(s, info->timerid);
	if (!t || t->seq != info->timer_seq)
		return false;
	t->queued = false;
	/* Expiries of a clock timer since the scheduler last looked. */
	struct timespec ts;
	if (!t->cpu && t->interval && clock_gettime(t->clock, &ts) == 0)
		t->overrun += timer_forward(t, (uint64_t)ts.tv_sec * NSEC_PER_SEC +
						       (uint64_t)ts.tv_nsec);
	t->overrun_last = t->overrun > DELAYTIMER_MAX ? DELAYTIMER_MAX : (int)t->overrun;
	t->overrun = 0;
	info->overrun = t->overrun_last;
	return true;
}

void posix_timers_release(struct signal_struct *s)
{
	while (s->posix_timers) {
		struct k_itimer *next = s->posix_timers->next;
		free(s->posix_timers);
		s->posix_timers = next;
	}
}

/* ---- the system calls ---- */

/* 0 for a clock timers can count; -EINVAL: no clock; -EOPNOTSUPP: a
 * clock without timers (Linux's clockid_to_kclock and its timer_create). */
static int timer_clock_check(int clock)
{
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return 0;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	default:
		if (clock >= 0)
			return -EINVAL;
		return (clock & CLOCKFD_MASK) == CLOCKFD ? -EOPNOTSUPP : 0;
	}
}

/* The sigevent's target is valid (Linux's good_sigevent). */
static bool good_sigevent(struct kernel *k, const struct k_sigevent *ev)
{
	switch (ev->notify) {
	case KSIGEV_THREAD_ID: {
		struct process *t = find_task_by_vpid(k, ev->tid);
		if (!t || t->exited || t->signal != k->current->signal)
			return false;
	}
		/* fall through */
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
		return ev->signo > 0 && ev->signo <= KSIG_MAX;
	case SIGEV_NONE:
		return true;
	default:
		return false;
	}
}

/* Each timer holds a queued signal's worth of RLIMIT_SIGPENDING (Linux
 * preallocates it): the guest's timers count against the limit. */
static bool timer_limit_reached(struct kernel *k)
{
	uint64_t lim = rlimit(k, RLIMIT_SIGPENDING);
	if (lim == RLIM_INFINITY)
		return false;
	uint64_t n = 0;
	for (struct process *p = k->procs; p; p = p->next)
		if (thread_group_leader(p))
			for (struct k_itimer *t = p->signal->posix_timers; t; t = t->next)
				n++;
	return n >= lim;
}

/* The next free id (Linux's posix_timer_add): counting up, wrapping. */
static int timer_id_alloc(struct signal_struct *s)
{
	for (;;) {
		int id = s->next_posix_timer_id;
		s->next_posix_timer_id = (int)(((unsigned)id + 1) & INT_MAX);
		if (!timer_find(s, id))
			return id;
	}
}

/* What the clock's own timer_create checks once the timer has its id. */
static int timer_clock_create(struct kernel *k, struct k_itimer *t)
{
	if (t->clock == CLOCK_REALTIME_ALARM || t->clock == CLOCK_BOOTTIME_ALARM) {
		if (access("/sys/class/rtc/rtc0", F_OK) != 0)
			return -EOPNOTSUPP; /* no RTC to wake the machine */
		return (k->current->cap.effective >> CAP_WAKE_ALARM) & 1 ? 0 : -EPERM;
	}
	if (t->clock >= 0 && t->clock != CLOCK_PROCESS_CPUTIME_ID &&
	    t->clock != CLOCK_THREAD_CPUTIME_ID)
		return 0;
	struct process *p = cpu_clock_task(k, t->clock, &t->cpu_thread);
	if (!p)
		return -EINVAL;
	t->cpu = true;
	t->cpu_pid = t->cpu_thread ? p->pid : p->tgid;
	return 0;
}

int64_t sys_timer_create(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_struct *s = k->current->signal;
	int clock = (int)a[0];
	struct k_sigevent ev;
	if (a[1] && copy_from_user(k, &ev, a[1], sizeof(ev)))
		return -EFAULT;
	int err = timer_clock_check(clock);
	if (err)
		return err;
	struct k_itimer *t = calloc(1, sizeof(*t));
	if (!t || timer_limit_reached(k)) {
		free(t);
		return -EAGAIN;
	}
	/* From here on a failure has used up the id, as on Linux. */
	t->id = timer_id_alloc(s);
	t->clock = clock;
	if (!a[1]) {
		ev = (struct k_sigevent){.notify = SIGEV_SIGNAL, .signo = SIGALRM,
					 .value = (uint64_t)t->id};
	} else if (!good_sigevent(k, &ev)) {
		err = -EINVAL;
	}
	t->notify = ev.notify;
	t->signo = ev.signo;
	t->value = ev.value;
	/* the target thread by its id in the initial PID namespace */
	t->tid = !err && ev.notify == KSIGEV_THREAD_ID ? find_task_by_vpid(k, ev.tid)->pid : ev.tid;
	if (!err && copy_to_user(k, a[2], &t->id, sizeof(t->id)))
		err = -EFAULT;
	if (!err)
		err = timer_clock_create(k, t);
	if (err) {
		free(t);
		return err;
	}
	t->next = s->posix_timers;
	s->posix_timers = t;
	return 0;
}

/* A timespec as ns, saturated at KTIME_MAX; false when it is not valid
 * (Linux's timespec64_valid). */
static bool timespec_ns(const struct k_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return false;
	*ns = (uint64_t)ts->tv_sec >= KTIME_MAX / NSEC_PER_SEC
		      ? KTIME_MAX
		      : (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return true;
}

static struct k_timespec ns_timespec(uint64_t ns)
{
	return (struct k_timespec){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}

/* What timer_gettime shows (Linux's common_timer_get): a timer whose
 * signal waits, or that sends none, is moved past now first; one due but
 * not yet fired shows 1 ns left. */
static struct k_itimerspec timer_get(struct kernel *k, struct k_itimer *t)
{
	struct k_itimerspec cur = {ns_timespec(t->interval), {0, 0}};
	uint64_t now;
	if (!t->expires || !timer_now(k, t, &now))
		return cur;
	if (t->interval && (t->queued || t->notify == SIGEV_NONE))
		t->overrun += timer_forward(t, now);
	if (t->expires > now)
		cur.it_value = ns_timespec(t->expires - now);
	else if (t->notify != SIGEV_NONE)
		cur.it_value.tv_nsec = 1;
	return cur;
}

int64_t sys_timer_settime(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_struct *s = k->current->signal;
	struct k_itimerspec new;
	uint64_t value, interval, now;
	if (!a[2])
		return -EINVAL;
	if (copy_from_user(k, &new, a[2], sizeof(new)))
		return -EFAULT;
	if (!timespec_ns(&new.it_interval, &interval) || !timespec_ns(&new.it_value, &value))
		return -EINVAL;
	struct k_itimer *t = timer_find(s, (int)a[0]);
	if (!t)
		return -EINVAL;
	struct k_itimerspec old = timer_get(k, t);
	static unsigned seq;
	if (!++seq)
		seq = 1; /* 0 marks a signal no timer sent */
	t->seq = seq;
	t->queued = false;
	t->overrun = 0;
	t->overrun_last = 0;
	t->expires = 0;
	t->interval = value ? interval : 0;
	/* Unknown flags are ignored, as on Linux. */
	if (value && timer_now(k, t, &now)) {
		t->expires = (a[1] & TIMER_ABSTIME) ? timens_to_host(k->current, t->clock, value)
						    : now + value;
		if (!t->expires)
			t->expires = 1;
		if (t->expires <= now && t->notify != SIGEV_NONE)
			timer_expire(k, s, t, now);
		/* End the slice: the next one has a time limit to fire it by. */
		k->ops.stop(k->ops.ctx);
	}
	if (a[3] && copy_to_user(k, a[3], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_timer_gettime(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_itimer *t = timer_find(k->current->signal, (int)a[0]);
	if (!t)
		return -EINVAL;
	struct k_itimerspec cur = timer_get(k, t);
	return copy_to_user(k, a[1], &cur, sizeof(cur));
}

int64_t sys_timer_getoverrun(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_itimer *t = timer_find(k->current->signal, (int)a[0]);
	return t ? t->overrun_last : -EINVAL;
}

/* A signal it queued is dropped when dequeued (its timer is gone). */
int64_t sys_timer_delete(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_struct *s = k->current->signal;
	for (struct k_itimer **t = &s->posix_timers; *t; t = &(*t)->next) {
		if ((*t)->id == (int)a[0]) {
			struct k_itimer *gone = *t;
			*t = gone->next;
			free(gone);
			return 0;
		}
	}
	return -EINVAL;
}
