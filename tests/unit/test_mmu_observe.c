/* test_mmu_observe.c - what debuggers and tracers see of the MMU: the
 * side-effect-free probe walk, the rights recorded at each level, which
 * TLB served a translation, the per-translation observer (one walk event
 * per counted walk), and the page-table visitor behind `pt`. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_fixture.h"
#include "unit.h"

#define VA1 0x7f0000401000ULL /* PML4[254] PDPT[0] PD[2] PT[1] */
#define VA2 0x7f0000402000ULL /* the next page, same PT */
#define PA1 0x300000ULL
#define PA2 0x301000ULL


static void setup(void)
{
	mmu_fixture_setup(NULL, 0);
}

static void teardown(void)
{
	mmu_fixture_teardown();
}

/* Maps va with a 4K leaf; upper entries get TABLE_BITS. Returns the PTE. */
static uint64_t *map(uint64_t va, uint64_t leaf)
{
	uint64_t *pte = entry(va, 1);
	*pte = leaf;
	return pte;
}

/* ---- the probe walk ---- */

START_TEST(test_probe_writes_nothing)
{
	map(VA1, PA1 | PTE_P | PTE_W | PTE_U);
	uint8_t *before = malloc(MEM_SIZE);
	ck_assert_ptr_nonnull(before);
	memcpy(before, mem, MEM_SIZE);
	struct mmu_req req = { .va = VA1 + 8, .access = MMU_WRITE, .user = true };
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;

	ck_assert(mmu_probe(&mmu.phys, &mmu.regs, &req, &t, &f, &rec));
	ck_assert_int_eq(memcmp(before, mem, MEM_SIZE), 0);
	ck_assert_uint_eq(t.pa, PA1 + 8);
	ck_assert(!t.dirty); /* D is clear and stays clear */
	ck_assert_int_eq(rec.nsteps, 4);
	for (int i = 0; i < rec.nsteps; i++) {
		ck_assert_int_eq(rec.step[i].level, 4 - i);
		ck_assert_uint_eq(rec.step[i].new_value, rec.step[i].old_value);
	}
	/* The real walk sets A on the way and A|D on the leaf. */
	ck_assert(mmu_walk(&mmu.phys, &mmu.regs, &req, &t, &f, &rec));
	ck_assert_uint_eq(rec.step[3].new_value, rec.step[3].old_value | PTE_A | PTE_D);
	ck_assert_uint_eq(rec.step[0].new_value, rec.step[0].old_value | PTE_A);
	free(before);
}
END_TEST

START_TEST(test_probe_fault_like_walk)
{
	map(VA1, 0); /* tables down to the PT, the PTE empty */
	struct mmu_req req = { .va = VA1, .access = MMU_WRITE, .user = true };
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;

	ck_assert(!mmu_probe(&mmu.phys, &mmu.regs, &req, &t, &f, &rec));
	ck_assert_int_eq(f.kind, MMU_FAULT_NOT_PRESENT);
	ck_assert_uint_eq(f.error_code, X86_PF_W | X86_PF_U);
	ck_assert_int_eq(f.level, 1);
	ck_assert_int_eq(rec.nsteps, 4);
	ck_assert_uint_eq(rec.step[0].old_value & PTE_A, 0); /* no A set by a probe */
}
END_TEST

/* Rights are combined level by level: R/W off at the PDE leaves the PTE
 * read-only; NX at the PDPTE makes everything below it non-executable. */
START_TEST(test_rights_per_level)
{
	map(VA1, PA1 | PTE_P | PTE_W | PTE_U);
	struct mmu_req req = { .va = VA1, .access = MMU_READ, .user = true };
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;

	ck_assert(mmu_probe(&mmu.phys, &mmu.regs, &req, &t, &f, &rec));
	uint64_t *pdpte = entry_at(rec.step[1].entry_pa), *pde = entry_at(rec.step[2].entry_pa);
	*pdpte |= PTE_NX;
	*pde &= ~PTE_W;
	ck_assert(mmu_probe(&mmu.phys, &mmu.regs, &req, &t, &f, &rec));
	ck_assert_uint_eq(mmu_step_rights(&mmu.regs, &rec, 0), MMU_RIGHT_W | MMU_RIGHT_U | MMU_RIGHT_X);
	ck_assert_uint_eq(mmu_step_rights(&mmu.regs, &rec, 1), MMU_RIGHT_W | MMU_RIGHT_U);
	ck_assert_uint_eq(mmu_step_rights(&mmu.regs, &rec, 2), MMU_RIGHT_U);
	ck_assert_uint_eq(mmu_step_rights(&mmu.regs, &rec, 3), MMU_RIGHT_U);
	/* Without EFER.NXE, NX means nothing (and is reserved). */
	struct mmu_regs no_nx = mmu.regs;
	no_nx.efer &= ~EFER_NXE;
	ck_assert_uint_eq(mmu_step_rights(&no_nx, &rec, 3), MMU_RIGHT_U | MMU_RIGHT_X);
}
END_TEST

