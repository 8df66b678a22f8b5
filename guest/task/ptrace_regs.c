/* ptrace_regs.c - a tracee's registers as ptrace shows them: struct
 * user_regs_struct (GETREGS, SETREGS, PEEKUSER, POKEUSER, GETREGSET's
 * NT_PRSTATUS) over the saved struct cpu_context. */
#include <errno.h>
#include <stddef.h>

#include "kern.h"
#include "task/internal.h"
#include "task/ptrace.h"

#define USER_CS 0x33 /* the 64-bit user code and stack segments */
#define USER_SS 0x2b

void ptrace_getregs(const struct process *p, struct user_regs_struct *r)
{
	const struct cpu_context *c = &p->ctx;
	*r = (struct user_regs_struct){
		.r15 = c->r15, .r14 = c->r14, .r13 = c->r13, .r12 = c->r12, .rbp = c->rbp,
		.rbx = c->rbx, .r11 = c->r11, .r10 = c->r10, .r9 = c->r9, .r8 = c->r8,
		.rax = c->rax, .rcx = c->rcx, .rdx = c->rdx, .rsi = c->rsi, .rdi = c->rdi,
		.orig_rax = p->ptrace.orig_rax, .rip = c->rip, .cs = USER_CS, .eflags = c->rflags,
		.rsp = c->rsp, .ss = USER_SS, .fs_base = c->fs_base, .gs_base = c->gs_base,
	};
	/* The trap flag PTRACE_SINGLESTEP set is not the tracee's (Linux's
	 * get_flags). */
	if (p->ptrace.forced_tf)
		r->eflags &= ~(uint64_t)X86_EFLAGS_TF;
}

/* Linux lets the tracer change the arithmetic flags, TF, DF and OF, and
 * keeps the rest (FLAG_MASK); a base must be a user address. */
#define FLAG_MASK 0x50dd5ul
int ptrace_setregs(struct kernel *k, struct process *p, const struct user_regs_struct *r)
{
	if (r->fs_base >= task_size_max(k) || r->gs_base >= task_size_max(k))
		return -EIO;
	struct cpu_context *c = &p->ctx;
	c->r15 = r->r15, c->r14 = r->r14, c->r13 = r->r13, c->r12 = r->r12, c->rbp = r->rbp;
	c->rbx = r->rbx, c->r11 = r->r11, c->r10 = r->r10, c->r9 = r->r9, c->r8 = r->r8;
	c->rax = r->rax, c->rcx = r->rcx, c->rdx = r->rdx, c->rsi = r->rsi, c->rdi = r->rdi;
	c->rip = r->rip, c->rsp = r->rsp, c->fs_base = r->fs_base, c->gs_base = r->gs_base;
	/* Linux's set_flags: a TF the tracer sets is the tracee's from now
	 * on; one PTRACE_SINGLESTEP set stays while it steps. */
	uint64_t flags = r->eflags;
	if (p->ptrace.forced_tf) {
		if (flags & X86_EFLAGS_TF)
			p->ptrace.forced_tf = false;
		else
			flags |= X86_EFLAGS_TF;
	}
	c->rflags = (c->rflags & ~FLAG_MASK) | (flags & FLAG_MASK);
	p->ptrace.orig_rax = r->orig_rax;
	return 0;
}

/* The debug registers of struct user, as Linux's ptrace_get_debugreg and
 * ptrace_set_debugreg show them. DR6 reads with its reserved bits set
 * and DR_STEP after a single step; DR0-DR3 keep what was written; DR7
 * arms nothing: the CPU model raises #DB for the trap flag only, so a
 * hardware breakpoint or watchpoint finds no slot (ENOSPC). */
#define DR6_RESERVED 0xffff0ff0u
#define DR7_ENABLE 0xffu /* L0-L3, G0-G3 */
static uint64_t get_debugreg(const struct process *p, unsigned n)
{
	if (n < 4)
		return p->debugreg[n];
	return n == 6 ? p->virtual_dr6 ^ DR6_RESERVED : 0;
}

static int set_debugreg(struct kernel *k, struct process *p, unsigned n, uint64_t val)
{
	if (n < 4) {
		if (val >= task_size_max(k))
			return -EIO;
		p->debugreg[n] = val;
		return 0;
	}
	if (n == 6) {
		p->virtual_dr6 = val ^ DR6_RESERVED;
		return 0;
	}
	if (n == 7)
		return val & DR7_ENABLE ? -ENOSPC : 0;
	return -EIO;
}

int ptrace_peekuser(const struct process *p, uint64_t off, uint64_t *val)
{
	if (off & 7 || off > USER_STRUCT_SIZE - 8)
		return -EIO;
	union {
		struct user_regs_struct r;
		uint64_t w[sizeof(struct user_regs_struct) / 8];
	} u;
	ptrace_getregs(p, &u.r);
	if (off >= USER_DEBUGREG_OFFSET)
		*val = get_debugreg(p, (unsigned)(off - USER_DEBUGREG_OFFSET) / 8);
	else /* the rest of struct user reads 0 */
		*val = off < sizeof(u) ? u.w[off / 8] : 0;
	return 0;
}

int ptrace_pokeuser(struct kernel *k, struct process *p, uint64_t off, uint64_t val)
{
	if (off & 7 || off > USER_STRUCT_SIZE - 8)
		return -EIO;
	if (off >= sizeof(struct user_regs_struct))
		return off >= USER_DEBUGREG_OFFSET
			       ? set_debugreg(k, p, (unsigned)(off - USER_DEBUGREG_OFFSET) / 8, val)
			       : -EIO;
	union {
		struct user_regs_struct r;
		uint64_t w[sizeof(struct user_regs_struct) / 8];
	} u;
	ptrace_getregs(p, &u.r);
	/* the segment selectors stay the user ones */
	if (off == offsetof(struct user_regs_struct, cs) || off == offsetof(struct user_regs_struct, ss))
		return val == u.w[off / 8] ? 0 : -EIO;
	u.w[off / 8] = val;
	return ptrace_setregs(k, p, &u.r);
}
