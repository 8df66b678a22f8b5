/* test_mmu_psc.c - the paging-structure caches (SDM 3A 4.10.3) in front of
 * the walk, and the rules that invalidate them (SDM 3A 4.10.4.1): which
 * entries a walk caches, the longest match, the levels a hit lets a walk
 * skip, the rights an entry holds, PCID tags, INVLPG, MOV to CR3 with and
 * without the no-flush bit, global pages, #PF, INVPCID for another PCID;
 * and the TLB models --tlb names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_fixture.h"
#include "unit.h"

#define VA1 0x7f0000401000ULL      /* PML4[254] PDPT[0] PD[2] PT[1] */
#define VA1_SAME_PT 0x7f0000402000ULL /* the next page: same PDE */
#define VA1_SAME_PD 0x7f0000801000ULL /* PD[4]: same PDPTE */
#define VA1_SAME_PDPT 0x7f0040001000ULL /* PDPT[1]: same PML4E */
#define VA_OTHER 0x100000001000ULL  /* PML4[32]: shares nothing with VA1 */

static struct mmu_translation tr;
static struct mmu_fault fault;
static struct mmu_walk_record rec;

/* The default TLB model (Skylake's: PDE 32, PDPTE 4, PML4E 2 entries),
 * CR3 with PCID 1. */
static void setup(void)
{
	mmu_fixture_setup(NULL, 1);
}

static void teardown(void)
{
	mmu_fixture_teardown();
}

static uint64_t *map(uint64_t va, uint64_t pa)
{
	uint64_t *pte = entry(va, 1);

	*pte = pa | TABLE_BITS;
	return pte;
}

static bool translate(uint64_t va, bool user, enum mmu_access access)
{
	struct mmu_req req = { .va = va, .access = access, .user = user };

	fault = (struct mmu_fault){ 0 };
	return mmu_translate(&mmu, &req, &tr, &fault, &rec);
}

/* A walk for va with no TLB entry in the way: the TLBs are emptied (the
 * paging-structure caches are not) and va translated for a user read. */
static bool walk(uint64_t va)
{
	for (int i = 0; i < MMU_NTLBS; i++)
		tlb_flush_all(&mmu.tlb[i], true);
	return translate(va, true, MMU_READ);
}

/* SDM 3A 4.10.3.2: a walk uses the PDE cache first, then the PDPTE cache,
 * then the PML4E cache, and reads only the entries below the one cached. */
START_TEST(test_longest_match_skips_levels)
{
	map(VA1, 0x300000);
	map(VA1_SAME_PT, 0x301000);
	map(VA1_SAME_PD, 0x302000);
	map(VA1_SAME_PDPT, 0x303000);

	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.nsteps, 4);
	ck_assert_int_eq(rec.psc_level, 0);
	ck_assert_uint_eq(mmu.psc.stats.fills[2], 1);
	ck_assert_uint_eq(mmu.psc.stats.fills[3], 1);
	ck_assert_uint_eq(mmu.psc.stats.fills[4], 1);

	ck_assert(walk(VA1_SAME_PT));
	ck_assert_uint_eq(tr.pa, 0x301000);
	ck_assert_int_eq(rec.psc_level, 2);
	ck_assert_int_eq(rec.nsteps, 1);
	ck_assert_int_eq(rec.step[0].level, 1);

	ck_assert(walk(VA1_SAME_PD));
	ck_assert_uint_eq(tr.pa, 0x302000);
	ck_assert_int_eq(rec.psc_level, 3);
	ck_assert_int_eq(rec.nsteps, 2);

	ck_assert(walk(VA1_SAME_PDPT));
	ck_assert_uint_eq(tr.pa, 0x303000);
	ck_assert_int_eq(rec.psc_level, 4);
	ck_assert_int_eq(rec.nsteps, 3);

	ck_assert_uint_eq(mmu.stats.walks, 4);
	ck_assert_uint_eq(mmu.stats.walk_refs, 4 + 1 + 2 + 3);
	ck_assert_uint_eq(mmu.stats.walk_refs_saved, 3 + 2 + 1);
	ck_assert_uint_eq(mmu.psc.stats.hits[2], 1);
	ck_assert_uint_eq(mmu.psc.stats.hits[3], 1);
	ck_assert_uint_eq(mmu.psc.stats.hits[4], 1);
}
END_TEST

/* SDM 3A 4.10.3.1: only entries that reference a paging structure are
 * cached; a PDE that maps a 2M page goes to the TLB, not the PDE cache, so
 * the next walk in that page reads the PDE again (a PDPTE-cache hit). */
