/* session.h - what watches one run: the exact TLB mode, the instruction
 * count, the trace file and the debugger. It installs the CPU's hooks
 * (cpu.h), the MMU's observer and the kernel's trace points, and hands
 * each event, with its instruction count, process and RIP, to the trace
 * and the debugger. A plain run has no session. */
#ifndef VMEMU_SESSION_H
#define VMEMU_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "events.h"
#include "kernel.h"
#include "trace.h"

struct dbg;

/* What the debugger gets from the session (dbg.c). */
struct session_sink {
	void *ctx;
	/* Before each instruction; icount is its number. */
	void (*insn)(void *ctx, uint64_t rip, uint64_t icount);
	/* Between slices, before signals are delivered. */
	void (*slice_end)(void *ctx);
	void (*translation)(void *ctx, const struct event_ctx *c, const struct mmu_req *req,
			    bool ok, const struct mmu_translation *t, const struct mmu_fault *f,
			    const struct mmu_walk_record *rec);
	void (*fault)(void *ctx, const struct event_ctx *c, const struct kernel_fault_event *e);
	void (*syscall)(void *ctx, const struct event_ctx *c,
			const struct kernel_syscall_event *e);
	void (*sched)(void *ctx, const struct event_ctx *c, int from_pid, int to_pid);
};

struct session_config {
	/* Every access consults the MMU model: Unicorn's TLB is emptied
	 * before each instruction that follows one that filled it, and a fill
	 * gives only the right that was asked for. */
	bool tlb_exact;
	const struct trace_config *trace; /* NULL: no trace file */
	const struct session_sink *sink;  /* NULL: no debugger (implies tlb_exact) */
};

struct session;

/* Installs the hooks on cpu and k (before cpu_run). NULL with a message. */
struct session *session_create(struct cpu *cpu, struct kernel *k, const struct session_config *cfg,
			       char *err, size_t errlen);
/* Instructions of the run so far. */
uint64_t session_icount(const struct session *s);
/* Closes the trace file (its end line). 0, or -1 with a message. */
int session_finish(struct session *s, char *err, size_t errlen);
/* Removes the hooks from the kernel and frees s (after cpu_run). */
void session_destroy(struct session *s);

#endif
