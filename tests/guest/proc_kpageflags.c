/* proc_kpageflags.c - /proc/kpageflags and /proc/kpagecount, compared
 * with Linux: the frames /proc/self/pagemap names for anonymous pages
 * (ANON, SWAPBACKED, MMAP, UPTODATE; mapped once, twice after fork), a
 * file's pages (not ANON), the zero page, the vDSO (RESERVED), a transparent huge page when
 * there is one (head and tails), the read rules (whole entries, nothing
 * past the last frame, root only), and every frame read. With "exact"
 * (under vmemu: its kernel's counters are exact, a host's move while the
 * frames are read, and pages on per-CPU lists are not BUDDY), the free
 * frames (BUDDY) add up to MemFree and the page tables (PGTABLE) to
 * PageTables. Prints only what is the same everywhere.
 *
 * usage: proc_kpageflags [exact] */
#include "guest_test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#define KPF_UPTODATE 3
#define KPF_BUDDY 10
#define KPF_MMAP 11
#define KPF_ANON 12
#define KPF_SWAPBACKED 14
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP 22
#define KPF_ZERO_PAGE 24
#define KPF_PGTABLE 26
#define KPF_RESERVED 32
#define BIT(n) (1ULL << (n))
#define PM_PRESENT (1ULL << 63)
#define PM_PFN ((1ULL << 55) - 1)
#define HUGE (2UL << 20)
#define BATCH 65536

static int pagemap, kflags, kcount;

static uint64_t entry(int fd, uint64_t index, const char *what)
{
	uint64_t e;
	CHECK(pread(fd, &e, 8, (off_t)(index * 8)) == 8, "%s entry %llu: %s", what,
	      (unsigned long long)index, strerror(errno));
	return e;
}

static uint64_t pfn_of(const void *p)
{
	uint64_t e = entry(pagemap, (uint64_t)p / PAGE, "pagemap");
	CHECK(e & PM_PRESENT, "page %p not present", p);
	return e & PM_PFN;
}

static void expect(const void *p, uint64_t want, uint64_t refuse, long count, const char *what)
{
	uint64_t pfn = pfn_of(p), f = entry(kflags, pfn, "kpageflags");
	CHECK((f & want) == want && !(f & refuse), "%s: flags 0x%llx, want 0x%llx, not 0x%llx", what,
	      (unsigned long long)f, (unsigned long long)want, (unsigned long long)refuse);
	if (count >= 0) {
		uint64_t c = entry(kcount, pfn, "kpagecount");
		CHECK(c == (uint64_t)count, "%s: kpagecount %llu, want %ld", what,
		      (unsigned long long)c, count);
	}
}

/* A /proc/meminfo value, read without stdio (no allocation: nothing may
 * fault between this and the frames read). */
static long meminfo_kb(const char *name)
{
	static char text[8192];
	int fd = open("/proc/meminfo", O_RDONLY);
	CHECK(fd >= 0, "meminfo: %s", strerror(errno));
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	CHECK(n > 0, "meminfo: %s", strerror(errno));
	text[n] = 0;
	size_t len = strlen(name);
	for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, name, len) && l[len] == ':')
			return strtol(l + len + 1, NULL, 10);
	CHECK(0, "meminfo has no %s", name);
	return -1;
}

static void check_read_rules(void)
{
	uint64_t e[2];
	CHECK_ERRNO(pread(kflags, e, 8, 4), EINVAL, "offset 4");
	CHECK_ERRNO(pread(kflags, e, 12, 0), EINVAL, "12 bytes");
	CHECK_ERRNO(pread(kcount, e, 4, 0), EINVAL, "kpagecount, 4 bytes");
	CHECK(pread(kflags, e, 8, (off_t)1 << 50) == 0, "past the last frame: not EOF");
	pid_t c = fork();
	CHECK(c >= 0, "fork");
	if (c == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(open("/proc/kpageflags", O_RDONLY) < 0 && errno == EACCES ? 0 : 1);
	}
	CHECK(child_exit_status(c) == 0, "a user opened /proc/kpageflags");
	printf("reads: whole entries, EOF past the last frame, root only\n");
}

/* Every frame: the free ones and the page tables, in pages. */
static uint64_t batch[BATCH];

static void count_all(long *buddy, long *pgtable)
{
	*buddy = *pgtable = 0;
	for (off_t off = 0;; off += sizeof(batch)) {
		ssize_t n = pread(kflags, batch, sizeof(batch), off);
		CHECK(n >= 0, "kpageflags: %s", strerror(errno));
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n / 8; i++) {
			*buddy += (batch[i] & BIT(KPF_BUDDY)) != 0;
			*pgtable += (batch[i] & BIT(KPF_PGTABLE)) != 0;
		}
	}
}