START_TEST(test_leaves_are_not_cached)
{
	*entry(VA1, 2) = 0x400000 | PTE_PS | TABLE_BITS;
	ck_assert(walk(VA1));
	ck_assert_uint_eq(tr.page_size, PAGE_SIZE_2M);
	ck_assert_int_eq(rec.nsteps, 3);
	ck_assert_uint_eq(mmu.psc.stats.fills[2], 0);
	ck_assert_uint_eq(mmu.psc.stats.fills[3], 1);
	ck_assert_uint_eq(mmu.stats.walks_by_leaf[TLB_2M], 1);

	ck_assert(walk(VA1 + 0x1000));
	ck_assert_int_eq(rec.psc_level, 3);
	ck_assert_int_eq(rec.nsteps, 1);
	ck_assert_int_eq(rec.step[0].level, 2);
	ck_assert_uint_eq(tr.pa, 0x402000); /* VA1 + 0x1000 is 0x2000 into its 2M page */
}
END_TEST

/* SDM 3A 4.10.3.1: an entry holds the AND of R/W and U/S of its entry and
 * those above, and the OR of XD: a supervisor-only PDPTE keeps a user
 * access out even when the walk starts below it. */
START_TEST(test_cached_rights)
{
	map(VA1, 0x300000);
	map(VA1_SAME_PT, 0x301000);
	*entry(VA1, 3) &= ~PTE_U;
	ck_assert(walk(VA1) == false);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(!tr.user);
	ck_assert(!walk(VA1_SAME_PT));
	ck_assert_int_eq(rec.psc_level, 2);
	ck_assert_uint_eq(rec.psc_rights & MMU_RIGHT_U, 0);
	ck_assert_int_eq(fault.kind, MMU_FAULT_PROTECTION);
	ck_assert_uint_eq(fault.error_code, X86_PF_P | X86_PF_U);
	/* That #PF dropped the entries used for its address: once the PDPTE
	 * allows user accesses, the next walk reads it again. */
	*entry(VA1, 3) |= PTE_U;
	ck_assert(walk(VA1_SAME_PT));
	ck_assert(tr.user);
	ck_assert_int_eq(rec.psc_level, 0);
}
END_TEST

/* SDM 3A 4.10.3.1: a cached entry may be used after software changed the
 * entry in memory; INVLPG (of any address) makes the walk read it again. */
START_TEST(test_stale_until_invlpg)
{
	map(VA1, 0x300000);
	ck_assert(walk(VA1));
	/* The PDE now points to another page table, where VA1 maps 0x500000. */
	uint64_t *pde = entry(VA1, 2);
	uint64_t new_pt = next_table;
	next_table += PAGE_SIZE;
	*entry_at(new_pt + ((VA1 >> 12) & 511) * 8) = 0x500000 | TABLE_BITS;
	*pde = new_pt | TABLE_BITS;

	ck_assert(walk(VA1));
	ck_assert_uint_eq(tr.pa, 0x300000);
	mmu_invlpg(&mmu, VA_OTHER);
	ck_assert(walk(VA1));
	ck_assert_uint_eq(tr.pa, 0x500000);
	ck_assert_int_eq(rec.psc_level, 0);
	ck_assert_uint_eq(mmu.psc.stats.invalidations[2], 1);
}
END_TEST

/* SDM 3A 4.10.4.1: INVLPG invalidates all paging-structure-cache entries
 * of the current PCID, whatever their addresses, and none of another. */
START_TEST(test_invlpg_drops_current_pcid_only)
{
	map(VA1, 0x300000);
	map(VA_OTHER, 0x310000);
	ck_assert(walk(VA1));
	mmu_write_cr3(&mmu, 0x1000 | 2);
	ck_assert(walk(VA_OTHER));
	ck_assert_uint_eq(mmu.psc.nvalid, 6);
	mmu_invlpg(&mmu, VA_OTHER);
	ck_assert_uint_eq(mmu.psc.nvalid, 3);
	mmu_write_cr3(&mmu, 0x1000 | 1 | CR3_NOFLUSH);
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 2);
}
END_TEST

/* SDM 3A 4.10.4.1: MOV to CR3 with CR4.PCIDE = 1 invalidates the entries
 * of the new PCID unless bit 63 is set; entries of other PCIDs stay. */
START_TEST(test_cr3_noflush)
{
	map(VA1, 0x300000);
	ck_assert(walk(VA1));
	mmu_write_cr3(&mmu, 0x1000 | 1 | CR3_NOFLUSH);
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 2);
	mmu_write_cr3(&mmu, 0x1000 | 2);
	ck_assert(walk(VA1)); /* PCID 2 has no entries: a full walk */
	ck_assert_int_eq(rec.psc_level, 0);
	mmu_write_cr3(&mmu, 0x1000 | 1);
	ck_assert_uint_eq(mmu.psc.nvalid, 3); /* PCID 1's went, PCID 2's stay */
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 0);
	mmu_write_cr3(&mmu, 0x1000 | 2 | CR3_NOFLUSH);
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 2);
}
END_TEST

