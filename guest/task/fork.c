/* fork.c - fork, vfork, clone and clone3 (Linux's kernel/fork.c): a new
 * task that shares with its creator what the CLONE_* flags say (memory,
 * files, working directory, handlers, the thread group) and gets a copy
 * of the rest; without CLONE_VM a copy of the address space (mm_fork.c),
 * every private page shared copy-on-write. A new process (no
 * CLONE_THREAD) holds only the calling thread, however many the caller's
 * process has. */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* Flags that act here; of the namespaces only CLONE_NEWPID,
 * CLONE_NEWUTS and (clone3's) CLONE_NEWTIME are made (nsproxy.c); CLONE_NEWNS is EPERM (unshare.c
 * says why), the others and CLONE_PTRACE are not implemented (EINVAL). CLONE_SYSVSEM (no SysV semaphores here),
 * CLONE_IO, CLONE_UNTRACED and CLONE_DETACHED change nothing. clone3
 * adds CLONE_CLEAR_SIGHAND; CLONE_INTO_CGROUP is EINVAL (no cgroups). */
#define CLONE_KNOWN                                                                           \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD |            \
	 CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |             \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |         \
	 CLONE_CHILD_SETTID | CLONE_IO | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS)
#define CLONE_CLEAR_SIGHAND 0x100000000ULL

/* struct clone_args of clone3(2); CLONE_ARGS_SIZE_VER0 is its first 64
 * bytes. set_tid has a pid for each PID namespace level, the new task's
 * own first; cgroup must be 0. */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

/* What clone takes, whichever call it came by (Linux's kernel_clone_args). */
struct clone_req {
	uint64_t flags;
	int exit_signal;
	uint64_t stack; /* the new task's rsp; 0: the caller's */
	uint64_t parent_tid, child_tid, tls;
	uint64_t pidfd; /* CLONE_PIDFD: where the pidfd's number goes */
	int set_tid[MAX_PID_NS_LEVEL]; /* clone3's set_tid: the child's pids, innermost first */
	unsigned set_tid_size;
};

/* Linux's copy_process checks, in its order. */
static int check_flags(struct kernel *k, uint64_t flags)
{
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL; /* a thread group shares its handlers */
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL; /* shared handlers live in shared memory */
	if ((flags & CLONE_PARENT) &&
	    (k->current->signal == k->init->signal || is_child_reaper(k->current)))
		return -EINVAL; /* init has no siblings */
	/* a thread shares its process's PID namespace */
	if ((flags & CLONE_THREAD) &&
	    ((flags & CLONE_NEWPID) || k->current->pid_ns_for_children != k->current->pid_ns))
		return -EINVAL;
	/* Linux before 6.9 had no pidfds of threads; vmemu's pidfds are
	 * still of processes only. */
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_DETACHED | CLONE_THREAD)))
		return -EINVAL;
	return 0;
}

/* The memory, files, working directory, handlers and SysV undo list of c, shared or
 * copied from the caller p as flags say. 0, or -ENOMEM. */
static int copy_resources(struct kernel *k, struct process *c, struct process *p,
			  uint64_t flags)
{
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		c->mm->users++;
	} else if (!(c->mm = mm_fork(k, p->mm))) {
		return -ENOMEM;
	}
	if (flags & CLONE_FILES)
		fdtable_get(c->files = p->files);
	else if (!(c->files = fdtable_fork(p->files)))
		return -ENOMEM;
	if (sem_undo_copy(p, c, flags))
		return -ENOMEM;
	if (flags & CLONE_FS)
		fs_struct_get(c->fs = p->fs);
	else if (!(c->fs = fs_struct_copy(p->fs)))
		return -ENOMEM;
	if (flags & CLONE_SIGHAND) {
		c->sighand = p->sighand;
		c->sighand->refs++;
	} else if ((c->sighand = sighand_alloc())) {
		memcpy(c->sighand->action, p->sighand->action, sizeof(c->sighand->action));
		if (flags & CLONE_CLEAR_SIGHAND) /* handlers to SIG_DFL; SIG_IGN stays */
			for (int sig = 1; sig <= KSIG_MAX; sig++)
				if (c->sighand->action[sig].handler != KSIG_IGN)
					c->sighand->action[sig] = (struct k_sigaction){0};
	} else {
		return -ENOMEM;
	}
	return 0;
}

