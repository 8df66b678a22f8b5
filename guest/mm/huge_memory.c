/* huge_memory.c - transparent huge pages for private anonymous memory, as
 * Linux's mm/huge_memory.c: a fault in a 2 MiB-aligned range that lies
 * wholly in a suitable VMA maps an order-9 block with one PDE leaf (a
 * read maps the huge zero page); a PDE is split into 512 PTEs where a
 * 2 MiB page must be handled in parts (part of it unmapped, protected or
 * moved, a write to it while shared, swap-out); MADV_COLLAPSE turns a page
 * table of 4 KiB pages back into one huge page. */
#include <errno.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

bool thp_vma_allowable(struct kernel *k, const struct mm *mm, const struct vma *vma,
		       uint64_t va)
{
	uint64_t haddr = va & HPAGE_PMD_MASK;
	if (mm->thp_disabled || vma->mapping || (vma->flags & (VM_SHARED | VM_NOHUGEPAGE | VM_HUGETLB)))
		return false;
	if (k->thp == THP_NEVER || (k->thp == THP_MADVISE && !(vma->flags & VM_HUGEPAGE)))
		return false;
	return haddr >= vma->start && haddr + PAGE_SIZE_2M <= vma->end;
}

bool thp_vma_eligible(struct kernel *k, const struct mm *mm, const struct vma *vma)
{
	return vma->end - vma->start >= PAGE_SIZE_2M &&
	       thp_vma_allowable(k, mm, vma, vma->end - PAGE_SIZE_2M);
}

uint64_t huge_zero_pa(struct kernel *k)
{
	return k->huge_zero_pa;
}

/* The huge zero page, made at its first use (Linux's
 * mm_get_huge_zero_folio); FRAME_NONE when no order-9 block is free. */
static uint64_t get_huge_zero_page(struct kernel *k)
{
	if (!k->huge_zero_pa) {
		uint64_t pa = frame_alloc(k, HPAGE_PMD_ORDER); /* the kernel's reference */
		if (pa == FRAME_NONE)
			return FRAME_NONE;
		k->huge_zero_pa = pa;
		k->stats.thp_zero_page_alloc++;
	}
	return k->huge_zero_pa;
}

void huge_zero_page_put(struct kernel *k)
{
	if (k->huge_zero_pa)
		frame_put(k, k->huge_zero_pa, HPAGE_PMD_ORDER);
	k->huge_zero_pa = 0;
}

int do_huge_pmd_anonymous_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			       uint64_t *pmd, bool write)
{
	uint64_t haddr = va & HPAGE_PMD_MASK;
	uint64_t bits = pgtable_prot_bits(vma->flags) | PTE_PS;
	/* A read too gives the VMA its anon_vma, as fault_anonymous. */
	if (anon_vma_prepare(vma))
		return -1;
	if (!write) {
		uint64_t zero = get_huge_zero_page(k);
		if (zero != FRAME_NONE) {
			frame_get(k, zero);
			pgtable_set_new(k, pmd, zero | (bits & ~PTE_W));
			return 0;
		}
	}
	uint64_t pa = frame_alloc(k, HPAGE_PMD_ORDER);
	/* Direct compaction for MADV_HUGEPAGE regions, as Linux's default
	 * transparent_hugepage/defrag "madvise". */
	if (pa == FRAME_NONE && (vma->flags & VM_HUGEPAGE) && compact_for_huge_page(k))
		pa = frame_alloc(k, HPAGE_PMD_ORDER);
	if (pa == FRAME_NONE) {
		k->stats.thp_fault_fallback++;
		return THP_FALLBACK;
	}
	frame_split(k, pa, HPAGE_PMD_ORDER);
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
		lru_add_anon(k, pa + i * PAGE_SIZE, vma, haddr + i * PAGE_SIZE);
	pgtable_set_new(k, pmd, pa | bits);
	mm->rss_pages += HPAGE_PMD_NR;
	k->stats.thp_fault_alloc++;
	return 0;
}

/* mm alone holds each frame of the huge page at pa. */
static bool exclusive(struct kernel *k, uint64_t pa)
{
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
		if (frame_refcount(k, pa + i * PAGE_SIZE) != 1)
			return false;
	return true;
}

int do_huge_pmd_wp_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			uint64_t *pmd)
{
	uint64_t haddr = va & HPAGE_PMD_MASK, pa = *pmd & PTE_ADDR_MASK;
	if (!is_huge_zero_pmd(k, *pmd) && exclusive(k, pa)) {
		if (anon_vma_prepare(vma))
			return -1;
		pgtable_update(k, mm, haddr, pmd, *pmd | PTE_W);
		tlb_gather_finish(k);
		k->stats.cow_reused++;
		return 0;
	}
	return split_huge_pmd(k, mm, haddr, pmd) ? -1 : THP_FALLBACK;
}

int split_huge_pmd(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd)
{
	uint64_t old = *pmd, haddr = va & HPAGE_PMD_MASK;
	uint64_t table = frame_alloc(k, 0);
	if (table == FRAME_NONE)
		return -1;
	mm->pt_pages++;
	k->stats.page_table_pages++;
	/* The PTEs keep the PDE's rights and A/D bits; PS would be PAT. */
	uint64_t bits = old & (PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_NX);
	uint64_t *pte = phys_ptr(k, table);
	if (is_huge_zero_pmd(k, old)) {
		/* Each PTE maps the 4 KiB zero page (__split_huge_zero_page_pmd). */
		for (uint64_t i = 0; i < HPAGE_PMD_NR; i++) {
			frame_get(k, ZERO_PAGE_PA);
			pte[i] = ZERO_PAGE_PA | bits;
		}
		frame_put(k, old & PTE_ADDR_MASK, 0);
	} else {
		for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
			pte[i] = ((old & PTE_ADDR_MASK) + i * PAGE_SIZE) | bits;
	}
	pgtable_update(k, mm, haddr, pmd, pgtable_table_entry(table));
	k->stats.thp_split_pmd++;
	return 0;
}

