/* fault.c - the page-fault handler: a dispatch on the cause, as Linux's
 * handle_mm_fault() -> handle_pte_fault(): a missing page is demand-zero
 * (fault_anonymous), a write to a shared page is copy-on-write (fault_cow). */
#include <signal.h>
#include <string.h>

#include "kern.h"

int fault_anonymous(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pte,
		    bool write)
{
	/* A read of untouched private memory maps the shared zero page
	 * read-only; the first write gives the page its own frame. */
	if (!write && !vma->shm) {
		frame_get(k, ZERO_PAGE_PA);
		pgtable_set_new(k, pte, ZERO_PAGE_PA | (pgtable_prot_bits(vma->flags) & ~PTE_W));
		return 0;
	}
	uint64_t pa;
	if (vma->shm) {
		pa = shmem_frame(k, vma->shm, vma->pgoff + ((va - vma->start) >> PAGE_SHIFT));
		if (pa == FRAME_NONE)
			return -1;
		frame_get(k, pa);
	} else {
		pa = frame_alloc(k, 0);
		if (pa == FRAME_NONE)
			return -1;
	}
	pgtable_set_new(k, pte, pa | pgtable_prot_bits(vma->flags));
	mm->rss_pages++;
	return 0;
}

/* A write to a present page the PTE keeps read-only while the VMA allows
 * writing: the page is shared (after fork, or the zero page). The last
 * user takes it over; others get a copy. */
int fault_cow(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va, uint64_t *pte)
{
	uint64_t old = *pte & PTE_ADDR_MASK, pa;
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
		frame_put(k, old, 0);
		k->stats.cow_copied++;
	}
	k->stats.faults_cow++;
	pgtable_update(k, mm, va, pte, pa | pgtable_prot_bits(vma->flags));
	tlb_gather_finish(k);
	return 0;
}

/* A page that went to swap comes back (a major fault). While other PTEs
 * still hold the entry the page stays in the swap cache, mapped read-only
 * so that a write copies it. */
static int fault_swap(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t *pte)
{
	uint64_t slot = swp_offset(*pte);
	uint64_t pa = swap_in(k, slot);
	if (pa == FRAME_NONE)
		return -1;
	frame_get(k, pa);
	swap_put(k, slot);
	uint64_t bits = pgtable_prot_bits(vma->flags);
	if (frame_refcount(k, pa) > 1)
		bits &= ~PTE_W;
	pgtable_set_new(k, pte, pa | bits);
	mm->swap_ents--;
	mm->rss_pages++;
	k->stats.faults_swap++;
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

/* A user fault the kernel cannot fix: SIGSEGV, delivered before the
 * process runs again. Kernel accesses (copy_to_user) get -EFAULT instead. */
static bool fault_fatal(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
			bool user, int si_code)
{
	k->stats.faults_fatal++;
	if (!user)
		return false;
	struct process *p = k->current;
	p->pending_fatal = SIGSEGV;
	p->fault.addr = f->cr2;
	p->fault.error_code = f->error_code;
	p->fault.kind = f->kind;
	p->fault.access = access;
	p->fault.si_code = si_code;
	return false;
}

int handle_pte_fault(struct kernel *k, struct mm *mm, struct vma *vma, uint64_t va,
			    enum mmu_access access)
{
	uint64_t *pte = pgtable_pte(k, mm, va, true);
	if (!pte)
		return -1;
	if (!*pte) {
		if (fault_anonymous(k, mm, vma, va, pte, access == MMU_WRITE))
			return -1;
		k->stats.faults_demand_zero++;
		return 0;
	}
	if (pte_is_swap(*pte))
		return fault_swap(k, mm, vma, pte);
	if (access == MMU_WRITE && (*pte & PTE_P) && !(*pte & PTE_W))
		return fault_cow(k, mm, vma, va & ~(PAGE_SIZE - 1), pte);
	/* The PTE already allows the access: the fault came from a stale
	 * cached translation. */
	k->stats.faults_spurious++;
	pgtable_update(k, mm, va & ~(PAGE_SIZE - 1), pte, *pte);
	tlb_gather_finish(k);
	return 0;
}

bool handle_page_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		       bool user)
{
	struct process *p = k->current;
	k->stats.page_faults++;
	reclaim_direct(k);
	if (p->exited)
		return false; /* the OOM killer chose this process */
	if (f->kind != MMU_FAULT_NOT_PRESENT && f->kind != MMU_FAULT_PROTECTION)
		return fault_fatal(k, f, access, user, SEGV_MAPERR);
	struct vma *vma = vma_find(p->mm, f->cr2);
	if (!vma)
		return fault_fatal(k, f, access, user, SEGV_MAPERR);
	if (!vma_allows(vma, access))
		return fault_fatal(k, f, access, user, SEGV_ACCERR);
	if (handle_pte_fault(k, p->mm, vma, f->cr2, access))
		return fault_fatal(k, f, access, user, SEGV_MAPERR); /* out of memory */
	p->min_flt++;
	return true;
}
