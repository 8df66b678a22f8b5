/* test_guest_hugetlb_shared.c - shared hugetlb memory (mm/hugetlb_file.c):
 * a MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB map and a memfd made with
 * MFD_HUGETLB are hugetlbfs files whose pages every map shares. The
 * reference counting: a page is the file's (one reference) and each leaf
 * mapping it holds one more; it goes back to the pool when the last of
 * them goes (the last unmap of an anonymous map, the last close and unmap
 * of a memfd), and the reservations the file made go with it. The
 * numbers are Linux's (hugetlbpage.rst: a shared map reserves at mmap
 * once per file page, whoever maps it; the reservation stays with the
 * file until it shrinks or goes). mm_check (guest_fixture.h) checks after
 * each test that references and reservations add up. */
#include <check.h>
#include <errno.h>
#include <linux/falloc.h>
#include <linux/memfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "guest_fixture.h"
#include "unit.h"

#define H PAGE_SIZE_2M
#define PRW (PROT_READ | PROT_WRITE)
#define HUGE_SHARED (MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB)
#define BUF 0x10000ULL /* scratch memory for the calls */

static void setup(void)
{
	guest_setup(NULL);
	map(BUF, 4 * PAGE_SIZE, VM_READ | VM_WRITE);
	ck_assert_int_eq(hugetlb_set_pool(k, HSTATE_2M, 4), 4);
}

static int64_t do_mmap(uint64_t addr, uint64_t len, uint64_t flags, int64_t fd, uint64_t off)
{
	struct cpu_context *ctx = kernel_current_context(k);
	ctx->r8 = (uint64_t)fd;
	ctx->r9 = off;
	return guest_syscall(SYS_mmap, addr, len, PRW, flags);
}

/* HugePages_Total is 4 throughout: Free and Rsvd. */
static void assert_pool(uint64_t free, uint64_t rsvd)
{
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.huge_total, 4);
	ck_assert_uint_eq(mi.huge_free, free);
	ck_assert_uint_eq(mi.huge_rsvd, rsvd);
}

/* The frame a leaf of mm maps at va, 0 when none. */
static uint64_t leaf_pa(struct mm *m, uint64_t va)
{
	uint64_t *pmd = pgtable_pmd(k, m, va, false);
	return pmd && (*pmd & PTE_P) ? *pmd & PTE_ADDR_MASK : 0;
}

/* A shared map reserves both pages; a touch takes one; fork copies no
 * leaf of it: the child's fault maps the parent's page from the file,
 * writable in both (no copy), and its touch of the other page is the
 * parent's page too; the pages go back to the pool only when the last
 * map of the file goes. */
START_TEST(test_shared_anon_fork)
{
	uint64_t before = in_use();
	struct meminfo mi;
	kernel_meminfo(k, &mi);
	uint64_t committed = mi.committed_as;
	int64_t a = do_mmap(0, 2 * H, HUGE_SHARED, -1, 0);
	ck_assert_int_ge(a, 0);
	assert_pool(4, 2);
	kernel_meminfo(k, &mi);
	ck_assert_uint_eq(mi.committed_as, committed); /* the pool's, not Committed_AS */
	uint64_t pa = guest_touch((uint64_t)a + 8, MMU_WRITE) & ~(H - 1);
	assert_pool(3, 1);
	ck_assert_uint_eq(frame_refcount(k, pa), 2); /* the file and the PDE */
	struct mm *child = mm_fork(k, mm);
	ck_assert_ptr_nonnull(child);
	assert_pool(3, 1);
	uint64_t *cpmd = pgtable_pmd(k, child, (uint64_t)a, false);
	ck_assert(!cpmd || !*cpmd); /* the child faults the file's pages in */
	enum fault_kind kind;
	struct vma *cv = vma_find(child, (uint64_t)a + H);
	ck_assert_int_eq(handle_pte_fault(k, child, cv, (uint64_t)a, MMU_READ, &kind), 0);
	ck_assert_int_eq(kind, FAULT_FILE);
	cpmd = pgtable_pmd(k, child, (uint64_t)a, false);
	ck_assert_uint_eq(*cpmd, *pgtable_pmd(k, mm, (uint64_t)a, false) & ~(PTE_A | PTE_D));
	ck_assert_uint_eq(frame_refcount(k, pa), 3);
	ck_assert_int_eq(handle_pte_fault(k, child, cv, (uint64_t)a + H, MMU_WRITE, &kind), 0);
	assert_pool(2, 0); /* the file's reservation used */
	uint64_t pb = leaf_pa(child, (uint64_t)a + H);
	ck_assert_uint_eq(guest_touch((uint64_t)a + H, MMU_READ) & ~(H - 1), pb);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, 2 * H, 0, 0), 0);
	assert_pool(2, 0); /* the child still maps the file */
	ck_assert_uint_eq(frame_refcount(k, pa), 2);
	mm_put(k, child);
	assert_pool(4, 0);
	ck_assert_uint_eq(in_use(), before);
}
END_TEST

