/* icount.h - the instruction count of a run, for trace events, the
 * debugger and --stats. Instruction n is the one that runs after n
 * others have completed (the first is 0), over all processes.
 *
 * Two sources:
 *  - a hook before every instruction (step, --gdb, --tlb-exact): exact;
 *  - translation blocks (UC_HOOK_BLOCK, when tracing without one): each
 *    block is decoded once (Capstone) and counted as it is entered; the
 *    RIP of an access places it in its block, and a slice that ends inside
 *    a block is corrected by the RIP where it stopped.
 * Unicorn enters a REP string instruction once per iteration: it counts
 * once, as a hardware counter of retired instructions does. */
#ifndef VMEMU_ICOUNT_H
#define VMEMU_ICOUNT_H

#include <stdint.h>

#include "disasm.h"
#include "kernel.h"

struct icount;

struct icount *icount_create(struct kernel *k, struct disasm *d);
void icount_destroy(struct icount *c);
/* The hook before the instruction at rip. */
void icount_insn(struct icount *c, uint64_t rip);
/* Unicorn enters the block [addr, addr + size). */
void icount_block(struct icount *c, uint64_t addr, uint32_t size);
/* A slice ended with the CPU at rip: that instruction has not completed. */
void icount_slice_end(struct icount *c, uint64_t rip);
/* The number of the instruction at rip, which is running (an access of
 * it, a system call); between slices, of the next one to run. */
uint64_t icount_at(const struct icount *c, uint64_t rip);
/* Instructions counted so far (at the end of a run: all it ran). */
uint64_t icount_counted(const struct icount *c);

#endif