int main(int argc, char **argv)
{
	bool exact = argc > 1 && !strcmp(argv[1], "exact");
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	kflags = open("/proc/kpageflags", O_RDONLY);
	kcount = open("/proc/kpagecount", O_RDONLY);
	CHECK(pagemap >= 0 && kflags >= 0 && kcount >= 0, "open: %s", strerror(errno));
	check_read_rules();

	const uint64_t anon = BIT(KPF_ANON) | BIT(KPF_SWAPBACKED) | BIT(KPF_MMAP) | BIT(KPF_UPTODATE);
	const uint64_t never = BIT(KPF_BUDDY) | BIT(KPF_PGTABLE) | BIT(KPF_ZERO_PAGE);
	char *a = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap");
	for (int i = 0; i < 16; i++)
		a[i * PAGE] = 1;
	for (int i = 0; i < 16; i++)
		expect(a + i * PAGE, anon, never, 1, "anonymous page");
	printf("anonymous pages: ANON SWAPBACKED MMAP UPTODATE, mapped once\n");

	int to_child[2], from_child[2];
	CHECK(pipe(to_child) == 0 && pipe(from_child) == 0, "pipe");
	pid_t c = fork();
	CHECK(c >= 0, "fork");
	if (c == 0) {
		char x;
		_exit(write(from_child[1], "r", 1) == 1 && read(to_child[0], &x, 1) == 1 ? 0 : 1);
	}
	char x;
	CHECK(read(from_child[0], &x, 1) == 1, "child");
	expect(a, anon, never, 2, "after fork");
	CHECK(write(to_child[1], "g", 1) == 1, "child");
	CHECK(child_exit_status(c) == 0, "child");
	printf("after fork: mapped twice\n");

	/* Linux maps the zero page there; this host's kernel maps a private
	 * page instead (ANON): only the zero page is checked. */
	char *z = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(z != MAP_FAILED && z[0] == 0, "zero page");
	if (!(entry(kflags, pfn_of(z), "kpageflags") & BIT(KPF_ANON)))
		expect(z, BIT(KPF_ZERO_PAGE), BIT(KPF_BUDDY) | BIT(KPF_MMAP), -1, "the zero page");
	printf("a read of untouched memory: the zero page, or a page of its own\n");

	char path[] = "kpageflags.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	unlink(path);
	static char page[PAGE];
	memset(page, 'f', sizeof(page));
	for (int i = 0; i < 4; i++)
		CHECK(write(fd, page, PAGE) == PAGE, "write");
	char *f = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED, "mmap file");
	for (int i = 0; i < 4; i++) {
		CHECK(f[i * PAGE] == 'f', "file data");
		expect(f + i * PAGE, BIT(KPF_MMAP) | BIT(KPF_UPTODATE), BIT(KPF_ANON) | never, 1,
		       "file page");
	}
	printf("file pages: MMAP UPTODATE, not ANON, mapped once\n");

	/* The vDSO's text: the kernel's own pages, mapped. */
	FILE *maps = fopen("/proc/self/maps", "r");
	CHECK(maps, "maps");
	char line[512];
	unsigned long vdso = 0;
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "[vdso]"))
			vdso = strtoul(line, NULL, 16);
	fclose(maps);
	CHECK(vdso, "no [vdso] line");
	CHECK(*(volatile char *)vdso == 0x7f, "the vDSO is not an ELF image");
	expect((const void *)vdso, BIT(KPF_RESERVED) | BIT(KPF_MMAP), BIT(KPF_ANON) | never, -1,
	       "the vDSO");
	printf("the vDSO: RESERVED, MMAP\n");

	/* A 2 MiB-aligned region asking for a huge page: if it got one, the
	 * first frame is its head and the rest its tails. */
	char *raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(raw != MAP_FAILED, "mmap");
	char *h = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(h, HUGE, MADV_HUGEPAGE);
	h[0] = 1;
	uint64_t head = entry(kflags, pfn_of(h), "kpageflags");
	if (head & BIT(KPF_THP)) {
		expect(h, BIT(KPF_THP) | BIT(KPF_COMPOUND_HEAD) | anon, never, 1, "THP head");
		for (size_t i = 1; i < HUGE / PAGE; i += 97)
			expect(h + i * PAGE, BIT(KPF_THP) | BIT(KPF_COMPOUND_TAIL) | BIT(KPF_ANON),
			       BIT(KPF_COMPOUND_HEAD) | never, 1, "THP tail");
	}
	printf("huge pages: head and tails\n");

	/* Nothing may fault in between the two reads: the buffers are in
	 * place first. */
	long buddy, pgtable;
	memset(batch, 1, sizeof(batch));
	meminfo_kb("MemFree");
	count_all(&buddy, &pgtable);
	long free_pages = meminfo_kb("MemFree") / 4, tables = meminfo_kb("PageTables") / 4;
	CHECK(!exact || buddy == free_pages, "BUDDY pages %ld, MemFree %ld pages", buddy, free_pages);
	CHECK(!exact || pgtable == tables, "PGTABLE pages %ld, PageTables %ld pages", pgtable, tables);
	CHECK(buddy > 0 && pgtable > 0, "no free frame (%ld) or page table (%ld)", buddy, pgtable);
	printf("every frame read\n");
	return 0;
}
