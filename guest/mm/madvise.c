/* madvise.c - madvise(2) over the VMAs of a range, as Linux's
 * mm/madvise.c walks them (madvise_walk_vmas): the mapped parts get the
 * advice in address order, and a hole makes the call fail with ENOMEM at
 * the end (or at once, past the last VMA).
 *
 * Advice that is a VMA flag (MADV_NORMAL, RANDOM, SEQUENTIAL, DONTFORK,
 * DOFORK, DONTDUMP, DODUMP, HUGEPAGE, NOHUGEPAGE) changes the flags of
 * the range, splitting and merging VMAs as mprotect does; a split refused
 * at vm.max_map_count is EAGAIN, as Linux reports it. MADV_DONTNEED and
 * MADV_FREE drop the pages (private anonymous memory reads back zeroes, a
 * private file map the file, shared memory keeps its data); MADV_WILLNEED
 * reads file pages into the page cache; MADV_COLLAPSE makes huge pages.
 * MADV_POPULATE_READ and _WRITE fault the pages in as reads or writes
 * (gup.c): EINVAL where the VMA does not allow that access, EFAULT where
 * a fault fails (SIGBUS).
 * MADV_WIPEONFORK (private anonymous memory only) gives a forked child
 * the range empty, until MADV_KEEPONFORK. MADV_COLD deactivates the pages only this process
 * maps, so reclaim takes them first; MADV_PAGEOUT reclaims them now (a
 * clean file page leaves the page cache, an anonymous one goes to swap
 * if there is swap), as Linux's madvise_cold_or_pageout_pte_range. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif

#include "kern.h"
#include "mm/internal.h"

/* The flags advice gives a VMA with flags (Linux's madvise_vma_behavior);
 * flags themselves for advice that is no flag. */
static unsigned advice_flags(int advice, unsigned flags)
{
	switch (advice) {
	case MADV_NORMAL:
		return flags & ~(VM_SEQ_READ | VM_RAND_READ);
	case MADV_RANDOM:
		return (flags & ~VM_SEQ_READ) | VM_RAND_READ;
	case MADV_SEQUENTIAL:
		return (flags & ~VM_RAND_READ) | VM_SEQ_READ;
	case MADV_DONTFORK:
		return flags | VM_DONTCOPY;
	case MADV_DOFORK:
		return flags & ~VM_DONTCOPY;
	case MADV_DONTDUMP:
		return flags | VM_DONTDUMP;
	case MADV_DODUMP:
		return flags & ~VM_DONTDUMP;
	case MADV_HUGEPAGE:
		return (flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	case MADV_NOHUGEPAGE:
		return (flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	case MADV_WIPEONFORK:
		return flags | VM_WIPEONFORK;
	case MADV_KEEPONFORK:
		return flags & ~VM_WIPEONFORK;
	default:
		return flags;
	}
}

/* MADV_WILLNEED on a file map: its pages are read into the page cache
 * (Linux's readahead), while memory is not short. */
static void willneed(struct kernel *k, const struct vma *v, uint64_t start, uint64_t end)
{
	struct mapping *m = v->mapping;
	for (uint64_t va = start; va < end && frames_free(k) > k->wmark_low; va += PAGE_SIZE) {
		uint64_t pgoff = v->pgoff + ((va - v->start) >> PAGE_SHIFT);
		struct cache_page *cp;
		if (pgoff << PAGE_SHIFT >= m->size || mapping_page(k, m, pgoff, &cp))
			return;
	}
}

/* MADV_COLLAPSE: each 2 MiB of [s, e) that v holds whole becomes a huge
 * page (whatever --thp says, as on Linux, unless MADV_NOHUGEPAGE); the
 * call goes on past a failure and reports the last. */
static int collapse_range(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e)
{
	if (mm->thp_disabled || v->mapping || (v->flags & (VM_SHARED | VM_HUGETLB | VM_NOHUGEPAGE)))
		return -EINVAL;
	int err = 0;
	for (uint64_t h = (s + PAGE_SIZE_2M - 1) & HPAGE_PMD_MASK; h + PAGE_SIZE_2M <= e;
	     h += PAGE_SIZE_2M) {
		int r = collapse_huge_page(k, mm, v, h);
		if (r)
			err = r;
	}
	return err;
}

static bool count_mapping(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)k, (void)mm, (void)va, (void)pte;
	return ++*(unsigned *)arg < 2;
}

/* The pages of a cold or pageout range: those on an LRU list that no
 * other PTE maps (Linux leaves pages it sees shared alone). */
struct cold {
	bool pageout;
	uint64_t *pages; /* pageout: the pages to reclaim once the walk is done */
	size_t n, cap;
	bool nomem;
};

/* MADV_COLD of a huge page mapped whole: the PDE's use forgotten and all
 * its frames deactivated, when this process alone maps it. */
static void cold_huge(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd)
{
	uint64_t pa = *pmd & PTE_ADDR_MASK;
	unsigned mapped = 0;
	rmap_walk(k, pa, count_mapping, &mapped);
	if (is_zero_page(k, pa) || mapped != 1)
		return;
	pgtable_update(k, mm, va, pmd, *pmd & ~PTE_A);
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t f = pa + i * PAGE_SIZE;
		k->lru.referenced[f >> PAGE_SHIFT] = 0;
		if (lru_on_list(k, f))
			lru_move(k, f, LRU_INACTIVE_ANON);
	}
}

