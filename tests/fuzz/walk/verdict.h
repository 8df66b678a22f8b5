/* verdict.h - comparing the model with the oracle: the outcome (physical
 * address, or #PF with CR2 and error code, or #GP) and every entry either
 * side could have written (A/D bits, the store). */
#ifndef WALKDIFF_VERDICT_H
#define WALKDIFF_VERDICT_H

#include <stdbool.h>

#include "image.h"
#include "model.h"
#include "walk_case.h"

#define WD_MAX_CHECKS (WD_MAX_SLOTS + 2)

/* One qword of physical memory after the access, on both sides. */
struct wd_check {
	uint64_t pa, model, oracle;
};

enum wd_verdict_kind { WD_AGREE, WD_EXPLAINED, WD_UNEXPLAINED };

struct wd_verdict {
	enum wd_verdict_kind kind;
	const struct wd_known *known; /* WD_EXPLAINED: the class */
	bool infra_changed;           /* memory outside the checks changed */
	int nchecks;
	struct wd_check check[WD_MAX_CHECKS];
};

bool outcome_equal(const struct walk_outcome *a, const struct walk_outcome *b);

void verdict_judge(const struct walk_case *c, const struct wd_model_result *model,
		   const struct walk_outcome *oracle, const struct wd_image *model_image,
		   const struct wd_image *oracle_image, struct wd_verdict *v);

#endif
