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
#include <time.h>

#include "kern.h" /* struct cpu_context, syscall_fn */
#include "mmu.h"

struct fdtable;
struct file;
struct fs_struct;
struct host_job;
struct mm;
struct pid_namespace;
struct uts_namespace;

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
	uint64_t addr;   /* SIGSEGV, SIGBUS, SIGILL, SIGFPE; SIGSYS: si_call_addr */
	int syscall;     /* SIGSYS: the call (si_syscall) */
	unsigned arch;   /* SIGSYS: its AUDIT_ARCH_* (si_arch) */
	uint64_t value;  /* si_value: sigqueue, POSIX timers */
	int timerid, overrun; /* SI_TIMER */
	unsigned timer_seq; /* the timer's arming it came from (posix_timers.c) */
};

/* Signals waiting to be delivered: a bit each, and the siginfo of the
 * first instance; the further instances of a real-time signal (or a
 * timer's), oldest first, in more (Linux's struct sigpending queue). A
 * second instance of a standard signal merges with the first. */
struct sigqueue;
struct sigpending {
	uint64_t signal;
	struct ksiginfo info[KSIG_MAX + 1];
	struct sigqueue *more;
	/* When each instance came, across signals (PTRACE_PEEKSIGINFO shows
	 * the queue in that order, as Linux's list is). */
	uint64_t seq[KSIG_MAX + 1], next_seq;
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
	/* rt_sigtimedwait's set while it sleeps: they wake the thread,
	 * blocked or not (Linux unblocks them for the wait). */
	uint64_t sigwait;
};

/* The handlers, shared by the threads of a process (CLONE_SIGHAND):
 * Linux's sighand_struct. */
struct sighand_struct {
	int refs; /* tasks that use it */
	struct k_sigaction action[KSIG_MAX + 1];
};

/* ---- credentials (cred.c, groups.c) ---- */

/* Supplementary groups, sorted (Linux's group_info): shared by the
 * credentials of the tasks forked since the last setgroups. */
struct group_info {
	int refs;
	int ngroups;
	uint32_t gid[];
};

/* A task's user and group ids (Linux's struct cred): real, effective,
 * saved and filesystem ids, securebits (SECBIT_KEEP_CAPS: prctl's
 * PR_SET_KEEPCAPS) and groups. Each task has its own, as Linux's: the
 * set*id calls change the calling thread's (glibc and musl make every
 * thread of a process call them). */
struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	unsigned securebits;
	struct group_info *groups;
};

/* ---- processes (process.c, fork.c, exec.c, wait.c, sched.c) ---- */

/* PID namespaces nest at most this deep below the initial one (Linux's
 * MAX_PID_NS_LEVEL). */
#define MAX_PID_NS_LEVEL 32

/* PROC_STOPPED: stopped by a stop signal (Linux's TASK_STOPPED) until
 * SIGCONT or SIGKILL; the scheduler skips it like a blocked process. */
enum proc_state { PROC_RUNNABLE, PROC_BLOCKED, PROC_STOPPED, PROC_ZOMBIE,
		  PROC_TRACED /* a ptrace stop (Linux's TASK_TRACED): until its tracer resumes it */ };

#define PROC_CMDLINE_MAX 4096
#define TASK_RLIM_NLIMITS 16 /* RLIMIT_CPU .. RLIMIT_RTTIME (Linux's RLIM_NLIMITS) */

/* A futex word's identity (futex.c): a shared mapping and the offset in
 * it, or an address space and the address. */
struct futex_key {
	const void *object;
	uint64_t offset;
};

/* What a task sleeps in futex(2) or futex_waitv(2) for (futex.c). */
enum futex_q_kind {
	FUTEX_Q_WAIT,       /* FUTEX_WAIT(_BITSET): a wake of key */
	FUTEX_Q_VEC,        /* futex_waitv: a wake of one of keys[0..nkeys) */
	FUTEX_Q_REQUEUE_PI, /* FUTEX_WAIT_REQUEUE_PI on key: moved to pi_key
			       by FUTEX_CMP_REQUEUE_PI, and then a FUTEX_Q_PI */
	FUTEX_Q_PI,         /* owning the PI futex key: handed over by its
			       owner's FUTEX_UNLOCK_PI or exit (futex_pi.c) */
};

