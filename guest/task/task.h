/* task.h - processes as the rest of the kernel uses them: the process
 * structure, blocking and waking (sched.c), the life cycle (process.c,
 * fork.c, exec.c, wait.c), and signals (signal.c, sigframe.c). task/
 * internal.h has the parts only task/ uses. */
#ifndef VMEMU_TASK_H
#define VMEMU_TASK_H

#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "kern.h" /* struct cpu_context, syscall_fn */
#include "mmu.h"

struct fdtable;
struct file;
struct fs_struct;
struct host_job;
struct mm;

/* ---- signal state (signal.c) ---- */

#define KSIG_MAX 64 /* signals 1..64; bit sig-1 in masks */

/* struct sigaction as the x86-64 kernel takes it in rt_sigaction. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* What a queued signal carries into the handler's siginfo. */
struct ksiginfo {
	int signo, code, errnum;
	int pid, uid;    /* sender (kill, SIGCHLD) */
	int status;      /* SIGCHLD: exit code or signal */
	uint64_t addr;   /* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
};

struct signal_state {
	struct k_sigaction action[KSIG_MAX + 1];
	uint64_t blocked;
	uint64_t pending;
	struct ksiginfo info[KSIG_MAX + 1]; /* one queued instance per signal */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	/* rt_sigsuspend's caller mask, put back after the handler (Linux's
	 * saved_sigmask); valid while restore_blocked. */
	uint64_t saved_blocked;
	bool restore_blocked;
};

/* ---- processes (process.c, fork.c, exec.c, wait.c, sched.c) ---- */

/* PROC_STOPPED: stopped by a stop signal (Linux's TASK_STOPPED) until
 * SIGCONT or SIGKILL; the scheduler skips it like a blocked process. */
enum proc_state { PROC_RUNNABLE, PROC_BLOCKED, PROC_STOPPED, PROC_ZOMBIE };

#define PROC_CMDLINE_MAX 4096

/* A futex word's identity (futex.c): a shared mapping and the offset in
 * it, or an address space and the address. */
struct futex_key {
	const void *object;
	uint64_t offset;
};

/* A FUTEX_WAIT the process sleeps in (futex.c). */
struct futex_wait {
	struct futex_key key;
	uint32_t bitset;
	uint64_t seq;   /* arrival order: wakes go to the oldest first */
	bool queued;
	bool woken;     /* a wake came: the call returns 0 */
};

