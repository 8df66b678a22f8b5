/* dbg.c - the debugger engine (dbg.h): records what each instruction did
 * and decides, before each instruction, whether the guest stops there. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dbg.h"
#include "disasm.h"
#include "guestmem.h"

#define MAX_BREAKS 64
#define MAX_WATCHES 16
#define MAX_WPS 4
#define MAX_RECORD_EVENTS 8192 /* a REP over a large buffer: the rest is counted */
#define POLL_EVERY 4096        /* instructions between two looks for an interrupt */

enum run_mode { RUN_STEP, RUN_CONTINUE, RUN_UNTIL, RUN_NEXT };

struct breakpoint {
	int id;
	uint64_t addr;
};

/* The PTE of one page in one process, as last seen. */
struct watch {
	int id, pid;
	uint64_t va, value;
	int level; /* where the walk stopped */
};

/* Bytes of one process, as last seen (gdb's write watchpoint). */
struct wpoint {
	int pid;
	uint64_t addr;
	unsigned len;
	uint8_t bytes[8];
	size_t got;
};

struct dbg {
	struct cpu *cpu;
	struct kernel *k;
	struct dbg_frontend fe;
	struct session_sink sink;
	struct disasm *disasm;
	struct insn_record recs[2];
	struct insn_record *cur, *last; /* the open record, the last closed one */
	bool cur_open;
	enum run_mode mode;
	uint64_t steps_left;  /* RUN_STEP */
	uint64_t report_left; /* instructions still to report */
	uint64_t until;       /* RUN_UNTIL */
	struct {
		uint64_t ret, rsp;
		int pid;
	} next;               /* RUN_NEXT */
	bool started, killed, in_slice;
	volatile sig_atomic_t interrupted;
	unsigned polls;
	int view_pid;
	struct breakpoint brk[MAX_BREAKS];
	int nbrk, next_brk_id;
	struct watch watch[MAX_WATCHES];
	int nwatch, next_watch_id;
	struct wpoint wp[MAX_WPS];
	int nwp;
	uint64_t signal_icount; /* the instruction a signal stop was made for, +1 */
	uint64_t icount;        /* of the last instruction hooked */
};

/* ---- records ---- */

static void record_start(struct dbg *d)
{
	struct insn_record *r = d->cur;
	*r = (struct insn_record){.ev = r->ev, .cap = r->cap, .pid = kernel_current_pid(d->k)};
	d->cur_open = true;
}

static struct record_event *record_add(struct dbg *d)
{
	if (!d->cur_open)
		record_start(d);
	struct insn_record *r = d->cur;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct record_event *ev = cap <= MAX_RECORD_EVENTS ? realloc(r->ev, cap * sizeof(*ev)) : NULL;
		if (!ev) {
			r->dropped++;
			return NULL;
		}
		r->ev = ev;
		r->cap = cap;
	}
	return &r->ev[r->n++];
}

/* The open record is complete: it becomes the last one, reported if asked
 * and counted as a step. */
static void record_close(struct dbg *d)
{
	if (!d->cur_open)
		return;
	struct insn_record *done = d->cur;
	d->cur = d->last;
	d->last = done;
	d->cur_open = false;
	for (size_t i = 0; i < done->n; i++) /* the events may have moved */
		if (done->ev[i].kind == REC_FAULT)
			done->ev[i].fault.e.fault = &done->ev[i].fault.f;
	if (d->report_left && d->fe.executed) {
		d->fe.executed(d->fe.ctx, done);
		if (done->has_insn)
			d->report_left--;
	}
	if (done->has_insn && d->mode == RUN_STEP && d->steps_left)
		d->steps_left--;
}

#define MAX_FETCHES 8

/* Whether e is part of a fetch made at rip: its walks and its fault. */
static bool fetch_at(const struct record_event *e, uint64_t rip)
{
	if (e->at.rip != rip)
		return false;
	if (e->kind == REC_TRANSLATION)
		return e->tr.req.access == MMU_FETCH;
	return e->kind == REC_FAULT && e->fault.e.access == MMU_FETCH;
}

/* A new record for the instruction at rip. The fetches at the tail of the
 * open record that were made at rip (the fill of a block lookup, before
 * rip's hook) are rip's, not the instruction's before. */
static void record_open(struct dbg *d, uint64_t rip, uint64_t icount)
{
	struct record_event fetch[MAX_FETCHES];
	size_t nfetch = 0;
	if (d->cur_open) {
		struct insn_record *r = d->cur;
		while (nfetch < MAX_FETCHES && r->n > nfetch && fetch_at(&r->ev[r->n - 1 - nfetch], rip))
			nfetch++;
		r->n -= nfetch;
		memcpy(fetch, r->ev + r->n, nfetch * sizeof(*fetch));
		record_close(d);
	}
	record_start(d);
	d->cur->has_insn = true;
	d->cur->rip = rip;
	d->cur->icount = icount;
	for (size_t i = 0; i < nfetch; i++) {
		struct record_event *e = record_add(d);
		if (e)
			*e = fetch[i]; /* record_close sets the fault pointers */
	}
}

