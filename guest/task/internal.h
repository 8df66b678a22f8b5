/* internal.h - what the files of task/ share and no other subsystem calls:
 * process creation, process groups, vfork, interval timers, and the parts
 * of signal delivery that exec and the signal frame need. */
#ifndef VMEMU_TASK_INTERNAL_H
#define VMEMU_TASK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/filter.h>

#include "task/task.h"

struct kernel;

/* A new runnable task with pid (0: the next free one; its tgid too) in
 * the initial PID and UTS namespaces, in k->procs; NULL at the limit. The caller
 * gives it a signal_struct and sighand. */
struct process *process_alloc(struct kernel *k, int pid);
/* A new runnable task in PID namespace ns, with a number at each of
 * its levels (alloc_pid), in k->procs: 0 and *out, or -EAGAIN at the
 * limit, -ENOMEM, or alloc_pid's error. */
int process_alloc_ns(struct kernel *k, struct pid_namespace *ns, const int *set_tid,
		     unsigned set_tid_size, struct process **out);

/* PID namespaces (pid_namespace.c): the initial one (made at first use;
 * NULL: out of memory); a child of parent (0, -ENOSPC past
 * MAX_PID_NS_LEVEL, -ENOMEM); references. */
struct pid_namespace *init_pid_ns(struct kernel *k);
int pid_ns_create(struct pid_namespace *parent, struct pid_namespace **out);
struct pid_namespace *get_pid_ns(struct pid_namespace *ns);
void put_pid_ns(struct pid_namespace *ns);
/* p's numbers in ns and each ancestor (Linux's alloc_pid): set_tid[i]
 * for the level i below ns's own where given (EINVAL out of range or
 * without the namespace's init, EPERM without CAP_CHECKPOINT_RESTORE or
 * CAP_SYS_ADMIN, EEXIST when taken), else counted out (EAGAIN: none
 * free); ENOMEM once ns's init has ended. Pid 1 makes p its init. */
int alloc_pid(struct kernel *k, struct process *p, struct pid_namespace *ns, const int *set_tid,
	      unsigned set_tid_size);
/* ns's init has ended: every other task in it dies by SIGKILL, and no
 * task joins it any more (Linux's zap_pid_ns_processes). */
void zap_pid_ns_processes(struct kernel *k, struct pid_namespace *ns);
/* Who takes the children of the process s when it ends: its namespace's
 * init, NULL when s is that init (or the initial namespace's). */
struct signal_struct *find_child_reaper(struct kernel *k, const struct signal_struct *s);

/* Namespaces (nsproxy.c, utsname.c): a fresh nsfs inode number; the
 * initial UTS namespace (NULL: out of memory), a copy of parent, and
 * references. */
unsigned ns_alloc_inum(void);
struct uts_namespace *init_uts_ns(struct kernel *k);
struct uts_namespace *uts_ns_copy(struct uts_namespace *parent);
struct uts_namespace *get_uts_ns(struct uts_namespace *ns);
void put_uts_ns(struct uts_namespace *ns);
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80 /* unshare and clone3 only: clone's signal byte has it */
#endif
/* The same for time namespaces (time_namespace.c); p enters ns (a
 * reference of its own), whose offsets are then frozen (Linux's
 * timens_commit). */
struct time_namespace *init_time_ns(struct kernel *k);
struct time_namespace *time_ns_copy(const struct time_namespace *old);
struct time_namespace *get_time_ns(struct time_namespace *ns);
void put_time_ns(struct time_namespace *ns);
void timens_enter(struct process *p, struct time_namespace *ns);
/* The namespaces clone's CLONE_NEW* flags give c (its creator p's where
 * not new; the caller has checked the flags): 0, or -errno. */
int copy_namespaces(struct kernel *k, struct process *c, const struct process *p,
		    uint64_t flags);
/* What a reaped task held. */
void exit_task_namespaces(struct process *p);
/* A new process's signal_struct, led by leader (one thread, its own
 * process group and session until told otherwise); NULL: out of memory. */
