/* frames.h - the guest-physical frame allocator: a buddy allocator with
 * reference counts and a quarantine for frames that held code (frame.c). */
#ifndef VMEMU_FRAMES_H
#define VMEMU_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu.h" /* PAGE_SIZE */

struct kernel;

/* ---- frames: buddy allocator with reference counts (frame.c) ---- */

#define FRAME_MAX_ORDER 18 /* 2^18 pages = 1 GiB blocks */

struct frame_block {
	uint64_t pfn;
	unsigned order;
};

struct frame_allocator {
	uint64_t nframes;
	uint32_t *refcount;     /* per frame; 0 = free */
	uint8_t *order;         /* per frame: order of the free block it heads, or 0xff */
	uint8_t *exec;          /* per frame: was handed to the CPU with EXEC */
	uint64_t *next, *prev;  /* free-list links, per frame */
	uint64_t free_head[FRAME_MAX_ORDER + 1];
	/* Freed frames that held code: reused only after the CPU's translated
	 * code is dropped (DESIGN.md), so they wait here until the run slice ends. */
	struct frame_block *quarantine;
	size_t nquarantine, quarantine_cap;
	uint64_t in_use, peak;
};

#define FRAME_NONE UINT64_MAX
/* Frame 0 means "none"; frame 1 is the shared zero page (all zeroes,
 * mapped read-only wherever untouched private memory is read). */
#define ZERO_PAGE_PA PAGE_SIZE
#define FRAME_FIRST 2

int frame_allocator_init(struct frame_allocator *fa, uint64_t nframes);
void frame_allocator_destroy(struct frame_allocator *fa);

/* Returns the physical address of 2^order zeroed, aligned frames, or
 * FRAME_NONE when memory is exhausted. refcount starts at 1. */
uint64_t frame_alloc(struct kernel *k, unsigned order);
void frame_get(struct kernel *k, uint64_t pa);
/* Drops one reference; the block is freed at 0 (order as allocated). */
void frame_put(struct kernel *k, uint64_t pa, unsigned order);
/* Releases the quarantined code frames once translated code is flushed. */
void frame_release_quarantine(struct kernel *k);
uint32_t frame_refcount(struct kernel *k, uint64_t pa);
/* The CPU was given EXEC on this frame (so it may hold translated code). */
void frame_mark_exec(struct kernel *k, uint64_t pa);
bool frame_is_exec(struct kernel *k, uint64_t pa);
/* The kernel wrote into the frame at pa: if it may hold translated code,
 * the CPU drops all translated code before the guest runs on (the slice
 * ends at once). */
void frame_written(struct kernel *k, uint64_t pa);

#endif
