/* model.c - TLB models: the presets `--tlb` names and the custom
 * geometry it can describe (KEY=ENTRIESxWAYS,...).
 *
 * Intel publishes no sizes for its paging-structure caches; the presets
 * use those measured on Intel cores in the literature (Barr, Cox and
 * Rixner, "Translation Caching: Skip, Don't Walk (the Page Table)", ISCA
 * 2010; Bhattacharjee, "Large-Reach Memory Management Unit Caches", MICRO
 * 2013): a 32-entry PDE cache, a 4-entry PDPTE cache and a 2-entry PML4E
 * cache, fully associative. The PML5E cache, for 5-level paging, gets 2
 * entries as the PML4E cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

/* Skylake client (Intel 64 and IA-32 Architectures Optimization Reference
 * Manual, "Skylake Microarchitecture": TLB parameters): L1 dTLB 64 4K
 * entries 4-way, 32 2M 4-way, 4 1G; L1 iTLB 128 4K 8-way, 8 2M; STLB 1536
 * 4K/2M entries 12-way, 16 1G 4-way. */
static const struct mmu_model skylake = {
	.name = "skylake",
	.tlb = {
		[MMU_L1_DTLB] = { .name = "L1 dTLB",
				  .size = { [TLB_4K] = { 16, 4 }, [TLB_2M] = { 8, 4 },
					    [TLB_1G] = { 1, 4 } } },
		[MMU_L1_ITLB] = { .name = "L1 iTLB",
				  .size = { [TLB_4K] = { 16, 8 }, [TLB_2M] = { 1, 8 } } },
		[MMU_L2_STLB] = { .name = "L2 STLB",
				  .size = { [TLB_4K] = { 128, 12 }, [TLB_1G] = { 4, 4 } },
				  .shared_4k_2m = true },
	},
	.psc = { [2] = 32, [3] = 4, [4] = 2, [5] = 2 },
};

/* Golden Cove, the P-core of Alder Lake and Sapphire Rapids (Intel 64 and
 * IA-32 Architectures Optimization Reference Manual, 248966-046, "Golden
 * Cove Microarchitecture": TLB parameters): L1 dTLB (loads) 96 4K entries
 * 6-way, 32 2M/4M 4-way, 8 1G fully associative; L1 iTLB 256 4K 8-way, 32
 * 2M/4M; STLB 2048 4K/2M entries 16-way, 1024 1G 8-way. */
static const struct mmu_model goldencove = {
	.name = "goldencove",
	.tlb = {
		[MMU_L1_DTLB] = { .name = "L1 dTLB",
				  .size = { [TLB_4K] = { 16, 6 }, [TLB_2M] = { 8, 4 },
					    [TLB_1G] = { 1, 8 } } },
		[MMU_L1_ITLB] = { .name = "L1 iTLB",
				  .size = { [TLB_4K] = { 32, 8 }, [TLB_2M] = { 1, 32 } } },
		[MMU_L2_STLB] = { .name = "L2 STLB",
				  .size = { [TLB_4K] = { 128, 16 }, [TLB_1G] = { 128, 8 } },
				  .shared_4k_2m = true },
	},
	.psc = { [2] = 32, [3] = 4, [4] = 2, [5] = 2 },
};

const struct mmu_model *const mmu_models[] = { &skylake, &goldencove, NULL };

const struct mmu_model *mmu_model_find(const char *name)
{
	for (int i = 0; mmu_models[i]; i++)
		if (!strcmp(mmu_models[i]->name, name))
			return mmu_models[i];
	return NULL;
}

/* ---- custom:KEY=VALUE,... ---- */

#define MAX_ENTRIES 65536

struct key {
	const char *name;
	int tlb;           /* enum mmu_tlb_id, or -1 for a paging-structure cache */
	int size;          /* enum tlb_page_size, or the cache's level */
	bool shared;       /* stlb.4k2m: one array for 4K and 2M pages */
};

