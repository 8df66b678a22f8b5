/* itimer.c - the real-time interval timer of each process (setitimer,
 * getitimer and alarm with ITIMER_REAL; its threads share it), and the
 * scheduler's look at the timers (the POSIX ones too): when it
 * expires the process gets
 * SIGALRM (si_code SI_KERNEL, as Linux's it_real_fn sends it) and,
 * with an interval, the timer starts again. The scheduler looks at the timers
 * between time slices (sched.c), so they fire up to one slice late. A
 * forked child starts without a timer; exec keeps it, as on Linux.
 * ITIMER_VIRTUAL and ITIMER_PROF (user and all CPU time) are not
 * provided: they are refused with EINVAL. */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define NSEC_PER_USEC 1000ULL
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

int64_t sys_getitimer(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	struct k_itimerval cur = itimer_get(k->current->signal);
	return copy_to_user(k, a[1], &cur, sizeof(cur));
}

int64_t sys_setitimer(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct signal_struct *s = k->current->signal;
	struct k_itimerval new = {0};
	/* A NULL new value disarms, as Linux has allowed since 2.6.12. */
	if (a[1] && copy_from_user(k, &new, a[1], sizeof(new)))
		return -EFAULT;
	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	uint64_t value, interval;
	if (!timeval_ns(&new.it_value, &value) || !timeval_ns(&new.it_interval, &interval))
		return -EINVAL;
	struct k_itimerval old = itimer_get(s);
	if (a[2] && copy_to_user(k, a[2], &old, sizeof(old)))
		return -EFAULT;
	itimer_set(k, s, value, interval);
	return 0;
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

uint64_t itimer_run(struct kernel *k, uint64_t now)
{
	uint64_t next = posix_timers_run(k, now);
	for (struct process *p = k->procs; p; p = p->next) {
		struct signal_struct *s = p->signal;
		if (!s->itimer_real_at || !thread_group_leader(p) || process_dead(p))
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
