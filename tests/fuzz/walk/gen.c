/* gen.c - random cases, biased towards the interesting corners: aliasing,
 * faults at every level, every control bit. The entries a walk can read are
 * few: in any table it reaches, only the slots indexed by the address's
 * level indices. So each table of a case gets exactly those slots. */
#include <stdbool.h>
#include <string.h>

#include "gen.h"
#include "image.h"
#include "layout.h"
#include "rng.h"

#define MAX_TABLES 6
#define CANDIDATE_FRAMES 512
#define PTE_PAT_4K PTE_PS /* bit 7 of a PTE */
#define IGNORED_HIGH (((1ULL << 11) - 1) << 52) /* bits 62:52 without CR4.PKE */

/* Slots: 5 indices in each table, the path through up to 5 other frames,
 * and the infrastructure's top entry. */
_Static_assert(WD_MAX_SLOTS >= MAX_TABLES * 5 + 5 + 1, "too few slots for a case");

/* Physical addresses for tables: a fixed set, so that the host pages they
 * commit stay few, spread over the whole physical space below the
 * infrastructure. */
static uint64_t candidate[CANDIDATE_FRAMES];

static void init_candidates(void)
{
	uint64_t x = 0x77616c6b64696666ULL; /* fixed: cases depend on --seed only */

	if (candidate[0])
		return;
	for (int i = 0; i < CANDIDATE_FRAMES; i++)
		candidate[i] = (splitmix64(&x) % (WD_INFRA_PA / PAGE_SIZE)) * PAGE_SIZE;
}

/* How often an entry grants R/W and U/S and sets XD, in percent: a case is
 * either mostly permissive (to reach translations) or mixed. */
struct rights {
	unsigned w, u, nx;
};

struct builder {
	struct rng *rng;
	struct rights rights;
	struct walk_case *c;
	uint64_t table[MAX_TABLES];
	int ntables;
};