/* ---- stops ---- */

static void stop(struct dbg *d, struct dbg_stop *s, bool in_slice)
{
	d->mode = RUN_CONTINUE; /* unless the front end says otherwise */
	d->steps_left = d->report_left = 0;
	d->in_slice = in_slice;
	d->view_pid = s->pid;
	d->fe.stopped(d->fe.ctx, s);
	d->in_slice = false;
	d->interrupted = 0; /* a ^C at the prompt is not for the next run */
	if (d->killed)
		cpu_quit(d->cpu);
}

static int break_at(const struct dbg *d, uint64_t rip)
{
	for (int i = 0; i < d->nbrk; i++)
		if (d->brk[i].addr == rip)
			return d->brk[i].id;
	return 0;
}

/* The last entry a walk of va in pid reads (no side effects). */
static bool pte_now(struct dbg *d, int pid, uint64_t va, uint64_t *value, int *level)
{
	struct mmu_regs regs;
	if (!kernel_proc_mmu_regs(d->k, pid, &regs))
		return false;
	struct mmu_req req = {.va = va, .access = MMU_READ};
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;
	mmu_probe(&kernel_mmu(d->k)->phys, &regs, &req, &t, &f, &rec);
	*value = rec.nsteps ? rec.step[rec.nsteps - 1].old_value : 0;
	*level = rec.nsteps ? rec.step[rec.nsteps - 1].level : 0;
	return true;
}

static bool watch_changed(struct dbg *d, struct dbg_stop *s)
{
	for (int i = 0; i < d->nwatch; i++) {
		struct watch *w = &d->watch[i];
		uint64_t v;
		int level;
		bool alive = pte_now(d, w->pid, w->va, &v, &level);
		if (alive && v == w->value && level == w->level)
			continue;
		s->why = DBG_WATCH;
		s->number = w->id;
		s->addr = w->va;
		s->old_value = w->value;
		s->new_value = alive ? v : 0;
		if (alive) {
			w->value = v;
			w->level = level;
		} else {
			*w = d->watch[--d->nwatch]; /* the process is gone */
		}
		return true;
	}
	return false;
}

static size_t wp_read(struct dbg *d, const struct wpoint *w, uint8_t *buf)
{
	struct mmu_regs regs;
	if (!kernel_proc_mmu_regs(d->k, w->pid, &regs))
		return 0;
	return guestmem_read(d->k, &regs, w->addr, buf, w->len);
}

static bool wp_changed(struct dbg *d, struct dbg_stop *s)
{
	for (int i = 0; i < d->nwp; i++) {
		struct wpoint *w = &d->wp[i];
		uint8_t now[8];
		size_t got = wp_read(d, w, now);
		if (got == w->got && !memcmp(now, w->bytes, got))
			continue;
		memcpy(w->bytes, now, got);
		w->got = got;
		s->why = DBG_WATCHPOINT;
		s->addr = w->addr;
		return true;
	}
	return false;
}

static bool next_returned(struct dbg *d, uint64_t rip)
{
	if (rip != d->next.ret || kernel_current_pid(d->k) != d->next.pid)
		return false;
	struct cpu_context ctx;
	cpu_read_context(d->cpu, &ctx);
	return ctx.rsp >= d->next.rsp; /* not a deeper call returning here */
}

static bool interrupt_asked(struct dbg *d)
{
	if (d->interrupted)
		return true;
	if (d->fe.poll_interrupt && ++d->polls % POLL_EVERY == 0)
		return d->fe.poll_interrupt(d->fe.ctx);
	return false;
}

/* Why the guest stops before the instruction at rip, if it does. */
static bool stop_reason(struct dbg *d, uint64_t rip, struct dbg_stop *s)
{
	int id;
	if (!d->started) {
		d->started = true;
		s->why = DBG_START;
	} else if (interrupt_asked(d)) {
		d->interrupted = 0;
		s->why = DBG_INTERRUPT;
	} else if (watch_changed(d, s) || wp_changed(d, s)) {
		/* s is filled */
	} else if ((id = break_at(d, rip))) {
		s->why = DBG_BREAK;
		s->number = id;
	} else if (d->mode == RUN_STEP && d->steps_left == 0) {
		s->why = DBG_STEPPED;
	} else if ((d->mode == RUN_UNTIL && rip == d->until) ||
		   (d->mode == RUN_NEXT && next_returned(d, rip))) {
		s->why = DBG_UNTIL;
	} else {
		return false;
	}
	return true;
}

