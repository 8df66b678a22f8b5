/* mem_mlock: mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2).
 * What /proc shows of a locked region is printed and compared with the
 * native run: VmLck in /proc/self/status, the region's VMAs (split by a
 * munlock in the middle, merged again by the next), and per VMA smaps'
 * Rss, Locked and whether VmFlags has "lo". mlock faults the pages in,
 * MLOCK_ONFAULT and MCL_ONFAULT only those touched; MCL_FUTURE locks
 * (and faults in) later maps until munlockall; a forked child locks
 * nothing. EINVAL, ENOMEM (a hole) as Linux. With an argument MIB, that
 * much memory is written after 4 MiB were locked (memory pressure when
 * run in a small --mem): the locked pages must not go to swap (smaps'
 * Swap stays 0), and /proc/meminfo counts them as Mlocked and
 * Unevictable. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"
#include "maps_summary.h"

#define REGION 8 /* pages */

/* A field of a /proc file of "Name: N kB" lines. */
static long status_kb(const char *name)
{
	return proc_kb("/proc/self/status", name);
}

/* The smaps entry of the VMA that starts at va: Rss, Locked, Swap (kB)
 * and its VmFlags, printed as "@PAGE rss R locked L lo|-". */
static void show_smaps(const char *base, const char *va, long *swap_kb)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	CHECK(f != NULL, "open /proc/self/smaps: %s", strerror(errno));
	char line[512];
	bool in = false, found = false;
	long rss = -1, locked = -1, swap = -1;
	char flags[512] = "";
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = start == (uintptr_t)va;
			found |= in;
			continue;
		}
		if (!in)
			continue;
		sscanf(line, "Rss: %ld", &rss);
		sscanf(line, "Locked: %ld", &locked);
		sscanf(line, "Swap: %ld", &swap);
		if (!strncmp(line, "VmFlags:", 8))
			snprintf(flags, sizeof(flags), "%s", line + 8);
	}
	fclose(f);
	CHECK(found && rss >= 0 && locked >= 0 && flags[0], "no smaps entry at %p", (void *)va);
	bool lo = strstr(flags, " lo") != NULL;
	printf(" @%ld rss %ld locked %ld %s", (long)((va - base) / (long)PAGE), rss, locked,
	       lo ? "lo" : "-");
	if (swap_kb)
		*swap_kb = swap;
}

/* VmLck, the VMAs of the region and each one's smaps. */
static void show(const char *what, const char *region, int pages)
{
	/* After mlockall the whole process is locked: its size is its own. */
	long vmlck = status_kb("VmLck");
	if (vmlck > 64)
		printf("%s: VmLck above 64 kB;", what);
	else
		printf("%s: VmLck %ld kB;", what, vmlck);
	maps_summary(" maps", region, pages);
	printf("  smaps:");
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL, "open /proc/self/maps");
	char line[512];
	unsigned long starts[REGION];
	int n = 0;
	while (fgets(line, sizeof(line), f) && n < REGION) {
		unsigned long start, end;
		sscanf(line, "%lx-%lx", &start, &end);
		if (start >= (uintptr_t)region && start < (uintptr_t)region + pages * PAGE)
			starts[n++] = start;
	}
	fclose(f);
	for (int i = 0; i < n; i++)
		show_smaps(region, (const char *)starts[i], NULL);
	printf("\n");
}

