/* test_guest_frame.c - the guest kernel's physical frames: the buddy
 * allocator (orders, alignment, coalescing, exhaustion), reference counts,
 * zeroed frames, and the quarantine of frames that held code.
 *
 * A real kernel (64 MiB of guest memory) with kernel_ops that only count
 * the requests (guest_fixture.h); no CPU is needed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "guest_fixture.h"
#include "unit.h"

#define MEM_SIZE GUEST_MEM_SIZE
#define NFRAMES (MEM_SIZE >> PAGE_SHIFT)   /* 16384 */
#define USABLE (NFRAMES - 2)                /* frames 0 and 1 (zero page) are never handed out */
/* Frame 0 is reserved, so the largest free block is the upper half. */
#define TOP_ORDER 13u

/* The kernel alone: no process. */
static void setup(void)
{
	guest_create_kernel(NULL);
}

static void teardown(void)
{
	mm_unchecked = true;
	guest_teardown();
}

/* Allocates order-0 frames until the allocator says no; returns how many. */
static uint64_t alloc_all(uint64_t *out, uint64_t cap)
{
	uint64_t n = 0;
	for (;;) {
		uint64_t pa = frame_alloc(k, 0);
		if (pa == FRAME_NONE)
			break;
		ck_assert_uint_lt(n, cap);
		out[n++] = pa;
	}
	return n;
}

/* ---- buddy allocator ---- */

START_TEST(test_initial_state)
{
	const struct kernel_stats *s = kernel_stats(k);
	ck_assert_uint_eq(s->frames_total, USABLE);
	ck_assert_uint_eq(s->frames_in_use, 0);
	ck_assert_uint_eq(s->frames_peak, 0);
	ck_assert_uint_eq(kernel_phys_size(k), MEM_SIZE);
}
END_TEST

START_TEST(test_alloc_free_each_order)
{
	uint64_t base = in_use();
	for (unsigned order = 0; order <= TOP_ORDER; order++) {
		uint64_t pa = frame_alloc(k, order);
		ck_assert_msg(pa != FRAME_NONE, "order %u", order);
		ck_assert_uint_ne(pa, 0);
		ck_assert_uint_eq(pa % (PAGE_SIZE << order), 0);
		ck_assert_uint_le(pa + (PAGE_SIZE << order), MEM_SIZE);
		ck_assert_uint_eq(in_use(), base + (1ULL << order));
		ck_assert_uint_eq(frame_refcount(k, pa), 1);
		frame_put(k, pa, order);
		ck_assert_uint_eq(in_use(), base);
		ck_assert_uint_eq(frame_refcount(k, pa), 0);
	}
	ck_assert_uint_eq(kernel_stats(k)->frames_peak, 1ULL << TOP_ORDER);
}
END_TEST

START_TEST(test_blocks_aligned_and_disjoint)
{
	/* Fill memory with blocks of mixed orders: each is aligned to its own
	 * size and no two overlap. */
	enum { MAXB = 512 };
	uint64_t pa[MAXB];
	unsigned ord[MAXB];
	unsigned n = 0;
	static const unsigned orders[] = {3, 0, 5, 1, 7, 2, 4, 0, 6};
	for (unsigned i = 0; n < MAXB; i++) {
		unsigned o = orders[i % (sizeof(orders) / sizeof(orders[0]))];
		uint64_t p = frame_alloc(k, o);
		if (p == FRAME_NONE)
			break;
		ck_assert_uint_eq(p % (PAGE_SIZE << o), 0);
		pa[n] = p;
		ord[n] = o;
		n++;
	}
	ck_assert_uint_gt(n, 100);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++) {
			uint64_t ie = pa[i] + (PAGE_SIZE << ord[i]), je = pa[j] + (PAGE_SIZE << ord[j]);
			ck_assert_msg(ie <= pa[j] || je <= pa[i], "blocks %u and %u overlap", i, j);
		}
	for (unsigned i = 0; i < n; i++)
		frame_put(k, pa[i], ord[i]);
	ck_assert_uint_eq(in_use(), 0);
}
END_TEST

START_TEST(test_no_block_larger_than_memory)
{
	/* Frame 0 is reserved: there is no 2^14-frame block in 64 MiB. */
	ck_assert_uint_eq(frame_alloc(k, TOP_ORDER + 1), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc(k, FRAME_MAX_ORDER), FRAME_NONE);
	ck_assert_uint_eq(in_use(), 0);
	/* Exactly one block of the top order exists. */
	uint64_t a = frame_alloc(k, TOP_ORDER);
	ck_assert_uint_eq(a, (uint64_t)MEM_SIZE / 2);
	ck_assert_uint_eq(frame_alloc(k, TOP_ORDER), FRAME_NONE);
	frame_put(k, a, TOP_ORDER);
}
END_TEST

