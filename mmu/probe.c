/* probe.c - what a debugger reads of a walk: the walk with its side
 * effects undone, and the rights a walk had combined at each step. Kept
 * apart from walk.c so that the walk of a run pays nothing for it. */
#include "mmu.h"

bool mmu_probe(const struct mmu_phys *phys, const struct mmu_regs *regs,
	       const struct mmu_req *req, struct mmu_translation *out,
	       struct mmu_fault *fault, struct mmu_walk_record *rec)
{
	struct mmu_walk_record scratch;

	if (!rec)
		rec = &scratch;
	bool ok = mmu_walk(phys, regs, req, out, fault, rec);
	/* Put back every A and D bit the walk set (one thread: nobody saw). */
	for (int i = 0; i < rec->nsteps; i++) {
		struct mmu_walk_step *s = &rec->step[i];

		if (s->new_value != s->old_value)
			mmu_entry_store(phys, s->entry_pa, s->old_value);
		s->new_value = s->old_value;
	}
	if (ok)
		out->dirty = (rec->step[rec->nsteps - 1].old_value & PTE_D) != 0;
	return ok;
}

unsigned mmu_step_rights(const struct mmu_regs *regs, const struct mmu_walk_record *rec, int i)
{
	unsigned from = rec->psc_level ? rec->psc_rights : MMU_RIGHT_W | MMU_RIGHT_U | MMU_RIGHT_X;
	bool writable = from & MMU_RIGHT_W, user = from & MMU_RIGHT_U, executable = from & MMU_RIGHT_X;

	for (int j = 0; j <= i && j < rec->nsteps; j++) {
		uint64_t e = rec->step[j].old_value;

		writable = writable && (e & PTE_W);
		user = user && (e & PTE_U);
		if ((regs->efer & EFER_NXE) && (e & PTE_NX))
			executable = false;
	}
	return (writable ? MMU_RIGHT_W : 0) | (user ? MMU_RIGHT_U : 0) |
	       (executable ? MMU_RIGHT_X : 0);
}
