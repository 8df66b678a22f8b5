/* test_guest_la57.c - 5-level paging (--la57): the guest kernel's tables
 * get a fifth level, user space reaches 2^56 (Linux's TASK_SIZE_MAX with
 * LA57), and maps go above 2^47 only where an mmap hint asks. */
#include <check.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "guest_fixture.h"
#include "unit.h"

#define P PAGE_SIZE
#define HIGH (1ULL << 52)

static void setup(void)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .la57 = true};
	guest_setup(&cfg);
}

static int64_t do_mmap(uint64_t addr, uint64_t len, uint64_t flags)
{
	struct cpu_context *ctx = kernel_current_context(k);
	ctx->r8 = (uint64_t)-1;
	ctx->r9 = 0;
	return guest_syscall(SYS_mmap, addr, len, PROT_READ | PROT_WRITE, flags);
}

START_TEST(test_high_hint_and_5_level_walk)
{
	ck_assert(k->mmu.regs.cr4 & CR4_LA57);
	ck_assert_uint_eq(mm->task_size, USER_TOP_LA57);
	int64_t low = do_mmap(0, 4 * P, MAP_PRIVATE | MAP_ANONYMOUS);
	ck_assert_int_gt(low, 0);
	ck_assert_uint_lt((uint64_t)low, USER_TOP);
	int64_t high = do_mmap(HIGH, 4 * P, MAP_PRIVATE | MAP_ANONYMOUS);
	ck_assert_uint_eq((uint64_t)high, HIGH);
	/* The hint's place taken: the space above the window still serves. */
	int64_t again = do_mmap(HIGH, 4 * P, MAP_PRIVATE | MAP_ANONYMOUS);
	ck_assert_uint_gt((uint64_t)again, USER_TOP);
	ck_assert_uint_ne((uint64_t)again, HIGH);

	ck_assert_int_eq(copy_to_user(k, HIGH + 5, "la57", 5), 0);
	struct mmu_req req = {.va = HIGH + 5, .access = MMU_READ, .user = true};
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec;
	mmu_flush_all(&k->mmu);
	ck_assert(mmu_translate(&k->mmu, &req, &t, &f, &rec));
	ck_assert_int_eq(rec.nsteps, 5);
	ck_assert_int_eq(rec.step[0].level, 5);
	ck_assert_str_eq((const char *)phys_ptr(k, t.pa), "la57");
	/* The top of user space, and past it. */
	ck_assert_int_eq(do_mmap(USER_TOP_LA57 - P, P, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 (int64_t)(USER_TOP_LA57 - P));
	ck_assert_int_eq(copy_to_user(k, USER_TOP_LA57 - 1, "x", 1), 0);
	ck_assert_int_eq(copy_to_user(k, USER_TOP_LA57, "x", 1), -EFAULT);
	ck_assert_int_eq(do_mmap(USER_TOP_LA57, P, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -ENOMEM);
	ck_assert_int_eq(guest_syscall(SYS_munmap, HIGH, 4 * P, 0, 0), 0);
}
END_TEST

/* With 4-level paging the same hint is only a hint: it is ignored. */
START_TEST(test_four_levels_ignore_the_hint)
{
	kernel_destroy(k);
	guest_setup(NULL);
	ck_assert_uint_eq(mm->task_size, USER_TOP);
	int64_t a = do_mmap(HIGH, 4 * P, MAP_PRIVATE | MAP_ANONYMOUS);
	ck_assert_int_gt(a, 0);
	ck_assert_uint_lt((uint64_t)a, USER_TOP);
	ck_assert_int_eq(do_mmap(HIGH, P, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -ENOMEM);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_la57");
	TCase *tc = unit_tcase(s, "la57", setup, guest_teardown);
	tcase_add_test(tc, test_high_hint_and_5_level_walk);
	tcase_add_test(tc, test_four_levels_ignore_the_hint);
	return unit_run(s);
}
