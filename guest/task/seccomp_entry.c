/* seccomp_entry.c - what a system call of a task in seccomp mode meets at
 * its entry, after ptrace's entry stop as in Linux (__secure_computing):
 * in strict mode only read, write, exit and rt_sigreturn run, anything
 * else ends the thread by SIGKILL; in filter mode every filter of the
 * chain runs over the call's struct seccomp_data and the action of the
 * lowest value (KILL_PROCESS first, as a signed number) decides. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "kern.h"
#include "task/internal.h"

#define MAX_ERRNO 4095
#define SYS_SECCOMP 1 /* SIGSYS's si_code */
/* An action's precedence: lower first (Linux's ACTION_ONLY). */
#define ACTION_ONLY(ret) ((int32_t)((ret) & SECCOMP_RET_ACTION_FULL))

void seccomp_exit_thread(struct kernel *k, struct process *p, int sig)
{
	p->term_signal = sig;
	process_exit(k, p, 0);
}

/* Linux's populate_seccomp_data: the number as the int it is to Linux,
 * the return address of the SYSCALL. */
static void populate_seccomp_data(const struct cpu_context *ctx, struct seccomp_data *sd)
{
	*sd = (struct seccomp_data){
		.nr = (int)ctx->rax,
		.arch = AUDIT_ARCH_X86_64,
		.instruction_pointer = ctx->rip + SYSCALL_INSN_LEN,
		.args = {ctx->rdi, ctx->rsi, ctx->rdx, ctx->r10, ctx->r8, ctx->r9},
	};
}

/* Linux's seccomp_run_filters: the return of highest precedence, the
 * first filter (newest) to give it on a tie, which *match names. */
static uint32_t seccomp_run_filters(const struct process *p, const struct seccomp_data *sd,
				    struct seccomp_filter **match)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	*match = NULL;
	for (struct seccomp_filter *f = p->seccomp.filter; f; f = f->prev) {
		uint32_t cur = bpf_run_classic(f->prog, sd, sizeof(*sd));
		if (ACTION_ONLY(cur) < ACTION_ONLY(ret)) {
			ret = cur;
			*match = f;
		}
	}
	return ret;
}

/* Linux's force_sig_seccomp: SIGSYS with the call, the filter's data in
 * si_errno; with exit, the signal ends the process whatever its action. */
static void force_sig_seccomp(struct kernel *k, struct process *p, const struct seccomp_data *sd,
			      uint32_t data, bool exit)
{
	struct ksiginfo info = {.signo = SIGSYS, .code = SYS_SECCOMP, .errnum = (int)data,
				.addr = sd->instruction_pointer, .syscall = sd->nr,
				.arch = sd->arch};
	force_sig_info(k, p, &info, exit);
}

static enum seccomp_verdict seccomp_filter(struct kernel *k, struct process *p,
					   struct cpu_context *ctx, bool after_trace)
{
	struct seccomp_data sd;
	struct seccomp_filter *match;
	populate_seccomp_data(ctx, &sd);
	uint32_t ret = seccomp_run_filters(p, &sd, &match);
	uint32_t data = ret & SECCOMP_RET_DATA;
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG: /* there is no audit log to write it to */
		return SECCOMP_RUN;
	case SECCOMP_RET_ERRNO:
		ctx->rax = (uint64_t)-(int64_t)(data > MAX_ERRNO ? MAX_ERRNO : data);
		return SECCOMP_SKIP;
	case SECCOMP_RET_TRAP:
		/* rax keeps the number: the handler sees the registers of the call */
		force_sig_seccomp(k, p, &sd, data, false);
		return SECCOMP_SKIP;
	case SECCOMP_RET_TRACE:
		if (after_trace)
			return SECCOMP_RUN;
		if (!p->ptrace.tracer || !(p->ptrace.options & PTRACE_O_TRACESECCOMP)) {
			ctx->rax = (uint64_t)-ENOSYS;
			return SECCOMP_SKIP;
		}
		return ptrace_event_seccomp(k, p, ctx, data) ? SECCOMP_STOPPED : SECCOMP_RUN;
	case SECCOMP_RET_USER_NOTIF:
		return seccomp_notify(k, p, ctx, match, &sd);
	default: /* KILL_THREAD, KILL_PROCESS and unknown actions */
		p->seccomp.mode = SECCOMP_MODE_DEAD;
		if ((ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_THREAD &&
		    p->signal->nr_threads > 1) {
			seccomp_exit_thread(k, p, SIGSYS);
			return SECCOMP_STOPPED;
		}
		force_sig_seccomp(k, p, &sd, data, true); /* a core, with the call's registers */
		return SECCOMP_SKIP;
	}
}

static bool strict_allowed(uint64_t nr)
{
	return nr == SYS_read || nr == SYS_write || nr == SYS_exit || nr == SYS_rt_sigreturn;
}

enum seccomp_verdict secure_computing(struct kernel *k, struct process *p,
				      struct cpu_context *ctx, bool after_trace)
{
	if (p->seccomp.knotif) /* a call waiting for its notification's answer */
		return seccomp_notify_wait(k, p, ctx);
	switch (p->seccomp.mode) {
	case SECCOMP_MODE_STRICT:
		if (strict_allowed((uint32_t)ctx->rax))
			return SECCOMP_RUN;
		break;
	case SECCOMP_MODE_FILTER:
		return seccomp_filter(k, p, ctx, after_trace);
	default:
		break;
	}
	seccomp_exit_thread(k, p, SIGKILL);
	return SECCOMP_STOPPED;
}
