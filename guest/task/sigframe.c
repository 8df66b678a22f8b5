/* sigframe.c - the x86-64 rt_sigframe a handler runs on, laid out byte for
 * byte as Linux builds it (arch/x86/kernel/signal.c), the alternate signal
 * stack it may go on, and rt_sigreturn's way back. The x87/SSE state is
 * saved in the legacy FXSAVE format (a CPU without XSAVE: no UC_FP_XSTATE),
 * and the handler starts with the initial FPU state, as on Linux. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define RED_ZONE 128            /* the SysV ABI's area below rsp */
/* uc_flags of <asm/ucontext.h> (whose struct ucontext clashes with glibc's). */
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define KSA_RESTORER 0x04000000 /* x86-64 kernel ABI; not in glibc's headers */
#define KSS_AUTODISARM (1U << 31)
#define KMINSIGSTKSZ 2048       /* glibc's MINSIGSTKSZ is sysconf-based with _GNU_SOURCE */
#define USER_CS 0x33
#define USER_DS 0x2b
#define X86_EFLAGS_CF 0x1u
#define X86_EFLAGS_PF 0x4u
#define X86_EFLAGS_AF 0x10u
#define X86_EFLAGS_ZF 0x40u
#define X86_EFLAGS_SF 0x80u
#define X86_EFLAGS_TF 0x100u
#define X86_EFLAGS_DF 0x400u
#define X86_EFLAGS_OF 0x800u
#define X86_EFLAGS_RF 0x10000u
#define X86_EFLAGS_AC 0x40000u
/* The flags rt_sigreturn takes from the frame (Linux's FIX_EFLAGS). */
#define EFLAGS_USER                                                                         \
	(X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF |    \
	 X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF)

/* The kernel's struct sigcontext (64-bit). */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* pointer to the FPU state; 0: none saved */
	uint64_t reserved1[8];
};

/* The kernel's struct ucontext: its sigset is 8 bytes, not glibc's 128. */
struct k_ucontext {
	uint64_t uc_flags, uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

/* siginfo_t: the union's member depends on the signal and si_code. */
struct k_siginfo {
	int32_t si_signo, si_errno, si_code;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
			int64_t utime, stime;
		} chld;
		struct {
			uint64_t addr;
		} fault;
		struct {
			int32_t pid;
			uint32_t uid;
			uint64_t value;
		} rt; /* sigqueue, tkill */
		struct {
			int32_t tid, overrun;
			uint64_t value;
		} timer;
		struct {
			uint64_t call_addr;
			int32_t syscall;
			uint32_t arch;
		} sys; /* SIGSYS */
		uint8_t pad[112];
	} u;
};

#define FXSAVE_ALIGN 64
#define MXCSR_MASK 0xffffu

struct rt_sigframe {
	uint64_t pretcode; /* sa_restorer: the handler's return address */
	struct k_ucontext uc;
	struct k_siginfo info;
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct k_sigcontext, rip) == 128, "sigcontext.rip");
_Static_assert(offsetof(struct k_sigcontext, err) == 152, "sigcontext.err");
_Static_assert(offsetof(struct k_sigcontext, cr2) == 176, "sigcontext.cr2");
_Static_assert(sizeof(struct k_stack) == 24, "stack_t is 24 bytes");
_Static_assert(offsetof(struct k_ucontext, uc_mcontext) == 40, "ucontext.uc_mcontext");
_Static_assert(offsetof(struct k_ucontext, uc_sigmask) == 296, "ucontext.uc_sigmask");
_Static_assert(sizeof(struct k_siginfo) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct fxsave) == 512, "the FXSAVE area is 512 bytes");
_Static_assert(offsetof(struct fxsave, st) == 32 && offsetof(struct fxsave, xmm) == 160,
	       "FXSAVE register offsets");
_Static_assert(offsetof(struct k_siginfo, u) == 16, "siginfo's union");
_Static_assert(offsetof(struct k_siginfo, u.chld.status) == 24, "si_status");
_Static_assert(offsetof(struct rt_sigframe, uc) == 8, "rt_sigframe.uc");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "rt_sigframe.info");

/* ---- the alternate signal stack ---- */

static bool within_altstack(const struct process *p, uint64_t sp)
{
	const struct signal_state *s = &p->sig;
	return sp > s->altstack_sp && sp - s->altstack_sp <= s->altstack_size;
}

/* With SS_AUTODISARM the stack is disarmed while in use: never "on" it. */
static bool altstack_on(const struct process *p, uint64_t sp)
{
	return !(p->sig.altstack_flags & KSS_AUTODISARM) && within_altstack(p, sp);
}

int altstack_flags(const struct process *p, uint64_t sp)
{
	if (!p->sig.altstack_size)
		return SS_DISABLE;
	return altstack_on(p, sp) ? SS_ONSTACK : 0;
}

