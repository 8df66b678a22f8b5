/* test_mmu_tlb.c - one TLB structure (lookup, LRU, PCID, global entries,
 * invalidation) and the MMU's TLB hierarchy in front of the walk (L1/STLB
 * fills, stale entries, D-bit re-walks, CR3 writes, INVLPG). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_fixture.h"
#include "unit.h"

/* ---- one TLB structure ---- */

/* 4K: 2 sets x 2 ways; 2M: 1 set x 2 ways; 1G: not cached. */
static const struct tlb_config small_cfg = {
	.name = "small",
	.size = { [TLB_4K] = { 2, 2 }, [TLB_2M] = { 1, 2 } },
};

static struct tlb tlb;
static struct mmu_translation tr;

static void tlb_setup(void)
{
	ck_assert(tlb_init(&tlb, &small_cfg));
}

static void tlb_teardown(void)
{
	tlb_destroy(&tlb);
}

static struct mmu_translation page(uint64_t page_pa, uint64_t page_size, bool global)
{
	return (struct mmu_translation){ .page_pa = page_pa, .page_size = page_size,
					 .writable = true, .user = true, .executable = true,
					 .dirty = true, .global = global };
}

static void insert(uint64_t va, uint16_t pcid, uint64_t page_pa)
{
	struct mmu_translation t = page(page_pa, PAGE_SIZE, false);

	tlb_insert(&tlb, va, pcid, &t);
}

static void insert_global(uint64_t va, uint16_t pcid, uint64_t page_pa)
{
	struct mmu_translation t = page(page_pa, PAGE_SIZE, true);

	tlb_insert(&tlb, va, pcid, &t);
}

static bool hit(uint64_t va, uint16_t pcid)
{
	return tlb_lookup(&tlb, va, pcid, &tr);
}

static void expect_stats(const struct tlb_stats *s, uint64_t hits, uint64_t misses,
			 uint64_t evictions, uint64_t invalidations)
{
	ck_assert_uint_eq(s->hits, hits);
	ck_assert_uint_eq(s->misses, misses);
	ck_assert_uint_eq(s->evictions, evictions);
	ck_assert_uint_eq(s->invalidations, invalidations);
}

START_TEST(test_hit_after_insert)
{
	struct mmu_translation t = { .page_pa = 0x9000, .page_size = PAGE_SIZE,
				     .writable = true, .executable = true };

	tlb_insert(&tlb, 0x5000, 0, &t);
	ck_assert(hit(0x5abc, 0));
	ck_assert_uint_eq(tr.pa, 0x9abc);
	ck_assert_uint_eq(tr.page_pa, 0x9000);
	ck_assert_uint_eq(tr.page_size, PAGE_SIZE);
	ck_assert(tr.writable && !tr.user && tr.executable && !tr.dirty && !tr.global);
	ck_assert(!hit(0x6000, 0));
	ck_assert(!hit(0x4fff, 0));
	expect_stats(&tlb.stats, 1, 2, 0, 0);
}
END_TEST

START_TEST(test_miss_after_invlpg)
{
	struct mmu_translation big = page(0x600000, PAGE_SIZE_2M, false);

	insert(0x5000, 1, 0x9000);
	tlb_insert(&tlb, 0x400000, 1, &big);
	ck_assert(hit(0x512345, 1));
	ck_assert_uint_eq(tr.pa, 0x712345);
	ck_assert_uint_eq(tr.page_size, PAGE_SIZE_2M);
	tlb_invlpg(&tlb, 0x5123, 1);
	ck_assert(!hit(0x5000, 1));
	ck_assert_uint_eq(tlb.stats.invalidations, 1);
	/* Another PCID's INVLPG leaves non-global entries alone. */
	tlb_invlpg(&tlb, 0x512345, 2);
	ck_assert(hit(0x400000, 1));
	/* Any va inside the 2M page drops it. */
	tlb_invlpg(&tlb, 0x5ff000, 1);
	ck_assert(!hit(0x400000, 1));
	expect_stats(&tlb.stats, 2, 2, 0, 2);
}
END_TEST

