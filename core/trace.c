/* trace.c - trace events as JSON Lines (trace.h; schema in README.md). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofile.h"
#include "trace.h"

#define LINE_MAX_LEN 4096

struct trace {
	struct trace_config cfg;
	struct ofile *out;
	uint64_t written, dropped;
	char line[LINE_MAX_LEN];
	size_t len;
};

struct trace *trace_open(const struct trace_config *cfg, char *err, size_t errlen)
{
	struct trace *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	t->cfg = *cfg;
	char why[256];
	t->out = ofile_open(cfg->path, why, sizeof(why));
	if (!t->out) {
		snprintf(err, errlen, "--trace %s", why);
		free(t);
		return NULL;
	}
	return t;
}

static bool in_range(const struct trace *t, uint64_t va)
{
	return !t->cfg.hi || (va >= t->cfg.lo && va < t->cfg.hi);
}

bool trace_wants(const struct trace *t, unsigned kind, uint64_t va)
{
	return (t->cfg.events & kind) && in_range(t, va);
}

/* ---- one line ---- */

__attribute__((format(printf, 2, 3)))
static void put(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->line + t->len, sizeof(t->line) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < sizeof(t->line) - t->len ? (size_t)n : 0;
}

static void put_hex(struct trace *t, const char *key, uint64_t v)
{
	put(t, ",\"%s\":\"0x%" PRIx64 "\"", key, v);
}

/* A JSON string: our names and /proc/PID/maps lines, escaped. */
static void put_str(struct trace *t, const char *key, const char *s)
{
	put(t, ",\"%s\":", key);
	if (!s) {
		put(t, "null");
		return;
	}
	put(t, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			put(t, "\\%c", c);
		else if (c < 0x20)
			put(t, "\\u%04x", c);
		else
			put(t, "%c", c);
	}
	put(t, "\"");
}

static bool begin(struct trace *t, const char *ev, const struct event_ctx *c)
{
	if (t->cfg.limit && t->written >= t->cfg.limit) {
		t->dropped++;
		return false;
	}
	t->len = 0;
	put(t, "{\"ev\":\"%s\",\"icount\":%" PRIu64 ",\"pid\":%d", ev, c->icount, c->pid);
	put_hex(t, "rip", c->rip);
	return true;
}

static void end(struct trace *t)
{
	put(t, "}\n");
	ofile_write(t->out, t->line, t->len);
	t->written++;
}

static void put_access(struct trace *t, const struct mmu_req *req)
{
	put_hex(t, "va", req->va);
	put_str(t, "access", mmu_access_name(req->access));
	put(t, ",\"user\":%s", req->user ? "true" : "false");
}

static void put_rights(struct trace *t, unsigned rights)
{
	put(t, ",\"rights\":\"%c%c%c\"", rights & MMU_RIGHT_W ? 'w' : '-',
	    rights & MMU_RIGHT_U ? 'u' : '-', rights & MMU_RIGHT_X ? 'x' : '-');
}

static void put_levels(struct trace *t, const struct mmu_walk_record *rec)
{
	put(t, ",\"levels\":[");
	for (int i = 0; i < rec->nsteps; i++) {
		const struct mmu_walk_step *s = &rec->step[i];
		put(t, "%s{\"level\":\"%s\"", i ? "," : "", mmu_level_name(s->level));
		put_hex(t, "pa", s->entry_pa);
		put_hex(t, "old", s->old_value);
		put_hex(t, "new", s->new_value);
		put_rights(t, (s->old_value & PTE_P) ? mmu_step_rights(&t->cfg.mmu->regs, rec, i) : 0);
		put(t, "}");
	}
	put(t, "]");
}

void trace_translation(struct trace *t, const struct event_ctx *c, const struct mmu_req *req,
		       bool ok, const struct mmu_translation *tr, const struct mmu_fault *f,
		       const struct mmu_walk_record *rec)
{
	bool walked = rec->hit == MMU_NTLBS;
	if (!trace_wants(t, walked ? EV_WALKS : EV_TLB, req->va) ||
	    !begin(t, walked ? "walk" : "tlb", c))
		return;
	put_access(t, req);
	put_str(t, "result", !ok ? "fault" : walked ? "ok" : "hit");
	if (!walked)
		put_str(t, "tlb", t->cfg.mmu->tlb[rec->hit].cfg.name);
	if (ok) {
		put_hex(t, "pa", tr->pa);
		put(t, ",\"page_size\":%" PRIu64, tr->page_size);
	}
	if (walked) {
		put(t, ",\"stale\":%s", rec->stale ? "true" : "false");
		if (rec->psc_level) /* the levels above "levels" came from this cache */
			put_str(t, "psc", mmu_level_name(rec->psc_level));
		put_levels(t, rec);
	}
	if (!ok) {
		put(t, ",\"fault\":{\"kind\":\"%s\",\"error_code\":%u,\"level\":\"%s\"}",
		    mmu_fault_kind_name(f->kind), f->error_code, mmu_level_name(f->level));
	}
	end(t);
}

void trace_fault(struct trace *t, const struct event_ctx *c, const struct kernel_fault_event *e,
		 const char *vma)
{
	struct mmu_req req = {.va = e->fault->cr2, .access = e->access, .user = e->user};
	if (!trace_wants(t, EV_FAULTS, req.va) || !begin(t, "fault", c))
		return;
	put_access(t, &req);
	put_str(t, "result", kernel_fault_outcome_name(e->outcome));
	put(t, ",\"error_code\":%u", e->fault->error_code);
	put_str(t, "kind", mmu_fault_kind_name(e->fault->kind));
	put_hex(t, "pte_old", e->pte_old);
	put_hex(t, "pte_new", e->pte_new);
	put_str(t, "vma", vma);
	end(t);
}

void trace_syscall(struct trace *t, const struct event_ctx *c,
		   const struct kernel_syscall_event *e)
{
	if (!(t->cfg.events & EV_SYSCALLS) || !begin(t, "syscall", c))
		return;
	put(t, ",\"nr\":%" PRIu64, e->nr);
	put_str(t, "name", e->name);
	put(t, ",\"args\":[");
	for (int i = 0; i < 6; i++)
		put(t, "%s\"0x%" PRIx64 "\"", i ? "," : "", e->args[i]);
	put(t, "],\"result\":%" PRId64, e->ret);
	put(t, ",\"restart\":%s,\"noreturn\":%s", e->restart ? "true" : "false",
	    e->noreturn ? "true" : "false");
	end(t);
}

void trace_sched(struct trace *t, const struct event_ctx *c, int from_pid, int to_pid)
{
	if (!(t->cfg.events & EV_SCHED) || !begin(t, "sched", c))
		return;
	put(t, ",\"from\":%d,\"to\":%d", from_pid, to_pid);
	end(t);
}

int trace_close(struct trace *t, uint64_t icount, char *err, size_t errlen)
{
	t->len = 0;
	put(t, "{\"ev\":\"end\",\"icount\":%" PRIu64 ",\"events\":%" PRIu64 ",\"dropped\":%" PRIu64
	    "}\n", icount, t->written, t->dropped);
	ofile_write(t->out, t->line, t->len);
	int rc = ofile_close(t->out, err, errlen);
	free(t);
	return rc;
}
