/* tlb.c - one TLB structure: a set-associative array per page size, entries
 * tagged with a PCID, LRU replacement within a set. Most programs use 4K
 * pages only: lookups, INVLPG and flushes skip the page sizes of which no
 * entry is valid (nvalid counts them). */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

static const unsigned size_shift[TLB_NSIZES] = { 12, 21, 30 };

/* The array that holds entries of size sz. */
static enum tlb_page_size home(const struct tlb *tlb, enum tlb_page_size sz)
{
	return (sz == TLB_2M && tlb->cfg.shared_4k_2m) ? TLB_4K : sz;
}

static unsigned ways(const struct tlb *tlb, enum tlb_page_size sz)
{
	return tlb->cfg.size[home(tlb, sz)].ways;
}

/* The set that page vpn of size sz maps to, or NULL if sz is not cached. */
static struct tlb_entry *set_for(struct tlb *tlb, enum tlb_page_size sz, uint64_t vpn)
{
	enum tlb_page_size h = home(tlb, sz);
	const struct tlb_geometry *g = &tlb->cfg.size[h];

	if (!g->ways)
		return NULL;
	return tlb->entries[h] + (vpn & (g->sets - 1)) * g->ways;
}

static bool matches(const struct tlb_entry *e, enum tlb_page_size sz, uint64_t vpn,
		    uint16_t pcid)
{
	return e->valid && e->size == sz && e->vpn == vpn && (e->global || e->pcid == pcid);
}

static void drop(struct tlb *tlb, struct tlb_entry *e)
{
	e->valid = 0;
	tlb->nvalid[e->size]--;
	tlb->stats.invalidations++;
}

static bool size_of(uint64_t page_size, enum tlb_page_size *sz)
{
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++) {
		if (page_size == 1ULL << size_shift[s]) {
			*sz = s;
			return true;
		}
	}
	return false;
}

static bool geometry_ok(const struct tlb_geometry *g)
{
	return g->ways == 0 || (g->sets != 0 && (g->sets & (g->sets - 1)) == 0);
}

bool tlb_init(struct tlb *tlb, const struct tlb_config *cfg)
{
	memset(tlb, 0, sizeof(*tlb));
	tlb->cfg = *cfg;
	if (cfg->shared_4k_2m && (cfg->size[TLB_4K].ways == 0 || cfg->size[TLB_2M].ways != 0))
		return false;
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++) {
		const struct tlb_geometry *g = &cfg->size[s];

		if (!geometry_ok(g)) {
			tlb_destroy(tlb);
			return false;
		}
		if (g->ways == 0)
			continue;
		tlb->entries[s] = calloc((size_t)g->sets * g->ways, sizeof(struct tlb_entry));
		if (!tlb->entries[s]) {
			tlb_destroy(tlb);
			return false;
		}
	}
	return true;
}

void tlb_destroy(struct tlb *tlb)
{
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++) {
		free(tlb->entries[s]);
		tlb->entries[s] = NULL;
	}
}

bool tlb_lookup(struct tlb *tlb, uint64_t va, uint16_t pcid, struct mmu_translation *out)
{
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++) {
		if (!tlb->nvalid[s])
			continue;
		uint64_t vpn = va >> size_shift[s], page_size = 1ULL << size_shift[s];
		struct tlb_entry *set = set_for(tlb, s, vpn);

		for (unsigned w = 0; set && w < ways(tlb, s); w++) {
			struct tlb_entry *e = &set[w];

			if (!matches(e, s, vpn, pcid))
				continue;
			e->lru = ++tlb->clock;
			tlb->stats.hits++;
			tlb->stats.size_hits[s]++;
			*out = (struct mmu_translation){
				.pa = e->page_pa | (va & (page_size - 1)),
				.page_pa = e->page_pa,
				.page_size = page_size,
				.writable = e->writable,
				.user = e->user,
				.executable = e->executable,
				.dirty = e->dirty,
				.global = e->global,
			};
			return true;
		}
	}
	tlb->stats.misses++;
	return false;
}