/* A region with a guard page on each side, so that its VMAs are its own. */
static char *region_map(void)
{
	char *g = mmap(NULL, (REGION + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(g != MAP_FAILED, "mmap: %s", strerror(errno));
	char *r = mmap(g + PAGE, REGION * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(r == g + PAGE, "mmap fixed: %s", strerror(errno));
	return r;
}

static void region_unmap(char *r)
{
	CHECK(munmap(r - PAGE, (REGION + 2) * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void check_mlock(void)
{
	char *r = region_map();
	show("mapped", r, REGION);
	CHECK(mlock(r + 2 * PAGE + 10, 4 * PAGE - 20) == 0, "mlock: %s", strerror(errno));
	show("mlock of pages 2-5", r, REGION);
	CHECK(munlock(r + 3 * PAGE, PAGE) == 0, "munlock: %s", strerror(errno));
	show("munlock of page 3", r, REGION);
	CHECK(mlock(r, REGION * PAGE) == 0, "mlock: %s", strerror(errno));
	show("mlock of all", r, REGION);
	CHECK(munlock(r, REGION * PAGE) == 0, "munlock: %s", strerror(errno));
	show("munlock of all", r, REGION);
	CHECK(munlock(r, 0) == 0, "munlock of 0 bytes: %s", strerror(errno));
	/* The guard is locked, but its pages cannot be had: ENOMEM. */
	CHECK_ERRNO(mlock(r - PAGE, 3 * PAGE), ENOMEM, "mlock over a PROT_NONE page");
	show("mlock over the guard and pages 0-1", r - PAGE, 3);
	munlock(r - PAGE, 3 * PAGE);
	CHECK_ERRNO(mlock(r + REGION * PAGE, 3 * PAGE), ENOMEM, "mlock over a hole");
	region_unmap(r);
}

static void check_onfault(void)
{
	char *r = region_map();
	r[PAGE] = 1;
	CHECK(mlock2(r, REGION * PAGE, MLOCK_ONFAULT) == 0, "mlock2: %s", strerror(errno));
	show("mlock2 ONFAULT, page 1 touched", r, REGION);
	r[5 * PAGE] = 1;
	show("page 5 touched", r, REGION);
	CHECK(munlock(r, REGION * PAGE) == 0, "munlock: %s", strerror(errno));
	show("munlock", r, REGION);
	CHECK_ERRNO(mlock2(r, PAGE, 2), EINVAL, "mlock2 with an unknown flag");
	region_unmap(r);
}

static void check_mlockall(void)
{
	CHECK_ERRNO(mlockall(0), EINVAL, "mlockall(0)");
	CHECK_ERRNO(mlockall(MCL_ONFAULT), EINVAL, "mlockall(MCL_ONFAULT)");
	CHECK_ERRNO(mlockall(MCL_CURRENT | 0x100), EINVAL, "mlockall with an unknown flag");
	char *r = region_map();
	CHECK(mlockall(MCL_CURRENT | MCL_ONFAULT) == 0, "mlockall: %s", strerror(errno));
	r[0] = 1;
	show("mlockall CURRENT|ONFAULT, page 0 touched", r, REGION);
	CHECK(munlockall() == 0, "munlockall: %s", strerror(errno));
	show("munlockall", r, REGION);
	region_unmap(r);

	CHECK(mlockall(MCL_FUTURE) == 0, "mlockall(MCL_FUTURE): %s", strerror(errno));
	r = region_map();
	show("mapped after MCL_FUTURE", r, REGION);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *c = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(c != MAP_FAILED, "mmap in the child");
		_exit(status_kb("VmLck") == 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "waitpid");
	printf("forked child's VmLck: %s\n", WEXITSTATUS(st) == 0 ? "0 kB" : "not 0");
	CHECK(munlockall() == 0, "munlockall: %s", strerror(errno));
	region_unmap(r);
	r = region_map();
	show("mapped after munlockall", r, REGION);
	region_unmap(r);
}

/* 4 MiB locked, then mib MiB written: the locked pages stay. */
static void check_pressure(long mib)
{
	const size_t locked = 4UL << 20, big = (size_t)mib << 20;
	char *l = mmap(NULL, locked, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(l != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(l, 0x5a, locked);
	CHECK(mlock(l, locked) == 0, "mlock: %s", strerror(errno));
	char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < big; i += PAGE)
		b[i] = (char)i;
	long swap;
	printf("locked region after %ld MiB:", mib);
	show_smaps(l, l, &swap);
	printf(" swap %ld\n", swap);
	/* System-wide: the host may lock more than this process. */
	long mlocked = proc_kb("/proc/meminfo", "Mlocked");
	long unevictable = proc_kb("/proc/meminfo", "Unevictable");
	printf("meminfo Mlocked and Unevictable at least 4 MiB: %s\n",
	       mlocked >= 4096 && unevictable >= 4096 ? "yes" : "no");
	for (size_t i = 0; i < locked; i++)
		CHECK(l[i] == 0x5a, "byte %zu of the locked region changed", i);
	munmap(b, big);
	munlock(l, locked);
	munmap(l, locked);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		check_pressure(strtol(argv[1], NULL, 10));
		return 0;
	}
	check_mlock();
	check_onfault();
	check_mlockall();
	return 0;
}
