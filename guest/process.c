/* process.c - process creation, exit and death by signal. */
#include <stdlib.h>

#include "kern.h"

struct process *kernel_create_process(struct kernel *k)
{
	struct process *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->files = fdtable_create_stdio();
	if (!p->files) {
		free(p);
		return NULL;
	}
	p->pid = k->next_pid++;
	p->ppid = 0;
	if (!k->init)
		k->init = p;
	return p;
}

void process_release(struct kernel *k, struct process *p)
{
	if (p->mm) {
		if (k->current == p)
			k->mmu.regs.cr3 = 0;
		mm_destroy(k, p->mm);
		p->mm = NULL;
		k->tlb_flush_pending = true;
		tlb_gather_finish(k);
	}
	if (p->files) {
		fdtable_destroy(p->files);
		p->files = NULL;
	}
}

void process_exit(struct kernel *k, struct process *p, int code)
{
	p->exited = true;
	p->exit_code = code & 0xff;
	k->ops.stop(k->ops.ctx);
}

void process_kill(struct kernel *k, struct process *p, int sig)
{
	p->exited = true;
	p->term_signal = sig;
	k->ops.stop(k->ops.ctx);
}

void process_free(struct kernel *k, struct process *p)
{
	process_release(k, p);
	free(p);
}