struct futex_wait {
	struct futex_key key;
	struct futex_key pi_key;  /* FUTEX_Q_REQUEUE_PI: where it is requeued */
	uint64_t pi_uaddr;        /* the PI word's address in the task's memory */
	struct futex_key *keys;   /* FUTEX_Q_VEC: nkeys of them, allocated */
	uint32_t nkeys;
	uint32_t woken_index;     /* FUTEX_Q_VEC: the key whose wake came */
	uint32_t bitset;
	uint64_t seq;   /* arrival order: wakes go to the oldest first */
	uint8_t kind;   /* enum futex_q_kind */
	bool queued;
	bool woken;     /* a wake came (FUTEX_Q_PI: the futex is the task's) */
	bool requeued;  /* a FUTEX_Q_REQUEUE_PI that became a FUTEX_Q_PI */
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
	/* The thread of parent that made it (Linux's real_parent), whose end
	 * sends PR_SET_PDEATHSIG's signals (prctl.c). */
	int parent_tid;
	bool is_child_subreaper; /* PR_SET_CHILD_SUBREAPER: orphans below come here */
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
	/* ITIMER_PROF and ITIMER_VIRTUAL (itimer.c; Linux's signal->it[]):
	 * the process's CPU time in ns at which each fires (0 = off) and the
	 * interval it starts again with. */
	struct cpu_itimer {
		uint64_t expires, incr;
	} it[2];
	struct k_itimer *posix_timers; /* timer_create's (posix_timers.c) */
	int next_posix_timer_id;
	uint64_t min_flt, maj_flt; /* of its threads that have exited */
	/* membarrier(2) registrations, the MEMBARRIER_CMD_REGISTER_* bits
	 * (membarrier.c): Linux keeps them in the mm, one process's here. */
	unsigned membarrier_state;
	uint64_t cpu_ns;          /* CPU time of its threads that are gone */
	uint64_t child_min_flt, child_maj_flt; /* of reaped children (RUSAGE_CHILDREN) */
	uint64_t maxrss, cmaxrss; /* peak resident pages, its own and its reaped children's (maxrss.c) */
	/* The file it executes (Linux's mm->exe_file): /proc/PID/exe; writing
	 * to the file is denied while it lives. NULL once it has exited. */
	struct file *exe_file;
	/* argv of the last exec, NUL-separated (/proc/PID/cmdline); cut at
	 * PROC_CMDLINE_MAX bytes, as Linux before 4.2 cut it at a page. */
	char cmdline[PROC_CMDLINE_MAX];
	size_t cmdline_len;
	/* /proc/PID/oom_score_adj (-1000..1000), which the OOM killer adds
	 * to a process's badness, and the least an unprivileged write may
	 * set (Linux's oom_score_adj_min); inherited at fork. */
	short oom_score_adj, oom_score_adj_min;
	/* Resource limits (rlimit.c; Linux's signal->rlim), by RLIMIT_*:
	 * copied at fork, kept by exec, shared by the threads. */
	struct k_rlimit {
		uint64_t rlim_cur, rlim_max;
	} rlim[TASK_RLIM_NLIMITS];
};

/* What ptrace(2) keeps of a tracee (ptrace*.c; Linux's task->ptrace,
 * ptrace_message, last_siginfo and the stop's exit_code). */
/* EVENT: an event inside a call (exec, fork), its exit stop next; TRAP:
 * a PTRACE_EVENT_STOP (group stop, PTRACE_INTERRUPT, a new child). */
enum ptrace_stop_kind { PTRACE_STOP_NONE, PTRACE_STOP_SIGNAL, PTRACE_STOP_SYSCALL_ENTRY,
			PTRACE_STOP_SYSCALL_EXIT, PTRACE_STOP_EVENT, PTRACE_STOP_TRAP,
			PTRACE_STOP_EXIT, /* PTRACE_EVENT_EXIT: exit or exit_group runs next */
			PTRACE_STOP_SECCOMP, /* PTRACE_EVENT_SECCOMP: before the call, after its filters */
			PTRACE_STOP_STEP /* a step into a signal handler (Linux's ptrace_notify(SIGTRAP)) */ };
struct ptrace_state {
	struct process *tracer;   /* the tracing thread; NULL: not traced */
	bool seized;              /* PTRACE_SEIZE rather than ATTACH or TRACEME */
	bool syscall_trace;       /* resumed by PTRACE_SYSCALL */
	bool in_syscall;          /* resumed from its entry stop: the call runs next */
	bool exit_reported;       /* its end was reported to the tracer */
	bool listening;           /* PTRACE_LISTEN: stopped, unreported, until SIGCONT */
	bool trap_pending;        /* PTRACE_INTERRUPT: a PTRACE_EVENT_STOP on the way out */
	bool exit_pending;        /* a vfork parent's exit stop, once its child let go */
	bool restarted;           /* a call a signal interrupted is made again: entry stop */
	bool exiting;             /* PTRACE_EVENT_EXIT reported */
	bool seccomp_resumed;     /* resumed from PTRACE_EVENT_SECCOMP: its call runs next */
	bool singlestep;          /* PTRACE_SINGLESTEP (Linux's TIF_SINGLESTEP) */
	bool forced_tf;           /* RFLAGS.TF is ptrace's, hidden from the tracer (TIF_FORCED_TF) */
	bool sync_sig;            /* siginfo is a fault's: trapno, err, cr2 go to its frame */
	uint8_t stop;             /* enum ptrace_stop_kind while PROC_TRACED */
	unsigned options;         /* PTRACE_O_* */
	int exit_code;            /* the stop's status for wait (0: reported) */
	int inject_sig;           /* the signal the tracer delivers at resume */
	int pending_event;        /* PTRACE_EVENT_* to stop for at the call's end */
	uint64_t orig_rax, entry_rax; /* the call's number; rax at its entry stop */
	uint64_t eventmsg;        /* PTRACE_GETEVENTMSG */
	struct ksiginfo siginfo;  /* the signal of a signal-delivery-stop */
	uint64_t fault_trapno, fault_err, fault_cr2; /* a fault's sigcontext fields (sync_sig) */
};

