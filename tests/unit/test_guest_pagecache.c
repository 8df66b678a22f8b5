/* test_guest_pagecache.c - the page cache and file maps: pages filled from
 * the host file and found again (one cache per file, shared by every
 * open), LRU eviction order, the size the cache keeps (writes, truncate),
 * a shared map's stores found through the D bit and written back (msync,
 * munmap, exit), SIGBUS for a page past the end of the file, a private
 * map's store that leaves the cache page intact, reclaim dropping cache
 * pages before anything goes to swap, and nothing left at shutdown.
 *
 * Files are real host files in a fresh temporary directory. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define P PAGE_SIZE
#define NPAGES 8
#define A 0x10000000ULL

static char path[] = "/tmp/vmemu-pagecache-XXXXXX";

/* Byte i of the test file. */
static uint8_t content(uint64_t i)
{
	return (uint8_t)(i % 251 + 1);
}

/* A host file of size bytes of content(). */
static void make_file(uint64_t size)
{
	strcpy(path, "/tmp/vmemu-pagecache-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (uint64_t i = 0; i < size; i++) {
		uint8_t b = content(i);
		ck_assert_int_eq(pwrite(fd, &b, 1, (off_t)i), 1);
	}
	close(fd);
}

static void setup(void)
{
	guest_setup(NULL);
	make_file(NPAGES * P);
}

static void teardown(void)
{
	guest_teardown();
	unlink(path);
}

/* A guest file of the test file opened with flags. */
static struct file *open_file(int flags)
{
	return guest_host_file(open(path, flags | O_CLOEXEC));
}

