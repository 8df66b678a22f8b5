/* proc_stat.c - /proc/stat, /proc/uptime and /proc/loadavg: the guest's
 * one CPU and its scheduler, in the formats of Linux's fs/proc/stat.c,
 * uptime.c and loadavg.c.
 *
 * The guest's clocks are the host's, so its uptime is CLOCK_BOOTTIME as
 * the guest reads it and btime the wall-clock time of that boot. Its CPU
 * was busy while vmemu ran (vmemu's own user and system time, which
 * getrusage gives the guest too) and idle for the rest of the uptime; no
 * time is counted as nice, iowait, interrupts or steal, and no interrupts
 * are counted. The scheduler keeps no load averages: they are 0.00. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

#define USER_HZ 100
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_TICK (NSEC_PER_SEC / USER_HZ)
#define NR_IRQS_LEGACY 16 /* the per-interrupt counts Linux lists at least */
#define NR_SOFTIRQS 10

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * NSEC_PER_SEC + (uint64_t)t->tv_nsec;
}

/* The guest CPU's time since boot, in ns: all of it, and its user and
 * system parts. */
struct cpu_times {
	uint64_t uptime, user, system, idle;
};

static void cpu_times(struct cpu_times *t)
{
	struct timespec now = {0};
	clock_gettime(CLOCK_BOOTTIME, &now);
	struct rusage ru = {0};
	getrusage(RUSAGE_SELF, &ru);
	t->uptime = ns_of(&now);
	t->user = (uint64_t)ru.ru_utime.tv_sec * NSEC_PER_SEC + (uint64_t)ru.ru_utime.tv_usec * 1000;
	t->system = (uint64_t)ru.ru_stime.tv_sec * NSEC_PER_SEC + (uint64_t)ru.ru_stime.tv_usec * 1000;
	/* Idle time only grows, as Linux's sum of idle periods: vmemu's host
	 * threads may together run faster than the clock for a while. */
	static uint64_t last_idle;
	uint64_t busy = t->user + t->system;
	uint64_t idle = t->uptime > busy ? t->uptime - busy : 0;
	if (idle < last_idle)
		idle = last_idle < t->uptime ? last_idle : t->uptime;
	t->idle = last_idle = idle;
}

/* "%lu.%02lu": seconds and hundredths. */
static void show_seconds(struct seq *s, uint64_t ns)
{
	seq_printf(s, "%llu.%02llu", (unsigned long long)(ns / NSEC_PER_SEC),
		   (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_TICK));
}

void proc_uptime_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	struct cpu_times t;
	cpu_times(&t);
	/* The uptime the reader's time namespace sees (idle: the host's). */
	struct timespec up = {(time_t)(t.uptime / NSEC_PER_SEC), (long)(t.uptime % NSEC_PER_SEC)};
	timens_add(k->current, CLOCK_BOOTTIME, &up);
	show_seconds(s, ns_of(&up));
	seq_printf(s, " ");
	show_seconds(s, t.idle);
	seq_printf(s, "\n");
}

/* Tasks that can run (the reader among them), and all tasks. */
static void count_tasks(struct kernel *k, int *running, int *total)
{
	*running = *total = 0;
	for (struct process *t = k->procs; t; t = t->next) {
		if (t->exited)
			continue;
		++*total;
		if (t->state == PROC_RUNNABLE || t == k->current)
			++*running;
	}
}

/* One "cpu" line: user nice system idle iowait irq softirq steal guest
 * guest_nice, in USER_HZ ticks. */
static void show_cpu(struct seq *s, const char *name, const struct cpu_times *t)
{
	seq_printf(s, "%s %llu 0 %llu %llu 0 0 0 0 0 0\n", name,
		   (unsigned long long)(t->user / NSEC_PER_TICK),
		   (unsigned long long)(t->system / NSEC_PER_TICK),
		   (unsigned long long)(t->idle / NSEC_PER_TICK));
}

void proc_stat_global_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	struct cpu_times t;
	cpu_times(&t);
	show_cpu(s, "cpu ", &t);
	show_cpu(s, "cpu0", &t);
	seq_printf(s, "intr 0");
	for (int i = 0; i < NR_IRQS_LEGACY; i++)
		seq_printf(s, " 0");
	struct timespec now = {0};
	clock_gettime(CLOCK_REALTIME, &now);
	int running, total;
	count_tasks(k, &running, &total);
	/* The boot as the reader's time namespace puts it: earlier by its
	 * CLOCK_BOOTTIME offset (Linux's timens_sub_boottime). */
	struct timespec off = {0};
	timens_add(k->current, CLOCK_BOOTTIME, &off);
	int64_t btime_ns = (int64_t)(ns_of(&now) - t.uptime) -
			   ((int64_t)off.tv_sec * (int64_t)NSEC_PER_SEC + off.tv_nsec);
	seq_printf(s, "\nctxt %llu\nbtime %lld\nprocesses %llu\nprocs_running %d\nprocs_blocked 0\n",
		   (unsigned long long)k->stats.context_switches,
		   (long long)(btime_ns / (int64_t)NSEC_PER_SEC),
		   (unsigned long long)k->stats.forks + 1, /* and the first process */
		   running);
	seq_printf(s, "softirq 0");
	for (int i = 0; i < NR_SOFTIRQS; i++)
		seq_printf(s, " 0");
	seq_printf(s, "\n");
}

/* "0.00 0.00 0.00 running/total last_pid". */
void proc_loadavg_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	int running, total;
	count_tasks(k, &running, &total);
	seq_printf(s, "0.00 0.00 0.00 %d/%d %d\n", running, total, task_ns_last_pid(k));
}
