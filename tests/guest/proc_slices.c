/* proc_slices: a process whose time slice ends resumes exactly where it
 * stopped: no instruction runs twice.
 *
 * usage: proc_slices [ROUNDS]   (default 20)
 *
 * Each round the parent forks a child, so that its 4096 pages (16 MiB)
 * become copy-on-write, and then parent and child both add 1 to a counter
 * in every page with one read-modify-write instruction (lock add): its
 * read finds the page read-only, its write copies the page. Both run at
 * once without system calls, so under vmemu the clock ends their slices
 * many times, mostly while a write is being handled. An instruction that
 * is run again after it completed (as a preempted glibc lock cmpxchg once
 * was) adds 2 to a counter. The child checks its counters and exits 1 if
 * one is wrong; the parent checks its own at the end. */
#include "proc_test.h"

#include <stdint.h>
#include <sys/mman.h>

#define NPAGES 4096
#define WORDS_PER_PAGE (PAGE / sizeof(uint32_t))

/* Adds 1 to each page's counter, in a scrambled page order. */
static void add_one(uint32_t *mem)
{
	for (unsigned i = 0; i < NPAGES; i++)
		__atomic_fetch_add(&mem[(i * 7 % NPAGES) * WORDS_PER_PAGE], 1, __ATOMIC_RELAXED);
}

/* How many counters are not want. */
static unsigned wrong_counters(const uint32_t *mem, uint32_t want)
{
	unsigned wrong = 0;
	for (unsigned i = 0; i < NPAGES; i++)
		wrong += mem[i * WORDS_PER_PAGE] != want;
	return wrong;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20;
	CHECK(rounds > 0, "usage: proc_slices [ROUNDS > 0]");
	uint32_t *mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	unsigned bad_children = 0;
	for (unsigned r = 0; r < rounds; r++) {
		pid_t child = xfork();
		if (child == 0) {
			add_one(mem);
			_exit(wrong_counters(mem, r + 1) ? 1 : 0);
		}
		add_one(mem);
		int status = wait_for(child);
		bad_children += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	unsigned wrong = wrong_counters(mem, rounds);
	printf("%u rounds: %u of %d counters wrong, %u children with wrong counters\n", rounds,
	       wrong, NPAGES, bad_children);
	CHECK(wrong == 0 && bad_children == 0, "a counter was added to more than once");
	return 0;
}