/* The way to fill in set: the entry for the same page if there is one, else
 * a free way, else the least recently used. */
static struct tlb_entry *victim(struct tlb_entry *set, unsigned nways, enum tlb_page_size sz,
				uint64_t vpn, uint16_t pcid)
{
	struct tlb_entry *free_way = NULL, *lru = &set[0];

	for (unsigned w = 0; w < nways; w++) {
		struct tlb_entry *e = &set[w];

		if (matches(e, sz, vpn, pcid))
			return e;
		if (!e->valid && !free_way)
			free_way = e;
		if (e->lru < lru->lru)
			lru = e;
	}
	return free_way ? free_way : lru;
}

void tlb_insert(struct tlb *tlb, uint64_t va, uint16_t pcid, const struct mmu_translation *t)
{
	enum tlb_page_size sz;
	uint64_t vpn;
	struct tlb_entry *set, *e;

	if (!size_of(t->page_size, &sz))
		return;
	vpn = va >> size_shift[sz];
	set = set_for(tlb, sz, vpn);
	if (!set)
		return;
	e = victim(set, ways(tlb, sz), sz, vpn, pcid);
	if (e->valid && !matches(e, sz, vpn, pcid)) {
		tlb->stats.evictions++;
		tlb->stats.size_evictions[e->size]++;
	}
	if (e->valid)
		tlb->nvalid[e->size]--;
	tlb->nvalid[sz]++;
	tlb->stats.size_fills[sz]++;
	*e = (struct tlb_entry){
		.vpn = vpn,
		.page_pa = t->page_pa,
		.pcid = pcid,
		.valid = 1,
		.global = t->global,
		.writable = t->writable,
		.user = t->user,
		.executable = t->executable,
		.dirty = t->dirty,
		.size = (uint8_t)sz,
		.lru = ++tlb->clock,
	};
}

void tlb_invlpg(struct tlb *tlb, uint64_t va, uint16_t pcid)
{
	/* va may be covered by a page of any size. */
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++) {
		if (!tlb->nvalid[s])
			continue;
		uint64_t vpn = va >> size_shift[s];
		struct tlb_entry *set = set_for(tlb, s, vpn);

		for (unsigned w = 0; set && w < ways(tlb, s); w++) {
			if (matches(&set[w], s, vpn, pcid))
				drop(tlb, &set[w]);
		}
	}
}

/* Whether the array of page size h holds a valid entry (of its own size,
 * or a 2M one in a shared 4K/2M array). */
static bool array_in_use(const struct tlb *tlb, enum tlb_page_size h)
{
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++)
		if (home(tlb, s) == h && tlb->nvalid[s])
			return true;
	return false;
}

/* Drops the valid entries for which keep() is false. */
static void flush_where(struct tlb *tlb, bool (*keep)(const struct tlb_entry *, uint16_t),
			uint16_t pcid)
{
	for (enum tlb_page_size s = TLB_4K; s < TLB_NSIZES; s++) {
		if (!array_in_use(tlb, s))
			continue;
		size_t n = (size_t)tlb->cfg.size[s].sets * tlb->cfg.size[s].ways;

		for (size_t i = 0; tlb->entries[s] && i < n; i++) {
			struct tlb_entry *e = &tlb->entries[s][i];

			if (e->valid && !keep(e, pcid))
				drop(tlb, e);
		}
	}
}

static bool keep_global_or_other_pcid(const struct tlb_entry *e, uint16_t pcid)
{
	return e->global || e->pcid != pcid;
}

static bool keep_global(const struct tlb_entry *e, uint16_t pcid)
{
	(void)pcid;
	return e->global;
}

static bool keep_none(const struct tlb_entry *e, uint16_t pcid)
{
	(void)e;
	(void)pcid;
	return false;
}

void tlb_flush_pcid(struct tlb *tlb, uint16_t pcid)
{
	flush_where(tlb, keep_global_or_other_pcid, pcid);
}

void tlb_flush_all(struct tlb *tlb, bool with_global)
{
	flush_where(tlb, with_global ? keep_none : keep_global, 0);
}
