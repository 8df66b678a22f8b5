/* model.h - the side under test: vmemu's MMU (mmu_translate on empty TLBs,
 * hence mmu_walk with mmu_access_allowed and mmu_pf_error_code). */
#ifndef WALKDIFF_MODEL_H
#define WALKDIFF_MODEL_H

#include <stdbool.h>

#include "image.h"
#include "walk_case.h"

struct wd_model {
	struct mmu mmu;
	struct wd_image *image;
};

/* The outcome and what the walk found on the way. */
struct wd_model_result {
	struct walk_outcome out;
	uint64_t page_size;          /* when translated */
	struct mmu_fault fault;      /* kind MMU_FAULT_NONE when translated */
	struct mmu_walk_record rec;  /* every entry read, the faulting one last */
};

bool model_init(struct wd_model *m, struct wd_image *image);
void model_destroy(struct wd_model *m);
/* Runs the access of c over the model's image: the walk sets A/D there,
 * and a translated store writes WD_STORE_VALUE. */
void model_run(struct wd_model *m, const struct walk_case *c, struct wd_model_result *r);

#endif