/* vpn 0, 2, 4, 6 share set 0 of the 2-way 4K array; vpn 1 is in set 1. */
START_TEST(test_lru_two_way)
{
	insert(0x0000, 0, 0xa000);
	insert(0x2000, 0, 0xb000);
	ck_assert(hit(0x0000, 0));       /* A is now more recent than B */
	insert(0x4000, 0, 0xc000);       /* evicts B */
	ck_assert_uint_eq(tlb.stats.evictions, 1);
	insert(0x1000, 0, 0xe000);       /* set 1: no eviction */
	ck_assert_uint_eq(tlb.stats.evictions, 1);
	ck_assert(!hit(0x2000, 0));
	ck_assert(hit(0x0000, 0));
	ck_assert_uint_eq(tr.pa, 0xa000);
	ck_assert(hit(0x4000, 0));       /* C is now more recent than A */
	insert(0x6000, 0, 0xd000);       /* evicts A */
	ck_assert(!hit(0x0000, 0));
	ck_assert(hit(0x4000, 0));
	ck_assert(hit(0x6000, 0));
	ck_assert(hit(0x1000, 0));
	expect_stats(&tlb.stats, 6, 2, 2, 0);
}
END_TEST

START_TEST(test_reinsert_overwrites)
{
	struct mmu_translation clean = page(0xa000, PAGE_SIZE, false);

	clean.dirty = false;
	tlb_insert(&tlb, 0x0000, 0, &clean);
	insert(0x0000, 0, 0xa000);
	insert(0x2000, 0, 0xb000);
	ck_assert(hit(0x0000, 0));
	ck_assert(tr.dirty);
	ck_assert(hit(0x2000, 0));
	expect_stats(&tlb.stats, 2, 0, 0, 0);
}
END_TEST

START_TEST(test_pcid_isolation)
{
	insert(0x5000, 1, 0x9000);
	insert(0x5000, 2, 0xa000);
	ck_assert(hit(0x5000, 1));
	ck_assert_uint_eq(tr.pa, 0x9000);
	ck_assert(hit(0x5000, 2));
	ck_assert_uint_eq(tr.pa, 0xa000);
	ck_assert(!hit(0x5000, 3));
	tlb_flush_pcid(&tlb, 1);
	ck_assert(!hit(0x5000, 1));
	ck_assert(hit(0x5000, 2));
	expect_stats(&tlb.stats, 3, 2, 0, 1);
}
END_TEST

START_TEST(test_global_entries)
{
	insert_global(0x5000, 1, 0x9000);
	insert(0x1000, 1, 0x8000);
	ck_assert(hit(0x5000, 7));
	ck_assert(tr.global);
	tlb_flush_pcid(&tlb, 1);
	tlb_flush_pcid(&tlb, 7);
	ck_assert(hit(0x5000, 1));
	ck_assert(!hit(0x1000, 1));
	tlb_flush_all(&tlb, false);
	ck_assert(hit(0x5000, 2));
	ck_assert_uint_eq(tlb.stats.invalidations, 1);
	/* INVLPG drops a global entry whatever the current PCID. */
	tlb_invlpg(&tlb, 0x5000, 9);
	ck_assert(!hit(0x5000, 1));
	ck_assert_uint_eq(tlb.stats.invalidations, 2);
}
END_TEST

START_TEST(test_flush_all)
{
	insert(0x0000, 1, 0xa000);
	insert(0x1000, 2, 0xb000);
	insert_global(0x2000, 3, 0xc000);
	tlb_flush_all(&tlb, false);
	ck_assert_uint_eq(tlb.stats.invalidations, 2);
	ck_assert(!hit(0x0000, 1));
	ck_assert(!hit(0x1000, 2));
	ck_assert(hit(0x2000, 1));
	tlb_flush_all(&tlb, true);
	ck_assert(!hit(0x2000, 3));
	expect_stats(&tlb.stats, 1, 3, 0, 3);
}
END_TEST