int altstack_set(struct process *p, uint64_t sp, uint64_t ss_sp, int ss_flags, uint64_t ss_size)
{
	struct signal_state *s = &p->sig;
	if (altstack_on(p, sp))
		return -EPERM;
	int mode = ss_flags & ~(int)KSS_AUTODISARM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		ss_sp = 0;
		ss_size = 0;
	} else if (ss_size < KMINSIGSTKSZ) {
		return -ENOMEM;
	}
	s->altstack_sp = ss_sp;
	s->altstack_size = ss_size;
	s->altstack_flags = ss_flags & (int)KSS_AUTODISARM;
	return 0;
}

/* ---- building the frame ---- */

/* The layout of the union follows Linux's siginfo_layout(): a code in
 * (SI_USER, SI_KERNEL) is the kernel's own, per signal; SI_TIMER a
 * timer's; anything else (kill, sigqueue, tkill, SI_KERNEL) carries a
 * sender, and a negative code a value too. */
static void fill_siginfo(struct k_siginfo *si, const struct ksiginfo *info)
{
	si->si_signo = info->signo;
	si->si_errno = info->errnum;
	si->si_code = info->code;
	bool from_kernel = info->code > SI_USER && info->code < SI_KERNEL;
	if (from_kernel && info->signo == SIGCHLD) {
		si->u.chld.pid = info->pid;
		si->u.chld.uid = (uint32_t)info->uid;
		si->u.chld.status = info->status;
	} else if (from_kernel && (info->signo == SIGSEGV || info->signo == SIGBUS ||
				   info->signo == SIGILL || info->signo == SIGFPE ||
				   info->signo == SIGTRAP)) {
		si->u.fault.addr = info->addr;
	} else if (from_kernel && info->signo == SIGSYS) {
		si->u.sys.call_addr = info->addr;
		si->u.sys.syscall = info->syscall;
		si->u.sys.arch = info->arch;
	} else if (info->code == SI_TIMER) {
		si->u.timer.tid = info->timerid;
		si->u.timer.overrun = info->overrun;
		si->u.timer.value = info->value;
	} else {
		si->u.rt.pid = info->pid;
		si->u.rt.uid = (uint32_t)info->uid;
		if (info->code < 0) /* SI_QUEUE and the like carry a value */
			si->u.rt.value = info->value;
	}
}

int copy_siginfo_to_user(struct kernel *k, uint64_t uaddr, const struct ksiginfo *info)
{
	struct k_siginfo si = {0};
	fill_siginfo(&si, info);
	return copy_to_user(k, uaddr, &si, sizeof(si));
}

static void save_sigcontext(struct k_sigcontext *sc, const struct cpu_context *c,
			    const struct sigframe_fault *fault, uint64_t mask)
{
	*sc = (struct k_sigcontext){
		.r8 = c->r8, .r9 = c->r9, .r10 = c->r10, .r11 = c->r11,
		.r12 = c->r12, .r13 = c->r13, .r14 = c->r14, .r15 = c->r15,
		.rdi = c->rdi, .rsi = c->rsi, .rbp = c->rbp, .rbx = c->rbx,
		.rdx = c->rdx, .rax = c->rax, .rcx = c->rcx, .rsp = c->rsp,
		.rip = c->rip, .eflags = c->rflags,
		.cs = USER_CS, .ss = USER_DS,
		.err = fault->err, .trapno = fault->trapno, .oldmask = mask, .cr2 = fault->cr2,
	};
}

void save_fpu(struct fxsave *fx, const struct fpu_state *f)
{
	*fx = (struct fxsave){.fcw = f->fcw, .fsw = f->fsw, .mxcsr = f->mxcsr,
			      .mxcsr_mask = MXCSR_MASK};
	for (int i = 0; i < 8; i++) {
		if (((f->ftw >> (2 * i)) & 3) != 3)
			fx->ftw |= (uint8_t)(1u << i);
		memcpy(fx->st[i], f->st[i], sizeof(f->st[i]));
	}
	memcpy(fx->xmm, f->xmm, sizeof(fx->xmm));
}

void restore_fpu(struct fpu_state *f, const struct fxsave *fx)
{
	f->fcw = fx->fcw;
	f->fsw = fx->fsw;
	f->mxcsr = fx->mxcsr & MXCSR_MASK;
	f->ftw = 0;
	for (int i = 0; i < 8; i++) {
		if (!(fx->ftw & (1u << i)))
			f->ftw |= (uint16_t)(3u << (2 * i)); /* empty */
		memcpy(f->st[i], fx->st[i], sizeof(f->st[i]));
	}
	memcpy(f->xmm, fx->xmm, sizeof(f->xmm));
}

/* Linux's get_sigframe: below the red zone, or at the top of the altstack,
 * first the FPU state (64-byte aligned), then the frame, aligned so that
 * rsp + 8 is a multiple of 16 at the handler's entry, as after a call.
 * Returns the frame, or 0 when the altstack would overflow. */
