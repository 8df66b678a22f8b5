/* fault.c - the page-fault handler: a dispatch on the cause, as Linux's
 * handle_mm_fault() -> handle_pte_fault(): a missing page is demand-zero
 * (fault_anonymous) or comes from a file or shared memory (fault_file), a
 * write to a shared page is copy-on-write (fault_cow) in a private map. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"
#include "task/task.h"

int fault_anonymous(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pte,
		    bool write)
{
	/* A read of untouched private memory maps the shared zero page
	 * read-only; the first write gives the page its own frame. Either
	 * gives the VMA its anon_vma, as the host's Linux (6.18) does: which
	 * neighbours it merges with later depends on it (measured: a
	 * read-faulted read-only VMA made writable stays apart from a written
	 * neighbour). */
	if (!write) {
		if (anon_vma_prepare(vma))
			return -1;
		frame_get(k, ZERO_PAGE_PA);
		pgtable_set_new(k, pte, ZERO_PAGE_PA | (pgtable_prot_bits(vma->flags) & ~PTE_W));
		return 0;
	}
	if (anon_vma_prepare(vma))
		return -1;
	uint64_t pa = frame_alloc(k, 0);
	if (pa == FRAME_NONE)
		return -1;
	pgtable_set_new(k, pte, pa | pgtable_prot_bits(vma->flags));
	lru_add_anon(k, pa, vma, va);
	mm->rss_pages++;
	return 0;
}

/* What a page of a file or of shared memory is mapped with (Linux's
 * vm_page_prot): read-only in a private map, where a write copies it, and
 * in a shared file map until a write dirties it; shared memory (shmem)
 * needs no dirty tracking. */
static uint64_t file_pte_bits(const struct vma *vma, bool write)
{
	uint64_t bits = pgtable_prot_bits(vma->flags);
	if (!(vma->flags & VM_SHARED) || (!vma->mapping->anon && !write))
		bits &= ~PTE_W;
	return bits;
}

static void map_cache_page(struct kernel *k, struct mm *mm, uint64_t *pte, uint64_t pa,
			   uint64_t bits)
{
	frame_get(k, pa);
	pagecache_map(k, pa);
	pgtable_set_new(k, pte, pa | bits);
	mm->rss_pages++;
}

/* Linux's do_fault_around, with its default fault_around_bytes of 64 KiB:
 * a read fault first maps the pages of the window around va that are in
 * the page cache already, each read-only and none read from the file. The
 * window is 16 pages from va rounded down to 16 pages (or from the VMA's
 * start), cut at the VMA's end, the page table's end and the end of the
 * file; PTEs already set stay. The others' PTEs are made young (A set),
 * as x86 Linux makes every PTE (its protections carry _PAGE_ACCESSED;
 * old prefaulted PTEs are arm64's choice): smaps counts them Referenced.
 * va's own page gets its A bit from the walk that retries the access.
 * True when va's own page was among them: the fault is then done, a minor
 * one. */
#define FAULT_AROUND_PAGES 16

