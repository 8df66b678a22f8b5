/* ptrace.c - who may look into or take from another process (Linux's
 * ptrace_may_access), for ptrace(2) and the calls that reach into one:
 * pidfd_getfd, kcmp, /proc/PID/fdinfo; and ptrace(2)'s requests: attach
 * and detach, resuming, the tracee's memory, registers and stop. Where a
 * tracee stops is ptrace_stop.c; its registers ptrace_regs.c. */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"
#include "task/ptrace.h"

int ptrace_may_access(struct kernel *k, const struct process *t, unsigned mode)
{
	const struct process *cur = k->current;
	if (t->signal == cur->signal)
		return 0; /* a thread of its own process */
	bool fs = mode & PTRACE_MODE_FSCREDS;
	uint32_t uid = fs ? cur->cred.fsuid : cur->cred.uid;
	uint32_t gid = fs ? cur->cred.fsgid : cur->cred.gid;
	const struct cred *tc = &t->cred;
	bool same = uid == tc->uid && uid == tc->euid && uid == tc->suid && gid == tc->gid &&
		    gid == tc->egid && gid == tc->sgid;
	if (!same && !capable(k, CAP_SYS_PTRACE))
		return -EPERM;
	/* Read after the ids: a process that gave up privileges made itself
	 * undumpable. */
	if (t->mm && t->mm->dumpable != SUID_DUMP_USER && !capable(k, CAP_SYS_PTRACE))
		return -EPERM;
	return 0;
}

#define PTRACE_O_MASK 0x003000ffu /* every PTRACE_O_* Linux knows, EXITKILL and SUSPEND_SECCOMP too */
#define NT_PRSTATUS 1
#define NT_PRFPREG 2
#define NT_X86_XSTATE 0x202
#define AUDIT_ARCH_X86_64 0xc000003eu

/* Linux's ptrace_traceme: the parent becomes the tracer. */
static int64_t ptrace_traceme(struct kernel *k)
{
	struct process *p = k->current;
	struct signal_struct *parent = p->signal->parent;
	if (p->ptrace.tracer || !parent)
		return -EPERM;
	p->ptrace = (struct ptrace_state){.tracer = parent->leader};
	return 0;
}

/* Linux's check_ptrace_options: known options; PTRACE_O_SUSPEND_SECCOMP
 * (the tracee's filters do not run) only for a tracer with CAP_SYS_ADMIN
 * and no seccomp mode of its own. */
static int check_ptrace_options(struct kernel *k, uint64_t data)
{
	if (data & ~(uint64_t)PTRACE_O_MASK)
		return -EINVAL;
	if ((data & PTRACE_O_SUSPEND_SECCOMP) &&
	    (!capable(k, CAP_SYS_ADMIN) || k->current->seccomp.mode))
		return -EPERM;
	return 0;
}

/* Linux's ptrace_attach: ATTACH stops the tracee with SIGSTOP; SEIZE
 * takes options instead (addr must be 0). */
static int64_t ptrace_attach(struct kernel *k, struct process *t, bool seize, uint64_t addr,
			     uint64_t data)
{
	if (seize && addr)
		return -EIO;
	int err = seize ? check_ptrace_options(k, data) : 0;
	if (err)
		return err;
	if (t->signal == k->current->signal || t->exited)
		return -EPERM;
	err = ptrace_may_access(k, t, PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS);
	if (err)
		return err;
	if (t->ptrace.tracer)
		return -EPERM;
	t->ptrace = (struct ptrace_state){.tracer = k->current, .seized = seize,
					  .options = seize ? (unsigned)data : 0};
	if (!seize)
		signal_send(k, t, &(struct ksiginfo){.signo = SIGSTOP, .code = SI_USER});
	/* Stopped already: it reports its group stop to the tracer at once
	 * (Linux's JOBCTL_TRAP_STOP). */
	if (t->state == PROC_STOPPED)
		ptrace_group_stop(k, t, t->signal->stop_code ? t->signal->stop_code : SIGSTOP);
	return 0;
}

/* Linux's user_enable_single_step: TF set on the way back to user mode,
 * so the CPU traps (#DB) after one instruction; a TF of the tracee's own
 * stays its own. */
static void ptrace_enable_single_step(struct process *t)
{
	t->ptrace.singlestep = true;
	if (!(t->ctx.rflags & X86_EFLAGS_TF)) {
		t->ctx.rflags |= X86_EFLAGS_TF;
		t->ptrace.forced_tf = true;
	}
}

