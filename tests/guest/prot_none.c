/* prot_none: touching a PROT_NONE guard page must kill the process with
 * SIGSEGV (exit status 139 under vmemu). The pages on both sides of the
 * guard work, so the fault is the guard's alone. With the argument "write"
 * the touch is a store, else a load. Reaching the end is the failure. */
#include "guest_test.h"

#include <sys/mman.h>

int main(int argc, char **argv)
{
	int write_it = argc > 1 && strcmp(argv[1], "write") == 0;
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(mprotect(p + PAGE, PAGE, PROT_NONE) == 0, "mprotect(PROT_NONE): %s",
	      strerror(errno));
	p[0] = 1;
	p[PAGE - 1] = 2;
	p[2 * PAGE] = 3;
	CHECK(p[0] == 1 && p[PAGE - 1] == 2 && p[2 * PAGE] == 3, "neighbours of the guard page");

	volatile unsigned char *guard = p + PAGE + 123;
	/* The harness compares this line too: the death must come after it. */
	printf("neighbours of the guard page work; now a %s of the guard page\n",
	       write_it ? "store" : "load");
	fflush(stdout);
	if (write_it)
		*guard = 7;
	else
		(void)*guard;
	fail("%s of the PROT_NONE page at %p did not raise SIGSEGV", write_it ? "a store" : "a load",
	     (void *)guard);
}
