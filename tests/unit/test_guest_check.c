/* test_guest_check.c - mm_check, the memory invariants: it passes on a
 * sound state (mapped, touched, shared by fork, swapped, file-backed), and
 * each kind of corruption it exists to catch makes it fail with a message
 * naming the broken invariant.
 *
 * A real kernel (64 MiB of guest memory, 1 MiB of swap) with kernel_ops
 * that only count the requests (guest_fixture.h); no CPU is needed. Each
 * corruption is made by hand, as a kernel bug would leave it. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x400000ULL /* a few pages of anonymous memory */
#define B 0x800000ULL /* a page outside every VMA */

static char err[256];

static void setup(void)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .swap_size = 1 << 20};
	guest_setup(&cfg);
	map(A, 4 * PAGE_SIZE, VM_READ | VM_WRITE);
}

/* The corruptions are left in place: the teardown does not check again. */
static void teardown(void)
{
	mm_unchecked = true;
	guest_teardown();
}

static uint64_t *pte_at(uint64_t va)
{
	uint64_t *pte = pgtable_pte(k, mm, va, false);
	ck_assert_ptr_nonnull(pte);
	return pte;
}

/* mm_check fails, and its message contains want. */
static void assert_broken(const char *want)
{
	err[0] = '\0';
	ck_assert_int_eq(mm_check(k, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want), "mm_check said \"%s\", expected \"%s\"", err, want);
}

START_TEST(test_sound_states_pass)
{
	ck_assert_int_eq(mm_check(k, err, sizeof(err)), 0);
	guest_touch(A, MMU_WRITE);
	guest_touch(A + PAGE_SIZE, MMU_READ); /* the zero page */
	ck_assert_int_eq(guest_syscall(57 /* fork */, 0, 0, 0, 0) > 1, 1);
	ck_assert_msg(!mm_check(k, err, sizeof(err)), "after fork: %s", err);
	ck_assert_uint_eq(reclaim(k, 4), 1); /* the one page A holds, in both */
	ck_assert_msg(pte_is_swap(*pte_at(A)), "A was not swapped out");
	ck_assert_msg(!mm_check(k, err, sizeof(err)), "after swap-out: %s", err);
	guest_touch(A, MMU_WRITE); /* swap-in, then a copy-on-write */
	ck_assert_msg(!mm_check(k, err, sizeof(err)), "after swap-in: %s", err);
}
END_TEST

/* A page shared after fork stays found in both address spaces when one
 * of them moves it with mremap (the reverse map goes by the VMA's offsets,
 * which a move keeps), so reclaim can swap it out of both. Found by
 * fuzz_mm (corpus/regress-mremap-moves-shared-anon). */
START_TEST(test_shared_page_moved_by_mremap)
{
	const uint64_t to = 0x10000000ULL;
	uint64_t pa = guest_touch(A, MMU_WRITE);
	struct process *parent = p;
	int64_t pid = guest_syscall(57 /* fork */, 0, 0, 0, 0);
	ck_assert_int_gt(pid, 1);
	struct process *child = process_find(k, (int)pid);
	kernel_start(k, child);
	const uint64_t a[6] = {A, 4 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, to};
	ck_assert_int_eq(sys_mremap(k, &child->ctx, a), (int64_t)to);
	uint64_t *moved = pgtable_pte(k, child->mm, to, false);
	ck_assert_ptr_nonnull(moved);
	ck_assert_uint_eq(*moved & PTE_ADDR_MASK, pa);
	ck_assert_msg(!mm_check(k, err, sizeof(err)), "after the move: %s", err);
	ck_assert_uint_eq(reclaim(k, 1), 1);
	ck_assert(pte_is_swap(*moved));
	ck_assert(pte_is_swap(*pgtable_pte(k, parent->mm, A, false)));
	ck_assert_msg(!mm_check(k, err, sizeof(err)), "after the swap-out: %s", err);
}
END_TEST

START_TEST(test_extra_reference)
{
	uint64_t pa = guest_touch(A, MMU_WRITE);
	ck_assert_int_eq(mm_protect(k, mm, A, PAGE_SIZE, VM_READ), 0); /* else W says it first */
	frame_get(k, pa);
	char want[64];
	snprintf(want, sizeof(want), "frame %#llx has 2 references, 1 found", (unsigned long long)pa);
	assert_broken(want);
}
END_TEST