static bool fault_around(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			 uint64_t *pte)
{
	struct mapping *m = vma->mapping;
	uint64_t pte_off = (va >> PAGE_SHIFT) & (PT_ENTRIES - 1);
	uint64_t from = pte_off & ~(uint64_t)(FAULT_AROUND_PAGES - 1);
	uint64_t vma_off = (va - vma->start) >> PAGE_SHIFT;
	if (pte_off - from > vma_off)
		from = pte_off - vma_off;
	uint64_t to = from + FAULT_AROUND_PAGES;
	if (to > PT_ENTRIES)
		to = PT_ENTRIES;
	if (to > pte_off + ((vma->end - va) >> PAGE_SHIFT))
		to = pte_off + ((vma->end - va) >> PAGE_SHIFT);
	uint64_t file_pages = (m->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t bits = file_pte_bits(vma, false);
	bool mapped = false;
	for (uint64_t i = from; i < to; i++) {
		uint64_t *e = pte - pte_off + i;
		uint64_t pgoff = vma->pgoff + vma_off - pte_off + i;
		if (*e || pgoff >= file_pages)
			continue;
		struct cache_page *cp = pagecache_lookup(k, m, pgoff);
		if (!cp)
			continue;
		map_cache_page(k, mm, e, cp->pa, i == pte_off ? bits : bits | PTE_A);
		mapped |= i == pte_off;
	}
	return mapped;
}

/* A page of a file or of shared memory, from its mapping (Linux's
 * do_read_fault, do_cow_fault, do_shared_fault). A private write gets its
 * own copy at once; a shared file page stays read-only until the first
 * write marks it dirty (fault_shared_write). A page wholly past the end
 * of the file, or of shared memory (a map grown by mremap), is SIGBUS. */
static int fault_file(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
		      uint64_t *pte, bool write)
{
	struct mapping *m = vma->mapping;
	bool shared = vma->flags & VM_SHARED;
	/* A private write gives the VMA its anon_vma before the page is read,
	 * as Linux's do_cow_fault: one past the end of the file (SIGBUS) still
	 * leaves it one, which decides the VMA's merges. */
	if (!shared && write && anon_vma_prepare(vma))
		return -1;
	uint64_t pgoff = vma->pgoff + ((va - vma->start) >> PAGE_SHIFT);
	if (pgoff >= (m->size + PAGE_SIZE - 1) >> PAGE_SHIFT)
		return FAULT_SIGBUS;
	if (!write && fault_around(k, mm, vma, va, pte))
		return 0;
	uint64_t reads = k->stats.cache_reads;
	if (!pagecache_lookup(k, m, pgoff))
		filemap_readaround(k, vma, pgoff);
	struct cache_page *cp;
	int err = mapping_page(k, m, pgoff, &cp);
	if (err)
		return err == -ENOMEM ? -1 : FAULT_SIGBUS;
	if (k->stats.cache_reads != reads && k->current)
		k->current->maj_flt++; /* it came from the file */
	if (!shared && write) {
		uint64_t copy = frame_alloc(k, 0);
		if (copy == FRAME_NONE)
			return -1;
		memcpy(phys_ptr(k, copy), phys_ptr(k, cp->pa), PAGE_SIZE);
		pgtable_set_new(k, pte, copy | pgtable_prot_bits(vma->flags));
		lru_add_anon(k, copy, vma, va);
		mm->rss_pages++;
		return 0;
	}
	if (shared && write)
		pagecache_set_dirty(k, cp, true);
	map_cache_page(k, mm, pte, cp->pa, file_pte_bits(vma, write));
	return 0;
}

/* A write to a present read-only page of a shared map: the page stays the
 * mapping's (no copy); a file page becomes dirty (Linux's wp_page_shared). */
static int fault_shared_write(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte)
{
	struct cache_page *cp = pagecache_page(k, *pte & PTE_ADDR_MASK);
	if (cp)
		pagecache_set_dirty(k, cp, true);
	pgtable_update_filled(k, mm, va, pte, *pte | PTE_W);
	tlb_gather_finish(k);
	return 0;
}

/* A write to a present page the PTE keeps read-only while the VMA allows
 * writing: the page is shared (after fork, or the zero page). The last
 * user takes it over; others get a copy. */
int fault_cow(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pte)
{
	uint64_t old = *pte & PTE_ADDR_MASK, pa;
	if (anon_vma_prepare(vma))
		return -1;
	if (old == ZERO_PAGE_PA) {
		pa = frame_alloc(k, 0);
		if (pa == FRAME_NONE)
			return -1;
		frame_put(k, old, 0);
		mm->rss_pages++;
		k->stats.cow_zero++;
	} else if (frame_refcount(k, old) == 1) {
		pa = old;
		k->stats.cow_reused++;
	} else {
		pa = frame_alloc(k, 0);
		if (pa == FRAME_NONE)
			return -1;
		memcpy(phys_ptr(k, pa), phys_ptr(k, old), PAGE_SIZE);
		pagecache_unmap(k, old); /* a private map's copy of a file page */
		frame_put(k, old, 0);
		k->stats.cow_copied++;
	}
	if (pa != old)
		lru_add_anon(k, pa, vma, va);
	pgtable_update_filled(k, mm, va, pte, pa | pgtable_prot_bits(vma->flags));
	tlb_gather_finish(k);
	return 0;
}

/* A page that went to swap comes back (a major fault). While other PTEs
 * still hold the entry the page stays in the swap cache; while anything
 * else holds the frame (the cache, or a process that swapped it in
 * first) it is mapped read-only, so that a write copies it. */
static int fault_swap(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
		      uint64_t *pte)
{
	uint64_t slot = swp_offset(*pte), pa;
	int err = swap_in(k, slot, &pa);
	if (err) /* a read error is SIGBUS, as Linux's do_swap_page */
		return err == -ENOMEM ? -1 : FAULT_SIGBUS;
	if (!lru_on_list(k, pa)) /* just read in, not found in the swap cache */
		lru_add_anon(k, pa, vma, va);
	frame_get(k, pa);
	swap_put(k, slot);
	uint64_t bits = pgtable_prot_bits(vma->flags);
	if (frame_refcount(k, pa) > 1)
		bits &= ~PTE_W;
	pgtable_set_new(k, pte, pa | bits);
	mm->swap_ents--;
	mm->rss_pages++;
	k->current->maj_flt++;
	return 0;
}

static bool vma_allows(const struct vma *vma, enum mmu_access access)
{
	switch (access) {
	case MMU_WRITE:
		return vma->flags & VM_WRITE;
	case MMU_FETCH:
		return vma->flags & VM_EXEC;
	default: /* x86 cannot map write- or exec-only: both imply read */
		return vma->flags & (VM_READ | VM_WRITE | VM_EXEC);
	}
}

/* A fault the kernel cannot fix: the signal for it (SIGSEGV, or SIGBUS
 * past the end of a file) and its si_code, for the caller to send. */
static bool fault_fatal(struct kernel *k, struct fault_signal *why, int sig, int si_code)
{
	k->stats.faults_fatal++;
	*why = (struct fault_signal){sig, si_code, false};
	return false;
}

/* The fault at the PDE level (Linux's __handle_mm_fault): a hugetlb map's
 * page, a huge page for a missing PDE where THP may be used, a write to a
 * read-only huge page.
 * 0 when handled there, THP_FALLBACK to go on at the PTE (which splits a
 * huge PDE still in place), -1 out of memory. */
static int handle_pmd_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			    bool write, enum fault_kind *kind)
{
	if (vma->flags & VM_HUGETLB)
		return hugetlb_fault(k, mm, vma, va, write, kind);
	uint64_t *pmd = pgtable_pmd(k, mm, va, true);
	if (!pmd)
		return -1;
	if (!*pmd && thp_vma_allowable(k, mm, vma, va)) {
		*kind = FAULT_DEMAND_ZERO;
		return do_huge_pmd_anonymous_page(k, mm, vma, va, pmd, write);
	}
	if (!pmd_trans_huge(*pmd))
		return THP_FALLBACK;
	if (write && !(*pmd & PTE_W)) {
		*kind = FAULT_COW;
		return do_huge_pmd_wp_page(k, mm, vma, va, pmd);
	}
	*kind = FAULT_SPURIOUS;
	pgtable_update(k, mm, va & HPAGE_PMD_MASK, pmd, *pmd);
	tlb_gather_finish(k);
	return 0;
}