static uint64_t frame_address(const struct process *p, const struct k_sigaction *ka,
			      uint64_t *fpstate)
{
	uint64_t sp = p->ctx.rsp - RED_ZONE;
	bool nested = altstack_on(p, p->ctx.rsp), entering = false;
	if ((ka->flags & SA_ONSTACK) && altstack_flags(p, sp) == 0) {
		sp = p->sig.altstack_sp + p->sig.altstack_size;
		entering = true;
	}
	sp = (sp - sizeof(struct fxsave)) & ~(uint64_t)(FXSAVE_ALIGN - 1);
	*fpstate = sp;
	sp = ((sp - sizeof(struct rt_sigframe) + 8) & ~15ULL) - 8;
	if ((nested || entering) && !within_altstack(p, sp))
		return 0;
	return sp;
}

int sigframe_setup(struct kernel *k, struct process *p, const struct k_sigaction *ka,
		   const struct ksiginfo *info, const struct sigframe_fault *fault,
		   uint64_t mask)
{
	struct cpu_context *ctx = &p->ctx;
	struct signal_state *s = &p->sig;
	uint64_t fpstate;
	uint64_t at = frame_address(p, ka, &fpstate);
	/* x86-64 has no return trampoline of the kernel's: libc's restorer. */
	if (!at || !(ka->flags & KSA_RESTORER))
		return -EFAULT;
	struct fxsave fx;
	save_fpu(&fx, &ctx->fpu);
	struct rt_sigframe f = {.pretcode = ka->restorer};
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_sp = s->altstack_sp;
	f.uc.uc_stack.ss_flags = altstack_flags(p, ctx->rsp) | s->altstack_flags;
	f.uc.uc_stack.ss_size = s->altstack_size;
	save_sigcontext(&f.uc.uc_mcontext, ctx, fault, mask);
	f.uc.uc_mcontext.fpstate = fpstate;
	f.uc.uc_sigmask = mask;
	fill_siginfo(&f.info, info);
	if (copy_to_user(k, fpstate, &fx, sizeof(fx)) || copy_to_user(k, at, &f, sizeof(f)))
		return -EFAULT;
	if (s->altstack_flags & KSS_AUTODISARM) {
		s->altstack_sp = 0;
		s->altstack_size = 0;
		s->altstack_flags = 0;
	}
	ctx->rsp = at;
	ctx->rip = ka->handler;
	ctx->rdi = (uint64_t)info->signo;
	ctx->rsi = at + offsetof(struct rt_sigframe, info);
	ctx->rdx = at + offsetof(struct rt_sigframe, uc);
	ctx->rax = 0; /* for handlers declared without a prototype (varargs) */
	/* The handler starts with a clean FPU (Linux's fpu__clear_user_states). */
	struct cpu_context fresh;
	cpu_context_reset(&fresh);
	ctx->fpu = fresh.fpu;
	/* The ABI wants DF clear at a function's entry; no single-stepping. */
	ctx->rflags &= ~(uint64_t)(X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_RF);
	return 0;
}

/* ---- rt_sigreturn ---- */

static void restore_sigcontext(struct cpu_context *c, const struct k_sigcontext *sc)
{
	c->r8 = sc->r8;
	c->r9 = sc->r9;
	c->r10 = sc->r10;
	c->r11 = sc->r11;
	c->r12 = sc->r12;
	c->r13 = sc->r13;
	c->r14 = sc->r14;
	c->r15 = sc->r15;
	c->rdi = sc->rdi;
	c->rsi = sc->rsi;
	c->rbp = sc->rbp;
	c->rbx = sc->rbx;
	c->rdx = sc->rdx;
	c->rax = sc->rax;
	c->rcx = sc->rcx;
	c->rsp = sc->rsp;
	c->rip = sc->rip;
	c->rflags = (c->rflags & ~(uint64_t)EFLAGS_USER) | (sc->eflags & EFLAGS_USER);
}

int sigframe_restore(struct kernel *k, struct process *p)
{
	/* The handler's ret popped pretcode: the frame starts 8 bytes lower. */
	uint64_t at = p->ctx.rsp - 8;
	struct k_ucontext uc;
	if (copy_from_user(k, &uc, at + offsetof(struct rt_sigframe, uc), sizeof(uc)))
		return -EFAULT;
	restore_sigcontext(&p->ctx, &uc.uc_mcontext);
	struct fxsave fx;
	if (uc.uc_mcontext.fpstate) {
		if (copy_from_user(k, &fx, uc.uc_mcontext.fpstate, sizeof(fx)))
			return -EFAULT;
		restore_fpu(&p->ctx.fpu, &fx);
	}
	/* Linux ignores all but EFAULT here: e.g. EPERM when the interrupted
	 * code itself ran on the altstack. */
	(void)altstack_set(p, p->ctx.rsp, uc.uc_stack.ss_sp, uc.uc_stack.ss_flags,
			   uc.uc_stack.ss_size);
	p->sig.blocked = signal_blockable(uc.uc_sigmask);
	return 0;
}
