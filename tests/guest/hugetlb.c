/* hugetlb: MAP_HUGETLB and the hugetlb pool's accounting (HugePages_Total,
 * Free, Rsvd of /proc/meminfo), as Linux's
 * Documentation/admin-guide/mm/hugetlbpage.rst describes them.
 *
 * usage: hugetlb          (natively and under vmemu; reads, changes nothing)
 *        hugetlb pool     (vmemu only: sets vm.nr_hugepages)
 *
 * Without arguments the pool must be empty (vmemu's default, and a host
 * with vm.nr_hugepages 0): MAP_HUGETLB is ENOMEM, MAP_NORESERVE maps but
 * its first touch is SIGBUS, and the counts stay 0.
 *
 * "pool" resizes the pool through /proc/sys/vm/nr_hugepages and prints the
 * counts after each step of a sequence of maps, touches and unmaps. It is
 * never run natively (that would change the host's pool, which needs root
 * and could outlive a killed test): the harness compares its output with
 * the values Linux's documentation gives for the sequence. */
#include "guest_test.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#define HUGE (2UL << 20)

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

static long meminfo(const char *name)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v = -1;
	size_t n = strlen(name);
	CHECK(f, "open /proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	CHECK(v >= 0, "no %s in /proc/meminfo", name);
	return v;
}

static void counts(const char *when)
{
	printf("%-28s Total %ld Free %ld Rsvd %ld Surp %ld\n", when, meminfo("HugePages_Total"),
	       meminfo("HugePages_Free"), meminfo("HugePages_Rsvd"), meminfo("HugePages_Surp"));
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
	CHECK(meminfo("HugePages_Total") == 0, "the hugetlb pool is not empty (%ld pages): this "
	      "test needs vm.nr_hugepages 0", meminfo("HugePages_Total"));
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

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_sigbus};
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	if (argc > 1 && !strcmp(argv[1], "pool"))
		pool();
	else
		empty_pool();
	return 0;
}
