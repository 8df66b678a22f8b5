/* cputime.c - the CPU-time clocks (clock_gettime's and the POSIX timers'
 * CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and Linux's negative
 * ids for a pid's clocks). The CPU time is the guest's own: what the
 * scheduler charged each task (cpu_ns: sched.c) plus the slice it runs
 * now; a process's adds its threads that are gone (signal->cpu_ns). All
 * three kinds (sched, prof, virt) count the same time here. */
#include <errno.h>
#include <time.h>

#include "kern.h"
#include "task/internal.h"

/* Linux's CPU clock ids: ~pid << 3 | PERTHREAD | type; type 3 is none. */
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_TYPE_MASK 3
#define CPUCLOCK_BAD_TYPE 3

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
