/* page_info.c - what a PTE maps, as /proc/PID/smaps and pagemap report
 * it (Linux's vm_normal_page, PageAnon, page_mapcount, PageDirty,
 * PageReferenced, the swap entry and its count). The zero pages (4 KiB
 * and huge) are no page of their own. */
#include "kern.h"
#include "mm/internal.h"

void page_info_of(struct kernel *k, uint64_t pte, struct page_info *pi)
{
	*pi = (struct page_info){0};
	if (pte_is_swap(pte)) {
		pi->swapped = true;
		pi->swap_slot = swp_offset(pte);
		pi->swapcount = k->swap.count ? k->swap.count[pi->swap_slot] : 1;
		return;
	}
	if (!(pte & (PTE_P | PTE_SW_PROTNONE)))
		return;
	uint64_t pa = pte & PTE_ADDR_MASK;
	pi->present = true;
	pi->pfn = pa >> PAGE_SHIFT;
	pi->referenced = pte & PTE_A;
	pi->dirty = pte & PTE_D;
	if (is_zero_page(k, pa))
		return; /* no page of its own: vm_normal_page() is NULL */
	pi->normal = true;
	pi->referenced |= k->lru.referenced[pi->pfn] != 0;
	struct cache_page *cp = pagecache_page(k, pa);
	if (cp) {
		pi->mapcount = cp->mapcount;
		pi->dirty |= cp->dirty;
		return;
	}
	pi->anon = true;
	/* Each PTE holds a reference, and so does the swap cache. Linux
	 * dirties an anonymous PTE when it maps a page for a write; only a
	 * page read back from swap and not written since is clean. */
	bool in_swap_cache = k->swap.nslots && k->swap.slot_of[pi->pfn];
	pi->mapcount = frame_refcount(k, pa) - (in_swap_cache ? 1 : 0);
	pi->dirty |= !in_swap_cache;
}

void page_info_at(struct kernel *k, struct mm *mm, uint64_t va, struct page_info *pi)
{
	uint64_t size, pte = pgtable_page_pte(k, mm, va, &size);
	page_info_of(k, pte, pi);
	if (!pi->normal || !pmd_hugetlb(pte))
		return;
	/* The leaves that map it, not the reference of a hugetlbfs file
	 * that holds it (a page of its page cache, not anonymous). */
	uint64_t pa = (pte & PTE_ADDR_MASK) & ~(size - 1);
	const struct vma *v = vma_find(mm, va);
	uint64_t index = (linear_page_index(v, va) << PAGE_SHIFT) / size;
	bool in_file = v->mapping && v->mapping->hugetlb && hugetlb_file_lookup(v->mapping, index) == pa;
	pi->mapcount = frame_refcount(k, pa) - in_file;
	pi->anon = !in_file;
}