/* seccomp (seccomp.c): SECCOMP_MODE_DISABLED, _STRICT or _FILTER (and
 * SECCOMP_MODE_DEAD once a kill action chose the task), and the chain of
 * filters, newest first, shared with the tasks it was copied to (fork,
 * clone, SECCOMP_FILTER_FLAG_TSYNC); exec keeps it. */
#define SECCOMP_MODE_DEAD 3
struct seccomp_filter;
struct seccomp_knotif;
struct seccomp {
	int mode;
	int filter_count;
	struct seccomp_filter *filter;
	struct seccomp_knotif *knotif; /* the user notification its call waits on */
	bool notif_continue; /* answered CONTINUE as a handler interrupted it: run it */
};

/* A task: one thread (Linux's task_struct). A process is the thread group
 * of its leader; each thread has its own registers and FS base, signal
 * mask and pending set, and shares the rest through refcounted objects:
 * mm (CLONE_VM), files (CLONE_FILES), fs (CLONE_FS), sighand
 * (CLONE_SIGHAND) and signal (CLONE_THREAD). */
/* rseq(2) (rseq.c): the registered struct rseq (0: none), its length
 * and signature; the events since a critical section was last checked
 * (Linux's rseq_event_mask), and whether that check is owed on the way
 * back to user mode (TIF_NOTIFY_RESUME). */
struct rseq_state {
	uint64_t area;
	uint32_t len, sig;
	unsigned event_mask;
	bool notify_resume;
};

/* Syscall User Dispatch (syscall_user_dispatch.c): on, the calls from
 * outside [offset, offset + len) are sent back as SIGSYS while the byte
 * at selector (0: none, always) says BLOCK. */
struct syscall_user_dispatch {
	bool on;
	uint64_t selector, offset, len;
};

