/* maxrss.c - the peak resident set that getrusage, wait4 and waitid report
 * (ru_maxrss): a process's own is the highest of the address spaces its
 * threads have left (by exec or exit; Linux's signal->maxrss) and the one
 * it has; its children's is the highest of its reaped children's own and
 * their children's (signal->cmaxrss). Kept in pages, reported in KiB. */
#include <sys/resource.h>

#include "mm/mm.h"
#include "task/task.h"

static void set_max(uint64_t *to, uint64_t v)
{
	if (*to < v)
		*to = v;
}

void maxrss_mm_gone(struct process *p, const struct mm *mm)
{
	set_max(&p->signal->maxrss, mm_hiwater_rss(mm));
}

void maxrss_reap(struct signal_struct *parent, const struct signal_struct *child)
{
	set_max(&parent->cmaxrss, child->maxrss);
	set_max(&parent->cmaxrss, child->cmaxrss);
}

long task_maxrss_kb(const struct process *p, int who)
{
	const struct signal_struct *s = p->signal;
	uint64_t pages = who == RUSAGE_CHILDREN ? s->cmaxrss : s->maxrss;
	if (who == RUSAGE_BOTH)
		set_max(&pages, s->cmaxrss);
	if (who != RUSAGE_CHILDREN && p->mm)
		set_max(&pages, mm_hiwater_rss(p->mm));
	return (long)(pages * (PAGE_SIZE / 1024));
}
