/* pgtable.c - the kernel's page-table API over real x86-64 4-level tables
 * (5-level with --la57).
 *
 * Every change to a present entry invalidates the TLB model at once and
 * owes the CPU a TLB flush, paid once per operation by tlb_gather_finish
 * (like Linux's mmu_gather). */
#include "kern.h"
#include "mm/internal.h"

/* Table entries above the leaf allow everything; the leaf decides. */
#define PT_TABLE_BITS (PTE_P | PTE_W | PTE_U)

static unsigned pt_index(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static uint64_t *table_at(struct kernel *k, uint64_t pa)
{
	return phys_ptr(k, pa);
}

uint64_t pgtable_prot_bits(unsigned vm_flags)
{
	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return PTE_SW_PROTNONE;
	uint64_t bits = PTE_P | PTE_U;
	if (vm_flags & VM_WRITE)
		bits |= PTE_W;
	if (!(vm_flags & VM_EXEC))
		bits |= PTE_NX;
	return bits;
}

/* The entry at `level` for va, the tables above it made when alloc. A
 * huge PDE met on the way to a PTE is split when alloc, else NULL. */
static uint64_t *entry_at(struct kernel *k, struct mm *mm, uint64_t va, int level, bool alloc)
{
	uint64_t table = mm->pml4;
	for (int l = mmu_levels(&k->mmu.regs); l > level; l--) {
		uint64_t *entry = &table_at(k, table)[pt_index(va, l)];
		if ((l == 2 || l == 3) && pmd_hugetlb(*entry))
			return NULL; /* a hugetlb leaf: no table below */
		if (l == 2 && pmd_trans_huge(*entry) &&
		    (!alloc || split_huge_pmd(k, mm, va & HPAGE_PMD_MASK, entry)))
			return NULL;
		if (!(*entry & PTE_P)) {
			if (!alloc)
				return NULL;
			uint64_t pa = frame_alloc(k, 0);
			if (pa == FRAME_NONE)
				return NULL;
			mm->pt_pages++;
			k->stats.page_table_pages++;
			*entry = pa | PT_TABLE_BITS;
		}
		table = *entry & PTE_ADDR_MASK;
	}
	return &table_at(k, table)[pt_index(va, level)];
}

uint64_t *pgtable_pte(struct kernel *k, struct mm *mm, uint64_t va, bool alloc)
{
	return entry_at(k, mm, va, 1, alloc);
}

uint64_t *pgtable_pmd(struct kernel *k, struct mm *mm, uint64_t va, bool alloc)
{
	return entry_at(k, mm, va, 2, alloc);
}

uint64_t *pgtable_entry(struct kernel *k, struct mm *mm, uint64_t va, int level, bool alloc)
{
	return entry_at(k, mm, va, level, alloc);
}

uint64_t *pgtable_leaf(struct kernel *k, struct mm *mm, uint64_t va)
{
	uint64_t *pmd = pgtable_pmd(k, mm, va, false);
	if (pmd && (pmd_trans_huge(*pmd) || pmd_hugetlb(*pmd)))
		return pmd;
	return pgtable_pte(k, mm, va, false);
}

uint64_t pgtable_page_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *size)
{
	uint64_t table = mm->pml4;
	*size = PAGE_SIZE;
	for (int l = mmu_levels(&k->mmu.regs); l > 1; l--) {
		uint64_t e = table_at(k, table)[pt_index(va, l)];
		if ((l == 2 || l == 3) && (pmd_hugetlb(e) || pmd_trans_huge(e))) {
			if (e == PMD_HUGETLB_RESERVED)
				return 0; /* no page there yet */
			*size = l == 3 ? PAGE_SIZE_1G : PAGE_SIZE_2M;
			return huge_subpage_pte(e, *size, va);
		}
		if (!(e & PTE_P))
			return 0;
		table = e & PTE_ADDR_MASK;
	}
	return table_at(k, table)[pt_index(va, 1)];
}

/* A table entry for a new page table at pa (split_huge_pmd). */
uint64_t pgtable_table_entry(uint64_t pa)
{
	return pa | PT_TABLE_BITS;
}

void pgtable_set_new(struct kernel *k, uint64_t *pte, uint64_t value)
{
	(void)k; /* a not-present entry is never cached: nothing to invalidate */
	*pte = value;
}

/* The model's side of an invalidation: its entries for va, and the flush
 * owed (counted) at the end of the operation. */
