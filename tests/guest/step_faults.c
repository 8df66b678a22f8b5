/* step_faults: three page faults, each made by one instruction at a global
 * label, for the scripted `vmemu step` session (step_session.sh):
 *
 *   step_touch    writes a fresh anonymous page whose page table already
 *                 exists: the walk ends at the pte (not present), error
 *                 code 0x6 (W|U), and the kernel gives a demand-zero frame;
 *   step_cow      writes a page shared copy-on-write with a forked child
 *                 that is still alive: error code 0x7 (P|W|U), copied;
 *   step_read     reads a page that was swapped out: swap-in.
 *
 * The swapped page is made by memory pressure: under vmemu --mem 16M
 * --swap 64M the program writes 1 MiB chunks until mincore(2) says the
 * page is no longer in memory (nor in the swap cache). Natively, without
 * that pressure, it stops after PRESSURE_MAX_MIB and reads it anyway. The
 * program checks the data it reads back and prints the same lines either
 * way. */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PRESSURE_MAX_MIB 48
#define MIB (1UL << 20)

void step_touch(volatile char *p);
void step_cow(volatile char *p);
int step_read(volatile const char *p);

/* One instruction each, so a breakpoint there stops right before it. */
__asm__(".text\n"
	".globl step_touch\n.type step_touch, @function\n"
	"step_touch:\n\tmovb $1, (%rdi)\n\tret\n"
	".globl step_cow\n.type step_cow, @function\n"
	"step_cow:\n\tmovb $2, (%rdi)\n\tret\n"
	".globl step_read\n.type step_read, @function\n"
	"step_read:\n\tmovzbl (%rdi), %eax\n\tret\n");

static char *map_pages(size_t n)
{
	char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(%zu pages): %s", n, strerror(errno));
	return p;
}

/* A fresh page next to a touched one in the same 2 MiB: its page table
 * exists, its pte is empty. */
static void fresh_page(void)
{
	char *p = map_pages(3);
	p[PAGE] = 1; /* creates the page table of the middle page's 2 MiB */
	char *fresh = ((uintptr_t)p >> 21) == ((uintptr_t)(p + PAGE) >> 21) ? p : p + 2 * PAGE;
	step_touch(fresh);
	CHECK(fresh[0] == 1, "the fresh page reads %d after the write of 1", fresh[0]);
	printf("fresh page written\n");
}

static void cow_page(void)
{
	char *page = map_pages(1);
	page[0] = 7; /* its own frame, before the fork shares it */
	int go[2];
	CHECK(pipe(go) == 0, "pipe: %s", strerror(errno));
	pid_t child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		char c;
		/* Alive, and sharing the page, until the parent wrote it. */
		if (read(go[0], &c, 1) != 1 || page[0] != 7)
			_exit(1);
		_exit(0);
	}
	step_cow(page);
	CHECK(page[0] == 2, "the parent's copy reads %d after the write of 2", page[0]);
	CHECK(write(go[1], "g", 1) == 1, "write to the pipe: %s", strerror(errno));
	int status;
	CHECK(waitpid(child, &status, 0) == child, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child saw its page change (status %#x)", status);
	printf("copy-on-write page written\n");
}

static void swapped_page(void)
{
	char *victim = map_pages(1);
	memset(victim, 0x5a, PAGE);
	unsigned char resident = 1;
	size_t mib = 0;
	while (mib < PRESSURE_MAX_MIB) {
		char *chunk = map_pages(MIB / PAGE);
		for (size_t i = 0; i < MIB; i += PAGE)
			chunk[i] = (char)i;
		mib++;
		CHECK(mincore(victim, PAGE, &resident) == 0, "mincore: %s", strerror(errno));
		if (!(resident & 1))
			break;
	}
	int v = step_read(victim);
	CHECK(v == 0x5a, "the swapped page reads %#x, expected 0x5a", v);
	printf("page read back\n");
}

int main(void)
{
	fresh_page();
	cow_page();
	swapped_page();
	return 0;
}