int handle_pte_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
		     enum mmu_access access, enum fault_kind *kind)
{
	int huge = handle_pmd_fault(k, mm, vma, va, access == MMU_WRITE, kind);
	if (huge != THP_FALLBACK)
		return huge;
	uint64_t *pte = pgtable_pte(k, mm, va, true);
	if (!pte)
		return -1;
	va &= ~(PAGE_SIZE - 1);
	bool write = access == MMU_WRITE;
	if (!*pte && vma->mapping) {
		*kind = FAULT_FILE;
		return fault_file(k, mm, vma, va, pte, write);
	}
	if (!*pte) {
		*kind = FAULT_DEMAND_ZERO;
		return fault_anonymous(k, mm, vma, va, pte, write);
	}
	if (pte_is_swap(*pte)) {
		*kind = FAULT_SWAP;
		return fault_swap(k, mm, vma, va, pte);
	}
	if (write && (*pte & PTE_P) && !(*pte & PTE_W)) {
		*kind = FAULT_COW;
		return vma->flags & VM_SHARED ? fault_shared_write(k, mm, va, pte)
					      : fault_cow(k, mm, vma, va, pte);
	}
	/* The PTE already allows the access: the fault came from a stale
	 * cached translation. */
	*kind = FAULT_SPURIOUS;
	pgtable_update_filled(k, mm, va, pte, *pte);
	tlb_gather_finish(k);
	return 0;
}

