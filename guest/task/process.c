/* process.c - the process list: creation, exit to zombie, reaping. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* Linux's SIGCHLD codes (CLD_EXITED, CLD_KILLED, CLD_DUMPED). */
#define CLD_EXITED_CODE 1
#define CLD_KILLED_CODE 2
#define CLD_DUMPED_CODE 3

static void list_add(struct kernel *k, struct process *p)
{
	struct process **pp = &k->procs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
	k->nprocs++;
}

/* Linux frees a PID only when no process, group or session uses it. */
static bool pid_in_use(struct kernel *k, int pid)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (p->pid == pid || p->pgid == pid || p->sid == pid)
			return true;
	return false;
}

/* The next PID not in use, counting up and wrapping at kernel.pid_max to
 * 300 (Linux's RESERVED_PIDS), as alloc_pid. PROCESS_MAX is far below
 * the smallest pid_max, so one is always free. */
static int pid_alloc(struct kernel *k)
{
	for (;;) {
		if ((unsigned long)k->next_pid >= k->ksys.pid_max)
			k->next_pid = 300;
		int pid = k->next_pid++;
		if (!pid_in_use(k, pid))
			return pid;
	}
}

struct process *process_alloc(struct kernel *k)
{
	if (k->nprocs >= PROCESS_MAX)
		return NULL;
	struct process *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	static uint64_t serial;
	p->pid = pid_alloc(k);
	p->serial = ++serial;
	p->pgid = p->sid = p->pid;
	p->state = PROC_RUNNABLE;
	list_add(k, p);
	return p;
}

void process_set_cmdline(struct process *p, char *const argv[])
{
	size_t len = 0;
	for (; *argv && len < sizeof(p->cmdline); argv++) {
		size_t n = strlen(*argv) + 1;
		if (n > sizeof(p->cmdline) - len)
			n = sizeof(p->cmdline) - len;
		memcpy(p->cmdline + len, *argv, n);
		len += n;
	}
	p->cmdline_len = len;
}

struct process *kernel_create_process(struct kernel *k)
{
	struct process *p = process_alloc(k);
	if (!p) {
		errno = k->nprocs >= PROCESS_MAX ? EAGAIN : ENOMEM;
		return NULL;
	}
	if (!(p->files = fdtable_create_stdio(k)) || !(p->fs = fs_struct_create(k))) {
		int err = errno;
		process_reap(k, p);
		errno = err;
		return NULL;
	}
	cap_init(p);
	if (!k->init)
		k->init = p;
	return p;
}

struct process *process_find(struct kernel *k, int pid)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

bool is_orphaned_pgrp(struct kernel *k, int pgid)
{
	for (struct process *p = k->procs; p; p = p->next) {
		if (p->pgid != pgid || p->state == PROC_ZOMBIE)
			continue;
		const struct process *parent = p->parent;
		if (parent && parent->pgid != pgid && parent->sid == p->sid)
			return false;
	}
	return true;
}

/* What a dead process held, released at once; its status stays. */
static void process_release(struct kernel *k, struct process *p)
{
	if (p->mm) {
		if (k->current == p)
			k->mmu.regs.cr3 = 0;
		mm_put(k, p->mm);
		p->mm = NULL;
		k->tlb_flush_pending = true;
		tlb_gather_finish(k);
	}
	if (p->files) {
		fdtable_destroy(p->files);
		p->files = NULL;
	}
	fs_struct_free(p->fs);
	p->fs = NULL;
	if (p->exe_file) {
		file_put(p->exe_file);
		p->exe_file = NULL;
	}
}

/* A parent in vfork waits for the child to exec or exit. */
void process_vfork_done(struct kernel *k, struct process *p)
{
	if (p->vfork_parent) {
		kernel_wake(k, p);
		p->vfork_parent = NULL;
	}
}

/* The end of every process: resources go, children go to init, the
 * parent hears of it (SIGCHLD, and wait4 wakes). */
static void process_die(struct kernel *k, struct process *p)
{
	p->exited = true;
	p->state = PROC_ZOMBIE;
	p->wait_chan = NULL;
	p->nhost_wait = 0;
	host_job_cancel(p);
	futex_end_wait(p);
	/* CLONE_CHILD_CLEARTID / set_tid_address: the TID word is zeroed at
	 * exit; it matters only where the memory lives on (a vfork child). */
	if (p->clear_child_tid && p->mm && p->mm->users > 1) {
		const uint32_t zero = 0;
		mm_write_force(k, p->mm, p->clear_child_tid, &zero, sizeof(zero));
		futex_wake_word(k, p->mm, p->clear_child_tid);
	}
	process_vfork_done(k, p);
	process_release(k, p);
	for (struct process *c = k->procs; c; c = c->next) {
		if (c->parent == p) {
			c->parent = k->init == p ? NULL : k->init;
			c->ppid = c->parent ? c->parent->pid : 0;
		}
	}
	if (p->parent) {
		const struct k_sigaction *act = &p->parent->sig.action[SIGCHLD];
		/* Linux reaps at once the children of a parent that ignores SIGCHLD. */
		p->autoreap = act->handler == KSIG_IGN || (act->flags & SA_NOCLDWAIT);
		struct ksiginfo info = {
			.signo = SIGCHLD,
			.code = p->term_signal ? (p->core_dumped ? CLD_DUMPED_CODE : CLD_KILLED_CODE)
					       : CLD_EXITED_CODE,
			.pid = p->pid,
			.status = p->term_signal ? p->term_signal : p->exit_code,
		};
		signal_send(k, p->parent, &info);
		kernel_wake(k, p->parent);
	}
	if (p == k->current)
		k->ops.stop(k->ops.ctx);
}

void process_exit(struct kernel *k, struct process *p, int code)
{
	p->exit_code = code & 0xff;
	process_die(k, p);
}

void process_kill(struct kernel *k, struct process *p, int sig)
{
	p->term_signal = sig;
	process_die(k, p);
}

void process_reap(struct kernel *k, struct process *p)
{
	struct process **pp = &k->procs;
	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	k->nprocs--;
	process_release(k, p);
	if (k->current == p)
		k->current = NULL;
	if (k->init == p)
		k->init = NULL;
	host_job_cancel(p);
	free(p->host_wait);
	free(p);
}