START_TEST(test_exhaustion_and_coalescing)
{
	uint64_t *pa = malloc(NFRAMES * sizeof(*pa));
	ck_assert_ptr_nonnull(pa);
	uint64_t n = alloc_all(pa, NFRAMES);
	ck_assert_uint_eq(n, USABLE);
	ck_assert_uint_eq(in_use(), USABLE);
	ck_assert_uint_eq(frame_alloc(k, 0), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc(k, 1), FRAME_NONE);
	for (uint64_t i = 0; i < n; i++)
		ck_assert_uint_ne(pa[i], 0); /* frame 0 is never handed out */

	/* Fragmentation: every other frame free is half of memory, yet no
	 * two contiguous frames. */
	for (uint64_t i = 0; i < n; i++)
		if ((pa[i] >> PAGE_SHIFT) % 2 == 0)
			frame_put(k, pa[i], 0);
	ck_assert_uint_eq(in_use(), USABLE / 2); /* the odd frames from 3 up */
	ck_assert_uint_eq(frame_alloc(k, 1), FRAME_NONE);

	/* Free the rest in a scrambled order: the buddies coalesce back. */
	for (uint64_t step = 0; step < 7; step++)
		for (uint64_t i = step; i < n; i += 7)
			if ((pa[i] >> PAGE_SHIFT) % 2 == 1)
				frame_put(k, pa[i], 0);
	ck_assert_uint_eq(in_use(), 0);
	uint64_t big = frame_alloc(k, TOP_ORDER);
	ck_assert_uint_ne(big, FRAME_NONE);
	ck_assert_uint_eq(big % (PAGE_SIZE << TOP_ORDER), 0);
	/* And the lower half came back as one block of each order 12..1
	 * (frames 0 and 1 are reserved, so there is no order-0 block). */
	for (int o = (int)TOP_ORDER - 1; o >= 1; o--) {
		uint64_t b = frame_alloc(k, (unsigned)o);
		ck_assert_msg(b == PAGE_SIZE << o, "order %d at 0x%llx", o, (unsigned long long)b);
	}
	ck_assert_uint_eq(in_use(), USABLE);
	ck_assert_uint_eq(frame_alloc(k, 0), FRAME_NONE);
	free(pa);
}
END_TEST

START_TEST(test_peak)
{
	uint64_t a = frame_alloc(k, 4), b = frame_alloc(k, 2);
	frame_put(k, a, 4);
	uint64_t c = frame_alloc(k, 0);
	const struct kernel_stats *s = kernel_stats(k);
	ck_assert_uint_eq(s->frames_in_use, 4 + 1);
	ck_assert_uint_eq(s->frames_peak, 16 + 4);
	frame_put(k, b, 2);
	frame_put(k, c, 0);
}
END_TEST

/* ---- reference counts ---- */

START_TEST(test_refcounts)
{
	uint64_t pa = frame_alloc(k, 0);
	ck_assert_uint_eq(frame_refcount(k, pa), 1);
	frame_get(k, pa);
	frame_get(k, pa);
	ck_assert_uint_eq(frame_refcount(k, pa), 3);
	frame_put(k, pa, 0);
	frame_put(k, pa, 0);
	ck_assert_uint_eq(frame_refcount(k, pa), 1);
	ck_assert_uint_eq(in_use(), 1); /* still held */
	frame_put(k, pa, 0);
	ck_assert_uint_eq(frame_refcount(k, pa), 0);
	ck_assert_uint_eq(in_use(), 0);
}
END_TEST

START_TEST(test_refcount_of_block)
{
	uint64_t pa = frame_alloc(k, 3);
	frame_get(k, pa);
	frame_put(k, pa, 3);
	ck_assert_uint_eq(in_use(), 8);
	frame_put(k, pa, 3);
	ck_assert_uint_eq(in_use(), 0);
	/* Freed as a whole: the order-3 block is whole again. */
	ck_assert_uint_eq(frame_alloc(k, 3), pa);
}
END_TEST

/* ---- zeroed frames ---- */

START_TEST(test_frames_come_zeroed)
{
	uint64_t pa = frame_alloc(k, 0);
	ck_assert(all_zero(pa, PAGE_SIZE));
	memset(phys_ptr(k, pa), 0xa5, PAGE_SIZE);
	frame_put(k, pa, 0);
	uint64_t again = frame_alloc(k, 0);
	ck_assert_uint_eq(again, pa); /* LIFO: the same frame comes back */
	ck_assert(all_zero(again, PAGE_SIZE));
	frame_put(k, again, 0);

	uint64_t blk = frame_alloc(k, 4);
	memset(phys_ptr(k, blk), 0x5a, PAGE_SIZE << 4);
	frame_put(k, blk, 4);
	/* Split into smaller blocks: every one of them is zeroed. */
	for (int i = 0; i < 16; i++) {
		uint64_t f = frame_alloc(k, 0);
		ck_assert(all_zero(f, PAGE_SIZE));
	}
	uint64_t big = frame_alloc(k, 4);
	ck_assert(all_zero(big, PAGE_SIZE << 4));
}
END_TEST

/* ---- quarantine of frames that held code ---- */

