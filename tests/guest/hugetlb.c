/* hugetlb: MAP_HUGETLB and the hugetlb pool's accounting (HugePages_Total,
 * Free, Rsvd of /proc/meminfo), as Linux's
 * Documentation/admin-guide/mm/hugetlbpage.rst describes them.
 *
 * usage: hugetlb          (natively and under vmemu; reads, changes nothing)
 *        hugetlb pool     (vmemu only: sets vm.nr_hugepages)
 *        hugetlb proc     (vmemu only: sets vm.nr_hugepages)
 *
 * Without arguments the pool must be empty (vmemu's default, and a host
 * with vm.nr_hugepages 0): MAP_HUGETLB is ENOMEM, MAP_NORESERVE maps but
 * its first touch is SIGBUS, and the counts stay 0.
 *
 * "pool" resizes the pool through /proc/sys/vm/nr_hugepages and prints the
 * counts after each step of a sequence of maps, touches and unmaps. It is
 * never run natively (that would change the host's pool, which needs root
 * and could outlive a killed test): the harness compares its output with
 * the values Linux's documentation gives for the sequence.
 *
 * "proc" maps two pages of a pool of 4 and prints what /proc shows of
 * them (Linux's smaps_hugetlb_range and pagemap_hugetlb_range): smaps'
 * page sizes and Private_ or Shared_Hugetlb (by whether another process
 * maps the page, after fork and after the child's copy-on-write), Rss 0;
 * pagemap's present, exclusive frames, consecutive in a page; a write and
 * a read through /proc/self/mem, one into a read-only map (FOLL_FORCE);
 * mincore. */
#include "guest_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define HUGE (2UL << 20)

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

static void counts(const char *when)
{
	printf("%-28s Total %ld Free %ld Rsvd %ld Surp %ld\n", when, proc_kb("/proc/meminfo", "HugePages_Total"),
	       proc_kb("/proc/meminfo", "HugePages_Free"), proc_kb("/proc/meminfo", "HugePages_Rsvd"), proc_kb("/proc/meminfo", "HugePages_Surp"));
}

static void *map(size_t len, int extra)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | extra, -1, 0);
}

/* Writes to p: "ok", or "SIGBUS" when the page cannot be had. */
static const char *touch(char *p)
{
	if (sigsetjmp(bus_env, 1))
		return "SIGBUS";
	*(volatile char *)p = 1;
	return "ok";
}

/* The outcome of a map: "mapped", or the errno's name (libcs word
 * strerror differently). */
static const char *outcome(void *p)
{
	if (p != MAP_FAILED)
		return "mapped";
	return errno == ENOMEM ? "ENOMEM" : errno == EINVAL ? "EINVAL" : strerror(errno);
}

static void set_pool(const char *n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
	CHECK(f, "open nr_hugepages: %s", strerror(errno));
	CHECK(fputs(n, f) >= 0 && fclose(f) == 0, "write nr_hugepages: %s", strerror(errno));
}

static void empty_pool(void)
{
	CHECK(proc_kb("/proc/meminfo", "HugePages_Total") == 0, "the hugetlb pool is not empty (%ld pages): this "
	      "test needs vm.nr_hugepages 0", proc_kb("/proc/meminfo", "HugePages_Total"));
	counts("empty pool");
	void *p = map(HUGE, 0);
	printf("MAP_HUGETLB: %s\n", outcome(p));
	char *q = map(HUGE, MAP_NORESERVE);
	CHECK(q != MAP_FAILED, "MAP_HUGETLB|MAP_NORESERVE: %s", strerror(errno));
	printf("MAP_NORESERVE: mapped, first touch %s\n", touch(q));
	counts("after");
}

static void pool(void)
{
	set_pool("4\n");
	counts("nr_hugepages 4");
	char *a = map(3 * HUGE, 0);
	CHECK(a != MAP_FAILED, "map 3 pages: %s", strerror(errno));
	counts("3 pages mapped");
	printf("touch 1: %s\n", touch(a));
	printf("touch 2: %s\n", touch(a + HUGE));
	counts("2 of them touched");
	char *b = map(2 * HUGE, MAP_NORESERVE);
	CHECK(b != MAP_FAILED, "map 2 pages MAP_NORESERVE: %s", strerror(errno));
	printf("noreserve touch 1: %s\n", touch(b));
	printf("noreserve touch 2: %s\n", touch(b + HUGE));
	counts("noreserve touched");
	void *c = map(2 * HUGE, 0);
	printf("map 2 more: %s\n", outcome(c));
	CHECK(munmap(a, 3 * HUGE) == 0, "munmap: %s", strerror(errno));
	counts("3 pages unmapped");
	CHECK(munmap(b, 2 * HUGE) == 0, "munmap: %s", strerror(errno));
	set_pool("1");
	counts("nr_hugepages 1");
}