START_TEST(test_level_names)
{
	ck_assert_str_eq(mmu_level_name(5), "pml5e");
	ck_assert_str_eq(mmu_level_name(4), "pml4e");
	ck_assert_str_eq(mmu_level_name(3), "pdpte");
	ck_assert_str_eq(mmu_level_name(2), "pde");
	ck_assert_str_eq(mmu_level_name(1), "pte");
	ck_assert_str_eq(mmu_level_name(0), "?");
}
END_TEST

/* ---- which TLB served a translation, and the observer ---- */

struct seen {
	int calls, walks, faults;
	enum mmu_tlb_id last_hit;
	bool last_stale;
	uint64_t last_page_size;
};

static void observe(void *ctx, const struct mmu_req *req, bool ok,
		    const struct mmu_translation *t, const struct mmu_fault *f,
		    const struct mmu_walk_record *rec)
{
	struct seen *s = ctx;
	(void)req;
	(void)f;
	s->calls++;
	s->walks += rec->hit == MMU_NTLBS;
	s->faults += !ok;
	s->last_hit = rec->hit;
	s->last_stale = rec->stale;
	s->last_page_size = ok ? t->page_size : 0;
	if (rec->hit != MMU_NTLBS)
		ck_assert_int_eq(rec->nsteps, 0);
}

static bool translate(uint64_t va, enum mmu_access access)
{
	struct mmu_req req = { .va = va, .access = access, .user = true };
	struct mmu_translation t;
	struct mmu_fault f;

	return mmu_translate(&mmu, &req, &t, &f, NULL);
}

START_TEST(test_observer_sees_hits_and_walks)
{
	struct seen s = { 0 };
	struct mmu_observer obs = { &s, observe };

	map(VA1, PA1 | PTE_P | PTE_W | PTE_U);
	map(VA2, 0);
	mmu.observer = &obs;
	ck_assert(translate(VA1, MMU_READ));
	ck_assert_int_eq(s.last_hit, MMU_NTLBS);
	ck_assert(translate(VA1, MMU_READ));
	ck_assert_int_eq(s.last_hit, MMU_L1_DTLB);
	ck_assert_uint_eq(s.last_page_size, PAGE_SIZE);
	ck_assert(translate(VA1, MMU_FETCH)); /* not in the iTLB: the STLB has it */
	ck_assert_int_eq(s.last_hit, MMU_L2_STLB);
	ck_assert(translate(VA1, MMU_FETCH));
	ck_assert_int_eq(s.last_hit, MMU_L1_ITLB);
	/* A write through an entry cached with D clear walks again. */
	ck_assert(translate(VA1, MMU_WRITE));
	ck_assert_int_eq(s.last_hit, MMU_NTLBS);
	ck_assert(s.last_stale);
	ck_assert(!translate(VA2, MMU_READ));
	ck_assert_int_eq(s.calls, 6);
	ck_assert_int_eq(s.faults, 1);
	ck_assert_uint_eq((uint64_t)s.walks, mmu.stats.walks);
	ck_assert_int_eq(s.walks, 3);
}
END_TEST

/* Without an observer, a caller's record still says what served it. */
START_TEST(test_record_hit_without_observer)
{
	struct mmu_req req = { .va = VA1, .access = MMU_READ, .user = true };
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;

	map(VA1, PA1 | PTE_P | PTE_U);
	ck_assert(mmu_translate(&mmu, &req, &t, &f, &rec));
	ck_assert_int_eq(rec.hit, MMU_NTLBS);
	ck_assert_int_eq(rec.nsteps, 4);
	ck_assert(mmu_translate(&mmu, &req, &t, &f, &rec));
	ck_assert_int_eq(rec.hit, MMU_L1_DTLB);
	ck_assert_int_eq(rec.nsteps, 0);
	ck_assert(!rec.stale);
}
END_TEST

