/* frame.c - physical frames: a buddy allocator with reference counts.
 *
 * Blocks of 2^order frames are kept on one free list per order, linked
 * through per-frame next/prev arrays. Frame 0 is never handed out, so a
 * zero physical address always means "none" in kernel structures; frame 1
 * is the shared zero page, which the allocator never frees either.
 *
 * Frames are handed out zeroed. One never handed out before is zero
 * already (guest memory is a fresh anonymous host map), so only frames
 * marked FRAME_USED are cleared: the first use of a frame costs the host
 * no memset and no page touched before the guest touches it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

#define NOT_FREE 0xff

static uint64_t pa_to_pfn(uint64_t pa)
{
	return pa >> PAGE_SHIFT;
}

static void list_push(struct frame_allocator *fa, uint64_t pfn, unsigned order)
{
	uint64_t head = fa->free_head[order];
	fa->next[pfn] = head;
	fa->prev[pfn] = FRAME_NONE;
	if (head != FRAME_NONE)
		fa->prev[head] = pfn;
	fa->free_head[order] = pfn;
	fa->order[pfn] = (uint8_t)order;
}

static void list_remove(struct frame_allocator *fa, uint64_t pfn, unsigned order)
{
	uint64_t next = fa->next[pfn], prev = fa->prev[pfn];
	if (prev != FRAME_NONE)
		fa->next[prev] = next;
	else
		fa->free_head[order] = next;
	if (next != FRAME_NONE)
		fa->prev[next] = prev;
	fa->order[pfn] = NOT_FREE;
}

/* Merges pfn with its free buddies and puts the result on a free list. */
static void buddy_free(struct frame_allocator *fa, uint64_t pfn, unsigned order)
{
	while (order < FRAME_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ULL << order);
		if (buddy >= fa->nframes || fa->order[buddy] != order)
			break;
		list_remove(fa, buddy, order);
		pfn &= ~(1ULL << order);
		order++;
	}
	list_push(fa, pfn, order);
}

int frame_allocator_init(struct frame_allocator *fa, uint64_t nframes)
{
	memset(fa, 0, sizeof(*fa));
	fa->nframes = nframes;
	fa->refcount = calloc(nframes, sizeof(*fa->refcount));
	fa->order = malloc(nframes);
	fa->flags = calloc(nframes, 1);
	fa->next = malloc(nframes * sizeof(*fa->next));
	fa->prev = malloc(nframes * sizeof(*fa->prev));
	if (!fa->refcount || !fa->order || !fa->flags || !fa->next || !fa->prev) {
		frame_allocator_destroy(fa);
		return -ENOMEM;
	}
	memset(fa->order, NOT_FREE, nframes);
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
		fa->free_head[o] = FRAME_NONE;
	/* The zero page's first reference is the allocator's own. */
	fa->refcount[ZERO_PAGE_PA >> PAGE_SHIFT] = 1;
	/* Memory goes on the lists in the largest aligned blocks it holds,
	 * which are what merging single frames would give, at a fraction of
	 * the cost (and of the host pages the per-frame arrays would touch). */
	for (uint64_t pfn = FRAME_FIRST; pfn < nframes;) {
		unsigned order = 0;
		while (order < FRAME_MAX_ORDER && !(pfn & (1ULL << order)) &&
		       pfn + (2ULL << order) <= nframes)
			order++;
		list_push(fa, pfn, order);
		pfn += 1ULL << order;
	}
	return 0;
}

void frame_allocator_destroy(struct frame_allocator *fa)
{
	free(fa->refcount);
	free(fa->order);
	free(fa->flags);
	free(fa->next);
	free(fa->prev);
	free(fa->quarantine);
	memset(fa, 0, sizeof(*fa));
}

