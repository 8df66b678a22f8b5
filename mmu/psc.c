/* psc.c - the paging-structure caches (SDM 3A 4.10.3): per level of
 * non-leaf entry, a small fully associative array of (PCID, linear-address
 * tag) -> (next table, combined rights), LRU replacement. A walk that hits
 * one reads only the entries below it (mmu.c). */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

/* The lowest linear-address bit of the tag of a level-`level` entry: a
 * PDE (level 2) is used for the addresses with equal bits 47:21. */
static unsigned tag_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned)(level - 1);
}

/* Non-canonical addresses never get this far (the walk refuses them
 * first), so the upper bits need no masking: they only repeat bit 47
 * (or 56), which the tag holds already. */
static uint64_t tag_of(uint64_t va, int level)
{
	return va >> tag_shift(level);
}

bool psc_init(struct psc *psc, const unsigned size[PSC_LEVEL_MAX + 1])
{
	memset(psc, 0, sizeof(*psc));
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX; l++) {
		psc->size[l] = size[l];
		if (!size[l])
			continue;
		psc->entry[l] = calloc(size[l], sizeof(struct psc_entry));
		if (!psc->entry[l]) {
			psc_destroy(psc);
			return false;
		}
	}
	return true;
}

void psc_destroy(struct psc *psc)
{
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX; l++) {
		free(psc->entry[l]);
		psc->entry[l] = NULL;
	}
}

static struct psc_entry *find(struct psc *psc, int level, uint64_t tag, uint16_t pcid)
{
	for (unsigned i = 0; i < psc->size[level]; i++) {
		struct psc_entry *e = &psc->entry[level][i];

		if (e->valid && e->tag == tag && e->pcid == pcid)
			return e;
	}
	return NULL;
}

int psc_lookup(struct psc *psc, uint64_t va, uint16_t pcid, uint64_t *table, unsigned *rights)
{
	if (!psc->nvalid)
		return 0;
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX; l++) {
		struct psc_entry *e = find(psc, l, tag_of(va, l), pcid);

		if (!e)
			continue;
		e->lru = ++psc->clock;
		psc->stats.hits[l]++;
		*table = e->table;
		*rights = e->rights;
		return l;
	}
	return 0;
}

void psc_fill(struct psc *psc, int level, uint64_t va, uint16_t pcid, uint64_t table,
	      unsigned rights)
{
	uint64_t tag = tag_of(va, level);
	struct psc_entry *e = find(psc, level, tag, pcid);

	if (!psc->size[level])
		return;
	if (!e) {
		/* A free entry, else the least recently used. */
		e = &psc->entry[level][0];
		for (unsigned i = 0; i < psc->size[level] && e->valid; i++) {
			struct psc_entry *c = &psc->entry[level][i];

			if (!c->valid || c->lru < e->lru)
				e = c;
		}
		if (e->valid)
			psc->stats.evictions[level]++;
		else
			psc->nvalid++;
		psc->stats.fills[level]++;
	}
	*e = (struct psc_entry){ .tag = tag, .table = table, .lru = ++psc->clock, .pcid = pcid,
				 .valid = 1, .rights = (uint8_t)rights };
}

static void drop(struct psc *psc, int level, struct psc_entry *e)
{
	e->valid = 0;
	psc->nvalid--;
	psc->stats.invalidations[level]++;
}

void psc_flush_va(struct psc *psc, uint64_t va, uint16_t pcid)
{
	if (!psc->nvalid)
		return;
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX; l++) {
		struct psc_entry *e = find(psc, l, tag_of(va, l), pcid);

		if (e)
			drop(psc, l, e);
	}
}

/* Drops the valid entries of pcid, or all of them when all. */
static void flush_where(struct psc *psc, bool all, uint16_t pcid)
{
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX && psc->nvalid; l++) {
		for (unsigned i = 0; i < psc->size[l]; i++) {
			struct psc_entry *e = &psc->entry[l][i];

			if (e->valid && (all || e->pcid == pcid))
				drop(psc, l, e);
		}
	}
}

void psc_flush_pcid(struct psc *psc, uint16_t pcid)
{
	flush_where(psc, false, pcid);
}

void psc_flush_all(struct psc *psc)
{
	flush_where(psc, true, 0);
}