/* Linux's __ptrace_detach: the tracee runs on (with sig, from a
 * signal-delivery-stop). */
static void ptrace_detach(struct kernel *k, struct process *t, int sig)
{
	bool stopped = t->state == PROC_TRACED;
	ptrace_disable_single_step(t);
	t->ptrace.tracer = NULL;
	if (t->exited && !thread_group_leader(t))
		t->autoreap = true; /* an ended thread nobody waits for now */
	t->ptrace.syscall_trace = false;
	t->ptrace.options = 0;
	if (stopped)
		ptrace_resume_stopped(k, t, sig);
}

void ptrace_exit(struct kernel *k, struct process *p)
{
	for (struct process *t = k->procs; t; t = t->next) {
		if (t->ptrace.tracer != p)
			continue;
		if ((t->ptrace.options & PTRACE_O_EXITKILL) && !t->exited)
			signal_send(k, t, &(struct ksiginfo){.signo = SIGKILL, .code = SI_USER});
		ptrace_detach(k, t, 0);
		if (t->exited && t->signal->parent) /* its parent may wait for it now */
			kernel_wake(k, t->signal->parent);
	}
	if (p->ptrace.tracer)
		kernel_wake(k, p->ptrace.tracer->signal); /* a tracee ends: wait tells */
}

/* A word of the tracee's memory (PEEKTEXT, PEEKDATA, POKETEXT, POKEDATA),
 * through its page tables as /proc/PID/mem: EIO when not mapped. */
static int64_t ptrace_access_word(struct kernel *k, struct process *t, uint64_t addr,
				  uint64_t *word, bool write)
{
	if (!t->mm)
		return -EIO;
	int64_t got = access_remote_vm(k, t->mm, addr, word, sizeof(*word), write);
	return got == (int64_t)sizeof(*word) ? 0 : -EIO;
}

/* struct ptrace_syscall_info as Linux 5.3 has it. */
struct ptrace_syscall_info {
	uint8_t op, pad[3];
	uint32_t arch;
	uint64_t instruction_pointer, stack_pointer;
	union {
		struct {
			uint64_t nr, args[6];
		} entry;
		struct {
			int64_t rval;
			uint8_t is_error;
		} exit;
	};
};

/* PTRACE_GET_SYSCALL_INFO: what stop t is in, and the call's number and
 * arguments or its result; returns the size Linux fills in. */
static int64_t ptrace_get_syscall_info(struct kernel *k, const struct process *t, uint64_t size,
				       uint64_t uaddr)
{
	const struct cpu_context *c = &t->ctx;
	struct ptrace_syscall_info info = {.arch = AUDIT_ARCH_X86_64,
					   .instruction_pointer = c->rip,
					   .stack_pointer = c->rsp};
	uint64_t len = offsetof(struct ptrace_syscall_info, entry);
	if (t->ptrace.stop == PTRACE_STOP_SYSCALL_ENTRY) {
		info.op = PTRACE_SYSCALL_INFO_ENTRY;
		info.entry.nr = t->ptrace.orig_rax;
		const uint64_t a[6] = {c->rdi, c->rsi, c->rdx, c->r10, c->r8, c->r9};
		memcpy(info.entry.args, a, sizeof(a));
		len += sizeof(info.entry);
	} else if (t->ptrace.stop == PTRACE_STOP_SYSCALL_EXIT) {
		info.op = PTRACE_SYSCALL_INFO_EXIT;
		info.exit.rval = (int64_t)c->rax;
		info.exit.is_error = info.exit.rval < 0 && info.exit.rval >= -4095;
		len += offsetof(struct ptrace_syscall_info, exit.is_error) + 1 -
		       offsetof(struct ptrace_syscall_info, exit);
	}
	if (copy_to_user(k, uaddr, &info, size < len ? size : len))
		return -EFAULT;
	return (int64_t)len;
}

/* PTRACE_GETSIGINFO: a signal-delivery-stop's signal; a SIGTRAP naming
 * the stop otherwise, as Linux's ptrace_stop makes. */
static int64_t ptrace_getsiginfo(struct kernel *k, const struct process *t, uint64_t uaddr)
{
	return copy_siginfo_to_user(k, uaddr, &t->ptrace.siginfo) ? -EFAULT : 0;
}