/* MAP_NORESERVE reserves nothing; the fault with no free page is SIGBUS.
 * An empty pool refuses a reserving shared map: ENOMEM, as Linux. */
START_TEST(test_shared_noreserve_sigbus)
{
	ck_assert_int_eq(hugetlb_set_pool(k, HSTATE_2M, 1), 1);
	int64_t a = do_mmap(0, 2 * H, HUGE_SHARED | MAP_NORESERVE, -1, 0);
	ck_assert_int_ge(a, 0);
	ck_assert_uint_eq(k->hstate[HSTATE_2M].resv, 0);
	guest_touch((uint64_t)a, MMU_WRITE);
	ck_assert_int_eq(do_mmap(0, H, HUGE_SHARED, -1, 0), -ENOMEM);
	uint64_t pa;
	unsigned prot;
	ck_assert(!kernel_tlb_fill(k, (uint64_t)a + H, MMU_WRITE, &pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGBUS);
	p->pending_fatal = 0;
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, 2 * H, 0, 0), 0);
	ck_assert_uint_eq(k->hstate[HSTATE_2M].nfree, 1);
}
END_TEST

static int64_t memfd_huge(void)
{
	ck_assert_int_eq(copy_to_user(k, BUF, "huge", 5), 0);
	int64_t fd = guest_syscall(SYS_memfd_create, BUF, MFD_HUGETLB | MFD_HUGE_2MB, 0, 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* A memfd's page is held by the file and by each map: closing the fd
 * leaves it to the map, the munmap after gives it back; the reservation
 * a map made stays with the file after the map goes, until the file
 * goes (Linux's resv_map of the inode). */
START_TEST(test_memfd_close_then_unmap)
{
	int64_t fd = memfd_huge();
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 3 * H, 0, 0), 0);
	assert_pool(4, 0); /* ftruncate reserves nothing */
	/* hugetlbfs_file_mmap: an offset at a huge page boundary, and an end
	 * that fits a loff_t. */
	ck_assert_int_eq(do_mmap(0, H, MAP_SHARED, fd, PAGE_SIZE), -EINVAL);
	ck_assert_int_eq(do_mmap(0, 2 * H, MAP_SHARED | MAP_NORESERVE, fd, (1ULL << 63) - H),
			 -EINVAL);
	int64_t a = do_mmap(0, 2 * H, MAP_SHARED, fd, 0);
	ck_assert_int_ge(a, 0);
	assert_pool(4, 2);
	int64_t b = do_mmap(0, 3 * H, MAP_SHARED, fd, 0);
	ck_assert_int_ge(b, 0);
	assert_pool(4, 3); /* only the third page was not reserved yet */
	uint64_t pa = guest_touch((uint64_t)a, MMU_WRITE) & ~(H - 1);
	ck_assert_uint_eq(guest_touch((uint64_t)b, MMU_READ) & ~(H - 1), pa);
	assert_pool(3, 2);
	ck_assert_uint_eq(frame_refcount(k, pa), 3);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)b, 3 * H, 0, 0), 0);
	assert_pool(3, 2); /* the reservations are the file's */
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	assert_pool(3, 2); /* the map a still holds the file */
	ck_assert_uint_eq(frame_refcount(k, pa), 2);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, 2 * H, 0, 0), 0);
	assert_pool(4, 0);
	ck_assert_ptr_null(k->hstate[HSTATE_2M].files);
}
END_TEST

/* A map placed after another map of the same file at the next offset
 * merges with it into one VMA; it still reserves its own pages. */
START_TEST(test_memfd_adjacent_maps)
{
	const uint64_t at = 0x40000000;
	int64_t fd = memfd_huge();
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 4 * H, 0, 0), 0);
	ck_assert_int_eq(do_mmap(at, 2 * H, MAP_SHARED | MAP_FIXED, fd, 0), (int64_t)at);
	assert_pool(4, 2);
	ck_assert_int_eq(do_mmap(at + 2 * H, 2 * H, MAP_SHARED | MAP_FIXED, fd, 2 * H),
			 (int64_t)(at + 2 * H));
	ck_assert_uint_eq(vma_find(mm, at)->end, at + 4 * H); /* one VMA */
	assert_pool(4, 4);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_munmap, at, 4 * H, 0, 0), 0);
	assert_pool(4, 0);
}
END_TEST

/* The other order: the map goes first, the close gives the page back. A
 * private map's write copies the file's page into a page of its own
 * (from its reservation); ftruncate shrinking takes the file's pages
 * from every map. */