uint64_t frame_alloc(struct kernel *k, unsigned order)
{
	if (fail_now(k, FAIL_PAGE_ALLOC))
		return FRAME_NONE;
	struct frame_allocator *fa = &k->frames;
	unsigned o = order;
	while (o <= FRAME_MAX_ORDER && fa->free_head[o] == FRAME_NONE)
		o++;
	if (o > FRAME_MAX_ORDER)
		return FRAME_NONE;
	uint64_t pfn = fa->free_head[o];
	list_remove(fa, pfn, o);
	while (o > order) { /* split: the upper half goes back */
		o--;
		list_push(fa, pfn + (1ULL << o), o);
	}
	fa->refcount[pfn] = 1;
	fa->in_use += 1ULL << order;
	if (fa->in_use > fa->peak)
		fa->peak = fa->in_use;
	uint64_t pa = pfn << PAGE_SHIFT;
	for (uint64_t i = 0; i < 1ULL << order; i++) {
		if (fa->flags[pfn + i] & FRAME_USED)
			memset(phys_ptr(k, pa + (i << PAGE_SHIFT)), 0, PAGE_SIZE);
		fa->flags[pfn + i] |= FRAME_USED;
	}
	return pa;
}

void frame_get(struct kernel *k, uint64_t pa)
{
	k->frames.refcount[pa_to_pfn(pa)]++;
}

uint32_t frame_refcount(struct kernel *k, uint64_t pa)
{
	return k->frames.refcount[pa_to_pfn(pa)];
}

void frame_mark_exec(struct kernel *k, uint64_t pa)
{
	k->frames.flags[pa_to_pfn(pa)] |= FRAME_EXEC;
}

bool frame_is_exec(struct kernel *k, uint64_t pa)
{
	return k->frames.flags[pa_to_pfn(pa)] & FRAME_EXEC;
}

void frame_written(struct kernel *k, uint64_t pa)
{
	if (!frame_is_exec(k, pa) || k->code_flush_pending)
		return;
	k->code_flush_pending = true;
	k->ops.stop(k->ops.ctx);
}

static void quarantine_push(struct kernel *k, uint64_t pfn, unsigned order)
{
	struct frame_allocator *fa = &k->frames;
	if (fa->nquarantine == fa->quarantine_cap) {
		size_t cap = fa->quarantine_cap ? fa->quarantine_cap * 2 : 64;
		struct frame_block *q = realloc(fa->quarantine, cap * sizeof(*q));
		if (!q)
			abort(); /* a few bytes of host memory; nothing sane to do */
		fa->quarantine = q;
		fa->quarantine_cap = cap;
	}
	fa->quarantine[fa->nquarantine++] = (struct frame_block){pfn, order};
	/* The CPU may still hold translated code from this frame: it must be
	 * dropped before the frame is reused, at the end of this run slice. */
	k->ops.stop(k->ops.ctx);
}

void frame_put(struct kernel *k, uint64_t pa, unsigned order)
{
	struct frame_allocator *fa = &k->frames;
	uint64_t pfn = pa_to_pfn(pa);
	if (--fa->refcount[pfn] > 0)
		return;
	lru_del(k, pa);
	if (fa->flags[pfn] & FRAME_EXEC) {
		quarantine_push(k, pfn, order);
		return;
	}
	fa->in_use -= 1ULL << order;
	buddy_free(fa, pfn, order);
}

/* Call only after the CPU has dropped all translated code. */
void frame_release_quarantine(struct kernel *k)
{
	struct frame_allocator *fa = &k->frames;
	for (size_t i = 0; i < fa->nquarantine; i++) {
		struct frame_block b = fa->quarantine[i];
		fa->flags[b.pfn] &= (uint8_t)~FRAME_EXEC;
		fa->in_use -= 1ULL << b.order;
		buddy_free(fa, b.pfn, b.order);
	}
	fa->nquarantine = 0;
}

void frame_split(struct kernel *k, uint64_t pa, unsigned order)
{
	uint64_t pfn = pa_to_pfn(pa);
	for (uint64_t i = 1; i < 1ULL << order; i++)
		k->frames.refcount[pfn + i] = 1;
}

void frame_free_blocks(struct kernel *k, uint64_t count[FRAME_MAX_ORDER + 1])
{
	struct frame_allocator *fa = &k->frames;
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++) {
		count[o] = 0;
		for (uint64_t pfn = fa->free_head[o]; pfn != FRAME_NONE; pfn = fa->next[pfn])
			count[o]++;
	}
}

void frame_put_ref(struct kernel *k, uint64_t pa)
{
	k->frames.refcount[pa_to_pfn(pa)]--;
}
