/* reclaim.c - freeing frames under memory pressure: page-cache pages no
 * process maps first (oldest first), then the swap cache, then a clock
 * over every process's page tables. A page whose PTE has A set gets a
 * second chance (A cleared, TLB entry invalidated); one still unused on
 * the next look is unmapped: a file page goes back to the page cache
 * (which drops it), an anonymous page is written to swap. */
#include "kern.h"

uint64_t frames_free(struct kernel *k)
{
	return k->frames.nframes - FRAME_FIRST - k->frames.in_use;
}

struct scan {
	struct vma *vma;
	uint64_t target, freed;
	uint64_t last_va;
};

/* A file page leaves this PTE (its D bit goes to the page), and the
 * page cache drops it when no one else maps it. */
static void unmap_file_page(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			    struct cache_page *cp, struct scan *s)
{
	if (*pte & PTE_D)
		pagecache_set_dirty(k, cp, true);
	pagecache_unmap(k, cp->pa);
	pgtable_update(k, mm, va, pte, 0);
	frame_put(k, cp->pa, 0);
	mm->rss_pages--;
	s->freed += pagecache_reclaim_page(k, cp);
}

/* Private anonymous pages go to swap, file pages back to the page cache;
 * shared memory stays. */
static void scan_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct scan *s = arg;
	uint64_t pa = *pte & PTE_ADDR_MASK;
	if (s->freed >= s->target || !(*pte & PTE_P) || pa == ZERO_PAGE_PA)
		return;
	s->last_va = va;
	k->stats.pages_scanned++;
	if (*pte & PTE_A) {
		pgtable_update(k, mm, va, pte, *pte & ~PTE_A);
		return;
	}
	struct cache_page *cp = pagecache_page(k, pa);
	if (cp) {
		unmap_file_page(k, mm, va, pte, cp, s);
		return;
	}
	uint64_t slot = swap_out(k, pa);
	if (!slot)
		return;
	pgtable_update(k, mm, va, pte, swp_pte(slot));
	frame_put(k, pa, 0);
	mm->rss_pages--;
	mm->swap_ents++;
	if (frame_refcount(k, pa) == 1) /* only the swap cache holds it now */
		s->freed += swap_shrink_cache(k, 1);
}

/* One pass of the clock over p from va on; true when the target is met. */
static bool scan_process(struct kernel *k, struct process *p, uint64_t va, struct scan *s)
{
	for (struct vma *v = p->mm->vmas; v && s->freed < s->target; v = v->next) {
		if (v->end <= va || (v->mapping && v->mapping->anon))
			continue;
		s->vma = v;
		s->last_va = v->start > va ? v->start : va;
		pgtable_walk_leaves(k, p->mm, s->last_va, v->end, scan_leaf, s);
	}
	if (s->freed < s->target)
		return false;
	k->reclaim_pid = p->pid;
	k->reclaim_va = s->last_va + PAGE_SIZE;
	return true;
}

uint64_t reclaim(struct kernel *k, uint64_t target)
{
	struct scan s = {.target = target};
	s.freed = pagecache_shrink(k, target);
	if (s.freed < target)
		s.freed += swap_shrink_cache(k, target - s.freed);
	/* Two turns of the clock: the first may only clear A bits. Without
	 * swap only mapped file pages can go. */
	bool scan = k->swap.nslots || k->cache_mapped;
	for (int turn = 0; turn < 2 && s.freed < target && scan; turn++) {
		bool done = false;
		for (struct process *p = k->procs; p && !done; p = p->next) {
			if (!p->mm || p->pid < k->reclaim_pid)
				continue;
			done = scan_process(k, p, p->pid == k->reclaim_pid ? k->reclaim_va : 0, &s);
		}
		for (struct process *p = k->procs; p && !done; p = p->next)
			if (p->mm && p->pid < k->reclaim_pid)
				done = scan_process(k, p, 0, &s);
		if (!done)
			k->reclaim_pid = 0;
	}
	tlb_gather_finish(k);
	k->stats.pages_reclaimed += s.freed;
	return s.freed;
}

void reclaim_direct(struct kernel *k)
{
	while (frames_free(k) < k->wmark_min) {
		if (reclaim(k, k->wmark_low - frames_free(k)) == 0 && !oom_kill(k))
			return;
		if (k->current && k->current->exited)
			return; /* the OOM killer chose us */
	}
}

void reclaim_background(struct kernel *k)
{
	if (frames_free(k) < k->wmark_low)
		reclaim(k, k->wmark_high - frames_free(k));
}
