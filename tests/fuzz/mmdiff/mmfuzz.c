/* mmfuzz.c - a seeded sequence of memory-management calls, for comparing
 * vmemu with Linux (scripts/fuzz-diff). The same binary runs natively and
 * under vmemu; each step prints one line, so the first line that differs
 * names the call where the two part.
 *
 * usage: mmfuzz SEED [STEPS [ARENA_PAGES]]
 *
 * Everything happens inside an arena of ARENA_PAGES pages reserved at the
 * start (PROT_NONE, between two guard pages); maps are MAP_FIXED into it
 * and every address printed is an offset from its start, so the output
 * does not depend on where the kernel put the arena or what lies around. Steps: mmap (anonymous private or shared, a
 * private or shared map of a scratch file), munmap, mprotect, mremap (in
 * place or MREMAP_FIXED inside the arena), madvise, msync, mincore of
 * anonymous memory, brk, loads and stores, stores into whole ranges (a
 * SIGSEGV or SIGBUS is caught:
 * signal, si_code and si_addr's offset are printed), fork (the child does
 * a few steps of its own and reports a checksum), and the arena's lines of
 * /proc/self/maps. Nothing is allocated after the arena exists: stdout is
 * unbuffered and lines go out through a static buffer. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define FILE_PAGES 16

static unsigned char *arena;
static unsigned long npages;
static uint64_t rng;
static int file_fd = -1;
static char file_path[256];

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long below(unsigned long n)
{
	return n ? (unsigned long)(next() % n) : 0;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	static char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	for (ssize_t done = 0, w; done < n; done += w)
		if ((w = write(1, line + done, (size_t)(n - done))) <= 0)
			_exit(3);
}

/* A call's result: the value, or -errno. */
static long res(long r)
{
	return r == -1 ? -errno : r;
}

/* A page range inside the arena: [off, off + len) in pages. */
static void range(unsigned long *off, unsigned long *len, unsigned long max_len)
{
	*off = below(npages);
	*len = 1 + below(max_len);
	if (*off + *len > npages)
		*len = npages - *off;
}

static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
			    PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE};

/* ---- faults ---- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig, fault_code;
static volatile uintptr_t fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(fault_jmp, 1);
}

static void fault_line(const char *what, unsigned long at)
{
	long rel = (long)(fault_addr - (uintptr_t)arena);
	out("%s %#lx: signal %d code %d addr %+ld", what, at, (int)fault_sig, (int)fault_code, rel);
}

static void step_load(void)
{
	unsigned long at = below(npages * PAGE);
	volatile unsigned char *p = arena + at;
	if (sigsetjmp(fault_jmp, 1)) {
		fault_line("load", at);
		return;
	}
	unsigned char v = *p;
	out("load %#lx: %u", at, v);
}

static void step_store(void)
{
	unsigned long at = below(npages * PAGE);
	unsigned char v = (unsigned char)next();
	volatile unsigned char *p = arena + at;
	if (sigsetjmp(fault_jmp, 1)) {
		fault_line("store", at);
		return;
	}
	*p = v;
	out("store %#lx %u: ok", at, v);
}

/* Stores into every page of a range (a quarter of the arena at most), so
 * that a large arena under vmemu's --mem runs into reclaim and swap. */
static bool store_page(unsigned long pg, unsigned char v)
{
	if (sigsetjmp(fault_jmp, 1))
		return false;
	arena[pg * PAGE + (pg * 8 % PAGE)] = v;
	return true;
}

static void step_fill(void)
{
	unsigned long off, len;
	range(&off, &len, npages / 4);
	unsigned char v = (unsigned char)next();
	unsigned long stored = 0;
	for (unsigned long pg = off; pg < off + len; pg++)
		stored += store_page(pg, v);
	out("fill %#lx+%lu %u: %lu pages stored", off * PAGE, len, v, stored);
}

/* ---- maps ---- */

