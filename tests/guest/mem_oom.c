/* mem_oom: the OOM killer picks the process that frees most.
 *
 * usage: mem_oom [--expect-oom] [HOG_MIB [SMALL_MIB]]   (default 256 and 4)
 *
 * The parent forks a memory hog (named "mem_oom_hog" by prctl(PR_SET_NAME),
 * so the kernel's report names it), which maps HOG_MIB MiB and stores to
 * every page, then checks every page and exits 0. Once the hog holds its
 * first 16 MiB, the parent forks a small process ("mem_oom_small") that
 * maps SMALL_MIB MiB, uses it for a sieve of Eratosthenes, prints the number
 * of primes it found and exits 0. The parent, which itself holds little
 * memory, waits for both and prints how each ended.
 *
 * Natively (with enough memory) both exit 0. Under vmemu with --mem 64M and
 * no swap, the hog cannot get its memory: the OOM killer must kill the hog
 * (by far the largest), not the parent or the small process, so the hog
 * dies by SIGKILL while the other two finish normally. --expect-oom makes
 * the parent insist on that; without it, a hog that exits 0 is fine too. */
#include "guest_test.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOG_NAME "mem_oom_hog"
#define SMALL_NAME "mem_oom_small"
#define HOG_READY_MIB 16

static void set_name(const char *name)
{
	char got[16] = "";
	CHECK(prctl(PR_SET_NAME, name, 0, 0, 0) == 0, "prctl(PR_SET_NAME, %s): %s", name,
	      strerror(errno));
	CHECK(prctl(PR_GET_NAME, got, 0, 0, 0) == 0, "prctl(PR_GET_NAME): %s", strerror(errno));
	CHECK(strcmp(got, name) == 0, "prctl(PR_GET_NAME) gives \"%s\", expected \"%s\"", got,
	      name);
}

/* MAP_NORESERVE: the map is not charged, so it is made even where it is
 * larger than memory and swap (vm.overcommit_memory 0 refuses that one
 * otherwise); the pages fail when touched. */
static void *map_anon(size_t len, const char *who)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	CHECK(p != MAP_FAILED, "%s: mmap(%zu KiB): %s", who, len >> 10, strerror(errno));
	return p;
}

/* The hog: touches every page of mib MiB, telling ready_fd once it holds
 * HOG_READY_MIB MiB. Exits 0 when it got (and kept) all of it. */
static void hog(size_t mib, int ready_fd)
{
	set_name(HOG_NAME);
	size_t len = mib << 20, pages = len / PAGE;
	uint64_t *p = map_anon(len, "hog");
	for (size_t i = 0; i < pages; i++) {
		p[i * (PAGE / 8)] = i * 0x9e3779b97f4a7c15ULL;
		if (i + 1 == ((size_t)HOG_READY_MIB << 20) / PAGE) {
			CHECK(write(ready_fd, "r", 1) == 1, "hog: write to the pipe: %s",
			      strerror(errno));
			close(ready_fd);
		}
	}
	for (size_t i = 0; i < pages; i++)
		CHECK(p[i * (PAGE / 8)] == i * 0x9e3779b97f4a7c15ULL,
		      "hog: page %zu lost its value", i);
	_exit(0);
}

/* The small process: a sieve over mib MiB (one byte per number). */
static void small(size_t mib)
{
	set_name(SMALL_NAME);
	size_t n = mib << 20, count = 0;
	unsigned char *composite = map_anon(n, "small");
	for (size_t i = 2; i < n; i++) {
		if (composite[i])
			continue;
		count++;
		for (size_t j = i * i; j < n; j += i)
			composite[j] = 1;
	}
	printf("small: %zu primes below %zu\n", count, n);
	exit(0);
}

/* "exited with status N" or "killed by SIGKILL" (or another signal). */
static const char *how(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		snprintf(buf, len, "killed by SIGKILL");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended with wait status %#x", status);
	return buf;
}

int main(int argc, char **argv)
{
	int expect_oom = 0, arg = 1;
	if (arg < argc && strcmp(argv[arg], "--expect-oom") == 0) {
		expect_oom = 1;
		arg++;
	}
	size_t hog_mib = arg < argc ? strtoul(argv[arg++], NULL, 10) : 256;
	size_t small_mib = arg < argc ? strtoul(argv[arg++], NULL, 10) : 4;
	CHECK(hog_mib > HOG_READY_MIB && small_mib > 0 && arg == argc,
	      "usage: mem_oom [--expect-oom] [HOG_MIB (> %d) [SMALL_MIB]]", HOG_READY_MIB);
	fflush(stdout);

	int ready[2];
	CHECK(pipe(ready) == 0, "pipe: %s", strerror(errno));
	pid_t hog_pid = fork();
	CHECK(hog_pid >= 0, "fork (hog): %s", strerror(errno));
	if (hog_pid == 0) {
		close(ready[0]);
		hog(hog_mib, ready[1]);
	}
	close(ready[1]);
	/* The hog holds HOG_READY_MIB MiB (or has died: end of file). */
	char c;
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);

	pid_t small_pid = fork();
	CHECK(small_pid >= 0, "fork (small): %s", strerror(errno));
	if (small_pid == 0)
		small(small_mib);

	int small_status, hog_status;
	CHECK(waitpid(small_pid, &small_status, 0) == small_pid, "waitpid (small): %s",
	      strerror(errno));
	CHECK(waitpid(hog_pid, &hog_status, 0) == hog_pid, "waitpid (hog): %s", strerror(errno));
	char buf[64];
	printf("small process: %s\n", how(small_status, buf, sizeof(buf)));
	printf("hog: %s\n", how(hog_status, buf, sizeof(buf)));
	fflush(stdout);

	CHECK(n == 1, "the hog died before it held %d MiB (%s)", HOG_READY_MIB,
	      how(hog_status, buf, sizeof(buf)));
	CHECK(WIFEXITED(small_status) && WEXITSTATUS(small_status) == 0,
	      "the small process %s, expected exit status 0", how(small_status, buf, sizeof(buf)));
	int hog_killed = WIFSIGNALED(hog_status) && WTERMSIG(hog_status) == SIGKILL;
	int hog_ok = WIFEXITED(hog_status) && WEXITSTATUS(hog_status) == 0;
	CHECK(hog_killed || (hog_ok && !expect_oom), "the hog %s, expected %s",
	      how(hog_status, buf, sizeof(buf)),
	      expect_oom ? "death by SIGKILL (the OOM killer)" : "exit 0 or death by SIGKILL");
	return 0;
}
