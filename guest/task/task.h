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

/* Signals waiting to be delivered: a bit each, and the siginfo of the
 * first instance (Linux's struct sigpending queues more of a real-time
 * signal; here a second instance of any signal merges with the first). */
struct sigpending {
	uint64_t signal;
	struct ksiginfo info[KSIG_MAX + 1];
};

/* A thread's own signal state. */
struct signal_state {
	uint64_t blocked;
	struct sigpending pending; /* sent to this thread: tgkill, faults, SIGPIPE */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	/* rt_sigsuspend's caller mask, put back after the handler (Linux's
	 * saved_sigmask); valid while restore_blocked. */
	uint64_t saved_blocked;
	bool restore_blocked;
};

/* The handlers, shared by the threads of a process (CLONE_SIGHAND):
 * Linux's sighand_struct. */
struct sighand_struct {
	int refs; /* tasks that use it */
	struct k_sigaction action[KSIG_MAX + 1];
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

/* What the threads of one process share besides memory, files and
 * handlers (Linux's signal_struct): its place among processes, the
 * signals sent to it as a whole, how it ended, its timers. A task of the
 * process (a zombie too) holds a reference. */
struct signal_struct {
	int refs;
	int nr_threads;           /* threads that have not exited */
	struct process *leader;   /* the thread whose pid is the process id */
	/* The parent process: NULL for the guest's init, and for orphans
	 * once init is gone too. */
	struct signal_struct *parent;
	int pgid, sid;
	struct sigpending shared_pending; /* kill(2), SIGCHLD, SIGALRM: any thread takes them */
	bool group_exit;          /* exit_group or a fatal signal: every thread ends (SIGNAL_GROUP_EXIT) */
	/* Job control: stopped by a stop signal (SIGNAL_STOP_STOPPED): each
	 * thread stops before it returns to user mode. For wait (signal.c):
	 * the signal that stopped it, until wait reports the stop (Linux's
	 * group_exit_code), and a continue not yet reported
	 * (SIGNAL_STOP_CONTINUED). */
	bool group_stop;
	int stop_code;
	bool stop_continued;
	uint64_t itimer_real_at;  /* CLOCK_MONOTONIC ns when ITIMER_REAL fires; 0 = off */
	uint64_t itimer_real_interval; /* ns it starts again with; 0 = once */
	uint64_t min_flt, maj_flt; /* of its threads that have exited */
	uint64_t child_min_flt, child_maj_flt; /* of reaped children (RUSAGE_CHILDREN) */
	/* The file it executes (Linux's mm->exe_file): /proc/PID/exe; writing
	 * to the file is denied while it lives. NULL once it has exited. */
	struct file *exe_file;
	/* argv of the last exec, NUL-separated (/proc/PID/cmdline); cut at
	 * PROC_CMDLINE_MAX bytes, as Linux before 4.2 cut it at a page. */
	char cmdline[PROC_CMDLINE_MAX];
	size_t cmdline_len;
};

/* A task: one thread (Linux's task_struct). A process is the thread group
 * of its leader; each thread has its own registers and FS base, signal
 * mask and pending set, and shares the rest through refcounted objects:
 * mm (CLONE_VM), files (CLONE_FILES), fs (CLONE_FS), sighand
 * (CLONE_SIGHAND) and signal (CLONE_THREAD). */
struct process {
	int pid;                  /* the thread id (gettid) */
	int tgid;                 /* the process id (getpid): the leader's pid */
	uint64_t serial;          /* never reused: a pidfd tells a new task of its pid apart */
	struct {                  /* capabilities, a bit per CAP_* (capability.c) */
		uint64_t effective, permitted, inheritable, bounding;
	} cap;
	enum proc_state state;
	struct process *next;     /* all tasks, in creation order */
	const void *wait_chan;    /* what a blocked task waits for */
	/* Host fds it waits for as well (hostwait.c), and a host call that
	 * runs for it on a thread of its own (hostjob.c). */
	struct pollfd *host_wait;
	unsigned nhost_wait, host_wait_cap;
	struct host_job *host_job;
	struct futex_wait futex;
	uint64_t wake_at;         /* CLOCK_MONOTONIC ns when a timed call ends; 0 = none.
				     Kept across restarts of the same call. */
	bool restart_syscall;     /* ctx is at the SYSCALL of an interrupted call */
	uint64_t io_done;         /* bytes a blocking pipe write moved before it
				     blocked again; kept across its restarts */
	struct mm *mm;
	struct fdtable *files;
	struct fs_struct *fs;     /* umask and working directory (fs/fs_struct.c) */
	struct signal_struct *signal;
	struct sighand_struct *sighand;
	struct cpu_context ctx;
	struct signal_state sig;
	char comm[16];
	/* set_tid_address / CLONE_CHILD_CLEARTID: zeroed and woken at exit. */
	uint64_t clear_child_tid;
	/* set_robust_list: the user's struct robust_list_head, walked at exit
	 * (futex.c); 0 = none. */
	uint64_t robust_list;
	/* The signal the parent gets when the process ends (the leader's;
	 * clone's CSIGNAL bits, SIGCHLD for fork); -1 for other threads. */
	int exit_signal;
	uint64_t min_flt, maj_flt; /* faults handled for it (getrusage) */
	struct process *vfork_parent; /* blocked in vfork until we exec or exit */
	bool autoreap;       /* nobody waits for it: freed once it has exited */
	bool exited;
	/* How it ended (a whole process ended as its group did): */
	int exit_code;       /* valid when exited and term_signal == 0 */
	int term_signal;     /* signal that killed it, or 0 */
	bool core_dumped;    /* default action "core" (reported by wait) */
	int pending_fatal;   /* signal queued by a fault or CPU exception */
	struct {             /* the fault behind pending_fatal */
		uint64_t addr;
		uint32_t error_code;
		enum mmu_fault_kind kind;
		enum mmu_access access;
		int si_code;     /* SEGV_MAPERR or SEGV_ACCERR */
	} fault;
};

static inline bool thread_group_leader(const struct process *p)
{
	return p->signal->leader == p;
}

/* Every thread of the process has exited (Linux's thread_group_empty
 * with the leader dead): it is a zombie for its parent. */
static inline bool process_dead(const struct process *p)
{
	return p->signal->nr_threads == 0;
}

/* The parent's process id, 0 when there is none. */
int task_ppid(const struct process *p);
/* No member of group pgid has its parent in another group of the same
 * session (POSIX's orphaned process group; the guest's init counts as any
 * parent, as a PID namespace's init does in Linux); job control on a
 * terminal asks it too (fs/tty_io.c). */
bool is_orphaned_pgrp(struct kernel *k, int pgid);
/* Page faults handled for p's process: all its threads, live or not. */
void thread_group_faults(struct kernel *k, const struct process *p, uint64_t *min,
			 uint64_t *maj);

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

/* Tasks (process.c). At most PROCESS_MAX exist at once, threads
 * included (fork, clone: EAGAIN). */
#define PROCESS_MAX 256
/* The task whose thread id is pid (a process id is its leader's), or NULL. */
struct process *process_find(struct kernel *k, int pid);
/* Thread p ends with an exit code (exit(2)): it becomes a zombie and lets
 * go of its memory, files and robust futexes; the last thread of a
 * process ends the process, whose parent gets its exit signal. */
void process_exit(struct kernel *k, struct process *p, int code);
/* Every thread of p's process ends with code (exit_group). */
void process_exit_group(struct kernel *k, struct process *p, int code);
/* p's whole process is killed by sig (default action of a fatal signal,
 * the OOM killer); p->core_dumped says whether the action was "core". */
void process_kill(struct kernel *k, struct process *p, int sig);
/* Removes p from the task list and frees it (wait4, or vmemu's end). */
void process_reap(struct kernel *k, struct process *p);
/* The file the guest's name names, for the loader to read (a program's
 * interpreter), looked up as the current process would (inside --root):
 * a host fd the caller closes, or -errno (EACCES: not a host file). */
int exec_lookup_host(struct kernel *k, const char *name);
/* Makes the executable open as host_fd p's exe_file (a duplicate is
 * kept): 0, or -errno (ETXTBSY while the guest has it open for writing). */
int process_set_exe_file(struct kernel *k, struct process *p, int host_fd);

/* ---- signals (signal.c, sigframe.c) ---- */

/* Queues a signal for thread p (tgkill, a fault, SIGPIPE; info->signo
 * set); wakes p if it is blocked and the signal is not blocked. Job
 * control acts first, as Linux's prepare_signal: a stop signal discards a
 * pending SIGCONT; SIGCONT discards pending stop signals and continues
 * p's process if it is stopped (its parent is told). A stopped thread
 * wakes only for SIGKILL; other signals stay pending until it continues. */
void signal_send(struct kernel *k, struct process *p, const struct ksiginfo *info);
/* The same for the process p belongs to (kill, SIGCHLD, SIGALRM): the
 * signal goes to its shared pending set, which any thread that does not
 * block it takes; one such thread is woken (Linux's complete_signal). */
void group_send_sig(struct kernel *k, struct process *p, const struct ksiginfo *info);
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
/* The signals of mask are no longer pending for p's process, in its
 * shared set or any thread's own (an action set to ignore them, job
 * control). */
void signal_flush_pending(struct kernel *k, struct process *p, uint64_t mask);
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
syscall_fn sys_fork, sys_vfork, sys_clone, sys_clone3, sys_execve, sys_wait4,
	sys_waitid; /* fork.c, exec.c, wait.c */
syscall_fn sys_unshare; /* unshare.c */
syscall_fn sys_capget, sys_capset; /* capability.c */
/* Capabilities: the first process's are vmemu's own; execve's
 * recomputation (capability.c). */
void cap_init(struct process *p);
void cap_exec(struct process *p);
syscall_fn sys_getitimer, sys_setitimer, sys_alarm; /* itimer.c */
syscall_fn sys_futex; /* futex.c */
syscall_fn sys_set_robust_list, sys_get_robust_list; /* futex_exit.c */

#endif
