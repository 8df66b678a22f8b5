/* mmu.c - the MMU: control registers, the TLB hierarchy (L1 dTLB/iTLB over
 * the STLB) and the paging-structure caches in front of the page walk,
 * and the invalidation operations (SDM 3A 4.10.4). */
#include <string.h>

#include "mmu.h"

bool mmu_init(struct mmu *mmu, struct mmu_phys phys, const struct mmu_model *model)
{
	memset(mmu, 0, sizeof(*mmu));
	mmu->phys = phys;
	mmu->regs = (struct mmu_regs){
		.cr0 = CR0_PE | CR0_WP | CR0_PG,
		.cr4 = CR4_PAE | CR4_PGE | CR4_PCIDE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
		.maxphyaddr = 46,
	};
	if (!model)
		model = mmu_models[0];
	mmu->model = model->name;
	for (int i = 0; i < MMU_NTLBS; i++) {
		if (!tlb_init(&mmu->tlb[i], &model->tlb[i])) {
			mmu_destroy(mmu);
			return false;
		}
	}
	if (!psc_init(&mmu->psc, model->psc)) {
		mmu_destroy(mmu);
		return false;
	}
	return true;
}

void mmu_destroy(struct mmu *mmu)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_destroy(&mmu->tlb[i]);
	psc_destroy(&mmu->psc);
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

/* Drops the TLB entries for va in the current PCID (and global ones). */
static void drop_tlb_entries(struct mmu *mmu, uint64_t va)
{
	uint16_t pcid = mmu_current_pcid(mmu);

	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_invlpg(&mmu->tlb[i], va, pcid);
}

/* Caches the non-leaf entries a successful walk read, each with the
 * rights combined down to it (SDM 3A 4.10.3.1: only present entries
 * without reserved bits, whose A the walk has set). */
static void psc_cache_walk(struct mmu *mmu, uint64_t va, uint16_t pcid,
			   const struct mmu_walk_record *rec)
{
	bool nxe = mmu->regs.efer & EFER_NXE;
	unsigned rights = rec->psc_level ? rec->psc_rights : MMU_RIGHT_W | MMU_RIGHT_U | MMU_RIGHT_X;

	for (int i = 0; i < rec->nsteps - 1; i++) {
		uint64_t e = rec->step[i].new_value;

		if (!(e & PTE_W))
			rights &= ~MMU_RIGHT_W;
		if (!(e & PTE_U))
			rights &= ~MMU_RIGHT_U;
		if (nxe && (e & PTE_NX))
			rights &= ~MMU_RIGHT_X;
		psc_fill(&mmu->psc, rec->step[i].level, va, pcid, e & PTE_ADDR_MASK, rights);
	}
}

static enum tlb_page_size size_index(uint64_t page_size)
{
	return page_size == PAGE_SIZE_1G ? TLB_1G : page_size == PAGE_SIZE_2M ? TLB_2M : TLB_4K;
}

static bool walk_and_fill(struct mmu *mmu, struct tlb *l1, const struct mmu_req *req,
			  struct mmu_translation *out, struct mmu_fault *fault,
			  struct mmu_walk_record *rec)
{
	struct mmu_walk_record scratch;
	uint16_t pcid = mmu_current_pcid(mmu);
	uint64_t table;
	unsigned rights;
	int cached;
	bool ok;

	if (!rec)
		rec = &scratch;
	mmu->stats.walks++;
	cached = psc_lookup(&mmu->psc, req->va, pcid, &table, &rights);
	if (cached) {
		ok = mmu_walk_from(&mmu->phys, &mmu->regs, req, cached, table, rights, out, fault,
				   rec);
		mmu->stats.walk_refs_saved += (uint64_t)(mmu_levels(&mmu->regs) - cached + 1);
	} else {
		ok = mmu_walk(&mmu->phys, &mmu->regs, req, out, fault, rec);
	}
	mmu->stats.walk_refs += (uint64_t)rec->nsteps;
	if (!ok) {
		/* A #PF drops the TLB entries for va and the paging-structure-
		 * cache entries that would be used for va (SDM 3A 4.10.4.1). */
		mmu->stats.faults++;
		drop_tlb_entries(mmu, req->va);
		psc_flush_va(&mmu->psc, req->va, pcid);
		return false;
	}
	mmu->stats.walks_by_leaf[size_index(out->page_size)]++;
	psc_cache_walk(mmu, req->va, pcid, rec);
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
		drop_tlb_entries(mmu, req->va);
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
	uint16_t pcid = pcide ? (uint16_t)(cr3 & CR3_PCID_MASK) : 0;

	mmu->regs.cr3 = cr3 & ~CR3_NOFLUSH;
	/* With PCIDE and bit 63 set nothing need go (SDM 3A 4.10.4.1);
	 * otherwise the non-global TLB entries and every paging-structure-
	 * cache entry of the new PCID (PCID 0 without PCIDE) go. Global
	 * entries stay: the caches hold none. */
	if (pcide && (cr3 & CR3_NOFLUSH))
		return;
	for (int i = 0; i < MMU_NTLBS; i++) {
		if (!pcide)
			tlb_flush_all(&mmu->tlb[i], false);
		else
			tlb_flush_pcid(&mmu->tlb[i], pcid);
	}
	psc_flush_pcid(&mmu->psc, pcid);
}

void mmu_invlpg(struct mmu *mmu, uint64_t va)
{
	uint16_t pcid = mmu_current_pcid(mmu);

	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_invlpg(&mmu->tlb[i], va, pcid);
	psc_flush_pcid(&mmu->psc, pcid);
}

void mmu_invlpg_pcid(struct mmu *mmu, uint64_t va, uint16_t pcid)
{
	if (pcid == mmu_current_pcid(mmu)) {
		mmu_invlpg(mmu, va);
		return;
	}
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_invlpg(&mmu->tlb[i], va, pcid);
	psc_flush_va(&mmu->psc, va, pcid);
}

void mmu_flush_pcid(struct mmu *mmu, uint16_t pcid)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_flush_pcid(&mmu->tlb[i], pcid);
	psc_flush_pcid(&mmu->psc, pcid);
}

void mmu_flush_all(struct mmu *mmu)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_flush_all(&mmu->tlb[i], true);
	psc_flush_all(&mmu->psc);
}
