/* events.h - where an event of a run happened, as the tracer and the
 * debugger record it: the instruction count (icount.h), the process and
 * the instruction's address. */
#ifndef VMEMU_EVENTS_H
#define VMEMU_EVENTS_H

#include <stdint.h>

struct event_ctx {
	uint64_t icount;
	int pid;
	uint64_t rip;
};

/* The kinds of --trace-events, as bits. */
enum {
	EV_WALKS = 1u << 0,    /* page walks (misses of every TLB) */
	EV_TLB = 1u << 1,      /* translations served by a TLB */
	EV_FAULTS = 1u << 2,   /* what the kernel did about each #PF */
	EV_SYSCALLS = 1u << 3,
	EV_SCHED = 1u << 4,    /* switches of process */
	EV_ALL = (1u << 5) - 1,
	EV_DEFAULT = EV_WALKS | EV_FAULTS | EV_SYSCALLS | EV_SCHED,
};

#endif
