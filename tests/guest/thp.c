/* thp: transparent huge pages of anonymous memory (MADV_HUGEPAGE), as
 * Linux gives them with /sys/kernel/mm/transparent_hugepage/enabled at
 * "madvise" (vmemu's default --thp, and the usual host setting).
 *
 * usage: thp fault|split|cow|swap|pageout|collapse [strict] [MIB]
 *
 *   fault  MIB (64) MiB, 2 MiB aligned, MADV_HUGEPAGE, every page written:
 *          the first touch of each 2 MiB is one minor fault, the other
 *          511 pages none (so each 2 MiB is one huge page); the contents
 *          are checked and their CRC printed, and the THP mode of
 *          /sys/kernel/mm/transparent_hugepage/enabled.
 *   split  then 1 MiB in the middle of one huge page and one 4 KiB page
 *          of another are unmapped: what is left keeps its contents.
 *   cow    a child writes every page of one huge page shared after fork:
 *          one minor fault per 4 KiB page (Linux splits the PDE and copies
 *          4 KiB); the parent's own write afterwards is one fault (its
 *          huge page is its alone again) and the child's stores stay in
 *          the child.
 *   swap   MIB (96) MiB filled and checked twice: with vmemu's --mem
 *          smaller, the huge pages are split and go to swap; the CRCs are
 *          printed.
 *   pageout  then MADV_PAGEOUT of the whole region: every page keeps its
 *          contents (under vmemu with swap, every 4 KiB part went to swap:
 *          Linux splits a huge page it pages out).
 *   collapse  4 MiB without MADV_HUGEPAGE written in 4 KiB pages, then
 *          MADV_COLLAPSE (Linux 6.1): it succeeds and the contents stay;
 *          strict: thp_collapse_alloc grew by 2, AnonHugePages by 4 MiB.
 *
 * With "strict" after the mode (vmemu only: the host's counters are the
 * whole machine's), /proc/meminfo's AnonHugePages must show the whole fault
 * area while it is mapped, and /proc/vmstat's thp_fault_alloc one fault
 * per 2 MiB. */
#include "guest_test.h"
#include "page_pattern.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define HUGE (2UL << 20)
#define SEED 0x7468705f74657374ULL /* "thp_test" */

