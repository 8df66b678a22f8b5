/* sem_undo.c - the System V semaphore undo list a task shares (Linux's
 * sysvsem.undo_list). vmemu has no semop, so a list holds no undo
 * entries: what remains is its identity, which kcmp(KCMP_SYSVSEM)
 * compares. As in Linux's copy_semundo, a clone with CLONE_SYSVSEM (every
 * pthread_create) makes the caller's list if it has none and shares it;
 * any other clone leaves the child without one; unshare(CLONE_SYSVSEM)
 * and the task's exit drop its reference (exit_sem). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "task/internal.h"

struct sem_undo_list {
	int refs;
};

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

void sem_undo_put(struct process *p)
{
	if (p->sysvsem && !--p->sysvsem->refs)
		free(p->sysvsem);
	p->sysvsem = NULL;
}
