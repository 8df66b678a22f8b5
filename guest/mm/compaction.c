/* compaction.c - making a free order-9 block out of scattered free frames,
 * as Linux's mm/compaction.c does for a huge page: the movable pages of
 * one 2 MiB block (anonymous pages on an LRU list, mapped by PTEs only,
 * not in the swap cache, holding no code) are copied to free frames
 * elsewhere and every PTE that maps them is pointed at the copy (the
 * reverse map finds them; each change invalidates the TLB entry), so the
 * block's frames all come free and merge. The block chosen is the one
 * with the fewest pages to move among those with nothing unmovable.
 * Virtual addresses do not change: that is what virtual memory buys. */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

#define BLOCK_FRAMES HPAGE_PMD_NR

/* Per frame: free in the buddy allocator. */
static uint8_t *free_map(struct kernel *k)
{
	struct frame_allocator *fa = &k->frames;
	uint8_t *map = calloc(fa->nframes, 1);
	if (!map)
		return NULL;
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
		for (uint64_t pfn = fa->free_head[o]; pfn != FRAME_NONE; pfn = fa->next[pfn])
			memset(map + pfn, 1, 1ULL << o);
	return map;
}

struct ptes {
	uint64_t n;
	bool huge; /* a huge PDE maps it: it moves with its block or not at all */
};

static bool count_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)k;
	(void)mm;
	(void)va;
	struct ptes *p = arg;
	p->huge |= (*pte & PTE_PS) != 0;
	p->n++;
	return true;
}

/* The frame can move: every reference to it is a PTE the reverse map
 * finds (Linux's movable LRU pages whose extra references are none). */
static bool movable(struct kernel *k, uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	uint8_t on = k->lru.on[pfn];
	if (on != LRU_INACTIVE_ANON + 1 && on != LRU_ACTIVE_ANON + 1)
		return false;
	if (frame_is_exec(k, pa) || (k->swap.slot_of && k->swap.slot_of[pfn]))
		return false;
	struct ptes p = {0};
	rmap_walk(k, pa, count_pte, &p);
	return !p.huge && p.n == frame_refcount(k, pa);
}

/* The 2 MiB block (first frame) with the fewest movable pages and nothing
 * unmovable, that the free frames outside it can take; FRAME_NONE if none. */
static uint64_t pick_block(struct kernel *k, const uint8_t *is_free, uint64_t *moves)
{
	uint64_t best = FRAME_NONE, best_used = BLOCK_FRAMES, nfree = frames_free(k);
	for (uint64_t b = 0; b + BLOCK_FRAMES <= k->frames.nframes; b += BLOCK_FRAMES) {
		uint64_t used = 0;
		bool ok = b >= FRAME_FIRST; /* the block holding frames 0 and 1 never frees */
		for (uint64_t i = 0; ok && i < BLOCK_FRAMES; i++) {
			if (is_free[b + i])
				continue;
			k->stats.compact_migrate_scanned++;
			ok = movable(k, (b + i) << PAGE_SHIFT);
			used++;
		}
		if (ok && used && used < best_used && nfree - (BLOCK_FRAMES - used) >= used) {
			best = b;
			best_used = used;
		}
	}
	*moves = best_used;
	return best;
}

static bool held_contains(const uint64_t *held, uint64_t n, uint64_t pa)
{
	for (uint64_t i = 0; i < n; i++)
		if (held[i] == pa)
			return true;
	return false;
}

struct move {
	uint64_t from, to;
};

static bool move_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	const struct move *m = arg;
	frame_get(k, m->to);
	pgtable_update(k, mm, va, pte, (*pte & ~PTE_ADDR_MASK) | m->to);
	frame_put(k, m->from, 0);
	return true;
}

/* Moves the page at from to the frame to (Linux's migrate_pages of one
 * page): contents, LRU list, reverse-map index, then every PTE. */
static void migrate(struct kernel *k, uint64_t from, uint64_t to)
{
	struct lru *l = &k->lru;
	uint64_t fpfn = from >> PAGE_SHIFT, tpfn = to >> PAGE_SHIFT;
	enum lru_list list = (enum lru_list)(l->on[fpfn] - 1);
	memcpy(phys_ptr(k, to), phys_ptr(k, from), PAGE_SIZE);
	lru_add_anon_index(k, to, l->anon_index[fpfn]);
	if (list != LRU_INACTIVE_ANON)
		lru_move(k, to, list);
	l->referenced[tpfn] = l->referenced[fpfn];
	struct move m = {from, to};
	rmap_walk(k, from, move_pte, &m);
	frame_put(k, to, 0); /* frame_alloc's reference: the PTEs hold it now */
	k->stats.pgmigrate_success++;
}

bool compact_for_huge_page(struct kernel *k)
{
	k->stats.compact_stall++;
	uint8_t *is_free = free_map(k);
	uint64_t moves, block = is_free ? pick_block(k, is_free, &moves) : FRAME_NONE;
	free(is_free);
	if (block == FRAME_NONE) {
		k->stats.compact_fail++;
		return false;
	}
	/* Frames handed out inside the block are kept aside until the end. */
	uint64_t *held = malloc(BLOCK_FRAMES * sizeof(*held)), nheld = 0;
	if (!held) {
		k->stats.compact_fail++;
		return false;
	}
	for (uint64_t i = 0; i < BLOCK_FRAMES; i++) {
		uint64_t pa = (block + i) << PAGE_SHIFT;
		if (!frame_refcount(k, pa) || held_contains(held, nheld, pa))
			continue;
		uint64_t to;
		while ((to = frame_alloc(k, 0)) != FRAME_NONE && to >> PAGE_SHIFT >= block &&
		       to >> PAGE_SHIFT < block + BLOCK_FRAMES)
			held[nheld++] = to;
		if (to == FRAME_NONE)
			break; /* cannot happen: pick_block counted the room */
		migrate(k, pa, to);
	}
	while (nheld)
		frame_put(k, held[--nheld], 0);
	free(held);
	tlb_gather_finish(k);
	k->stats.compact_success++;
	return true;
}
