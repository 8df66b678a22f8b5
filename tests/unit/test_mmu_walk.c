/* test_mmu_walk.c - the page walk: leaves, rights at every level, CR0.WP,
 * SMEP, SMAP, reserved bits, #PF error codes, A/D bits, LA57, canonical
 * addresses. Tables are built by hand in real x86-64 format. */
#include <check.h>
#include <stdlib.h>

#include "mmu.h"
#include "unit.h"

#define MEM_SIZE (4ULL << 20)
#define TABLE_BITS (PTE_P | PTE_W | PTE_U)
#define ALL_RIGHTS (MMU_RIGHT_W | MMU_RIGHT_U | MMU_RIGHT_X)

/* va with index i5..i1 at the levels PML5..PT and a byte offset. */
#define VA(i5, i4, i3, i2, i1, off) \
	(((uint64_t)(i5) << 48) | ((uint64_t)(i4) << 39) | ((uint64_t)(i3) << 30) | \
	 ((uint64_t)(i2) << 21) | ((uint64_t)(i1) << 12) | (uint64_t)(off))

/* The common test page: PML4[1] PDPT[2] PD[3] PT[4] + 0xabc -> 0x200abc. */
#define TEST_VA VA(0, 1, 2, 3, 4, 0xabc)
#define TEST_PA 0x200000ULL

static uint8_t *mem;
static struct mmu_phys phys;
static struct mmu_regs regs;
static uint64_t next_table;
static struct mmu_translation tr;
static struct mmu_fault fault;
static struct mmu_walk_record rec;

static void setup(void)
{
	mem = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(mem);
	phys = (struct mmu_phys){ mem, MEM_SIZE };
	regs = (struct mmu_regs){
		.cr0 = CR0_PE | CR0_WP | CR0_PG,
		.cr3 = 0x1000,
		.cr4 = CR4_PAE | CR4_PGE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
		.maxphyaddr = 46,
	};
	next_table = 0x2000;
}

static void teardown(void)
{
	free(mem);
}

static int top_level(void)
{
	return (regs.cr4 & CR4_LA57) ? 5 : 4;
}

static uint64_t *entry_at(uint64_t pa)
{
	return (uint64_t *)(mem + pa);
}

/* The entry used at level for va, following the table addresses whatever
 * the P bits say. */
static uint64_t *entry_for(uint64_t va, int level)
{
	uint64_t table = regs.cr3 & PTE_ADDR_MASK;

	for (int l = top_level();; l--) {
		uint64_t *e = entry_at(table + ((va >> (12 + 9 * (l - 1))) & 511) * 8);

		if (l == level)
			return e;
		table = *e & PTE_ADDR_MASK & ((1ULL << 46) - 1);
	}
}

/* Maps va to pa with the leaf at leaf_level (1: 4K, 2: 2M, 3: 1G). Missing
 * tables are allocated; the entry at level L gets bits[L] (TABLE_BITS where
 * bits[L] is 0). */
static void map(uint64_t va, uint64_t pa, int leaf_level, const uint64_t bits[6])
{
	uint64_t table = regs.cr3 & PTE_ADDR_MASK;

	for (int l = top_level(); l > leaf_level; l--) {
		uint64_t *e = entry_at(table + ((va >> (12 + 9 * (l - 1))) & 511) * 8);

		if (!*e) {
			*e = next_table | (bits[l] ? bits[l] : TABLE_BITS);
			next_table += PAGE_SIZE;
		}
		table = *e & PTE_ADDR_MASK;
	}
	*entry_at(table + ((va >> (12 + 9 * (leaf_level - 1))) & 511) * 8) =
		pa | (bits[leaf_level] ? bits[leaf_level] : TABLE_BITS) |
		(leaf_level > 1 ? PTE_PS : 0);
}

static void map_test_page(void)
{
	static const uint64_t all[6];

	map(TEST_VA, TEST_PA, 1, all);
}

static bool walk(uint64_t va, bool user, enum mmu_access access, bool ac)
{
	struct mmu_req req = { .va = va, .access = access, .user = user, .rflags_ac = ac };

	fault = (struct mmu_fault){ 0 };
	return mmu_walk(&phys, &regs, &req, &tr, &fault, &rec);
}

