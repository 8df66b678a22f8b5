/* oom.c - the OOM killer: when no frame can be freed, the process whose
 * death frees most (resident + swapped + page tables) is killed. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "kern.h"
#include "mm/internal.h"
#include "task/task.h"

static uint64_t badness(const struct process *p)
{
	return p->mm->rss_pages + p->mm->swap_ents + p->mm->pt_pages;
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
	for (struct process *p = k->procs; p; p = p->next)
		if (!p->exited && p->mm && (!victim || badness(p) > badness(victim)))
			victim = p;
	if (!victim)
		return NULL;
	const struct mm *mm = victim->mm;
	/* The line Linux's kernel log prints (mm/oom_kill.c). */
	fprintf(stderr,
		"vmemu: Out of memory: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		"file-rss:0kB, shmem-rss:0kB, UID:%u pgtables:%llukB oom_score_adj:0\n",
		victim->pid, victim->comm, (unsigned long long)total_vm_pages(mm) * 4,
		(unsigned long long)mm->rss_pages * 4, (unsigned)getuid(), (unsigned long long)mm->pt_pages * 4);
	k->stats.oom_kills++;
	process_kill(k, victim, SIGKILL);
	return victim;
}