START_TEST(test_uncached_size)
{
	struct mmu_translation huge = page(0x40000000, PAGE_SIZE_1G, false);

	tlb_insert(&tlb, 0xc0000000, 0, &huge);
	ck_assert(!hit(0xc0000000, 0));
	expect_stats(&tlb.stats, 0, 1, 0, 0);
}
END_TEST

/* 4K and 2M entries compete for the ways of one shared array. */
START_TEST(test_shared_4k_2m)
{
	static const struct tlb_config cfg = { .size = { [TLB_4K] = { 1, 2 } },
					       .shared_4k_2m = true };
	struct mmu_translation big = page(0x600000, PAGE_SIZE_2M, false);
	struct tlb shared;

	ck_assert(tlb_init(&shared, &cfg));
	tlb_insert(&shared, 0x1000, 0, &(struct mmu_translation){ .page_pa = 0xa000,
								  .page_size = PAGE_SIZE });
	tlb_insert(&shared, 0x200000, 0, &big);
	ck_assert(tlb_lookup(&shared, 0x1000, 0, &tr));
	ck_assert(tlb_lookup(&shared, 0x234567, 0, &tr));
	ck_assert_uint_eq(tr.pa, 0x634567);
	tlb_insert(&shared, 0x3000, 0, &(struct mmu_translation){ .page_pa = 0xb000,
								  .page_size = PAGE_SIZE });
	ck_assert_uint_eq(shared.stats.evictions, 1);
	ck_assert(!tlb_lookup(&shared, 0x1000, 0, &tr));
	ck_assert(tlb_lookup(&shared, 0x200000, 0, &tr));
	ck_assert(tlb_lookup(&shared, 0x3000, 0, &tr));
	tlb_invlpg(&shared, 0x3fffff, 0);
	ck_assert(!tlb_lookup(&shared, 0x200000, 0, &tr));
	expect_stats(&shared.stats, 4, 2, 1, 1);
	tlb_destroy(&shared);
}
END_TEST

/* nvalid follows inserts, replacements, INVLPG and flushes per page size;
 * a wrong count would skip a valid entry (a miss) or underflow. */
START_TEST(test_valid_counts)
{
	struct mmu_translation big = page(0x600000, PAGE_SIZE_2M, false);

	insert(0x0000, 1, 0xa000);
	insert(0x2000, 1, 0xb000);
	insert(0x0000, 1, 0xc000); /* the same page again: in place */
	ck_assert_uint_eq(tlb.nvalid[TLB_4K], 2);
	ck_assert_uint_eq(tlb.nvalid[TLB_2M], 0);
	insert(0x4000, 1, 0xd000); /* set 0 is full: replaces one */
	ck_assert_uint_eq(tlb.nvalid[TLB_4K], 2);
	tlb_insert(&tlb, 0x200000, 1, &big);
	ck_assert_uint_eq(tlb.nvalid[TLB_2M], 1);
	ck_assert(hit(0x234567, 1));
	tlb_invlpg(&tlb, 0x2fffff, 1);
	ck_assert_uint_eq(tlb.nvalid[TLB_2M], 0);
	ck_assert(!hit(0x234567, 1));
	ck_assert(hit(0x4000, 1));
	tlb_flush_pcid(&tlb, 1);
	ck_assert_uint_eq(tlb.nvalid[TLB_4K], 0);
	ck_assert(!hit(0x4000, 1));
	tlb_insert(&tlb, 0x200000, 1, &big);
	ck_assert(hit(0x200000, 1));
	expect_stats(&tlb.stats, 3, 2, 1, 3);
}
END_TEST

