/* proc_pid_limits.c - /proc/PID/limits: the process's resource limits
 * (task/rlimit.c: what getrlimit gives it) in the table of
 * Linux's proc_pid_limits, one line per RLIMIT_* in their order. */
#include <sys/resource.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

static const struct {
	const char *name, *unit;
} limit_names[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = {"Max cpu time", "seconds"},
	[RLIMIT_FSIZE] = {"Max file size", "bytes"},
	[RLIMIT_DATA] = {"Max data size", "bytes"},
	[RLIMIT_STACK] = {"Max stack size", "bytes"},
	[RLIMIT_CORE] = {"Max core file size", "bytes"},
	[RLIMIT_RSS] = {"Max resident set", "bytes"},
	[RLIMIT_NPROC] = {"Max processes", "processes"},
	[RLIMIT_NOFILE] = {"Max open files", "files"},
	[RLIMIT_MEMLOCK] = {"Max locked memory", "bytes"},
	[RLIMIT_AS] = {"Max address space", "bytes"},
	[RLIMIT_LOCKS] = {"Max file locks", "locks"},
	[RLIMIT_SIGPENDING] = {"Max pending signals", "signals"},
	[RLIMIT_MSGQUEUE] = {"Max msgqueue size", "bytes"},
	[RLIMIT_NICE] = {"Max nice priority", NULL},
	[RLIMIT_RTPRIO] = {"Max realtime priority", NULL},
	[RLIMIT_RTTIME] = {"Max realtime timeout", "us"},
};

/* A limit in its column: "unlimited" or the number, left-aligned in 20. */
static void show_limit(struct seq *s, uint64_t v)
{
	if (v == RLIM_INFINITY)
		seq_printf(s, "%-20s ", "unlimited");
	else
		seq_printf(s, "%-20llu ", (unsigned long long)v);
}

void proc_limits_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	seq_printf(s, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (unsigned i = 0; i < RLIM_NLIMITS; i++) {
		uint64_t cur = task_rlimit(p, i), max = task_rlimit_max(p, i);
		seq_printf(s, "%-25s ", limit_names[i].name);
		show_limit(s, cur);
		show_limit(s, max);
		if (limit_names[i].unit)
			seq_printf(s, "%-10s\n", limit_names[i].unit);
		else
			seq_printf(s, "\n");
	}
}
