/* meminfo_proc.c - /proc/meminfo, /proc/self/status, /proc/self/stat,
 * /proc/self/maps and sysinfo(2), checked for Linux's formats and for
 * consistency (natively the host's kernel is checked by the same rules):
 * every meminfo line aligned as Linux prints it, the counters that must
 * agree do, and VmRSS/RssAnon grow by about 16 MiB when 4096 new pages are
 * touched and shrink again when they are unmapped. Prints only what is
 * the same everywhere. */
#include <regex.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guest_test.h"

#define TEXT_MAX (256 * 1024)
#define NPAGES 4096
#define NPAGES_KB ((long long)(NPAGES * PAGE / 1024))

static char *slurp(const char *path)
{
	static char buf[TEXT_MAX];
	FILE *f = fopen(path, "r");
	CHECK(f, "fopen %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	CHECK(n > 0 && n < sizeof(buf) - 1, "%s: read %zu bytes", path, n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The number after "name" at a line start, or -1 when absent. */
static long long field(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = text; l; l = strchr(l, '\n')) {
		l += *l == '\n';
		if (!strncmp(l, name, n))
			return strtoll(l + n, NULL, 10);
	}
	return -1;
}

static void check_meminfo_lines(char *text)
{
	regex_t re;
	CHECK(!regcomp(&re, "^[A-Za-z_()0-9]+: +[0-9]+( kB)?$", REG_EXTENDED), "regcomp");
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		CHECK(!regexec(&re, l, 0, NULL, 0), "/proc/meminfo line '%s'", l);
		/* "Label:" padded to 16 columns, the value right-aligned in 8. */
		char *colon = strchr(l, ':');
		char *value = colon + 1 + strspn(colon + 1, " ");
		size_t digits = strspn(value, "0123456789");
		size_t end = (size_t)(value - l) + digits;
		CHECK(digits > 8 ? value - l == 16 : end == 24 || !strncmp(l, "HardwareCorrupted", 17),
		      "/proc/meminfo line '%s' is not aligned", l);
	}
	regfree(&re);
}

static void check_meminfo(void)
{
	static const char *const required[] = {
		"MemTotal:", "MemFree:", "MemAvailable:", "Buffers:", "Cached:", "SwapCached:",
		"Active:", "Inactive:", "Active(anon):", "Inactive(anon):", "Active(file):",
		"Inactive(file):", "Unevictable:", "Mlocked:", "SwapTotal:", "SwapFree:", "Dirty:",
		"Writeback:", "AnonPages:", "Mapped:", "Shmem:", "KReclaimable:", "Slab:",
		"SReclaimable:", "SUnreclaim:", "KernelStack:", "PageTables:", "CommitLimit:",
		"Committed_AS:", "VmallocTotal:", "HugePages_Total:", "HugePages_Free:",
		"Hugepagesize:",
	};
	struct sysinfo si;
	CHECK(sysinfo(&si) == 0, "sysinfo: %s", strerror(errno));
	char *text = slurp("/proc/meminfo");
	CHECK(!strncmp(text, "MemTotal:", 9), "/proc/meminfo does not start with MemTotal");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		CHECK(field(text, required[i]) >= 0, "/proc/meminfo has no %s line", required[i]);
	long long total = field(text, "MemTotal:"), free_kb = field(text, "MemFree:");
	CHECK(free_kb <= total, "MemFree %lld > MemTotal %lld", free_kb, total);
	CHECK(field(text, "MemAvailable:") <= total, "MemAvailable > MemTotal");
	CHECK(field(text, "SwapFree:") <= field(text, "SwapTotal:"), "SwapFree > SwapTotal");
	CHECK(field(text, "Active:") == field(text, "Active(anon):") + field(text, "Active(file):"),
	      "Active is not Active(anon) + Active(file)");
	CHECK(field(text, "Inactive:") ==
		      field(text, "Inactive(anon):") + field(text, "Inactive(file):"),
	      "Inactive is not Inactive(anon) + Inactive(file)");
	CHECK(field(text, "Hugepagesize:") == 2048, "Hugepagesize is not 2048 kB");
	/* sysinfo(2) counts the same memory. */
	unsigned long long unit = si.mem_unit ? si.mem_unit : 1;
	CHECK(si.totalram * unit / 1024 == (unsigned long long)total,
	      "sysinfo totalram %llu kB, MemTotal %lld kB", si.totalram * unit / 1024, total);
	CHECK(si.totalswap * unit / 1024 == (unsigned long long)field(text, "SwapTotal:"),
	      "sysinfo totalswap differs from SwapTotal");
	long long si_free = (long long)(si.freeram * unit / 1024);
	CHECK(llabs(si_free - free_kb) <= 64 * 1024, "sysinfo freeram %lld kB, MemFree %lld kB",
	      si_free, free_kb);
	CHECK(si.procs >= 1, "sysinfo procs is 0");
	check_meminfo_lines(text);
	puts("meminfo ok");
}

struct rss {
	long long size, rss, anon;
};

static struct rss status_rss(void)
{
	char *text = slurp("/proc/self/status");
	struct rss r = {field(text, "VmSize:"), field(text, "VmRSS:"), field(text, "RssAnon:")};
	CHECK(r.size > 0 && r.rss > 0 && r.anon > 0, "VmSize/VmRSS/RssAnon missing");
	return r;
}

