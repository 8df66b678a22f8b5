/* thp_khugepaged: khugepaged collapses a region faulted in 4 KiB pages
 * into huge pages once MADV_HUGEPAGE allows them, in the background, as
 * Linux's Documentation/admin-guide/mm/transhuge.rst describes it.
 *
 * usage: thp_khugepaged       (natively and under vmemu: reads the knobs)
 *        thp_khugepaged run   (vmemu only: sets scan_sleep_millisecs)
 *
 * Without arguments: the files of /sys/kernel/mm/transparent_hugepage/
 * khugepaged/ that vmemu has hold numbers.
 *
 * "run" (never native: it would change the host's khugepaged): 4 MiB at
 * a 2 MiB boundary written page by page without MADV_HUGEPAGE (4 KiB
 * pages, AnonHugePages 0), then MADV_HUGEPAGE and a scan every 10 ms:
 * within 10 s smaps shows the whole region as AnonHugePages,
 * pages_collapsed grew by 2, and every page kept its contents. */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define LEN (4UL << 20)
#define KH "/sys/kernel/mm/transparent_hugepage/khugepaged/"

static const char *const knobs[] = {"pages_to_scan", "scan_sleep_millisecs", "max_ptes_none",
				    "pages_collapsed", "full_scans"};

static long knob(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), KH "%s", name);
	FILE *f = fopen(path, "r");
	long v = -1;
	CHECK(f && fscanf(f, "%ld", &v) == 1 && v >= 0, "read %s: %s", path, strerror(errno));
	fclose(f);
	return v;
}

static void set_knob(const char *name, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), KH "%s", name);
	FILE *f = fopen(path, "w");
	CHECK(f, "open %s: %s", path, strerror(errno));
	CHECK(fputs(value, f) >= 0 && fclose(f) == 0, "write %s: %s", path, strerror(errno));
}

static void run(void)
{
	unsigned char *p = map_2m_aligned(LEN);
	for (size_t off = 0; off < LEN; off += PAGE)
		p[off] = (unsigned char)(off / PAGE * 7 + 1);
	long collapsed = knob("pages_collapsed");
	CHECK(madvise(p, LEN, MADV_HUGEPAGE) == 0, "MADV_HUGEPAGE: %s", strerror(errno));
	/* The first scan came at start, the next is 10 s away. */
	CHECK(smaps_kb(p, "AnonHugePages") == 0, "huge pages before khugepaged ran");
	set_knob("scan_sleep_millisecs", "10");
	struct timespec tick = {0, 10 * 1000 * 1000};
	int waited = 0;
	while (smaps_kb(p, "AnonHugePages") < (long)(LEN >> 10) && waited++ < 1000)
		nanosleep(&tick, NULL);
	printf("AnonHugePages of the region: %ld kB\n", smaps_kb(p, "AnonHugePages"));
	printf("pages_collapsed grew by %ld\n", knob("pages_collapsed") - collapsed);
	for (size_t off = 0; off < LEN; off += PAGE)
		CHECK(p[off] == (unsigned char)(off / PAGE * 7 + 1), "page %zu lost its contents",
		      off / PAGE);
	printf("contents kept\n");
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		knob(knobs[i]);
	printf("khugepaged's files hold numbers\n");
	if (argc > 1 && !strcmp(argv[1], "run"))
		run();
	return 0;
}
