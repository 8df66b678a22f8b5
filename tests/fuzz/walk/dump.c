/* dump.c - printing cases and outcomes. */
#include <inttypes.h>

#include "dump.h"
#include "gen.h"

static const char *const level_name[] = { "", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };

static void flag(FILE *f, uint64_t value, uint64_t bit, const char *name)
{
	if (value & bit)
		fprintf(f, " %s", name);
}

static void dump_entry(FILE *f, uint64_t e)
{
	fprintf(f, "%#018" PRIx64, e);
	if (!(e & PTE_P)) {
		fprintf(f, " (not present)");
		return;
	}
	fprintf(f, " ->%#" PRIx64 ":", (uint64_t)(e & PTE_ADDR_MASK));
	flag(f, e, PTE_W, "W");
	flag(f, e, PTE_U, "U");
	flag(f, e, PTE_PWT, "PWT");
	flag(f, e, PTE_PCD, "PCD");
	flag(f, e, PTE_A, "A");
	flag(f, e, PTE_D, "D");
	flag(f, e, PTE_PS, "PS/PAT");
	flag(f, e, PTE_G, "G");
	flag(f, e, PTE_NX, "XD");
}

static void dump_control(FILE *f, const struct walk_case *c)
{
	const struct mmu_regs *r = &c->regs;

	fprintf(f, "  control: CR0=%#" PRIx64 "%s CR3=%#" PRIx64 " CR4=%#" PRIx64 " (", r->cr0,
		(r->cr0 & CR0_WP) ? " (WP)" : "", r->cr3, r->cr4);
	flag(f, r->cr4, CR4_LA57, "LA57");
	flag(f, r->cr4, CR4_SMEP, "SMEP");
	flag(f, r->cr4, CR4_SMAP, "SMAP");
	flag(f, r->cr4, CR4_PGE, "PGE");
	flag(f, r->cr4, CR4_PCIDE, "PCIDE");
	fprintf(f, " ) EFER=%#" PRIx64 "%s MAXPHYADDR=%u\n", r->efer,
		(r->efer & EFER_NXE) ? " (NXE)" : "", r->maxphyaddr);
	fprintf(f, "  access: %s of va %#018" PRIx64 " at CPL %d, RFLAGS.AC=%d; indices",
		mmu_access_name(c->req.access), c->req.va, c->req.user ? 3 : 0, c->req.rflags_ac);
	for (int level = c->levels; level >= 1; level--)
		fprintf(f, " %u", (unsigned)(c->req.va >> (12 + 9 * (level - 1))) & 511);
	fprintf(f, " offset %#" PRIx64 "\n", c->req.va & 0xfff);
}

static void dump_outcome(FILE *f, const char *who, const struct walk_outcome *o)
{
	char buf[64];

	fprintf(f, "  %-7s", who);
	switch (o->result) {
	case WD_OK:
		fprintf(f, "translated to pa %#" PRIx64 "\n", o->pa);
		break;
	case WD_PF:
		fprintf(f, "#PF cr2 %#" PRIx64 " error code %#x (%s)\n", o->cr2, o->error_code,
			mmu_error_code_str(o->error_code, buf, sizeof(buf)));
		break;
	case WD_GP:
		fprintf(f, "#GP error code %#x\n", o->error_code);
		break;
	case WD_ERROR:
		fprintf(f, "error: %s\n", o->error);
		break;
	}
}

void dump_case(FILE *f, const struct walk_case *c, const struct wd_model_result *model,
	       const struct walk_outcome *oracle, const struct wd_verdict *v)
{
	fprintf(f, "case %" PRIu64 " of seed %" PRIu64 ", %d levels\n", c->index, c->seed, c->levels);
	dump_control(f, c);
	fprintf(f, "  entries written before the access (pa: value):\n");
	for (int i = 0; i < c->nslots; i++) {
		fprintf(f, "    %#014" PRIx64 " [%3u]: ", (uint64_t)(c->slot[i].pa & PTE_ADDR_MASK),
			(unsigned)(c->slot[i].pa & 0xfff) / 8);
		dump_entry(f, c->slot[i].value);
		fprintf(f, "\n");
	}
	fprintf(f, "  model walk:\n");
	for (int i = 0; i < model->rec.nsteps; i++) {
		const struct mmu_walk_step *s = &model->rec.step[i];

		fprintf(f, "    %-5s at %#014" PRIx64 ": ", level_name[s->level], s->entry_pa);
		dump_entry(f, s->old_value);
		fprintf(f, "\n");
	}
	if (model->fault.kind != MMU_FAULT_NONE)
		fprintf(f, "  model fault: %s at level %d\n", mmu_fault_kind_name(model->fault.kind),
			model->fault.level);
	dump_outcome(f, "model:", &model->out);
	dump_outcome(f, "oracle:", oracle);
	if (v->infra_changed)
		fprintf(f, "  the infrastructure frames changed outside any store\n");
	for (int i = 0; i < v->nchecks; i++)
		if (v->check[i].model != v->check[i].oracle)
			fprintf(f, "  after: %#014" PRIx64 " model %#018" PRIx64 " oracle %#018" PRIx64 "\n",
				v->check[i].pa, v->check[i].model, v->check[i].oracle);
	fprintf(f, "  rerun: walkdiff --seed %" PRIu64 " --case %" PRIu64, c->seed, c->index);
	if (c->levels_asked)
		fprintf(f, " --levels %d", c->levels_asked);
	fprintf(f, " --verbose\n");
}