struct process {
	int pid, ppid, pgid, sid;
	uint64_t serial;          /* never reused: a pidfd tells a new process of its pid apart */
	struct {                  /* capabilities, a bit per CAP_* (capability.c) */
		uint64_t effective, permitted, inheritable, bounding;
	} cap;
	enum proc_state state;
	struct process *parent;
	struct process *next;     /* all processes, in creation order */
	const void *wait_chan;    /* what a blocked process waits for */
	/* Host fds it waits for as well (hostwait.c), and a host call that
	 * runs for it on a thread of its own (hostjob.c). */
	struct pollfd *host_wait;
	unsigned nhost_wait, host_wait_cap;
	struct host_job *host_job;
	struct futex_wait futex;
	uint64_t wake_at;         /* CLOCK_MONOTONIC ns when a timed call ends; 0 = none.
				     Kept across restarts of the same call. */
	bool restart_syscall;     /* ctx is at the SYSCALL of an interrupted call */
	uint64_t itimer_real_at;  /* CLOCK_MONOTONIC ns when ITIMER_REAL fires; 0 = off */
	uint64_t itimer_real_interval; /* ns it starts again with; 0 = once */
	uint64_t io_done;         /* bytes a blocking pipe write moved before it
				     blocked again; kept across its restarts */
	struct mm *mm;
	struct fdtable *files;
	struct fs_struct *fs;     /* umask and working directory (fs/fs_struct.c) */
	/* The file it executes (Linux's mm->exe_file): /proc/PID/exe; writing
	 * to the file is denied while it lives. NULL once it has exited. */
	struct file *exe_file;
	struct cpu_context ctx;
	struct signal_state sig;
	char comm[16];
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
/* A blocked or stopped p runs again (what every wake-up does). */
void process_wake(struct process *p);
/* Blocks the current process until one of the n host fds is ready (as
 * poll sees fds[i].events), or kernel_wake(chan) when chan is not NULL,
 * or a signal; returns -ERESTARTSYS, or -ENOMEM (hostwait.c). */
int64_t process_block_host(struct kernel *k, const struct pollfd *fds, unsigned n,
			   const void *chan);
/* Whether the host fd has events (or an error or hang-up) now. */
bool host_fd_ready(int fd, short events);
/* A host call that may block for good, for the current process
 * (hostjob.c): host_job_start runs fn(arg) on a host thread (arg copied,
 * argsize bytes) and puts the process to sleep: -ERESTARTSYS, or -errno
 * when no thread could start. The restarted call sees host_job_pending
 * and asks host_job_finish: -ERESTARTSYS until fn is done, then its
 * result. undo, if not NULL, releases a result nobody took when the call
 * is cancelled (a signal ends it, or the process). */
typedef int64_t host_job_fn(void *arg);
typedef void host_job_undo_fn(int64_t result);
int64_t host_job_start(struct kernel *k, host_job_fn *fn, host_job_undo_fn *undo, const void *arg,
		       size_t argsize);
bool host_job_pending(struct kernel *k);
int64_t host_job_finish(struct kernel *k);
/* A timed call: the first time it sets the deadline (p->wake_at is 0
 * when a call is entered afresh), then blocks until kernel_wake(chan) or
 * the deadline, whichever comes first. Returns -ERESTARTSYS to be made
 * again, or 0 once the deadline has passed. */
int64_t process_block_until(struct kernel *k, const void *chan, uint64_t deadline_ns);
/* CLOCK_MONOTONIC now, in ns. */
uint64_t kernel_now_ns(void);

/* Processes (process.c). At most PROCESS_MAX exist at once (fork: EAGAIN). */
#define PROCESS_MAX 256
struct process *process_find(struct kernel *k, int pid);
/* Ends p with an exit code (exit, exit_group): it becomes a zombie, its
 * memory and files are released, its parent gets SIGCHLD. */
void process_exit(struct kernel *k, struct process *p, int code);
/* Ends p by signal sig (default action of a fatal signal). */
void process_kill(struct kernel *k, struct process *p, int sig);
/* Removes p from the process list and frees it (wait4, or vmemu's end). */
void process_reap(struct kernel *k, struct process *p);
/* Makes the executable open as host_fd p's exe_file (a duplicate is
 * kept): 0, or -errno (ETXTBSY while the guest has it open for writing). */
int process_set_exe_file(struct kernel *k, struct process *p, int host_fd);

/* ---- signals (signal.c, sigframe.c) ---- */

/* Queues a signal for p (info->signo set); wakes p if it is blocked and
 * the signal is not blocked. Job control acts first, as Linux's
 * prepare_signal: a stop signal discards a pending SIGCONT; SIGCONT
 * discards pending stop signals and continues p if it is stopped (its
 * parent is told). A stopped p wakes only for SIGKILL; other signals stay
 * pending until it continues. */
void signal_send(struct kernel *k, struct process *p, const struct ksiginfo *info);
/* Before p returns to user mode: acts on one deliverable signal (default
 * action, or a handler frame on the user stack). Returns true when p's
 * ctx was changed, or p died or stopped. */
bool signal_deliver(struct kernel *k, struct process *p);
/* A user page fault the kernel could not fix (f, an access of kind
 * access): sig with si_code is delivered before p runs again, whatever p's
 * mask and handlers say of it (Linux's force_sig_fault). */
void force_sig_fault(struct process *p, int sig, int si_code, const struct mmu_fault *f,
		     enum mmu_access access);
/* The same for a CPU exception or a bad signal frame (no fault address):
 * sig, unless a fatal signal is already queued (the first cause wins). */
void force_fatal_sig(struct process *p, int sig);
/* The siginfo the fatal signal queued for p (by a fault or a CPU
 * exception) will carry; false when none is queued. */
bool signal_pending_fatal(const struct process *p, struct ksiginfo *info);

/* struct k_sigaction's handler values besides a function. */
#define KSIG_DFL 0
#define KSIG_IGN 1

/* The bit of signal sig in a mask. */
static inline uint64_t sig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* SIG_IGN, or SIG_DFL with an "ignore" default. */
bool signal_ignored(const struct process *p, int sig);
/* The signal signal_deliver acts on next: SIGKILL first, then the lowest
 * pending unblocked one; 0 when none. */
int signal_next(const struct process *p);
/* The mask with SIGKILL and SIGSTOP taken out: they cannot be blocked. */
uint64_t signal_blockable(uint64_t mask);
/* True when a pending signal would interrupt a call now, so a call about
 * to sleep gives EINTR instead; ignored ones are dropped on the way, as
 * delivery would drop them. */
bool signal_interrupts(struct process *p);

/* The alternate signal stack (sigaltstack(2), sigframe.c); stack_t as the
 * kernel has it. */
struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	uint64_t ss_size;
};
/* SS_DISABLE, SS_ONSTACK or 0 for a thread at sp (Linux's sas_ss_flags). */
int altstack_flags(const struct process *p, uint64_t sp);
/* Installs a new altstack for a thread at sp: 0, -EPERM, -EINVAL or -ENOMEM. */
int altstack_set(struct process *p, uint64_t sp, uint64_t ss_sp, int ss_flags, uint64_t ss_size);

/* rt_sigreturn: restores ctx, the mask and the altstack from the frame the
 * handler returned through. 0, or -EFAULT for a bad frame. */
int sigframe_restore(struct kernel *k, struct process *p);

/* ---- the system calls that live with their subsystem ---- */
syscall_fn sys_fork, sys_vfork, sys_clone, sys_execve, sys_wait4, sys_waitid; /* fork.c, exec.c, wait.c */
syscall_fn sys_unshare; /* unshare.c */
syscall_fn sys_capget, sys_capset; /* capability.c */
/* Capabilities: the first process's are vmemu's own; execve's
 * recomputation (capability.c). */
void cap_init(struct process *p);
void cap_exec(struct process *p);
syscall_fn sys_getitimer, sys_setitimer, sys_alarm; /* itimer.c */
syscall_fn sys_futex; /* futex.c */

#endif