struct signal_struct *signal_struct_alloc(struct process *leader);
/* Handlers: new ones (all SIG_DFL), and letting go of a reference. */
struct sighand_struct *sighand_alloc(void);
void sighand_put(struct sighand_struct *h);
/* p no longer borrows its vfork parent: the parent may run on. */
void process_vfork_done(struct kernel *k, struct process *p);
/* The SysV semaphore undo list at clone (flags) and exit (sem_undo.c);
 * at the last reference's drop its adjustments are applied (sem.c's
 * exit_sem). */
int sem_undo_copy(struct process *p, struct process *c, uint64_t flags);
void sem_undo_put(struct kernel *k, struct process *p);
/* One set's adjustments in an undo list (Linux's struct sem_undo). */
struct sem_undo {
	int semid;
	int nsems;
	short *semadj;
	struct sem_undo *next;
};
struct sem_undo_list {
	int refs;
	struct sem_undo *undos;
};
void exit_sem(struct kernel *k, struct sem_undo_list *ulp);

/* Host waits, for the scheduler (hostwait.c): whether some process waits
 * for a host fd, and a look at all of them that wakes the ready ones:
 * without waiting, or (wait) until one is ready, deadline_ns (0: none)
 * passes or a host signal is posted. */
bool host_waiters(struct kernel *k);
void host_wait_poll(struct kernel *k, uint64_t deadline_ns, bool wait);
/* Cancels p's host job, if any: the call it served is over (hostjob.c). */
void host_job_cancel(struct process *p);

/* Thread p lets go of its address space (exit, exec; Linux's
 * mm_release): the futexes of its robust list that it holds are marked
 * FUTEX_OWNER_DIED and a waiter of each woken, and its clear-TID word is
 * zeroed and woken when others still use the memory; the PI futexes it
 * owns go to their first waiters (futex_pi.c). */
void exit_mm_release(struct kernel *k, struct process *p);
/* A futex wait of p is over (exit, or a handler is to run): what the call
 * returns now whatever the handler's SA_RESTART (a wake came: 0; a lock
 * waiter already requeued to a PI futex: -EWOULDBLOCK), -ERESTARTNOINTR
 * when it is made again whatever SA_RESTART says (FUTEX_LOCK_PI), else
 * -ERESTARTSYS: the usual rules (futex.c). */
int64_t futex_end_wait(struct process *p);
/* One waiter on the word at uaddr of mm wakes (futex.c). */
void futex_wake_word(struct kernel *k, struct mm *mm, uint64_t uaddr);

/* Sends SIGALRM, SIGPROF, SIGVTALRM to the processes whose interval timers
 * have expired (starting
 * them again when they have an interval), fires the POSIX timers; returns the
 * earliest expiry still to come, or 0 (itimer.c). */
uint64_t itimer_run(struct kernel *k, uint64_t now);
/* An interval or POSIX timer of the process is armed, or RLIMIT_CPU is
 * set: the scheduler must look at the timers between slices (itimer.c). */
bool itimers_armed(const struct signal_struct *s);
/* A handler interrupts p's nanosleep or clock_nanosleep (p current): its
 * return value, -EINTR with the time left written to rmtp (nanosleep.c);
 * -EINTR for any other call. */
int64_t nanosleep_interrupted(struct kernel *k, struct process *p);
/* exec: handled signals go back to SIG_DFL, the altstack is dropped,
 * the POSIX timers are deleted. */
void signal_exec(struct process *p);
/* Up to nr of the signals queued in q from the off-th on, oldest first,
 * into out: how many, or -ENOMEM (PTRACE_PEEKSIGINFO). */
int64_t sigpending_peek(const struct sigpending *q, uint64_t off, struct ksiginfo *out,
			uint64_t nr);
/* Frees the further instances queued in q (a task or process ends). */
void sigpending_release(struct sigpending *q);
/* Queues a timer's signal for thread p, or p's process when group (as
 * signal_send, group_send_sig): false when it was not queued (ignored). */
bool send_sigqueue(struct kernel *k, struct process *p, const struct ksiginfo *info, bool group);

/* CPU-time clocks (cputime.c): the task whose CPU clock the id names
 * (Linux's pid_for_clock), and whether the clock is the task's own or its
 * process's (NULL: none); the CPU time of t, or of t's process. */
struct process *cpu_clock_task(struct kernel *k, int clock, bool *thread);
uint64_t task_cputime(struct kernel *k, const struct process *t, bool thread);