static void expect_ok(uint64_t va, bool user, enum mmu_access access, bool ac)
{
	ck_assert_msg(walk(va, user, access, ac), "%s %s of %#llx: %s fault, code %#x",
		      user ? "user" : "supervisor", mmu_access_name(access),
		      (unsigned long long)va, mmu_fault_kind_name(fault.kind), fault.error_code);
}

static void expect_fault(uint64_t va, bool user, enum mmu_access access, bool ac,
			 enum mmu_fault_kind kind, uint32_t error_code, int level)
{
	const char *who = user ? "user" : "supervisor";

	ck_assert_msg(!walk(va, user, access, ac), "%s %s of %#llx did not fault", who,
		      mmu_access_name(access), (unsigned long long)va);
	ck_assert_msg(fault.kind == kind, "%s %s: kind %s, want %s", who,
		      mmu_access_name(access), mmu_fault_kind_name(fault.kind),
		      mmu_fault_kind_name(kind));
	ck_assert_msg(fault.error_code == error_code, "%s %s: error code %#x, want %#x", who,
		      mmu_access_name(access), fault.error_code, error_code);
	ck_assert_int_eq(fault.level, level);
	ck_assert_uint_eq(fault.cr2, va);
}

/* ---- leaves ---- */

START_TEST(test_4k_leaf)
{
	map_test_page();
	expect_ok(TEST_VA, true, MMU_READ, false);
	ck_assert_uint_eq(tr.pa, 0x200abc);
	ck_assert_uint_eq(tr.page_pa, 0x200000);
	ck_assert_uint_eq(tr.page_size, 4096);
	ck_assert(tr.writable && tr.user && tr.executable);
	ck_assert(!tr.dirty && !tr.global);
}
END_TEST

START_TEST(test_2m_leaf)
{
	static const uint64_t bits[6];
	uint64_t va = VA(0, 0, 0, 5, 0, 0x12345);

	ck_assert_uint_eq(va, 0xa12345);
	map(va, 0x200000, 2, bits);
	expect_ok(va, false, MMU_READ, false);
	ck_assert_uint_eq(tr.pa, 0x212345);
	ck_assert_uint_eq(tr.page_pa, 0x200000);
	ck_assert_uint_eq(tr.page_size, 2ULL << 20);
	ck_assert_int_eq(rec.nsteps, 3);
	ck_assert_int_eq(rec.step[2].level, 2);
}
END_TEST

START_TEST(test_1g_leaf)
{
	static const uint64_t bits[6];
	uint64_t va = VA(0, 0, 3, 0, 0, 0x1234567);

	ck_assert_uint_eq(va, 0xc1234567);
	map(va, 0x40000000, 3, bits);
	expect_ok(va, true, MMU_WRITE, false);
	ck_assert_uint_eq(tr.pa, 0x41234567);
	ck_assert_uint_eq(tr.page_pa, 0x40000000);
	ck_assert_uint_eq(tr.page_size, 1ULL << 30);
	ck_assert_int_eq(rec.nsteps, 2);
	ck_assert_uint_eq(*entry_for(va, 3), 0x40000000 | PTE_PS | PTE_D | PTE_A | 0x7);
}
END_TEST

/* Bit 12 of a PS leaf is PAT, not part of the address and not reserved. */
START_TEST(test_pat_bit_of_large_leaves)
{
	static const uint64_t bits[6];
	uint64_t va2m = VA(0, 0, 0, 5, 0, 0x10), va1g = VA(0, 0, 3, 0, 0, 0x10);

	map(va2m, 0x200000 | PTE_PAT_LARGE, 2, bits);
	map(va1g, 0x40000000 | PTE_PAT_LARGE, 3, bits);
	expect_ok(va2m, false, MMU_READ, false);
	ck_assert_uint_eq(tr.pa, 0x200010);
	expect_ok(va1g, false, MMU_READ, false);
	ck_assert_uint_eq(tr.pa, 0x40000010);
}
END_TEST

START_TEST(test_global_needs_pge)
{
	static const uint64_t bits[6] = { [1] = TABLE_BITS | PTE_G };

	map(TEST_VA, TEST_PA, 1, bits);
	expect_ok(TEST_VA, false, MMU_READ, false);
	ck_assert(tr.global);
	regs.cr4 &= ~CR4_PGE;
	expect_ok(TEST_VA, false, MMU_READ, false);
	ck_assert(!tr.global);
}
END_TEST

