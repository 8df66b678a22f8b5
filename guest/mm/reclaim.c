/* reclaim.c - freeing frames under memory pressure, as Linux's vmscan
 * does it over the LRU lists (lru.c): each round scans a share of every
 * list that can give memory, from its tail. A page some PTE touched since
 * the last look (its A bit, cleared as it is read) is kept or activated;
 * any other page is unmapped from every PTE (the reverse map finds them) and
 * freed: a file page goes back to its file (written first when dirty), an
 * anonymous page to swap. Each round looks at more (priority 12 scans
 * 1/4096 of a list, priority 0 all of it) until the target is met. */
#include "kern.h"
#include "mm/internal.h"

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32 /* the least a list is scanned by, per round */

uint64_t frames_free(struct kernel *k)
{
	return k->frames.nframes - FRAME_FIRST - k->frames.in_use;
}

/* A page mapped in a locked VMA stays (Linux's try_to_unmap_one stops
 * at VM_LOCKED). */
static bool mlocked_at(struct mm *mm, uint64_t va)
{
	const struct vma *v = vma_find(mm, va);
	return v && (v->flags & VM_LOCKED);
}

/* One PTE of a file page goes; its D bit makes the page dirty. */
static bool unmap_file_one(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct cache_page *cp = arg;
	if (mlocked_at(mm, va))
		return false;
	if (*pte & PTE_D)
		pagecache_set_dirty(k, cp, true);
	pagecache_unmap(k, cp->pa);
	pgtable_update(k, mm, va, pte, 0);
	frame_put(k, cp->pa, 0); /* the cache keeps its own reference */
	mm_rss_sub(mm, 1);
	return true;
}

/* One PTE of an anonymous page gets its swap entry (the page is written
 * to swap at the first, and the swap cache keeps it meanwhile). */
static bool unmap_anon_one(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)arg;
	if (mlocked_at(mm, va))
		return false;
	/* A huge page goes to swap in 4 KiB pieces: its PDE is split first. */
	if (pmd_trans_huge(*pte)) {
		if (split_huge_pmd(k, mm, va, pte))
			return false;
		pte = pgtable_pte(k, mm, va, false);
	}
	uint64_t pa = *pte & PTE_ADDR_MASK;
	uint64_t slot = swap_out(k, pa);
	if (!slot)
		return false; /* swap is full */
	pgtable_update(k, mm, va, pte, swp_pte(slot));
	frame_put(k, pa, 0);
	mm_rss_sub(mm, 1);
	mm->swap_ents++;
	return true;
}

/* Unmaps the page everywhere and frees it; false when something still
 * holds it (a read in progress, a mapping the reverse map cannot see, a
 * locked VMA, a failed write-back, full swap). */
bool reclaim_page(struct kernel *k, uint64_t pa, bool file)
{
	if (file) {
		struct cache_page *cp = pagecache_page(k, pa);
		rmap_walk(k, pa, unmap_file_one, cp);
		return pagecache_reclaim_page(k, cp);
	}
	rmap_walk(k, pa, unmap_anon_one, NULL);
	return swap_cache_free(k, pa);
}

enum page_references { PAGEREF_RECLAIM, PAGEREF_KEEP, PAGEREF_ACTIVATE };

/* What to do with an inactive page, as Linux's folio_check_references:
 * every mapped page starts with A set by the fault that mapped it, so a
 * page must be seen referenced twice (PG_referenced remembers the first)
 * or by two PTEs to be activated; mapped code is activated at once. */
static enum page_references check_references(struct kernel *k, uint64_t pa, bool file)
{
	uint8_t *referenced = &k->lru.referenced[pa >> PAGE_SHIFT];
	bool exec, was_referenced = *referenced;
	unsigned young = rmap_referenced(k, pa, &exec);
	*referenced = 0;
	if (!young)
		return PAGEREF_RECLAIM;
	*referenced = 1;
	if (was_referenced || young > 1 || (exec && file))
		return PAGEREF_ACTIVATE;
	return PAGEREF_KEEP;
}

/* Pages from the tail of the inactive list: reclaimed, kept for another
 * trip round it, or activated; those that cannot be freed go round. */
