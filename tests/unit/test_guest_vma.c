/* test_guest_vma.c - the VMAs of an address space: the balanced tree by
 * address and the list in address order agree after every operation
 * (heights, balance, the largest gap below each subtree, map_count); a
 * random mix of mmap, munmap, mprotect and mremap leaves the same pages
 * mapped with the same protection as a page-by-page model, with every
 * mergeable pair merged; the top-down search for free space finds what a
 * linear search finds; vm.max_map_count is enforced as Linux does.
 * A real kernel (64 MiB) without a CPU. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x10000000ULL /* the region the random operations work in */
#define NPAGES 256
#define RW (VM_READ | VM_WRITE)

static void setup(void)
{
	guest_setup(NULL);
}

/* Checks the subtree n: keys in (lo, hi), heights, balance, gaps; returns
 * its height and counts its nodes. */
static int check_subtree(const struct vma *n, uint64_t lo, uint64_t hi, int *count)
{
	if (!n)
		return 0;
	ck_assert(n->start > lo || (lo == 0 && n->start == 0));
	ck_assert(n->start < hi);
	int hl = check_subtree(n->left, lo, n->start, count);
	int hr = check_subtree(n->right, n->start, hi, count);
	ck_assert_int_le(abs(hl - hr), 1);
	ck_assert_int_eq(n->tree_height, 1 + (hl > hr ? hl : hr));
	uint64_t gap = vma_gap_before(n);
	if (n->left && n->left->subtree_gap > gap)
		gap = n->left->subtree_gap;
	if (n->right && n->right->subtree_gap > gap)
		gap = n->right->subtree_gap;
	ck_assert_uint_eq(n->subtree_gap, gap);
	(*count)++;
	return n->tree_height;
}

static void check_vmas(void)
{
	int in_tree = 0, in_list = 0;
	check_subtree(mm->vma_root, 0, UINT64_MAX, &in_tree);
	const struct vma *prev = NULL;
	for (const struct vma *v = mm->vmas; v; prev = v, v = v->next) {
		ck_assert_ptr_eq(v->prev, prev);
		ck_assert_uint_lt(v->start, v->end);
		if (prev) {
			ck_assert_uint_le(prev->end, v->start);
			ck_assert_msg(!vma_can_merge(prev, v), "mergeable neighbours at 0x%llx",
				      (unsigned long long)v->start);
		}
		ck_assert_ptr_eq(vma_find(mm, v->start), v);
		ck_assert_ptr_eq(vma_find(mm, v->end - 1), v);
		in_list++;
	}
	ck_assert_int_eq(in_tree, in_list);
	ck_assert_int_eq(mm->map_count, in_list);
}

/* The model: per page of the region, 0 (unmapped) or VM_* flags + 8. */
static unsigned model[NPAGES];

static void model_set(uint64_t first, uint64_t n, unsigned value)
{
	for (uint64_t i = first; i < first + n && i < NPAGES; i++)
		model[i] = value;
}

static void check_model(void)
{
	for (uint64_t i = 0; i < NPAGES; i++) {
		const struct vma *v = vma_find(mm, A + i * PAGE_SIZE);
		unsigned got = v ? (v->flags & (VM_READ | VM_WRITE | VM_EXEC)) + 8 : 0;
		ck_assert_msg(got == model[i], "page %llu: %u, model %u", (unsigned long long)i, got,
			      model[i]);
	}
}

