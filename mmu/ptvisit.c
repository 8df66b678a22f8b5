/* ptvisit.c - the paging structures of one CR3 as a tree, for dumps: every
 * non-zero entry in address order, read-only (no A or D bit is touched). */
#include "mmu.h"

#define ENTRIES 512
#define ENTRY_SIZE 8

struct visit {
	const struct mmu_phys *phys;
	unsigned width; /* linear-address width: 48, or 57 with LA57 */
	uint64_t lo, hi;/* hi is inclusive here */
	mmu_pt_fn *fn;
	void *ctx;
};

static unsigned level_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned)(level - 1);
}

/* Bits above the width copy its top bit, as canonical addresses do. */
static uint64_t canonical(uint64_t va, unsigned width)
{
	unsigned unused = 64 - width;

	return (uint64_t)((int64_t)(va << unused) >> unused);
}

static bool table_in_phys(const struct mmu_phys *phys, uint64_t table)
{
	return phys->size >= PAGE_SIZE && table <= phys->size - PAGE_SIZE;
}

static void visit_table(const struct visit *v, uint64_t table, int level, uint64_t base)
{
	uint64_t span = 1ULL << level_shift(level);

	for (unsigned i = 0; i < ENTRIES; i++) {
		uint64_t va = canonical(base + i * span, v->width);
		uint64_t last = va + (span - 1);

		if (last < v->lo || va > v->hi)
			continue;
		uint64_t pa = table + (uint64_t)i * ENTRY_SIZE;
		uint64_t value = mmu_entry_load(v->phys, pa);
		if (!value)
			continue;
		bool leaf = level == 1 || !(value & PTE_P) || (value & PTE_PS);
		struct mmu_pt_entry e = { level, i, va, span, pa, value, leaf };

		v->fn(v->ctx, &e);
		uint64_t child = value & PTE_ADDR_MASK;
		if (!leaf && table_in_phys(v->phys, child))
			visit_table(v, child, level - 1, va);
	}
}

void mmu_pt_visit(const struct mmu_phys *phys, const struct mmu_regs *regs, uint64_t lo,
		  uint64_t hi, mmu_pt_fn *fn, void *ctx)
{
	int top = (regs->cr4 & CR4_LA57) ? 5 : 4;
	struct visit v = { phys, level_shift(top) + 9, lo, hi ? hi - 1 : UINT64_MAX, fn, ctx };
	uint64_t root = regs->cr3 & PTE_ADDR_MASK;

	if (hi && hi <= lo)
		return;
	if (table_in_phys(phys, root))
		visit_table(&v, root, top, 0);
}