START_TEST(test_missing_reference)
{
	uint64_t pa = guest_touch(A, MMU_WRITE);
	*pte_at(A) = 0; /* zapped without its reference put back */
	char want[64];
	snprintf(want, sizeof(want), "frame %#llx has 1 references, 0 found", (unsigned long long)pa);
	assert_broken(want);
}
END_TEST

START_TEST(test_pte_writable_beyond_vma)
{
	guest_touch(A, MMU_WRITE);
	ck_assert_int_eq(mm_protect(k, mm, A, PAGE_SIZE, VM_READ), 0);
	ck_assert_int_eq(mm_check(k, err, sizeof(err)), 0);
	*pte_at(A) |= PTE_W;
	assert_broken("writable PTE in a VMA without VM_WRITE");
}
END_TEST

/* Copy-on-write rests on it: after fork both hold the page read-only. */
START_TEST(test_pte_writable_to_a_shared_page)
{
	guest_touch(A, MMU_WRITE);
	ck_assert_int_gt(guest_syscall(57 /* fork */, 0, 0, 0, 0), 1);
	ck_assert_int_eq(mm_check(k, err, sizeof(err)), 0);
	*pte_at(A) |= PTE_W;
	assert_broken("writable PTE in private memory to a page others see");
}
END_TEST

START_TEST(test_pte_executable_beyond_vma)
{
	guest_touch(A, MMU_WRITE);
	*pte_at(A) &= ~PTE_NX;
	assert_broken("executable PTE in a VMA without VM_EXEC");
}
END_TEST

START_TEST(test_pte_outside_vma)
{
	uint64_t pa = frame_alloc(k, 0);
	ck_assert_uint_ne(pa, FRAME_NONE);
	uint64_t *pte = pgtable_pte(k, mm, B, true);
	ck_assert_ptr_nonnull(pte);
	*pte = pa | PTE_P | PTE_U | PTE_W | PTE_NX;
	assert_broken("a PTE maps va 0x800000 outside every VMA");
}
END_TEST

START_TEST(test_reverse_map_misses)
{
	uint64_t pa = guest_touch(A, MMU_WRITE);
	k->lru.anon_index[pa >> PAGE_SHIFT]++; /* as if it were the next page */
	char want[80];
	snprintf(want, sizeof(want), "the reverse map of frame %#llx misses va %#llx",
		 (unsigned long long)pa, (unsigned long long)A);
	assert_broken(want);
}
END_TEST

START_TEST(test_swap_count)
{
	guest_touch(A, MMU_WRITE);
	ck_assert_uint_eq(reclaim(k, 1), 1);
	uint64_t pte = *pte_at(A);
	ck_assert(pte_is_swap(pte));
	swap_dup(k, swp_offset(pte));
	char want[64];
	snprintf(want, sizeof(want), "swap slot %llu counts 2 PTEs, 1 found",
		 (unsigned long long)swp_offset(pte));
	assert_broken(want);
}
END_TEST

START_TEST(test_table_count)
{
	guest_touch(A, MMU_WRITE);
	mm->pt_pages++;
	assert_broken("an address space has 4 page tables but counts 5");
}
END_TEST

START_TEST(test_free_plus_used)
{
	k->frames.in_use++;
	assert_broken("frames free and");
}
END_TEST

static Suite *check_suite(void)
{
	Suite *s = suite_create("guest_check");
	TCase *tc = unit_tcase(s, "sound", setup, teardown);
	tcase_add_test(tc, test_sound_states_pass);
	tcase_add_test(tc, test_shared_page_moved_by_mremap);

	tc = unit_tcase(s, "corrupt", setup, teardown);
	tcase_add_test(tc, test_extra_reference);
	tcase_add_test(tc, test_missing_reference);
	tcase_add_test(tc, test_pte_writable_beyond_vma);
	tcase_add_test(tc, test_pte_writable_to_a_shared_page);
	tcase_add_test(tc, test_pte_executable_beyond_vma);
	tcase_add_test(tc, test_pte_outside_vma);
	tcase_add_test(tc, test_reverse_map_misses);
	tcase_add_test(tc, test_swap_count);
	tcase_add_test(tc, test_table_count);
	tcase_add_test(tc, test_free_plus_used);
	return s;
}

int main(void)
{
	return unit_run(check_suite());
}