/* Faults handled, by kind (kernel forced writes are not faults). */
static void count_fault(struct kernel *k, enum fault_kind kind)
{
	uint64_t *counter[] = {
		[FAULT_DEMAND_ZERO] = &k->stats.faults_demand_zero,
		[FAULT_FILE] = &k->stats.faults_file,
		[FAULT_SWAP] = &k->stats.faults_swap,
		[FAULT_COW] = &k->stats.faults_cow,
		[FAULT_SPURIOUS] = &k->stats.faults_spurious,
	};
	(*counter[kind])++;
}

/* A missing page (no PTE, no swap entry) of a VMA that a userfaultfd
 * fills (Linux's do_anonymous_page and do_huge_pmd_anonymous_page hand it
 * to handle_userfault before allocating). */
static bool userfaultfd_missing(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va)
{
	uint64_t size;
	return (vma->flags & VM_UFFD_MISSING) && !pgtable_page_pte(k, mm, va, &size);
}

bool handle_mm_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		     bool user, struct fault_signal *why)
{
	struct process *p = k->current;
	*why = (struct fault_signal){0, 0, false};
	k->stats.page_faults++;
	reclaim_direct(k);
	if (p->exited)
		return false; /* the OOM killer chose this process */
	if (f->kind != MMU_FAULT_NOT_PRESENT && f->kind != MMU_FAULT_PROTECTION)
		return fault_fatal(k, why, SIGSEGV, SEGV_MAPERR);
	struct vma *vma = vma_find(p->mm, f->cr2);
	if (!vma)
		return fault_fatal(k, why, SIGSEGV, SEGV_MAPERR);
	if (!vma_allows(vma, access))
		return fault_fatal(k, why, SIGSEGV, SEGV_ACCERR);
	if (userfaultfd_missing(k, p->mm, vma, f->cr2)) {
		if (!handle_userfault(k, vma, f->cr2, access, user))
			return fault_fatal(k, why, SIGBUS, BUS_ADRERR);
		why->retry = true;
		return false;
	}
	enum fault_kind kind;
	int err;
	uint64_t maj_flt = p->maj_flt;
	while ((err = handle_pte_fault(k, p->mm, vma, f->cr2, access, &kind)) == -1) {
		/* Out of memory (Linux's VM_FAULT_OOM, after reclaim failed): the
		 * OOM killer frees a process's memory and the fault is tried
		 * again, unless the one it chose is this process. */
		struct process *victim = oom_kill(k);
		if (!victim || victim == p)
			return false;
	}
	if (err == FAULT_SIGBUS)
		return fault_fatal(k, why, SIGBUS, BUS_ADRERR);
	count_fault(k, kind);
	/* Either major (the page came from a file or swap) or minor, as
	 * Linux's mm_account_fault counts it. */
	if (p->maj_flt == maj_flt)
		p->min_flt++;
	return true;
}