/* ---- rights at every level: _i is the level (1 = PTE .. 4 = PML4E) ---- */

START_TEST(test_read_only_at_level)
{
	uint64_t bits[6] = { 0 };

	bits[_i] = PTE_P | PTE_U;
	map(TEST_VA, TEST_PA, 1, bits);
	expect_ok(TEST_VA, true, MMU_READ, false);
	ck_assert(!tr.writable && tr.user && tr.executable);
	expect_fault(TEST_VA, true, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x7, 1);
	expect_ok(TEST_VA, true, MMU_FETCH, false);
	expect_ok(TEST_VA, false, MMU_READ, false);
	expect_fault(TEST_VA, false, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x3, 1);
	expect_ok(TEST_VA, false, MMU_FETCH, false);
}
END_TEST

START_TEST(test_supervisor_at_level)
{
	uint64_t bits[6] = { 0 };

	bits[_i] = PTE_P | PTE_W;
	map(TEST_VA, TEST_PA, 1, bits);
	expect_fault(TEST_VA, true, MMU_READ, false, MMU_FAULT_PROTECTION, 0x5, 1);
	expect_fault(TEST_VA, true, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x7, 1);
	expect_fault(TEST_VA, true, MMU_FETCH, false, MMU_FAULT_PROTECTION, 0x15, 1);
	expect_ok(TEST_VA, false, MMU_READ, false);
	ck_assert(tr.writable && !tr.user && tr.executable);
	expect_ok(TEST_VA, false, MMU_WRITE, false);
	expect_ok(TEST_VA, false, MMU_FETCH, false);
}
END_TEST

START_TEST(test_nx_at_level)
{
	uint64_t bits[6] = { 0 };

	bits[_i] = TABLE_BITS | PTE_NX;
	map(TEST_VA, TEST_PA, 1, bits);
	expect_ok(TEST_VA, true, MMU_READ, false);
	ck_assert(tr.writable && tr.user && !tr.executable);
	expect_ok(TEST_VA, true, MMU_WRITE, false);
	expect_fault(TEST_VA, true, MMU_FETCH, false, MMU_FAULT_PROTECTION, 0x15, 1);
	expect_ok(TEST_VA, false, MMU_READ, false);
	expect_ok(TEST_VA, false, MMU_WRITE, false);
	expect_fault(TEST_VA, false, MMU_FETCH, false, MMU_FAULT_PROTECTION, 0x11, 1);
}
END_TEST

START_TEST(test_not_present_at_level)
{
	uint64_t bits[6] = { 0 };
	int level = _i;

	bits[level] = PTE_W | PTE_U; /* P = 0 */
	map(TEST_VA, TEST_PA, 1, bits);
	expect_fault(TEST_VA, true, MMU_WRITE, false, MMU_FAULT_NOT_PRESENT, 0x6, level);
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_NOT_PRESENT, 0x0, level);
	expect_fault(TEST_VA, true, MMU_FETCH, false, MMU_FAULT_NOT_PRESENT, 0x14, level);
	ck_assert_int_eq(rec.nsteps, 4 - level + 1);
	ck_assert_int_eq(rec.step[rec.nsteps - 1].level, level);
	/* A stays set above the fault; the not-present entry is untouched. */
	for (int l = 4; l > level; l--)
		ck_assert_uint_eq(*entry_for(TEST_VA, l) & PTE_A, PTE_A);
	ck_assert_uint_eq(*entry_for(TEST_VA, level) & 0xfff, PTE_W | PTE_U);
}
END_TEST

/* ---- CR0.WP, SMEP, SMAP ---- */

START_TEST(test_wp)
{
	static const uint64_t bits[6] = { [1] = PTE_P | PTE_U };

	map(TEST_VA, TEST_PA, 1, bits);
	expect_fault(TEST_VA, false, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x3, 1);
	regs.cr0 &= ~CR0_WP;
	expect_ok(TEST_VA, false, MMU_WRITE, false);
	ck_assert(!tr.writable && tr.dirty);
	ck_assert_uint_eq(*entry_for(TEST_VA, 1), TEST_PA | PTE_P | PTE_U | PTE_A | PTE_D);
	/* WP does not matter to user accesses. */
	expect_fault(TEST_VA, true, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x7, 1);
}
END_TEST

