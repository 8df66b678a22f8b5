/* process.c - the task list: creation, exit to zombie, reaping. A task is
 * one thread; the threads of a process share a signal_struct, and the
 * process ends when its last thread does (Linux's do_exit and
 * exit_notify): then its parent hears of it, through its leader, which
 * stays a zombie until then. Other threads are not waited for: they go as
 * soon as they have exited (release_task). */
#include <errno.h>
#include <linux/prctl.h>
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

int process_alloc_ns(struct kernel *k, struct pid_namespace *ns, const int *set_tid,
		     unsigned set_tid_size, struct process **out)
{
	if (k->nprocs >= PROCESS_MAX)
		return -EAGAIN;
	struct process *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int err = alloc_pid(k, p, ns, set_tid, set_tid_size);
	if (err) {
		free(p);
		return err;
	}
	static uint64_t serial;
	p->serial = ++serial;
	p->state = PROC_RUNNABLE;
	p->exit_signal = SIGCHLD;
	p->timer_slack_ns = p->default_timer_slack_ns = TIMER_SLACK_NS_DEFAULT;
	p->mce_kill = PR_MCE_KILL_DEFAULT;
	list_add(k, p);
	*out = p;
	return 0;
}

struct process *process_alloc(struct kernel *k, int pid)
{
	struct pid_namespace *ns = init_pid_ns(k);
	struct uts_namespace *uts = init_uts_ns(k);
	struct time_namespace *time = init_time_ns(k);
	struct process *p = NULL;
	if (ns && uts && time && !process_alloc_ns(k, ns, &pid, pid ? 1 : 0, &p)) {
		p->pid_ns_for_children = get_pid_ns(ns);
		p->uts_ns = get_uts_ns(uts);
		p->time_ns = get_time_ns(time);
		p->time_ns_for_children = get_time_ns(time);
	}
	return p;
}

struct signal_struct *signal_struct_alloc(struct process *leader)
{
	struct signal_struct *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->refs = 1;
	s->nr_threads = 1;
	s->leader = leader;
	s->pgid = s->sid = leader->pid;
	return s;
}

/* The last task of a process lets go of it; the executable is still held
 * only when the process never ended (kernel_destroy). */
static void signal_struct_put(struct signal_struct *s)
{
	if (!s || --s->refs)
		return;
	if (s->exe_file)
		file_put(s->exe_file);
	posix_timers_release(s);
	sigpending_release(&s->shared_pending);
	free(s);
}

struct sighand_struct *sighand_alloc(void)
{
	struct sighand_struct *h = calloc(1, sizeof(*h));
	if (h)
		h->refs = 1;
	return h;
}

void sighand_put(struct sighand_struct *h)
{
	if (h && --h->refs == 0)
		free(h);
}

void process_set_cmdline(struct process *p, char *const argv[])
{
	struct signal_struct *s = p->signal;
	size_t len = 0;
	for (; *argv && len < sizeof(s->cmdline); argv++) {
		size_t n = strlen(*argv) + 1;
		if (n > sizeof(s->cmdline) - len)
			n = sizeof(s->cmdline) - len;
		memcpy(s->cmdline + len, *argv, n);
		len += n;
	}
	s->cmdline_len = len;
}

