/* known.h - classes of differences between vmemu's walker and QEMU's that
 * the Intel SDM explains (tests/fuzz/walk/known_differences.md). Each class
 * predicts what QEMU does from what the model did; a difference is explained
 * only when the prediction matches the oracle exactly. */
#ifndef WALKDIFF_KNOWN_H
#define WALKDIFF_KNOWN_H

#include <stdbool.h>

#include "model.h"
#include "walk_case.h"

#define WD_MAX_PATCHES 4
#define WD_MAX_KNOWN 8 /* classes, for per-class counters */

/* Memory the class expects to differ: the value QEMU leaves at pa. */
struct wd_patch {
	uint64_t pa, value;
};

struct wd_prediction {
	struct walk_outcome out;
	int npatches;
	struct wd_patch patch[WD_MAX_PATCHES];
};

struct wd_known {
	const char *id;
	const char *sdm;  /* where the SDM decides */
	const char *what; /* one line */
	/* Fills p (starting from the model's outcome, no patches) and returns
	 * true when the class applies to this case. */
	bool (*predict)(const struct walk_case *c, const struct wd_model_result *m,
			struct wd_prediction *p);
};

extern const struct wd_known wd_known[];
extern const int wd_nknown;

#endif
