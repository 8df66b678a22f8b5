/* known.c - the explained differences (known_differences.md says why). */
#include "gen.h"
#include "known.h"

/* QEMU's walker (handle_mmu_fault in qemu/target/i386/excp_helper.c) sets A
 * in a PDPTE after checking only P and the reserved bits every PDPTE has,
 * before it looks at PS; a 1 GiB leaf then gets A even when the walk
 * faults on it: on its reserved bits 29:13 or on its access rights. vmemu
 * leaves the faulting entry as it was, as QEMU itself does for 2 MiB and
 * 4 KiB leaves. */
static bool qemu_1g_leaf_accessed(const struct walk_case *c, const struct wd_model_result *m,
				  struct wd_prediction *p)
{
	const struct mmu_walk_step *leaf;
	uint64_t common_rsvd = PTE_ADDR_MASK & ~((1ULL << WD_MAXPHYADDR) - 1);

	if (!(c->regs.efer & EFER_NXE))
		common_rsvd |= PTE_NX;
	if (m->fault.level != 3 || m->rec.nsteps == 0)
		return false;
	if (m->fault.kind != MMU_FAULT_PROTECTION && m->fault.kind != MMU_FAULT_RESERVED)
		return false;
	leaf = &m->rec.step[m->rec.nsteps - 1];
	if (!(leaf->old_value & PTE_PS) || (leaf->old_value & common_rsvd) || (leaf->old_value & PTE_A))
		return false;
	p->patch[p->npatches++] = (struct wd_patch){ leaf->entry_pa, leaf->old_value | PTE_A };
	return true;
}

const struct wd_known wd_known[] = {
	{ "qemu-1g-leaf-accessed-on-fault",
	  "SDM 3A 4.7, 4.8; 6.15 (#PF) footnote 1",
	  "QEMU sets A in a 1 GiB PDPTE before its reserved-bit (29:13) and access-rights checks",
	  qemu_1g_leaf_accessed },
};
const int wd_nknown = sizeof(wd_known) / sizeof(wd_known[0]);
_Static_assert(sizeof(wd_known) / sizeof(wd_known[0]) <= WD_MAX_KNOWN, "raise WD_MAX_KNOWN");