START_TEST(test_smep)
{
	static const uint64_t kernel[6] = { [1] = PTE_P | PTE_W };
	uint64_t kva = VA(0, 1, 2, 3, 5, 0);

	map_test_page();
	map(kva, TEST_PA, 1, kernel);
	regs.cr4 |= CR4_SMEP;
	expect_fault(TEST_VA, false, MMU_FETCH, false, MMU_FAULT_PROTECTION, 0x11, 1);
	expect_ok(TEST_VA, false, MMU_READ, false);
	expect_ok(TEST_VA, true, MMU_FETCH, false);
	expect_ok(kva, false, MMU_FETCH, false);
	/* SMEP alone makes fetch faults report ID. */
	regs.efer &= ~EFER_NXE;
	expect_fault(TEST_VA, false, MMU_FETCH, false, MMU_FAULT_PROTECTION, 0x11, 1);
	expect_fault(kva, true, MMU_FETCH, false, MMU_FAULT_PROTECTION, 0x15, 1);
}
END_TEST

START_TEST(test_smap)
{
	static const uint64_t kernel[6] = { [1] = PTE_P | PTE_W };
	uint64_t kva = VA(0, 1, 2, 3, 5, 0);

	map_test_page();
	map(kva, TEST_PA, 1, kernel);
	regs.cr4 |= CR4_SMAP;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_PROTECTION, 0x1, 1);
	expect_fault(TEST_VA, false, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x3, 1);
	expect_ok(TEST_VA, false, MMU_READ, true);
	expect_ok(TEST_VA, false, MMU_WRITE, true);
	expect_ok(TEST_VA, false, MMU_FETCH, false); /* SMAP is for data only */
	expect_ok(TEST_VA, true, MMU_WRITE, false);
	expect_ok(kva, false, MMU_WRITE, false);
}
END_TEST

START_TEST(test_smap_ac_keeps_wp)
{
	static const uint64_t bits[6] = { [1] = PTE_P | PTE_U };

	map(TEST_VA, TEST_PA, 1, bits);
	regs.cr4 |= CR4_SMAP;
	expect_fault(TEST_VA, false, MMU_WRITE, true, MMU_FAULT_PROTECTION, 0x3, 1);
}
END_TEST

/* ID only when NXE or SMEP is on. */
START_TEST(test_id_flag)
{
	uint64_t absent = VA(0, 1, 2, 3, 9, 0);

	map_test_page();
	expect_fault(absent, true, MMU_FETCH, false, MMU_FAULT_NOT_PRESENT, 0x14, 1);
	regs.efer &= ~EFER_NXE;
	expect_fault(absent, true, MMU_FETCH, false, MMU_FAULT_NOT_PRESENT, 0x4, 1);
	expect_fault(absent, false, MMU_FETCH, false, MMU_FAULT_NOT_PRESENT, 0x0, 1);
	regs.cr4 |= CR4_SMEP;
	expect_fault(absent, false, MMU_FETCH, false, MMU_FAULT_NOT_PRESENT, 0x10, 1);
}
END_TEST

/* ---- reserved bits ---- */

START_TEST(test_rsvd_above_maxphyaddr_at_level)
{
	int level = _i;

	map_test_page();
	regs.maxphyaddr = 40;
	*entry_for(TEST_VA, level) |= 1ULL << 40;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, level);
	expect_fault(TEST_VA, true, MMU_WRITE, false, MMU_FAULT_RESERVED, 0xf, level);
	expect_fault(TEST_VA, true, MMU_FETCH, false, MMU_FAULT_RESERVED, 0x1d, level);
	ck_assert_int_eq(rec.nsteps, 4 - level + 1);
	/* The entry with the reserved bit is not marked accessed. */
	ck_assert_uint_eq(*entry_for(TEST_VA, level) & PTE_A, 0);
}
END_TEST

