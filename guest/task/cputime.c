/* cputime.c - the CPU-time clocks (clock_gettime's and the POSIX timers'
 * CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and Linux's negative
 * ids for a pid's clocks). The CPU time is the guest's own: what the
 * scheduler charged each task (cpu_ns: sched.c) plus the slice it runs
 * now; a process's adds its threads that are gone (signal->cpu_ns). All
 * three kinds (sched, prof, virt) count the same time here. A sleep on
 * a CPU clock (cpu_clock_nsleep) waits for another thread's CPU use. */
#include <errno.h>
#include <time.h>

#include "kern.h"
#include "task/internal.h"

/* Linux's CPU clock ids: ~pid << 3 | PERTHREAD | type; type 3 is none. */
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_TYPE_MASK 3
#define CPUCLOCK_BAD_TYPE 3
#define NSEC_PER_SEC 1000000000ULL

static uint64_t task_cpu_ns(const struct process *t)
{
	return t->cpu_ns + (t->on_cpu_since ? kernel_now_ns() - t->on_cpu_since : 0);
}

static uint64_t group_cpu_ns(struct kernel *k, const struct signal_struct *s)
{
	uint64_t ns = s->cpu_ns;
	for (struct process *t = k->procs; t; t = t->next)
		if (t->signal == s)
			ns += task_cpu_ns(t);
	return ns;
}

struct process *cpu_clock_task(struct kernel *k, int clock, bool *thread)
{
	struct process *self = k->current;
	if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID) {
		*thread = clock == CLOCK_THREAD_CPUTIME_ID;
		return self;
	}
	if (clock >= 0 || (clock & CPUCLOCK_TYPE_MASK) == CPUCLOCK_BAD_TYPE)
		return NULL;
	*thread = clock & CPUCLOCK_PERTHREAD;
	int pid = ~(clock >> 3);
	if (!pid)
		return self;
	struct process *t = find_task_by_vpid(k, pid);
	if (!t || t->exited)
		return NULL;
	if (*thread)
		return t->signal == self->signal ? t : NULL;
	return thread_group_leader(t) ? t : NULL;
}

uint64_t task_cputime(struct kernel *k, const struct process *t, bool thread)
{
	return thread ? task_cpu_ns(t) : group_cpu_ns(k, t->signal);
}

int cpu_clock_get(struct kernel *k, int clock, uint64_t *ns)
{
	bool thread;
	struct process *t = cpu_clock_task(k, clock, &thread);
	if (!t)
		return -EINVAL;
	*ns = task_cputime(k, t, thread);
	return 0;
}

/* Linux's posix_cpu_nsleep. Only one guest task runs at a time, so a
 * clock advances no faster than CLOCK_MONOTONIC: the sleeper looks again
 * when the time left would have passed, and sleeps on until the clock
 * has got there. The clock of a task that is gone never gets there: the
 * sleep lasts until a signal, as on Linux (looking again each second). */
int64_t cpu_clock_nsleep(struct kernel *k, int clock, bool abstime, uint64_t ns)
{
	struct process *self = k->current;
	if (clock < 0 && (clock & CPUCLOCK_PERTHREAD) &&
	    (!~(clock >> 3) || ~(clock >> 3) == self->pid))
		return -EINVAL;
	bool thread;
	struct process *t = cpu_clock_task(k, clock, &thread);
	if (!self->wake_at) { /* a new call, not a restart */
		if (!t)
			return -EINVAL;
		self->cpu_sleep_until = abstime ? ns : task_cputime(k, t, thread) + ns;
	}
	uint64_t left = NSEC_PER_SEC;
	if (t) {
		uint64_t now = task_cputime(k, t, thread);
		if (now >= self->cpu_sleep_until)
			return 0;
		left = self->cpu_sleep_until - now;
	}
	self->wake_at = 0;
	return process_block_until(k, &self->cpu_sleep_until, kernel_now_ns() + left);
}
