/* mmu.c - the MMU: control registers, the TLB hierarchy (L1 dTLB/iTLB over
 * the STLB) in front of the page walk, and the invalidation operations. */
#include <string.h>

#include "mmu.h"

const struct tlb_config mmu_default_tlb[MMU_NTLBS] = {
	[MMU_L1_DTLB] = { .name = "L1 dTLB",
			  .size = { [TLB_4K] = { 16, 4 }, [TLB_2M] = { 8, 4 }, [TLB_1G] = { 1, 4 } } },
	[MMU_L1_ITLB] = { .name = "L1 iTLB",
			  .size = { [TLB_4K] = { 16, 8 }, [TLB_2M] = { 1, 8 } } },
	[MMU_L2_STLB] = { .name = "L2 STLB",
			  .size = { [TLB_4K] = { 128, 12 }, [TLB_1G] = { 4, 4 } },
			  .shared_4k_2m = true },
};

bool mmu_init(struct mmu *mmu, struct mmu_phys phys, const struct tlb_config cfg[MMU_NTLBS])
{
	memset(mmu, 0, sizeof(*mmu));
	mmu->phys = phys;
	mmu->regs = (struct mmu_regs){
		.cr0 = CR0_PE | CR0_WP | CR0_PG,
		.cr4 = CR4_PAE | CR4_PGE | CR4_PCIDE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
		.maxphyaddr = 46,
	};
	if (!cfg)
		cfg = mmu_default_tlb;
	for (int i = 0; i < MMU_NTLBS; i++) {
		if (!tlb_init(&mmu->tlb[i], &cfg[i])) {
			mmu_destroy(mmu);
			return false;
		}
	}
	return true;
}

void mmu_destroy(struct mmu *mmu)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_destroy(&mmu->tlb[i]);
}

/* A cached translation serves the access only if the rights allow it and,
 * for a write, D is already set; otherwise the CPU walks again. */
static bool usable(const struct mmu *mmu, const struct mmu_req *req,
		   const struct mmu_translation *t)
{
	if (req->access == MMU_WRITE && !t->dirty)
		return false;
	return mmu_access_allowed(&mmu->regs, req, t);
}

static bool walk_and_fill(struct mmu *mmu, struct tlb *l1, const struct mmu_req *req,
			  struct mmu_translation *out, struct mmu_fault *fault,
			  struct mmu_walk_record *rec)
{
	struct mmu_walk_record scratch;
	uint16_t pcid = mmu_current_pcid(mmu);
	bool ok;

	if (!rec)
		rec = &scratch;
	mmu->stats.walks++;
	ok = mmu_walk(&mmu->phys, &mmu->regs, req, out, fault, rec);
	mmu->stats.walk_refs += (uint64_t)rec->nsteps;
	if (!ok) {
		mmu->stats.faults++;
		mmu_invlpg(mmu, req->va);
		return false;
	}
	tlb_insert(l1, req->va, pcid, out);
	tlb_insert(&mmu->tlb[MMU_L2_STLB], req->va, pcid, out);
	return true;
}

static bool translate(struct mmu *mmu, const struct mmu_req *req, struct mmu_translation *out,
		      struct mmu_fault *fault, struct mmu_walk_record *rec)
{
	struct tlb *l1 = &mmu->tlb[req->access == MMU_FETCH ? MMU_L1_ITLB : MMU_L1_DTLB];
	struct tlb *l2 = &mmu->tlb[MMU_L2_STLB];
	uint16_t pcid = mmu_current_pcid(mmu);
	struct mmu_translation t;
	bool l1_hit;

	mmu->stats.translations++;
	if (rec)
		*rec = (struct mmu_walk_record){ .hit = MMU_NTLBS };
	l1_hit = tlb_lookup(l1, req->va, pcid, &t);
	if (l1_hit || tlb_lookup(l2, req->va, pcid, &t)) {
		if (usable(mmu, req, &t)) {
			if (!l1_hit)
				tlb_insert(l1, req->va, pcid, &t);
			if (rec)
				rec->hit = (enum mmu_tlb_id)(l1_hit ? l1 - mmu->tlb : MMU_L2_STLB);
			*out = t;
			return true;
		}
		if (rec)
			rec->stale = true;
		mmu_invlpg(mmu, req->va);
	}
	return walk_and_fill(mmu, l1, req, out, fault, rec);
}

/* With an observer: out of the common path (a plain run has none). */
static __attribute__((noinline)) bool translate_observed(struct mmu *mmu, const struct mmu_req *req,
							 struct mmu_translation *out,
							 struct mmu_fault *fault,
							 struct mmu_walk_record *rec)
{
	const struct mmu_observer *obs = mmu->observer;
	struct mmu_walk_record scratch;

	if (!rec)
		rec = &scratch;
	bool ok = translate(mmu, req, out, fault, rec);
	obs->translated(obs->ctx, req, ok, out, fault, rec);
	return ok;
}

bool mmu_translate(struct mmu *mmu, const struct mmu_req *req, struct mmu_translation *out,
		   struct mmu_fault *fault, struct mmu_walk_record *rec)
{
	if (__builtin_expect(mmu->observer != NULL, 0))
		return translate_observed(mmu, req, out, fault, rec);
	return translate(mmu, req, out, fault, rec);
}

void mmu_write_cr3(struct mmu *mmu, uint64_t cr3)
{
	bool pcide = (mmu->regs.cr4 & CR4_PCIDE) != 0;

	mmu->regs.cr3 = cr3 & ~CR3_NOFLUSH;
	for (int i = 0; i < MMU_NTLBS; i++) {
		if (!pcide)
			tlb_flush_all(&mmu->tlb[i], false);
		else if (!(cr3 & CR3_NOFLUSH))
			tlb_flush_pcid(&mmu->tlb[i], (uint16_t)(cr3 & CR3_PCID_MASK));
	}
}

void mmu_invlpg(struct mmu *mmu, uint64_t va)
{
	uint16_t pcid = mmu_current_pcid(mmu);

	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_invlpg(&mmu->tlb[i], va, pcid);
}

void mmu_flush_pcid(struct mmu *mmu, uint16_t pcid)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_flush_pcid(&mmu->tlb[i], pcid);
}

void mmu_flush_all(struct mmu *mmu)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_flush_all(&mmu->tlb[i], true);
}
