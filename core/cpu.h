/* cpu.h - one emulated x86-64 CPU (Unicorn) driven by the guest kernel. */
#ifndef VMEMU_CPU_H
#define VMEMU_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

struct cpu;

/* Opens Unicorn in the TLB mode that lets our MMU decide translations. */
struct cpu *cpu_create(char *err, size_t errlen);
/* The callbacks the kernel uses to flush the CPU's TLB and code, and stop. */
void cpu_kernel_ops(struct cpu *cpu, struct kernel_ops *ops);
/* Maps the kernel's physical memory and installs the hooks. */
int cpu_attach(struct cpu *cpu, struct kernel *k, char *err, size_t errlen);
void cpu_destroy(struct cpu *cpu);
/* Runs the current process until no process can run. 0, or -1 with a
 * message when Unicorn fails in a way that is not the guest's doing. */
int cpu_run(struct cpu *cpu, char *err, size_t errlen);
uint64_t cpu_slices(const struct cpu *cpu);
/* Ends the running slice soon, at the next TLB fill or system call (or by
 * the watchdog): async-signal-safe, for a host signal the kernel must see. */
void cpu_interrupt(struct cpu *cpu);

/* What Unicorn's own TLB went through (tlb_growth.h): flushes of all of
 * it (the kernel's and ours), flushes that doubled it, slices ended to
 * grow it, and its size (entries) at the end and at most. */
struct cpu_tlb_stats {
	uint64_t flushes, grows, growth_stops;
	uint64_t entries, peak_entries;
};
void cpu_tlb_stats(const struct cpu *cpu, struct cpu_tlb_stats *out);

/* Observers of the CPU for the debugger, the exact TLB mode and the
 * tracer (none in a plain run). Any callback may be NULL. */
struct cpu_hooks {
	void *ctx;
	/* Before each instruction (a UC_HOOK_CODE on every address); a
	 * cpu_stop from here ends the slice before the instruction runs.
	 * With this hook, every slice ends exactly there (no watchdog). */
	void (*insn)(void *ctx, uint64_t rip, uint32_t size);
	/* Each time Unicorn enters a translation block (UC_HOOK_BLOCK). */
	void (*block)(void *ctx, uint64_t addr, uint32_t size);
	/* After the kernel answered a TLB fill: may narrow *prot (KPROT_*). */
	void (*fill)(void *ctx, uint64_t va, enum mmu_access access, unsigned *prot);
	/* After each slice (and once before the first), before the scheduler
	 * delivers signals and picks the next process. */
	void (*slice_end)(void *ctx);
};
/* Installs h, which must outlive the CPU; before cpu_run, so that its
 * hooks see all code. 0, or -1 with a message. */
int cpu_set_hooks(struct cpu *cpu, const struct cpu_hooks *h, char *err, size_t errlen);
/* The running process's registers as the CPU holds them (from a hook, or
 * between slices). */
void cpu_read_context(struct cpu *cpu, struct cpu_context *ctx);
uint64_t cpu_rip(struct cpu *cpu);
/* Empties Unicorn's own TLB. */
void cpu_flush_tlb(struct cpu *cpu);
/* Ends the slice at once: from an insn hook, before its instruction. */
void cpu_stop(struct cpu *cpu);
/* Ends the slice, and cpu_run returns after it (a debugger's quit). */
void cpu_quit(struct cpu *cpu);

/* "2.1.4" */
const char *cpu_unicorn_version(void);

#endif