/* GETFPREGS and SETFPREGS: struct user_fpregs_struct, the FXSAVE area. */
static int64_t ptrace_fpregs(struct kernel *k, struct process *t, uint64_t uaddr, uint64_t len,
			     bool set)
{
	struct fxsave fx;
	save_fpu(&fx, &t->ctx.fpu);
	if (len > sizeof(fx))
		len = sizeof(fx);
	if (!set)
		return copy_to_user(k, uaddr, &fx, len) ? -EFAULT : 0;
	if (copy_from_user(k, &fx, uaddr, len))
		return -EFAULT;
	restore_fpu(&t->ctx.fpu, &fx);
	return 0;
}

/* PTRACE_SETSIGINFO: the siginfo a signal-delivery-stop's signal is
 * delivered with (the fields vmemu keeps: signo, errno, code, pid, uid,
 * si_value). */
static int64_t ptrace_setsiginfo(struct kernel *k, struct process *t, uint64_t uaddr)
{
	struct {
		int32_t signo, errnum, code, pad;
		int32_t pid, uid;
		uint64_t value;
	} si;
	if (copy_from_user(k, &si, uaddr, sizeof(si)))
		return -EFAULT;
	if (t->ptrace.stop != PTRACE_STOP_SIGNAL)
		return -EINVAL;
	t->ptrace.siginfo = (struct ksiginfo){.signo = si.signo, .errnum = si.errnum,
					      .code = si.code, .pid = si.pid, .uid = si.uid,
					      .value = si.value};
	return 0;
}

/* NT_X86_XSTATE as Linux gives it for this CPU model: CPUID says XSAVE
 * and OSXSAVE with XCR0 = x87 | SSE (no AVX), so the standard-format
 * XSAVE area is 576 bytes (CPUID 0xd's EBX): the FXSAVE image, whose
 * first software-reserved word is XCR0 (Linux's xstate_fx_sw_bytes for
 * ptrace; gdb reads it there), then the XSAVE header. */
#define XSTATE_SIZE 576
#define XFEATURES_USER 0x3u /* x87, SSE */
#define SW_RESERVED_OFFSET 464
#define XSAVE_HEADER_OFFSET 512

static int64_t ptrace_xstate(struct kernel *k, struct process *t, struct iovec *iov, bool set)
{
	uint8_t buf[XSTATE_SIZE] = {0};
	struct fxsave fx;
	if (iov->iov_len > XSTATE_SIZE)
		iov->iov_len = XSTATE_SIZE;
	if (set) {
		/* xstateregs_set: a whole buffer, a header of known features */
		if (iov->iov_len != XSTATE_SIZE)
			return -EFAULT;
		if (copy_from_user(k, buf, (uint64_t)iov->iov_base, XSTATE_SIZE))
			return -EFAULT;
		uint64_t xstate_bv, hdr[8];
		memcpy(hdr, buf + XSAVE_HEADER_OFFSET, sizeof(hdr));
		xstate_bv = hdr[0];
		if (xstate_bv & ~(uint64_t)XFEATURES_USER)
			return -EINVAL;
		for (int i = 1; i < 8; i++)
			if (hdr[i])
				return -EINVAL;
		memcpy(&fx, buf, sizeof(fx));
		if (fx.mxcsr & 0xffff0000u) /* reserved MXCSR bits: #GP on restore */
			return -EINVAL;
		restore_fpu(&t->ctx.fpu, &fx);
		return 0;
	}
	save_fpu(&fx, &t->ctx.fpu);
	memcpy(buf, &fx, sizeof(fx));
	memset(buf + SW_RESERVED_OFFSET, 0, XSAVE_HEADER_OFFSET - SW_RESERVED_OFFSET);
	uint64_t xstate_bv = XFEATURES_USER;
	memcpy(buf + SW_RESERVED_OFFSET, &xstate_bv, sizeof(xstate_bv));
	memcpy(buf + XSAVE_HEADER_OFFSET, &xstate_bv, sizeof(xstate_bv));
	return copy_to_user(k, (uint64_t)iov->iov_base, buf, iov->iov_len) ? -EFAULT : 0;
}

/* PTRACE_GETREGSET and SETREGSET of NT_PRSTATUS, NT_PRFPREG and
 * NT_X86_XSTATE through an iovec. */