/* A 2M entry alone in a shared 4K/2M array is still flushed. */
START_TEST(test_flush_shared_array_with_only_2m)
{
	static const struct tlb_config cfg = { .size = { [TLB_4K] = { 1, 2 } },
					       .shared_4k_2m = true };
	struct mmu_translation big = page(0x600000, PAGE_SIZE_2M, false);
	struct tlb shared;

	ck_assert(tlb_init(&shared, &cfg));
	tlb_insert(&shared, 0x200000, 0, &big);
	ck_assert_uint_eq(shared.nvalid[TLB_4K], 0);
	tlb_flush_all(&shared, false);
	ck_assert(!tlb_lookup(&shared, 0x200000, 0, &tr));
	expect_stats(&shared.stats, 0, 1, 0, 1);
	tlb_destroy(&shared);
}
END_TEST

START_TEST(test_init_checks_geometry)
{
	static const struct tlb_config bad[] = {
		{ .size = { [TLB_4K] = { 3, 2 } } },
		{ .size = { [TLB_4K] = { 0, 2 } } },
		{ .size = { [TLB_4K] = { 4, 2 }, [TLB_2M] = { 1, 2 } }, .shared_4k_2m = true },
		{ .size = { [TLB_2M] = { 1, 2 } }, .shared_4k_2m = true },
	};
	static const struct tlb_config good = { .size = { [TLB_4K] = { 4, 2 }, [TLB_1G] = { 3, 0 } } };
	struct tlb t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!tlb_init(&t, &bad[i]), "bad geometry %zu accepted", i);
		tlb_destroy(&t);
	}
	ck_assert(tlb_init(&t, &good));
	tlb_destroy(&t);
}
END_TEST

static unsigned entries(const struct tlb_geometry *g)
{
	return g->sets * g->ways;
}

START_TEST(test_default_geometry)
{
	const struct tlb_config *d = &mmu_models[0]->tlb[MMU_L1_DTLB];
	const struct tlb_config *i = &mmu_models[0]->tlb[MMU_L1_ITLB];
	const struct tlb_config *s = &mmu_models[0]->tlb[MMU_L2_STLB];

	ck_assert_str_eq(d->name, "L1 dTLB");
	ck_assert_str_eq(i->name, "L1 iTLB");
	ck_assert_str_eq(s->name, "L2 STLB");
	ck_assert_uint_eq(entries(&d->size[TLB_4K]), 64);
	ck_assert_uint_eq(d->size[TLB_4K].ways, 4);
	ck_assert_uint_eq(entries(&d->size[TLB_2M]), 32);
	ck_assert_uint_eq(d->size[TLB_2M].ways, 4);
	ck_assert_uint_eq(entries(&d->size[TLB_1G]), 4);
	ck_assert_uint_eq(entries(&i->size[TLB_4K]), 128);
	ck_assert_uint_eq(i->size[TLB_4K].ways, 8);
	ck_assert_uint_eq(entries(&i->size[TLB_2M]), 8);
	ck_assert_uint_eq(i->size[TLB_1G].ways, 0);
	ck_assert(s->shared_4k_2m);
	ck_assert_uint_eq(entries(&s->size[TLB_4K]), 1536);
	ck_assert_uint_eq(s->size[TLB_4K].ways, 12);
	ck_assert_uint_eq(entries(&s->size[TLB_1G]), 16);
	ck_assert_uint_eq(s->size[TLB_1G].ways, 4);
}
END_TEST

/* ---- the hierarchy in front of the walk ---- */

#define VA1 0x7f0000401000ULL /* PML4[254] PDPT[0] PD[2] PT[1] */
#define VA2 0x7f0000402000ULL /* the next page */
#define VA_1G 0xc0000000ULL

static struct mmu_fault fault;
static struct mmu_walk_record rec;

/* The TLBs alone: the paging-structure caches have their own tests
 * (test_mmu_psc.c), so every walk here reads every level. */
static void mmu_setup(void)
{
	struct mmu_model tlbs_only = *mmu_models[0];

	memset(tlbs_only.psc, 0, sizeof(tlbs_only.psc));
	mmu_fixture_setup(&tlbs_only, 0);
}

static void mmu_teardown(void)
{
	mmu_fixture_teardown();
}