/* POSIX timers (posix_timers.c): fires the expired ones and returns the
 * earliest CLOCK_MONOTONIC ns a clock timer expires at still to come (0:
 * none); whether s has one armed; a timer's signal was dequeued (its
 * overrun count goes into info): false when the timer no longer sends
 * it; deletes s's timers (exec, the process's end). */
uint64_t posix_timers_run(struct kernel *k, uint64_t now);
bool posix_timers_armed(const struct signal_struct *s);
bool posix_timer_dequeued(struct signal_struct *s, struct ksiginfo *info);
void posix_timers_release(struct signal_struct *s);

/* Default actions (man 7 signal). SIGCONT continues a stopped process
 * when it is sent, whatever its action (signal_send); delivered, its
 * default is to ignore it, as Linux's SIG_KERNEL_IGNORE_MASK says. */
enum sig_default { SIG_DEFAULT_TERM, SIG_DEFAULT_CORE, SIG_DEFAULT_IGNORE, SIG_DEFAULT_STOP };
enum sig_default signal_default_action(int sig);
/* The rt_sigframe (sigframe.c). Builds it on the stack of p (the current
 * process) for handler ka of info->signo: p->ctx is saved with mask as the
 * mask to restore, and trapno, err and cr2 of the fault behind a
 * synchronous signal. Then p->ctx enters the handler. 0, or -EFAULT when
 * the frame cannot be written. */
struct sigframe_fault {
	uint64_t trapno, err, cr2;
};
/* The 512-byte FXSAVE area (SDM vol. 1, 10.5.1), 64-bit layout: what a
 * signal frame and ptrace's GETFPREGS hold of the FPU; to and from the
 * saved state (sigframe.c). */
struct fxsave {
	uint16_t fcw, fsw;
	uint8_t ftw, reserved0; /* ftw abridged: bit i set = ST(i) not empty */
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];      /* 80 bits each, then 6 reserved bytes */
	uint8_t xmm[16][16];
	uint8_t reserved1[96];
};
void save_fpu(struct fxsave *fx, const struct fpu_state *f);
void restore_fpu(struct fpu_state *f, const struct fxsave *fx);
int sigframe_setup(struct kernel *k, struct process *p, const struct k_sigaction *ka,
		   const struct ksiginfo *info, const struct sigframe_fault *fault,
		   uint64_t mask);

/* ptrace (ptrace_stop.c): resumes a stopped tracee (sig: the signal a
 * signal-delivery-stop delivers, 0 none); what c has to report to a
 * wait by process s: -1 when s does not trace c, else its stop's status
 * (0: none) or *exited for its end not yet told; and the report was
 * made (a tracer that is not the parent then lets an ended c go). */
void ptrace_resume_stopped(struct kernel *k, struct process *p, int sig);
/* A tracee's group stop by sig is a ptrace stop; a listening tracee's
 * group stop ended (SIGCONT); PTRACE_INTERRUPT's trap, taken on the way
 * to user mode (true: p stopped). */
void ptrace_group_stop(struct kernel *k, struct process *p, int sig);
void ptrace_listen_continue(struct kernel *k, struct process *p);
bool ptrace_trap(struct kernel *k, struct process *p);
/* A vfork parent's syscall-exit stop, made once it runs again (true: it
 * stopped). */
bool ptrace_vfork_exit(struct kernel *k, struct process *p);
/* A signal interrupts the call p sleeps in: its exit stop with
 * -ERESTARTSYS first, as Linux's (true: p stopped). */
bool ptrace_syscall_interrupted(struct kernel *k, struct process *p);
/* The signal the tracer chose at a signal-delivery-stop (0: none), its
 * siginfo and, for the fault that stopped it, the frame's fault fields
 * (*sync true); and the signal-delivery-stop itself (ff: a fault's, or
 * NULL). */
int ptrace_take_injected(struct process *p, struct ksiginfo *info, struct sigframe_fault *ff,
			 bool *sync);
bool ptrace_signal(struct kernel *k, struct process *p, const struct ksiginfo *info,
		   const struct sigframe_fault *ff);
