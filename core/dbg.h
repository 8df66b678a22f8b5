/* dbg.h - the debugger engine behind `vmemu step` and --gdb: where the
 * guest stops (steps, breakpoints, PTE watches, write watchpoints, fatal
 * signals, an interrupt), and what each instruction did (its accesses
 * with their TLB hits or walks, the kernel's fault handling, system calls,
 * switches of process).
 *
 * It runs inside the CPU's hook before each instruction: a stop is a call
 * of the front end's `stopped` from there, so the guest waits in the
 * middle of its slice and nothing is run twice (DESIGN.md: a slice ends
 * only at a failed fill, after a SYSCALL, or by the watchdog; here the
 * guest does not even leave the slice). Only a stop for a fatal signal
 * comes between slices, before the signal is delivered. */
#ifndef VMEMU_DBG_H
#define VMEMU_DBG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu.h"
#include "events.h"
#include "kernel.h"
#include "session.h"

/* One event of an instruction (or of the kernel between instructions). */
enum record_kind { REC_TRANSLATION, REC_FAULT, REC_SYSCALL, REC_SCHED };

struct record_event {
	enum record_kind kind;
	struct event_ctx at;
	union {
		struct {
			struct mmu_req req;
			bool ok;
			struct mmu_translation t;
			struct mmu_fault f;
			struct mmu_walk_record walk;
		} tr;
		struct {
			struct kernel_fault_event e;
			struct mmu_fault f; /* e.fault points here */
		} fault;
		struct kernel_syscall_event sys;
		struct {
			int from, to;
		} sched;
	};
};

/* What one instruction did; has_insn is false for kernel work between
 * instructions (a signal delivered, a switch of process). */
struct insn_record {
	bool has_insn;
	int pid;
	uint64_t rip, icount;
	struct record_event *ev;
	size_t n, cap;
	size_t dropped;  /* events past the first 8192 (a long REP): counted only */
};

enum dbg_why {
	DBG_START,      /* before the first instruction */
	DBG_STEPPED,    /* the steps asked for are done */
	DBG_BREAK,      /* a breakpoint (number) */
	DBG_WATCH,      /* a watched page's PTE changed (number, addr, old, new) */
	DBG_WATCHPOINT, /* memory under a write watchpoint changed (addr) */
	DBG_UNTIL,      /* `until` reached its address, or `next` its return */
	DBG_SIGNAL,     /* a fatal signal is about to be delivered (si) */
	DBG_INTERRUPT,  /* ^C, or gdb's interrupt */
};

struct dbg_stop {
	enum dbg_why why;
	int pid;
	uint64_t rip, icount;
	int number;
	uint64_t addr, old_value, new_value;
	struct kernel_siginfo si;
};

struct dbg;

struct dbg_frontend {
	void *ctx;
	/* The guest is stopped: the front end asks what it wants and returns
	 * after it chose how to go on (dbg_step, dbg_continue, ...). */
	void (*stopped)(void *ctx, const struct dbg_stop *s);
	/* An instruction completed while reporting was asked for (dbg_step). */
	void (*executed)(void *ctx, const struct insn_record *r);
	/* Called often while the guest runs: true asks for a stop (gdb's
	 * interrupt comes over the socket). May be NULL. */
	bool (*poll_interrupt)(void *ctx);
};

struct dbg *dbg_create(struct cpu *cpu, struct kernel *k, const struct dbg_frontend *fe);
void dbg_destroy(struct dbg *d);
/* The session's view of the debugger (session.h). */
const struct session_sink *dbg_sink(struct dbg *d);
struct kernel *dbg_kernel(struct dbg *d);
struct cpu *dbg_cpu(struct dbg *d);
/* The number of the instruction the guest stopped before. */
uint64_t dbg_icount(const struct dbg *d);

/* ---- how the guest goes on (from `stopped`) ---- */

/* n instructions; with report, `executed` sees each. */
void dbg_step(struct dbg *d, uint64_t n, bool report);
/* Over a CALL at the stop (reporting the call), else as dbg_step(1). */
void dbg_next(struct dbg *d);
void dbg_continue(struct dbg *d);
/* Until an instruction at addr is about to run (breakpoints still stop). */
void dbg_until(struct dbg *d, uint64_t addr);
/* The guest is killed; the run ends. */
void dbg_kill(struct dbg *d);
/* Whether dbg_kill was asked for. */
bool dbg_killed(const struct dbg *d);
/* Asks for a stop at the next instruction (async-signal-safe: ^C). */
void dbg_interrupt(struct dbg *d);

/* ---- breakpoints and watches ---- */

/* A breakpoint at addr in any process; its number (>= 1), or -1 when
 * the table is full. An address set twice keeps its first number. */
int dbg_break_add(struct dbg *d, uint64_t addr);
/* Deletes breakpoint number n (0: all); false when there is none. */
bool dbg_break_del(struct dbg *d, int n);
/* Deletes the breakpoint at addr (gdb's z0); false when there is none. */
bool dbg_break_del_addr(struct dbg *d, uint64_t addr);
/* Watches the PTE (and so the translation) of va's page in pid: number,
 * or -1 when the table is full or pid has no address space. */
int dbg_watch_add(struct dbg *d, int pid, uint64_t va);
bool dbg_watch_del(struct dbg *d, int n);
/* A write watchpoint (gdb's Z2) on [addr, addr + len) of the process
 * that is current when it is set; len <= 8. False when full. */
bool dbg_wp_add(struct dbg *d, uint64_t addr, unsigned len);
bool dbg_wp_del(struct dbg *d, uint64_t addr, unsigned len);
/* Deletes every breakpoint and watchpoint (gdb went away). */
void dbg_clear_all(struct dbg *d);
/* Lists breakpoints and watches to out. */
void dbg_list(struct dbg *d, FILE *out);

/* ---- what the debugger shows ---- */

/* The process shown by walk, pt, maps, regs, x (the current one at each
 * stop, until `process PID` chooses another). */
int dbg_view_pid(const struct dbg *d);
bool dbg_set_view(struct dbg *d, int pid);
/* pid's registers: the live CPU's for the running process while the guest
 * is stopped inside its slice, else the kernel's copy. */
bool dbg_regs(struct dbg *d, int pid, struct cpu_context *out);
/* The record of the last completed instruction (for a stop's report). */
const struct insn_record *dbg_last_record(const struct dbg *d);

/* ---- the end ---- */

/* The run is over (after cpu_run): the last record is completed. */
void dbg_finish(struct dbg *d);

#endif