static void step_mmap(void)
{
	unsigned long off, len;
	range(&off, &len, 16);
	int prot = prots[below(5)];
	unsigned kind = (unsigned)below(4);
	int flags = MAP_FIXED | (kind == 1 || kind == 3 ? MAP_SHARED : MAP_PRIVATE);
	int fd = -1;
	unsigned long pgoff = 0;
	if (kind >= 2) {
		fd = file_fd;
		pgoff = below(FILE_PAGES + 2); /* past the end too: SIGBUS on touch */
	} else {
		flags |= MAP_ANONYMOUS;
	}
	void *r = mmap(arena + off * PAGE, len * PAGE, prot, flags, fd, (off_t)(pgoff * PAGE));
	long v = r == MAP_FAILED ? -errno : (long)((unsigned char *)r - arena);
	out("mmap %#lx+%lu prot %d kind %u pgoff %lu: %ld", off * PAGE, len, prot, kind, pgoff, v);
}

static void step_munmap(void)
{
	unsigned long off, len;
	range(&off, &len, 16);
	out("munmap %#lx+%lu: %ld", off * PAGE, len, res(munmap(arena + off * PAGE, len * PAGE)));
}

static void step_mprotect(void)
{
	unsigned long off, len;
	range(&off, &len, 32);
	int prot = prots[below(sizeof(prots) / sizeof(prots[0]))];
	out("mprotect %#lx+%lu %d: %ld", off * PAGE, len, prot,
	    res(mprotect(arena + off * PAGE, len * PAGE, prot)));
}

static void step_mremap(void)
{
	unsigned long off, len;
	range(&off, &len, 8);
	unsigned long new_len = 1 + below(12);
	void *r;
	if (below(2)) {
		r = mremap(arena + off * PAGE, len * PAGE, new_len * PAGE, 0);
		out("mremap %#lx+%lu -> %lu in place", off * PAGE, len, new_len);
	} else {
		unsigned long to = below(npages - new_len);
		r = mremap(arena + off * PAGE, len * PAGE, new_len * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, arena + to * PAGE);
		out("mremap %#lx+%lu -> %#lx+%lu fixed", off * PAGE, len, to * PAGE, new_len);
	}
	out("  = %ld", r == MAP_FAILED ? -errno : (long)((unsigned char *)r - arena));
}

static void step_madvise(void)
{
	static const int advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
				     MADV_DONTNEED};
	unsigned long off, len;
	range(&off, &len, 16);
	int a = advice[below(sizeof(advice) / sizeof(advice[0]))];
	out("madvise %#lx+%lu %d: %ld", off * PAGE, len, a,
	    res(madvise(arena + off * PAGE, len * PAGE, a)));
}

static void step_msync(void)
{
	static const int how[] = {MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC | MS_INVALIDATE};
	unsigned long off, len;
	range(&off, &len, 16);
	int f = how[below(4)];
	out("msync %#lx+%lu %d: %ld", off * PAGE, len, f, res(msync(arena + off * PAGE, len * PAGE, f)));
}

/* The result only, not the vector: a file's pages may be in the host's
 * page cache natively and not in vmemu's, and under memory pressure vmemu
 * swaps pages Linux keeps. */
static void step_mincore(void)
{
	unsigned long off, len;
	range(&off, &len, 16);
	static unsigned char vec[16];
	out("mincore %#lx+%lu: %ld", off * PAGE, len, res(mincore(arena + off * PAGE, len * PAGE, vec)));
}

static void step_brk(void)
{
	static unsigned char *start;
	if (!start)
		start = sbrk(0);
	long delta = (long)below(64 * PAGE) - (long)(16 * PAGE);
	unsigned char *cur = sbrk(0);
	if (cur + delta < start)
		delta = start - cur;
	void *r = sbrk(delta);
	out("brk %+ld: %s, at %+ld", delta, r == (void *)-1 ? "failed" : "ok",
	    (long)((unsigned char *)sbrk(0) - start));
	if (delta > 0 && r != (void *)-1)
		memset(r, 0x5a, (size_t)delta);
}

/* One page's part of the checksum: its bytes, or the signal a read got. */
static uint64_t page_sum(uint64_t sum, unsigned long pg)
{
	volatile unsigned char *p = arena + pg * PAGE;
	volatile uint64_t s = sum;
	if (sigsetjmp(fault_jmp, 1))
		return (s ^ (0xf000 | (uint64_t)fault_sig)) * 1099511628211ULL;
	for (unsigned long i = 0; i < PAGE; i += 64)
		s = (s ^ p[i]) * 1099511628211ULL;
	return s;
}

