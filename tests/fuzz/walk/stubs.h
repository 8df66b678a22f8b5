/* stubs.h - the labels of stubs.S and their virtual addresses once copied
 * into the infrastructure frames. */
#ifndef WALKDIFF_STUBS_H
#define WALKDIFF_STUBS_H

#include <stdint.h>

#include "layout.h"

extern const uint8_t wd_kstub[], wd_kstub_end[];
extern const uint8_t wd_k_read[], wd_k_write[], wd_k_fetch[], wd_k_sysret[], wd_k_load_ds[],
	wd_k_done[];
extern const uint8_t wd_ustub[], wd_ustub_end[];
extern const uint8_t wd_u_read[], wd_u_write[], wd_u_fetch[], wd_u_done[];

static inline uint64_t kstub_va(const uint8_t *label)
{
	return WD_KCODE_VA + ((uintptr_t)label - (uintptr_t)wd_kstub);
}

static inline uint64_t ustub_va(const uint8_t *label)
{
	return WD_UCODE_VA + ((uintptr_t)label - (uintptr_t)wd_ustub);
}

#endif
