/* processes.h - the process structure, blocking and waking, and process
 * life cycle: process.c, sched.c (fork.c, exec.c, wait.c hold the calls). */
#ifndef VMEMU_PROCESSES_H
#define VMEMU_PROCESSES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h" /* struct cpu_context */
#include "mmu.h"
#include "signals.h"

struct fdtable;
struct mm;

/* ---- processes (process.c, fork.c, exec.c, wait.c, sched.c) ---- */

/* PROC_STOPPED: stopped by a stop signal (Linux's TASK_STOPPED) until
 * SIGCONT or SIGKILL; the scheduler skips it like a blocked process. */
enum proc_state { PROC_RUNNABLE, PROC_BLOCKED, PROC_STOPPED, PROC_ZOMBIE };

#define PROC_CMDLINE_MAX 4096

struct process {
	int pid, ppid, pgid, sid;
	enum proc_state state;
	struct process *parent;
	struct process *next;     /* all processes, in creation order */
	const void *wait_chan;    /* what a blocked process waits for */
	uint64_t wake_at;         /* CLOCK_MONOTONIC ns when a timed call ends; 0 = none.
				     Kept across restarts of the same call. */
	bool restart_syscall;     /* ctx is at the SYSCALL of an interrupted call */
	uint64_t itimer_real_at;  /* CLOCK_MONOTONIC ns when ITIMER_REAL fires; 0 = off */
	uint64_t itimer_real_interval; /* ns it starts again with; 0 = once */
	uint64_t io_done;         /* bytes a blocking pipe write moved before it
				     blocked again; kept across its restarts */
	struct mm *mm;
	struct fdtable *files;
	struct cpu_context ctx;
	struct signal_state sig;
	char exe[PATH_MAX];  /* guest path of the executable, for /proc/self/exe */
	char host_exe[PATH_MAX];
	char comm[16];
	char cwd[PATH_MAX];  /* working directory, an absolute guest path (cwd.c) */
	/* argv of the last exec, NUL-separated (/proc/PID/cmdline); cut at
	 * PROC_CMDLINE_MAX bytes, as Linux before 4.2 cut it at a page. */
	char cmdline[PROC_CMDLINE_MAX];
	size_t cmdline_len;
	uint64_t clear_child_tid;
	uint64_t min_flt, maj_flt; /* faults handled for it (getrusage) */
	uint64_t child_min_flt, child_maj_flt; /* of reaped children (RUSAGE_CHILDREN) */
	struct process *vfork_parent; /* blocked in vfork until we exec or exit */
	bool autoreap;       /* the parent ignores SIGCHLD: no zombie to wait for */
	bool exited;
	int exit_code;       /* valid when exited and term_signal == 0 */
	int term_signal;     /* signal that killed it, or 0 */
	bool core_dumped;    /* default action "core" (reported by wait) */
	int pending_fatal;   /* signal queued by a fault or CPU exception */
	/* Job control, for wait (signal.c): the signal that stopped it, until
	 * wait reports the stop (Linux's group_exit_code), and a continue not
	 * yet reported (SIGNAL_STOP_CONTINUED). */
	int stop_code;
	bool stop_continued;
	struct {             /* the fault behind pending_fatal */
		uint64_t addr;
		uint32_t error_code;
		enum mmu_fault_kind kind;
		enum mmu_access access;
		int si_code;     /* SEGV_MAPERR or SEGV_ACCERR */
	} fault;
};

/* A handler that must wait calls process_block(k, chan) and returns
 * -ERESTARTSYS: the call is made again from the start once kernel_wake(k,
 * chan) runs (or a signal arrives: then -EINTR or a restart, as Linux). */
#define ERESTARTSYS 512
void process_block(struct kernel *k, const void *chan);
void kernel_wake(struct kernel *k, const void *chan);
/* Sends SIGALRM to the processes whose ITIMER_REAL has expired (starting
 * it again when it has an interval); returns the earliest expiry still to
 * come, or 0 (itimer.c). */
uint64_t itimer_run(struct kernel *k, uint64_t now);
/* A timed call: the first time it sets the deadline (p->wake_at is 0
 * when a call is entered afresh), then blocks until kernel_wake(chan) or
 * the deadline, whichever comes first. Returns -ERESTARTSYS to be made
 * again, or 0 once the deadline has passed. */
int64_t process_block_until(struct kernel *k, const void *chan, uint64_t deadline_ns);
/* CLOCK_MONOTONIC now, in ns. */
uint64_t kernel_now_ns(void);

/* Processes (process.c). At most PROCESS_MAX exist at once (fork: EAGAIN). */
#define PROCESS_MAX 256
/* A new runnable process with the next pid, in k->procs; NULL at the limit. */
struct process *process_alloc(struct kernel *k);
struct process *process_find(struct kernel *k, int pid);
/* Ends p with an exit code (exit, exit_group): it becomes a zombie, its
 * memory and files are released, its parent gets SIGCHLD. */
void process_exit(struct kernel *k, struct process *p, int code);
/* Ends p by signal sig (default action of a fatal signal). */
void process_kill(struct kernel *k, struct process *p, int sig);
/* Removes p from the process list and frees it (wait4, or vmemu's end). */
void process_reap(struct kernel *k, struct process *p);
/* No member of group pgid has its parent in another group of the same
 * session (POSIX's orphaned process group; the guest's init counts as any
 * parent, as a PID namespace's init does in Linux). */
bool is_orphaned_pgrp(struct kernel *k, int pgid);
/* p no longer borrows its vfork parent: the parent may run on. */
void process_vfork_done(struct kernel *k, struct process *p);

/* The working directory (cwd.c): the process starts in the host's cwd, or
 * at "/" under --root. 0 or -errno. */
int cwd_init(struct kernel *k, struct process *p);
/* path made absolute against p's cwd; 0 or -ENAMETOOLONG. */
int cwd_join(const struct process *p, const char *path, char out[PATH_MAX]);

#endif
