/* pcid.c - PCIDs lent to address spaces, as Linux lends its ASIDs
 * (arch/x86/mm/tlb.c: choose_new_asid, switch_mm_irqs_off).
 *
 * The TLB model keeps entries tagged by PCID across context switches. An
 * address space keeps the PCID it was lent while no other takes it; the
 * CPU records which address space (by ctx_id, never reused) each PCID
 * tags. Running on an address space that still owns its PCID loads CR3
 * with NOFLUSH; otherwise the next PCID in round robin is taken from
 * whoever had it and loaded without NOFLUSH, which drops every entry it
 * tagged. So a PCID is reused only after a flush, and no address space
 * can hit another's entries, however many exist. */
#include "kern.h"
#include "mm/internal.h"

#define PCID_FIRST 1 /* PCID 0 tags nothing of user space */

void init_new_context(struct kernel *k, struct mm *mm)
{
	mm->ctx_id = ++k->pcids.last_ctx_id;
	mm->pcid = 0;
}

static bool owns_pcid(const struct kernel *k, const struct mm *mm)
{
	return mm->pcid >= PCID_FIRST && k->pcids.owner[mm->pcid] == mm->ctx_id;
}

void destroy_context(struct kernel *k, struct mm *mm)
{
	if (!owns_pcid(k, mm))
		return;
	mmu_flush_pcid(&k->mmu, mm->pcid);
	k->pcids.owner[mm->pcid] = 0;
}

/* The next PCID in round robin, now mm's. */
static uint16_t choose_new_pcid(struct kernel *k, struct mm *mm)
{
	struct pcid_cache *c = &k->pcids;
	if (c->next < PCID_FIRST || c->next >= PCID_COUNT)
		c->next = PCID_FIRST;
	uint16_t pcid = c->next++;
	c->owner[pcid] = mm->ctx_id;
	return pcid;
}

void switch_mm(struct kernel *k, struct mm *mm)
{
	/* Another thread of the address space that runs now: nothing to
	 * load, nothing to flush (Linux's switch_mm_irqs_off, prev == next).
	 * Owning its PCID, mm was the last to load that CR3 value. */
	if (owns_pcid(k, mm) && k->mmu.regs.cr3 == (mm->pml4 | mm->pcid))
		return;
	uint64_t noflush = CR3_NOFLUSH;
	if (!owns_pcid(k, mm)) {
		mm->pcid = choose_new_pcid(k, mm);
		noflush = 0; /* the CR3 write flushes what the PCID tagged before */
	}
	mmu_write_cr3(&k->mmu, mm->pml4 | mm->pcid | noflush);
	k->ops.flush_tlb(k->ops.ctx);
}
