/* test_guest_inject.c - fault injection (--inject): the SPEC parser, when
 * should_fail says yes (nth, times, a seeded probability), and what each
 * kind of failure does to the guest: a page allocation ENOMEM from a
 * system call and the OOM killer at a fault, swap-in SIGBUS, swap-out
 * keeping the page, a file read SIGBUS or EIO, mmap ENOMEM; and the
 * --strace line. Read-ahead around a file fault is best effort: its
 * reads are no file-read chances, a page it cannot read or get a frame
 * for is left out, and the fault goes on. Every test ends with mm_check (guest_fixture.h): no
 * failure leaves a reference or a slot behind.
 *
 * A real kernel (64 MiB, 1 MiB of swap) whose kernel_ops only count the
 * requests; the injections are set in k->cfg as --inject would set them. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_fixture.h"
#include "unit.h"

#define A 0x400000ULL
#define NPAGES 8

static char path[] = "/tmp/vmemu-inject-XXXXXX";

static void setup(void)
{
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .swap_size = 1 << 20};
	guest_setup(&cfg);
	map(A, NPAGES * PAGE_SIZE, VM_READ | VM_WRITE);
}

static void teardown(void)
{
	guest_teardown();
	if (path[sizeof(path) - 2] != 'X')
		unlink(path);
}

/* kind fails as SPEC says from now on (counted from here). */
static void inject(enum kernel_fail kind, const char *spec)
{
	struct kernel_inject in[FAIL_KINDS] = {0};
	char err[128];
	ck_assert_msg(!kernel_inject_parse(spec, in, err, sizeof(err)), "%s: %s", spec, err);
	k->cfg.inject[kind] = in[kind];
	k->stats.inject_calls[kind] = k->stats.inject_failures[kind] = 0;
}

static bool fill(uint64_t va, enum mmu_access access, uint64_t *pa)
{
	unsigned prot;
	uint64_t ignored;
	return kernel_tlb_fill(k, va, access, pa ? pa : &ignored, &prot);
}

static int64_t sys6(syscall_fn *fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5)
{
	const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
	return fn(k, &p->ctx, a);
}