START_TEST(test_rsvd_maxphyaddr_boundary)
{
	map_test_page();
	regs.maxphyaddr = 40;
	*entry_for(TEST_VA, 1) |= 1ULL << 39;
	expect_ok(TEST_VA, false, MMU_READ, false);
	ck_assert_uint_eq(tr.pa, 0x8000200abcULL);
	regs.maxphyaddr = 46;
	*entry_for(TEST_VA, 1) |= 1ULL << 51;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 1);
	regs.maxphyaddr = 52;
	expect_ok(TEST_VA, false, MMU_READ, false);
}
END_TEST

START_TEST(test_rsvd_2m_leaf)
{
	static const uint64_t bits[6];
	uint64_t va = VA(0, 0, 0, 5, 0, 0);

	map(va, 0x200000, 2, bits);
	*entry_for(va, 2) |= 1ULL << 13;
	expect_fault(va, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 2);
	*entry_for(va, 2) ^= (1ULL << 13) | (1ULL << 20);
	expect_fault(va, true, MMU_WRITE, false, MMU_FAULT_RESERVED, 0xf, 2);
}
END_TEST

START_TEST(test_rsvd_1g_leaf)
{
	static const uint64_t bits[6];
	uint64_t va = VA(0, 0, 3, 0, 0, 0);

	map(va, 0x40000000, 3, bits);
	*entry_for(va, 3) |= 1ULL << 13;
	expect_fault(va, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 3);
	*entry_for(va, 3) ^= (1ULL << 13) | (1ULL << 29);
	expect_fault(va, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 3);
	/* Bit 21 is reserved in a 1G leaf but is an address bit of a 2M one. */
	*entry_for(va, 3) ^= (1ULL << 29) | (1ULL << 21);
	expect_fault(va, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 3);
}
END_TEST

START_TEST(test_rsvd_nx_without_nxe)
{
	map_test_page();
	regs.efer &= ~EFER_NXE;
	*entry_for(TEST_VA, 1) |= PTE_NX;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 1);
	expect_fault(TEST_VA, true, MMU_FETCH, false, MMU_FAULT_RESERVED, 0xd, 1);
	*entry_for(TEST_VA, 1) &= ~PTE_NX;
	*entry_for(TEST_VA, 4) |= PTE_NX;
	expect_fault(TEST_VA, true, MMU_READ, false, MMU_FAULT_RESERVED, 0xd, 4);
}
END_TEST

START_TEST(test_rsvd_ps_in_pml4e)
{
	map_test_page();
	*entry_for(TEST_VA, 4) |= PTE_PS;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 4);
}
END_TEST

START_TEST(test_rsvd_ps_in_pml5e)
{
	static const uint64_t bits[6];
	uint64_t va = VA(1, 0, 0, 0, 0, 0);

	regs.cr4 |= CR4_LA57;
	map(va, TEST_PA, 1, bits);
	*entry_for(va, 5) |= PTE_PS;
	expect_fault(va, false, MMU_READ, false, MMU_FAULT_RESERVED, 0x9, 5);
}
END_TEST

START_TEST(test_rsvd_ignored_when_not_present)
{
	map_test_page();
	*entry_for(TEST_VA, 2) = (1ULL << 51) | PTE_NX | PTE_PS | (1ULL << 13);
	regs.efer &= ~EFER_NXE;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_NOT_PRESENT, 0x0, 2);
}
END_TEST

/* ---- A/D bits and the walk record ---- */

START_TEST(test_accessed_and_record)
{
	map_test_page();
	expect_ok(TEST_VA, false, MMU_READ, false);
	ck_assert_int_eq(rec.nsteps, 4);
	/* PML4 at 0x1000, then PDPT 0x2000, PD 0x3000, PT 0x4000 as allocated. */
	static const struct mmu_walk_step want[4] = {
		{ 4, 0x1008, 0x2007, 0x2027 },
		{ 3, 0x2010, 0x3007, 0x3027 },
		{ 2, 0x3018, 0x4007, 0x4027 },
		{ 1, 0x4020, 0x200007, 0x200027 },
	};
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(rec.step[i].level, want[i].level);
		ck_assert_uint_eq(rec.step[i].entry_pa, want[i].entry_pa);
		ck_assert_uint_eq(rec.step[i].old_value, want[i].old_value);
		ck_assert_uint_eq(rec.step[i].new_value, want[i].new_value);
		ck_assert_uint_eq(mmu_step_rights(&regs, &rec, i), ALL_RIGHTS);
		ck_assert_uint_eq(*entry_at(want[i].entry_pa), want[i].new_value);
	}
	ck_assert(!tr.dirty);
}
END_TEST