static void on_insn(void *ctx, uint64_t rip, uint64_t icount)
{
	struct dbg *d = ctx;
	if (d->killed)
		return;
	int pid = kernel_current_pid(d->k);
	/* The same instruction again: the next iteration of a REP, or a run
	 * again after its slice ended in the middle. Not a new one. */
	if (d->cur_open && d->cur->has_insn && d->cur->icount == icount && d->cur->pid == pid)
		return;
	record_open(d, rip, icount);
	d->icount = icount;
	struct dbg_stop s = {.pid = pid, .rip = rip, .icount = icount};
	if (stop_reason(d, rip, &s))
		stop(d, &s, true);
}

static void on_slice_end(void *ctx)
{
	struct dbg *d = ctx;
	struct kernel_siginfo si;
	if (d->killed || !kernel_pending_fatal(d->k, &si) || !d->cur_open || !d->cur->has_insn ||
	    d->signal_icount == d->cur->icount + 1)
		return;
	d->signal_icount = d->cur->icount + 1;
	struct cpu_context regs;
	struct dbg_stop s = {.why = DBG_SIGNAL, .pid = d->cur->pid, .icount = d->cur->icount,
			     .si = si};
	s.rip = kernel_proc_context(d->k, s.pid, &regs) ? regs.rip : d->cur->rip;
	record_close(d);
	stop(d, &s, false);
}

/* ---- events ---- */

static void on_translation(void *ctx, const struct event_ctx *c, const struct mmu_req *req,
			   bool ok, const struct mmu_translation *t, const struct mmu_fault *f,
			   const struct mmu_walk_record *rec)
{
	struct dbg *d = ctx;
	struct record_event *e = record_add(d);
	if (!e)
		return;
	e->kind = REC_TRANSLATION;
	e->at = *c;
	e->tr.req = *req;
	e->tr.ok = ok;
	if (ok)
		e->tr.t = *t;
	else
		e->tr.f = *f;
	e->tr.walk = *rec;
}

static void on_fault(void *ctx, const struct event_ctx *c, const struct kernel_fault_event *fe)
{
	struct dbg *d = ctx;
	struct record_event *e = record_add(d);
	if (!e)
		return;
	e->kind = REC_FAULT;
	e->at = *c;
	e->fault.e = *fe;
	e->fault.f = *fe->fault;
	e->fault.e.fault = &e->fault.f;
}

static void on_syscall(void *ctx, const struct event_ctx *c, const struct kernel_syscall_event *se)
{
	struct dbg *d = ctx;
	struct record_event *e = record_add(d);
	if (!e)
		return;
	e->kind = REC_SYSCALL;
	e->at = *c;
	e->sys = *se;
}

static void on_sched(void *ctx, const struct event_ctx *c, int from, int to)
{
	struct dbg *d = ctx;
	struct record_event *e = record_add(d);
	if (!e)
		return;
	e->kind = REC_SCHED;
	e->at = *c;
	e->sched.from = from;
	e->sched.to = to;
}

const struct insn_record *dbg_last_record(const struct dbg *d)
{
	return d->last;
}

/* ---- setup ---- */

struct dbg *dbg_create(struct cpu *cpu, struct kernel *k, const struct dbg_frontend *fe)
{
	struct dbg *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->disasm = disasm_open();
	if (!d->disasm) {
		free(d);
		return NULL;
	}
	d->cpu = cpu;
	d->k = k;
	d->fe = *fe;
	d->cur = &d->recs[0];
	d->last = &d->recs[1];
	d->mode = RUN_CONTINUE;
	d->next_brk_id = d->next_watch_id = 1;
	d->sink = (struct session_sink){
		.ctx = d, .insn = on_insn, .slice_end = on_slice_end,
		.translation = on_translation, .fault = on_fault, .syscall = on_syscall,
		.sched = on_sched,
	};
	return d;
}

void dbg_destroy(struct dbg *d)
{
	if (!d)
		return;
	free(d->recs[0].ev);
	free(d->recs[1].ev);
	disasm_close(d->disasm);
	free(d);
}

const struct session_sink *dbg_sink(struct dbg *d)
{
	return &d->sink;
}

struct kernel *dbg_kernel(struct dbg *d)
{
	return d->k;
}

struct cpu *dbg_cpu(struct dbg *d)
{
	return d->cpu;
}

uint64_t dbg_icount(const struct dbg *d)
{
	return d->icount;
}

/* ---- how the guest goes on ---- */

void dbg_step(struct dbg *d, uint64_t n, bool report)
{
	d->mode = RUN_STEP;
	d->steps_left = n;
	d->report_left = report ? n : 0;
}

