/* oracle.h - the reference: QEMU's x86 page walker as Unicorn 2.1 runs it
 * in its default UC_TLB_CPU mode, over its own physical image. */
#ifndef WALKDIFF_ORACLE_H
#define WALKDIFF_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <unicorn/unicorn.h>

#include "image.h"
#include "walk_case.h"

struct wd_oracle {
	uc_engine *uc;
	uc_context *base;         /* CPL 0, long mode, paging: where every case starts */
	uc_context *snap;         /* the CPU state at the last exception */
	size_t snap_size;
	size_t error_code_offset; /* of QEMU's pending error code within snap */
	uc_hook intr_hook, mem_hook;
	/* what the last run saw */
	int vector;               /* -1: no exception */
	uint64_t cr2;
	int accesses;             /* data accesses that reached memory */
	uint64_t access_pa;
};

/* On failure returns false with a message in err. */
bool oracle_init(struct wd_oracle *o, struct wd_image *image, char *err, size_t errlen);
void oracle_destroy(struct wd_oracle *o);
/* Runs the access of c (whose slots are already in the image). */
void oracle_run(struct wd_oracle *o, const struct walk_case *c, struct walk_outcome *out);

#endif