/* Splits the huge PDE around va, if there is one and va is inside it. */
static int split_at(struct kernel *k, struct mm *mm, uint64_t va)
{
	if (!(va & ~HPAGE_PMD_MASK))
		return 0;
	uint64_t *pmd = pgtable_pmd(k, mm, va, false);
	if (!pmd || !pmd_trans_huge(*pmd) || pmd_hugetlb(*pmd))
		return 0; /* hugetlb maps are cut at 2 MiB boundaries only */
	return split_huge_pmd(k, mm, va, pmd) ? -ENOMEM : 0;
}

int split_huge_edges(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	int err = split_at(k, mm, start);
	if (!err)
		err = split_at(k, mm, end);
	tlb_gather_finish(k);
	return err;
}

void zap_huge_pmd(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pmd)
{
	uint64_t old = *pmd, pa = old & PTE_ADDR_MASK;
	pgtable_update(k, mm, va, pmd, 0);
	if (is_huge_zero_pmd(k, old)) {
		frame_put(k, pa, 0);
		return;
	}
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
		frame_put(k, pa + i * PAGE_SIZE, 0);
	mm_rss_sub(mm, HPAGE_PMD_NR);
}

int copy_huge_pmd(struct kernel *k, struct mm *child, struct mm *parent, uint64_t va,
		  uint64_t *pmd, unsigned vm_flags)
{
	uint64_t *dst = pgtable_pmd(k, child, va, true);
	if (!dst)
		return -ENOMEM;
	uint64_t pa = *pmd & PTE_ADDR_MASK;
	if (is_huge_zero_pmd(k, *pmd)) {
		frame_get(k, pa);
	} else {
		if ((*pmd & PTE_W) && !(vm_flags & VM_SHARED))
			pgtable_update(k, parent, va, pmd, *pmd & ~PTE_W);
		for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
			frame_get(k, pa + i * PAGE_SIZE);
		child->rss_pages += HPAGE_PMD_NR;
	}
	pgtable_set_new(k, dst, *pmd & ~PTE_A);
	return 0;
}

/* Whether the page table at table can become one huge page: every PTE
 * none, the zero page, or a present private anonymous page (no swap
 * entry, no PROT_NONE, no file page); *present counts the anonymous ones.
 * In a VMA a userfaultfd has (armed), no PTE may be none or the zero
 * page: the userfaultfd fills those (Linux's userfaultfd_armed). */
static bool collapsible(struct kernel *k, const uint64_t *pte, bool armed, uint64_t *present)
{
	*present = 0;
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t pa = pte[i] & PTE_ADDR_MASK;
		if (!pte[i] || ((pte[i] & PTE_P) && pa == ZERO_PAGE_PA)) {
			if (armed)
				return false;
			continue;
		}
		if (!(pte[i] & PTE_P) || pagecache_page(k, pa))
			return false;
		(*present)++;
	}
	return true;
}

int collapse_huge_page(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t haddr)
{
	uint64_t *pmd = pgtable_pmd(k, mm, haddr, true);
	if (!pmd)
		return -ENOMEM;
	if (pmd_trans_huge(*pmd))
		return 0;
	/* No table yet: a huge page of zeroes, as for a table of none PTEs. */
	uint64_t table = *pmd & PTE_ADDR_MASK, present = 0;
	uint64_t *pte = table ? phys_ptr(k, table) : NULL;
	bool armed = vma->flags & VM_UFFD_MISSING;
	if ((!table && armed) || (table && !collapsible(k, pte, armed, &present)))
		return -EAGAIN; /* Linux's SCAN_* failures: a page it would not take */
	if (anon_vma_prepare(vma))
		return -ENOMEM;
	uint64_t pa = frame_alloc(k, HPAGE_PMD_ORDER);
	if (pa == FRAME_NONE && compact_for_huge_page(k))
		pa = frame_alloc(k, HPAGE_PMD_ORDER);
	if (pa == FRAME_NONE)
		return -ENOMEM;
	frame_split(k, pa, HPAGE_PMD_ORDER);
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++) {
		uint64_t old = pte ? pte[i] & PTE_ADDR_MASK : 0, va = haddr + i * PAGE_SIZE;
		if (pte && pte[i]) {
			if (old != ZERO_PAGE_PA)
				memcpy(phys_ptr(k, pa + i * PAGE_SIZE), phys_ptr(k, old), PAGE_SIZE);
			pte[i] = 0;
			pgtable_invalidate(k, mm, va); /* its 4 KiB TLB entries */
			frame_put(k, old, 0);
		}
		lru_add_anon(k, pa + i * PAGE_SIZE, vma, va);
	}
	mm->rss_pages += HPAGE_PMD_NR - present;
	pgtable_update(k, mm, haddr, pmd, pa | pgtable_prot_bits(vma->flags) | PTE_PS);
	if (table)
		pgtable_free_table(k, mm, table);
	tlb_gather_finish(k);
	k->stats.thp_collapse_alloc++;
	return 0;
}
