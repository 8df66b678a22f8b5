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
 * reads file pages into the page cache; MADV_COLLAPSE makes huge pages. */
#include <errno.h>
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
	if (v->mapping || (v->flags & (VM_SHARED | VM_HUGETLB | VM_NOHUGEPAGE)))
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
	case MADV_COLLAPSE:
		return collapse_range(k, mm, v, s, e);
	default: {
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
