/* walk_case.h - one generated case (tables, control state, one access) and
 * the outcome of running it, on either side. */
#ifndef WALKDIFF_WALK_CASE_H
#define WALKDIFF_WALK_CASE_H

#include <stdint.h>

#include "mmu.h"

/* The value every generated store writes: P = 0, so that a store landing
 * in a paging-structure entry leaves an entry no walk can go through. */
#define WD_STORE_VALUE 0x5a5a5a5a5a5a5a5aULL

#define WD_MAX_SLOTS 48

/* One paging-structure entry written before the access. */
struct wd_slot {
	uint64_t pa;
	uint64_t value;
};

struct walk_case {
	uint64_t seed, index;  /* the case is a function of these */
	int levels_asked;      /* and of this: 4, 5, or 0 for either */
	int levels;            /* 4, or 5 with CR4.LA57 */
	struct mmu_regs regs;  /* CR0, CR3, CR4, EFER, MAXPHYADDR */
	struct mmu_req req;    /* va, access, CPL 3 or not, RFLAGS.AC */
	int nslots;
	struct wd_slot slot[WD_MAX_SLOTS];
};

enum wd_result {
	WD_OK,    /* translated: pa */
	WD_PF,    /* #PF: cr2, error_code */
	WD_GP,    /* #GP: error_code */
	WD_ERROR, /* the side could not run the case: error */
};

struct walk_outcome {
	enum wd_result result;
	uint64_t pa;
	uint64_t cr2;
	uint32_t error_code;
	char error[128];
};

#endif
