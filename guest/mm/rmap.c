/* rmap.c - the reverse map: from a page to the PTEs that map it, worked
 * out from what the page is instead of kept per PTE (so mapping a page
 * costs nothing): an anonymous page where a VMA with anonymous memory
 * places its index (Linux's anon_vma walk: fork and mremap keep a VMA's
 * offsets, so the page is found however it was shared and moved); a
 * page-cache page where each VMA of its file places its offset (Linux's
 * i_mmap walk). */
#include "kern.h"
#include "mm/internal.h"

/* The leaf holds frame pa: present, or kept behind PROT_NONE (a swap
 * entry has neither bit). */
static bool pte_maps(uint64_t pte, uint64_t pa)
{
	return (pte & (PTE_P | PTE_SW_PROTNONE)) && (pte & PTE_ADDR_MASK) == pa;
}

/* Calls fn if mm maps pa at va; false when fn asks to stop. */
static bool visit(struct kernel *k, struct mm *mm, uint64_t va, uint64_t pa, rmap_one_fn *fn,
		  void *arg)
{
	uint64_t *pte = pgtable_pte(k, mm, va, false);
	if (!pte || !pte_maps(*pte, pa))
		return true;
	return fn(k, mm, va, pte, arg);
}

/* The VMAs of mm that map page cp of its file. */
static bool visit_file(struct kernel *k, struct mm *mm, const struct cache_page *cp,
		       rmap_one_fn *fn, void *arg)
{
	for (struct vma *v = mm->vmas; v; v = v->next) {
		if (v->mapping != cp->mapping || cp->index < v->pgoff)
			continue;
		uint64_t off = cp->index - v->pgoff;
		if (off < (v->end - v->start) >> PAGE_SHIFT &&
		    !visit(k, mm, v->start + (off << PAGE_SHIFT), cp->pa, fn, arg))
			return false;
	}
	return true;
}

/* The anonymous page pa of that index in mm: the VMAs with anonymous
 * memory whose offsets cover it (Linux's anon_vma walk; the PTE decides,
 * so a VMA that merely shares the offsets finds nothing). A private page
 * is mapped once in an address space at most. */
static bool visit_anon(struct kernel *k, struct mm *mm, uint64_t index, uint64_t pa,
		       rmap_one_fn *fn, void *arg)
{
	for (struct vma *v = mm->vmas; v; v = v->next) {
		if (!v->anon_vma || index < v->pgoff || index - v->pgoff >= (v->end - v->start) >> PAGE_SHIFT)
			continue;
		uint64_t va = v->start + ((index - v->pgoff) << PAGE_SHIFT);
		uint64_t *pte = pgtable_leaf(k, mm, va);
		/* A huge page's PDE maps its first frame. */
		uint64_t want = pte && pmd_trans_huge(*pte) ? pa & HPAGE_PMD_MASK : pa;
		if (pte && pte_maps(*pte, want))
			return fn(k, mm, va, pte, arg);
	}
	return true;
}

void rmap_walk(struct kernel *k, uint64_t pa, rmap_one_fn *fn, void *arg)
{
	const struct cache_page *cp = pagecache_page(k, pa);
	uint64_t index = k->lru.anon_index[pa >> PAGE_SHIFT];
	for (struct mm *mm = k->mms; mm; mm = mm->next) {
		bool go_on = cp ? visit_file(k, mm, cp, fn, arg) : visit_anon(k, mm, index, pa, fn, arg);
		if (!go_on)
			return;
	}
}

struct young {
	unsigned n;
	bool exec; /* one of them lets the CPU run code from the page */
};

static bool clear_young(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct young *y = arg;
	if (*pte & PTE_A) {
		pgtable_update(k, mm, va, pte, *pte & ~PTE_A);
		y->n++;
		y->exec |= (*pte & (PTE_P | PTE_NX)) == PTE_P;
	}
	return true;
}

unsigned rmap_referenced(struct kernel *k, uint64_t pa, bool *exec)
{
	struct young y = {0};
	rmap_walk(k, pa, clear_young, &y);
	if (exec)
		*exec = y.exec;
	return y.n;
}