struct process *kernel_create_process(struct kernel *k)
{
	struct process *p = process_alloc(k, 0);
	if (!p) {
		errno = k->nprocs >= PROCESS_MAX ? EAGAIN : ENOMEM;
		return NULL;
	}
	if (!(p->signal = signal_struct_alloc(p)) || !(p->sighand = sighand_alloc()) ||
	    !(p->files = fdtable_create_inherited(k)) || !(p->fs = fs_struct_create(k))) {
		int err = p->sighand ? errno : ENOMEM;
		process_reap(k, p);
		errno = err;
		return NULL;
	}
	rlimit_init(p->signal);
	cap_init(p);
	sched_init(p);
	if (cred_init(p)) {
		process_reap(k, p);
		errno = ENOMEM;
		return NULL;
	}
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

void thread_group_faults(struct kernel *k, const struct process *p, uint64_t *min, uint64_t *maj)
{
	const struct signal_struct *s = p->signal;
	*min = s->min_flt;
	*maj = s->maj_flt;
	for (const struct process *t = k->procs; t; t = t->next) {
		if (t->signal == s && !t->exited) {
			*min += t->min_flt;
			*maj += t->maj_flt;
		}
	}
}

int task_ppid(const struct process *p)
{
	const struct signal_struct *parent = p->signal->parent;
	return parent ? parent->leader->pid : 0;
}

bool is_orphaned_pgrp(struct kernel *k, int pgid)
{
	for (struct process *p = k->procs; p; p = p->next) {
		const struct signal_struct *s = p->signal;
		if (s->pgid != pgid || process_dead(p))
			continue;
		if (s->parent && s->parent->pgid != pgid && s->parent->sid == s->sid)
			return false;
	}
	return true;
}

/* What an exited thread held, released at once; its status stays. */
static void process_release(struct kernel *k, struct process *p)
{
	if (p->mm) {
		maxrss_mm_gone(p, p->mm);
		mm_put(k, p->mm);
		p->mm = NULL;
		k->tlb_flush_pending = k->tlb_flush_full = true;
		tlb_gather_finish(k);
	}
	if (p->files) {
		fdtable_put(p->files);
		p->files = NULL;
	}
	fs_struct_put(p->fs);
	p->fs = NULL;
	sem_undo_put(k, p);
}

/* A parent in vfork waits for the child to exec or exit. */
void process_vfork_done(struct kernel *k, struct process *p)
{
	if (p->vfork_parent) {
		kernel_wake(k, p);
		p->vfork_parent = NULL;
	}
}

/* Who takes the children of s (Linux's find_new_reaper): the nearest
 * living ancestor in its PID namespace that made itself a child
 * subreaper, else the namespace's init (no one when init itself ended). */
static struct signal_struct *find_new_reaper(struct kernel *k, struct signal_struct *s)
{
	const struct pid_namespace *ns = s->leader->pid_ns;
	for (struct signal_struct *a = s->parent; a && a->leader->pid_ns == ns; a = a->parent)
		if (a->is_child_subreaper && a->nr_threads > 0)
			return a;
	return find_child_reaper(k, s);
}

/* Tells parent that the process led by leader ended: its exit signal
 * (none for exit_signal 0), a wake from wait (Linux's do_notify_parent). */
static void do_notify_parent(struct kernel *k, struct process *leader,
			     struct signal_struct *parent)
{
	const struct k_sigaction *act = &parent->leader->sighand->action[SIGCHLD];
	/* Linux reaps at once the children of a parent that ignores SIGCHLD. */
	leader->autoreap = leader->exit_signal == SIGCHLD &&
			   (act->handler == KSIG_IGN || (act->flags & SA_NOCLDWAIT));
	if (leader->exit_signal > 0) {
		struct ksiginfo info = {
			.signo = leader->exit_signal,
			.code = leader->term_signal ? (leader->core_dumped ? CLD_DUMPED_CODE
									 : CLD_KILLED_CODE)
						    : CLD_EXITED_CODE,
			.pid = task_tgid_nr_ns(leader, parent->leader->pid_ns),
			.uid = (int)leader->cred.uid,
			.status = leader->term_signal ? leader->term_signal : leader->exit_code,
		};
		group_send_sig(k, parent->leader, &info);
	}
	kernel_wake(k, parent);
}

/* A process ended: its children go to their new reaper (an ended one,
 * not yet waited for, tells it so), and its parent is told. */
static void process_notify_parent(struct kernel *k, struct signal_struct *s)
{
	bool ns_init = is_child_reaper(s->leader);
	if (ns_init)
		zap_pid_ns_processes(k, s->leader->pid_ns);
	struct signal_struct *reaper = find_new_reaper(k, s);
	for (struct process *c = k->procs; c; c = c->next) {
		if (c->signal->parent != s)
			continue;
		c->signal->parent = reaper;
		c->signal->parent_tid = reaper ? reaper->leader->pid : 0;
		/* the namespace's init reaps what it killed (zap_pid_ns_processes) */
		if (ns_init && process_dead(c))
			c->signal->leader->autoreap = true;
		if (!thread_group_leader(c))
			continue;
		/* A child given to another process tells it by SIGCHLD. */
		if (c->exit_signal > 0)
			c->exit_signal = SIGCHLD;
		if (reaper && c->signal->nr_threads == 0 && !c->autoreap)
			do_notify_parent(k, c, reaper);
	}
	if (s->exe_file) {
		file_put(s->exe_file);
		s->exe_file = NULL;
	}
	s->itimer_real_at = 0;
	if (s->parent)
		do_notify_parent(k, s->leader, s->parent);
}

/* The end of every thread (Linux's do_exit): its robust futexes and
 * clear-TID word, its memory and files go; the process ends with its
 * last thread. A thread other than the leader is freed at the next
 * schedule: nobody waits for it. */
static void exit_thread(struct kernel *k, struct process *p)
{
	struct signal_struct *s = p->signal;
	p->exited = true;
	p->state = PROC_ZOMBIE;
	p->wait_chan = NULL;
	p->nhost_wait = 0;
	host_job_cancel(p);
	futex_end_wait(p);
	seccomp_notify_end_wait(p);
	exit_mm_release(k, p);
	process_vfork_done(k, p);
	process_release(k, p);
	s->min_flt += p->min_flt;
	s->maj_flt += p->maj_flt;
	s->nr_threads--;
	pdeath_parent_exit(k, p);
	ptrace_exit(k, p);
	/* A traced thread stays a zombie until its tracer has heard of its
	 * end (Linux's exit_notify). */
	if (!thread_group_leader(p) && !p->ptrace.tracer)
		p->autoreap = true;
	if (s->nr_threads == 0) {
		tty_session_leader_exit(k, p);
		process_notify_parent(k, s);
		pidfd_notify(k);
	}
	if (p == k->current)
		k->ops.stop(k->ops.ctx);
}

void process_exit(struct kernel *k, struct process *p, int code)
{
	p->exit_code = code & 0xff;
	exit_thread(k, p);
}

/* Linux's do_group_exit: the status is the whole process's, the leader's
 * too when it has exited already (wait reports the leader's). */
static void group_exit(struct kernel *k, struct process *p, int code, int sig)
{
	struct signal_struct *s = p->signal;
	bool core = p->core_dumped;
	if (!s->group_exit) {
		s->group_exit = true;
		for (struct process *t = k->procs; t; t = t->next) {
			if (t->signal == s && (!t->exited || t == s->leader)) {
				t->exit_code = code & 0xff;
				t->term_signal = sig;
				t->core_dumped = core;
			}
		}
	}
	for (struct process *t = k->procs; t; t = t->next)
		if (t->signal == s && t != p && !t->exited)
			exit_thread(k, t);
	if (!p->exited)
		exit_thread(k, p);
}

void process_exit_group(struct kernel *k, struct process *p, int code)
{
	group_exit(k, p, code, 0);
}

void process_kill(struct kernel *k, struct process *p, int sig)
{
	group_exit(k, p, 0, sig);
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
	if (p->signal) /* its process's CPU clock keeps its time */
		p->signal->cpu_ns += p->cpu_ns;
	signal_struct_put(p->signal);
	sighand_put(p->sighand);
	cred_put(p);
	exit_task_namespaces(p);
	seccomp_release(p);
	free(p->host_wait);
	sigpending_release(&p->sig.pending);
	free(p);
}

int current_tgid(struct kernel *k)
{
	return k->current ? k->current->tgid : 0;
}