static unsigned level_index(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

/* Writes value at pa unless an earlier entry took that slot (aliasing: the
 * walk will then read the earlier one). Returns what the slot holds. */
static uint64_t put(struct walk_case *c, uint64_t pa, uint64_t value)
{
	for (int i = 0; i < c->nslots; i++)
		if (c->slot[i].pa == pa)
			return c->slot[i].value;
	c->slot[c->nslots++] = (struct wd_slot){ pa, value };
	return value;
}

static uint64_t new_table(struct builder *b)
{
	for (;;) {
		uint64_t t = candidate[rng_below(b->rng, CANDIDATE_FRAMES)];
		bool used = false;

		for (int i = 0; i < b->ntables; i++)
			used |= b->table[i] == t;
		if (!used) {
			b->table[b->ntables++] = t;
			return t;
		}
	}
}

/* A page (or a large page) of the given size anywhere below the
 * infrastructure. */
static uint64_t data_page(struct rng *r, uint64_t size)
{
	return rng_below(r, WD_INFRA_PA / size) * size;
}

/* Attribute bits every entry may carry: R/W, U/S, PWT, PCD, A, D, G, the
 * ignored bits 11:9 and 62:52, and XD. P and PS are set by the caller. */
static uint64_t random_attributes(struct builder *b)
{
	struct rng *r = b->rng;
	uint64_t e = 0;

	if (rng_chance(r, b->rights.w))
		e |= PTE_W;
	if (rng_chance(r, b->rights.u))
		e |= PTE_U;
	if (rng_chance(r, b->rights.nx))
		e |= PTE_NX;
	e |= rng_u64(r) & (PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | (7ULL << 9));
	if (rng_chance(r, 20))
		e |= rng_u64(r) & IGNORED_HIGH;
	return e;
}

/* Occasionally a reserved bit: one of 51:MAXPHYADDR, or for a large leaf
 * one of the address bits below its page size (20:13 or 29:13). */
static uint64_t reserved_noise(struct rng *r, int level, bool large_leaf)
{
	uint64_t e = 0;

	if (rng_chance(r, 2))
		e |= 1ULL << (WD_MAXPHYADDR + rng_below(r, 52 - WD_MAXPHYADDR));
	if (large_leaf && rng_chance(r, 6))
		e |= 1ULL << (13 + rng_below(r, level == 3 ? 17 : 8));
	return e;
}

static uint64_t not_present(struct rng *r)
{
	return rng_u64(r) & ~PTE_P; /* every other bit is ignored */
}

/* The entry at level that points to the next table. */
static uint64_t table_entry(struct builder *b, int level, uint64_t next)
{
	struct rng *r = b->rng;
	uint64_t e = next | random_attributes(b) | reserved_noise(r, level, false) | PTE_P;

	if (level >= 4 && rng_chance(r, 2))
		e |= PTE_PS; /* reserved in a PML4E / PML5E */
	return rng_chance(r, 3) ? not_present(r) : e;
}

static uint64_t leaf_entry(struct builder *b, int level)
{
	struct rng *r = b->rng;
	uint64_t size = 1ULL << (12 + 9 * (level - 1));
	uint64_t e = random_attributes(b) | reserved_noise(r, level, level > 1) | PTE_P;

	if (level == 1 && rng_chance(r, 15))
		e |= b->table[rng_below(r, (uint64_t)b->ntables)]; /* the page is a table */
	else
		e |= data_page(r, size);
	if (level > 1) {
		e |= PTE_PS;
		if (rng_chance(r, 50))
			e |= PTE_PAT_LARGE;
	} else if (rng_chance(r, 50)) {
		e |= PTE_PAT_4K;
	}
	return rng_chance(r, 4) ? not_present(r) : e;
}

/* An entry off the intended path, reached only through aliasing. */
static uint64_t noise_entry(struct builder *b, int level)
{
	struct rng *r = b->rng;
	uint64_t target;

	if (rng_chance(r, 40))
		return not_present(r);
	if (rng_chance(r, 50))
		target = b->table[rng_below(r, (uint64_t)b->ntables)];
	else
		target = data_page(r, PAGE_SIZE);
	return target | random_attributes(b) | reserved_noise(r, level, false) | PTE_P |
	       (rng_chance(r, 30) ? PTE_PS : 0);
}

/* The next table of the path: mostly a fresh one, else one the case
 * already has (the top table: a recursive entry; one on the path: a table
 * shared between levels). */
static uint64_t next_table(struct builder *b)
{
	if (b->ntables < MAX_TABLES && rng_chance(b->rng, 70))
		return new_table(b);
	return b->table[rng_below(b->rng, (uint64_t)b->ntables)];
}

/* Writes the entries of the intended path from the top table down to a
 * leaf at leaf_level. A slot already taken (aliasing) keeps its entry, and
 * the path goes on where that entry leads, as the walk will. */
static void build_path(struct builder *b, int leaf_level)
{
	struct walk_case *c = b->c;
	uint64_t table = b->table[0];

	for (int level = c->levels; level >= leaf_level; level--) {
		uint64_t pa = table + level_index(c->req.va, level) * 8ULL;
		uint64_t entry;

		if (level == leaf_level) {
			put(c, pa, leaf_entry(b, level));
			return;
		}
		entry = put(c, pa, table_entry(b, level, next_table(b)));
		if (!(entry & PTE_P) || (entry & PTE_PS))
			return;
		table = entry & PTE_ADDR_MASK & ((1ULL << WD_MAXPHYADDR) - 1);
		if (image_in_infra(table, PAGE_SIZE))
			return; /* the infrastructure's own entries take over */
	}
}

/* Every other slot a walk could read in the case's tables. */
static void fill_noise(struct builder *b)
{
	struct walk_case *c = b->c;

	for (int t = 0; t < b->ntables; t++)
		for (int level = 1; level <= c->levels; level++)
			put(c, b->table[t] + level_index(c->req.va, level) * 8ULL, noise_entry(b, level));
}

static void gen_control(struct rng *r, struct walk_case *c)
{
	uint64_t top_table = candidate[rng_below(r, CANDIDATE_FRAMES)];

	c->regs = (struct mmu_regs){
		.cr0 = CR0_PE | CR0_PG | (rng_chance(r, 70) ? CR0_WP : 0),
		.cr4 = CR4_PAE | (c->levels == 5 ? CR4_LA57 : 0),
		.efer = EFER_LME | EFER_LMA | (rng_chance(r, 80) ? EFER_NXE : 0),
		.maxphyaddr = WD_MAXPHYADDR,
	};
	c->regs.cr4 |= rng_u64(r) & (CR4_SMEP | CR4_SMAP | CR4_PGE | CR4_PCIDE);
	/* PCID, or PWT/PCD and ignored bits without CR4.PCIDE */
	c->regs.cr3 = top_table | (rng_u64(r) & 0xfff);
	c->req.user = rng_chance(r, 50);
	c->req.rflags_ac = rng_chance(r, 50);
	c->req.access = (enum mmu_access)rng_below(r, 3);
}

/* An index for one level: often a value that makes aliasing paths meet
 * (0, 511, or the index already drawn for another level). */
static unsigned gen_index(struct rng *r, const unsigned *drawn, int ndrawn)
{
	switch (rng_below(r, 8)) {
	case 0:
		return 0;
	case 1:
		return 511;
	case 2:
		if (ndrawn)
			return drawn[rng_below(r, (uint64_t)ndrawn)];
		break;
	}
	return (unsigned)rng_below(r, 512);
}

/* Offsets: 8-byte aligned data accesses stay in one page; a fetch never
 * starts a page, because Unicorn walks exit - 1 again after the run (see
 * README.md) and that must be the same page. */
static uint64_t gen_offset(struct rng *r, enum mmu_access access)
{
	return access == MMU_FETCH ? 1 + rng_below(r, PAGE_SIZE - 1) : rng_below(r, PAGE_SIZE / 8) * 8;
}

static uint64_t gen_va(struct rng *r, int levels, enum mmu_access access)
{
	unsigned width = 12 + 9 * (unsigned)levels;
	unsigned idx[5];
	uint64_t va = 0;

	for (int level = levels; level >= 1; level--) {
		idx[levels - level] = gen_index(r, idx, levels - level);
		if (level == levels && idx[0] == WD_TOP_INFRA_INDEX)
			idx[0] = (unsigned)rng_below(r, WD_TOP_INFRA_INDEX);
		va |= (uint64_t)idx[levels - level] << (12 + 9 * (level - 1));
	}
	if (va >> (width - 1)) /* sign-extend */
		va |= ~0ULL << width;
	/* Sometimes non-canonical: one of bits 63:width-1 flipped (with 4
	 * levels that includes addresses canonical for LA57). */
	if (rng_chance(r, 3))
		va ^= 1ULL << (width - 1 + rng_below(r, 65 - width));
	return va | gen_offset(r, access);
}

static int gen_leaf_level(struct rng *r)
{
	uint64_t x = rng_below(r, 100);

	return x < 60 ? 1 : x < 85 ? 2 : 3;
}

void gen_case(uint64_t seed, uint64_t index, int levels, struct walk_case *c)
{
	struct rng r;
	struct builder b = { .rng = &r, .c = c };

	init_candidates();
	rng_seed(&r, seed, index);
	memset(c, 0, sizeof(*c));
	c->seed = seed;
	c->index = index;
	c->levels_asked = levels;
	c->levels = levels ? levels : 4 + (int)rng_below(&r, 2);
	gen_control(&r, c);
	c->req.va = gen_va(&r, c->levels, c->req.access);

	b.table[b.ntables++] = c->regs.cr3 & PTE_ADDR_MASK;
	put(c, b.table[0] + WD_TOP_INFRA_INDEX * 8ULL, image_infra_top_entry(c->levels));
	b.rights = rng_chance(&r, 60) ? (struct rights){ 97, 97, 5 } : (struct rights){ 75, 70, 25 };
	build_path(&b, gen_leaf_level(&r));
	fill_noise(&b);
}