static void cold_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct cold *c = arg;
	if (*pte & PTE_PS) { /* pageout walks split huge pages first */
		cold_huge(k, mm, va, pte);
		return;
	}
	uint64_t pa = *pte & PTE_ADDR_MASK;
	if (!(*pte & PTE_P) || pa == ZERO_PAGE_PA || !lru_on_list(k, pa))
		return;
	unsigned mapped = 0;
	rmap_walk(k, pa, count_mapping, &mapped);
	if (mapped != 1)
		return;
	bool file = pagecache_page(k, pa) != NULL;
	if (!c->pageout) { /* deactivate, and forget the last use */
		pgtable_update(k, mm, va, pte, *pte & ~PTE_A);
		k->lru.referenced[pa >> PAGE_SHIFT] = 0;
		lru_move(k, pa, lru_inactive(file));
		return;
	}
	if (file && ((*pte & PTE_D) || pagecache_page(k, pa)->dirty))
		return; /* as Linux's direct reclaim: a dirty file page is not written from here */
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		uint64_t *p = realloc(c->pages, cap * sizeof(*p));
		if (!p) {
			c->nomem = true;
			return;
		}
		c->pages = p, c->cap = cap;
	}
	c->pages[c->n++] = pa;
}

/* A huge page to page out goes in 4 KiB pages, its PDE split first (Linux
 * splits the folio when it adds it to swap). */
static int cold_or_pageout(struct kernel *k, struct mm *mm, uint64_t s, uint64_t e, bool pageout)
{
	struct cold c = {.pageout = pageout};
	(pageout ? pgtable_walk_ptes : pgtable_walk_leaves)(k, mm, s, e, cold_leaf, &c);
	tlb_gather_finish(k);
	for (size_t i = 0; i < c.n; i++) {
		bool file = pagecache_page(k, c.pages[i]) != NULL;
		if (!reclaim_page(k, c.pages[i], file))
			lru_move(k, c.pages[i], lru_inactive(file));
	}
	tlb_gather_finish(k);
	free(c.pages);
	return c.nomem ? -ENOMEM : 0;
}

/* The advice for [s, e), inside v. */
static int advise_part(struct kernel *k, struct mm *mm, struct vma *v, uint64_t s, uint64_t e,
		       int advice)
{
	switch (advice) {
	case MADV_FREE: /* private anonymous memory only */
		if (v->mapping)
			return -EINVAL;
		mm_zap_range(k, mm, s, e);
		return 0;
	case MADV_DONTNEED:
		mm_zap_range(k, mm, s, e);
		return 0;
	case MADV_WILLNEED:
		if (v->mapping && !v->mapping->anon)
			willneed(k, v, s, e);
		return 0;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		return mm_populate_vma(k, v, s, e, advice == MADV_POPULATE_WRITE);
	case MADV_COLLAPSE:
		return collapse_range(k, mm, v, s, e);
	case MADV_COLD:
	case MADV_PAGEOUT:
		/* Linux's can_madv_lru_vma: not locked or hugetlb memory. */
		if (v->flags & (VM_LOCKED | VM_HUGETLB))
			return -EINVAL;
		return cold_or_pageout(k, mm, s, e, advice == MADV_PAGEOUT);
	case MADV_WIPEONFORK:
		if (v->mapping || (v->flags & VM_SHARED))
			return -EINVAL;
		goto flags;
	default:
	flags: {
		int err = vma_modify_flags(k, mm, v, s, e, advice_flags(advice, v->flags));
		return err == -ENOMEM ? -EAGAIN : err;
	}
	}
}

int mm_madvise(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end, int advice)
{
	int unmapped = 0;
	for (uint64_t at = start; at < end;) {
		struct vma *v = vma_first_after(mm, at);
		if (!v)
			return -ENOMEM;
		if (v->start > at) {
			unmapped = -ENOMEM;
			at = v->start;
			if (at >= end)
				break;
		}
		/* A merge may have joined v to what was done already. */
		uint64_t e = v->end < end ? v->end : end;
		int err = advise_part(k, mm, v, at, e, advice);
		if (err)
			return err;
		at = e;
	}
	return unmapped;
}