/* SDM 3A 4.10.2.4: the G flag is used only in entries that map a page, so
 * a global page keeps its TLB entry across a CR3 write that flushes, but
 * the walk to it is not cached beyond that write. */
START_TEST(test_global_pages_leave_caches_alone)
{
	*entry(VA1, 1) = 0x300000 | TABLE_BITS | PTE_G;
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert(tr.global);
	mmu_write_cr3(&mmu, 0x1000 | 1);
	ck_assert_uint_eq(mmu.psc.nvalid, 0);
	ck_assert(translate(VA1, false, MMU_READ));
	ck_assert_int_ne(rec.hit, MMU_NTLBS); /* the TLB kept it */
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 0);
}
END_TEST

/* SDM 3A 4.10.4.1: a #PF invalidates the paging-structure-cache entries
 * that would be used for its linear address, and only those. */
START_TEST(test_fault_drops_entries_for_its_address)
{
	map(VA1, 0x300000);
	map(VA_OTHER, 0x310000);
	ck_assert(walk(VA1));
	ck_assert(walk(VA_OTHER));
	ck_assert(!walk(VA1_SAME_PT)); /* PTE not present */
	ck_assert_int_eq(rec.psc_level, 2);
	ck_assert_uint_eq(mmu.psc.nvalid, 3);
	ck_assert(walk(VA_OTHER));
	ck_assert_int_eq(rec.psc_level, 2);
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 0);
}
END_TEST

/* SDM 3A 4.10.4.1: INVPCID's individual-address type invalidates, for the
 * PCID given, the mappings that would be used for the address. */
START_TEST(test_invpcid_address_other_pcid)
{
	map(VA1, 0x300000);
	map(VA_OTHER, 0x310000);
	ck_assert(walk(VA1));
	ck_assert(walk(VA_OTHER));
	mmu_write_cr3(&mmu, 0x1000 | 2 | CR3_NOFLUSH);
	mmu_invlpg_pcid(&mmu, VA1, 1);
	ck_assert_uint_eq(mmu.psc.nvalid, 3);
	mmu_write_cr3(&mmu, 0x1000 | 1 | CR3_NOFLUSH);
	ck_assert(walk(VA_OTHER));
	ck_assert_int_eq(rec.psc_level, 2);
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 0);
}
END_TEST

/* Entries are replaced least recently used first. */
START_TEST(test_lru_replacement)
{
	struct mmu_model m;
	char why[128];

	mmu_destroy(&mmu);
	ck_assert(mmu_model_parse("custom:pde=2,pdpte=0,pml4e=0", &m, why, sizeof(why)));
	ck_assert(mmu_init(&mmu, (struct mmu_phys){ mem, MEM_SIZE }, &m));
	mmu.regs.cr3 = 0x1000 | 1;
	map(VA1, 0x300000);
	map(VA1_SAME_PD, 0x302000);
	map(VA1 + 0x600000, 0x304000); /* a third PDE (PD[5]) */
	ck_assert(walk(VA1));
	ck_assert(walk(VA1_SAME_PD));
	ck_assert(walk(VA1));              /* VA1's PDE is now the most recent */
	ck_assert(walk(VA1 + 0x600000));   /* replaces VA1_SAME_PD's */
	ck_assert_uint_eq(mmu.psc.stats.evictions[2], 1);
	ck_assert(walk(VA1));
	ck_assert_int_eq(rec.psc_level, 2);
	ck_assert(walk(VA1_SAME_PD));
	ck_assert_int_eq(rec.psc_level, 0);
	ck_assert_int_eq(rec.nsteps, 4);
}
END_TEST

/* 5-level paging: a PML5E cache above the PML4E cache. */
START_TEST(test_la57_pml5e_cache)
{
	uint64_t pml5 = next_table, va = 0x00ff000000001000ULL;

	next_table += PAGE_SIZE;
	mmu.regs.cr4 |= CR4_LA57;
	*entry_at(pml5 + ((va >> 48) & 511) * 8) = 0x1000 | TABLE_BITS; /* the old PML4 below */
	mmu_write_cr3(&mmu, pml5 | 1);
	/* The 4-level tables for va's bits 47:0 (entry() starts at the PML4). */
	mmu.regs.cr3 = 0x1000 | 1;
	map(va, 0x300000);
	map(va + 0x40000000, 0x301000);
	mmu.regs.cr3 = pml5 | 1;
	ck_assert(walk(va));
	ck_assert_int_eq(rec.nsteps, 5);
	ck_assert_uint_eq(mmu.psc.stats.fills[5], 1);
	ck_assert(walk(va + 0x40000000));
	ck_assert_int_eq(rec.psc_level, 4);
	ck_assert_int_eq(rec.nsteps, 3);
	ck_assert_uint_eq(tr.pa, 0x301000);
	ck_assert(walk(va + (1ULL << 39)) == false); /* another PML4E: from the PML5E cache */
	ck_assert_int_eq(rec.psc_level, 5);
	ck_assert_uint_eq(mmu.stats.walk_refs_saved, 2 + 1);
}
END_TEST

