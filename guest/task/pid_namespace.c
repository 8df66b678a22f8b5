/* pid_namespace.c - nested PID namespaces (Linux's kernel/pid.c and
 * kernel/pid_namespace.c). A task has a number in the namespace it was
 * made in and in each ancestor up to the initial one; p->pid is the
 * initial namespace's (/proc, mounted in it, shows those). Every call
 * that takes or returns a pid speaks the caller's namespace: a task
 * outside it is 0 (getppid, si_pid) or not found (ESRCH).
 *
 * A namespace's first task is its init (pid 1, child_reaper): orphans
 * inside are reparented to it, signals without a handler that tasks
 * inside send it are dropped (SIGKILL and SIGSTOP from an ancestor
 * namespace are not), and its end kills every task of the namespace and
 * of those below it; no task joins it after that (ENOMEM). */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>

#include "kern.h"
#include "task/internal.h"

#define PROC_PID_INIT_INO 0xEFFFFFFCU /* Linux's initial pid namespace inode */
#define RESERVED_PIDS 300

struct pid_namespace *init_pid_ns(struct kernel *k)
{
	if (!k->init_pid_ns && (k->init_pid_ns = calloc(1, sizeof(*k->init_pid_ns)))) {
		k->init_pid_ns->refs = 1;
		k->init_pid_ns->inum = PROC_PID_INIT_INO;
	}
	return k->init_pid_ns;
}

int pid_ns_create(struct pid_namespace *parent, struct pid_namespace **out)
{
	if (parent->level + 1 > MAX_PID_NS_LEVEL)
		return -ENOSPC;
	struct pid_namespace *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->refs = 1;
	ns->level = parent->level + 1;
	ns->parent = get_pid_ns(parent);
	ns->inum = ns_alloc_inum();
	*out = ns;
	return 0;
}

struct pid_namespace *get_pid_ns(struct pid_namespace *ns)
{
	if (ns)
		ns->refs++;
	return ns;
}

void put_pid_ns(struct pid_namespace *ns)
{
	while (ns && --ns->refs == 0) {
		struct pid_namespace *parent = ns->parent;
		free(ns);
		ns = parent;
	}
}

/* ns's ancestor at level (ns itself at its own). */
static const struct pid_namespace *ns_at(const struct pid_namespace *ns, unsigned level)
{
	while (ns && ns->level > level)
		ns = ns->parent;
	return ns;
}

int task_pid_nr_ns(const struct process *p, const struct pid_namespace *ns)
{
	if (!p->pid_ns || !ns || ns->level > p->pid_ns->level || ns_at(p->pid_ns, ns->level) != ns)
		return 0;
	return p->nr[ns->level];
}

int task_pid_own(const struct process *p)
{
	return p->pid_ns ? p->nr[p->pid_ns->level] : p->pid;
}

int task_tgid_nr_ns(const struct process *p, const struct pid_namespace *ns)
{
	return task_pid_nr_ns(p->signal ? p->signal->leader : p, ns);
}

int task_pid_vnr(const struct kernel *k, const struct process *p)
{
	return k->current ? task_pid_nr_ns(p, k->current->pid_ns) : p->pid;
}

int task_tgid_vnr(const struct kernel *k, const struct process *p)
{
	return k->current ? task_tgid_nr_ns(p, k->current->pid_ns) : p->tgid;
}

struct process *find_task_by_vpid(struct kernel *k, int nr)
{
	if (nr <= 0)
		return NULL;
	if (!k->current)
		return process_find(k, nr);
	for (struct process *p = k->procs; p; p = p->next)
		if (task_pid_nr_ns(p, k->current->pid_ns) == nr)
			return p;
	return NULL;
}

/* A process group or session is named by its first leader's pid; one
 * whose leader is gone is known by that number in the initial
 * namespace only. */
int pid_vnr(struct kernel *k, int global)
{
	if (!k->current || k->current->pid_ns->level == 0)
		return global;
	struct process *p = process_find(k, global);
	return p ? task_pid_vnr(k, p) : 0;
}

int pid_from_vnr(struct kernel *k, int nr)
{
	if (!k->current || k->current->pid_ns->level == 0)
		return nr;
	struct process *p = find_task_by_vpid(k, nr);
	return p ? p->pid : 0;
}

int task_pid_levels(const struct process *p, bool tgid, int out[MAX_PID_NS_LEVEL + 1])
{
	const struct process *t = tgid && p->signal ? p->signal->leader : p;
	int n = t->pid_ns ? (int)t->pid_ns->level + 1 : 1;
	for (int i = 0; i < n; i++)
		out[i] = t->nr[i];
	return n;
}

