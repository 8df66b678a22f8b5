/* nsproxy.c - a task's namespaces (Linux's kernel/nsproxy.c): what
 * clone's CLONE_NEW* flags give a new task, what /proc/PID/ns names,
 * and setns(2) through an nsfs file (/proc/PID/ns/NAME) or a pidfd.
 *
 * vmemu separates PID, UTS and time namespaces (pid_namespace.c,
 * utsname.c, time_namespace.c). Of the others (cgroup, ipc, mnt, net,
 * user) it has one each, as a Linux kernel built without them has:
 * making one is EINVAL (Linux's answer for a type it was not configured
 * with; unshare.c), and their /proc/PID/ns links all name the one
 * namespace, with the initial namespaces' inode numbers. setns to it is
 * what Linux does when a process enters the namespace it is already in:
 * after the same checks (CAP_SYS_ADMIN, and CAP_SYS_CHROOT and an
 * unshared fs_struct for mnt) it succeeds and changes nothing, except
 * user, where entering one's own user namespace is EINVAL on Linux too.
 * Entering a time namespace needs a single thread (EUSERS) and sets both
 * the task's and its children's. Linux's mnt install also moves the root
 * and working directory to the
 * namespace's root: vmemu leaves them. */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>

#include "fs/fs.h"
#include "kern.h"
#include "task/internal.h"

#define CLONE_NEWALL                                                                          \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWTIME |            \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP)
#define PROC_DYNAMIC_FIRST 0xF0000000U

/* The inode numbers of Linux's initial namespaces (as a 6.x host shows
 * them: mnt and net too). */
static const struct {
	const char *entry, *type;
	int flag;
	unsigned inum;
} ns_types[NS_TYPES] = {
	[NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP, 0xEFFFFFFBU},
	[NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC, 0xEFFFFFFFU},
	[NS_MNT] = {"mnt", "mnt", CLONE_NEWNS, 0xEFFFFFF8U},
	[NS_NET] = {"net", "net", CLONE_NEWNET, 0xEFFFFFF9U},
	[NS_PID] = {"pid", "pid", CLONE_NEWPID, 0},
	[NS_PID_FOR_CHILDREN] = {"pid_for_children", "pid", CLONE_NEWPID, 0},
	[NS_TIME] = {"time", "time", CLONE_NEWTIME, 0xEFFFFFFAU},
	[NS_TIME_FOR_CHILDREN] = {"time_for_children", "time", CLONE_NEWTIME, 0xEFFFFFFAU},
	[NS_USER] = {"user", "user", CLONE_NEWUSER, 0xEFFFFFFDU},
	[NS_UTS] = {"uts", "uts", CLONE_NEWUTS, 0},
};

unsigned ns_alloc_inum(void)
{
	static unsigned next = PROC_DYNAMIC_FIRST + 0x100;
	return next++;
}

const char *ns_entry_name(enum ns_type t)
{
	return ns_types[t].entry;
}

const char *ns_type_name(enum ns_type t)
{
	return ns_types[t].type;
}

int ns_get(struct process *p, enum ns_type t, struct ns_ref *out)
{
	/* A zombie keeps its pids and credentials, not its nsproxy. */
	if (p->exited && t != NS_PID && t != NS_USER)
		return -ENOENT;
	*out = (struct ns_ref){.type = t, .inum = ns_types[t].inum};
	if (t == NS_PID || t == NS_PID_FOR_CHILDREN) {
		struct pid_namespace *ns = t == NS_PID ? p->pid_ns : p->pid_ns_for_children;
		/* a namespace without its init has no file yet (Linux) */
		if (ns->level > 0 && !ns->child_reaper)
			return -ENOENT;
		*out = (struct ns_ref){.type = NS_PID, .ns = ns, .inum = ns->inum};
	} else if (t == NS_UTS) {
		out->ns = p->uts_ns;
		out->inum = p->uts_ns->inum;
	} else if (t == NS_TIME || t == NS_TIME_FOR_CHILDREN) {
		struct time_namespace *ns = t == NS_TIME ? p->time_ns : p->time_ns_for_children;
		*out = (struct ns_ref){.type = NS_TIME, .ns = ns, .inum = ns->inum};
	}
	ns_ref_get(out);
	return 0;
}

void ns_ref_get(const struct ns_ref *r)
{
	if (r->type == NS_PID)
		get_pid_ns(r->ns);
	else if (r->type == NS_UTS)
		get_uts_ns(r->ns);
	else if (r->type == NS_TIME)
		get_time_ns(r->ns);
}

void ns_ref_put(const struct ns_ref *r)
{
	if (r->type == NS_PID)
		put_pid_ns(r->ns);
	else if (r->type == NS_UTS)
		put_uts_ns(r->ns);
	else if (r->type == NS_TIME)
		put_time_ns(r->ns);
}

int copy_namespaces(struct kernel *k, struct process *c, const struct process *p,
		    uint64_t flags)
{
	(void)k;
	c->pid_ns_for_children = get_pid_ns(c->pid_ns);
	c->uts_ns = (flags & CLONE_NEWUTS) ? uts_ns_copy(p->uts_ns) : get_uts_ns(p->uts_ns);
	/* clone3's CLONE_NEWTIME: a copy of the parent's time_for_children.
	 * A child with memory of its own enters that one (Linux's
	 * timens_on_fork); one sharing its creator's (a thread, a vfork
	 * child) stays in the creator's until it execs (exec_task_namespaces;
	 * Linux 6.1 refused CLONE_VM and CLONE_THREAD there, 6.18 does not:
	 * the host is the oracle). */
	c->time_ns_for_children = (flags & CLONE_NEWTIME) ? time_ns_copy(p->time_ns_for_children)
							  : get_time_ns(p->time_ns_for_children);
	if (!c->uts_ns || !c->time_ns_for_children)
		return -ENOMEM;
	timens_enter(c, (flags & CLONE_VM) ? p->time_ns : c->time_ns_for_children);
	return 0;
}

