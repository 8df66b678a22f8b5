/* vma_merge: which neighbouring maps Linux keeps as one VMA, as
 * /proc/self/maps shows them (maps_summary.h prints the lines of one
 * region relative to its start, so the output is compared with the native
 * run's). Linux merges a map with its neighbours when nothing tells them
 * apart: the same flags, the same file at consecutive offsets (anonymous
 * memory too: its offset is its address at mmap, and a moved one keeps
 * it), and compatible anonymous memory (anon_vma: a written region has
 * one, shared by the parts it is split into).
 *   adjacent anonymous maps, written or not; a different protection, then
 *     the same again (mprotect); a page unmapped and mapped again;
 *   mprotect over a range with a hole changes the pages before the hole,
 *     then fails with ENOMEM;
 *   file maps at consecutive and at other offsets, through one open file
 *     and through two; shared anonymous maps never merge;
 *   a private file map written past the end of the file (SIGBUS): the
 *     failed write still gave it anonymous memory of its own, so it does
 *     not merge with a written neighbour when the VMA between them
 *     becomes like both (mprotect); the same when read(2) writes there;
 *   mremap: growing into a neighbour's edge, moving an untouched and a
 *     written region next to another, and an equal-size MREMAP_FIXED of
 *     a range that is one VMA after merging;
 *   flags that tell VMAs apart: MAP_NORESERVE, the commit charge a map
 *     takes when it becomes writable (kept once written), and the
 *     madvise advice that is a VMA flag (RANDOM, SEQUENTIAL, NORMAL,
 *     DONTFORK: the forked child has a hole there). No load from
 *     untouched anonymous memory: some kernels give it a page of its own
 *     then, which changes merges. */
#include "maps_summary.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOLE 64
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static unsigned char *map_at(unsigned char *at, size_t pages, int prot, int flags, int fd,
			     size_t off_pages)
{
	void *p = mmap(at, pages * PAGE, prot, flags, fd, (off_t)(off_pages * PAGE));
	CHECK(p == at, "mmap at %p: %s", (void *)at, strerror(errno));
	return p;
}

static void write_pages(unsigned char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = 1;
}

static sigjmp_buf bus_env;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

/* Writes to p, which must raise SIGBUS. */
static void write_bus(volatile unsigned char *p)
{
	struct sigaction sa = {.sa_handler = on_bus}, old;
	CHECK(sigaction(SIGBUS, &sa, &old) == 0, "sigaction: %s", strerror(errno));
	bool bus = sigsetjmp(bus_env, 1) != 0;
	if (!bus)
		*p = 1;
	CHECK(bus, "a write past the end of the file gave no SIGBUS");
	CHECK(sigaction(SIGBUS, &old, NULL) == 0, "sigaction: %s", strerror(errno));
}

