/* trace.h - `vmemu run --trace FILE`: JSON Lines, one event per line (a
 * page walk, a TLB hit, a fault, a system call, a switch of process) and
 * a last "end" line; compressed when FILE ends in .gz or .zst. The schema
 * is in README.md ("Trace files"). */
#ifndef VMEMU_TRACE_H
#define VMEMU_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "kernel.h"

struct trace_config {
	const char *path;
	unsigned events;    /* EV_* */
	uint64_t lo, hi;    /* only events at va in [lo, hi) (hi 0: all); events
			       without a va (system calls, switches) are kept */
	uint64_t limit;     /* at most this many events (0: no limit) */
	const struct mmu *mmu; /* for the names of its TLBs */
};

struct trace;

/* NULL with a message in err when the file cannot be created. */
struct trace *trace_open(const struct trace_config *cfg, char *err, size_t errlen);
/* Whether a translation of this kind at va would be written (to spare the
 * caller the work of one that is filtered out). */
bool trace_wants(const struct trace *t, unsigned kind, uint64_t va);
void trace_translation(struct trace *t, const struct event_ctx *c, const struct mmu_req *req,
		       bool ok, const struct mmu_translation *tr, const struct mmu_fault *f,
		       const struct mmu_walk_record *rec);
/* vma: the maps line of the VMA that holds the address, or NULL. */
void trace_fault(struct trace *t, const struct event_ctx *c, const struct kernel_fault_event *e,
		 const char *vma);
void trace_syscall(struct trace *t, const struct event_ctx *c,
		   const struct kernel_syscall_event *e);
void trace_sched(struct trace *t, const struct event_ctx *c, int from_pid, int to_pid);
/* Writes the "end" line (icount: instructions of the run) and closes.
 * 0, or -1 with a message. */
int trace_close(struct trace *t, uint64_t icount, char *err, size_t errlen);

#endif