START_TEST(test_dirty_only_on_leaf_write)
{
	map_test_page();
	expect_ok(TEST_VA, false, MMU_READ, false);
	expect_ok(TEST_VA, false, MMU_FETCH, false);
	ck_assert_uint_eq(*entry_for(TEST_VA, 1) & PTE_D, 0);
	expect_ok(TEST_VA, true, MMU_WRITE, false);
	ck_assert(tr.dirty);
	ck_assert_uint_eq(rec.step[3].old_value, 0x200027);
	ck_assert_uint_eq(rec.step[3].new_value, 0x200067);
	ck_assert_uint_eq(*entry_for(TEST_VA, 1), 0x200067);
	for (int l = 4; l >= 2; l--)
		ck_assert_uint_eq(*entry_for(TEST_VA, l) & (PTE_A | PTE_D), PTE_A);
	/* Once set, D is reported on reads too. */
	expect_ok(TEST_VA, false, MMU_READ, false);
	ck_assert(tr.dirty);
}
END_TEST

START_TEST(test_protection_fault_leaves_leaf)
{
	static const uint64_t bits[6] = { [1] = PTE_P | PTE_U };

	map(TEST_VA, TEST_PA, 1, bits);
	expect_fault(TEST_VA, true, MMU_WRITE, false, MMU_FAULT_PROTECTION, 0x7, 1);
	ck_assert_uint_eq(*entry_for(TEST_VA, 1), TEST_PA | PTE_P | PTE_U);
	ck_assert_uint_eq(rec.step[3].new_value, rec.step[3].old_value);
	ck_assert_uint_eq(*entry_for(TEST_VA, 2) & PTE_A, PTE_A);
}
END_TEST

START_TEST(test_null_record)
{
	struct mmu_req req = { .va = TEST_VA, .access = MMU_WRITE };

	map_test_page();
	ck_assert(mmu_walk(&phys, &regs, &req, &tr, &fault, NULL));
	ck_assert_uint_eq(*entry_for(TEST_VA, 1), 0x200067);
}
END_TEST

/* ---- LA57, canonical addresses, bad tables ---- */

START_TEST(test_la57_walk)
{
	static const uint64_t bits[6];
	uint64_t va = VA(1, 0, 0, 0, 0, 0x234);

	ck_assert_uint_eq(va, 0x0001000000000234ULL);
	expect_fault(va, false, MMU_READ, false, MMU_FAULT_NONCANONICAL, 0, 4);
	regs.cr4 |= CR4_LA57;
	map(va, TEST_PA, 1, bits);
	expect_ok(va, false, MMU_READ, false);
	ck_assert_uint_eq(tr.pa, 0x200234);
	ck_assert_int_eq(rec.nsteps, 5);
	ck_assert_int_eq(rec.step[0].level, 5);
	ck_assert_uint_eq(rec.step[0].entry_pa, 0x1008);
	ck_assert_int_eq(rec.step[4].level, 1);
}
END_TEST

START_TEST(test_noncanonical)
{
	map_test_page();
	expect_fault(0x0000800000000000ULL, false, MMU_READ, false, MMU_FAULT_NONCANONICAL, 0, 4);
	expect_fault(0xfffe000000000000ULL, true, MMU_WRITE, false, MMU_FAULT_NONCANONICAL, 0, 4);
	ck_assert_int_eq(rec.nsteps, 0);
	/* The top of the lower half and the bottom of the upper half walk. */
	expect_fault(0x00007ffffffff000ULL, false, MMU_READ, false, MMU_FAULT_NOT_PRESENT, 0, 4);
	expect_fault(0xffff800000000000ULL, false, MMU_READ, false, MMU_FAULT_NOT_PRESENT, 0, 4);
	regs.cr4 |= CR4_LA57;
	expect_fault(0x0100000000000000ULL, false, MMU_READ, false, MMU_FAULT_NONCANONICAL, 0, 5);
	expect_fault(0xff00000000000000ULL, false, MMU_READ, false, MMU_FAULT_NOT_PRESENT, 0, 5);
}
END_TEST

