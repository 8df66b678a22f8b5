/* model.c - one case through vmemu's MMU. */
#include <stdio.h>

#include "model.h"

bool model_init(struct wd_model *m, struct wd_image *image)
{
	m->image = image;
	return mmu_init(&m->mmu, (struct mmu_phys){ image->base, image->size }, NULL);
}

void model_destroy(struct wd_model *m)
{
	mmu_destroy(&m->mmu);
}

void model_run(struct wd_model *m, const struct walk_case *c, struct wd_model_result *r)
{
	struct walk_outcome *out = &r->out;
	struct mmu_translation t;

	m->mmu.regs = c->regs;
	mmu_flush_all(&m->mmu);
	*out = (struct walk_outcome){ .result = WD_OK };
	r->fault = (struct mmu_fault){ .kind = MMU_FAULT_NONE };
	if (mmu_translate(&m->mmu, &c->req, &t, &r->fault, &r->rec)) {
		out->pa = t.pa;
		r->page_size = t.page_size;
		if (c->req.access == MMU_WRITE)
			image_store(m->image, t.pa, WD_STORE_VALUE);
		return;
	}
	switch (r->fault.kind) {
	case MMU_FAULT_NOT_PRESENT:
	case MMU_FAULT_PROTECTION:
	case MMU_FAULT_RESERVED:
		out->result = WD_PF;
		out->cr2 = r->fault.cr2;
		out->error_code = r->fault.error_code;
		break;
	case MMU_FAULT_NONCANONICAL:
		out->result = WD_GP;
		out->error_code = r->fault.error_code;
		break;
	default:
		out->result = WD_ERROR;
		snprintf(out->error, sizeof(out->error), "model: %s fault at level %d",
			 mmu_fault_kind_name(r->fault.kind), r->fault.level);
		break;
	}
}
