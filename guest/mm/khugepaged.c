/* khugepaged.c - the background collapse of regions faulted in 4 KiB
 * pages into transparent huge pages, as Linux's khugepaged: every
 * scan_sleep_millisecs it looks at pages_to_scan pages more of the address
 * spaces, in turn, where THP may be used (the --thp mode and
 * MADV_HUGEPAGE, thp_vma_allowable), and a page table of private
 * anonymous pages with no more than max_ptes_none PTEs empty (or the zero
 * page) becomes one huge page (collapse_huge_page, as MADV_COLLAPSE).
 * Where it stopped is kept across wakeups: an address space by its
 * ctx_id (never reused), an address in it. Its knobs and counters are
 * /sys/kernel/mm/transparent_hugepage/khugepaged/'s. */
#include "kern.h"
#include "mm/internal.h"

#define NS_PER_MS 1000000ULL

void khugepaged_init(struct kernel *k)
{
	k->khugepaged = (struct khugepaged){
		.pages_to_scan = 8 * HPAGE_PMD_NR, /* Linux's default: 4096 */
		.scan_sleep_millisecs = 10000,
		.max_ptes_none = HPAGE_PMD_NR - 1,
	};
}

/* The address space to go on with: the one with the least ctx_id not
 * below ctx_id, or NULL when the pass is over. */
static struct mm *mm_from(struct kernel *k, uint64_t ctx_id)
{
	struct mm *best = NULL;
	for (struct mm *mm = k->mms; mm; mm = mm->next)
		if (mm->ctx_id >= ctx_id && (!best || mm->ctx_id < best->ctx_id))
			best = mm;
	return best;
}

/* Whether the page table under the PDE at haddr is worth a huge page:
 * no more than max_ptes_none of its PTEs empty or the zero page (Linux's
 * hpage_collapse_scan_pmd; collapse_huge_page refuses the rest). */
static bool worth_collapse(struct kernel *k, struct mm *mm, uint64_t haddr)
{
	uint64_t *pmd = pgtable_pmd(k, mm, haddr, false);
	if (!pmd || !(*pmd & PTE_P) || (*pmd & PTE_PS) || pmd_hugetlb(*pmd))
		return false;
	const uint64_t *pte = phys_ptr(k, *pmd & PTE_ADDR_MASK);
	unsigned none = 0;
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
		none += !pte[i] || (pte[i] & PTE_ADDR_MASK) == ZERO_PAGE_PA;
	return none <= k->khugepaged.max_ptes_none;
}

/* Scans mm from va on until budget (2 MiB ranges) runs out: false then,
 * with the place to go on from in the cursor; true when mm is done. */
static bool scan_mm(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *budget)
{
	struct khugepaged *kh = &k->khugepaged;
	for (struct vma *v = vma_first_after(mm, va); v; v = v->next) {
		uint64_t h = ((v->start > va ? v->start : va) + PAGE_SIZE_2M - 1) & HPAGE_PMD_MASK;
		for (; h + PAGE_SIZE_2M <= v->end; h += PAGE_SIZE_2M) {
			if (!thp_vma_allowable(k, mm, v, h))
				break; /* the VMA's mode: none of it */
			if (!*budget) {
				kh->cursor_va = h;
				return false;
			}
			(*budget)--;
			if (worth_collapse(k, mm, h) && !collapse_huge_page(k, mm, v, h))
				kh->pages_collapsed++;
		}
	}
	return true;
}

void khugepaged_tick(struct kernel *k, uint64_t now)
{
	struct khugepaged *kh = &k->khugepaged;
	if (k->thp == THP_NEVER || now < kh->next_scan_ns)
		return;
	/* At least one page table a wakeup, however few pages it may scan. */
	uint64_t budget = kh->pages_to_scan / HPAGE_PMD_NR ? kh->pages_to_scan / HPAGE_PMD_NR : 1;
	struct mm *mm;
	while ((mm = mm_from(k, kh->cursor_mm))) {
		if (mm->ctx_id != kh->cursor_mm)
			kh->cursor_va = 0; /* the one stopped in is gone */
		kh->cursor_mm = mm->ctx_id;
		if (!scan_mm(k, mm, kh->cursor_va, &budget))
			break;
		kh->cursor_mm = mm->ctx_id + 1;
		kh->cursor_va = 0;
	}
	if (!mm) { /* every address space seen: a full scan */
		kh->full_scans++;
		kh->cursor_mm = 0;
	}
	kh->next_scan_ns = now + kh->scan_sleep_millisecs * NS_PER_MS;
}
