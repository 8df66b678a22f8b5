/* sched.c - round-robin scheduling: blocking on a channel, waking, and
 * switching address spaces through the MMU model's CR3 semantics. Only
 * runnable processes run: blocked and stopped ones wait to be woken, by
 * another process, a timer, a host fd (hostwait.c) or a signal. */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* The length of a run slice when several processes can run. */
#define TIME_SLICE_US 10000

void process_block(struct kernel *k, const void *chan)
{
	struct process *p = k->current;
	p->state = PROC_BLOCKED;
	p->wait_chan = chan;
}

uint64_t kernel_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool timespec_to_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return false;
	*ns = (uint64_t)ts->tv_sec >= INT64_MAX / 1000000000ULL
		      ? INT64_MAX
		      : (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
	return true;
}

uint64_t clock_deadline(clockid_t clock, uint64_t ns)
{
	struct timespec c;
	uint64_t cnow = 0, now = kernel_now_ns();
	clock_gettime(clock, &c);
	timespec_to_ns(&c, &cnow);
	return ns > cnow ? now + (ns - cnow) : now;
}

int64_t process_block_until(struct kernel *k, const void *chan, uint64_t deadline_ns)
{
	struct process *p = k->current;
	if (!p->wake_at)
		p->wake_at = deadline_ns ? deadline_ns : 1;
	if (kernel_now_ns() >= p->wake_at)
		return 0;
	process_block(k, chan);
	return -ERESTARTSYS;
}

/* Wakes the timed blocks whose deadline has passed and fires interval
 * timers; returns the earliest deadline still to come, or 0. */
static uint64_t run_timers(struct kernel *k)
{
	uint64_t now = kernel_now_ns(), next = itimer_run(k, now);
	for (struct process *p = k->procs; p; p = p->next) {
		if (p->state != PROC_BLOCKED || !p->wake_at)
			continue;
		if (p->wake_at <= now)
			process_wake(p);
		else if (!next || p->wake_at < next) {
			next = p->wake_at;
		}
	}
	return next;
}

void process_wake(struct process *p)
{
	p->state = PROC_RUNNABLE;
	p->wait_chan = NULL;
	p->nhost_wait = 0;
}

void kernel_wake(struct kernel *k, const void *chan)
{
	for (struct process *p = k->procs; p; p = p->next) {
		if (p->state == PROC_BLOCKED && p->wait_chan == chan) {
			process_wake(p);
			/* Let the woken process run soon rather than at the end of
			 * the current slice (which has no end when it ran alone). */
			k->ops.stop(k->ops.ctx);
		}
	}
}

uint64_t kernel_time_slice_us(struct kernel *k)
{
	int runnable = 0;
	bool timers = false;
	for (struct process *p = k->procs; p; p = p->next) {
		runnable += p->state == PROC_RUNNABLE;
		timers |= (p->state == PROC_BLOCKED && (p->wake_at || p->nhost_wait)) ||
			  itimers_armed(p->signal);
	}
	/* A sleeper must get the CPU back at its deadline, or when its host
	 * fd is ready, even from a process that never makes a system call. */
	return runnable > 1 || timers ? TIME_SLICE_US : 0;
}

/* Loads p's address space (switch_mm: the TLB model keeps other
 * processes' entries under their PCIDs). */
static void switch_to(struct kernel *k, struct process *p)
{
	if (k->current != p) {
		if (k->current && !k->current->exited)
			rseq_preempt(k->current);
		k->stats.context_switches++;
		if (k->trace)
			ktrace_sched(k, k->current, p);
	}
	k->current = p;
	switch_mm(k, p->mm);
}

void kernel_start(struct kernel *k, struct process *p)
{
	switch_to(k, p);
}

/* The next runnable process after the current one, round robin. */
static struct process *pick_next(struct kernel *k)
{
	struct process *start = k->current && k->current->next ? k->current->next : k->procs;
	struct process *p = start;
	do {
		if (p->state == PROC_RUNNABLE)
			return p;
		p = p->next ? p->next : k->procs;
	} while (p != start);
	return NULL;
}

/* When init is gone the others die with it (as in a PID namespace). */
static void kill_all(struct kernel *k)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (!p->exited)
			process_kill(k, p, SIGKILL);
}

/* The guest's init process has ended (all its threads). */
static bool init_alive(const struct kernel *k)
{
	return k->init && !process_dead(k->init);
}

/* Zombies whose parent ignores SIGCHLD go at once (outside any call). */
static void reap_ignored(struct kernel *k)
{
	for (struct process *p = k->procs, *next; p; p = next) {
		next = p->next;
		if (p->autoreap && p->state == PROC_ZOMBIE)
			process_reap(k, p);
	}
}

/* Host signals posted since the last look (kernel_post_signal). Sent from
 * outside the guest's PID namespace, so si_pid is 0. */
static void deliver_host_signals(struct kernel *k)
{
	uint64_t sigs = __atomic_exchange_n(&k->host_signals, 0, __ATOMIC_SEQ_CST);
	for (int sig = 1; sigs && k->init; sig++, sigs >>= 1) {
		if (!(sigs & 1))
			continue;
		struct ksiginfo info = {.signo = sig, .code = SI_USER};
		bool group = sig == SIGINT || sig == SIGQUIT;
		const struct signal_struct *init = k->init->signal;
		for (struct process *p = k->procs; p; p = p->next)
			if (thread_group_leader(p) && !process_dead(p) &&
			    (p->signal == init || (group && p->signal->pgid == init->pgid)))
				group_send_sig(k, p, &info);
	}
}

/* Nobody can run: wait for the next timer, a host fd, or a host signal.
 * False when nothing can ever wake a process (a deadlock). */
static bool wait_idle(struct kernel *k, uint64_t timer)
{
	if (!timer && !k->cfg.host_signals && !host_waiters(k))
		return false;
	host_wait_poll(k, timer, true);
	return true;
}

/* The task that ran is charged its time on the CPU (CPU-time clocks). */
static void charge_cpu(struct process *p)
{
	if (p && p->on_cpu_since) {
		p->cpu_ns += kernel_now_ns() - p->on_cpu_since;
		p->on_cpu_since = 0;
	}
}

bool kernel_schedule(struct kernel *k)
{
	struct process *next = NULL;
	charge_cpu(k->current);
	while (init_alive(k)) {
		deliver_host_signals(k);
		uint64_t timer = run_timers(k);
		if (host_waiters(k))
			host_wait_poll(k, 0, false);
		next = pick_next(k);
		if (!next && wait_idle(k, timer))
			continue;
		if (!next) {
			/* Linux would wait for ever (a stopped process too waits
			 * for a SIGCONT nobody can send now). */
			fprintf(stderr, "vmemu: every process is blocked or stopped: deadlock\n");
			kill_all(k);
			break;
		}
		if (next->mm)
			switch_to(k, next);
		signal_deliver(k, next);
		if (next->state == PROC_RUNNABLE) {
			next->on_cpu_since = kernel_now_ns();
			break;
		}
		next = NULL; /* a signal killed or stopped it: choose again */
	}
	if (!next)
		kill_all(k);
	reap_ignored(k);
	reclaim_background(k);
	khugepaged_tick(k, kernel_now_ns());
	/* Outside the CPU now: safe to drop translated code, then reuse the
	 * frames that held it. */
	if (k->code_flush_pending || k->frames.nquarantine) {
		k->ops.flush_code(k->ops.ctx);
		k->stats.code_flushes++;
		k->code_flush_pending = false;
		frame_release_quarantine(k);
	}
	return next != NULL;
}