static void show_smaps(const char *when, const void *p)
{
	printf("%-10s KernelPageSize %ld MMUPageSize %ld Rss %ld Private_Hugetlb %ld "
	       "Shared_Hugetlb %ld\n", when, smaps_kb(p, "KernelPageSize"),
	       smaps_kb(p, "MMUPageSize"), smaps_kb(p, "Rss"), smaps_kb(p, "Private_Hugetlb"),
	       smaps_kb(p, "Shared_Hugetlb"));
}

/* pagemap of the 2 MiB at p: "present exclusive", "present shared" (every
 * 4 KiB part alike, frames consecutive), or "not present". */
static const char *pagemap_state(const char *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0, "open pagemap: %s", strerror(errno));
	uint64_t e[HUGE / 4096];
	CHECK(pread(fd, e, sizeof(e), (off_t)((uintptr_t)p / 4096 * 8)) == (ssize_t)sizeof(e),
	      "pread pagemap: %s", strerror(errno));
	close(fd);
	uint64_t pfn0 = e[0] & ((1ULL << 55) - 1);
	for (size_t i = 1; i < HUGE / 4096; i++) {
		CHECK(e[i] >> 56 == e[0] >> 56, "part %zu of %p differs from part 0", i, p);
		CHECK(!pfn0 || (e[i] & ((1ULL << 55) - 1)) == pfn0 + i, "part %zu of %p: frame not "
		      "consecutive", i, p);
	}
	if (!(e[0] >> 63))
		return "not present";
	return e[0] >> 56 & 1 ? "present exclusive" : "present shared";
}

static void mem_rw(int fd, char *at, const char *what)
{
	char got[8] = "";
	CHECK(pwrite(fd, "hugetlb", 8, (off_t)(uintptr_t)at) == 8, "%s: pwrite mem: %s", what,
	      strerror(errno));
	CHECK(pread(fd, got, 8, (off_t)(uintptr_t)at) == 8 && !strcmp(got, "hugetlb") &&
	      !strcmp(at, "hugetlb"), "%s: the write did not reach the page", what);
	printf("mem %s: written and read back\n", what);
}

static void proc(void)
{
	set_pool("4\n");
	char *p = map(2 * HUGE, 0);
	CHECK(p != MAP_FAILED, "map 2 pages: %s", strerror(errno));
	show_smaps("mapped", p);
	printf("pagemap: %s\n", pagemap_state(p));
	p[0] = 1;
	p[HUGE + 5000] = 2;
	show_smaps("touched", p);
	printf("pagemap: %s, %s\n", pagemap_state(p), pagemap_state(p + HUGE));
	int fd = open("/proc/self/mem", O_RDWR);
	CHECK(fd >= 0, "open /proc/self/mem: %s", strerror(errno));
	mem_rw(fd, p + HUGE + 12345, "rw");
	unsigned char vec[2 * HUGE / 4096];
	CHECK(mincore(p, 2 * HUGE, vec) == 0, "mincore: %s", strerror(errno));
	size_t resident = 0;
	for (size_t i = 0; i < sizeof(vec); i++)
		resident += vec[i] & 1;
	printf("mincore: %zu of %zu resident\n", resident, sizeof(vec));
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		show_smaps("child", p);
		printf("pagemap: %s\n", pagemap_state(p));
		p[1] = 3; /* copy-on-write of the first page */
		show_smaps("child cow", p);
		printf("pagemap: %s, %s\n", pagemap_state(p), pagemap_state(p + HUGE));
		fflush(stdout);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child failed (status %#x)", status);
	CHECK(p[1] == 0, "the child's write reached the parent");
	CHECK(mprotect(p, 2 * HUGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	mem_rw(fd, p + 100, "read-only");
	close(fd);
	CHECK(munmap(p, 2 * HUGE) == 0, "munmap: %s", strerror(errno));
	counts("unmapped");
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_sigbus};
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	if (argc > 1 && !strcmp(argv[1], "pool"))
		pool();
	else if (argc > 1 && !strcmp(argv[1], "proc"))
		proc();
	else
		empty_pool();
	return 0;
}
