/* syscall_user_dispatch.c - Syscall User Dispatch (Linux's
 * kernel/entry/syscall_user_dispatch.c): prctl(PR_SET_SYSCALL_USER_DISPATCH)
 * makes a thread's system calls from outside one range of addresses come
 * back to it as SIGSYS (SYS_USER_DISPATCH) instead of running, while the
 * byte at its selector says SYSCALL_DISPATCH_FILTER_BLOCK (or always, with
 * no selector). Checked at a call's entry before ptrace and seccomp; the
 * setting is the thread's, not kept by fork, clone or execve. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/prctl.h>
#include <signal.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define SYS_USER_DISPATCH 2 /* SIGSYS's si_code */
#ifndef SYSCALL_DISPATCH_FILTER_ALLOW
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif

int64_t set_syscall_user_dispatch(struct kernel *k, struct process *p, uint64_t mode,
				  uint64_t offset, uint64_t len, uint64_t selector)
{
	switch (mode) {
	case PR_SYS_DISPATCH_OFF:
		if (offset || len || selector)
			return -EINVAL;
		break;
	case PR_SYS_DISPATCH_ON:
		/* A range that wraps; a selector's address is checked once,
		 * here (access_ok), its byte at each call. */
		if (offset && offset + len <= offset)
			return -EINVAL;
		if (selector && selector >= task_size_max(k))
			return -EFAULT;
		break;
	default:
		return -EINVAL;
	}
	p->sud = (struct syscall_user_dispatch){.on = mode == PR_SYS_DISPATCH_ON,
						.selector = selector,
						.offset = offset,
						.len = len};
	return 0;
}

/* Linux's force_exit_sig: sig ends the process, whatever its action. */
static void force_exit_sig(struct kernel *k, struct process *p, int sig)
{
	struct ksiginfo info = {.signo = sig, .code = SI_KERNEL};
	force_sig_info(k, p, &info, true);
}

bool syscall_user_dispatch(struct kernel *k, struct process *p, const struct cpu_context *ctx)
{
	const struct syscall_user_dispatch *sd = &p->sud;
	uint64_t ip = ctx->rip + SYSCALL_INSN_LEN; /* Linux's instruction_pointer at entry */
	if (ip - sd->offset < sd->len)
		return false;
	if (sd->selector) {
		uint8_t state;
		if (copy_from_user(k, &state, sd->selector, 1)) {
			force_exit_sig(k, p, SIGSEGV);
			return true;
		}
		if (state == SYSCALL_DISPATCH_FILTER_ALLOW)
			return false;
		if (state != SYSCALL_DISPATCH_FILTER_BLOCK) {
			force_exit_sig(k, p, SIGSYS);
			return true;
		}
	}
	struct ksiginfo info = {.signo = SIGSYS, .code = SYS_USER_DISPATCH, .addr = ip,
				.syscall = (int)ctx->rax, .arch = AUDIT_ARCH_X86_64};
	force_sig_info(k, p, &info, false);
	return true;
}