/* c joins the caller's thread group, or leads a process of its own. */
static int copy_signal(struct process *c, struct process *p, const struct clone_req *r)
{
	if (r->flags & CLONE_THREAD) {
		c->tgid = p->tgid;
		c->signal = p->signal;
		c->signal->refs++;
		c->signal->nr_threads++;
		c->exit_signal = -1;
		return 0;
	}
	struct signal_struct *s = c->signal = signal_struct_alloc(c);
	if (!s)
		return -ENOMEM;
	const struct signal_struct *ps = p->signal;
	s->parent = (r->flags & CLONE_PARENT) ? ps->parent : (struct signal_struct *)ps;
	s->parent_tid = (r->flags & CLONE_PARENT) ? ps->parent_tid : p->pid;
	s->pgid = ps->pgid;
	s->sid = ps->sid;
	s->membarrier_state = ps->membarrier_state;
	s->exe_file = ps->exe_file;
	if (s->exe_file)
		file_get(s->exe_file);
	memcpy(s->cmdline, ps->cmdline, ps->cmdline_len);
	s->cmdline_len = ps->cmdline_len;
	s->oom_score_adj = ps->oom_score_adj;
	s->oom_score_adj_min = ps->oom_score_adj_min;
	memcpy(s->rlim, ps->rlim, sizeof(s->rlim));
	/* With CLONE_PARENT the exit signal is the caller's own (Linux). */
	c->exit_signal = (r->flags & CLONE_PARENT) ? p->exit_signal : r->exit_signal;
	return 0;
}

/* RLIMIT_NPROC (Linux 6.1's copy_process): the real user has that many
 * tasks already (threads and zombies count), and is not root, nor has
 * CAP_SYS_RESOURCE or CAP_SYS_ADMIN. */
static bool nproc_over_limit(struct kernel *k, const struct process *p)
{
	uint64_t limit = task_rlimit(p, RLIMIT_NPROC), n = 0;
	if (limit == RLIM_INFINITY || p->cred.uid == 0)
		return false;
	for (const struct process *t = k->procs; t; t = t->next)
		n += t->cred.uid == p->cred.uid;
	return n >= limit && !capable(k, CAP_SYS_RESOURCE) && !capable(k, CAP_SYS_ADMIN);
}

/* The new task returns 0 from the call, at the instruction after SYSCALL,
 * on its own stack when given one. */
static struct process *copy_process(struct kernel *k, const struct cpu_context *ctx,
				    const struct clone_req *r, int *err)
{
	struct process *p = k->current, *c = NULL;
	if (k->nprocs >= PROCESS_MAX || nproc_over_limit(k, p)) {
		*err = -EAGAIN;
		return NULL;
	}
	/* Linux's copy_namespaces, then alloc_pid in the child's namespace. */
	struct pid_namespace *ns = p->pid_ns_for_children, *new_ns = NULL;
	if ((r->flags & (CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWTIME)) &&
	    (!capable(k, CAP_SYS_ADMIN) || (r->flags & CLONE_NEWNS))) {
		*err = -EPERM;
		return NULL;
	}
	if (r->flags & CLONE_NEWPID) {
		/* after unshare(CLONE_NEWPID), children go there first */
		*err = ns != p->pid_ns ? -EINVAL : pid_ns_create(ns, &new_ns);
		if (*err)
			return NULL;
		ns = new_ns;
	}
	*err = process_alloc_ns(k, ns, r->set_tid, r->set_tid_size, &c);
	put_pid_ns(new_ns);
	if (*err)
		return NULL;
	*err = copy_signal(c, p, r);
	if (!*err)
		*err = copy_resources(k, c, p, r->flags);
	if (!*err)
		*err = copy_namespaces(k, c, p, r->flags);
	if (*err) {
		if (c->signal && (r->flags & CLONE_THREAD))
			c->signal->nr_threads--;
		process_reap(k, c);
		return NULL;
	}
	c->sig.blocked = p->sig.blocked;
	c->cap = p->cap;
	cred_copy(c, p);
	sched_fork(c, p);
	rseq_fork(c, p, r->flags);
	seccomp_fork(c, p);
	c->personality = p->personality;
	/* A new thread on its own stack must not run handlers on the
	 * caller's alternate stack (Linux clears it for CLONE_VM). */
	if ((r->flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM) {
		c->sig.altstack_sp = p->sig.altstack_sp;
		c->sig.altstack_size = p->sig.altstack_size;
		c->sig.altstack_flags = p->sig.altstack_flags;
	}
	memcpy(c->comm, p->comm, sizeof(c->comm));
	c->timer_slack_ns = c->default_timer_slack_ns = p->timer_slack_ns;
	/* Inherited, as Linux copies the task's flags; pdeath_signal is not. */
	c->no_new_privs = p->no_new_privs;
	c->mce_kill = p->mce_kill;
	c->io_flusher = p->io_flusher;
	c->ctx = *ctx;
	c->ctx.rax = 0;
	c->ctx.rip = ctx->rip + SYSCALL_INSN_LEN;
	c->ctx.rcx = c->ctx.rip;
	c->ctx.r11 = c->ctx.rflags;
	if (r->stack)
		c->ctx.rsp = r->stack;
	if (r->flags & CLONE_SETTLS)
		c->ctx.fs_base = r->tls;
	k->stats.forks++;
	/* Two can run now: end this slice so the next one has a time limit. */
	k->ops.stop(k->ops.ctx);
	return c;
}

/* Linux's kernel_clone: the new task's tid, or -errno. */
static int64_t kernel_clone(struct kernel *k, const struct cpu_context *ctx,
			    const struct clone_req *r)
{
	int err = check_flags(k, r->flags);
	if (err)
		return err;
	if ((r->flags & CLONE_SETTLS) && r->tls >= USER_TOP)
		return -EPERM; /* as ARCH_SET_FS says of a non-canonical base */
	/* clone(2) has one field for both (Linux: EINVAL). */
	if ((r->flags & CLONE_PIDFD) && (r->flags & CLONE_PARENT_SETTID) && r->pidfd == r->parent_tid)
		return -EINVAL;
	const int32_t none = -1;
	if ((r->flags & CLONE_PIDFD) && copy_to_user(k, r->pidfd, &none, sizeof(none)))
		return -EFAULT;
	struct process *c = copy_process(k, ctx, r, &err);
	if (!c)
		return err;
	int32_t tid = task_pid_vnr(k, c);
	if (r->flags & CLONE_PIDFD) {
		int32_t fd = pidfd_create(k, c, 0);
		copy_to_user(k, r->pidfd, &fd, sizeof(fd)); /* written above: cannot fail */
	}
	if (r->flags & CLONE_PARENT_SETTID)
		copy_to_user(k, r->parent_tid, &tid, sizeof(tid));
	if (r->flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = r->child_tid;
	if (r->flags & CLONE_CHILD_SETTID) { /* in the child's memory, which may be a copy */
		int32_t own = c->nr[c->pid_ns->level]; /* as the child sees itself */
		mm_write_force(k, c->mm, r->child_tid, &own, sizeof(own));
	}
	ptrace_event_fork(k, k->current, c, r->flags, r->exit_signal);
	if (r->flags & CLONE_VFORK) {
		/* The caller waits until the child execs or exits; its call
		 * returns the child's pid when it runs again. */
		c->vfork_parent = k->current;
		process_block(k, c);
	}
	return tid;
}

int64_t sys_fork(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)a;
	const struct clone_req r = {.exit_signal = SIGCHLD};
	return kernel_clone(k, ctx, &r);
}

int64_t sys_vfork(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)a;
	const struct clone_req r = {.flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD};
	return kernel_clone(k, ctx, &r);
}