/* Maps va with the leaf at leaf_level (1: 4K, 3: 1G) and returns the leaf;
 * upper entries get TABLE_BITS. */
static uint64_t *map(uint64_t va, uint64_t leaf, int leaf_level)
{
	uint64_t *e = entry(va, leaf_level);
	*e = leaf;
	return e;
}

static bool translate(uint64_t va, bool user, enum mmu_access access)
{
	struct mmu_req req = { .va = va, .access = access, .user = user };

	fault = (struct mmu_fault){ 0 };
	return mmu_translate(&mmu, &req, &tr, &fault, &rec);
}

static const struct tlb_stats *stats(enum mmu_tlb_id id)
{
	return &mmu.tlb[id].stats;
}

START_TEST(test_init_defaults)
{
	ck_assert_uint_eq(mmu.regs.cr0, CR0_PE | CR0_WP | CR0_PG);
	ck_assert_uint_eq(mmu.regs.cr4, CR4_PAE | CR4_PGE | CR4_PCIDE);
	ck_assert_uint_eq(mmu.regs.efer, EFER_LME | EFER_LMA | EFER_NXE);
	ck_assert_uint_eq(mmu.regs.maxphyaddr, 46);
	ck_assert_str_eq(mmu.tlb[MMU_L2_STLB].cfg.name, "L2 STLB");
}
END_TEST

START_TEST(test_l1_miss_l2_hit)
{
	map(VA1, 0x300000 | TABLE_BITS, 1);
	ck_assert(translate(VA1 + 0x10, true, MMU_READ));
	ck_assert_uint_eq(tr.pa, 0x300010);
	ck_assert_int_eq(rec.nsteps, 4);
	ck_assert_uint_eq(mmu.stats.walks, 1);
	ck_assert_uint_eq(mmu.stats.walk_refs, 4);
	expect_stats(stats(MMU_L1_DTLB), 0, 1, 0, 0);
	expect_stats(stats(MMU_L2_STLB), 0, 1, 0, 0);

	ck_assert(translate(VA1 + 0x20, true, MMU_READ));
	ck_assert_uint_eq(tr.pa, 0x300020);
	ck_assert_int_eq(rec.nsteps, 0);
	expect_stats(stats(MMU_L1_DTLB), 1, 1, 0, 0);

	tlb_flush_all(&mmu.tlb[MMU_L1_DTLB], true);
	ck_assert(translate(VA1 + 0x30, true, MMU_READ));
	ck_assert_uint_eq(tr.pa, 0x300030);
	expect_stats(stats(MMU_L1_DTLB), 1, 2, 0, 1);
	expect_stats(stats(MMU_L2_STLB), 1, 1, 0, 0);
	/* The STLB hit refilled the dTLB. */
	ck_assert(translate(VA1, true, MMU_READ));
	expect_stats(stats(MMU_L1_DTLB), 2, 2, 0, 1);
	expect_stats(stats(MMU_L2_STLB), 1, 1, 0, 0);
	ck_assert_uint_eq(mmu.stats.walks, 1);
	ck_assert_uint_eq(mmu.stats.translations, 4);
	ck_assert_uint_eq(mmu.stats.faults, 0);
}
END_TEST

START_TEST(test_fetch_uses_itlb)
{
	map(VA1, 0x300000 | TABLE_BITS, 1);
	ck_assert(translate(VA1, true, MMU_FETCH));
	expect_stats(stats(MMU_L1_ITLB), 0, 1, 0, 0);
	expect_stats(stats(MMU_L1_DTLB), 0, 0, 0, 0);
	ck_assert(translate(VA1, true, MMU_READ));
	expect_stats(stats(MMU_L1_DTLB), 0, 1, 0, 0);
	expect_stats(stats(MMU_L2_STLB), 1, 1, 0, 0);
	ck_assert(translate(VA1, true, MMU_FETCH));
	expect_stats(stats(MMU_L1_ITLB), 1, 1, 0, 0);
	ck_assert_uint_eq(mmu.stats.walks, 1);
}
END_TEST

