/* fork.c - fork, vfork and fork-style clone: the child gets a copy of the
 * address space (mm_fork.c), with every private page shared copy-on-write. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* clone(2) flags a fork-style caller may pass (glibc's fork passes the TID
 * ones, posix_spawn CLONE_VM|CLONE_VFORK). Threads are not supported. */
#define CLONE_FORK_FLAGS                                                                      \
	(CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |        \
	 CLONE_CHILD_SETTID)

/* The child returns 0 from the call, at the instruction after SYSCALL. */
static struct process *fork_process(struct kernel *k, const struct cpu_context *ctx,
				    uint64_t flags, int *err)
{
	struct process *parent = k->current;
	struct process *c = process_alloc(k);
	if (!c) {
		*err = -EAGAIN;
		return NULL;
	}
	if (flags & CLONE_VM) { /* vfork: the child borrows the parent's memory */
		c->mm = parent->mm;
		c->mm->users++;
	} else {
		c->mm = mm_fork(k, parent->mm);
	}
	c->files = c->mm ? fdtable_fork(parent->files) : NULL;
	c->fs = c->files ? fs_struct_copy(parent->fs) : NULL;
	if (!c->fs) {
		process_reap(k, c);
		*err = -ENOMEM;
		return NULL;
	}
	c->parent = parent;
	c->ppid = parent->pid;
	c->pgid = parent->pgid;
	c->sid = parent->sid;
	c->sig = parent->sig;
	c->cap = parent->cap;
	c->sig.pending = 0;
	c->exe_file = parent->exe_file;
	if (c->exe_file)
		file_get(c->exe_file);
	memcpy(c->comm, parent->comm, sizeof(c->comm));
	memcpy(c->cmdline, parent->cmdline, parent->cmdline_len);
	c->cmdline_len = parent->cmdline_len;
	c->ctx = *ctx;
	c->ctx.rax = 0;
	c->ctx.rip = ctx->rip + SYSCALL_INSN_LEN;
	c->ctx.rcx = c->ctx.rip;
	c->ctx.r11 = c->ctx.rflags;
	k->stats.forks++;
	/* Two can run now: end this slice so the next one has a time limit. */
	k->ops.stop(k->ops.ctx);
	return c;
}

static int64_t do_fork(struct kernel *k, const struct cpu_context *ctx, uint64_t flags,
		       uint64_t stack, uint64_t parent_tid, uint64_t child_tid)
{
	int err = 0;
	struct process *c = fork_process(k, ctx, flags, &err);
	if (!c)
		return err;
	if (stack)
		c->ctx.rsp = stack;
	int32_t pid = c->pid;
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(k, parent_tid, &pid, sizeof(pid));
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = child_tid;
	if (flags & CLONE_CHILD_SETTID) {
		/* The child's own copy of the page: write through its tables. */
		mm_write_force(k, c->mm, child_tid, &pid, sizeof(pid));
	}
	if (flags & CLONE_VFORK) {
		/* The parent waits until the child execs or exits; its call
		 * returns the child's pid when it runs again. */
		c->vfork_parent = k->current;
		process_block(k, c);
	}
	return pid;
}

int64_t sys_fork(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)a;
	return do_fork(k, ctx, SIGCHLD, 0, 0, 0);
}

int64_t sys_vfork(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)a;
	return do_fork(k, ctx, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0);
}

/* clone(flags, stack, parent_tid, child_tid, tls) on x86-64. */
int64_t sys_clone(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	uint64_t flags = a[0];
	if (flags & ~CLONE_FORK_FLAGS)
		return -EINVAL; /* threads and namespaces are not supported */
	/* CLONE_VM without CLONE_VFORK would be a thread sharing memory. */
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -EINVAL;
	return do_fork(k, ctx, flags, a[1], a[2], a[3]);
}
