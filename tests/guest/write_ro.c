/* write_ro: a store to read-only memory must kill the process with SIGSEGV
 * (exit status 139 under vmemu). The argument picks the memory:
 *   (none)    a fresh PROT_READ anonymous mapping, read first (it reads 0);
 *   mprotect  a page written while RW, then mprotect'ed to PROT_READ (so
 *             its page is present and the fault is a protection fault);
 *   rodata    a string literal in the program's read-only segment.
 * Reaching the end is the failure. */
#include "guest_test.h"

#include <sys/mman.h>

static const char message[] = "read-only data";

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mmap";
	volatile char *target;

	if (strcmp(mode, "rodata") == 0) {
		target = (volatile char *)(unsigned long)message;
		CHECK(target[0] == 'r', "reading .rodata");
	} else {
		char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
		if (strcmp(mode, "mprotect") == 0) {
			p[100] = 42;
			CHECK(mprotect(p, PAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
			CHECK(p[100] == 42, "page after mprotect(PROT_READ) reads %d", p[100]);
		} else {
			CHECK(mprotect(p, PAGE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
			CHECK(p[100] == 0, "fresh read-only page reads %d", p[100]);
		}
		target = p + 100;
	}
	/* The harness compares this line too: the death must come after it. */
	printf("memory (%s) is readable; now a store to it\n", mode);
	fflush(stdout);
	*target = 'X';
	fail("a store to read-only memory (%s) at %p did not raise SIGSEGV", mode,
	     (void *)(unsigned long)target);
}