START_TEST(test_parse)
{
	struct kernel_inject in[FAIL_KINDS] = {0};
	char err[128];
	ck_assert_int_eq(kernel_inject_parse("page-alloc:nth=5", in, err, sizeof(err)), 0);
	ck_assert_uint_eq(in[FAIL_PAGE_ALLOC].nth, 5);
	ck_assert_uint_eq(in[FAIL_PAGE_ALLOC].times, 1); /* fail-nth: that call only */
	ck_assert_int_eq(kernel_inject_parse("swap-read:p=12.5:seed=9:times=3", in, err, sizeof(err)), 0);
	ck_assert_uint_eq(in[FAIL_SWAP_READ].ppm, 125000);
	ck_assert_uint_eq(in[FAIL_SWAP_READ].seed, 9);
	ck_assert_uint_eq(in[FAIL_SWAP_READ].times, 3);
	ck_assert_int_eq(kernel_inject_parse("mmap:nth=2:times=4", in, err, sizeof(err)), 0);
	ck_assert_uint_eq(in[FAIL_MMAP].times, 4);
	ck_assert_int_eq(kernel_inject_parse("file-read:p=100", in, err, sizeof(err)), 0);
	ck_assert_uint_eq(in[FAIL_FILE_READ].ppm, 1000000);
	ck_assert_uint_eq(in[FAIL_FILE_READ].times, 0); /* no limit */

	static const struct {
		const char *spec, *why;
	} bad[] = {
		{"disk:nth=1", "unknown kind 'disk'"},
		{"swap-write", "needs nth=N or p=PERCENT"},
		{"swap-write:nth=1:p=5", "needs nth=N or p=PERCENT"},
		{"swap-write:nth=0", "bad value in 'nth=0'"},
		{"swap-write:nth=-1", "bad value"},
		{"swap-write:nth=", "bad value"},
		{"swap-write:p=0", "bad value"},
		{"swap-write:p=100.1", "bad value"},
		{"swap-write:p=1.23456", "bad value"},
		{"swap-write:p=5:times=0", "bad value"},
		{"swap-write:nth=3:seed=1", "seed= goes with p="},
		{"swap-write:nth=3:every=2", "unknown setting 'every'"},
		{"swap-write:nth=3:nth=4", "given twice"},
		{"page-alloc:nth=1", "page-alloc is given twice"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(kernel_inject_parse(bad[i].spec, in, err, sizeof(err)) == -1,
			      "'%s' accepted", bad[i].spec);
		ck_assert_msg(strstr(err, bad[i].why), "'%s': \"%s\"", bad[i].spec, err);
	}
	ck_assert_uint_eq(in[FAIL_PAGE_ALLOC].nth, 5); /* a refused spec changes nothing */
}
END_TEST

START_TEST(test_nth_and_times)
{
	inject(FAIL_PAGE_ALLOC, "page-alloc:nth=3:times=2");
	bool failed[6];
	for (int i = 0; i < 6; i++) {
		uint64_t pa = frame_alloc(k, 0);
		failed[i] = pa == FRAME_NONE;
		if (!failed[i])
			frame_put(k, pa, 0);
	}
	const bool want[6] = {false, false, true, true, false, false};
	for (int i = 0; i < 6; i++)
		ck_assert_msg(failed[i] == want[i], "call %d", i + 1);
	ck_assert_uint_eq(k->stats.inject_calls[FAIL_PAGE_ALLOC], 6);
	ck_assert_uint_eq(k->stats.inject_failures[FAIL_PAGE_ALLOC], 2);
}
END_TEST

/* The calls that fail among n, as a bit string. */
static void draws(const char *spec, uint8_t *bits, int n)
{
	inject(FAIL_MMAP, spec);
	memset(bits, 0, (size_t)(n + 7) / 8);
	for (int i = 0; i < n; i++)
		if (should_fail(k, FAIL_MMAP))
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

START_TEST(test_probability_seeded)
{
	enum { N = 100000 };
	static uint8_t a[N / 8], b[N / 8], c[N / 8];
	draws("mmap:p=10:seed=7", a, N);
	ck_assert_uint_ge(k->stats.inject_failures[FAIL_MMAP], 9500);
	ck_assert_uint_le(k->stats.inject_failures[FAIL_MMAP], 10500);
	draws("mmap:p=10:seed=7", b, N);
	ck_assert_msg(!memcmp(a, b, sizeof(a)), "the same seed drew differently");
	draws("mmap:p=10:seed=8", c, N);
	ck_assert_msg(memcmp(a, c, sizeof(a)), "another seed drew the same");
	draws("mmap:p=10:seed=7:times=25", a, N);
	ck_assert_uint_eq(k->stats.inject_failures[FAIL_MMAP], 25);
	draws("mmap:p=100", a, 64);
	ck_assert_uint_eq(k->stats.inject_failures[FAIL_MMAP], 64);
}
END_TEST

/* A system call that needs frames gets ENOMEM, and gives back what it took. */
START_TEST(test_page_alloc_enomem_from_fork)
{
	for (int i = 0; i < NPAGES; i++)
		ck_assert(fill(A + i * PAGE_SIZE, MMU_WRITE, NULL));
	uint64_t before = kernel_stats(k)->frames_in_use;
	for (uint64_t nth = 1; nth <= 4; nth++) { /* each of fork's first allocations */
		char spec[32];
		snprintf(spec, sizeof(spec), "page-alloc:nth=%llu", (unsigned long long)nth);
		inject(FAIL_PAGE_ALLOC, spec);
		ck_assert_int_eq(guest_syscall(57 /* fork */, 0, 0, 0, 0), -ENOMEM);
		ck_assert_uint_eq(k->stats.inject_failures[FAIL_PAGE_ALLOC], 1);
		ck_assert_uint_eq(kernel_stats(k)->frames_in_use, before);
		ck_assert_int_eq(k->nprocs, 1);
	}
}
END_TEST

/* At a fault, no frame is out of memory: the OOM killer ends the process
 * that frees most, and the fault is tried again. */
START_TEST(test_page_alloc_fault_oom_kills_the_largest)
{
	for (int i = 0; i < NPAGES; i++)
		ck_assert(fill(A + i * PAGE_SIZE, MMU_WRITE, NULL));
	struct process *parent = p;
	int64_t pid = guest_syscall(57 /* fork */, 0, 0, 0, 0);
	ck_assert_int_gt(pid, 1);
	struct process *child = process_find(k, (int)pid);
	kernel_start(k, child);
	/* The child drops its copy: the parent is the larger. */
	ck_assert_int_eq(mm_unmap(k, child->mm, A + PAGE_SIZE, (NPAGES - 1) * PAGE_SIZE), 0);
	inject(FAIL_PAGE_ALLOC, "page-alloc:nth=1");
	uint64_t pa;
	ck_assert(fill(A, MMU_WRITE, &pa)); /* a copy-on-write copy */
	ck_assert_uint_eq(k->stats.inject_failures[FAIL_PAGE_ALLOC], 1);
	ck_assert_uint_eq(kernel_stats(k)->oom_kills, 1);
	ck_assert(parent->exited);
	ck_assert_int_eq(parent->term_signal, SIGKILL);
	ck_assert(!child->exited);

	/* Alone and still failing: the OOM killer ends it, without a signal of
	 * the fault's own. */
	inject(FAIL_PAGE_ALLOC, "page-alloc:p=100");
	ck_assert_int_eq(mm_map(k, child->mm, A + PAGE_SIZE, PAGE_SIZE, VM_READ | VM_WRITE, true),
			 (int64_t)(A + PAGE_SIZE));
	ck_assert(!fill(A + PAGE_SIZE, MMU_WRITE, &pa));
	ck_assert(child->exited);
	ck_assert_int_eq(child->term_signal, SIGKILL);
	ck_assert_uint_eq(kernel_stats(k)->oom_kills, 2);
}
END_TEST

/* oom_score_adj weighs in: at 1000 the smaller process is the one
 * killed; at -1000 a process never is, however large. */
START_TEST(test_page_alloc_fault_oom_honours_oom_score_adj)
{
	for (int i = 0; i < NPAGES; i++)
		ck_assert(fill(A + i * PAGE_SIZE, MMU_WRITE, NULL));
	struct process *parent = p;
	int64_t pid = guest_syscall(57 /* fork */, 0, 0, 0, 0);
	ck_assert_int_gt(pid, 1);
	struct process *child = process_find(k, (int)pid);
	kernel_start(k, child);
	ck_assert_int_eq(mm_unmap(k, child->mm, A + PAGE_SIZE, (NPAGES - 1) * PAGE_SIZE), 0);
	child->signal->oom_score_adj = OOM_SCORE_ADJ_MAX;
	inject(FAIL_PAGE_ALLOC, "page-alloc:nth=1");
	uint64_t pa;
	ck_assert(!fill(A, MMU_WRITE, &pa)); /* the faulting child is the one chosen */
	ck_assert_uint_eq(kernel_stats(k)->oom_kills, 1);
	ck_assert(child->exited);
	ck_assert_int_eq(child->term_signal, SIGKILL);
	ck_assert(!parent->exited);

	/* The one process left is unkillable: nobody is killed. */
	parent->signal->oom_score_adj = OOM_SCORE_ADJ_MIN;
	ck_assert_ptr_null(oom_kill(k));
	ck_assert(!parent->exited);
	ck_assert_uint_eq(kernel_stats(k)->oom_kills, 1);
}
END_TEST

static uint64_t *pte_at(uint64_t va)
{
	uint64_t *pte = pgtable_pte(k, mm, va, false);
	ck_assert_ptr_nonnull(pte);
	return pte;
}

/* A swap-in read error is SIGBUS (BUS_ADRERR); the data stays in its slot. */
START_TEST(test_swap_read_sigbus)
{
	uint64_t pa;
	ck_assert(fill(A, MMU_WRITE, &pa));
	memset(kernel_phys_base(k) + pa, 0x5a, PAGE_SIZE);
	ck_assert_uint_eq(reclaim(k, 1), 1);
	ck_assert(pte_is_swap(*pte_at(A)));
	inject(FAIL_SWAP_READ, "swap-read:nth=1");
	ck_assert(!fill(A + 8, MMU_READ, &pa));
	ck_assert_int_eq(p->pending_fatal, SIGBUS);
	ck_assert_int_eq(p->fault.si_code, BUS_ADRERR);
	ck_assert_uint_eq(p->fault.addr, A + 8);
	ck_assert(pte_is_swap(*pte_at(A)));
	ck_assert_uint_eq(kernel_stats(k)->swap_ins, 0);
	p->pending_fatal = 0; /* as if a handler caught it: the access again */
	ck_assert(fill(A, MMU_READ, &pa));
	ck_assert_uint_eq(kernel_phys_base(k)[pa + 100], 0x5a);
	ck_assert_uint_eq(kernel_stats(k)->swap_ins, 1);
}
END_TEST

/* A swap-out write error leaves the page where it was. */
START_TEST(test_swap_write_keeps_the_page)
{
	uint64_t pa;
	ck_assert(fill(A, MMU_WRITE, &pa));
	inject(FAIL_SWAP_WRITE, "swap-write:p=100");
	ck_assert_uint_eq(reclaim(k, 1), 0);
	ck_assert_uint_ge(k->stats.inject_failures[FAIL_SWAP_WRITE], 1);
	ck_assert_uint_eq(*pte_at(A) & PTE_ADDR_MASK, pa);
	ck_assert_uint_eq(k->swap.used, 0);
	ck_assert_uint_eq(kernel_stats(k)->swap_outs, 0);
	k->cfg.inject[FAIL_SWAP_WRITE] = (struct kernel_inject){0};
	ck_assert_uint_eq(reclaim(k, 1), 1);
	ck_assert(pte_is_swap(*pte_at(A)));
}
END_TEST

#define F 0x10000000ULL /* where the file is mapped */

/* A host file of size bytes of 'f' (in /tmp: a disk file system, which
 * reads ahead, not tmpfs), open as a guest fd; that fd. */
static int open_file(size_t size)
{
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static char page[PAGE_SIZE];
	memset(page, 'f', sizeof(page));
	for (size_t done = 0; done < size; done += PAGE_SIZE) {
		size_t n = size - done < PAGE_SIZE ? size - done : PAGE_SIZE;
		ck_assert_int_eq(write(fd, page, n), (ssize_t)n);
	}
	int gfd = fd_install(k, 0, guest_host_file(fd), false);
	ck_assert_int_ge(gfd, 0);
	return gfd;
}

/* The file of guest fd mapped at F, read-only and private; its mapping. */
static struct mapping *map_file(int fd, uint64_t pages)
{
	ck_assert_int_eq(sys6(sys_mmap, F, pages * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			      (uint64_t)fd, 0), (int64_t)F);
	struct mapping *m = vma_find(mm, F)->mapping;
	ck_assert_msg(m->ra_pages, "the file system of %s reads no page ahead", path);
	m->ra_pages = 32; /* Linux's default window, whatever the host's device has */
	return m;
}

/* A page-cache read error: SIGBUS (BUS_ADRERR) at a fault, EIO from read().
 * The pages a fault reads around its own are no chances: the faulting
 * page's read is the one nth=1 fails, and they are read all the same. */
START_TEST(test_file_read)
{
	int fd = open_file(4 * PAGE_SIZE);
	uint64_t pa;
	inject(FAIL_FILE_READ, "file-read:nth=1");
	ck_assert(fill(A, MMU_WRITE, &pa)); /* the buffer */
	ck_assert_int_eq(sys6(sys_pread64, (uint64_t)fd, A, 16, 2 * PAGE_SIZE, 0, 0), -EIO);
	ck_assert_int_eq(sys6(sys_pread64, (uint64_t)fd, A, 16, 2 * PAGE_SIZE, 0, 0), 16);
	ck_assert_uint_eq(kernel_phys_base(k)[pa], 'f');

	struct mapping *m = map_file(fd, 4);
	inject(FAIL_FILE_READ, "file-read:nth=1");
	ck_assert(!fill(F + PAGE_SIZE, MMU_READ, &pa));
	ck_assert_int_eq(p->pending_fatal, SIGBUS);
	ck_assert_int_eq(p->fault.si_code, BUS_ADRERR);
	ck_assert_uint_eq(k->stats.inject_calls[FAIL_FILE_READ], 1);
	ck_assert_ptr_nonnull(pagecache_lookup(k, m, 0)); /* read ahead */
	ck_assert_ptr_null(pagecache_lookup(k, m, 1));
	ck_assert_ptr_nonnull(pagecache_lookup(k, m, 3));
	p->pending_fatal = 0;
	ck_assert(fill(F + PAGE_SIZE, MMU_READ, &pa));
	ck_assert_uint_eq(kernel_phys_base(k)[pa], 'f');
	ck_assert_uint_eq(k->stats.inject_calls[FAIL_FILE_READ], 2);
}
END_TEST

/* A page read ahead that the host file refuses is left out of the cache
 * and does not fail the fault (Linux ignores read-ahead errors); only the
 * faulting page's own read decides. The refusal: O_DIRECT set on the
 * mapping's host fd reads whole blocks only, so the last page, 100 bytes,
 * fails (EINVAL). */
START_TEST(test_file_readahead_error)
{
	int fd = open_file(4 * PAGE_SIZE + 100);
	struct mapping *m = map_file(fd, 5);
	int fl = fcntl(m->fd, F_GETFL);
	ck_assert_int_eq(fcntl(m->fd, F_SETFL, fl | O_DIRECT), 0);
	static _Alignas(PAGE_SIZE) char buf[PAGE_SIZE];
	ck_assert_msg(pread(m->fd, buf, 100, 4 * PAGE_SIZE) < 0,
		      "%s takes a partial O_DIRECT read", path);
	uint64_t pa = guest_touch(F + PAGE_SIZE, MMU_READ);
	ck_assert_uint_eq(kernel_phys_base(k)[pa], 'f');
	ck_assert_int_eq(p->pending_fatal, 0);
	ck_assert_ptr_null(pagecache_lookup(k, m, 4));
	/* The others came in as cache pages nothing maps, on the file LRU. */
	ck_assert_uint_eq(k->cache_pages, 4);
	ck_assert_uint_eq(k->cache_mapped, 1);
	for (uint64_t i = 0; i < 4; i++) {
		struct cache_page *cp = pagecache_lookup(k, m, i);
		ck_assert_msg(cp && lru_on_list(k, cp->pa) && !cp->dirty, "page %llu",
			      (unsigned long long)i);
		ck_assert_uint_eq(cp->mapcount, i == 1);
	}
	ck_assert(!fill(F + 4 * PAGE_SIZE, MMU_READ, &pa)); /* its own read fails */
	ck_assert_int_eq(p->pending_fatal, SIGBUS);
	ck_assert_int_eq(p->fault.si_code, BUS_ADRERR);
	p->pending_fatal = 0;
	ck_assert_int_eq(fcntl(m->fd, F_SETFL, fl), 0);
	pa = guest_touch(F + 4 * PAGE_SIZE, MMU_READ);
	ck_assert_uint_eq(kernel_phys_base(k)[pa + 99], 'f');
	ck_assert_uint_eq(kernel_phys_base(k)[pa + 100], 0);
}
END_TEST

/* Read-ahead takes no frame it cannot have at once: a failed allocation
 * ends it, without the OOM killer, and the fault goes on. Page 39's fault
 * reads around it pages 23 to 39 (32 to 38 still uncached): the first of
 * them fails, the faulting page's own allocation is the second chance. */
START_TEST(test_page_alloc_readahead)
{
	int fd = open_file(40 * PAGE_SIZE);
	struct mapping *m = map_file(fd, 40);
	guest_touch(F, MMU_READ); /* page tables, and pages 0 to 31 */
	ck_assert_ptr_nonnull(pagecache_lookup(k, m, 31));
	ck_assert_ptr_null(pagecache_lookup(k, m, 32));
	inject(FAIL_PAGE_ALLOC, "page-alloc:nth=1");
	uint64_t pa = guest_touch(F + 39 * PAGE_SIZE, MMU_READ);
	ck_assert_uint_eq(kernel_phys_base(k)[pa], 'f');
	ck_assert_uint_eq(k->stats.inject_calls[FAIL_PAGE_ALLOC], 2);
	ck_assert_uint_eq(k->stats.inject_failures[FAIL_PAGE_ALLOC], 1);
	ck_assert_uint_eq(kernel_stats(k)->oom_kills, 0);
	ck_assert(!p->exited);
	for (uint64_t i = 32; i < 39; i++)
		ck_assert_ptr_null(pagecache_lookup(k, m, i));
}
END_TEST

START_TEST(test_mmap_enomem)
{
	inject(FAIL_MMAP, "mmap:nth=2");
	const uint64_t anon = MAP_PRIVATE | MAP_ANONYMOUS;
	int64_t a1 = sys6(sys_mmap, 0, PAGE_SIZE, PROT_READ, anon, (uint64_t)-1, 0);
	ck_assert_int_gt(a1, 0);
	ck_assert_int_eq(sys6(sys_mmap, 0, PAGE_SIZE, PROT_READ, anon, (uint64_t)-1, 0), -ENOMEM);
	ck_assert_int_gt(sys6(sys_mmap, 0, PAGE_SIZE, PROT_READ, anon, (uint64_t)-1, 0), 0);
	/* Invalid arguments are refused before any chance to fail. */
	inject(FAIL_MMAP, "mmap:p=100");
	ck_assert_int_eq(sys6(sys_mmap, 0, 0, PROT_READ, anon, (uint64_t)-1, 0), -EINVAL);
	ck_assert_uint_eq(k->stats.inject_calls[FAIL_MMAP], 0);
}
END_TEST

START_TEST(test_strace_line)
{
	char *log = NULL;
	size_t len = 0;
	k->cfg.strace = open_memstream(&log, &len);
	ck_assert_ptr_nonnull(k->cfg.strace);
	inject(FAIL_MMAP, "mmap:nth=1");
	ck_assert_int_eq(guest_syscall(9, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS),
			 -ENOMEM);
	fclose(k->cfg.strace);
	k->cfg.strace = NULL;
	ck_assert_msg(strstr(log, "--- injected: mmap fails (call 1, failure 1) ---\n"), "%s", log);
	ck_assert_msg(strstr(log, "= -1 ENOMEM (Cannot allocate memory)"), "%s", log);
	free(log);
}
END_TEST

static Suite *inject_suite(void)
{
	Suite *s = suite_create("guest_inject");
	TCase *tc = unit_tcase(s, "when", setup, teardown);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_nth_and_times);
	tcase_add_test(tc, test_probability_seeded);
	tcase_add_test(tc, test_strace_line);

	tc = unit_tcase(s, "what", setup, teardown);
	tcase_add_test(tc, test_page_alloc_enomem_from_fork);
	tcase_add_test(tc, test_page_alloc_fault_oom_kills_the_largest);
	tcase_add_test(tc, test_page_alloc_fault_oom_honours_oom_score_adj);
	tcase_add_test(tc, test_swap_read_sigbus);
	tcase_add_test(tc, test_swap_write_keeps_the_page);
	tcase_add_test(tc, test_file_read);
	tcase_add_test(tc, test_file_readahead_error);
	tcase_add_test(tc, test_page_alloc_readahead);
	tcase_add_test(tc, test_mmap_enomem);
	return s;
}

int main(void)
{
	return unit_run(inject_suite());
}