START_TEST(test_exec_frame_quarantined)
{
	uint64_t code = frame_alloc(k, 0);
	frame_mark_exec(k, code);
	ck_assert(frame_is_exec(k, code));
	ck_assert_uint_eq(stop_calls, 0);
	frame_put(k, code, 0);
	ck_assert_uint_eq(frame_refcount(k, code), 0);
	ck_assert_uint_ge(stop_calls, 1);          /* the run slice must end */
	ck_assert_uint_eq(k->frames.nquarantine, 1);
	ck_assert_uint_eq(in_use(), 1);            /* not free yet */
	ck_assert_uint_eq(flush_code_calls, 0);    /* the kernel asks at schedule */

	/* Until released, the frame is never handed out, even when memory
	 * runs out. */
	uint64_t *pa = malloc(NFRAMES * sizeof(*pa));
	ck_assert_ptr_nonnull(pa);
	uint64_t n = alloc_all(pa, NFRAMES);
	ck_assert_uint_eq(n, USABLE - 1);
	for (uint64_t i = 0; i < n; i++)
		ck_assert_uint_ne(pa[i], code);

	frame_release_quarantine(k);
	ck_assert_uint_eq(k->frames.nquarantine, 0);
	ck_assert(!frame_is_exec(k, code));
	ck_assert_uint_eq(in_use(), USABLE - 1);
	ck_assert_uint_eq(frame_alloc(k, 0), code);
	ck_assert_uint_eq(frame_alloc(k, 0), FRAME_NONE);
	free(pa);
}
END_TEST

START_TEST(test_exec_frame_shared_not_quarantined_early)
{
	uint64_t code = frame_alloc(k, 0);
	frame_mark_exec(k, code);
	frame_get(k, code);
	frame_put(k, code, 0); /* still one reference: nothing happens */
	ck_assert_uint_eq(stop_calls, 0);
	ck_assert_uint_eq(k->frames.nquarantine, 0);
	ck_assert(frame_is_exec(k, code));
	frame_put(k, code, 0);
	ck_assert_uint_eq(k->frames.nquarantine, 1);
	ck_assert_uint_ge(stop_calls, 1);
}
END_TEST

START_TEST(test_quarantine_released_whole)
{
	/* An order-2 block that held code goes back whole, and coalesces. */
	uint64_t blk = frame_alloc(k, 2);
	frame_mark_exec(k, blk);
	frame_put(k, blk, 2);
	ck_assert_uint_eq(in_use(), 4);
	frame_release_quarantine(k);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_uint_ne(frame_alloc(k, TOP_ORDER), FRAME_NONE);
}
END_TEST

START_TEST(test_plain_frame_not_quarantined)
{
	uint64_t pa = frame_alloc(k, 0);
	ck_assert(!frame_is_exec(k, pa));
	frame_put(k, pa, 0);
	ck_assert_uint_eq(stop_calls, 0);
	ck_assert_uint_eq(k->frames.nquarantine, 0);
	ck_assert_uint_eq(in_use(), 0);
}
END_TEST

START_TEST(test_schedule_flushes_code_and_releases)
{
	/* kernel_schedule drops translated code, then frees the quarantine. */
	struct process *p = kernel_create_process(k);
	ck_assert_ptr_nonnull(p);
	p->mm = mm_create(k);
	ck_assert_ptr_nonnull(p->mm);
	kernel_start(k, p);
	uint64_t base = in_use();
	uint64_t code = frame_alloc(k, 0);
	frame_mark_exec(k, code);
	frame_put(k, code, 0);
	ck_assert_uint_eq(in_use(), base + 1);
	ck_assert(kernel_schedule(k));
	ck_assert_uint_eq(flush_code_calls, 1);
	ck_assert_uint_eq(kernel_stats(k)->code_flushes, 1);
	ck_assert_uint_eq(k->frames.nquarantine, 0);
	ck_assert_uint_eq(in_use(), base);
	/* Nothing pending: no second flush. */
	ck_assert(kernel_schedule(k));
	ck_assert_uint_eq(flush_code_calls, 1);
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("guest_frame");
	/* These tests hold frames of their own, which no table or cache
	 * accounts for: mm_check does not apply. */
	TCase *tc = unit_tcase(s, "buddy", setup, teardown);
	tcase_add_test(tc, test_initial_state);
	tcase_add_test(tc, test_alloc_free_each_order);
	tcase_add_test(tc, test_blocks_aligned_and_disjoint);
	tcase_add_test(tc, test_no_block_larger_than_memory);
	tcase_add_test(tc, test_exhaustion_and_coalescing);
	tcase_add_test(tc, test_peak);

	tc = unit_tcase(s, "refcount", setup, teardown);
	tcase_add_test(tc, test_refcounts);
	tcase_add_test(tc, test_refcount_of_block);
	tcase_add_test(tc, test_frames_come_zeroed);

	tc = unit_tcase(s, "quarantine", setup, teardown);
	tcase_add_test(tc, test_exec_frame_quarantined);
	tcase_add_test(tc, test_exec_frame_shared_not_quarantined_early);
	tcase_add_test(tc, test_quarantine_released_whole);
	tcase_add_test(tc, test_plain_frame_not_quarantined);
	tcase_add_test(tc, test_schedule_flushes_code_and_releases);
	return s;
}

int main(void)
{
	return unit_run(frame_suite());
}