static void anonymous(void)
{
	unsigned char *h = maps_hole(HOLE);
	map_at(h + 1 * PAGE, 2, RW, ANON, -1, 0);
	map_at(h + 3 * PAGE, 2, RW, ANON, -1, 0);
	maps_summary("two adjacent maps", h, HOLE);

	map_at(h + 10 * PAGE, 2, RW, ANON, -1, 0);
	write_pages(h + 10 * PAGE, 2);
	map_at(h + 12 * PAGE, 2, RW, ANON, -1, 0);
	write_pages(h + 12 * PAGE, 2);
	maps_summary("written, then a neighbour mapped and written", h, HOLE);

	map_at(h + 20 * PAGE, 2, PROT_READ, ANON, -1, 0);
	map_at(h + 22 * PAGE, 2, RW, ANON, -1, 0);
	write_pages(h + 22 * PAGE, 2);
	maps_summary("read-only and read-write", h, HOLE);
	CHECK(mprotect(h + 20 * PAGE, 2 * PAGE, RW) == 0, "mprotect: %s", strerror(errno));
	maps_summary("made read-write too", h, HOLE);

	CHECK(mprotect(h + 11 * PAGE, PAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	maps_summary("one page made read-only", h, HOLE);
	CHECK(mprotect(h + 11 * PAGE, PAGE, RW) == 0, "mprotect: %s", strerror(errno));
	maps_summary("and read-write again", h, HOLE);

	CHECK(munmap(h + 2 * PAGE, PAGE) == 0, "munmap: %s", strerror(errno));
	maps_summary("a page unmapped", h, HOLE);
	map_at(h + 2 * PAGE, 1, RW, ANON, -1, 0);
	maps_summary("and mapped again", h, HOLE);

	/* A range with a hole: the pages before it change, then ENOMEM. */
	map_at(h + 30 * PAGE, 2, RW, ANON, -1, 0);
	map_at(h + 33 * PAGE, 2, RW, ANON, -1, 0);
	CHECK_ERRNO(mprotect(h + 30 * PAGE, 5 * PAGE, PROT_READ), ENOMEM, "mprotect over a hole");
	maps_summary("mprotect over a hole", h, HOLE);
	CHECK(munmap(h, HOLE * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void files(void)
{
	snprintf(path, sizeof(path), "%s/vmemu-vma-merge-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	CHECK(ftruncate(fd, 16 * PAGE) == 0, "ftruncate: %s", strerror(errno));
	int fd2 = open(path, O_RDWR);
	CHECK(fd2 >= 0, "open: %s", strerror(errno));

	unsigned char *h = maps_hole(HOLE);
	map_at(h + 1 * PAGE, 2, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	map_at(h + 3 * PAGE, 2, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 2);
	map_at(h + 5 * PAGE, 2, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 8);
	map_at(h + 7 * PAGE, 2, PROT_READ, MAP_SHARED | MAP_FIXED, fd2, 10);
	map_at(h + 10 * PAGE, 2, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	map_at(h + 12 * PAGE, 2, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 2);
	maps_summary("file maps", h, HOLE);

	/* Pages 14-15 of a 16-page file, then two pages past its end. */
	map_at(h + 30 * PAGE, 4, RW, MAP_PRIVATE | MAP_FIXED, fd, 14);
	CHECK(mprotect(h + 31 * PAGE, PAGE, PROT_NONE) == 0, "mprotect: %s", strerror(errno));
	write_pages(h + 30 * PAGE, 1);
	write_bus(h + 32 * PAGE);
	CHECK(mprotect(h + 31 * PAGE, PAGE, RW) == 0, "mprotect: %s", strerror(errno));
	maps_summary("a private file map written past its end", h, HOLE);
	CHECK(munmap(h + 30 * PAGE, 4 * PAGE) == 0, "munmap: %s", strerror(errno));
	/* The same when the kernel writes there: read(2) fails with EFAULT. */
	map_at(h + 30 * PAGE, 4, RW, MAP_PRIVATE | MAP_FIXED, fd, 14);
	CHECK(mprotect(h + 31 * PAGE, PAGE, PROT_NONE) == 0, "mprotect: %s", strerror(errno));
	write_pages(h + 30 * PAGE, 1);
	CHECK_ERRNO(read(fd2, h + 32 * PAGE, 1), EFAULT, "read past the end of a map's file");
	CHECK(mprotect(h + 31 * PAGE, PAGE, RW) == 0, "mprotect: %s", strerror(errno));
	maps_summary("read(2) into a private file map past its end", h, HOLE);
	CHECK(munmap(h + 30 * PAGE, 4 * PAGE) == 0, "munmap: %s", strerror(errno));

	map_at(h + 20 * PAGE, 2, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	map_at(h + 22 * PAGE, 2, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	maps_summary("shared anonymous maps", h, HOLE);
	CHECK(munmap(h, HOLE * PAGE) == 0, "munmap: %s", strerror(errno));
	close(fd);
	close(fd2);
}

static void remaps(void)
{
	unsigned char *h = maps_hole(HOLE);
	map_at(h + 1 * PAGE, 2, RW, ANON, -1, 0);
	map_at(h + 5 * PAGE, 2, RW, ANON, -1, 0);
	CHECK(mremap(h + 1 * PAGE, 2 * PAGE, 4 * PAGE, 0) == h + 1 * PAGE, "mremap: %s",
	      strerror(errno));
	maps_summary("grown up to a neighbour", h, HOLE);
	/* The merged range moves as one VMA. */
	CHECK(mremap(h + 1 * PAGE, 6 * PAGE, 6 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		     h + 40 * PAGE) == h + 40 * PAGE,
	      "mremap of the merged range: %s", strerror(errno));
	maps_summary("moved whole", h, HOLE);

	/* Moved next to a region of the same kind: an untouched one takes
	 * its new address as offset and merges, a written one keeps its
	 * old offset and does not. */
	map_at(h + 10 * PAGE, 2, RW, ANON, -1, 0);
	map_at(h + 20 * PAGE, 2, RW, ANON, -1, 0);
	CHECK(mremap(h + 20 * PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		     h + 12 * PAGE) == h + 12 * PAGE, "mremap: %s", strerror(errno));
	maps_summary("an untouched map moved next to another", h, HOLE);
	map_at(h + 30 * PAGE, 2, RW, ANON, -1, 0);
	write_pages(h + 30 * PAGE, 2);
	map_at(h + 24 * PAGE, 2, RW, ANON, -1, 0);
	write_pages(h + 24 * PAGE, 2);
	CHECK(mremap(h + 30 * PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		     h + 26 * PAGE) == h + 26 * PAGE, "mremap: %s", strerror(errno));
	maps_summary("a written map moved next to another", h, HOLE);
	CHECK(munmap(h, HOLE * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void flags(void)
{
	unsigned char *h = maps_hole(HOLE);
	map_at(h + 1 * PAGE, 2, RW, ANON, -1, 0);
	map_at(h + 3 * PAGE, 2, RW, ANON | MAP_NORESERVE, -1, 0);
	maps_summary("MAP_NORESERVE next to a plain map", h, HOLE);

	/* Made writable, then not: the charge goes again if nothing was written. */
	map_at(h + 10 * PAGE, 2, PROT_READ, ANON, -1, 0);
	map_at(h + 12 * PAGE, 2, PROT_READ, ANON, -1, 0);
	CHECK(mprotect(h + 10 * PAGE, 2 * PAGE, RW) == 0, "mprotect: %s", strerror(errno));
	CHECK(mprotect(h + 10 * PAGE, 2 * PAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	map_at(h + 20 * PAGE, 2, PROT_READ, ANON, -1, 0);
	map_at(h + 22 * PAGE, 2, PROT_READ, ANON, -1, 0);
	CHECK(mprotect(h + 20 * PAGE, 2 * PAGE, RW) == 0, "mprotect: %s", strerror(errno));
	write_pages(h + 20 * PAGE, 1);
	CHECK(mprotect(h + 20 * PAGE, 2 * PAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	maps_summary("writable and back, untouched and written", h, HOLE);

	map_at(h + 30 * PAGE, 8, RW, ANON, -1, 0);
	CHECK(madvise(h + 32 * PAGE, 2 * PAGE, MADV_RANDOM) == 0, "madvise: %s", strerror(errno));
	CHECK(madvise(h + 34 * PAGE, 2 * PAGE, MADV_SEQUENTIAL) == 0, "madvise: %s", strerror(errno));
	maps_summary("MADV_RANDOM and MADV_SEQUENTIAL", h, HOLE);
	CHECK(madvise(h + 30 * PAGE, 8 * PAGE, MADV_NORMAL) == 0, "madvise: %s", strerror(errno));
	maps_summary("MADV_NORMAL", h, HOLE);
	CHECK_ERRNO(madvise(h + 28 * PAGE, 4 * PAGE, MADV_RANDOM), ENOMEM, "madvise over a hole");
	maps_summary("MADV_RANDOM over a hole", h, HOLE);
	CHECK(madvise(h + 30 * PAGE, 4 * PAGE, MADV_NORMAL) == 0, "madvise: %s", strerror(errno));

	CHECK(madvise(h + 31 * PAGE, PAGE, MADV_DONTFORK) == 0, "madvise: %s", strerror(errno));
	write_pages(h + 30 * PAGE, 3);
	maps_summary("MADV_DONTFORK", h, HOLE);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		maps_summary("in the child", h, HOLE);
		fflush(stdout);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child: %#x", status);
	CHECK(madvise(h + 31 * PAGE, PAGE, MADV_DOFORK) == 0, "madvise: %s", strerror(errno));
	maps_summary("MADV_DOFORK", h, HOLE);
	CHECK(munmap(h, HOLE * PAGE) == 0, "munmap: %s", strerror(errno));
}

int main(void)
{
	atexit(cleanup);
	anonymous();
	files();
	remaps();
	flags();
	return 0;
}