/* ---- the page-table visitor ---- */

struct collected {
	int n;
	struct mmu_pt_entry e[16];
};

static void collect(void *ctx, const struct mmu_pt_entry *e)
{
	struct collected *c = ctx;
	if (c->n < 16)
		c->e[c->n] = *e;
	c->n++;
}

START_TEST(test_pt_visit_tree_order)
{
	struct collected c = { 0 };
	uint64_t *pte1 = map(VA1, PA1 | PTE_P | PTE_U);
	map(VA2, PA2 | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D);

	mmu_pt_visit(&mmu.phys, &mmu.regs, 0, 0, collect, &c);
	ck_assert_int_eq(c.n, 5); /* pml4e, pdpte, pde, pte, pte */
	ck_assert_int_eq(c.e[0].level, 4);
	ck_assert_uint_eq(c.e[0].index, 254);
	ck_assert_uint_eq(c.e[0].va, 0x7f0000000000ULL);
	ck_assert_uint_eq(c.e[0].span, 1ULL << 39);
	ck_assert(!c.e[0].leaf);
	ck_assert_int_eq(c.e[2].level, 2);
	ck_assert_uint_eq(c.e[2].va, 0x7f0000400000ULL);
	ck_assert_int_eq(c.e[3].level, 1);
	ck_assert_uint_eq(c.e[3].va, VA1);
	ck_assert_uint_eq(c.e[3].value, *pte1);
	ck_assert_uint_eq(c.e[3].entry_pa, (uint64_t)((uint8_t *)pte1 - mem));
	ck_assert(c.e[3].leaf);
	ck_assert_uint_eq(c.e[4].va, VA2);
	ck_assert_uint_eq(c.e[4].value & PTE_ADDR_MASK, PA2);
}
END_TEST

START_TEST(test_pt_visit_range_and_swap_entries)
{
	struct collected c = { 0 };
	map(VA1, PA1 | PTE_P | PTE_U);
	map(VA2, 0x12345ULL << 14); /* not present, non-zero: a swap entry */

	mmu_pt_visit(&mmu.phys, &mmu.regs, VA2, VA2 + PAGE_SIZE, collect, &c);
	ck_assert_int_eq(c.n, 4); /* the path to VA2 and its PTE, not VA1's */
	ck_assert_uint_eq(c.e[3].va, VA2);
	ck_assert(c.e[3].leaf);
	ck_assert_uint_eq(c.e[3].value, 0x12345ULL << 14);
	c.n = 0;
	mmu_pt_visit(&mmu.phys, &mmu.regs, VA2, VA2, collect, &c);
	ck_assert_int_eq(c.n, 0); /* an empty range */
}
END_TEST

/* The upper half is shown with canonical addresses, after the lower one. */
START_TEST(test_pt_visit_canonical_upper_half)
{
	struct collected c = { 0 };
	map(0xffff800000001000ULL, PA1 | PTE_P);
	map(VA1, PA1 | PTE_P | PTE_U);

	mmu_pt_visit(&mmu.phys, &mmu.regs, 0, 0, collect, &c);
	ck_assert_int_eq(c.n, 8);
	ck_assert_uint_eq(c.e[0].va, 0x7f0000000000ULL);
	ck_assert_uint_eq(c.e[4].va, 0xffff800000000000ULL);
	ck_assert_uint_eq(c.e[4].index, 256);
	ck_assert_uint_eq(c.e[7].va, 0xffff800000001000ULL);
}
END_TEST

static Suite *observe_suite(void)
{
	Suite *s = suite_create("mmu_observe");
	TCase *tc = unit_tcase(s, "probe", setup, teardown);
	tcase_add_test(tc, test_probe_writes_nothing);
	tcase_add_test(tc, test_probe_fault_like_walk);
	tcase_add_test(tc, test_rights_per_level);
	tcase_add_test(tc, test_level_names);
	tc = unit_tcase(s, "observer", setup, teardown);
	tcase_add_test(tc, test_observer_sees_hits_and_walks);
	tcase_add_test(tc, test_record_hit_without_observer);
	tc = unit_tcase(s, "pt_visit", setup, teardown);
	tcase_add_test(tc, test_pt_visit_tree_order);
	tcase_add_test(tc, test_pt_visit_range_and_swap_entries);
	tcase_add_test(tc, test_pt_visit_canonical_upper_half);
	return s;
}

int main(void)
{
	return unit_run(observe_suite());
}
