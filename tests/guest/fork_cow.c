/* fork_cow: fork shares memory copy-on-write.
 * The parent fills anonymous memory, heap memory and a global; the child
 * checks it sees the same bytes, overwrites them, checks its own stores, and
 * exits 0 (or 1 with a reason); the parent waits, checks the child's status
 * and that its own memory is unchanged, then writes again (its first write
 * after the fork) and checks that. A MAP_SHARED anonymous page is shared:
 * the child's store is seen by the parent.
 *
 * Fault accounting, as Linux counts it (getrusage ru_minflt): the child's
 * first store to each of PAGES inherited pages is one copy-on-write fault,
 * so its ru_minflt grows by exactly PAGES; the parent's first store to
 * each page once the child is gone is one write-protect fault (the page is
 * reused, not copied), again exactly PAGES.
 *
 * The zero page stays shared: ZERO_LEN of untouched anonymous memory read
 * by the parent and then by the child reads as zeros everywhere and costs
 * no frames (under vmemu, guest.fork_cow.zero checks the frame peak of the
 * run with the argument "zero", which does only this part).
 *
 * With the argument "share": the parent fills SHARE_LEN, forks, and the
 * child reads all of it: fork copies no page, so under vmemu the frame
 * peak stays near SHARE_LEN rather than twice it (guest.fork_cow.share).
 *
 * With the argument "cycles": CYCLES times, a child stores to every page of
 * the parent's CYCLE_LEN (copying all of them) and exits; nothing a dead
 * child had may stay allocated, so under vmemu the frame peak stays near
 * twice CYCLE_LEN (guest.fork_cow.cycles). */
#include "guest_test.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 64
#define ZERO_LEN (64UL << 20)
#define SHARE_LEN (32UL << 20)
#define CYCLE_LEN (8UL << 20)
#define CYCLES 40

static int global = 1234;

static void check_fill(const unsigned char *p, size_t n, unsigned char v, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(v + i / PAGE))
			fail("%s: byte %zu is %#x, expected %#x", what, i, p[i],
			     (unsigned char)(v + i / PAGE));
}

static void fill(unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i += PAGE)
		memset(p + i, (unsigned char)(v + i / PAGE), PAGE);
}

/* Minor faults so far. The first call may itself fault on the struct's
 * stack page (after fork it is a copy-on-write page), so callers measure
 * between two later calls from the same frame. */
static long minflt(void)
{
	struct rusage ru;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage: %s", strerror(errno));
	return ru.ru_minflt;
}

/* One store per page; nothing else is written (the loop lives in registers). */
static long store_pages_counting_faults(unsigned char *p, size_t n, unsigned char v)
{
	(void)minflt();
	long before = minflt();
	for (size_t i = 0; i < n; i += PAGE)
		((volatile unsigned char *)p)[i] = v;
	return minflt() - before;
}

/* Every byte of p[0..n) is zero; the OR is one page at a time so a non-zero
 * byte is found in the page that holds it. */
static void check_zero(const unsigned char *p, size_t n, const char *who)
{
	for (size_t off = 0; off < n; off += PAGE) {
		const unsigned long *w = (const unsigned long *)(p + off);
		unsigned long acc = 0;
		for (size_t i = 0; i < PAGE / sizeof(*w); i++)
			acc |= w[i];
		CHECK(acc == 0, "%s: untouched anonymous page at offset %#zx is not all zeros", who,
		      off);
	}
}

/* The zero page: untouched memory reads as zeros in the parent and, after
 * fork, in the child, without taking frames (see guest.fork_cow.zero). A
 * store by the child gives it a zeroed page of its own; the parent still
 * reads zeros there. */
static void zero_page_shared(void)
{
	unsigned char *z = mmap(NULL, ZERO_LEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(z != MAP_FAILED, "mmap(%lu MiB): %s", ZERO_LEN >> 20, strerror(errno));
	check_zero(z, ZERO_LEN, "parent");
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		check_zero(z, ZERO_LEN, "child");
		z[ZERO_LEN / 2] = 0x77;
		CHECK(z[ZERO_LEN / 2] == 0x77, "child: store to a zero-page page did not stick");
		check_zero(z, ZERO_LEN / 2, "child, after its store");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "zero-page child failed: status %#x",
	      status);
	check_zero(z, ZERO_LEN, "parent, after the child stored to its copy");
	CHECK(munmap(z, ZERO_LEN) == 0, "munmap: %s", strerror(errno));
}