void exit_task_namespaces(struct process *p)
{
	if (p->pid_ns && p->pid_ns->child_reaper == p)
		p->pid_ns->child_reaper = NULL;
	put_pid_ns(p->pid_ns);
	put_pid_ns(p->pid_ns_for_children);
	put_uts_ns(p->uts_ns);
	put_time_ns(p->time_ns);
	put_time_ns(p->time_ns_for_children);
	p->pid_ns = p->pid_ns_for_children = NULL;
	p->uts_ns = NULL;
	p->time_ns = p->time_ns_for_children = NULL;
}

void nsproxy_exit(struct kernel *k)
{
	put_pid_ns(k->init_pid_ns);
	put_uts_ns(k->init_uts_ns);
	put_time_ns(k->init_time_ns);
	k->init_pid_ns = NULL;
	k->init_uts_ns = NULL;
	k->init_time_ns = NULL;
}

/* ---- setns ---- */

/* What setns will change, checked in full before anything changes
 * (Linux's struct nsset). */
struct nsset {
	struct pid_namespace *pid_ns_for_children;
	struct uts_namespace *uts_ns;
	struct time_namespace *time_ns; /* NULL: unchanged */
};

/* Entering namespace r (Linux's ns->ops->install), in its checks'
 * order. */
static int ns_install(struct kernel *k, struct nsset *set, const struct ns_ref *r)
{
	struct process *self = k->current;
	switch (r->type) {
	case NS_USER:
		return -EINVAL; /* the caller's own user namespace */
	case NS_MNT:
		if (!capable(k, CAP_SYS_ADMIN) || !capable(k, CAP_SYS_CHROOT))
			return -EPERM;
		return self->fs->users != 1 ? -EINVAL : 0;
	case NS_TIME:
	case NS_TIME_FOR_CHILDREN:
		/* Linux's current_is_single_threaded: no thread, no other
		 * task on its memory either */
		if (self->signal->nr_threads > 1 || self->mm->users > 1)
			return -EUSERS;
		if (!capable(k, CAP_SYS_ADMIN))
			return -EPERM;
		set->time_ns = r->ns;
		return 0;
	case NS_PID:
	case NS_PID_FOR_CHILDREN: {
		struct pid_namespace *ns = r->ns, *active = self->pid_ns, *a = ns;
		if (!capable(k, CAP_SYS_ADMIN))
			return -EPERM;
		/* the active namespace or one below it */
		while (a && a->level > active->level)
			a = a->parent;
		if (a != active)
			return -EINVAL;
		set->pid_ns_for_children = ns;
		return 0;
	}
	case NS_UTS:
		if (!capable(k, CAP_SYS_ADMIN))
			return -EPERM;
		set->uts_ns = r->ns;
		return 0;
	default: /* cgroup, ipc, net: the one there is */
		return capable(k, CAP_SYS_ADMIN) ? 0 : -EPERM;
	}
}

/* The namespaces of t that flags name, entered in Linux's order
 * (validate_nsset). */
static int install_task_ns(struct kernel *k, struct nsset *set, struct process *t, int flags)
{
	static const enum ns_type order[] = {NS_USER, NS_MNT, NS_UTS, NS_IPC,
					     NS_PID, NS_CGROUP, NS_NET, NS_TIME};
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(flags & ns_types[order[i]].flag))
			continue;
		struct ns_ref r;
		if (ns_get(t, order[i], &r))
			return -ESRCH;
		int err = ns_install(k, set, &r);
		ns_ref_put(&r);
		if (err)
			return err;
	}
	return 0;
}

int64_t sys_setns(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags = (int)a[1];
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct process *self = k->current;
	struct nsset set = {self->pid_ns_for_children, self->uts_ns, NULL};
	struct ns_ref r;
	int err;
	if (nsfs_file_ns(f, &r)) {
		if (flags && flags != ns_types[r.type].flag)
			return -EINVAL;
		err = ns_install(k, &set, &r);
	} else if (file_kind(f) == FILE_PIDFD) {
		if (!flags || (flags & ~CLONE_NEWALL))
			return -EINVAL;
		int f_flags, pid = pidfd_pid(k, a[0], &f_flags);
		struct process *t = pid > 0 ? process_find(k, pid) : NULL;
		if (!t || t->exited)
			return -ESRCH;
		err = install_task_ns(k, &set, t, flags);
	} else {
		return -EINVAL;
	}
	if (err)
		return err;
	struct pid_namespace *old_pid = self->pid_ns_for_children;
	struct uts_namespace *old_uts = self->uts_ns;
	self->pid_ns_for_children = get_pid_ns(set.pid_ns_for_children);
	self->uts_ns = get_uts_ns(set.uts_ns);
	put_pid_ns(old_pid);
	put_uts_ns(old_uts);
	if (set.time_ns) { /* Linux's timens_install: both, and frozen */
		timens_enter(self, set.time_ns);
		put_time_ns(self->time_ns_for_children);
		self->time_ns_for_children = get_time_ns(set.time_ns);
	}
	return 0;
}
