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
/* "2.1.4" */
const char *cpu_unicorn_version(void);

#endif
