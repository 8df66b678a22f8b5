/* test_guest_memfd: memfd pages are shared memory the file holds (the
 * page cache counts them, mm_check finds them, closing the last fd frees
 * them), a shared map of a memfd reaches the same frames, and mlocked
 * pages are Mlocked and Unevictable in meminfo. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "guest_fixture.h"
#include "unit.h"

#define BUF 0x10000ULL /* scratch memory for the calls */
#define BUF_SIZE (16 * PAGE_SIZE)
#define MAP_VA 0x40000000ULL
#define RW (VM_READ | VM_WRITE)

static void setup(void)
{
	guest_setup(NULL);
	map(BUF, BUF_SIZE, RW);
}

static int64_t memfd(void)
{
	ck_assert_int_eq(copy_to_user(k, BUF, "unit", 5), 0);
	int64_t fd = guest_syscall(SYS_memfd_create, BUF, 0, 0, 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* mmap(addr, len, prot, flags, fd, 0): six arguments. */
static int64_t guest_mmap(uint64_t addr, uint64_t len, uint64_t flags, int64_t fd)
{
	struct cpu_context *ctx = kernel_current_context(k);
	ctx->r8 = (uint64_t)fd;
	ctx->r9 = 0;
	return guest_syscall(SYS_mmap, addr, len, PROT_READ | PROT_WRITE, flags);
}

START_TEST(memfd_pages_held_by_the_file)
{
	static char data[3 * PAGE_SIZE];
	memset(data, 'm', sizeof(data));
	ck_assert_int_eq(copy_to_user(k, BUF + PAGE_SIZE, data, sizeof(data)), 0);
	ck_assert_int_eq(copy_to_user(k, BUF, "", 1), 0); /* the scratch pages exist first */
	uint64_t before = k->frames.in_use;
	int64_t fd = memfd();
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, BUF + PAGE_SIZE, sizeof(data), 0),
			 (int64_t)sizeof(data));
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 8 * PAGE_SIZE, 0, 0), 0);
	ck_assert_uint_eq(k->frames.in_use, before + 3);
	char err[256];
	ck_assert_msg(mm_check(k, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(guest_syscall(SYS_fstat, (uint64_t)fd, BUF, 0, 0), 0);
	struct stat st;
	ck_assert_int_eq(copy_from_user(k, &st, BUF, sizeof(st)), 0);
	ck_assert_int_eq(st.st_size, 8 * PAGE_SIZE);
	ck_assert_int_eq(st.st_blocks, 3 * (PAGE_SIZE / 512));
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	ck_assert_uint_eq(k->frames.in_use, before);
}
END_TEST

START_TEST(memfd_shared_map_same_frames)
{
	int64_t fd = memfd();
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 2 * PAGE_SIZE, 0, 0), 0);
	ck_assert_int_eq(guest_mmap(MAP_VA, 2 * PAGE_SIZE, MAP_SHARED | MAP_FIXED, fd),
			 (int64_t)MAP_VA);
	ck_assert_int_eq(copy_to_user(k, MAP_VA + PAGE_SIZE, "through the map", 16), 0);
	/* The fd may go: the map keeps the memory. */
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	char err[256];
	ck_assert_msg(mm_check(k, err, sizeof(err)) == 0, "%s", err);
	char got[16];
	ck_assert_int_eq(copy_from_user(k, got, MAP_VA + PAGE_SIZE, sizeof(got)), 0);
	ck_assert_str_eq(got, "through the map");
	uint64_t in_use = k->frames.in_use;
	ck_assert_int_eq(guest_syscall(SYS_munmap, MAP_VA, 2 * PAGE_SIZE, 0, 0), 0);
	ck_assert_uint_lt(k->frames.in_use, in_use); /* the page and its table */
}
END_TEST

START_TEST(mlock_counts_in_meminfo)
{
	map(MAP_VA, 4 * PAGE_SIZE, RW);
	struct meminfo m;
	kernel_meminfo(k, &m);
	uint64_t unevictable = m.unevictable;
	ck_assert_uint_eq(m.mlocked, 0);
	ck_assert_int_eq(guest_syscall(SYS_mlock, MAP_VA, 4 * PAGE_SIZE, 0, 0), 0);
	kernel_meminfo(k, &m);
	ck_assert_uint_eq(m.mlocked, 16);
	ck_assert_uint_eq(m.unevictable, unevictable + 16);
	ck_assert_uint_eq(mm_locked_vm(mm), 4);
	ck_assert_int_eq(guest_syscall(SYS_munlock, MAP_VA + PAGE_SIZE, PAGE_SIZE, 0, 0), 0);
	kernel_meminfo(k, &m);
	ck_assert_uint_eq(m.mlocked, 12);
	ck_assert_uint_eq(mm_locked_vm(mm), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_memfd");
	TCase *tc = unit_tcase(s, "memfd", setup, guest_teardown);
	tcase_add_test(tc, memfd_pages_held_by_the_file);
	tcase_add_test(tc, memfd_shared_map_same_frames);
	tcase_add_test(tc, mlock_counts_in_meminfo);
	return unit_run(s);
}