static uint64_t shrink_inactive(struct kernel *k, bool file, uint64_t nr, uint64_t want)
{
	enum lru_list list = lru_inactive(file);
	uint64_t freed = 0;
	for (; nr > 0 && freed < want; nr--) {
		uint64_t pa = lru_tail(k, list);
		if (!pa)
			break;
		k->stats.pages_scanned++;
		switch (check_references(k, pa, file)) {
		case PAGEREF_ACTIVATE:
			lru_move(k, pa, lru_active(file));
			k->stats.pages_activated++;
			break;
		case PAGEREF_KEEP:
			lru_move(k, pa, list);
			break;
		case PAGEREF_RECLAIM:
			if (reclaim_page(k, pa, file))
				freed++; /* freeing took it off the list */
			else
				lru_move(k, pa, list);
			break;
		}
	}
	return freed;
}

/* Pages from the tail of the active list go to the inactive head with
 * their A bits cleared: they must be used again to stay (PG_referenced
 * stays, so one more use activates them again at once). Code in use
 * goes round the active list once more instead, as on Linux, so that
 * running programs keep their text under moderate pressure. */
static void shrink_active(struct kernel *k, bool file, uint64_t nr)
{
	for (; nr > 0; nr--) {
		uint64_t pa = lru_tail(k, lru_active(file));
		if (!pa)
			break;
		bool exec;
		if (rmap_referenced(k, pa, &exec) && exec && file) {
			lru_move(k, pa, lru_active(file));
			continue;
		}
		lru_move(k, pa, lru_inactive(file));
		k->stats.pages_deactivated++;
	}
}

/* One round over the anonymous or the file lists. The inactive list is
 * refilled first when it has become shorter than the active one (Linux's
 * inactive_is_low with ratio 1, its value below 1 GiB). */
static uint64_t shrink_lru(struct kernel *k, bool file, int prio, uint64_t want)
{
	const uint64_t *count = k->lru.count;
	uint64_t inactive = count[lru_inactive(file)], active = count[lru_active(file)];
	uint64_t nr = (inactive + active) >> prio;
	if (nr < SWAP_CLUSTER_MAX)
		nr = SWAP_CLUSTER_MAX;
	if (inactive < active)
		shrink_active(k, file, nr);
	return shrink_inactive(k, file, nr, want);
}

uint64_t reclaim(struct kernel *k, uint64_t target)
{
	struct swap *s = &k->swap;
	bool swap = s->nslots && s->used < s->nslots - 1; /* slot 0 is never used */
	uint64_t freed = 0;
	for (int prio = DEF_PRIORITY; prio >= 0 && freed < target; prio--) {
		freed += shrink_lru(k, true, prio, target - freed);
		/* Anonymous pages only once the page cache has failed for a few
		 * rounds or has little left (Linux's cache trim mode), and only
		 * with swap to put them in. */
		bool trim_cache = prio > DEF_PRIORITY - 3 && k->lru.count[LRU_INACTIVE_FILE] >> prio;
		/* vm.swappiness 0 weighs anonymous pages at nothing while the
		 * files can still give (Linux's get_scan_count: file_is_tiny). */
		uint64_t file = k->lru.count[LRU_ACTIVE_FILE] + k->lru.count[LRU_INACTIVE_FILE];
		bool file_is_tiny = file + frames_free(k) <= k->wmark_high;
		if (!k->vm.swappiness && !file_is_tiny)
			trim_cache = true;
		if (swap && !trim_cache && freed < target)
			freed += shrink_lru(k, false, prio, target - freed);
	}
	tlb_gather_finish(k);
	k->stats.pages_reclaimed += freed;
	return freed;
}

void reclaim_direct(struct kernel *k)
{
	while (frames_free(k) < k->wmark_min) {
		if (reclaim(k, k->wmark_low - frames_free(k)))
			continue;
		struct process *victim = oom_kill(k);
		if (!victim || victim == k->current)
			return; /* nothing to kill, or the OOM killer chose us */
	}
}

void reclaim_background(struct kernel *k)
{
	if (frames_free(k) < k->wmark_low)
		reclaim(k, k->wmark_high - frames_free(k));
}