/* clone(flags, stack, parent_tid, child_tid, tls) on x86-64. */
int64_t sys_clone(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	uint64_t flags = a[0] & 0xffffffffULL; /* Linux takes the low 32 bits */
	if (flags & ~CLONE_KNOWN)
		return -EINVAL;
	const struct clone_req r = {.flags = flags & ~(uint64_t)CSIGNAL,
				    .exit_signal = (int)(flags & CSIGNAL), .stack = a[1],
				    .parent_tid = a[2], .child_tid = a[3], .tls = a[4], .pidfd = a[2]};
	if (r.exit_signal > KSIG_MAX)
		return -EINVAL;
	return kernel_clone(k, ctx, &r);
}

/* Linux's copy_struct_from_user: a shorter struct is zero-extended, a
 * longer one must have zeroes past what the kernel knows (else E2BIG). */
static int clone_args_copy(struct kernel *k, struct clone_args *args, uint64_t uva,
			   uint64_t size)
{
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	*args = (struct clone_args){0};
	uint64_t known = size < sizeof(*args) ? size : sizeof(*args);
	if (copy_from_user(k, args, uva, known))
		return -EFAULT;
	for (uint64_t at = known; at < size; at++) {
		uint8_t b;
		if (copy_from_user(k, &b, uva + at, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	return 0;
}

/* clone3(args, size): the stack is given as its lowest address and size. */
int64_t sys_clone3(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	struct clone_args args;
	int err = clone_args_copy(k, &args, a[0], a[1]);
	if (err)
		return err;
	/* Linux's copy_clone_args_from_user and clone3_args_valid, in order. */
	if (!args.set_tid != !args.set_tid_size || args.set_tid_size > MAX_PID_NS_LEVEL)
		return -EINVAL;
	struct clone_req r = {.flags = args.flags, .exit_signal = (int)args.exit_signal,
			      .stack = args.stack + args.stack_size,
			      .parent_tid = args.parent_tid, .child_tid = args.child_tid,
			      .tls = args.tls, .pidfd = args.pidfd,
			      .set_tid_size = (unsigned)args.set_tid_size};
	if (args.set_tid_size &&
	    copy_from_user(k, r.set_tid, args.set_tid, args.set_tid_size * sizeof(int32_t)))
		return -EFAULT;
	if (args.cgroup)
		return -EINVAL; /* cgroups are not implemented */
	/* 0x80 of clone's signal byte is CLONE_NEWTIME to clone3. */
	if ((args.flags & ~(uint64_t)(CLONE_KNOWN | CLONE_CLEAR_SIGHAND)) ||
	    (args.flags & (CSIGNAL & ~(uint64_t)CLONE_NEWTIME)) || args.exit_signal > KSIG_MAX)
		return -EINVAL;
	if ((args.flags & CLONE_SIGHAND) && (args.flags & CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((args.flags & (CLONE_THREAD | CLONE_PARENT)) && args.exit_signal)
		return -EINVAL;
	if (!args.stack != !args.stack_size)
		return -EINVAL;
	return kernel_clone(k, ctx, &r);
}
