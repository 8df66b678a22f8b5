/* show.h - how the debugger prints what it sees (vmemu step, gdb's
 * monitor): an instruction with its accesses (TLB hits and walks level by
 * level), the kernel's fault handling, page tables as a tree, the TLBs,
 * registers and processes. Addresses are hexadecimal; paging-structure
 * entries are 16 hex digits and their physical addresses are written
 * "@0x...", the same in a walk and in `pt`, so the two can be matched. */
#ifndef VMEMU_SHOW_H
#define VMEMU_SHOW_H

#include <stdint.h>
#include <stdio.h>

#include "dbg.h"
#include "disasm.h"
#include "kernel.h"

/* "[icount] pid P 0xRIP  mnemonic operands" and then each event. */
void show_record(FILE *out, struct kernel *k, struct disasm *d, const struct insn_record *r);
/* "0xRIP  mnemonic operands" of pid's instruction at rip. */
void show_insn(FILE *out, struct kernel *k, struct disasm *d, int pid, uint64_t rip);
/* One translation: a TLB hit, or the walk with every level. */
void show_translation(FILE *out, struct kernel *k, const struct mmu_req *req, bool ok,
		      const struct mmu_translation *t, const struct mmu_fault *f,
		      const struct mmu_walk_record *rec);
/* The levels of a walk and its result, without the header line. */
void show_walk_steps(FILE *out, const struct mmu_regs *regs, const struct mmu_req *req, bool ok,
		     const struct mmu_translation *t, const struct mmu_fault *f,
		     const struct mmu_walk_record *rec);
/* The tables under regs (kernel_proc_mmu_regs) for [lo, hi) (hi 0: all). */
void show_pt(FILE *out, struct kernel *k, const struct mmu_regs *regs, uint64_t lo, uint64_t hi);
/* Every valid entry of every TLB structure. */
void show_tlb(FILE *out, struct kernel *k);
void show_regs(FILE *out, const struct cpu_context *ctx);
/* The processes; view is marked. */
void show_ps(FILE *out, struct kernel *k, int view);
/* A paging-structure entry's bits: "P W U A D NX", "empty", or what a
 * not-present entry holds. */
void show_entry_bits(char *buf, size_t len, uint64_t v, int level);

#endif