/* A checksum of the arena, page by page. */
static uint64_t arena_sum(void)
{
	uint64_t sum = 1469598103934665603ULL;
	for (unsigned long pg = 0; pg < npages; pg++)
		sum = page_sum(sum, pg);
	return sum;
}

static void step_fork(void)
{
	int pfd[2];
	if (pipe(pfd) < 0) {
		out("fork: pipe %d", errno);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		/* The child stores into some pages: none may reach the parent
		 * unless the map is shared. */
		for (int i = 0; i < 8; i++) {
			unsigned long at = below(npages * PAGE);
			if (!sigsetjmp(fault_jmp, 1))
				arena[at] = (unsigned char)(0xc0 + i);
		}
		uint64_t sum = arena_sum();
		ssize_t w = write(pfd[1], &sum, sizeof(sum));
		_exit(w == sizeof(sum) ? 0 : 2);
	}
	close(pfd[1]);
	uint64_t sum = 0;
	ssize_t n = pid < 0 ? -1 : read(pfd[0], &sum, sizeof(sum));
	close(pfd[0]);
	int st = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	/* The child's 8 random stores use the generator: the parent draws
	 * the same 8 numbers to stay in step with a run that did not fork. */
	for (int i = 0; i < 8; i++)
		next();
	out("fork: child status %#x sum %016llx (%zd bytes)", st, (unsigned long long)sum, n);
}

/* The arena's lines of /proc/self/maps: offsets, permissions, file offset
 * and whether a file is behind. */
static void step_maps(void)
{
	static char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0) {
		out("maps: open %d", errno);
		return;
	}
	size_t len = 0;
	for (ssize_t r; (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	uintptr_t lo = (uintptr_t)arena, hi = lo + npages * PAGE;
	out("maps:");
	for (char *line = buf, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		unsigned long s, e, pgoff;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &s, &e, perms, &pgoff, &name_at) < 4)
			continue;
		if (e <= lo || s >= hi)
			continue;
		const char *name = name_at ? line + name_at : "";
		out("  %#lx-%#lx %s %lx %s", (unsigned long)(s - lo), (unsigned long)(e - lo), perms,
		    pgoff, *name ? "file" : "");
	}
}

static void make_file(void)
{
	const char *dir = getenv("TMPDIR");
	snprintf(file_path, sizeof(file_path), "%s/mmfuzz.XXXXXX", dir && *dir ? dir : "/tmp");
	file_fd = mkstemp(file_path);
	if (file_fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	unlink(file_path);
	static unsigned char page[PAGE];
	for (int pg = 0; pg < FILE_PAGES; pg++) {
		for (unsigned long i = 0; i < PAGE; i++)
			page[i] = (unsigned char)(pg * 31 + i * 7);
		if (write(file_fd, page, PAGE) != (ssize_t)PAGE) {
			perror("write");
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mmfuzz SEED [STEPS [ARENA_PAGES]]\n");
		return 2;
	}
	rng = strtoull(argv[1], NULL, 0) * 2654435761ULL + 88172645463325252ULL;
	unsigned long steps = argc > 2 ? strtoul(argv[2], NULL, 0) : 300;
	npages = argc > 3 ? strtoul(argv[3], NULL, 0) : 256;
	if (npages < 16)
		npages = 16;
	make_file();
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_NODEFER};
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* A guard page on each side, shared so it never merges with the
	 * arena's maps: growing past the arena's end fails the same way
	 * whatever the kernel placed after it (natively, the vDSO). */
	unsigned char *base = mmap(NULL, (npages + 2) * PAGE, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED ||
	    mmap(base, PAGE, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ||
	    mmap(base + (npages + 1) * PAGE, PAGE, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED) {
		perror("mmap arena");
		return 2;
	}
	arena = base + PAGE;
	void (*const step[])(void) = {step_mmap,   step_mmap,  step_munmap, step_mprotect,
				      step_mremap, step_load,  step_load,   step_store,
				      step_store,  step_store, step_madvise, step_msync,
				      step_mincore, step_brk,  step_fork,   step_maps,
				      step_fill};
	const unsigned nstep = sizeof(step) / sizeof(step[0]);
	for (unsigned long i = 0; i < steps; i++)
		step[below(nstep)]();
	step_maps();
	out("sum %016llx", (unsigned long long)arena_sum());
	return 0;
}
