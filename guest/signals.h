/* signals.h - per-process signal state, sending and delivery (signal.c),
 * sigaltstack and the rt_sigframe (sigframe.c); handlers in syscalls.h. */
#ifndef VMEMU_SIGNALS_H
#define VMEMU_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu.h"

struct kernel;
struct process;

/* ---- signals (signal.c, sys_signal.c) ---- */

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
/* exec: handled signals go back to SIG_DFL, the altstack is dropped. */
void signal_exec(struct process *p);

/* ---- signals: helpers (signal.c, sys_signal.c) ---- */

/* struct k_sigaction's handler values besides a function. */
#define KSIG_DFL 0
#define KSIG_IGN 1

/* The bit of signal sig in a mask. */
static inline uint64_t sig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* Default actions (man 7 signal). SIGCONT continues a stopped process
 * when it is sent, whatever its action (signal_send); delivered, its
 * default is to ignore it, as Linux's SIG_KERNEL_IGNORE_MASK says. */
enum sig_default { SIG_DEFAULT_TERM, SIG_DEFAULT_CORE, SIG_DEFAULT_IGNORE, SIG_DEFAULT_STOP };
enum sig_default signal_default_action(int sig);
/* SIG_IGN, or SIG_DFL with an "ignore" default. */
bool signal_ignored(const struct process *p, int sig);
/* The signal signal_deliver acts on next: SIGKILL first, then the lowest
 * pending unblocked one; 0 when none. */
int signal_next(const struct process *p);
/* The mask with SIGKILL and SIGSTOP taken out: they cannot be blocked. */
uint64_t signal_blockable(uint64_t mask);

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

/* The rt_sigframe (sigframe.c). Builds it on the stack of p (the current
 * process) for handler ka of info->signo: p->ctx is saved with mask as the
 * mask to restore, and trapno, err and cr2 of the fault behind a
 * synchronous signal. Then p->ctx enters the handler. 0, or -EFAULT when
 * the frame cannot be written. */
struct sigframe_fault {
	uint64_t trapno, err, cr2;
};
int sigframe_setup(struct kernel *k, struct process *p, const struct k_sigaction *ka,
		   const struct ksiginfo *info, const struct sigframe_fault *fault,
		   uint64_t mask);
/* rt_sigreturn: restores ctx, the mask and the altstack from the frame the
 * handler returned through. 0, or -EFAULT for a bad frame. */
int sigframe_restore(struct kernel *k, struct process *p);

#endif
