/* dump.h - a reproducer: everything needed to rebuild and rerun one case
 * by hand (tables, control state, access), with both outcomes. */
#ifndef WALKDIFF_DUMP_H
#define WALKDIFF_DUMP_H

#include <stdio.h>

#include "model.h"
#include "verdict.h"
#include "walk_case.h"

void dump_case(FILE *f, const struct walk_case *c, const struct wd_model_result *model,
	       const struct walk_outcome *oracle, const struct wd_verdict *v);

#endif