/* The iTLB has no 1G array: such a page is served by the STLB. */
START_TEST(test_1g_page_not_in_itlb)
{
	map(VA_1G, 0x40000000 | PTE_PS | TABLE_BITS, 3);
	ck_assert(translate(VA_1G + 0x123, false, MMU_FETCH));
	ck_assert_uint_eq(tr.pa, 0x40000123);
	ck_assert_uint_eq(mmu.stats.walk_refs, 2);
	ck_assert(translate(VA_1G + 0x456, false, MMU_FETCH));
	expect_stats(stats(MMU_L1_ITLB), 0, 2, 0, 0);
	expect_stats(stats(MMU_L2_STLB), 1, 1, 0, 0);
	ck_assert(translate(VA_1G + 0x3fffffff, false, MMU_READ));
	ck_assert_uint_eq(tr.pa, 0x7fffffff);
	ck_assert(translate(VA_1G, false, MMU_READ));
	expect_stats(stats(MMU_L1_DTLB), 1, 1, 0, 0);
	ck_assert_uint_eq(mmu.stats.walks, 1);
}
END_TEST

START_TEST(test_write_through_clean_entry_rewalks)
{
	uint64_t *pte = map(VA1, 0x300000 | TABLE_BITS, 1);

	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert(!tr.dirty);
	ck_assert_uint_eq(*pte, 0x300027);
	ck_assert(translate(VA1, true, MMU_WRITE));
	ck_assert(tr.dirty);
	ck_assert_uint_eq(*pte, 0x300067);
	ck_assert_int_eq(rec.nsteps, 4);
	ck_assert_uint_eq(mmu.stats.walks, 2);
	/* The clean entry was hit, dropped, and replaced by a dirty one. */
	expect_stats(stats(MMU_L1_DTLB), 1, 1, 0, 1);
	expect_stats(stats(MMU_L2_STLB), 0, 1, 0, 1);
	ck_assert(translate(VA1, true, MMU_WRITE));
	ck_assert_uint_eq(mmu.stats.walks, 2);
	expect_stats(stats(MMU_L1_DTLB), 2, 1, 0, 1);
}
END_TEST

/* Without INVLPG the TLB keeps the old rights: real TLB behaviour. */
START_TEST(test_stale_entry_after_pte_change)
{
	uint64_t *pte = map(VA1, 0x300000 | TABLE_BITS, 1);

	ck_assert(translate(VA1, true, MMU_WRITE));
	*pte &= ~PTE_W;
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert(tr.writable);
	ck_assert(translate(VA1, true, MMU_WRITE));
	ck_assert_uint_eq(mmu.stats.walks, 1);
	mmu_invlpg(&mmu, VA1);
	ck_assert(!translate(VA1, true, MMU_WRITE));
	ck_assert_int_eq(fault.kind, MMU_FAULT_PROTECTION);
	ck_assert_uint_eq(fault.error_code, 0x7);
	ck_assert_uint_eq(mmu.stats.walks, 2);
	ck_assert_uint_eq(mmu.stats.faults, 1);
}
END_TEST

START_TEST(test_clean_stale_entry_write_faults)
{
	uint64_t *pte = map(VA1, 0x300000 | TABLE_BITS, 1);

	ck_assert(translate(VA1, true, MMU_READ));
	*pte &= ~PTE_W;
	ck_assert(!translate(VA1, true, MMU_WRITE));
	ck_assert_int_eq(fault.kind, MMU_FAULT_PROTECTION);
	ck_assert_uint_eq(fault.error_code, 0x7);
	ck_assert_uint_eq(mmu.stats.walks, 2);
	ck_assert_uint_eq(mmu.stats.walk_refs, 8);
	ck_assert_uint_eq(mmu.stats.faults, 1);
	expect_stats(stats(MMU_L1_DTLB), 1, 1, 0, 1);
	/* Nothing stays cached for the faulting page. */
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 3);
}
END_TEST