/* Installs f as a guest fd of p. */
static int install(struct file *f)
{
	int fd = fd_install(k, 0, f, false);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static uint8_t host_byte(uint64_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t b = 0;
	ck_assert_int_eq(pread(fd, &b, 1, (off_t)off), 1);
	close(fd);
	return b;
}

static struct cache_page *page(struct mapping *m, uint64_t index)
{
	struct cache_page *cp = NULL;
	ck_assert_int_eq(mapping_page(k, m, index, &cp), 0);
	ck_assert_ptr_nonnull(cp);
	return cp;
}

static int64_t sys6(syscall_fn *fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5)
{
	const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
	return fn(k, &p->ctx, a);
}

/* mmap of guest fd at A (fixed). */
static void map_file(int fd, uint64_t len, uint64_t prot, uint64_t flags, uint64_t off)
{
	ck_assert_int_eq(sys6(sys_mmap, A, len, prot, flags | MAP_FIXED, (uint64_t)fd, off),
			 (int64_t)A);
}

static uint64_t *pte(uint64_t va)
{
	uint64_t *e = pgtable_pte(k, mm, va, false);
	ck_assert_ptr_nonnull(e);
	return e;
}

/* A user access as the CPU makes it; returns the physical page. */
static uint64_t touch(uint64_t va, enum mmu_access access)
{
	uint64_t pa = 0;
	unsigned prot = 0;
	ck_assert_msg(kernel_tlb_fill(k, va, access, &pa, &prot), "touch 0x%llx",
		      (unsigned long long)va);
	return pa;
}

START_TEST(test_fill_and_lookup)
{
	struct file *f = open_file(O_RDONLY), *g = open_file(O_RDWR);
	struct mapping *m = filemap_of(k, f);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_eq(filemap_of(k, g), m); /* one cache per file */
	ck_assert_uint_eq(m->size, NPAGES * P);
	struct cache_page *cp = page(m, 3);
	const uint8_t *b = phys_ptr(k, cp->pa);
	for (uint64_t i = 0; i < P; i++)
		ck_assert_uint_eq(b[i], content(3 * P + i));
	ck_assert_ptr_eq(page(m, 3), cp);
	ck_assert_uint_eq(kernel_stats(k)->cache_reads, 1);
	ck_assert_uint_eq(k->cache_pages, 1);
	ck_assert_uint_eq(frame_refcount(k, cp->pa), 1); /* the cache's own */
	/* read(2) through the cache, at the file offset. */
	char buf[100];
	struct uio u = uio_kernel(buf, sizeof(buf));
	ck_assert_int_eq(lseek(g->host_fd, 3 * P + 10, SEEK_SET), 3 * P + 10);
	ck_assert_int_eq(g->ops->read(k, g, &u, -1), 100);
	ck_assert_int_eq(memcmp(buf, b + 10, 100), 0);
	ck_assert_int_eq(lseek(g->host_fd, 0, SEEK_CUR), 3 * P + 110);
	ck_assert_uint_eq(kernel_stats(k)->cache_reads, 1);
	file_put(f);
	file_put(g);
	/* Closed, the file's pages stay cached. */
	ck_assert_uint_eq(k->cache_pages, 1);
	ck_assert_uint_eq(kernel_shutdown(k), 0);
	ck_assert_uint_eq(k->cache_pages, 0);
}
END_TEST

START_TEST(test_size_follows_writes_and_truncate)
{
	struct file *f = open_file(O_RDWR);
	struct mapping *m = filemap_of(k, f);
	struct cache_page *last = page(m, NPAGES - 1);
	char data[] = "appended";
	struct uio u = uio_kernel(data, 8);
	ck_assert_int_eq(f->ops->write(k, f, &u, NPAGES * P + 100), 8);
	ck_assert_uint_eq(m->size, NPAGES * P + 108);
	/* Written pages are cached, with the new bytes. */
	struct cache_page *cp = pagecache_lookup(k, m, NPAGES);
	ck_assert_ptr_nonnull(cp);
	ck_assert_int_eq(memcmp((char *)phys_ptr(k, cp->pa) + 100, "appended", 8), 0);
	ck_assert(all_zero(cp->pa, 100));
	/* A write into a cached page changes it (write-through: not dirty). */
	u = uio_kernel(data, 3);
	ck_assert_int_eq(f->ops->write(k, f, &u, (NPAGES - 1) * P), 3);
	ck_assert_int_eq(memcmp(phys_ptr(k, last->pa), "app", 3), 0);
	ck_assert_uint_eq(k->cache_dirty, 0);
	ck_assert_uint_eq(host_byte((NPAGES - 1) * P), 'a');
	/* Truncate: pages past the end go, the tail of the last reads zero. */
	uint64_t pages = k->cache_pages;
	ck_assert_int_eq(ftruncate(f->host_fd, 2 * P + 10), 0);
	filemap_resize(k, m, 2 * P + 10);
	ck_assert_uint_eq(m->size, 2 * P + 10);
	ck_assert_ptr_null(pagecache_lookup(k, m, NPAGES - 1));
	ck_assert_uint_eq(k->cache_pages, pages - 2);
	cp = page(m, 2);
	ck_assert(all_zero(cp->pa + 10, P - 10));
	file_put(f);
}
END_TEST

START_TEST(test_lru_eviction_order)
{
	struct file *f = open_file(O_RDONLY);
	struct mapping *m = filemap_of(k, f);
	for (uint64_t i = 0; i < 4; i++)
		page(m, i);
	ck_assert_uint_eq(k->lru.count[LRU_INACTIVE_FILE], 4);
	/* Read twice (as by read()): the second use activates page 0. */
	lru_mark_accessed(k, page(m, 0)->pa);
	ck_assert_uint_eq(k->lru.count[LRU_ACTIVE_FILE], 0);
	lru_mark_accessed(k, page(m, 0)->pa);
	ck_assert_uint_eq(k->lru.count[LRU_ACTIVE_FILE], 1);
	struct cache_page *held = page(m, 1);
	frame_get(k, held->pa); /* as a read in progress: not droppable */
	/* The oldest inactive pages go; the held one goes round again. */
	ck_assert_uint_eq(reclaim(k, 2), 2);
	ck_assert_ptr_nonnull(pagecache_lookup(k, m, 0));
	ck_assert_ptr_nonnull(pagecache_lookup(k, m, 1));
	ck_assert_ptr_null(pagecache_lookup(k, m, 2));
	ck_assert_ptr_null(pagecache_lookup(k, m, 3));
	ck_assert_uint_eq(k->lru.count[LRU_INACTIVE_FILE], 1);
	ck_assert_uint_eq(kernel_stats(k)->pages_deactivated, 0);
	/* Released, page 1 goes; then the inactive list is shorter than the
	 * active one, so page 0 is deactivated, and goes too. */
	frame_put(k, held->pa, 0);
	ck_assert_uint_eq(reclaim(k, 10), 2);
	ck_assert_uint_eq(k->cache_pages, 0);
	ck_assert_uint_eq(k->lru.count[LRU_ACTIVE_FILE] + k->lru.count[LRU_INACTIVE_FILE], 0);
	ck_assert_uint_eq(kernel_stats(k)->pages_activated, 1);
	ck_assert_uint_eq(kernel_stats(k)->pages_deactivated, 1);
	file_put(f);
}
END_TEST

START_TEST(test_shared_map_writeback)
{
	int fd = install(open_file(O_RDWR));
	map_file(fd, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	struct mapping *m = vma_find(mm, A)->mapping;
	/* A read maps the cache page read-only (write-notify). */
	uint64_t pa = touch(A, MMU_READ);
	ck_assert_ptr_eq(pagecache_page(k, pa), pagecache_lookup(k, m, 0));
	ck_assert(!(*pte(A) & PTE_W));
	ck_assert_uint_eq(k->cache_mapped, 1);
	ck_assert_uint_eq(k->cache_dirty, 0);
	/* The first write dirties the page, the walk sets D. */
	ck_assert_uint_eq(touch(A, MMU_WRITE), pa);
	ck_assert_uint_eq(*pte(A) & (PTE_W | PTE_D), PTE_W | PTE_D);
	ck_assert_uint_eq(k->cache_dirty, 1);
	memcpy(phys_ptr(k, pa + 5), "shared", 6);
	ck_assert_uint_ne(host_byte(5), 's');
	/* msync: the D bit goes, so does W; the bytes reach the file. */
	ck_assert_int_eq(sys6(sys_msync, A, 2 * P, MS_SYNC, 0, 0, 0), 0);
	ck_assert_uint_eq(host_byte(5), 's');
	ck_assert_uint_eq(*pte(A) & (PTE_W | PTE_D), 0);
	ck_assert_uint_eq(k->cache_dirty, 0);
	ck_assert_uint_eq(kernel_stats(k)->cache_writebacks, 1);
	/* Written again, found again: by munmap this time. */
	touch(A, MMU_WRITE);
	memcpy(phys_ptr(k, pa + 5), "SHARED", 6);
	ck_assert_int_eq(sys6(sys_munmap, A, 2 * P, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(host_byte(5), 'S');
	ck_assert_uint_eq(k->cache_mapped, 0);
	/* And by exit. */
	map_file(fd, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	pa = touch(A + P, MMU_WRITE);
	memcpy(phys_ptr(k, pa), "exit", 4);
	process_exit(k, p, 0);
	ck_assert_uint_eq(host_byte(P), 'e');
	ck_assert_uint_eq(k->cache_dirty, 0);
	ck_assert_uint_eq(kernel_shutdown(k), 0);
}
END_TEST

START_TEST(test_sigbus_past_eof)
{
	unlink(path);
	make_file(P + 100);
	int fd = install(open_file(O_RDONLY));
	map_file(fd, 3 * P, PROT_READ, MAP_PRIVATE, 0);
	uint64_t pa = touch(A + P, MMU_READ); /* the last page: its tail is zero */
	ck_assert_uint_eq(*(uint8_t *)phys_ptr(k, pa + 99), content(P + 99));
	ck_assert(all_zero(pa + 100, P - 100));
	uint64_t va = A + 2 * P + 24, out_pa;
	unsigned prot;
	ck_assert(!kernel_tlb_fill(k, va, MMU_READ, &out_pa, &prot));
	ck_assert_int_eq(p->pending_fatal, SIGBUS);
	ck_assert_int_eq(p->fault.si_code, BUS_ADRERR);
	ck_assert_uint_eq(p->fault.addr, va);
	/* A kernel access there (read(2) into it) is EFAULT, no signal. */
	p->pending_fatal = 0;
	char b;
	ck_assert_int_eq(copy_from_user(k, &b, va, 1), -EFAULT);
	ck_assert_int_eq(p->pending_fatal, 0);
}
END_TEST

START_TEST(test_private_write_leaves_cache_intact)
{
	int fd = install(open_file(O_RDONLY));
	map_file(fd, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, P);
	struct mapping *m = vma_find(mm, A)->mapping;
	uint64_t pa = touch(A, MMU_READ);
	struct cache_page *cp = pagecache_lookup(k, m, 1);
	ck_assert_uint_eq(pa, cp->pa); /* shared with the cache, read-only */
	ck_assert(!(*pte(A) & PTE_W));
	ck_assert_uint_eq(frame_refcount(k, pa), 2);
	uint64_t copy = touch(A, MMU_WRITE);
	ck_assert_uint_ne(copy, pa);
	*(uint8_t *)phys_ptr(k, copy) = 0xee;
	ck_assert_uint_eq(*(uint8_t *)phys_ptr(k, cp->pa), content(P));
	ck_assert_uint_eq(frame_refcount(k, cp->pa), 1);
	ck_assert_uint_eq(k->cache_mapped, 0);
	ck_assert_uint_eq(k->cache_dirty, 0);
	/* A write fault on a missing page copies at once. */
	uint64_t second = touch(A + P, MMU_WRITE);
	ck_assert_ptr_null(pagecache_page(k, second));
	ck_assert_uint_eq(*(uint8_t *)phys_ptr(k, second), content(2 * P));
	ck_assert_int_eq(sys6(sys_munmap, A, 2 * P, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(host_byte(P), content(P));
}
END_TEST

START_TEST(test_reclaim_drops_cache_first)
{
	struct file *f = open_file(O_RDONLY);
	struct mapping *m = filemap_of(k, f);
	for (uint64_t i = 0; i < NPAGES; i++)
		page(m, i);
	map(A, 4 * P, VM_READ | VM_WRITE);
	for (uint64_t i = 0; i < 4; i++)
		touch(A + i * P, MMU_WRITE);
	uint64_t before = in_use();
	ck_assert_uint_eq(reclaim(k, 3), 3);
	ck_assert_uint_eq(in_use(), before - 3);
	ck_assert_uint_eq(kernel_stats(k)->cache_reclaimed, 3);
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, 0);
	ck_assert_uint_eq(k->cache_pages, NPAGES - 3);
	file_put(f);
}
END_TEST

START_TEST(test_fork_shares_file_pages)
{
	int fd = install(open_file(O_RDWR));
	map_file(fd, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	uint64_t pa = touch(A, MMU_WRITE);
	struct mm *child = mm_fork(k, mm);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(pagecache_page(k, pa)->mapcount, 2);
	ck_assert_uint_eq(k->cache_mapped, 1);
	mm_destroy(k, child);
	ck_assert_uint_eq(pagecache_page(k, pa)->mapcount, 1);
}
END_TEST

START_TEST(test_mremap_moves_ptes)
{
	map(A, 2 * P, VM_READ | VM_WRITE);
	map(A + 2 * P, P, VM_READ); /* blocks growth in place */
	uint64_t pa = touch(A + P, MMU_WRITE);
	uint64_t before = in_use();
	int64_t to = sys6(sys_mremap, A, 2 * P, 8 * P, MREMAP_MAYMOVE, 0, 0);
	ck_assert_int_gt(to, 0);
	ck_assert_uint_ne((uint64_t)to, A);
	ck_assert_uint_eq(*pte((uint64_t)to + P) & PTE_ADDR_MASK, pa); /* moved, not copied */
	ck_assert_ptr_null(vma_find(mm, A));
	ck_assert_uint_eq(vma_find(mm, (uint64_t)to)->end, (uint64_t)to + 8 * P);
	ck_assert_uint_le(in_use(), before + 3); /* new page tables at most */
}
END_TEST

/* pread and pwrite whose buffer is a shared map of the same page, 16
 * bytes off: the cache frame is both source and destination of one
 * copy, which goes forward as Linux's copy_to_user/copy_from_user (and
 * never hands memcpy overlapping ranges: the sanitizer build checks). */
START_TEST(test_copy_through_own_map)
{
	int fd = install(open_file(O_RDWR));
	map_file(fd, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	/* pwrite of A.. to bytes 16..79: bytes 32.. read what 16.. got. */
	ck_assert_int_eq(sys6(sys_pwrite64, (uint64_t)fd, A, 64, 16, 0, 0), 64);
	for (uint64_t i = 16; i < 80; i++)
		ck_assert_uint_eq(host_byte(i), content(i % 16));
	ck_assert_uint_eq(host_byte(80), content(80));
	/* pread of bytes 200..299 into A + 216: the first 16 repeat. */
	ck_assert_int_eq(sys6(sys_pread64, (uint64_t)fd, A + 216, 100, 200, 0, 0), 100);
	const uint8_t *b = phys_ptr(k, touch(A, MMU_READ));
	for (uint64_t i = 216; i < 316; i++)
		ck_assert_uint_eq(b[i], content(200 + (i - 216) % 16));
	ck_assert_uint_eq(b[316], content(316));
}
END_TEST

/* Fault-around (Linux's do_fault_around, 64 KiB): a read fault maps the
 * cached pages of its 16-page window read-only, none read from the file;
 * the window starts at the fault rounded down to 16 pages, or at the VMA's
 * start, and ends at the VMA's end and at the end of the file. A write
 * fault maps only its own page. */
static bool mapped(uint64_t va)
{
	uint64_t *e = pgtable_pte(k, mm, va, false);
	return e && (*e & PTE_P);
}

START_TEST(test_fault_around)
{
	unlink(path);
	make_file(40 * P);
	int fd = install(open_file(O_RDONLY));
	map_file(fd, 48 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	vma_find(mm, A)->mapping->ra_pages = 32; /* Linux's default window */
	uint64_t faults = p->min_flt + p->maj_flt;
	/* Nothing cached: the fault reads around its page (0-31), maps only it. */
	touch(A + 5 * P, MMU_READ);
	ck_assert_uint_eq(kernel_stats(k)->cache_reads, 32);
	for (uint64_t i = 0; i < 48; i++)
		ck_assert_msg(mapped(A + i * P) == (i == 5), "page %llu", (unsigned long long)i);
	/* Now cached: the next fault maps the window 0-15, no page read. */
	touch(A + 6 * P, MMU_READ);
	ck_assert_uint_eq(kernel_stats(k)->cache_reads, 32);
	for (uint64_t i = 0; i < 48; i++) {
		ck_assert_msg(mapped(A + i * P) == (i < 16), "page %llu", (unsigned long long)i);
		ck_assert(!(i < 16 && (*pte(A + i * P) & PTE_W)));
	}
	ck_assert_uint_eq(p->min_flt + p->maj_flt - faults, 2);
	/* The window 32-47 ends at the end of the file (40 pages). */
	touch(A + 33 * P, MMU_READ); /* reads 17-39 around it */
	touch(A + 34 * P, MMU_READ);
	for (uint64_t i = 32; i < 48; i++)
		ck_assert_msg(mapped(A + i * P) == (i < 40), "page %llu", (unsigned long long)i);
	/* A write maps its own copy, nothing around it. */
	touch(A + 20 * P, MMU_WRITE);
	ck_assert(!mapped(A + 19 * P) && !mapped(A + 21 * P));
	ck_assert_int_eq(sys6(sys_munmap, A, 48 * P, 0, 0, 0, 0), 0);

	/* A VMA that starts 3 pages into a 16-page block: the window is its
	 * first 16 pages (file pages 0-15, all cached). */
	ck_assert_int_eq(sys6(sys_mmap, A + 3 * P, 40 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			      (uint64_t)fd, 0), (int64_t)(A + 3 * P));
	touch(A + 5 * P, MMU_READ);
	for (uint64_t i = 3; i < 43; i++)
		ck_assert_msg(mapped(A + i * P) == (i < 19), "page %llu", (unsigned long long)i);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_pagecache");
	TCase *tc = unit_tcase(s, "pagecache", setup, teardown);
	tcase_add_test(tc, test_fill_and_lookup);
	tcase_add_test(tc, test_size_follows_writes_and_truncate);
	tcase_add_test(tc, test_lru_eviction_order);
	tcase_add_test(tc, test_shared_map_writeback);
	tcase_add_test(tc, test_sigbus_past_eof);
	tcase_add_test(tc, test_private_write_leaves_cache_intact);
	tcase_add_test(tc, test_reclaim_drops_cache_first);
	tcase_add_test(tc, test_fork_shares_file_pages);
	tcase_add_test(tc, test_mremap_moves_ptes);
	tcase_add_test(tc, test_copy_through_own_map);
	tcase_add_test(tc, test_fault_around);
	return unit_run(s);
}