struct process {
	int pid;                  /* the thread id (gettid) */
	int tgid;                 /* the process id (getpid): the leader's pid */
	uint64_t serial;          /* never reused: a pidfd tells a new task of its pid apart */
	struct {                  /* capabilities, a bit per CAP_* (capability.c) */
		uint64_t effective, permitted, inheritable, bounding, ambient;
	} cap;
	struct cred cred;         /* cred.c */
	/* Scheduling attributes (priority.c, sched_policy.c): recorded and
	 * reported; vmemu's round-robin scheduler gives every task the same
	 * slices whatever they say. */
	struct {
		int policy;       /* SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR */
		int rt_priority;  /* 1..99 for SCHED_FIFO and SCHED_RR, else 0 */
		int nice;         /* -20..19 */
		uint64_t slice;   /* sched_setattr's sched_runtime for the fair class; 0: default */
		bool reset_on_fork;
	} sched;
	uint16_t ioprio;          /* ioprio_set's value (ioprio.c); 0: none set */
	struct sem_undo_list *sysvsem; /* shared by CLONE_SYSVSEM; NULL: none (sem_undo.c) */
	unsigned personality;     /* personality(2) (sys/sys_misc.c) */
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
	uint64_t cpu_sleep_until; /* clock_nanosleep on a CPU clock: the clock's value it
				     waits for, kept across restarts (cputime.c) */
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
	/* Namespaces (pid_namespace.c, nsproxy.c): the PID namespace it was
	 * made in and its number at each level from the initial one (nr[0],
	 * which is pid) down to that one; where its children are made; its
	 * host and domain names. One reference each. */
	struct pid_namespace *pid_ns, *pid_ns_for_children;
	int nr[MAX_PID_NS_LEVEL + 1];
	struct uts_namespace *uts_ns;
	/* Its time namespace and its children's (time_namespace.c). */
	struct time_namespace *time_ns, *time_ns_for_children;
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
	/* PR_SET_TIMERSLACK and /proc/PID/timerslack_ns: kept and shown (the
	 * guest's timers do not batch wake-ups); 0 sets the default, the
	 * parent's value at fork (Linux's default_timer_slack_ns). */
	uint64_t timer_slack_ns, default_timer_slack_ns;
	/* prctl's (prctl.c): PR_SET_PDEATHSIG's signal (0: none), sent to
	 * this task's process when the thread that made it ends; no_new_privs
	 * (kept by fork and exec); PR_MCE_KILL's policy; PR_SET_IO_FLUSHER. */
	int pdeath_signal;
	int mce_kill;
	bool no_new_privs, io_flusher;
	bool wait_killable; /* its sleep ends only for a fatal signal (TASK_KILLABLE) */
	/* CPU time: ns it has run, and since when it runs now (0: it does
	 * not), charged by the scheduler. */
	uint64_t cpu_ns, on_cpu_since;
	struct process *vfork_parent; /* blocked in vfork until we exec or exit */
	bool autoreap;       /* nobody waits for it: freed once it has exited */
	bool exited;
	/* How it ended (a whole process ended as its group did): */
	int exit_code;       /* valid when exited and term_signal == 0 */
	int term_signal;     /* signal that killed it, or 0 */
	bool core_dumped;    /* default action "core" (reported by wait) */
	int pending_fatal;   /* signal queued by a fault or CPU exception */
	bool fatal_single_step; /* pending_fatal is the trap flag's #DB */
	uint64_t virtual_dr6;   /* DR6 as ptrace shows it: DR_STEP after a #DB (Linux's thread.virtual_dr6) */
	uint64_t debugreg[4];   /* DR0-DR3 as a tracer wrote them (no breakpoint is armed) */
	struct {             /* the fault behind pending_fatal */
		uint64_t addr;
		uint32_t error_code;
		enum mmu_fault_kind kind;
		enum mmu_access access;
		int si_code;     /* SEGV_MAPERR or SEGV_ACCERR */
	} fault;
	struct ptrace_state ptrace; /* ptrace*.c */
	struct rseq_state rseq;     /* rseq.c */
	struct seccomp seccomp;     /* seccomp.c */
	struct syscall_user_dispatch sud; /* syscall_user_dispatch.c; fork's child starts without */
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
/* ru_maxrss (maxrss.c): a thread leaves address space mm (exec, exit);
 * a child's process is reaped; the peak in KiB for getrusage's who, or
 * RUSAGE_BOTH (Linux's: a process's own and its children's). */
#define RUSAGE_BOTH (-2)
void maxrss_mm_gone(struct process *p, const struct mm *mm);
void maxrss_reap(struct signal_struct *parent, const struct signal_struct *child);
long task_maxrss_kb(const struct process *p, int who);
/* Page faults handled for p's process: all its threads, live or not. */
void thread_group_faults(struct kernel *k, const struct process *p, uint64_t *min,
			 uint64_t *maj);

/* A handler that must wait calls process_block(k, chan) and returns
 * -ERESTARTSYS: the call is made again from the start once kernel_wake(k,
 * chan) runs (or a signal arrives: then -EINTR or a restart, as Linux). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513 /* made again even after a handler without SA_RESTART */
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
/* A timespec as ns: false when it is not valid (Linux's timespec64_valid);
 * saturated at INT64_MAX, so a deadline made from it cannot overflow. */
bool timespec_to_ns(const struct timespec *ts, uint64_t *ns);
/* The CLOCK_MONOTONIC deadline of time ns on clock (now, when it has
 * passed): how a call that sleeps until a clock's time waits. */
uint64_t clock_deadline(clockid_t clock, uint64_t ns);

/* Tasks (process.c). At most PROCESS_MAX exist at once, threads
 * included (fork, clone: EAGAIN). */
#define PROCESS_MAX 256
#define TIMER_SLACK_NS_DEFAULT 50000 /* init's timer slack, as Linux's */
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
/* Queues info's signal for thread p as Linux's force_sig_info_to_task:
 * blocked or ignored, or exit set (the signal must end the process), its
 * action becomes the default and it is unblocked. */
void force_sig_info(struct kernel *k, struct process *p, const struct ksiginfo *info, bool exit);
/* force_fatal_sig(p, SIGTRAP) for a single step (#DB with DR6.BS), which
 * Linux reports as TRAP_TRACE at the next instruction, trapno 1. */
void force_single_step(struct process *p);
/* The siginfo the fatal signal queued for p (by a fault or a CPU
 * exception) will carry; false when none is queued. */
bool signal_pending_fatal(const struct process *p, struct ksiginfo *info);

/* An action a signal forced to end the process fixed (Linux's
 * kernel-internal SA_IMMUTABLE): rt_sigaction may not change it, and a
 * tracer is not asked about the signal. */
#define KSA_IMMUTABLE 0x00800000
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

/* Takes the lowest signal of mask pending for thread p (its own set
 * first, then its process's) without acting on it, as Linux's
 * dequeue_signal; 0 when none. Stale timer signals are dropped. */
int signal_dequeue(struct process *p, uint64_t mask, struct ksiginfo *info);
/* Writes info to the guest as a siginfo_t: 0 or -EFAULT (sigframe.c). */
int copy_siginfo_to_user(struct kernel *k, uint64_t uaddr, const struct ksiginfo *info);

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

/* ---- namespaces (pid_namespace.c, nsproxy.c, utsname.c, time_namespace.c) ---- */

/* A PID namespace (Linux's struct pid_namespace): its tasks have a number
 * in it and in each of its ancestors. */
struct pid_namespace {
	int refs;                  /* tasks in it or making children in it, child namespaces */
	unsigned level;            /* 0: the initial one */
	struct pid_namespace *parent;
	struct process *child_reaper; /* its init (pid 1); NULL before and once reaped */
	int last_pid;              /* the last pid counted out (ns_last_pid) */
	bool dead;                 /* its init has ended: no task joins it (ENOMEM) */
	unsigned inum;             /* /proc/PID/ns/pid's inode */
};

/* A UTS namespace: the host and domain names, the host's until first
 * looked at or set (Linux copies init_uts_ns from the running kernel). */
struct uts_namespace {
	int refs;
	unsigned inum;
	bool copied;
	char nodename[65], domainname[65];
};

/* A time namespace (Linux's struct time_namespace): the offsets its
 * tasks see on CLOCK_MONOTONIC and CLOCK_BOOTTIME, set through
 * /proc/PID/timens_offsets until a task enters it (frozen). */
struct time_namespace {
	int refs;
	unsigned inum;
	struct timespec monotonic, boottime;
	bool frozen;
};
/* What p sees of clock: ts (the host's) plus p's namespace's offset. An
 * absolute time ns p gives on clock, on the host's clock (0 when already
 * past there). The offsets p's children get (timens_offsets' show); and
 * setting them (its write): 0, -EPERM without CAP_SYS_TIME, -EINVAL (a
 * clock other than MONOTONIC and BOOTTIME, nanoseconds out of range),
 * -ERANGE (the clock would leave [0, KTIME_SEC_MAX / 2]), -EACCES once a
 * task is in that namespace. */
struct timens_offset {
	clockid_t clock;
	struct timespec val;
};
void timens_add(const struct process *p, clockid_t clock, struct timespec *ts);
uint64_t timens_to_host(const struct process *p, clockid_t clock, uint64_t ns);
void timens_offsets(const struct process *p, struct timespec *monotonic, struct timespec *boottime);
int timens_set_offsets(struct kernel *k, struct process *p, const struct timens_offset *offs,
		       int n);

/* The namespace types of /proc/PID/ns, in its order. vmemu separates
 * PID and UTS namespaces; of the others there is one each. */
enum ns_type {
	NS_CGROUP, NS_IPC, NS_MNT, NS_NET, NS_PID, NS_PID_FOR_CHILDREN, NS_TIME,
	NS_TIME_FOR_CHILDREN, NS_USER, NS_UTS, NS_TYPES
};
/* A reference to a namespace, as an nsfs file holds one: its type (never
 * a *_FOR_CHILDREN), its object (NULL for the types vmemu has one of)
 * and inode number. */
struct ns_ref {
	enum ns_type type;
	void *ns;
	unsigned inum;
};
/* The name of /proc/PID/ns/NAME, and of its namespace ("pid" for
 * pid_for_children), as readlink shows it ("pid:[4026531836]"). */
const char *ns_entry_name(enum ns_type t);
const char *ns_type_name(enum ns_type t);
/* p's namespace of type t, referenced: 0, or -ENOENT once p has exited. */
int ns_get(struct process *p, enum ns_type t, struct ns_ref *out);
void ns_ref_get(const struct ns_ref *r);
void ns_ref_put(const struct ns_ref *r);

/* The caller's view of pids (pid_namespace.c): p's number in ns (0 when
 * p is not in it), p's thread id and process id as the current task
 * sees them, the task whose thread id nr is in the current task's
 * namespace, and the number a global pid (a process group's, a
 * session's) has there (0: none). */
int task_pid_nr_ns(const struct process *p, const struct pid_namespace *ns);
/* p's thread id as p itself sees it (gettid; the TID futex words hold). */
int task_pid_own(const struct process *p);
int task_pid_vnr(const struct kernel *k, const struct process *p);
int task_tgid_vnr(const struct kernel *k, const struct process *p);
int task_tgid_nr_ns(const struct process *p, const struct pid_namespace *ns);
struct process *find_task_by_vpid(struct kernel *k, int nr);
int pid_vnr(struct kernel *k, int global);
/* The global pid of nr in the current task's namespace, 0 when none. */
int pid_from_vnr(struct kernel *k, int nr);
/* p is the init of a PID namespace below the initial one. */
bool is_child_reaper(const struct process *p);
/* A signal sent by the current task to init t is dropped: t has no handler
 * for it and it is not SIGKILL or SIGSTOP from an ancestor namespace
 * (Linux's SIGNAL_UNKILLABLE). */
bool sig_unkillable(struct kernel *k, const struct process *t, int sig);
/* The last pid counted out in the current task's namespace (/proc/loadavg,
 * ns_last_pid). */
int task_ns_last_pid(struct kernel *k);
/* Writing ns_last_pid: the next pid counted out there follows it; 0, or
 * -EPERM without CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE. */
int task_ns_set_last_pid(struct kernel *k, int last);
/* The numbers of p's thread id (or, with tgid, its process id) at every
 * level from the initial namespace down to p's own: how many. */
int task_pid_levels(const struct process *p, bool tgid, int out[MAX_PID_NS_LEVEL + 1]);
/* The host and domain names of the current task's UTS namespace
 * (utsname.c); the host's copied at first use. */
struct uts_namespace *current_uts(struct kernel *k);
syscall_fn sys_setns; /* nsproxy.c */
/* The kernel lets go of the initial namespaces (its end). */
void nsproxy_exit(struct kernel *k);

/* ---- the system calls that live with their subsystem ---- */
syscall_fn sys_fork, sys_vfork, sys_clone, sys_clone3, sys_execve, sys_execveat, sys_wait4,
	sys_waitid; /* fork.c, exec.c, wait.c */
syscall_fn sys_unshare; /* unshare.c */
syscall_fn sys_capget, sys_capset; /* capability.c */
/* Capabilities: the first process's are vmemu's own; execve's
 * recomputation (capability.c). */
void cap_init(struct process *p);
void cap_exec(struct process *p);
/* Resource limits (rlimit.c): p's soft and hard limit of resource
 * (RLIMIT_*; RLIM_INFINITY for unlimited); the first process's are
 * vmemu's own as the host gave them; the limit calls. */
uint64_t task_rlimit(const struct process *p, unsigned resource);
uint64_t task_rlimit_max(const struct process *p, unsigned resource);
void rlimit_init(struct signal_struct *s);
syscall_fn sys_getrlimit, sys_setrlimit, sys_prlimit64;
/* Credentials (cred.c, groups.c): the first process's are vmemu's own;
 * fork and clone copy them (sharing the groups); execve makes the saved
 * and filesystem ids the effective ones (set-user-ID and set-group-ID
 * bits are ignored, as on a nosuid mount); cred_put lets go of a reaped
 * task's. */
int cred_init(struct process *p); /* 0 or -ENOMEM */
void cred_copy(struct process *c, const struct process *p);
void cred_exec(struct process *p);
void cred_put(struct process *p);
syscall_fn sys_getuid, sys_geteuid, sys_getgid, sys_getegid, sys_getresuid, sys_getresgid,
	sys_setuid, sys_setgid, sys_setreuid, sys_setregid, sys_setresuid, sys_setresgid,
	sys_setfsuid, sys_setfsgid; /* cred.c */
syscall_fn sys_getgroups, sys_setgroups; /* groups.c */
/* The capabilities an fs uid of 0 carries (Linux's CAP_FS_SET). */
#define CAP_FS_SET                                                                          \
	(1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH |         \
	 1ULL << CAP_FOWNER | 1ULL << CAP_FSETID | 1ULL << CAP_LINUX_IMMUTABLE |              \
	 1ULL << CAP_MKNOD | 1ULL << CAP_MAC_OVERRIDE)
/* The credentials a file access is checked with (cred_fs.c): the current
 * task's fs ids, groups and effective capabilities, or for access(2)
 * without AT_EACCESS its real ids (access_fs_cred). fs_permission is
 * Linux's generic_permission (mask: R_OK, W_OK, X_OK): 0 or -EACCES. */
struct stat;
struct fs_cred {
	uint32_t fsuid, fsgid;
	uint64_t caps;
	struct group_info *groups;
};
struct fs_cred current_fs_cred(const struct kernel *k);
struct fs_cred access_fs_cred(const struct kernel *k);
bool fs_in_group(const struct fs_cred *c, uint32_t gid);
int fs_permission(const struct fs_cred *c, const struct stat *st, int mask);
/* The host checks vmemu's file calls with its thread's credentials, which
 * follow the guest's (cred_fs.c): cred_host_init records vmemu's own,
 * cred_host_sync gives the thread the current task's (at each system
 * call), cred_host_apply given ones (access(2)), cred_host_own vmemu's
 * own for a moment (reading a program), cred_host_restore gives vmemu's
 * back for good. */
void cred_host_init(struct kernel *k);
void cred_host_sync(struct kernel *k);
void cred_host_apply(struct kernel *k, const struct fs_cred *c);
void cred_host_own(struct kernel *k);
void cred_host_restore(struct kernel *k);
/* Capabilities follow uid changes (cap_task_fix_setuid, capability.c):
 * old is the task's credentials before a set*id call changed p's. */
void cap_fix_setuid(struct process *p, const struct cred *old, bool fs_only);
/* May the current task send sig to t (Linux's check_kill_permission)?
 * (cred.c) */
bool kill_permitted(struct kernel *k, const struct process *t, int sig);
/* prctl(2) (prctl.c). An effective or fs id changed (Linux's
 * commit_creds): not dumpable (fs.suid_dumpable), no parent-death signal.
 * exec sets dumpability by the new ids and whether the program could be
 * read. A thread ends: the processes it made get their parent-death
 * signals. */
syscall_fn sys_prctl;
/* fs.suid_dumpable, the host's (Debian's default is 0). */
uint8_t suid_dumpable(void);
void task_cred_changed(struct process *p);
void task_exec_dumpable(struct process *p, bool readable);
void pdeath_parent_exit(struct kernel *k, struct process *t);
/* May the current task reach into t (ptrace.c)? Linux's ptrace access
 * modes: READ or ATTACH, with the real or the filesystem ids. 0 or
 * -EPERM. */
#define PTRACE_MODE_READ 0x01u
#define PTRACE_MODE_ATTACH 0x02u
#define PTRACE_MODE_FSCREDS 0x08u
#define PTRACE_MODE_REALCREDS 0x10u
int ptrace_may_access(struct kernel *k, const struct process *t, unsigned mode);
/* ptrace(2) (ptrace.c: requests; ptrace_stop.c: stops; ptrace_regs.c:
 * registers). The hooks: a traced task enters a system call (true: it
 * stopped or the call is done, kernel_syscall returns at once) and leaves
 * it (true: it stopped); signal delivery takes the tracer's injected
 * signal (0: none), and offers each dequeued signal (true: it stopped);
 * exec and fork report their events; a task ends (its tracees are
 * detached, or killed by PTRACE_O_EXITKILL). */
syscall_fn sys_ptrace;
bool ptrace_syscall_entry(struct kernel *k, struct process *p, struct cpu_context *ctx);
bool ptrace_syscall_exit(struct kernel *k, struct process *p);
void ptrace_event_exec(struct kernel *k, struct process *p);
void ptrace_event_fork(struct kernel *k, struct process *p, struct process *child, uint64_t flags,
		       int exit_signal);
void ptrace_exit(struct kernel *k, struct process *p);
syscall_fn sys_kcmp; /* kcmp.c */

/* ---- System V IPC: what every object starts with (ipc.c) ---- */
struct kern_ipc_perm {
	int32_t key;
	int id;
	uint32_t uid, gid, cuid, cgid;
	unsigned mode; /* permission bits */
	uint16_t seq;
};
#define IPC_MIN_CYCLE 64 /* ids cycle through at least this many indexes */
/* Linux's ipcperms: the owner's, the group's or others' bits of mode
 * against the rwx bits asked for in flag; CAP_IPC_OWNER passes. */
bool ipcperms(struct kernel *k, const struct kern_ipc_perm *perm, unsigned flag);
/* IPC_SET and IPC_RMID are the owner's, the creator's or CAP_SYS_ADMIN's
 * (Linux's ipcctl_obtain_check). */
bool ipc_owner(struct kernel *k, const struct kern_ipc_perm *perm);
/* The object with id for IPC_SET or IPC_RMID: NULL with *err -EINVAL
 * (none) or -EPERM (not the owner's). */
struct kern_ipc_perm *ipcctl_obtain_check(struct kernel *k, const struct ipc_ids *ids, int id,
					  int64_t *err);
/* Gives perm an id in ids, owned by the caller: the id, or -ENOSPC
 * (mni objects already), -ENOMEM. */
int ipc_addid(struct kernel *k, struct ipc_ids *ids, struct kern_ipc_perm *perm, int32_t key,
	      unsigned mode, int mni);
/* By index (the *_STAT commands), by id (the index and the sequence
 * number must match), by key: NULL when there is none. */
struct kern_ipc_perm *ipc_obtain_object_idr(const struct ipc_ids *ids, int idx);
struct kern_ipc_perm *ipc_obtain_object_check(const struct ipc_ids *ids, int id);
struct kern_ipc_perm *ipc_findkey(const struct ipc_ids *ids, int32_t key);
/* The object leaves ids; the tasks sleeping on chan (its wait channel)
 * wake, and their calls end with EIDRM: ipc_take_removed says so (once)
 * to each call made again. */
void ipc_rmid(struct kernel *k, struct ipc_ids *ids, struct kern_ipc_perm *perm, const void *chan);
bool ipc_take_removed(struct kernel *k, const struct ipc_ids *ids, int pid, int id);
/* The table goes (its objects are gone), with what it noted. */
void ipc_ids_destroy(struct kernel *k, struct ipc_ids *ids);
/* The highest index in use, or -1. */
int ipc_get_maxidx(const struct ipc_ids *ids);
/* IPC_STAT's struct ipc_perm of the object. */
struct ipc_perm;
void ipc_perm_to_user(const struct kern_ipc_perm *perm, struct ipc_perm *out);
/* IPC_SET: owner, group and permission bits. */
void ipc_set_perm(struct kern_ipc_perm *perm, uint32_t uid, uint32_t gid, unsigned mode);

/* Linux's default limits, fixed here (/proc/sys/kernel shows them):
 * semaphores in a set, in all sets, operations in a call, sets;
 * the largest message, a queue's bytes at first, queues. */
#define SEMMSL 32000
#define SEMMNS (SEMMSL * SEMMNI)
#define SEMOPM 500
#define SEMMNI 32000
#define MSGMAX 8192
#define MSGMNB 16384
#define MSGMNI 32000

/* System V semaphores (sem.c). */
syscall_fn sys_semget, sys_semop, sys_semtimedop, sys_semctl;
/* Every set goes, at the kernel's end. */
void sem_exit_ns(struct kernel *k);
/* What /proc/sysvipc/sem shows of the set at index idx (false: none),
 * and the highest index in use (-1: none). */
struct sem_proc_info {
	struct kern_ipc_perm perm;
	int nsems;
	int64_t otime, ctime;
};
bool sem_proc_info(struct kernel *k, int idx, struct sem_proc_info *out);
int sem_max_idx(struct kernel *k);

/* System V message queues (msg.c), as the semaphores above. */
syscall_fn sys_msgget, sys_msgsnd, sys_msgrcv, sys_msgctl;
void msg_exit_ns(struct kernel *k);
struct msg_proc_info {
	struct kern_ipc_perm perm;
	uint64_t cbytes, qnum;
	int lspid, lrpid;
	int64_t stime, rtime, ctime;
};
bool msg_proc_info(struct kernel *k, int idx, struct msg_proc_info *out);
int msg_max_idx(struct kernel *k);
/* prctl's PR_SET_KEEPCAPS and PR_GET_KEEPCAPS (cred.c). */
int64_t cred_prctl_keepcaps(struct process *p, int option, const uint64_t a[6]);
/* Scheduling (priority.c, sched_policy.c, ioprio.c, membarrier.c). */
syscall_fn sys_getpriority, sys_setpriority; /* priority.c */
syscall_fn sys_sched_getscheduler, sys_sched_setscheduler, sys_sched_getparam,
	sys_sched_setparam, sys_sched_get_priority_max, sys_sched_get_priority_min,
	sys_sched_rr_get_interval, sys_sched_getattr, sys_sched_setattr, sys_sched_setaffinity,
	sys_getcpu; /* sched_policy.c */
syscall_fn sys_ioprio_get, sys_ioprio_set; /* ioprio.c */
syscall_fn sys_membarrier; /* membarrier.c */
syscall_fn sys_rseq; /* rseq.c */
/* seccomp(2) and prctl's PR_GET_SECCOMP, PR_SET_SECCOMP (seccomp.c); a
 * child's copy of its parent's mode and filters; p is freed. */
syscall_fn sys_seccomp;
int64_t prctl_get_seccomp(const struct process *p);
int64_t prctl_set_seccomp(struct kernel *k, uint64_t mode, uint64_t ufilter);
void seccomp_fork(struct process *c, const struct process *p);
void seccomp_release(struct process *p);
/* What a system call of a task in seccomp mode meets at its entry, after
 * ptrace's entry stop (seccomp_entry.c, Linux's __secure_computing;
 * ctx->rip is its SYSCALL, ctx->rax its number). after_trace: the
 * tracer was told of it (PTRACE_EVENT_SECCOMP), so SECCOMP_RET_TRACE
 * lets it run. */
enum seccomp_verdict {
	SECCOMP_RUN,     /* the call runs */
	SECCOMP_SKIP,    /* it does not: ctx->rax is its result */
	SECCOMP_STOPPED, /* p stopped for its tracer, or its thread ended */
	SECCOMP_WAIT,    /* p sleeps for a user notification's answer */
};
enum seccomp_verdict secure_computing(struct kernel *k, struct process *p,
				      struct cpu_context *ctx, bool after_trace);
/* prctl(PR_SET_SYSCALL_USER_DISPATCH) for p: 0 or -errno. At the entry
 * of p's call in ctx (ctx->rip its SYSCALL), with p->sud.on: true when
 * the call does not run: SIGSYS is queued for it (ctx->rax keeps the
 * number, Linux's syscall_rollback), or p is being killed
 * (syscall_user_dispatch.c). */
int64_t set_syscall_user_dispatch(struct kernel *k, struct process *p, uint64_t mode,
				  uint64_t offset, uint64_t len, uint64_t selector);
bool syscall_user_dispatch(struct kernel *k, struct process *p, const struct cpu_context *ctx);
/* rseq's events: p is switched away from; a signal is delivered to p
 * (before its frame: the critical section may move rip); p goes back to
 * user mode; fork and exec. */
void rseq_preempt(struct process *p);
void rseq_signal_deliver(struct kernel *k, struct process *p, int sig);
void rseq_resume_user_mode(struct kernel *k, struct process *p);
void rseq_fork(struct process *c, const struct process *p, uint64_t clone_flags);
void rseq_execve(struct process *p);
/* The first process's nice value, policy and ioprio are vmemu's own;
 * fork copies them, applying SCHED_RESET_ON_FORK (sched_policy.c). */
void sched_init(struct process *p);
void sched_fork(struct process *c, const struct process *p);
/* Linux's set_one_prio_perm and check_same_owner: may the current task
 * change p's priority without CAP_SYS_NICE? (priority.c) */
bool prio_same_owner(struct kernel *k, const struct process *p);
syscall_fn sys_getitimer, sys_setitimer, sys_alarm; /* itimer.c */
syscall_fn sys_futex; /* futex.c */
syscall_fn sys_futex_waitv; /* futex_waitv.c */
syscall_fn sys_timer_create, sys_timer_settime, sys_timer_gettime, sys_timer_getoverrun,
	sys_timer_delete; /* posix_timers.c */
/* The CPU-time clock id names (Linux's encoding: negative ids for a
 * pid's, CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID for the
 * caller's), in ns: 0, or -EINVAL (cputime.c). */
int cpu_clock_get(struct kernel *k, int clock, uint64_t *ns);
/* clock_nanosleep on a CPU-time clock (CLOCK_PROCESS_CPUTIME_ID or a
 * pid's): until the clock reads ns (abstime) or has advanced by ns. 0,
 * -EINVAL (the caller's own thread clock, no such task), -ERESTARTSYS
 * (asleep) (cputime.c). */
int64_t cpu_clock_nsleep(struct kernel *k, int clock, bool abstime, uint64_t ns);
syscall_fn sys_set_robust_list, sys_get_robust_list; /* futex_exit.c */

#endif
