/* mem_swap_fork: copy-on-write pages that are swapped out while shared.
 *
 * usage: mem_swap_fork [MIB]   (default 48)
 *
 * The parent fills MIB MiB with generation 0 of a per-page pseudo-random
 * pattern (each page re-generated from its number and generation alone) and
 * forks. Parent and child both read and check everything while every page
 * is still shared. Then the child overwrites the first half with generation
 * 1 and the parent the second half with generation 2, taking turns; each
 * then checks all of its view: its own half rewritten, the other half still generation 0 (shared
 * with the other process, or its own copy once the other wrote). Each also
 * computes a CRC-32 of its whole view in address order; the child sends its
 * results through a pipe and the parent prints both, so the harness compares
 * them with the native run.
 *
 * Under vmemu with --mem below the total (MIB shared + MIB/2 copied per
 * process), shared pages are swapped out while both processes map them;
 * the swap cache must then give both processes the same data, and a
 * process's later write must copy, never change, the other's page. */
#include "guest_test.h"
#include "page_pattern.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEED 0x73776170666f726bULL /* "swapfork" */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	return crc32_update(0, p, n);
}

static void fill(unsigned char *p, size_t first, size_t end, unsigned gen)
{
	for (size_t page = first; page < end; page++)
		page_fill(p, page, SEED, gen);
}

static void check(const char *who, const unsigned char *p, size_t first, size_t end,
		  unsigned gen, const char *when)
{
	for (size_t page = first; page < end; page++) {
		uint64_t got, want;
		long i = page_check(p, page, SEED, gen, &got, &want);
		if (i >= 0)
			fail("%s, %s: page %zu word %ld is %#llx, expected %#llx (generation %u)",
			     who, when, page, i, (unsigned long long)got, (unsigned long long)want,
			     gen);
	}
}

static void put_byte(int fd, const char *who)
{
	CHECK(write(fd, "x", 1) == 1, "%s: write to the barrier pipe: %s", who, strerror(errno));
}

static void get_byte(int fd, const char *who)
{
	char c;
	ssize_t n = read(fd, &c, 1);
	CHECK(n == 1, "%s: read from the barrier pipe returned %zd (%s)", who, n,
	      n < 0 ? strerror(errno) : "end of file");
}

/* What the child reports to the parent. */
struct report {
	uint32_t crc_shared; /* everything, before any write */
	uint32_t crc_final;  /* everything, after its own half was rewritten */
};

int main(int argc, char **argv)
{
	char *end;
	size_t mib = argc > 1 ? strtoul(argv[1], &end, 10) : 48;
	CHECK(argc < 2 || (*end == 0 && mib >= 2 && mib <= 4096),
	      "bad size \"%s\" (MiB, 2..4096)", argv[1]);
	size_t len = mib << 20, pages = len / PAGE, half = pages / 2;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap(%zu MiB): %s", mib, strerror(errno));
	printf("mem_swap_fork: %zu MiB, %zu pages\n", mib, pages);
	fill(p, 0, pages, 0);
	uint32_t crc0 = crc32_of(p, len);
	printf("parent before fork: crc32 %08x\n", (unsigned)crc0);
	fflush(stdout);

	/* The two processes take turns (each waits for the other's byte on a
	 * pipe), so what is swapped when does not depend on the scheduler:
	 *   child:  reads everything                    (all pages shared)
	 *   parent: reads everything                    (all pages shared)
	 *   child:  rewrites and checks the first half  (copies under pressure:
	 *           shared pages of either process go to swap)
	 *   parent: rewrites the second half, checks everything (its first
	 *           half must not hold the child's stores)
	 *   child:  checks everything (its second half must not hold the
	 *           parent's stores), reports, exits. */
	int to_child[2], to_parent[2], report[2];
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0 && pipe(report) == 0, "pipe: %s",
	      strerror(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		const char *who = "child";
		struct report r;
		close(to_child[1]);
		close(to_parent[0]);
		close(report[0]);
		check(who, p, 0, pages, 0, "reading while shared");
		r.crc_shared = crc32_of(p, len);
		put_byte(to_parent[1], who);
		get_byte(to_child[0], who);
		fill(p, 0, half, 1);
		check(who, p, 0, half, 1, "after rewriting the first half");
		put_byte(to_parent[1], who);
		get_byte(to_child[0], who);
		check(who, p, half, pages, 0,
		      "the second half, left alone (once the parent rewrote its own)");
		check(who, p, 0, half, 1, "the first half it rewrote, after the parent's stores");
		r.crc_final = crc32_of(p, len);
		CHECK(write(report[1], &r, sizeof(r)) == (ssize_t)sizeof(r),
		      "child: write of the report: %s", strerror(errno));
		_exit(0);
	}
	/* Only the child holds the other ends: its death is an end of file. */
	close(to_child[0]);
	close(to_parent[1]);
	close(report[1]);
	const char *who = "parent";
	get_byte(to_parent[0], who);
	check(who, p, 0, pages, 0, "reading while shared");
	uint32_t crc_shared = crc32_of(p, len);
	put_byte(to_child[1], who);
	get_byte(to_parent[0], who);
	fill(p, half, pages, 2);
	check(who, p, half, pages, 2, "after rewriting the second half");
	check(who, p, 0, half, 0, "the first half, left alone (once the child rewrote its own)");
	uint32_t crc_final = crc32_of(p, len);
	put_byte(to_child[1], who);

	struct report r;
	ssize_t n = read(report[0], &r, sizeof(r));
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child %s %d (its FAIL line is above)",
	      WIFEXITED(status) ? "exited with status" : "was killed by signal",
	      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	CHECK(n == (ssize_t)sizeof(r), "read of the child's report returned %zd", n);
	printf("parent while shared: crc32 %08x\n", (unsigned)crc_shared);
	printf("child while shared: crc32 %08x\n", (unsigned)r.crc_shared);
	printf("parent after writing the second half: crc32 %08x\n", (unsigned)crc_final);
	printf("child after writing the first half: crc32 %08x\n", (unsigned)r.crc_final);
	CHECK(crc_shared == crc0 && r.crc_shared == crc0,
	      "while shared the crc32s are %08x (parent) and %08x (child), before the fork %08x",
	      (unsigned)crc_shared, (unsigned)r.crc_shared, (unsigned)crc0);
	CHECK(crc_final != crc0 && r.crc_final != crc0 && crc_final != r.crc_final,
	      "the final crc32s %08x (parent) and %08x (child) must differ from each other "
	      "and from %08x",
	      (unsigned)crc_final, (unsigned)r.crc_final, (unsigned)crc0);

	/* With the child gone, the parent's first half is all its own again:
	 * read it once more (from swap, if it went there) and check it. */
	check(who, p, 0, half, 0, "the first half, after the child exited");
	check(who, p, half, pages, 2, "the second half, after the child exited");
	CHECK(crc32_of(p, len) == crc_final, "the parent's crc32 changed after the child exited");
	CHECK(munmap(p, len) == 0, "munmap: %s", strerror(errno));
	printf("mem_swap_fork: ok\n");
	return 0;
}
