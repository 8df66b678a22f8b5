/* access.c - access rights of a translation and #PF error codes
 * (SDM 3A 4.6 and 4.7). */
#include "mmu.h"

/* SMAP stops supervisor data accesses to user pages unless RFLAGS.AC. */
static bool smap_blocks(const struct mmu_regs *regs, const struct mmu_req *req,
			const struct mmu_translation *t)
{
	return t->user && (regs->cr4 & CR4_SMAP) && !req->rflags_ac;
}

static bool user_access_allowed(const struct mmu_req *req, const struct mmu_translation *t)
{
	if (!t->user)
		return false;
	switch (req->access) {
	case MMU_WRITE:
		return t->writable; /* CR0.WP does not matter at CPL 3 */
	case MMU_FETCH:
		return t->executable;
	case MMU_READ:
		break;
	}
	return true;
}

static bool supervisor_access_allowed(const struct mmu_regs *regs, const struct mmu_req *req,
				      const struct mmu_translation *t)
{
	switch (req->access) {
	case MMU_FETCH:
		if (t->user && (regs->cr4 & CR4_SMEP))
			return false;
		return t->executable;
	case MMU_WRITE:
		if (smap_blocks(regs, req, t))
			return false;
		return t->writable || !(regs->cr0 & CR0_WP);
	case MMU_READ:
		break;
	}
	return !smap_blocks(regs, req, t);
}

bool mmu_access_allowed(const struct mmu_regs *regs, const struct mmu_req *req,
			const struct mmu_translation *t)
{
	return req->user ? user_access_allowed(req, t) : supervisor_access_allowed(regs, req, t);
}

uint32_t mmu_pf_error_code(const struct mmu_regs *regs, const struct mmu_req *req,
			   uint32_t cause)
{
	uint32_t code = cause;

	if (req->access == MMU_WRITE)
		code |= X86_PF_W;
	if (req->user)
		code |= X86_PF_U;
	if (req->access == MMU_FETCH && ((regs->efer & EFER_NXE) || (regs->cr4 & CR4_SMEP)))
		code |= X86_PF_ID;
	return code;
}
