/* oom.c - the OOM killer: when no frame can be freed, the process whose
 * death frees most (resident + swapped + page tables), weighed by its
 * oom_score_adj as Linux's oom_badness does, is killed; one whose
 * oom_score_adj is -1000 never is. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "kern.h"
#include "mm/internal.h"
#include "task/task.h"

/* Memory an OOM kill weighs a process against: RAM and swap, in pages. */
uint64_t oom_totalpages(struct kernel *k)
{
	struct meminfo m;
	kernel_meminfo(k, &m);
	return (m.mem_total + m.swap_total) >> (PAGE_SHIFT - 10);
}

long oom_badness(const struct process *p, uint64_t totalpages)
{
	long adj = p->signal->oom_score_adj;
	if (!p->mm || p->exited || adj == OOM_SCORE_ADJ_MIN)
		return LONG_MIN;
	long points = (long)(p->mm->rss_pages + p->mm->swap_ents + p->mm->pt_pages);
	return points + adj * (long)(totalpages / 1000);
}

static uint64_t total_vm_pages(const struct mm *mm)
{
	uint64_t pages = 0;
	for (const struct vma *v = mm->vmas; v; v = v->next)
		pages += (v->end - v->start) >> PAGE_SHIFT;
	return pages;
}

struct process *oom_kill(struct kernel *k)
{
	struct process *victim = NULL;
	uint64_t total = oom_totalpages(k);
	long worst = LONG_MIN;
	for (struct process *p = k->procs; p; p = p->next) {
		long points = oom_badness(p, total);
		if (points != LONG_MIN && (!victim || points > worst)) {
			victim = p;
			worst = points;
		}
	}
	if (!victim)
		return NULL;
	const struct mm *mm = victim->mm;
	/* The line Linux's kernel log prints (mm/oom_kill.c). */
	fprintf(stderr,
		"vmemu: Out of memory: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		"file-rss:0kB, shmem-rss:0kB, UID:%u pgtables:%llukB oom_score_adj:%d\n",
		victim->pid, victim->comm, (unsigned long long)total_vm_pages(mm) * 4,
		(unsigned long long)mm->rss_pages * 4, victim->cred.uid, (unsigned long long)mm->pt_pages * 4,
		victim->signal->oom_score_adj);
	k->stats.oom_kills++;
	process_kill(k, victim, SIGKILL);
	return victim;
}
