/* tlb_growth.c - a mirror of QEMU's softmmu TLB sizing, and when to flush
 * so that it grows (tlb_growth.h says why). */
#include <stdlib.h>
#include <string.h>

#include "tlb_growth.h"

#define PAGE_SHIFT 12

static size_t entries(unsigned bits)
{
	return (size_t)1 << bits;
}

static bool table_alloc(struct tlb_growth *g, unsigned bits)
{
	uint64_t *slot = calloc(entries(bits), sizeof(*slot));
	if (!slot)
		return false;
	free(g->slot);
	g->slot = slot;
	g->bits = bits;
	if (bits > g->peak_bits)
		g->peak_bits = bits;
	return true;
}

bool tlb_growth_init(struct tlb_growth *g, uint64_t now)
{
	*g = (struct tlb_growth){.window_begin = now};
	return table_alloc(g, TLB_GROWTH_QEMU_DEFAULT_BITS);
}

void tlb_growth_destroy(struct tlb_growth *g)
{
	free(g->slot);
	g->slot = NULL;
}

/* As tlb_set_page_with_attrs counts: a slot that was empty or held the
 * same page (an entry filled again for another access type) adds one; a
 * slot that held another page moves it to the victim TLB and adds none.
 * The 8-entry victim TLB itself is not mirrored. */
void tlb_growth_fill(struct tlb_growth *g, uint64_t va)
{
	uint64_t page = (va >> PAGE_SHIFT) + 1;
	uint64_t *s = &g->slot[(page - 1) & (entries(g->bits) - 1)];
	g->fills++;
	if (*s == 0 || *s == page)
		g->used++;
	*s = page;
}

static unsigned use_percent(uint64_t in_use, unsigned bits)
{
	return (unsigned)(in_use * 100 / entries(bits));
}

bool tlb_growth_due(const struct tlb_growth *g)
{
	uint64_t in_use = g->used > g->window_max ? g->used : g->window_max;
	return !g->broken && g->bits < TLB_GROWTH_MAX_BITS &&
	       g->fills >= (uint64_t)TLB_GROWTH_FILLS_PER_ENTRY * entries(g->bits) &&
	       use_percent(in_use, g->bits) > TLB_GROWTH_UP_PERCENT;
}

static unsigned ceil_log2(uint64_t n)
{
	unsigned bits = 0;
	while (((uint64_t)1 << bits) < n)
		bits++;
	return bits;
}

unsigned tlb_growth_resize(unsigned bits, uint64_t window_max, bool window_expired)
{
	unsigned rate = use_percent(window_max, bits);
	if (rate > TLB_GROWTH_UP_PERCENT)
		return bits < TLB_GROWTH_QEMU_MAX_BITS ? bits + 1 : bits;
	if (rate < TLB_GROWTH_DOWN_PERCENT && window_expired) {
		/* The smallest power of two that holds the peak, doubled if
		 * the peak would fill it past 70%. */
		unsigned fit = ceil_log2(window_max);
		if (use_percent(window_max, fit) > TLB_GROWTH_UP_PERCENT)
			fit++;
		return fit > TLB_GROWTH_QEMU_MIN_BITS ? fit : TLB_GROWTH_QEMU_MIN_BITS;
	}
	return bits;
}

void tlb_growth_flushed(struct tlb_growth *g, uint64_t now)
{
	g->flushes++;
	if (g->fills == 0)
		return; /* QEMU skips a table that is still clean */
	bool expired = now > g->window_begin + TLB_GROWTH_WINDOW_NS;
	if (g->used > g->window_max)
		g->window_max = g->used;
	unsigned bits = tlb_growth_resize(g->bits, g->window_max, expired);
	if (bits != g->bits) {
		g->window_begin = now;
		g->window_max = 0;
		if (bits > g->bits)
			g->grows++;
		if (!table_alloc(g, bits))
			g->broken = true;
	} else if (expired) {
		g->window_begin = now;
		g->window_max = g->used;
	}
	memset(g->slot, 0, entries(g->bits) * sizeof(*g->slot));
	g->used = 0;
	g->fills = 0;
}
