/* walk.c - the IA-32e page walk (SDM 3A 4.5): 4 or 5 levels, 1G/2M/4K
 * leaves, reserved bits, rights combined over the levels, A/D updates. */
#include "mmu.h"

#define INDEX_BITS 9 /* 512 entries per table */
#define ENTRY_SIZE 8

/* The lowest va bit that indexes the table at level (1 = PT ... 5 = PML5). */
static unsigned level_shift(int level)
{
	return PAGE_SHIFT + INDEX_BITS * (unsigned)(level - 1);
}

static uint64_t bits(unsigned hi, unsigned lo)
{
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

/* Bits 63:width-1 must all equal bit width-1 (width 48, or 57 with LA57). */
static bool canonical(uint64_t va, int top)
{
	unsigned width = level_shift(top) + INDEX_BITS;
	uint64_t upper = va >> (width - 1);

	return upper == 0 || upper == (~0ULL >> (width - 1));
}

static bool entry_in_phys(const struct mmu_phys *phys, uint64_t pa)
{
	return phys->size >= ENTRY_SIZE && pa <= phys->size - ENTRY_SIZE;
}

/* Reserved bits of a present entry at level (SDM 3A table 4-14 .. 4-20). */
static uint64_t reserved_bits(const struct mmu_regs *regs, int level, uint64_t entry)
{
	unsigned maxphy = regs->maxphyaddr < 52 ? regs->maxphyaddr : 52;
	uint64_t rsvd = PTE_ADDR_MASK & ~((1ULL << maxphy) - 1);

	if (!(regs->efer & EFER_NXE))
		rsvd |= PTE_NX;
	if (level >= 4)
		rsvd |= PTE_PS;
	else if (level == 3 && (entry & PTE_PS))
		rsvd |= bits(29, 13);
	else if (level == 2 && (entry & PTE_PS))
		rsvd |= bits(20, 13);
	return rsvd;
}

static bool fail(struct mmu_fault *fault, enum mmu_fault_kind kind, uint64_t va,
		 uint32_t error_code, int level)
{
	*fault = (struct mmu_fault){ .kind = kind, .cr2 = va, .error_code = error_code,
				     .level = level };
	return false;
}

/* Sets flags in the entry of step, writing memory only when they change. */
static void set_flags(const struct mmu_phys *phys, struct mmu_walk_step *step, uint64_t flags)
{
	if ((step->new_value & flags) == flags)
		return;
	step->new_value |= flags;
	mmu_entry_store(phys, step->entry_pa, step->new_value);
}

static void combine_rights(struct mmu_translation *t, const struct mmu_regs *regs,
			   uint64_t entry)
{
	t->writable = t->writable && (entry & PTE_W);
	t->user = t->user && (entry & PTE_U);
	if ((regs->efer & EFER_NXE) && (entry & PTE_NX))
		t->executable = false;
}

static void fill_leaf(struct mmu_translation *t, const struct mmu_regs *regs,
		      const struct mmu_walk_step *leaf, uint64_t va)
{
	uint64_t offset_mask;

	t->page_size = 1ULL << level_shift(leaf->level);
	offset_mask = t->page_size - 1;
	t->page_pa = leaf->old_value & PTE_ADDR_MASK & ~offset_mask; /* drops a PS leaf's PAT */
	t->pa = t->page_pa | (va & offset_mask);
	t->global = (leaf->old_value & PTE_G) && (regs->cr4 & CR4_PGE);
}

int mmu_levels(const struct mmu_regs *regs)
{
	return (regs->cr4 & CR4_LA57) ? 5 : 4;
}

/* The walk from the table at `table`, indexed at `level`, with the rights
 * combined above it (all of them when it is the top). */
static bool walk(const struct mmu_phys *phys, const struct mmu_regs *regs,
		 const struct mmu_req *req, int level, uint64_t table, unsigned rights,
		 struct mmu_translation *out, struct mmu_fault *fault, struct mmu_walk_record *rec)
{
	int top = mmu_levels(regs);
	struct mmu_translation t = { .writable = rights & MMU_RIGHT_W, .user = rights & MMU_RIGHT_U,
				     .executable = rights & MMU_RIGHT_X };
	struct mmu_walk_step *step;

	rec->nsteps = 0;
	if (!canonical(req->va, top))
		return fail(fault, MMU_FAULT_NONCANONICAL, req->va, 0, top);

	for (;; level--) {
		uint64_t index = (req->va >> level_shift(level)) & ((1u << INDEX_BITS) - 1);
		uint64_t pa = table + index * ENTRY_SIZE;
		uint64_t entry;

		if (!entry_in_phys(phys, pa))
			return fail(fault, MMU_FAULT_BAD_PHYS, req->va, 0, level);
		entry = mmu_entry_load(phys, pa);
		step = &rec->step[rec->nsteps++];
		*step = (struct mmu_walk_step){ level, pa, entry, entry };
		/* Reserved bits are not checked in a not-present entry. */
		if (!(entry & PTE_P))
			return fail(fault, MMU_FAULT_NOT_PRESENT, req->va,
				    mmu_pf_error_code(regs, req, 0), level);
		if (entry & reserved_bits(regs, level, entry))
			return fail(fault, MMU_FAULT_RESERVED, req->va,
				    mmu_pf_error_code(regs, req, X86_PF_P | X86_PF_RSVD), level);
		combine_rights(&t, regs, entry);
		if (level == 1 || (entry & PTE_PS))
			break;
		set_flags(phys, step, PTE_A);
		table = entry & PTE_ADDR_MASK;
	}

	fill_leaf(&t, regs, step, req->va);
	if (!mmu_access_allowed(regs, req, &t))
		return fail(fault, MMU_FAULT_PROTECTION, req->va,
			    mmu_pf_error_code(regs, req, X86_PF_P), step->level);
	set_flags(phys, step, req->access == MMU_WRITE ? PTE_A | PTE_D : PTE_A);
	t.dirty = (step->new_value & PTE_D) != 0;
	*out = t;
	return true;
}

#define ALL_RIGHTS (MMU_RIGHT_W | MMU_RIGHT_U | MMU_RIGHT_X)

bool mmu_walk(const struct mmu_phys *phys, const struct mmu_regs *regs,
	      const struct mmu_req *req, struct mmu_translation *out,
	      struct mmu_fault *fault, struct mmu_walk_record *rec)
{
	struct mmu_walk_record scratch;

	if (!rec)
		rec = &scratch;
	rec->psc_level = 0;
	rec->psc_rights = 0;
	return walk(phys, regs, req, mmu_levels(regs), regs->cr3 & PTE_ADDR_MASK, ALL_RIGHTS, out,
		    fault, rec);
}

bool mmu_walk_from(const struct mmu_phys *phys, const struct mmu_regs *regs,
		   const struct mmu_req *req, int level, uint64_t table, unsigned rights,
		   struct mmu_translation *out, struct mmu_fault *fault,
		   struct mmu_walk_record *rec)
{
	struct mmu_walk_record scratch;

	if (!rec)
		rec = &scratch;
	rec->psc_level = level;
	rec->psc_rights = rights;
	return walk(phys, regs, req, level - 1, table, rights, out, fault, rec);
}