static void invlpg(struct kernel *k, struct mm *mm, uint64_t va)
{
	mmu_invlpg_pcid(&k->mmu, va, mm->pcid);
	k->tlb_flush_pending = true;
	/* Other threads run on this mm: on a machine with more CPUs they
	 * could hold the entry too, and the flush would reach them (a TLB
	 * shootdown, Linux's flush_tlb_mm_range). One CPU here: counted. */
	if (mm->users > 1)
		k->tlb_shootdown_pending = true;
}

/* INVLPG va in mm's address space (INVPCID's individual-address type when
 * mm is not the one running): its TLB entries for va and the paging-
 * structure-cache entries that could lead to them. */
void pgtable_invalidate(struct kernel *k, struct mm *mm, uint64_t va)
{
	k->tlb_flush_full = true;
	invlpg(k, mm, va);
}

void pgtable_update(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, uint64_t value)
{
	uint64_t old = *pte;
	*pte = value;
	if (old & PTE_P)
		pgtable_invalidate(k, mm, va);
}

/* The CPU's TLB needs no full flush for a PTE that changes while its own
 * page's fill is under way (a CoW, a first write to a shared page, a
 * spurious fault, fixed inside the fill): the fill's answer replaces the
 * CPU's entry. Unicorn's tlb_set_page removes the page from the victim
 * TLB and overwrites its slot (qemu/accel/tcg/cputlb.c), and
 * kernel_tlb_fill empties the whole TLB when the fill fails after all.
 * Only for a 4 KiB page of the running mm that was not executable: QEMU
 * finds translated code by virtual address (tb_jmp_cache) without asking
 * the TLB, and only a flush forgets it. The guest runs at CPL 3 only, so
 * its entries are all in the one MMU index that the fill fills. */
void pgtable_update_filled(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			   uint64_t value)
{
	uint64_t old = *pte;
	*pte = value;
	if (!(old & PTE_P))
		return;
	if (va == k->fill_va && (k->mmu.regs.cr3 & PTE_ADDR_MASK) == mm->pml4 && (old & PTE_NX))
		invlpg(k, mm, va);
	else
		pgtable_invalidate(k, mm, va);
}

void tlb_gather_finish(struct kernel *k)
{
	if (!k->tlb_flush_pending)
		return;
	k->tlb_flush_pending = false;
	k->stats.tlb_flushes++;
	k->stats.tlb_shootdowns += k->tlb_shootdown_pending;
	k->tlb_shootdown_pending = false;
	if (k->tlb_flush_full)
		k->ops.flush_tlb(k->ops.ctx);
	else
		k->fill_replaces = true;
	k->tlb_flush_full = false;
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < PT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

void pgtable_free_table(struct kernel *k, struct mm *mm, uint64_t pa)
{
	frame_put(k, pa, 0);
	mm->pt_pages--;
	k->stats.page_table_pages--;
}

/* Drops the page a leaf maps (present, or kept behind PROT_NONE). */
static void put_leaf(struct kernel *k, struct mm *mm, uint64_t pte)
{
	if (pte_is_swap(pte)) {
		swap_put(k, swp_offset(pte));
		mm->swap_ents--;
		return;
	}
	uint64_t pa = pte & PTE_ADDR_MASK;
	frame_put(k, pa, 0);
	if (pa != ZERO_PAGE_PA)
		mm_rss_sub(mm, 1);
}

/* Visits the non-empty leaves of [start, end) under the table at `table`
 * (level); with unmap, frees the tables the visit leaves empty. A huge
 * PDE is a leaf when the range covers it and split is false; otherwise it
 * is split first (and left alone if that finds no frame). A hugetlb PDE
 * (a page or a reservation) is always a leaf. Returns true when the table
 * is now empty. */
static bool walk_range(struct kernel *k, struct mm *mm, uint64_t table, int level,
		       uint64_t base, uint64_t start, uint64_t end, pgtable_leaf_fn *fn, void *arg,
		       bool unmap, bool split)
{
	uint64_t *t = table_at(k, table);
	uint64_t span = 1ULL << (PAGE_SHIFT + 9 * (level - 1));
	for (unsigned i = pt_index(start, level); i < PT_ENTRIES; i++) {
		uint64_t lo = base + i * span, hi = lo + span;
		if (lo >= end)
			break;
		if (!t[i])
			continue;
		if ((level == 2 || level == 3) && pmd_hugetlb(t[i])) {
			fn(k, mm, lo, &t[i], arg);
			continue;
		}
		if (level == 2 && pmd_trans_huge(t[i])) {
			if (!split && start <= lo && hi <= end) {
				fn(k, mm, lo, &t[i], arg);
				continue;
			}
			if (split_huge_pmd(k, mm, lo, &t[i]))
				continue;
		}
		if (level == 1) {
			fn(k, mm, lo, &t[i], arg);
			continue;
		}
		uint64_t s = lo > start ? lo : start, e = hi < end ? hi : end;
		uint64_t child = t[i] & PTE_ADDR_MASK;
		if (walk_range(k, mm, child, level - 1, lo, s, e, fn, arg, unmap, split) && unmap) {
			/* The CPU may cache the path through this entry: its
			 * paging-structure caches may hold the table freed. */
			t[i] = 0;
			pgtable_invalidate(k, mm, lo);
			pgtable_free_table(k, mm, child);
		}
	}
	return unmap && table_empty(t);
}

void pgtable_walk_leaves(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
			 pgtable_leaf_fn *fn, void *arg)
{
	walk_range(k, mm, mm->pml4, mmu_levels(&k->mmu.regs), 0, start, end, fn, arg, false, false);
}

void pgtable_walk_ptes(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
		       pgtable_leaf_fn *fn, void *arg)
{
	walk_range(k, mm, mm->pml4, mmu_levels(&k->mmu.regs), 0, start, end, fn, arg, false, true);
}

static void unmap_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)arg;
	if (pmd_hugetlb(*pte)) {
		hugetlb_zap(k, mm, va, pte);
		return;
	}
	if (*pte & PTE_PS) {
		zap_huge_pmd(k, mm, va, pte);
		return;
	}
	put_leaf(k, mm, *pte);
	pgtable_update(k, mm, va, pte, 0);
}

