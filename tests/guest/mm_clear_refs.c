/* mm_clear_refs: /proc/self/clear_refs forgets which pages were used
 * (the accessed bits of the page tables), as Linux's: smaps' Referenced
 * of an anonymous and a file map after writes of 1 (all), 2 (anonymous
 * only) and 3 (file only), and after touching new pages; 4 (soft-dirty)
 * and 5 (VmHWM back to VmRSS) taken; bad values EINVAL or ERANGE; a read
 * EINVAL. Printed and compared with the native run. With "tlb": pages
 * touched again after the clear, still in the TLB, stay unreferenced. */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGES 16

/* Writes s to /proc/self/clear_refs: what write returned, or -errno. */
static long clear_refs(const char *s)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	CHECK(fd >= 0, "open clear_refs: %s", strerror(errno));
	long r = write(fd, s, strlen(s));
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

static void show(const char *what, const char *anon, const char *file)
{
	printf("%-16s anon %3ld kB, file %3ld kB\n", what, smaps_kb(anon, "Referenced"),
	       smaps_kb(file, "Referenced"));
}

/* touch(p, first, n): reads pages [first, first + n) of p. */
static void touch(volatile const char *p, int first, int n)
{
	for (int i = first; i < first + n; i++)
		(void)p[i * PAGE];
}

int main(int argc, char **argv)
{
	bool tlb = argc > 1 && !strcmp(argv[1], "tlb");
	char *anon = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(madvise(anon, PAGES * PAGE, MADV_NOHUGEPAGE) == 0, "madvise: %s", strerror(errno));
	memset(anon, 1, 4 * PAGE);

	char name[] = "clear_refs.XXXXXX";
	int fd = mkstemp(name);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(name);
	static char buf[PAGES * PAGE];
	CHECK(write(fd, buf, sizeof(buf)) == (long)sizeof(buf), "write: %s", strerror(errno));
	char *file = mmap(NULL, PAGES * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(file != MAP_FAILED, "mmap file: %s", strerror(errno));
	touch(file, 0, PAGES);
	show("touched:", anon, file);
	if (tlb) {
		/* Pages used again after the clear through translations still
		 * in the TLB: no walk, so no A bit. Natively the hardware's
		 * TLB decides (vmemu only: the model's). */
		printf("write 1: %ld\n", clear_refs("1\n"));
		show("cleared:", anon, file);
		touch(anon, 0, 4);
		touch(file, 0, PAGES);
		show("cached again:", anon, file);
		return 0;
	}
	printf("write 3: %ld\n", clear_refs("3"));
	show("file cleared:", anon, file);
	printf("write 2: %ld\n", clear_refs(" 2 "));
	show("anon cleared:", anon, file);
	/* Only pages first used after a clear count again: the ones used
	 * before may still be cached in the TLB (no walk, no A bit), so no
	 * page is used twice across a clear. A read might map the zero page:
	 * anonymous pages are written. */
	memset(anon + 8 * PAGE, 1, 4 * PAGE);
	char *file2 = mmap(NULL, PAGES * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(file2 != MAP_FAILED, "mmap file: %s", strerror(errno));
	touch(file2, 0, PAGES); /* fault-around may or may not map the others */
	show("new touched:", anon, file2);
	printf("write 1: %ld\n", clear_refs("1\n"));
	show("cleared:", anon, file2);
	anon[14 * PAGE] = 2;
	show("one written:", anon, file2);

	printf("write 4: %ld\n", clear_refs("4"));
	show("after 4:", anon, file2);
	const char *bad[] = {"0", "6", "-1", "0x1", "x", "", "1 2", "99999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		printf("write \"%s\": %s\n", bad[i], strerror((int)-clear_refs(bad[i])));

	/* VmHWM: 8 MiB touched and unmapped stays in the peak until 5 (Linux's
	 * RSS counters are approximate: half of it is a safe bound). */
	size_t big = 8 << 20;
	char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED, "mmap big: %s", strerror(errno));
	memset(b, 1, big);
	munmap(b, big);
	long hwm = proc_kb("/proc/self/status", "VmHWM"), rss = proc_kb("/proc/self/status", "VmRSS");
	printf("peak above rss by 4 MiB: %s\n", hwm - rss >= 4096 ? "yes" : "no");
	printf("write 5: %ld\n", clear_refs("5"));
	hwm = proc_kb("/proc/self/status", "VmHWM");
	rss = proc_kb("/proc/self/status", "VmRSS");
	printf("peak near rss: %s\n", hwm - rss < 512 ? "yes" : "no");

	int rfd = open("/proc/self/clear_refs", O_RDONLY);
	CHECK(rfd >= 0, "open clear_refs for reading: %s", strerror(errno));
	char c;
	long r = read(rfd, &c, 1);
	printf("read: %ld %s\n", r, r < 0 ? strerror(errno) : "");
	struct stat st;
	CHECK(fstat(rfd, &st) == 0, "fstat: %s", strerror(errno));
	printf("mode: %o\n", (unsigned)st.st_mode);
	return 0;
}