START_TEST(test_forbidden_hit_rewalks)
{
	uint64_t *pte = map(VA1, 0x300000 | PTE_P | PTE_W, 1);

	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(!translate(VA1, true, MMU_READ));
	ck_assert_int_eq(fault.kind, MMU_FAULT_PROTECTION);
	ck_assert_uint_eq(fault.error_code, 0x5);
	ck_assert_int_eq(fault.level, 1);
	ck_assert_uint_eq(fault.cr2, VA1);
	expect_stats(stats(MMU_L1_DTLB), 1, 1, 0, 1);
	expect_stats(stats(MMU_L2_STLB), 0, 1, 0, 1);
	/* A page made user without INVLPG: the re-walk sees it, no fault. */
	ck_assert(translate(VA1, false, MMU_READ));
	*pte |= PTE_U;
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert(tr.user);
	ck_assert_uint_eq(mmu.stats.walks, 4);
	ck_assert_uint_eq(mmu.stats.faults, 1);
}
END_TEST

START_TEST(test_fault_counts_refs)
{
	ck_assert(!translate(VA1, true, MMU_WRITE));
	ck_assert_int_eq(fault.kind, MMU_FAULT_NOT_PRESENT);
	ck_assert_uint_eq(fault.error_code, 0x6);
	ck_assert_int_eq(fault.level, 4);
	ck_assert_uint_eq(mmu.stats.walk_refs, 1);
	ck_assert_uint_eq(mmu.stats.faults, 1);
	ck_assert_int_eq(rec.nsteps, 1);
	/* rec may be NULL. */
	ck_assert(!mmu_translate(&mmu, &(struct mmu_req){ .va = VA1 }, &tr, &fault, NULL));
	ck_assert_uint_eq(mmu.stats.walk_refs, 2);
}
END_TEST

START_TEST(test_cr3_pcid_and_noflush)
{
	map(VA1, 0x300000 | TABLE_BITS, 1);
	mmu_write_cr3(&mmu, 0x1000 | 1);
	ck_assert_uint_eq(mmu_current_pcid(&mmu), 1);
	ck_assert(translate(VA1, true, MMU_READ));
	mmu_write_cr3(&mmu, 0x1000 | 2);
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 2);
	mmu_write_cr3(&mmu, 0x1000 | 1 | CR3_NOFLUSH);
	ck_assert_uint_eq(mmu.regs.cr3, 0x1001);
	ck_assert(translate(VA1, true, MMU_READ));
	mmu_write_cr3(&mmu, 0x1000 | 2 | CR3_NOFLUSH);
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 2);
	expect_stats(stats(MMU_L1_DTLB), 2, 2, 0, 0);
	/* Without bit 63 the new PCID's entries go, the others stay. */
	mmu_write_cr3(&mmu, 0x1000 | 1);
	expect_stats(stats(MMU_L1_DTLB), 2, 2, 0, 1);
	expect_stats(stats(MMU_L2_STLB), 0, 2, 0, 1);
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 3);
	mmu_write_cr3(&mmu, 0x1000 | 2 | CR3_NOFLUSH);
	ck_assert(translate(VA1, true, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 3);
}
END_TEST

START_TEST(test_global_survives_cr3_and_pcid_flush)
{
	map(VA1, 0x300000 | PTE_G | TABLE_BITS, 1);
	map(VA2, 0x301000 | TABLE_BITS, 1);
	mmu_write_cr3(&mmu, 0x1000 | 1);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(tr.global);
	ck_assert(translate(VA2, false, MMU_READ));
	ck_assert(!tr.global);
	mmu_write_cr3(&mmu, 0x1000 | 2);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 2);
	mmu_flush_pcid(&mmu, 1);
	mmu_flush_pcid(&mmu, 2);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(translate(VA2, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 3);
	mmu_flush_all(&mmu);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 4);
}
END_TEST