static void check_status(const char *argv0)
{
	char *text = slurp("/proc/self/status");
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	char want[128];
	snprintf(want, sizeof(want), "Name:\t%.15s\n", base);
	CHECK(!strncmp(text, want, strlen(want)), "status does not start with '%s'", want);
	snprintf(want, sizeof(want), "\nPid:\t%d\nPPid:\t%d\n", getpid(), getppid());
	CHECK(strstr(text, want), "status lacks '%s'", want);
	CHECK(strstr(text, "\nState:\tR (running)\n"), "State is not R (running)");
	CHECK(strstr(text, "\nThreads:\t1\n"), "Threads is not 1");
	regex_t re;
	CHECK(!regcomp(&re, "\nVmRSS:\t[ 0-9]{8} kB\nRssAnon:\t[ 0-9]{8} kB\nRssFile:\t[ 0-9]{8} kB\n",
		       REG_EXTENDED), "regcomp");
	CHECK(!regexec(&re, text, 0, NULL, 0), "VmRSS/RssAnon/RssFile lines malformed");
	regfree(&re);
	CHECK(!regcomp(&re, "\nSigBlk:\t[0-9a-f]{16}\nSigIgn:\t[0-9a-f]{16}\nSigCgt:\t[0-9a-f]{16}\n",
		       REG_EXTENDED), "regcomp");
	CHECK(!regexec(&re, text, 0, NULL, 0), "SigBlk/SigIgn/SigCgt lines malformed");
	regfree(&re);
	CHECK(field(text, "VmSwap:") == 0, "VmSwap is not 0");
	CHECK(field(text, "VmPTE:") > 0, "VmPTE is 0");

	/* 4096 pages touched: VmRSS and RssAnon grow by about 16 MiB. */
	struct rss before = status_rss();
	char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	struct rss mapped = status_rss();
	CHECK(mapped.size - before.size >= NPAGES_KB && mapped.size - before.size <= NPAGES_KB + 256,
	      "VmSize grew by %lld kB, not ~%lld", mapped.size - before.size, NPAGES_KB);
	CHECK(mapped.rss - before.rss < 64, "VmRSS grew by %lld kB before any touch",
	      mapped.rss - before.rss);
	for (size_t i = 0; i < NPAGES; i++)
		p[i * PAGE] = 1;
	struct rss touched = status_rss();
	long long grew = touched.rss - before.rss, anon = touched.anon - before.anon;
	CHECK(grew >= NPAGES_KB && grew <= NPAGES_KB + 256, "VmRSS grew by %lld kB, not ~%lld", grew,
	      NPAGES_KB);
	CHECK(anon >= NPAGES_KB && anon <= NPAGES_KB + 256, "RssAnon grew by %lld kB, not ~%lld", anon,
	      NPAGES_KB);
	CHECK(munmap(p, NPAGES * PAGE) == 0, "munmap: %s", strerror(errno));
	struct rss after = status_rss();
	CHECK(touched.rss - after.rss >= NPAGES_KB - 64, "VmRSS fell by %lld kB after munmap",
	      touched.rss - after.rss);
	printf("status ok: VmRSS grew by %lld kB for %d pages\n", NPAGES_KB, NPAGES);

	text = slurp("/proc/self/stat");
	snprintf(want, sizeof(want), "%d (%.15s) R %d ", getpid(), base, getppid());
	CHECK(!strncmp(text, want, strlen(want)), "stat does not start with '%s': '%.60s'", want, text);
	int fields = 2; /* pid and (comm), then one per space */
	for (const char *c = strchr(text, ')'); *c; c++)
		fields += *c == ' ';
	CHECK(fields == 52, "stat has %d fields, not 52", fields);
	puts("stat ok");
}

static void check_maps(void)
{
	int local = 0;
	char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 1;
	char *text = slurp("/proc/self/maps");
	bool found_map = false, found_stack = false;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long start, end, off, ino;
		unsigned maj, mnr;
		char perms[5];
		int n = 0;
		CHECK(sscanf(l, "%lx-%lx %4s %lx %x:%x %lu %n", &start, &end, perms, &off, &maj, &mnr,
			     &ino, &n) == 7,
		      "maps line '%s'", l);
		CHECK(start < end && strlen(perms) == 4, "maps line '%s'", l);
		/* A name starts at column 73 (or after one space past a long prefix). */
		if (l[n]) {
			CHECK(n == 73 || (n > 73 && l[n - 2] != ' '), "maps name misplaced: '%s'", l);
		}
		if (start <= (unsigned long)p && (unsigned long)p + 8 * PAGE <= end) {
			CHECK(!strcmp(perms, "rw-p") && off == 0 && maj == 0 && mnr == 0 && ino == 0 &&
				      !l[n],
			      "anonymous map shown as '%s'", l);
			found_map = true;
		}
		if (start <= (unsigned long)&local && (unsigned long)&local < end) {
			CHECK(!strcmp(l + n, "[stack]") && !strcmp(perms, "rw-p"),
			      "the stack shown as '%s'", l);
			found_stack = true;
		}
	}
	CHECK(found_map, "the anonymous map at %p is not in /proc/self/maps", (void *)p);
	CHECK(found_stack, "no [stack] line holds %p", (void *)&local);
	munmap(p, 8 * PAGE);
	puts("maps ok");
}

int main(int argc, char **argv)
{
	(void)argc;
	check_meminfo();
	check_status(argv[0]);
	check_maps();
	return 0;
}
