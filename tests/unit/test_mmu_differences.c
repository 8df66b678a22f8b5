/* test_mmu_differences.c - where vmemu's walker and QEMU's (as Unicorn 2.1
 * runs it, the oracle of tests/fuzz/walk) disagree, the Intel SDM decides;
 * these tests pin vmemu's side of each class in
 * tests/fuzz/walk/known_differences.md. */
#include <check.h>
#include <stdlib.h>

#include "mmu.h"
#include "unit.h"

#define MEM_SIZE (2ULL << 20)
#define PML4_PA 0x1000ULL
#define PDPT_PA 0x2000ULL
#define PD_PA 0x3000ULL
#define PT_PA 0x4000ULL
#define TABLE (PTE_P | PTE_W | PTE_U)
#define VA 0x0000000040000000ULL /* PML4 0, PDPT 1, PD 0, PT 0 */

static uint8_t *mem;
static struct mmu_phys phys;
static struct mmu_regs regs;
static struct mmu_translation tr;
static struct mmu_fault fault;

static uint64_t *entry(uint64_t pa)
{
	return (uint64_t *)(mem + pa);
}

static void setup(void)
{
	mem = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(mem);
	phys = (struct mmu_phys){ mem, MEM_SIZE };
	regs = (struct mmu_regs){
		.cr0 = CR0_PE | CR0_WP | CR0_PG,
		.cr3 = PML4_PA,
		.cr4 = CR4_PAE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
		.maxphyaddr = 40,
	};
	*entry(PML4_PA) = PDPT_PA | TABLE;
}

static void teardown(void)
{
	free(mem);
}

/* The entry that maps VA with a page of 1G (level 3), 2M (2) or 4K (1):
 * present, supervisor-only, A and D clear. */
static uint64_t *map_supervisor_leaf(int level)
{
	uint64_t *pdpte = entry(PDPT_PA + 8), *pde = entry(PD_PA), *pte = entry(PT_PA);

	switch (level) {
	case 3:
		*pdpte = 0x40000000 | PTE_P | PTE_W | PTE_PS;
		return pdpte;
	case 2:
		*pdpte = PD_PA | TABLE;
		*pde = 0x200000 | PTE_P | PTE_W | PTE_PS;
		return pde;
	default:
		*pdpte = PD_PA | TABLE;
		*pde = PT_PA | TABLE;
		*pte = 0x5000 | PTE_P | PTE_W;
		return pte;
	}
}

static bool user_read(void)
{
	struct mmu_req req = { .va = VA, .access = MMU_READ, .user = true };

	return mmu_walk(&phys, &regs, &req, &tr, &fault, NULL);
}

/* Class qemu-1g-leaf-accessed-on-fault, protection. SDM 3A 6.15 (#PF),
 * footnote 1: whether a page-level protection violation sets A in the entry
 * that maps the page is model specific. vmemu leaves that entry as it was
 * whatever the page size (QEMU sets A in a 1G PDPTE only); the entries above
 * it were used for the translation and get A (SDM 3A 4.8). */
START_TEST(test_protection_fault_keeps_leaf_a_clear)
{
	int level = _i;
	uint64_t *leaf = map_supervisor_leaf(level);
	uint64_t before = *leaf;

	ck_assert(!user_read());
	ck_assert_int_eq(fault.kind, MMU_FAULT_PROTECTION);
	ck_assert_uint_eq(fault.error_code, X86_PF_P | X86_PF_U);
	ck_assert_int_eq(fault.level, level);
	ck_assert_uint_eq(*leaf, before);
	ck_assert_uint_eq(*entry(PML4_PA) & PTE_A, PTE_A);
}
END_TEST

/* Class qemu-1g-leaf-accessed-on-fault, reserved bits 29:13 of a 1G leaf.
 * SDM 3A 4.7: there is no translation when the walk would use an entry that
 * sets a reserved bit; SDM 3A 4.8: A is set in the entries used for a
 * translation. So the PDPTE keeps A clear (QEMU sets A before it checks
 * these bits); the PML4E above it was used and gets A. */
START_TEST(test_reserved_1g_leaf_keeps_a_clear)
{
	uint64_t *pdpte = map_supervisor_leaf(3);
	uint64_t before;

	*pdpte |= PTE_U | (1ULL << (13 + _i));
	before = *pdpte;
	ck_assert(!user_read());
	ck_assert_int_eq(fault.kind, MMU_FAULT_RESERVED);
	ck_assert_uint_eq(fault.error_code, X86_PF_P | X86_PF_U | X86_PF_RSVD);
	ck_assert_int_eq(fault.level, 3);
	ck_assert_uint_eq(*pdpte, before);
	ck_assert_uint_eq(*entry(PML4_PA) & PTE_A, PTE_A);
}
END_TEST

static Suite *differences_suite(void)
{
	Suite *s = suite_create("mmu_differences");
	TCase *tc = unit_tcase(s, "qemu-1g-leaf-accessed-on-fault", setup, teardown);

	tcase_add_loop_test(tc, test_protection_fault_keeps_leaf_a_clear, 1, 4);
	tcase_add_loop_test(tc, test_reserved_1g_leaf_keeps_a_clear, 0, 17);
	return s;
}

int main(void)
{
	return unit_run(differences_suite());
}
