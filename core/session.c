/* session.c - the observers of one run and the events they share
 * (session.h). */
#include <stdlib.h>

#include "icount.h"
#include "session.h"

#define VMA_TEXT_MAX 256 /* a maps line in a trace event, cut if longer (a line stays short) */

struct session {
	struct cpu *cpu;
	struct kernel *k;
	struct session_config cfg;
	struct disasm *disasm;
	struct icount *icount;
	struct trace *trace;
	bool filled;        /* exact mode: Unicorn's TLB holds an entry */
	struct cpu_hooks hooks;
	struct mmu_observer observer;
	struct kernel_trace ktrace;
};

static void event_at(struct session *s, struct event_ctx *c)
{
	uint64_t rip = cpu_rip(s->cpu);
	*c = (struct event_ctx){icount_at(s->icount, rip), kernel_current_pid(s->k), rip};
}

/* ---- the CPU's hooks ---- */

static void on_insn(void *ctx, uint64_t rip, uint32_t size)
{
	struct session *s = ctx;
	(void)size;
	if (s->filled) {
		cpu_flush_tlb(s->cpu);
		s->filled = false;
	}
	icount_insn(s->icount, rip);
	if (s->cfg.sink && s->cfg.sink->insn)
		s->cfg.sink->insn(s->cfg.sink->ctx, rip, icount_at(s->icount, rip));
}

static void on_block(void *ctx, uint64_t addr, uint32_t size)
{
	struct session *s = ctx;
	icount_block(s->icount, addr, size);
}

static void on_fill(void *ctx, uint64_t va, enum mmu_access access, unsigned *prot)
{
	struct session *s = ctx;
	(void)va;
	static const unsigned only[] = {[MMU_READ] = KPROT_READ, [MMU_WRITE] = KPROT_WRITE,
					[MMU_FETCH] = KPROT_EXEC};
	*prot &= only[access];
	s->filled = true;
}

static void on_slice_end(void *ctx)
{
	struct session *s = ctx;
	icount_slice_end(s->icount, cpu_rip(s->cpu));
	if (s->cfg.sink && s->cfg.sink->slice_end)
		s->cfg.sink->slice_end(s->cfg.sink->ctx);
}

/* ---- the MMU's observer and the kernel's trace points ---- */

static void on_translated(void *ctx, const struct mmu_req *req, bool ok,
			  const struct mmu_translation *t, const struct mmu_fault *f,
			  const struct mmu_walk_record *rec)
{
	struct session *s = ctx;
	bool walked = rec->hit == MMU_NTLBS;
	bool traced = s->trace && trace_wants(s->trace, walked ? EV_WALKS : EV_TLB, req->va);
	if (!traced && !s->cfg.sink)
		return;
	struct event_ctx c;
	event_at(s, &c);
	if (traced)
		trace_translation(s->trace, &c, req, ok, t, f, rec);
	if (s->cfg.sink)
		s->cfg.sink->translation(s->cfg.sink->ctx, &c, req, ok, t, f, rec);
}

static void on_fault(void *ctx, const struct kernel_fault_event *e)
{
	struct session *s = ctx;
	struct event_ctx c;
	event_at(s, &c);
	if (s->trace && trace_wants(s->trace, EV_FAULTS, e->fault->cr2)) {
		char vma[VMA_TEXT_MAX];
		bool known = kernel_vma_describe(s->k, e->fault->cr2, vma, sizeof(vma));
		trace_fault(s->trace, &c, e, known ? vma : NULL);
	}
	if (s->cfg.sink)
		s->cfg.sink->fault(s->cfg.sink->ctx, &c, e);
}

static void on_syscall(void *ctx, const struct kernel_syscall_event *e)
{
	struct session *s = ctx;
	struct event_ctx c;
	event_at(s, &c);
	if (s->trace)
		trace_syscall(s->trace, &c, e);
	if (s->cfg.sink)
		s->cfg.sink->syscall(s->cfg.sink->ctx, &c, e);
}

static void on_sched(void *ctx, int from_pid, int to_pid)
{
	struct session *s = ctx;
	struct event_ctx c;
	event_at(s, &c);
	c.pid = to_pid;
	if (s->trace)
		trace_sched(s->trace, &c, from_pid, to_pid);
	if (s->cfg.sink)
		s->cfg.sink->sched(s->cfg.sink->ctx, &c, from_pid, to_pid);
}

struct session *session_create(struct cpu *cpu, struct kernel *k, const struct session_config *cfg,
			       char *err, size_t errlen)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	s->cpu = cpu;
	s->k = k;
	s->cfg = *cfg;
	s->cfg.tlb_exact |= cfg->sink != NULL;
	s->disasm = disasm_open();
	s->icount = s->disasm ? icount_create(k, s->disasm) : NULL;
	if (!s->icount) {
		snprintf(err, errlen, "out of host memory");
		session_destroy(s);
		return NULL;
	}
	if (cfg->trace && !(s->trace = trace_open(cfg->trace, err, errlen))) {
		session_destroy(s);
		return NULL;
	}
	/* A hook before each instruction for the exact mode and the
	 * debugger; otherwise blocks count instructions for the trace. */
	bool each_insn = s->cfg.tlb_exact;
	s->hooks = (struct cpu_hooks){
		.ctx = s,
		.insn = each_insn ? on_insn : NULL,
		.block = !each_insn && s->trace ? on_block : NULL,
		.fill = s->cfg.tlb_exact ? on_fill : NULL,
		.slice_end = on_slice_end,
	};
	if (cpu_set_hooks(cpu, &s->hooks, err, errlen)) {
		session_destroy(s);
		return NULL;
	}
	if (s->trace || s->cfg.sink) {
		s->observer = (struct mmu_observer){s, on_translated};
		kernel_mmu(k)->observer = &s->observer;
		s->ktrace = (struct kernel_trace){s, on_fault, on_syscall, on_sched};
		kernel_set_trace(k, &s->ktrace);
	}
	return s;
}

uint64_t session_icount(const struct session *s)
{
	return icount_counted(s->icount);
}

/* Nothing more is observed: the kernel ends the guest without us. */
static void detach(struct session *s)
{
	if (kernel_mmu(s->k)->observer == &s->observer)
		kernel_mmu(s->k)->observer = NULL;
	kernel_set_trace(s->k, NULL);
}

int session_finish(struct session *s, char *err, size_t errlen)
{
	int rc = 0;
	detach(s);
	if (s->trace)
		rc = trace_close(s->trace, icount_counted(s->icount), err, errlen);
	s->trace = NULL;
	return rc;
}

void session_destroy(struct session *s)
{
	if (!s)
		return;
	char err[8];
	session_finish(s, err, sizeof(err));
	icount_destroy(s->icount);
	disasm_close(s->disasm);
	free(s);
}