static const struct key keys[] = {
	{ "l1d.4k", MMU_L1_DTLB, TLB_4K, false }, { "l1d.2m", MMU_L1_DTLB, TLB_2M, false },
	{ "l1d.1g", MMU_L1_DTLB, TLB_1G, false }, { "l1i.4k", MMU_L1_ITLB, TLB_4K, false },
	{ "l1i.2m", MMU_L1_ITLB, TLB_2M, false }, { "l1i.1g", MMU_L1_ITLB, TLB_1G, false },
	{ "stlb.4k", MMU_L2_STLB, TLB_4K, false }, { "stlb.2m", MMU_L2_STLB, TLB_2M, false },
	{ "stlb.1g", MMU_L2_STLB, TLB_1G, false }, { "stlb.4k2m", MMU_L2_STLB, TLB_4K, true },
	{ "pde", -1, 2, false }, { "pdpte", -1, 3, false }, { "pml4e", -1, 4, false },
	{ "pml5e", -1, 5, false },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* A decimal number from 0 to MAX_ENTRIES at *p (moved past it); -1 if none. */
static long number(const char **p)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	v = strtol(*p, &end, 10);
	*p = end;
	return v > MAX_ENTRIES ? -1 : v;
}

/* Applies KEY=VALUE (len bytes at item) to m. False with why. */
static bool apply(struct mmu_model *m, const char *item, size_t len, char *why, size_t wlen)
{
	char buf[64];
	const char *p;
	const struct key *k = NULL;
	long entries, ways;

	if (len >= sizeof(buf)) {
		snprintf(why, wlen, "'%.20s...' is too long", item);
		return false;
	}
	memcpy(buf, item, len);
	buf[len] = 0;
	char *eq = strchr(buf, '=');
	if (!eq) {
		snprintf(why, wlen, "'%s' is not KEY=VALUE", buf);
		return false;
	}
	*eq = 0;
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, buf))
			k = &keys[i];
	if (!k) {
		snprintf(why, wlen, "unknown key '%s' (l1d.4k, l1d.2m, l1d.1g, l1i.4k, l1i.2m, "
			 "l1i.1g, stlb.4k, stlb.2m, stlb.1g, stlb.4k2m, pde, pdpte, pml4e, pml5e)", buf);
		return false;
	}
	p = eq + 1;
	entries = number(&p);
	ways = entries;
	if (entries >= 0 && *p == 'x' && k->tlb >= 0) {
		p++;
		ways = number(&p);
	}
	if (entries < 0 || ways < 0 || *p) {
		snprintf(why, wlen, "%s: '%s' is not ENTRIES%s (at most %d)", k->name, eq + 1,
			 k->tlb >= 0 ? ", ENTRIESxWAYS or 0" : " or 0", MAX_ENTRIES);
		return false;
	}
	if (k->tlb < 0) {
		m->psc[k->size] = (unsigned)entries;
		return true;
	}
	if (entries && (!ways || entries % ways || ((entries / ways) & (entries / ways - 1)))) {
		snprintf(why, wlen, "%s: %ld entries in %ld ways is not a power-of-two number of sets",
			 k->name, entries, ways);
		return false;
	}
	struct tlb_config *c = &m->tlb[k->tlb];
	c->size[k->size] = entries ? (struct tlb_geometry){ (unsigned)(entries / ways), (unsigned)ways }
				   : (struct tlb_geometry){ 0, 0 };
	if (k->shared) {
		c->shared_4k_2m = entries != 0;
		c->size[TLB_2M] = (struct tlb_geometry){ 0, 0 };
	} else if (k->tlb == MMU_L2_STLB && k->size != TLB_1G) {
		c->shared_4k_2m = false; /* the 4K and 2M arrays are named apart */
	}
	return true;
}

bool mmu_model_parse(const char *spec, struct mmu_model *out, char *why, size_t len)
{
	static const char prefix[] = "custom:";
	const struct mmu_model *preset = mmu_model_find(spec);

	if (preset) {
		*out = *preset;
		return true;
	}
	if (strncmp(spec, prefix, sizeof(prefix) - 1)) {
		snprintf(why, len, "unknown TLB model '%s' (skylake, goldencove, or custom:KEY=VALUE,...)",
			 spec);
		return false;
	}
	*out = skylake;
	out->name = "custom";
	for (const char *p = spec + sizeof(prefix) - 1;;) {
		size_t n = strcspn(p, ",");

		if (!apply(out, p, n, why, len))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}