static long minflt(void)
{
	struct rusage ru;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage: %s", strerror(errno));
	return ru.ru_minflt;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

/* len bytes of private anonymous memory at a 2 MiB boundary, MADV_HUGEPAGE
 * unless plain. */
static unsigned char *map_aligned(size_t len, int plain)
{
	unsigned char *p = map_2m_aligned(len);
	if (!plain)
		CHECK(madvise(p, len, MADV_HUGEPAGE) == 0, "madvise(MADV_HUGEPAGE): %s",
		      strerror(errno));
	return p;
}

static void check_page(const unsigned char *p, size_t page, unsigned gen, const char *what)
{
	uint64_t got, want;
	long i = page_check(p, page, SEED, gen, &got, &want);
	if (i >= 0)
		fail("%s: page %zu word %ld is %#llx, expected %#llx", what, page, i,
		     (unsigned long long)got, (unsigned long long)want);
}

/* Writes every page; each 2 MiB must cost one fault (a huge page) unless
 * memory is short (swap). */
static void fill(unsigned char *p, size_t len, unsigned gen, int short_of_memory)
{
	for (size_t h = 0; h < len / HUGE; h++) {
		long before = minflt();
		for (size_t pg = h * (HUGE / PAGE); pg < (h + 1) * (HUGE / PAGE); pg++)
			page_fill(p, pg, SEED, gen);
		long faults = minflt() - before;
		CHECK(short_of_memory || faults == 1, "2 MiB block %zu took %ld minor faults, expected 1 (a huge page)",
		      h, faults);
	}
}

static uint32_t crc(const unsigned char *p, size_t len)
{
	return crc32_update(0, p, len);
}

/* AnonHugePages of /proc/meminfo, in kB. */
static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;
	CHECK(f, "open /proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	CHECK(kb >= 0, "no AnonHugePages line in /proc/meminfo");
	return kb;
}

static void do_split(unsigned char *p, size_t len)
{
	/* A 1 MiB hole in the middle of huge page 1, one page out of huge page 3. */
	CHECK(munmap(p + HUGE + HUGE / 4, HUGE / 2) == 0, "munmap 1 MiB: %s", strerror(errno));
	CHECK(munmap(p + 3 * HUGE + 5 * PAGE, PAGE) == 0, "munmap 4 KiB: %s", strerror(errno));
	for (size_t pg = 0; pg < len / PAGE; pg++) {
		size_t off = pg * PAGE;
		if ((off >= HUGE + HUGE / 4 && off < HUGE + 3 * HUGE / 4) || off == 3 * HUGE + 5 * PAGE)
			continue;
		check_page(p, pg, 1, "after munmap");
	}
	printf("split: contents kept\n");
}

static void do_cow(unsigned char *p)
{
	fflush(stdout); /* the child must not print the parent's buffer again */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long before = minflt();
		for (size_t pg = 0; pg < HUGE / PAGE; pg++)
			page_fill(p, pg, SEED, 2);
		long faults = minflt() - before;
		for (size_t pg = 0; pg < HUGE / PAGE; pg++)
			check_page(p, pg, 2, "child");
		printf("cow: child wrote 512 pages with %ld minor faults\n", faults);
		fflush(stdout);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (status %#x)", status);
	for (size_t pg = 0; pg < HUGE / PAGE; pg++)
		check_page(p, pg, 1, "parent after the child's writes");
	long before = minflt();
	for (size_t pg = 0; pg < HUGE / PAGE; pg++)
		page_fill(p, pg, SEED, 3);
	printf("cow: parent rewrote 512 pages with %ld minor faults\n", minflt() - before);
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void do_pageout(unsigned char *p, size_t len)
{
	CHECK(madvise(p, len, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s", strerror(errno));
	for (size_t pg = 0; pg < len / PAGE; pg++)
		check_page(p, pg, 1, "after MADV_PAGEOUT");
	printf("pageout: contents kept\n");
}

static void do_collapse(int strict)
{
	size_t len = 4UL << 20;
	unsigned char *p = map_aligned(len, 1);
	for (size_t pg = 0; pg < len / PAGE; pg += 2) /* every other page: the rest stays none */
		page_fill(p, pg, SEED, 4);
	long kb = anon_huge_kb(), made = proc_vmstat("thp_collapse_alloc");
	int r = madvise(p, len, MADV_COLLAPSE);
	printf("collapse: madvise %s\n", r ? strerror(errno) : "0");
	for (size_t pg = 0; pg < len / PAGE; pg++) {
		if (pg % 2 == 0) {
			check_page(p, pg, 4, "after MADV_COLLAPSE");
			continue;
		}
		for (size_t i = 0; i < PAGE; i++)
			CHECK(!p[pg * PAGE + i], "page %zu byte %zu is not zero after MADV_COLLAPSE", pg, i);
	}
	if (strict) {
		CHECK(proc_vmstat("thp_collapse_alloc") - made == 2, "thp_collapse_alloc grew by %ld",
		      proc_vmstat("thp_collapse_alloc") - made);
		CHECK(anon_huge_kb() - kb == 4096, "AnonHugePages grew by %ld kB", anon_huge_kb() - kb);
	}
	printf("collapse: contents kept\n");
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2, "usage: thp fault|split|cow|swap|pageout|collapse [strict] [MIB]");
	const char *mode = argv[1];
	int arg = 2;
	int strict = argc > arg && !strcmp(argv[arg], "strict");
	arg += strict;
	int swap = !strcmp(mode, "swap");
	size_t mib = argc > arg ? strtoul(argv[arg], NULL, 10) : swap ? 96 : 64;
	CHECK(mib >= 8 && mib % 2 == 0, "MIB must be even and at least 8");
	if (!strcmp(mode, "collapse")) {
		do_collapse(strict);
		return 0;
	}
	size_t len = mib << 20;
	unsigned char *p = map_aligned(len, 0);

	long before = anon_huge_kb(), faults_before = proc_vmstat("thp_fault_alloc");
	fill(p, len, 1, swap);
	printf("filled %zu MiB: crc %08x\n", mib, crc(p, len));
	if (strict) {
		long kb = anon_huge_kb() - before;
		CHECK(kb == (long)(len >> 10), "AnonHugePages grew by %ld kB, expected %zu", kb,
		      len >> 10);
		long faults = proc_vmstat("thp_fault_alloc") - faults_before;
		CHECK(faults == (long)(len / HUGE), "thp_fault_alloc grew by %ld, expected %zu",
		      faults, len / HUGE);
	}
	if (!strcmp(mode, "split"))
		do_split(p, len);
	else if (!strcmp(mode, "cow"))
		do_cow(p);
	else if (!strcmp(mode, "pageout"))
		do_pageout(p, len);
	else if (swap) {
		for (size_t pg = 0; pg < len / PAGE; pg++)
			check_page(p, pg, 1, "swap pass");
		printf("checked: crc %08x\n", crc(p, len));
	} else {
		CHECK(!strcmp(mode, "fault"), "unknown mode %s", mode);
		/* The mode the kernel shows (vmemu's default, as the host's). */
		char line[64] = "";
		FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
		CHECK(f && fgets(line, sizeof(line), f), "read transparent_hugepage/enabled");
		fclose(f);
		printf("transparent_hugepage/enabled: %s", line);
	}
	return 0;
}
