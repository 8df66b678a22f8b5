/* ptrace.h - task/'s ptrace files among themselves: the registers
 * (ptrace_regs.c) as struct user_regs_struct and struct user. */
#ifndef VMEMU_TASK_PTRACE_H
#define VMEMU_TASK_PTRACE_H

#include <stdint.h>

struct kernel;
struct process;

/* struct user_regs_struct (<sys/user.h>, whose PAGE_SIZE clashes with
 * mmu.h's), and where struct user ends and has its debug registers. */
struct user_regs_struct {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	uint64_t orig_rax, rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs;
};
#define USER_STRUCT_SIZE 912
#define X86_EFLAGS_TF 0x100u /* the trap flag, PTRACE_SINGLESTEP's */
#define USER_DEBUGREG_OFFSET 848

void ptrace_getregs(const struct process *p, struct user_regs_struct *r);
/* 0, or -EIO for a base outside user space. */
int ptrace_setregs(struct kernel *k, struct process *p, const struct user_regs_struct *r);
/* A word of struct user at off: 0, or -EIO for an offset outside it. */
int ptrace_peekuser(const struct process *p, uint64_t off, uint64_t *val);
int ptrace_pokeuser(struct kernel *k, struct process *p, uint64_t off, uint64_t val);

#endif
