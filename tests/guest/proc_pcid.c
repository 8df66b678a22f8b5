/* proc_pcid: more address spaces than there are PCIDs (4095), created
 * while older ones are still alive, and none may see another's memory.
 *
 * The parent and OLD long-lived children each own a copy-on-write page
 * at the same address with their own value; then FORKS short-lived
 * children are forked one after another: each writes its own copy of
 * that page (a copy-on-write fault, then stores through the new
 * translation), reads it back and exits. After each one the parent
 * checks its own copy; at the end the old children check theirs. A
 * kernel that hands a live address space's PCID to a new one without
 * flushing lets the new one use the old one's cached translations, and
 * its stores land in the other's page. Output: fixed lines only. */
#include "proc_test.h"

#include <stdint.h>

#define FORKS 4200
#define OLD 8

static volatile uint64_t page[PAGE / sizeof(uint64_t)] __attribute__((aligned(PAGE)));

/* Fills the whole page, so every cached line of it is stale elsewhere. */
static void fill(uint64_t v)
{
	for (size_t i = 0; i < PAGE / sizeof(uint64_t); i++)
		page[i] = v + i;
}

static int check(uint64_t v)
{
	for (size_t i = 0; i < PAGE / sizeof(uint64_t); i++)
		if (page[i] != v + i)
			return 1;
	return 0;
}

#define PARENT_VALUE 0x5000000000000000ULL
#define OLD_VALUE(i) (0x6000000000000000ULL + ((uint64_t)(i) << 32))
#define CHILD_VALUE(i) (0x7000000000000000ULL + ((uint64_t)(i) << 32))

int main(void)
{
	fill(PARENT_VALUE);
	int release[2];
	CHECK(pipe(release) == 0, "pipe: %s", strerror(errno));
	pid_t old[OLD];
	for (int i = 0; i < OLD; i++) {
		old[i] = xfork();
		if (old[i] == 0) {
			close(release[1]);
			fill(OLD_VALUE(i));
			char c;
			ssize_t r = read(release[0], &c, 1);
			_exit(r == 0 && check(OLD_VALUE(i)) == 0 ? 0 : 3);
		}
	}
	close(release[0]);
	for (int i = 0; i < FORKS; i++) {
		pid_t pid = xfork();
		if (pid == 0) {
			if (check(PARENT_VALUE))
				_exit(2); /* the inherited copy is not the parent's */
			fill(CHILD_VALUE(i));
			_exit(check(CHILD_VALUE(i)));
		}
		int status = wait_for(pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child %d (pid %d): status %#x", i, (int)pid, status);
		CHECK(check(PARENT_VALUE) == 0, "the parent's page changed after child %d (pid %d)",
		      i, (int)pid);
	}
	printf("%d children forked one after another, each with its own page\n", FORKS);
	close(release[1]);
	for (int i = 0; i < OLD; i++)
		expect_exit(wait_for(old[i]), 0, "an old child's page");
	printf("%d older children kept their pages\n", OLD);
	return 0;
}
