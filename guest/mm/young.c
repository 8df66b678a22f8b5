/* young.c - forgetting that pages were used: the A bit of each leaf that
 * maps a page of its own, and the page's PG_referenced, as Linux's
 * clear_refs_pte_range does with ptep_test_and_clear_young and
 * ClearPageReferenced. Like Linux (x86's ptep_test_and_clear_young), it
 * flushes no TLB entry: a translation still cached lets the CPU use the
 * page without a walk, and so without setting A again, until the entry
 * is evicted. The model's TLB decides, as the hardware's does natively. */
#include "kern.h"
#include "mm/internal.h"

static void clear_young(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)mm, (void)arg;
	struct page_info pi;
	uint64_t size = *pte & PTE_PS ? PAGE_SIZE_2M : PAGE_SIZE;
	page_info_of(k, size == PAGE_SIZE ? *pte : huge_subpage_pte(*pte, size, va), &pi);
	if (!pi.normal)
		return; /* swapped, or the zero page: vm_normal_page() is NULL */
	uint64_t first = (*pte & PTE_ADDR_MASK & ~(size - 1)) >> PAGE_SHIFT;
	for (uint64_t pfn = first; pfn < first + size / PAGE_SIZE; pfn++)
		k->lru.referenced[pfn] = 0;
	*pte &= ~PTE_A;
}

void mm_clear_young(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	pgtable_walk_leaves(k, mm, start, end, clear_young, NULL);
}