START_TEST(test_cr3_without_pcide)
{
	map(VA1, 0x300000 | PTE_G | TABLE_BITS, 1);
	map(VA2, 0x301000 | TABLE_BITS, 1);
	mmu.regs.cr4 &= ~CR4_PCIDE;
	mmu_write_cr3(&mmu, 0x1000 | 5);
	ck_assert_uint_eq(mmu_current_pcid(&mmu), 0);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(translate(VA2, false, MMU_READ));
	mmu_write_cr3(&mmu, 0x1000 | CR3_NOFLUSH); /* bit 63 means nothing here */
	ck_assert_uint_eq(mmu.regs.cr3, 0x1000);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 2);
	ck_assert(translate(VA2, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 3);
}
END_TEST

START_TEST(test_g_without_pge_is_flushed)
{
	map(VA1, 0x300000 | PTE_G | TABLE_BITS, 1);
	mmu.regs.cr4 &= ~CR4_PGE;
	mmu_write_cr3(&mmu, 0x1000 | 1);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(!tr.global);
	mmu_write_cr3(&mmu, 0x1000 | 2);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 2);
}
END_TEST

START_TEST(test_invlpg_whole_hierarchy)
{
	map(VA1, 0x300000 | TABLE_BITS, 1);
	map(VA2, 0x301000 | TABLE_BITS, 1);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(translate(VA1, false, MMU_FETCH));
	ck_assert(translate(VA2, false, MMU_READ));
	mmu_invlpg(&mmu, VA1 + 0x800);
	expect_stats(stats(MMU_L1_DTLB), 0, 2, 0, 1);
	expect_stats(stats(MMU_L1_ITLB), 0, 1, 0, 1);
	expect_stats(stats(MMU_L2_STLB), 1, 2, 0, 1);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(translate(VA2, false, MMU_READ));
	ck_assert_uint_eq(mmu.stats.walks, 3);
}
END_TEST

static Suite *tlb_suite(void)
{
	Suite *s = suite_create("mmu_tlb");
	TCase *tc = unit_tcase(s, "tlb", tlb_setup, tlb_teardown);
	tcase_add_test(tc, test_hit_after_insert);
	tcase_add_test(tc, test_miss_after_invlpg);
	tcase_add_test(tc, test_lru_two_way);
	tcase_add_test(tc, test_reinsert_overwrites);
	tcase_add_test(tc, test_pcid_isolation);
	tcase_add_test(tc, test_global_entries);
	tcase_add_test(tc, test_flush_all);
	tcase_add_test(tc, test_uncached_size);
	tcase_add_test(tc, test_shared_4k_2m);
	tcase_add_test(tc, test_valid_counts);
	tcase_add_test(tc, test_flush_shared_array_with_only_2m);
	tcase_add_test(tc, test_init_checks_geometry);
	tcase_add_test(tc, test_default_geometry);

	tc = unit_tcase(s, "hierarchy", mmu_setup, mmu_teardown);
	tcase_add_test(tc, test_init_defaults);
	tcase_add_test(tc, test_l1_miss_l2_hit);
	tcase_add_test(tc, test_fetch_uses_itlb);
	tcase_add_test(tc, test_1g_page_not_in_itlb);
	tcase_add_test(tc, test_write_through_clean_entry_rewalks);
	tcase_add_test(tc, test_stale_entry_after_pte_change);
	tcase_add_test(tc, test_clean_stale_entry_write_faults);
	tcase_add_test(tc, test_forbidden_hit_rewalks);
	tcase_add_test(tc, test_fault_counts_refs);
	tcase_add_test(tc, test_cr3_pcid_and_noflush);
	tcase_add_test(tc, test_global_survives_cr3_and_pcid_flush);
	tcase_add_test(tc, test_cr3_without_pcide);
	tcase_add_test(tc, test_g_without_pge_is_flushed);
	tcase_add_test(tc, test_invlpg_whole_hierarchy);
	return s;
}

int main(void)
{
	return unit_run(tlb_suite());
}