static int64_t ptrace_regset(struct kernel *k, struct process *t, uint64_t type, uint64_t uiov,
			     bool set)
{
	struct iovec iov;
	if (copy_from_user(k, &iov, uiov, sizeof(iov)))
		return -EFAULT;
	if (type == NT_X86_XSTATE) {
		int64_t err = ptrace_xstate(k, t, &iov, set);
		if (err)
			return err;
		return copy_to_user(k, uiov, &iov, sizeof(iov)) ? -EFAULT : 0;
	}
	if (type == NT_PRFPREG) {
		iov.iov_len = iov.iov_len < sizeof(struct fxsave) ? iov.iov_len : sizeof(struct fxsave);
		int64_t err = ptrace_fpregs(k, t, (uint64_t)iov.iov_base, iov.iov_len, set);
		if (err)
			return err;
		return copy_to_user(k, uiov, &iov, sizeof(iov)) ? -EFAULT : 0;
	}
	if (type != NT_PRSTATUS)
		return -EINVAL;
	struct user_regs_struct r;
	ptrace_getregs(t, &r);
	size_t n = iov.iov_len < sizeof(r) ? iov.iov_len : sizeof(r);
	if (set) {
		if (copy_from_user(k, &r, (uint64_t)iov.iov_base, n))
			return -EFAULT;
		int err = ptrace_setregs(k, t, &r);
		if (err)
			return err;
	} else if (copy_to_user(k, (uint64_t)iov.iov_base, &r, n)) {
		return -EFAULT;
	}
	iov.iov_len = n;
	return copy_to_user(k, uiov, &iov, sizeof(iov)) ? -EFAULT : 0;
}

/* PTRACE_PEEKSIGINFO (Linux's ptrace_peek_siginfo): the siginfo of the
 * signals queued for the thread, or its process with
 * PTRACE_PEEKSIGINFO_SHARED, from arg.off on, oldest first; how many were
 * copied, EFAULT when not even the first could be. */
#define PEEKSIGINFO_SHARED 1u
#define SIGINFO_SIZE 128
static int64_t ptrace_peek_siginfo(struct kernel *k, struct process *t, uint64_t uarg,
				   uint64_t ubuf)
{
	struct {
		uint64_t off;
		uint32_t flags;
		int32_t nr;
	} arg;
	if (copy_from_user(k, &arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~PEEKSIGINFO_SHARED) || arg.nr < 0)
		return -EINVAL;
	const struct sigpending *q =
		arg.flags & PEEKSIGINFO_SHARED ? &t->signal->shared_pending : &t->sig.pending;
	int64_t i = 0;
	while (i < arg.nr) {
		struct ksiginfo batch[16];
		uint64_t want = (uint64_t)(arg.nr - i) < 16 ? (uint64_t)(arg.nr - i) : 16;
		int64_t got = sigpending_peek(q, arg.off + (uint64_t)i, batch, want);
		if (got < 0)
			return i ? i : got;
		for (int64_t j = 0; j < got; j++, i++)
			if (copy_siginfo_to_user(k, ubuf + (uint64_t)i * SIGINFO_SIZE, &batch[j]))
				return i ? i : -EFAULT;
		if ((uint64_t)got < want)
			break;
	}
	return i;
}

/* PTRACE_INTERRUPT (seized tracees only): a stopped process reports its
 * group stop; one that runs or sleeps in a call traps on its way to user
 * mode (the call is made again after). */
static int64_t ptrace_interrupt(struct kernel *k, struct process *t)
{
	if (!t->ptrace.seized)
		return -EIO;
	if (t->state == PROC_STOPPED) {
		ptrace_group_stop(k, t, t->signal->stop_code ? t->signal->stop_code : SIGSTOP);
	} else if (t->state == PROC_TRACED && t->ptrace.listening) {
		ptrace_listen_continue(k, t);
	} else if (t->state != PROC_TRACED) {
		t->ptrace.trap_pending = true;
		if (t->state == PROC_BLOCKED && t->restart_syscall)
			process_wake(t);
	}
	return 0;
}

/* A request on a stopped tracee of the caller (Linux's arch_ptrace and
 * ptrace_request). */