void dbg_next(struct dbg *d)
{
	uint8_t code[16];
	struct insn_info insn;
	struct cpu_context ctx;
	int pid = kernel_current_pid(d->k);
	if (!dbg_regs(d, pid, &ctx) ||
	    !disasm_insn(d->disasm, ctx.rip, code, guestmem_read_current(d->k, ctx.rip, code, 16),
			 &insn) ||
	    !insn.is_call) {
		dbg_step(d, 1, true);
		return;
	}
	d->mode = RUN_NEXT;
	d->next.ret = ctx.rip + insn.len;
	d->next.rsp = ctx.rsp;
	d->next.pid = pid;
	d->report_left = 1; /* the call itself */
}

void dbg_continue(struct dbg *d)
{
	d->mode = RUN_CONTINUE;
}

void dbg_until(struct dbg *d, uint64_t addr)
{
	d->mode = RUN_UNTIL;
	d->until = addr;
}

void dbg_kill(struct dbg *d)
{
	d->killed = true;
}

bool dbg_killed(const struct dbg *d)
{
	return d->killed;
}

void dbg_interrupt(struct dbg *d)
{
	d->interrupted = 1;
}

/* ---- breakpoints and watches ---- */

int dbg_break_add(struct dbg *d, uint64_t addr)
{
	int id = break_at(d, addr);
	if (id)
		return id;
	if (d->nbrk == MAX_BREAKS)
		return -1;
	d->brk[d->nbrk] = (struct breakpoint){d->next_brk_id++, addr};
	return d->brk[d->nbrk++].id;
}

bool dbg_break_del(struct dbg *d, int n)
{
	if (n == 0) {
		bool any = d->nbrk > 0;
		d->nbrk = 0;
		return any;
	}
	for (int i = 0; i < d->nbrk; i++) {
		if (d->brk[i].id == n) {
			memmove(&d->brk[i], &d->brk[i + 1], (size_t)(d->nbrk - i - 1) * sizeof(d->brk[0]));
			d->nbrk--;
			return true;
		}
	}
	return false;
}

bool dbg_break_del_addr(struct dbg *d, uint64_t addr)
{
	int id = break_at(d, addr);
	return id && dbg_break_del(d, id);
}

int dbg_watch_add(struct dbg *d, int pid, uint64_t va)
{
	struct watch w = {.pid = pid, .va = va & ~(PAGE_SIZE - 1)};
	if (d->nwatch == MAX_WATCHES || !pte_now(d, pid, w.va, &w.value, &w.level))
		return -1;
	w.id = d->next_watch_id++;
	d->watch[d->nwatch++] = w;
	return w.id;
}

bool dbg_watch_del(struct dbg *d, int n)
{
	for (int i = 0; i < d->nwatch; i++) {
		if (d->watch[i].id == n) {
			d->watch[i] = d->watch[--d->nwatch];
			return true;
		}
	}
	return false;
}

bool dbg_wp_add(struct dbg *d, uint64_t addr, unsigned len)
{
	if (d->nwp == MAX_WPS || len == 0 || len > 8)
		return false;
	struct wpoint *w = &d->wp[d->nwp];
	*w = (struct wpoint){.pid = kernel_current_pid(d->k), .addr = addr, .len = len};
	w->got = wp_read(d, w, w->bytes);
	d->nwp++;
	return true;
}

bool dbg_wp_del(struct dbg *d, uint64_t addr, unsigned len)
{
	for (int i = 0; i < d->nwp; i++) {
		if (d->wp[i].addr == addr && d->wp[i].len == len) {
			d->wp[i] = d->wp[--d->nwp];
			return true;
		}
	}
	return false;
}

void dbg_clear_all(struct dbg *d)
{
	d->nbrk = d->nwatch = d->nwp = 0;
}

void dbg_list(struct dbg *d, FILE *out)
{
	if (!d->nbrk && !d->nwatch)
		fprintf(out, "no breakpoints or watches\n");
	for (int i = 0; i < d->nbrk; i++)
		fprintf(out, "breakpoint %d at 0x%llx\n", d->brk[i].id,
			(unsigned long long)d->brk[i].addr);
	for (int i = 0; i < d->nwatch; i++)
		fprintf(out, "watch %d: pte of 0x%llx in pid %d, now 0x%016llx\n", d->watch[i].id,
			(unsigned long long)d->watch[i].va, d->watch[i].pid,
			(unsigned long long)d->watch[i].value);
}

/* ---- views ---- */

int dbg_view_pid(const struct dbg *d)
{
	return d->view_pid;
}

bool dbg_set_view(struct dbg *d, int pid)
{
	struct cpu_context ctx;
	if (!kernel_proc_context(d->k, pid, &ctx))
		return false;
	d->view_pid = pid;
	return true;
}

bool dbg_regs(struct dbg *d, int pid, struct cpu_context *out)
{
	if (d->in_slice && pid == kernel_current_pid(d->k)) {
		cpu_read_context(d->cpu, out);
		return true;
	}
	return kernel_proc_context(d->k, pid, out);
}

void dbg_finish(struct dbg *d)
{
	record_close(d);
}