START_TEST(test_memfd_private_and_truncate)
{
	int64_t fd = memfd_huge();
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, H + 4096, 0, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 2 * H, 0, 0), 0);
	int64_t s = do_mmap(0, 2 * H, MAP_SHARED, fd, 0);
	ck_assert_int_ge(s, 0);
	uint64_t pa = guest_touch((uint64_t)s, MMU_WRITE) & ~(H - 1);
	*(uint64_t *)phys_ptr(k, pa) = 42;
	assert_pool(3, 1);
	int64_t q = do_mmap(0, H, MAP_PRIVATE, fd, 0);
	ck_assert_int_ge(q, 0);
	assert_pool(3, 2); /* a private map reserves for itself */
	ck_assert_uint_eq(guest_touch((uint64_t)q, MMU_READ) & ~(H - 1), pa);
	assert_pool(3, 2); /* the file's page, read-only: still reserved */
	uint64_t copy = guest_touch((uint64_t)q, MMU_WRITE) & ~(H - 1);
	ck_assert_uint_ne(copy, pa);
	ck_assert_uint_eq(*(uint64_t *)phys_ptr(k, copy), 42);
	assert_pool(2, 1);
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 0, 0, 0), 0);
	assert_pool(4, 0); /* the file's page, the private copy, the reservations */
	ck_assert_uint_eq(leaf_pa(mm, (uint64_t)s), 0);
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 2 * H, 0, 0), 0);
	ck_assert_uint_eq(guest_touch((uint64_t)s + H, MMU_WRITE) & ~(H - 1) ? 1 : 0, 1);
	assert_pool(3, 0);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)s, 2 * H, 0, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)q, H, 0, 0), 0);
	assert_pool(3, 0); /* the open fd holds the page */
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	assert_pool(4, 0);
}
END_TEST

/* fallocate allocates huge pages (ENOSPC past the pool, the pages made
 * staying), punches them out again; fstat counts them in st_blocks with
 * st_blksize the page size; read gives the bytes, holes as zeroes, and
 * write is EINVAL. */
START_TEST(test_memfd_fallocate_read)
{
	int64_t fd = memfd_huge();
	ck_assert_int_eq(guest_syscall(SYS_fallocate, (uint64_t)fd, 0, 0, 5 * H), -ENOSPC);
	assert_pool(0, 0);
	ck_assert_int_eq(guest_syscall(SYS_fallocate, (uint64_t)fd, FALLOC_FL_PUNCH_HOLE |
				       FALLOC_FL_KEEP_SIZE, H, 2 * H), 0);
	assert_pool(2, 0);
	ck_assert_int_eq(guest_syscall(SYS_ftruncate, (uint64_t)fd, 4 * H, 0, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_fstat, (uint64_t)fd, BUF, 0, 0), 0);
	struct stat st;
	ck_assert_int_eq(copy_from_user(k, &st, BUF, sizeof(st)), 0);
	ck_assert_int_eq(st.st_blksize, H);
	ck_assert_int_eq(st.st_blocks, 2 * (H / 512));
	int64_t a = do_mmap(0, 4 * H, MAP_SHARED, fd, 0);
	ck_assert_int_ge(a, 0);
	assert_pool(2, 2); /* the holes reserved */
	ck_assert_int_eq(copy_to_user(k, (uint64_t)a + 3 * H + 5, "abc", 3), 0);
	char got[8];
	ck_assert_int_eq(guest_syscall(SYS_pread64, (uint64_t)fd, BUF, 8, 3 * H + 4), 8);
	ck_assert_int_eq(copy_from_user(k, got, BUF, 8), 0);
	ck_assert_mem_eq(got, "\0abc\0\0\0\0", 8);
	ck_assert_int_eq(guest_syscall(SYS_pread64, (uint64_t)fd, BUF, 8, H), 8); /* a hole */
	ck_assert_int_eq(copy_from_user(k, got, BUF, 8), 0);
	ck_assert_mem_eq(got, "\0\0\0\0\0\0\0\0", 8);
	assert_pool(2, 2); /* reading a hole allocates nothing */
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, BUF, 8, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_munmap, (uint64_t)a, 4 * H, 0, 0), 0);
	assert_pool(4, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_hugetlb_shared");
	TCase *tc = unit_tcase(s, "hugetlb_shared", setup, guest_teardown);
	tcase_add_test(tc, test_shared_anon_fork);
	tcase_add_test(tc, test_shared_noreserve_sigbus);
	tcase_add_test(tc, test_memfd_close_then_unmap);
	tcase_add_test(tc, test_memfd_adjacent_maps);
	tcase_add_test(tc, test_memfd_private_and_truncate);
	tcase_add_test(tc, test_memfd_fallocate_read);
	return unit_run(s);
}
