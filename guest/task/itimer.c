/* itimer.c - the interval timers of each process (setitimer, getitimer
 * and alarm; its threads share them), and the scheduler's look at the
 * timers (the POSIX ones too). ITIMER_REAL counts CLOCK_MONOTONIC: when it
 * expires the process gets SIGALRM (si_code SI_KERNEL, as Linux's
 * it_real_fn sends it). ITIMER_PROF and ITIMER_VIRTUAL count the process's
 * CPU time (user and system, user only) and send SIGPROF and SIGVTALRM;
 * the guest's CPU time has no user/system split (cputime.c), so both count
 * the same time. With an interval, a timer starts again. The scheduler
 * looks at the timers between time slices (sched.c), so they fire up to
 * one slice late. A forked child starts without timers; exec keeps them,
 * as on Linux. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_SEC 1000000000ULL
#define USEC_PER_SEC 1000000ULL

struct k_timeval {
	int64_t tv_sec, tv_usec;
};

struct k_itimerval {
	struct k_timeval it_interval, it_value;
};

/* A timeval as ns; false when it is not one (Linux's timeval_valid). */
static bool timeval_ns(const struct k_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= (int64_t)USEC_PER_SEC)
		return false;
	*ns = (uint64_t)tv->tv_sec * USEC_PER_SEC * NSEC_PER_USEC +
	      (uint64_t)tv->tv_usec * NSEC_PER_USEC;
	return true;
}

/* ns as a timeval, rounded up to whole microseconds (as Linux shows the
 * time left, so that a running timer never reads 0). */
static struct k_timeval ns_timeval(uint64_t ns)
{
	uint64_t us = (ns + NSEC_PER_USEC - 1) / NSEC_PER_USEC;
	return (struct k_timeval){(int64_t)(us / USEC_PER_SEC), (int64_t)(us % USEC_PER_SEC)};
}

static struct k_itimerval itimer_get(const struct signal_struct *s)
{
	uint64_t now = kernel_now_ns();
	uint64_t left = s->itimer_real_at > now ? s->itimer_real_at - now : 0;
	if (s->itimer_real_at && !left)
		left = 1; /* due, not yet delivered */
	return (struct k_itimerval){ns_timeval(s->itimer_real_interval), ns_timeval(left)};
}

static void itimer_set(struct kernel *k, struct signal_struct *s, uint64_t value_ns,
		       uint64_t interval_ns)
{
	s->itimer_real_at = value_ns ? kernel_now_ns() + value_ns : 0;
	s->itimer_real_interval = value_ns ? interval_ns : 0;
	/* The slice running now may have no time limit: end it, so that the
	 * next one gets one and the scheduler sees the timer expire. */
	if (value_ns)
		k->ops.stop(k->ops.ctx);
}

/* Linux's CPUCLOCK_PROF and CPUCLOCK_VIRT: the indexes of signal->it. */
enum { CPUCLOCK_PROF, CPUCLOCK_VIRT };

static struct cpu_itimer *cpu_itimer(struct signal_struct *s, int which)
{
	return &s->it[which == ITIMER_PROF ? CPUCLOCK_PROF : CPUCLOCK_VIRT];
}

/* The host kernel's tick (TICK_NSEC), which is its coarse clocks'
 * resolution. Linux adds one to a CPU itimer's value when it sets it (its
 * CPU time is sampled at ticks); vmemu adds the same, so that the values
 * read back agree with Linux's. */
static uint64_t tick_ns(void)
{
	struct timespec res;
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0)
		return 0;
	return (uint64_t)res.tv_sec * USEC_PER_SEC * NSEC_PER_USEC + (uint64_t)res.tv_nsec;
}

/* A CPU itimer's time left (one tick when due but not yet fired: Linux's
 * get_cpu_itimer), p being a thread of its process. */
static struct k_itimerval cpu_itimer_get(struct kernel *k, struct process *p, int which)
{
	const struct cpu_itimer *it = cpu_itimer(p->signal, which);
	uint64_t left = it->expires;
	if (left) {
		uint64_t now = task_cputime(k, p, false);
		left = left > now ? left - now : tick_ns();
	}
	return (struct k_itimerval){ns_timeval(it->incr), ns_timeval(left)};
}

/* Linux keeps the interval even of a disarmed CPU itimer (set_cpu_itimer). */
static void cpu_itimer_set(struct kernel *k, struct process *p, int which, uint64_t value_ns,
			   uint64_t interval_ns)
{
	struct cpu_itimer *it = cpu_itimer(p->signal, which);
	it->expires = value_ns ? task_cputime(k, p, false) + value_ns + tick_ns() : 0;
	it->incr = interval_ns;
	if (value_ns) /* the next slice gets a time limit (itimer_set) */
		k->ops.stop(k->ops.ctx);
}

int64_t sys_getitimer(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_itimerval cur;
	switch ((int)a[0]) {
	case ITIMER_REAL:
		cur = itimer_get(k->current->signal);
		break;
	case ITIMER_VIRTUAL: case ITIMER_PROF:
		cur = cpu_itimer_get(k, k->current, (int)a[0]);
		break;
	default:
		return -EINVAL;
	}
	return copy_to_user(k, a[1], &cur, sizeof(cur));
}

