/* fault.c - the page-fault handler: a dispatch on the cause, as Linux's
 * handle_mm_fault(). */
#include <signal.h>

#include "kern.h"

int fault_anonymous(struct kernel *k, struct mm *mm, struct vma *vma,
		    uint64_t *pte)
{
	uint64_t pa = frame_alloc(k, 0);
	if (pa == FRAME_NONE)
		return -1;
	pgtable_set_new(k, pte, pa | pgtable_prot_bits(vma->flags));
	mm->rss_pages++;
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

/* A user fault the kernel cannot fix: SIGSEGV, delivered at the end of the
 * run slice. Kernel accesses (copy_to_user) get -EFAULT instead. */
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

bool handle_page_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		       bool user)
{
	struct mm *mm = k->current->mm;
	k->stats.page_faults++;
	if (f->kind != MMU_FAULT_NOT_PRESENT && f->kind != MMU_FAULT_PROTECTION)
		return fault_fatal(k, f, access, user, SEGV_MAPERR);
	struct vma *vma = vma_find(mm, f->cr2);
	if (!vma)
		return fault_fatal(k, f, access, user, SEGV_MAPERR);
	if (!vma_allows(vma, access))
		return fault_fatal(k, f, access, user, SEGV_ACCERR);
	uint64_t *pte = pgtable_pte(k, mm, f->cr2, true);
	if (!pte)
		return fault_fatal(k, f, access, user, SEGV_MAPERR); /* out of memory */
	if (!*pte) {
		if (fault_anonymous(k, mm, vma, pte))
			return fault_fatal(k, f, access, user, SEGV_MAPERR);
		k->stats.faults_demand_zero++;
		return true;
	}
	/* The PTE already allows what the VMA allows: the fault came from a
	 * stale cached translation. */
	k->stats.faults_spurious++;
	uint64_t va = f->cr2 & ~(PAGE_SIZE - 1);
	pgtable_update(k, mm, va, pte, *pte);
	tlb_gather_finish(k);
	return true;
}