START_TEST(test_random_operations)
{
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	static const unsigned prots[] = {VM_READ, RW, VM_READ | VM_EXEC, 0};
	for (int step = 0; step < 20000; step++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		uint64_t first = seed % NPAGES, n = 1 + (seed >> 20) % 8;
		if (first + n > NPAGES)
			n = NPAGES - first;
		unsigned prot = prots[(seed >> 32) % 4];
		uint64_t va = A + first * PAGE_SIZE, len = n * PAGE_SIZE;
		switch ((seed >> 40) % 4) {
		case 0:
			ck_assert_int_eq(mm_map(k, mm, va, len, prot, true), (int64_t)va);
			model_set(first, n, prot + 8);
			break;
		case 1:
			ck_assert_int_eq(mm_unmap(k, mm, va, len), 0);
			model_set(first, n, 0);
			break;
		case 2: {
			/* Linux changes the VMAs before the first hole. */
			int err = mm_protect(k, mm, va, len, prot);
			uint64_t done = 0;
			while (done < n && model[first + done])
				done++;
			ck_assert_int_eq(err, done == n ? 0 : -ENOMEM);
			if (done)
				model_set(first, done, prot + 8);
			break;
		}
		default: {
			/* Shrink in place: always allowed while the start is mapped. */
			int64_t r = mm_remap(k, mm, va, len, PAGE_SIZE, 0, 0);
			ck_assert_int_eq(r, model[first] ? (int64_t)va : -EFAULT);
			if (model[first])
				model_set(first + 1, n - 1, 0);
			break;
		}
		}
		tlb_gather_finish(k);
		if (step % 64 == 0)
			check_vmas();
		check_model();
	}
	check_vmas();
}
END_TEST

/* The top-down search answers as a scan of every gap would. */
START_TEST(test_gap_search)
{
	unsigned long long seed = 42;
	for (int i = 0; i < 400; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		uint64_t va = A + (seed % 4096) * PAGE_SIZE;
		mm_map(k, mm, va, (1 + (seed >> 24) % 4) * PAGE_SIZE, (seed >> 40) & 1 ? RW : VM_READ,
		       true);
	}
	check_vmas();
	uint64_t low = A + 64 * PAGE_SIZE, high = A + 4000 * PAGE_SIZE;
	for (uint64_t len = PAGE_SIZE; len <= 64 * PAGE_SIZE; len += PAGE_SIZE) {
		uint64_t want = 0;
		for (uint64_t end = high; end >= low + len; end -= PAGE_SIZE)
			if (!vma_overlaps(mm, end - len, end)) {
				want = end - len;
				break;
			}
		ck_assert_uint_eq(vma_gap_topdown(mm, low, high, len), want);
	}
}
END_TEST

/* One-page maps that cannot merge (alternating protections) up to the
 * limit: mmap refuses once there are more than max_map_count; a hole
 * punched in the middle of a VMA and an mprotect that splits are refused
 * at the limit; unmapping a whole VMA is always allowed. */
START_TEST(test_max_map_count)
{
	k->vm.max_map_count = 200;
	int n = 0;
	int64_t r;
	while ((r = mm_map(k, mm, A + 2ULL * n * PAGE_SIZE, 2 * PAGE_SIZE, n % 2 ? RW : VM_READ,
			   true)) >= 0)
		n++;
	ck_assert_int_eq(r, -ENOMEM);
	ck_assert_int_eq(mm->map_count, 201); /* Linux: "map_count > max" refuses */
	check_vmas();
	uint64_t mid = A + PAGE_SIZE; /* the second page of the first VMA */
	ck_assert_int_eq(mm_protect(k, mm, mid, PAGE_SIZE, VM_READ | VM_EXEC), -ENOMEM);
	/* madvise reports a refused split as EAGAIN, as Linux. */
	ck_assert_int_eq(mm_madvise(k, mm, mid, mid + PAGE_SIZE, MADV_RANDOM), -EAGAIN);
	ck_assert_int_eq(mm_unmap(k, mm, A + 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	ck_assert_int_eq(mm->map_count, 200);
	ck_assert_int_eq(mm_protect(k, mm, mid, PAGE_SIZE, VM_READ | VM_EXEC), -ENOMEM);
	ck_assert_int_eq(mm_unmap(k, mm, A + 4 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	ck_assert_int_eq(mm_protect(k, mm, mid, PAGE_SIZE, VM_READ | VM_EXEC), 0);
	ck_assert_int_eq(mm->map_count, 200);
	check_vmas();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_vma");
	TCase *tc = unit_tcase(s, "vma", setup, guest_teardown);
	/* 20,000 operations checked against the model take about 13 s of CPU
	 * here; under the sanitizers on a shared machine, several times that. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_random_operations);
	tcase_add_test(tc, test_gap_search);
	tcase_add_test(tc, test_max_map_count);
	return unit_run(s);
}
