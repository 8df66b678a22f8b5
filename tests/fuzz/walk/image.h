/* image.h - a guest-physical memory image: the whole MAXPHYADDR space as
 * one host mapping, reserved but not committed. The model and the oracle
 * each get one, with the same contents before every case. */
#ifndef WALKDIFF_IMAGE_H
#define WALKDIFF_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

struct wd_image {
	uint8_t *base;
	uint64_t size;
};

bool image_map(struct wd_image *img);
void image_unmap(struct wd_image *img);
/* Gives every page back to the host (the mapping stays at the same host
 * address, all zero) and writes the infrastructure again. */
bool image_drop(struct wd_image *img);

/* The infrastructure frames of layout.h: tables down to the stub pages,
 * every entry with A and D already set so that no walk ever writes them. */
void image_write_infra(struct wd_image *img);
/* Writes the infrastructure again if anything (a store) changed it. */
void image_restore_infra(struct wd_image *img);
/* Whether the infrastructure is as written, but for the qwords at pa[]. */
bool image_infra_intact_except(const struct wd_image *img, const uint64_t *pa, int n);
/* The top-level entry (index 511) that leads to the infrastructure. */
uint64_t image_infra_top_entry(int levels);

/* Whether [pa, pa + len) touches an infrastructure frame. */
static inline bool image_in_infra(uint64_t pa, uint64_t len)
{
	return pa + len > WD_INFRA_PA && pa < WD_INFRA_PA + WD_INFRA_FRAMES * 4096ULL;
}

uint64_t image_load(const struct wd_image *img, uint64_t pa);
void image_store(struct wd_image *img, uint64_t pa, uint64_t value);

#endif
