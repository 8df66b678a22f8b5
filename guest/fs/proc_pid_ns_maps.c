/* proc_pid_ns_maps.c - the /proc/PID files of what vmemu keeps one of:
 * the user namespace's id maps (uid_map, gid_map, projid_map: the initial
 * namespace's identity map of every id) and its setgroups ("allow"), the
 * cpuset ("/"), as Linux shows them
 * for the initial namespaces; and coredump_filter, the memory a core dump
 * would hold (its bits are kept, fork and exec keep them; vmemu writes no
 * core dumps). */
#include <errno.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

void proc_id_map_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k, (void)p;
	seq_printf(s, "%10u %10u %10u\n", 0u, 0u, 4294967295u);
}

void proc_setgroups_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k, (void)p;
	seq_printf(s, "allow\n");
}

void proc_cpuset_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k, (void)p;
	seq_printf(s, "/\n");
}

void proc_coredump_filter_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	if (p->mm)
		seq_printf(s, "%08x\n", p->mm->coredump_filter);
}

/* kstrtouint(buf, 0): the low MMF_DUMP_FILTER_BITS bits are taken. */
int64_t proc_coredump_filter_write(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)pos;
	int v;
	int64_t n = proc_write_int(k, u, 0, &v);
	if (n < 0)
		return n;
	if (v < 0)
		return -EINVAL;
	if (p->mm)
		p->mm->coredump_filter = (unsigned)v & ((1u << MMF_DUMP_FILTER_BITS) - 1);
	return n;
}