static void protect_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	pgtable_protect_pte(k, mm, va, pte, *(const unsigned *)arg);
}

void pgtable_protect_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte,
			 unsigned vm_flags)
{
	uint64_t old = *pte;
	if (!(old & (PTE_P | PTE_SW_PROTNONE)))
		return;
	/* A PDE leaf keeps PS and the hugetlb mark (hugetlb pages are never
	 * split: PROT_NONE makes them not present). */
	uint64_t leaf = (old & PTE_PS) ? PTE_PS | PTE_SW_HUGETLB | PTE_SW_HUGETLB_RESV : 0;
	uint64_t keep = old & (PTE_ADDR_MASK | PTE_A | PTE_D | leaf), pa = old & PTE_ADDR_MASK;
	uint64_t bits = pgtable_prot_bits(vm_flags);
	/* In private memory only a page this PTE alone holds may become
	 * writable (Linux's can_change_pte_writable): the zero page (or the
	 * huge one), a file's page-cache page and a page shared since fork
	 * wait for the write fault, which copies them. A huge page's PDE is
	 * judged by its first frame, whose references its others share. */
	if ((bits & PTE_W) && !(vm_flags & VM_SHARED) &&
	    (pa == ZERO_PAGE_PA || is_huge_zero_pmd(k, old) || pagecache_page(k, pa) ||
	     frame_refcount(k, pa) != 1))
		bits &= ~PTE_W;
	pgtable_update(k, mm, va, pte, keep | bits);
}

void pgtable_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	walk_range(k, mm, mm->pml4, mmu_levels(&k->mmu.regs), 0, start, end, unmap_leaf, NULL, true, false);
}

void pgtable_protect_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end,
			   unsigned vm_flags)
{
	/* PROT_NONE has no huge form here: such PDEs are split. */
	bool none = pgtable_prot_bits(vm_flags) == PTE_SW_PROTNONE;
	walk_range(k, mm, mm->pml4, mmu_levels(&k->mmu.regs), 0, start, end, protect_leaf, &vm_flags, false, none);
}

static void walk_tables(struct kernel *k, uint64_t table, int level, pgtable_table_fn *fn,
			void *arg)
{
	fn(table, arg);
	if (level == 1)
		return;
	const uint64_t *t = table_at(k, table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P) || pmd_hugetlb(e) || ((level == 2 || level == 3) && (e & PTE_PS)))
			continue; /* empty, or a leaf */
		walk_tables(k, e & PTE_ADDR_MASK, level - 1, fn, arg);
	}
}

void pgtable_walk_tables(struct kernel *k, struct mm *mm, pgtable_table_fn *fn, void *arg)
{
	if (mm->pml4)
		walk_tables(k, mm->pml4, mmu_levels(&k->mmu.regs), fn, arg);
}

void pgtable_free_all(struct kernel *k, struct mm *mm)
{
	pgtable_unmap_range(k, mm, 0, mm->task_size);
	frame_put(k, mm->pml4, 0);
	mm->pml4 = 0;
}