/* Linux's order: the new value's EFAULT and EINVAL, which's EINVAL; the
 * old value is written after the timer is set (its EFAULT comes late). */
int64_t sys_setitimer(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	struct k_itimerval new = {0}, old;
	/* A NULL new value disarms, as Linux has allowed since 2.6.12. */
	if (a[1] && copy_from_user(k, &new, a[1], sizeof(new)))
		return -EFAULT;
	uint64_t value, interval;
	if (!timeval_ns(&new.it_value, &value) || !timeval_ns(&new.it_interval, &interval))
		return -EINVAL;
	switch ((int)a[0]) {
	case ITIMER_REAL:
		old = itimer_get(p->signal);
		itimer_set(k, p->signal, value, interval);
		break;
	case ITIMER_VIRTUAL: case ITIMER_PROF:
		old = cpu_itimer_get(k, p, (int)a[0]);
		cpu_itimer_set(k, p, (int)a[0], value, interval);
		break;
	default:
		return -EINVAL;
	}
	return a[2] ? copy_to_user(k, a[2], &old, sizeof(old)) : 0;
}

/* Seconds left of the old timer, rounded to the nearest (and never 0 for
 * one still running), as Linux's alarm_setitimer. */
int64_t sys_alarm(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_struct *s = k->current->signal;
	struct k_timeval left = itimer_get(s).it_value;
	itimer_set(k, s, (uint64_t)(uint32_t)a[0] * USEC_PER_SEC * NSEC_PER_USEC, 0);
	if ((!left.tv_sec && left.tv_usec) || left.tv_usec >= 500000)
		left.tv_sec++;
	return left.tv_sec;
}

/* The CPU itimers of p's process: SIGPROF first, as Linux's
 * check_process_timers; a periodic one moves on by one interval. */
static void cpu_itimers_run(struct kernel *k, struct process *p)
{
	static const struct {
		int which, signo;
	} timers[] = {{ITIMER_PROF, SIGPROF}, {ITIMER_VIRTUAL, SIGVTALRM}};
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		struct cpu_itimer *it = cpu_itimer(p->signal, timers[i].which);
		if (!it->expires || task_cputime(k, p, false) < it->expires)
			continue;
		it->expires = it->incr ? it->expires + it->incr : 0;
		const struct ksiginfo info = {.signo = timers[i].signo, .code = SI_KERNEL};
		group_send_sig(k, p, &info);
	}
}

/* Seconds of a limit in ns; UINT64_MAX for what never comes. */
static uint64_t limit_ns(uint64_t sec)
{
	return sec > UINT64_MAX / NSEC_PER_SEC ? UINT64_MAX : sec * NSEC_PER_SEC;
}

/* RLIMIT_CPU (Linux's check_process_timers): SIGKILL at the hard limit;
 * at the soft one SIGXCPU, and the soft limit moves on a second, so one
 * comes every second until the hard limit. */
static void check_rlimit_cpu(struct kernel *k, struct process *p)
{
	struct k_rlimit *r = &p->signal->rlim[RLIMIT_CPU];
	if (r->rlim_cur == RLIM_INFINITY)
		return;
	uint64_t now = task_cputime(k, p, false);
	if (now >= limit_ns(r->rlim_max)) {
		const struct ksiginfo info = {.signo = SIGKILL, .code = SI_KERNEL};
		group_send_sig(k, p, &info);
	} else if (now >= limit_ns(r->rlim_cur)) {
		const struct ksiginfo info = {.signo = SIGXCPU, .code = SI_KERNEL};
		group_send_sig(k, p, &info);
		r->rlim_cur++;
	}
}

uint64_t itimer_run(struct kernel *k, uint64_t now)
{
	uint64_t next = posix_timers_run(k, now);
	for (struct process *p = k->procs; p; p = p->next) {
		struct signal_struct *s = p->signal;
		if (!thread_group_leader(p) || process_dead(p))
			continue;
		cpu_itimers_run(k, p);
		check_rlimit_cpu(k, p);
		if (!s->itimer_real_at)
			continue;
		if (s->itimer_real_at <= now) {
			const struct ksiginfo info = {.signo = SIGALRM, .code = SI_KERNEL};
			group_send_sig(k, p, &info);
			uint64_t interval = s->itimer_real_interval;
			s->itimer_real_at = interval ? now + interval : 0;
		}
		if (s->itimer_real_at && (!next || s->itimer_real_at < next))
			next = s->itimer_real_at;
	}
	return next;
}

bool itimers_armed(const struct signal_struct *s)
{
	return s->itimer_real_at || s->it[CPUCLOCK_PROF].expires || s->it[CPUCLOCK_VIRT].expires ||
	       s->rlim[RLIMIT_CPU].rlim_cur != RLIM_INFINITY || posix_timers_armed(s);
}