START_TEST(test_bad_phys)
{
	map_test_page();
	*entry_for(TEST_VA, 2) = 0x10000000 | TABLE_BITS; /* PT beyond 4 MiB */
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_BAD_PHYS, 0, 1);
	ck_assert_int_eq(rec.nsteps, 3);
	regs.cr3 = MEM_SIZE;
	expect_fault(TEST_VA, false, MMU_READ, false, MMU_FAULT_BAD_PHYS, 0, 4);
	ck_assert_int_eq(rec.nsteps, 0);
}
END_TEST

/* ---- names ---- */

START_TEST(test_error_code_str)
{
	char buf[32], small[4];

	ck_assert_str_eq(mmu_error_code_str(0x7, buf, sizeof(buf)), "P|W|U");
	ck_assert_str_eq(mmu_error_code_str(0x1d, buf, sizeof(buf)), "P|U|RSVD|ID");
	ck_assert_str_eq(mmu_error_code_str(0x0, buf, sizeof(buf)), "0");
	ck_assert_str_eq(mmu_error_code_str(0x8021, buf, sizeof(buf)), "P|PK|0x8000");
	ck_assert_str_eq(mmu_error_code_str(0x7, small, sizeof(small)), "P|W");
	ck_assert_str_eq(mmu_fault_kind_name(MMU_FAULT_NOT_PRESENT), "not-present");
	ck_assert_str_eq(mmu_fault_kind_name(MMU_FAULT_PROTECTION), "protection");
	ck_assert_str_eq(mmu_fault_kind_name(MMU_FAULT_RESERVED), "reserved");
	ck_assert_str_eq(mmu_access_name(MMU_FETCH), "fetch");
}
END_TEST

static Suite *walk_suite(void)
{
	Suite *s = suite_create("mmu_walk");
	TCase *tc;

	tc = unit_tcase(s, "leaves", setup, teardown);
	tcase_add_test(tc, test_4k_leaf);
	tcase_add_test(tc, test_2m_leaf);
	tcase_add_test(tc, test_1g_leaf);
	tcase_add_test(tc, test_pat_bit_of_large_leaves);
	tcase_add_test(tc, test_global_needs_pge);

	tc = unit_tcase(s, "rights", setup, teardown);
	tcase_add_loop_test(tc, test_read_only_at_level, 1, 5);
	tcase_add_loop_test(tc, test_supervisor_at_level, 1, 5);
	tcase_add_loop_test(tc, test_nx_at_level, 1, 5);
	tcase_add_loop_test(tc, test_not_present_at_level, 1, 5);
	tcase_add_test(tc, test_wp);
	tcase_add_test(tc, test_smep);
	tcase_add_test(tc, test_smap);
	tcase_add_test(tc, test_smap_ac_keeps_wp);
	tcase_add_test(tc, test_id_flag);

	tc = unit_tcase(s, "reserved", setup, teardown);
	tcase_add_loop_test(tc, test_rsvd_above_maxphyaddr_at_level, 1, 5);
	tcase_add_test(tc, test_rsvd_maxphyaddr_boundary);
	tcase_add_test(tc, test_rsvd_2m_leaf);
	tcase_add_test(tc, test_rsvd_1g_leaf);
	tcase_add_test(tc, test_rsvd_nx_without_nxe);
	tcase_add_test(tc, test_rsvd_ps_in_pml4e);
	tcase_add_test(tc, test_rsvd_ps_in_pml5e);
	tcase_add_test(tc, test_rsvd_ignored_when_not_present);

	tc = unit_tcase(s, "accessed_dirty", setup, teardown);
	tcase_add_test(tc, test_accessed_and_record);
	tcase_add_test(tc, test_dirty_only_on_leaf_write);
	tcase_add_test(tc, test_protection_fault_leaves_leaf);
	tcase_add_test(tc, test_null_record);

	tc = unit_tcase(s, "address_space", setup, teardown);
	tcase_add_test(tc, test_la57_walk);
	tcase_add_test(tc, test_noncanonical);
	tcase_add_test(tc, test_bad_phys);

	tc = unit_tcase(s, "names", setup, teardown);
	tcase_add_test(tc, test_error_code_str);
	return s;
}

int main(void)
{
	return unit_run(walk_suite());
}