static int64_t ptrace_request(struct kernel *k, struct process *t, long req, uint64_t addr,
			      uint64_t data)
{
	uint64_t word;
	int64_t err;
	struct user_regs_struct regs;
	switch (req) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
		if ((err = ptrace_access_word(k, t, addr, &word, false)))
			return err;
		return copy_to_user(k, data, &word, sizeof(word)) ? -EFAULT : 0;
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
		return ptrace_access_word(k, t, addr, &data, true);
	case PTRACE_PEEKUSER:
		if ((err = ptrace_peekuser(t, addr, &word)))
			return err;
		return copy_to_user(k, data, &word, sizeof(word)) ? -EFAULT : 0;
	case PTRACE_POKEUSER:
		return ptrace_pokeuser(k, t, addr, data);
	case PTRACE_GETREGS:
		ptrace_getregs(t, &regs);
		return copy_to_user(k, data, &regs, sizeof(regs)) ? -EFAULT : 0;
	case PTRACE_SETREGS:
		if (copy_from_user(k, &regs, data, sizeof(regs)))
			return -EFAULT;
		return ptrace_setregs(k, t, &regs);
	case PTRACE_GETFPREGS:
	case PTRACE_SETFPREGS:
		return ptrace_fpregs(k, t, data, sizeof(struct fxsave), req == PTRACE_SETFPREGS);
	case PTRACE_GETREGSET:
	case PTRACE_SETREGSET:
		return ptrace_regset(k, t, addr, data, req == PTRACE_SETREGSET);
	case PTRACE_SETOPTIONS: {
		int err = check_ptrace_options(k, data);
		if (err)
			return err;
		t->ptrace.options = (unsigned)data;
		return 0;
	}
	case PTRACE_GETEVENTMSG:
		return copy_to_user(k, data, &t->ptrace.eventmsg, sizeof(uint64_t)) ? -EFAULT : 0;
	case PTRACE_GETSIGINFO:
		return ptrace_getsiginfo(k, t, data);
	case PTRACE_SETSIGINFO:
		return ptrace_setsiginfo(k, t, data);
	case PTRACE_SECCOMP_GET_FILTER:
		return seccomp_get_filter(k, t, addr, data);
	case PTRACE_SECCOMP_GET_METADATA:
		return seccomp_get_metadata(k, t, addr, data);
	case PTRACE_PEEKSIGINFO:
		return ptrace_peek_siginfo(k, t, addr, data);
	case PTRACE_GET_SYSCALL_INFO:
		return ptrace_get_syscall_info(k, t, addr, data);
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
	case PTRACE_SINGLESTEP:
	case PTRACE_DETACH:
		if (data > KSIG_MAX)
			return -EIO;
		if (req == PTRACE_DETACH) {
			ptrace_detach(k, t, (int)data);
			return 0;
		}
		t->ptrace.syscall_trace = req == PTRACE_SYSCALL;
		if (req == PTRACE_SINGLESTEP)
			ptrace_enable_single_step(t);
		else
			ptrace_disable_single_step(t);
		ptrace_resume_stopped(k, t, (int)data);
		return 0;
	case PTRACE_LISTEN:
		/* Stays stopped, unreported, until its group stop ends. */
		if (!t->ptrace.seized || t->ptrace.stop != PTRACE_STOP_TRAP)
			return -EIO;
		t->ptrace.exit_code = 0;
		t->ptrace.listening = true;
		if (!t->signal->group_stop)
			ptrace_listen_continue(k, t);
		return 0;
	default: /* SINGLEBLOCK, SYSEMU and the rest: not provided */
		return -EIO;
	}
}

/* ptrace(request, pid, addr, data) */
int64_t sys_ptrace(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	long req = (long)a[0];
	if (req == PTRACE_TRACEME)
		return ptrace_traceme(k);
	struct process *t = find_task_by_vpid(k, (int)a[1]);
	if (!t || (t->exited && req != PTRACE_ATTACH && req != PTRACE_SEIZE))
		return -ESRCH;
	if (req == PTRACE_ATTACH || req == PTRACE_SEIZE)
		return ptrace_attach(k, t, req == PTRACE_SEIZE, a[2], a[3]);
	/* Linux's ptrace_check_attach: the caller's tracee, stopped (KILL
	 * need not be). */
	if (t->ptrace.tracer != k->current)
		return -ESRCH;
	if (req == PTRACE_KILL) {
		signal_send(k, t, &(struct ksiginfo){.signo = SIGKILL, .code = SI_KERNEL});
		return 0;
	}
	if (req == PTRACE_INTERRUPT)
		return ptrace_interrupt(k, t);
	if (t->state != PROC_TRACED)
		return -ESRCH;
	return ptrace_request(k, t, req, a[2], a[3]);
}
