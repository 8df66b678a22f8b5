/* mem_zero_shared: reading untouched anonymous memory costs no memory.
 *
 * usage: mem_zero_shared [MIB]   (default 64)
 *
 * The parent maps MIB MiB of anonymous memory and reads all of it (zeros,
 * checked a page at a time), then forks. Parent and child each read the
 * whole area again while both are alive (a pipe barrier holds the parent
 * back until the child has read too), and the child also hands the whole
 * untouched area to write() on a pipe that the parent drains and checks,
 * so the kernel reads those pages as well. Finally each stores to one page
 * per MiB, which must turn exactly those pages into private zero-filled
 * pages and leave their neighbours zero. Under vmemu every page read
 * maps the one shared zero page, so the frame peak stays far below MIB MiB
 * (guest.mem_zero_shared checks it). */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK (64UL << 10)

/* Every byte of p[0..n) is zero (OR of a page at a time, so the page with a
 * non-zero byte is named). */
static void check_zero(const unsigned char *p, size_t n, const char *who, const char *when)
{
	for (size_t off = 0; off < n; off += PAGE) {
		const uint64_t *w = (const uint64_t *)(p + off);
		uint64_t or = 0;
		for (size_t i = 0; i < PAGE / 8; i++)
			or |= w[i];
		if (or)
			for (size_t b = 0; b < PAGE; b++)
				CHECK(p[off + b] == 0, "%s, %s: byte %zu is %#x, expected 0", who,
				      when, off + b, p[off + b]);
	}
}

/* One store per MiB (at a different offset in each), then each such page
 * holds just that byte and the pages around it are still zero. */
static void store_and_check(unsigned char *p, size_t len, unsigned char v, const char *who)
{
	for (size_t mib = 0; mib < len >> 20; mib++)
		p[(mib << 20) + (mib % 4096)] = (unsigned char)(v + mib);
	for (size_t mib = 0; mib < len >> 20; mib++) {
		size_t at = (mib << 20) + (mib % 4096), page = at & ~(PAGE - 1);
		CHECK(p[at] == (unsigned char)(v + mib), "%s: the byte stored at %zu reads %#x",
		      who, at, p[at]);
		p[at] = 0;
		check_zero(p + page, PAGE, who, "the rest of a page stored to");
		if (page + PAGE < len)
			check_zero(p + page + PAGE, PAGE, who, "the page after one stored to");
		p[at] = (unsigned char)(v + mib);
	}
}

int main(int argc, char **argv)
{
	char *end;
	size_t mib = argc > 1 ? strtoul(argv[1], &end, 10) : 64;
	CHECK(argc < 2 || (*end == 0 && mib > 0 && mib <= 4096), "bad size \"%s\" (MiB, 1..4096)",
	      argv[1]);
	size_t len = mib << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap(%zu MiB): %s", mib, strerror(errno));
	unsigned char *buf = malloc(CHUNK);
	CHECK(buf, "malloc(%lu): out of memory", CHUNK);
	printf("mem_zero_shared: %zu MiB\n", mib);
	check_zero(p, len, "parent", "before fork");
	fflush(stdout);

	int barrier[2], data[2];
	CHECK(pipe(barrier) == 0 && pipe(data) == 0, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(barrier[0]);
		close(data[0]);
		check_zero(p, len, "child", "after fork");
		CHECK(write(barrier[1], "c", 1) == 1, "child: write to the barrier: %s",
		      strerror(errno));
		/* The whole untouched area, through the kernel. */
		for (size_t off = 0; off < len;) {
			ssize_t n = write(data[1], p + off, len - off < CHUNK ? len - off : CHUNK);
			CHECK(n > 0, "child: write of the area at %zu: %s", off,
			      n < 0 ? strerror(errno) : "wrote nothing");
			off += (size_t)n;
		}
		close(data[1]);
		store_and_check(p, len, 0x40, "child");
		check_zero(p + PAGE, PAGE, "child", "the second page, never stored to");
		_exit(0);
	}
	close(barrier[1]);
	close(data[1]);
	char c;
	CHECK(read(barrier[0], &c, 1) == 1, "parent: the child died before it read everything");
	check_zero(p, len, "parent", "while the child is alive");
	size_t got = 0;
	for (;;) {
		ssize_t n = read(data[0], buf, CHUNK);
		CHECK(n >= 0, "parent: read from the pipe: %s", strerror(errno));
		if (n == 0)
			break;
		check_zero(buf, (size_t)n, "parent", "the child's area read from the pipe");
		got += (size_t)n;
	}
	CHECK(got == len, "parent: read %zu bytes of the child's area, expected %zu", got, len);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child %s %d (its FAIL line is above)",
	      WIFEXITED(status) ? "exited with status" : "was killed by signal",
	      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	/* The child's stores went to its own copies. */
	check_zero(p, len, "parent", "after the child stored to its pages");
	store_and_check(p, len, 0x80, "parent");
	printf("parent and child read %zu MiB of zeros; %zu stores each\n", mib, mib);
	CHECK(munmap(p, len) == 0, "munmap: %s", strerror(errno));
	free(buf);
	printf("mem_zero_shared: ok\n");
	return 0;
}
