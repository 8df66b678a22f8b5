/* sem_undo.c - the System V semaphore undo list a task shares (Linux's
 * sysvsem.undo_list): the adjustments its semop calls with SEM_UNDO
 * made, one entry per set (sem.c keeps them), which are applied when the
 * last task holding the list lets it go (exit_sem), and whose identity
 * kcmp(KCMP_SYSVSEM) compares. As in Linux's copy_semundo, a clone with
 * CLONE_SYSVSEM (every pthread_create) makes the caller's list if it has
 * none and shares it; any other clone leaves the child without one;
 * unshare(CLONE_SYSVSEM) and the task's exit drop its reference. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "task/internal.h"

int sem_undo_copy(struct process *p, struct process *c, uint64_t flags)
{
	c->sysvsem = NULL;
	if (!(flags & CLONE_SYSVSEM))
		return 0;
	if (!p->sysvsem) {
		p->sysvsem = calloc(1, sizeof(*p->sysvsem));
		if (!p->sysvsem)
			return -ENOMEM;
		p->sysvsem->refs = 1;
	}
	c->sysvsem = p->sysvsem;
	c->sysvsem->refs++;
	return 0;
}

void sem_undo_put(struct kernel *k, struct process *p)
{
	struct sem_undo_list *ulp = p->sysvsem;
	p->sysvsem = NULL;
	if (!ulp || --ulp->refs)
		return;
	exit_sem(k, ulp);
	while (ulp->undos) {
		struct sem_undo *un = ulp->undos;
		ulp->undos = un->next;
		free(un->semadj);
		free(un);
	}
	free(ulp);
}
