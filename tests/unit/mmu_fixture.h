/* mmu_fixture.h - for the tests of mmu/ alone: an MMU over MEM_SIZE bytes
 * of zeroed physical memory (model NULL: the default TLB model), its PML4 at 0x1000,
 * and page tables built in that memory from 0x2000 up as a test needs
 * them. */
#ifndef MMU_FIXTURE_H
#define MMU_FIXTURE_H

#include <check.h>
#include <stdlib.h>

#include "mmu.h"

#define MEM_SIZE (4ULL << 20)
#define TABLE_BITS (PTE_P | PTE_W | PTE_U)

static uint8_t *mem;
static struct mmu mmu;
static uint64_t next_table;

/* CR3 names the PML4 at 0x1000 with pcid. */
static inline void mmu_fixture_setup(const struct mmu_model *model, uint64_t pcid)
{
	mem = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(mem);
	ck_assert(mmu_init(&mmu, (struct mmu_phys){mem, MEM_SIZE}, model));
	mmu.regs.cr3 = 0x1000 | pcid;
	next_table = 0x2000;
}

static inline void mmu_fixture_teardown(void)
{
	mmu_destroy(&mmu);
	free(mem);
}

static inline uint64_t *entry_at(uint64_t pa)
{
	return (uint64_t *)(mem + pa);
}

/* The entry at level (1 PTE ... 4 PML4E) for va, the tables above it made
 * on the way with TABLE_BITS. */
static inline uint64_t *entry(uint64_t va, int level)
{
	uint64_t table = mmu.regs.cr3 & PTE_ADDR_MASK;
	for (int l = 4; l > level; l--) {
		uint64_t *e = entry_at(table + ((va >> (12 + 9 * (l - 1))) & 511) * 8);
		if (!*e) {
			*e = next_table | TABLE_BITS;
			next_table += 4096;
		}
		table = *e & PTE_ADDR_MASK;
	}
	return entry_at(table + ((va >> (12 + 9 * (level - 1))) & 511) * 8);
}

#endif