START_TEST(test_models)
{
	struct mmu_model m;
	char why[256];

	ck_assert_str_eq(mmu_models[0]->name, "skylake");
	ck_assert_ptr_nonnull(mmu_model_find("goldencove"));
	ck_assert_ptr_null(mmu_model_find("pentium"));
	ck_assert(mmu_model_parse("goldencove", &m, why, sizeof(why)));
	ck_assert_uint_eq(m.tlb[MMU_L1_DTLB].size[TLB_4K].sets * m.tlb[MMU_L1_DTLB].size[TLB_4K].ways, 96);
	ck_assert_uint_eq(m.tlb[MMU_L2_STLB].size[TLB_4K].sets * m.tlb[MMU_L2_STLB].size[TLB_4K].ways,
			  2048);
	ck_assert_uint_eq(m.psc[2], 32);

	ck_assert(mmu_model_parse("custom:l1d.4k=32x4,stlb.4k2m=512x8,stlb.1g=8,pde=16", &m, why,
				  sizeof(why)));
	ck_assert_str_eq(m.name, "custom");
	ck_assert_uint_eq(m.tlb[MMU_L1_DTLB].size[TLB_4K].sets, 8);
	ck_assert_uint_eq(m.tlb[MMU_L1_DTLB].size[TLB_4K].ways, 4);
	ck_assert(m.tlb[MMU_L2_STLB].shared_4k_2m);
	ck_assert_uint_eq(m.tlb[MMU_L2_STLB].size[TLB_4K].sets, 64);
	ck_assert_uint_eq(m.tlb[MMU_L2_STLB].size[TLB_1G].sets, 1);
	ck_assert_uint_eq(m.tlb[MMU_L2_STLB].size[TLB_1G].ways, 8);
	ck_assert_uint_eq(m.psc[2], 16);
	ck_assert_uint_eq(m.psc[3], 4); /* the rest is skylake's */
	ck_assert(mmu_model_parse("custom:stlb.4k=1024x8,stlb.2m=32x4", &m, why, sizeof(why)));
	ck_assert(!m.tlb[MMU_L2_STLB].shared_4k_2m);
	ck_assert_uint_eq(m.tlb[MMU_L2_STLB].size[TLB_2M].ways, 4);
	ck_assert(mmu_model_parse("custom:l1d.2m=0", &m, why, sizeof(why)));
	ck_assert_uint_eq(m.tlb[MMU_L1_DTLB].size[TLB_2M].ways, 0);

	ck_assert(!mmu_model_parse("zen9", &m, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "unknown TLB model"));
	ck_assert(!mmu_model_parse("custom:l1d.4k=48x4", &m, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "power-of-two"));
	ck_assert(!mmu_model_parse("custom:l1d.4k=64x0", &m, why, sizeof(why)));
	ck_assert(!mmu_model_parse("custom:pde=4x2", &m, why, sizeof(why)));
	ck_assert(!mmu_model_parse("custom:tlb=4", &m, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "unknown key 'tlb'"));
	ck_assert(!mmu_model_parse("custom:l1d.4k", &m, why, sizeof(why)));
	ck_assert(!mmu_model_parse("custom:l1d.4k=99999999", &m, why, sizeof(why)));
	ck_assert(!mmu_model_parse("custom:", &m, why, sizeof(why)));
}
END_TEST

static Suite *psc_suite(void)
{
	Suite *s = suite_create("mmu_psc");
	TCase *tc = unit_tcase(s, "psc", setup, teardown);

	tcase_add_test(tc, test_longest_match_skips_levels);
	tcase_add_test(tc, test_leaves_are_not_cached);
	tcase_add_test(tc, test_cached_rights);
	tcase_add_test(tc, test_stale_until_invlpg);
	tcase_add_test(tc, test_invlpg_drops_current_pcid_only);
	tcase_add_test(tc, test_cr3_noflush);
	tcase_add_test(tc, test_global_pages_leave_caches_alone);
	tcase_add_test(tc, test_fault_drops_entries_for_its_address);
	tcase_add_test(tc, test_invpcid_address_other_pcid);
	tcase_add_test(tc, test_lru_replacement);
	tcase_add_test(tc, test_la57_pml5e_cache);
	tcase_add_test(tc, test_models);
	return s;
}

int main(void)
{
	return unit_run(psc_suite());
}