/* PTRACE_SINGLESTEP's trap after a call (Linux's user_single_step_report:
 * SIGTRAP, TRAP_BRKPT); stepping ends at any other resume; the stop of a
 * step into a signal handler. */
void ptrace_step_syscall(struct kernel *k, struct process *p);
void ptrace_disable_single_step(struct process *p);
void ptrace_step_handler(struct kernel *k, struct process *p);
int ptrace_wait_event(const struct process *c, const struct signal_struct *s, bool *exited);
void ptrace_reported(struct kernel *k, struct process *c, bool exited);

/* Classic BPF (bpf_filter.c): Linux's bpf_check_classic (0 or -EINVAL,
 * a length 1..BPF_MAXINSNS included), and a run of a checked program over
 * size bytes of data (loads of 32-bit words, the length), its return. */
int bpf_check_classic(const struct sock_filter *f, unsigned len);
uint32_t bpf_run_classic(const struct sock_filter *f, const void *data, uint32_t size);

/* A seccomp filter (seccomp.c): a checked program as the task gave it,
 * the filter installed before it, and how many tasks' chains (and later
 * filters) hold it. */
struct seccomp_notification;
struct seccomp_data;
struct seccomp_filter {
	unsigned refcount;       /* tasks, later filters, a listener */
	unsigned users;          /* tasks using it (and later filters in use): 0, its listener HUPs */
	bool log;
	bool wait_killable_recv; /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */
	struct seccomp_notification *notif; /* its listener's side, NULL: none */
	struct seccomp_filter *prev;
	unsigned len;
	struct sock_filter prog[];
};
/* A reference to f goes (seccomp.c). */
void seccomp_filter_put(struct seccomp_filter *f);
/* User notification (seccomp_notify.c): a listener for f, installed at
 * the lowest fd (close-on-exec): the fd or -errno. p's call stops at f's
 * SECCOMP_RET_USER_NOTIF: p sleeps (SECCOMP_WAIT) until the answer, which
 * seccomp_notify_wait then applies when the call is made again. A wait
 * a signal or exit ends: the call's result (the answer came first),
 * -ERESTARTNOINTR (the answer was CONTINUE: made again after the
 * handler, and run), or -ERESTARTSYS (no answer: the usual rules; none is
 * waiting either). f's last user is gone: its listener polls HUP. */
int seccomp_notify_listener(struct kernel *k, struct seccomp_filter *f);
enum seccomp_verdict seccomp_notify(struct kernel *k, struct process *p, struct cpu_context *ctx,
				    struct seccomp_filter *f, const struct seccomp_data *sd);
enum seccomp_verdict seccomp_notify_wait(struct kernel *k, struct process *p,
					 struct cpu_context *ctx);
int64_t seccomp_notify_end_wait(struct process *p);
/* p waits for an answer to a notification its supervisor took, on a
 * filter with WAIT_KILLABLE_RECV: only a fatal signal ends the wait. */
bool seccomp_notify_killable(const struct process *p);
void seccomp_notify_orphaned(struct seccomp_filter *f);
/* PTRACE_SECCOMP_GET_FILTER and _GET_METADATA (seccomp.c): tracee t's
 * filter number off, 0 the oldest: its length (the program copied to
 * udata unless 0), or size bytes of struct seccomp_metadata (udata's
 * filter_off in). EACCES for a tracer without CAP_SYS_ADMIN or under
 * seccomp itself, EINVAL when t is not in filter mode, ENOENT. */
int64_t seccomp_get_filter(struct kernel *k, const struct process *t, uint64_t off,
			   uint64_t udata);
int64_t seccomp_get_metadata(struct kernel *k, const struct process *t, uint64_t size,
			     uint64_t udata);
/* A system call p's filters said to stop for its tracer with
 * PTRACE_O_TRACESECCOMP (PTRACE_EVENT_SECCOMP, data the event message):
 * true when p stopped (ptrace_stop.c). */
bool ptrace_event_seccomp(struct kernel *k, struct process *p, struct cpu_context *ctx,
			  uint32_t data);
/* p's thread ends as do_exit(sig) ends it: its process, when it was the
 * last, was killed by sig (seccomp_entry.c). */
void seccomp_exit_thread(struct kernel *k, struct process *p, int sig);

#endif