/* A child that only reads the parent's pages shares all of them. */
static void read_only_child_shares(void)
{
	unsigned char *p = mmap(NULL, SHARE_LEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(%lu MiB): %s", SHARE_LEN >> 20, strerror(errno));
	fill(p, SHARE_LEN, 0x33);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		check_fill(p, SHARE_LEN, 0x33, "child: reading the parent's pages");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reading child failed: status %#x",
	      status);
	check_fill(p, SHARE_LEN, 0x33, "parent: after the reading child");
	CHECK(munmap(p, SHARE_LEN) == 0, "munmap: %s", strerror(errno));
}

/* Children that copy everything and exit, one after another. */
static void copying_children(void)
{
	unsigned char *p = mmap(NULL, CYCLE_LEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(%lu MiB): %s", CYCLE_LEN >> 20, strerror(errno));
	fill(p, CYCLE_LEN, 0x44);
	for (int i = 0; i < CYCLES; i++) {
		fflush(stdout);
		pid_t pid = fork();
		CHECK(pid >= 0, "fork #%d: %s", i, strerror(errno));
		if (pid == 0) {
			fill(p, CYCLE_LEN, (unsigned char)(0x80 + i));
			check_fill(p, CYCLE_LEN, (unsigned char)(0x80 + i), "copying child");
			_exit(0);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "copying child #%d failed: status %#x", i, status);
	}
	check_fill(p, CYCLE_LEN, 0x44, "parent: after the copying children");
	CHECK(munmap(p, CYCLE_LEN) == 0, "munmap: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "cycles") == 0) {
		copying_children();
		puts("copying children left nothing behind");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "share") == 0) {
		read_only_child_shares();
		puts("pages shared with a reading child");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "zero") == 0) {
		zero_page_shared();
		puts("zero page shared");
		return 0;
	}
	size_t len = PAGES * PAGE;
	unsigned char *anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	CHECK(anon != MAP_FAILED, "mmap: %s", strerror(errno));
	volatile int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED, "mmap(MAP_SHARED): %s", strerror(errno));
	unsigned char *heap = malloc(3 * PAGE);
	CHECK(heap != NULL, "malloc");
	fill(anon, len, 0x10);
	memset(heap, 0x5a, 3 * PAGE);
	*shared = 1;

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		check_fill(anon, len, 0x10, "child: inherited anonymous memory");
		for (int i = 0; i < 3 * (int)PAGE; i++)
			CHECK(heap[i] == 0x5a, "child: inherited heap byte %d is %#x", i, heap[i]);
		CHECK(global == 1234, "child: global is %d", global);
		long faults = store_pages_counting_faults(anon, len, 0x80);
		CHECK(faults == PAGES,
		      "child: first stores to %d inherited pages took %ld minor faults "
		      "(getrusage ru_minflt), expected one copy-on-write fault per page",
		      PAGES, faults);
		for (size_t i = 0; i < PAGES; i++)
			CHECK(anon[i * PAGE + 1] == (unsigned char)(0x10 + i),
			      "child: page %zu of its copy lost the parent's data", i);
		fill(anon, len, 0x80);
		memset(heap, 0xa5, 3 * PAGE);
		global = 99;
		check_fill(anon, len, 0x80, "child: its own stores");
		CHECK(*shared == 1, "child: shared page reads %d", *shared);
		*shared = 2;
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: status %#x", status);
	check_fill(anon, len, 0x10, "parent: anonymous memory after the child wrote its copy");
	for (int i = 0; i < 3 * (int)PAGE; i++)
		CHECK(heap[i] == 0x5a, "parent: heap byte %d is %#x", i, heap[i]);
	CHECK(global == 1234, "parent: global is %d after the child changed its copy", global);
	CHECK(*shared == 2, "parent: MAP_SHARED page reads %d, the child stored 2", *shared);
	long faults = store_pages_counting_faults(anon, len, 0x40);
	CHECK(faults == PAGES,
	      "parent: first stores to %d pages after the child exited took %ld minor faults "
	      "(getrusage ru_minflt), expected one write-protect fault per page",
	      PAGES, faults);
	fill(anon, len, 0x40);
	check_fill(anon, len, 0x40, "parent: stores after the fork");

	/* A child that dies by a signal is reported as such. */
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		CHECK(mprotect(anon, PAGE, PROT_READ) == 0, "child: mprotect");
		anon[0] = 1;
		_exit(3);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "child storing to read-only memory: status %#x, expected killed by SIGSEGV",
	      status);
	anon[0] = 7; /* still writable in the parent */
	CHECK(anon[0] == 7, "parent: store after the child's mprotect");
	free(heap);

	zero_page_shared();
	puts("fork copy-on-write ok");
	return 0;
}