bool is_child_reaper(const struct process *p)
{
	const struct process *leader = p->signal ? p->signal->leader : p;
	return leader->pid_ns && leader->pid_ns->level > 0 && leader->pid_ns->child_reaper == leader;
}

bool sig_unkillable(struct kernel *k, const struct process *t, int sig)
{
	if (!is_child_reaper(t) || t->sighand->action[sig].handler != KSIG_DFL)
		return false;
	bool from_ancestor = k->current && !task_pid_nr_ns(k->current, t->pid_ns);
	return !(from_ancestor && (sig == SIGKILL || sig == SIGSTOP));
}

int task_ns_last_pid(struct kernel *k)
{
	const struct pid_namespace *ns = k->current ? k->current->pid_ns : k->init_pid_ns;
	return ns ? ns->last_pid : 0;
}

int task_ns_set_last_pid(struct kernel *k, int last)
{
	if (!capable(k, CAP_SYS_ADMIN) && !capable(k, CAP_CHECKPOINT_RESTORE))
		return -EPERM;
	struct pid_namespace *ns = k->current ? k->current->pid_ns : init_pid_ns(k);
	if (ns)
		ns->last_pid = last;
	return 0;
}

/* Whether nr is taken in ns: by a task, or in the initial namespace by a
 * process group or session too (Linux frees a pid when nothing uses it). */
static bool nr_in_use(struct kernel *k, const struct pid_namespace *ns, int nr)
{
	for (const struct process *p = k->procs; p; p = p->next) {
		if (task_pid_nr_ns(p, ns) == nr)
			return true;
		if (ns->level == 0 && p->signal && (p->signal->pgid == nr || p->signal->sid == nr))
			return true;
	}
	return false;
}

/* The next free number counting up from the last, wrapping at
 * kernel.pid_max to 300 once past it (Linux's idr_alloc_cyclic in
 * alloc_pid); -EAGAIN when none is free. */
static int nr_alloc(struct kernel *k, struct pid_namespace *ns)
{
	int max = (int)k->ksys.pid_max;
	int min = ns->last_pid >= RESERVED_PIDS ? RESERVED_PIDS : 1;
	for (int i = 0, nr = ns->last_pid + 1; i < max; i++, nr++) {
		if (nr >= max)
			nr = min;
		if (!nr_in_use(k, ns, nr)) {
			ns->last_pid = nr;
			return nr;
		}
	}
	return -EAGAIN;
}

int alloc_pid(struct kernel *k, struct process *p, struct pid_namespace *ns, const int *set_tid,
	      unsigned set_tid_size)
{
	if (set_tid_size > ns->level + 1)
		return -EINVAL;
	/* From p's own namespace up: set_tid[0] is its number there. */
	struct pid_namespace *t = ns;
	for (int level = (int)ns->level; level >= 0; level--, t = t->parent) {
		int nr = 0;
		if (set_tid_size) {
			nr = set_tid[ns->level - (unsigned)level];
			if (nr < 1 || (unsigned long)nr >= k->ksys.pid_max)
				return -EINVAL;
			/* a pid other than 1 needs the namespace's init */
			if (nr != 1 && t->level > 0 && !t->child_reaper)
				return -EINVAL;
			if (!capable(k, CAP_CHECKPOINT_RESTORE) && !capable(k, CAP_SYS_ADMIN))
				return -EPERM;
			set_tid_size--;
			if (nr_in_use(k, t, nr))
				return -EEXIST;
		} else if ((nr = nr_alloc(k, t)) < 0) {
			return nr;
		}
		p->nr[level] = nr;
	}
	if (ns->dead)
		return -ENOMEM;
	p->pid = p->tgid = p->nr[0];
	p->pid_ns = get_pid_ns(ns);
	if (ns->level > 0 && p->nr[ns->level] == 1)
		ns->child_reaper = p;
	return 0;
}

void zap_pid_ns_processes(struct kernel *k, struct pid_namespace *ns)
{
	ns->dead = true;
	for (struct process *p = k->procs; p; p = p->next)
		if (p != ns->child_reaper && !p->exited && task_pid_nr_ns(p, ns) &&
		    p->signal != ns->child_reaper->signal)
			process_kill(k, p, SIGKILL);
}

struct signal_struct *find_child_reaper(struct kernel *k, const struct signal_struct *s)
{
	const struct pid_namespace *ns = s->leader->pid_ns;
	if (ns && ns->level > 0)
		return ns->child_reaper && ns->child_reaper->signal != s
			       ? ns->child_reaper->signal
			       : NULL;
	return k->init && k->init->signal != s ? k->init->signal : NULL;
}
