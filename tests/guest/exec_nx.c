/* exec_nx: code runs from a page mapped PROT_READ|PROT_EXEC, and jumping
 * to the same page once it is no longer executable must kill the process
 * with SIGSEGV (exit status 139 under vmemu). Reaching the end is the
 * failure. */
#include "guest_test.h"

#include <sys/mman.h>

typedef int (*fn)(void);

int main(void)
{
	/* mov eax, 42; ret */
	static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	memcpy(p + 64, code, sizeof code);
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_EXEC) == 0, "mprotect(R|X): %s", strerror(errno));
	fn f = (fn)(unsigned long)(p + 64);
	int r = f();
	CHECK(r == 42, "code on an executable page returned %d, expected 42", r);

	/* Change the code while writable (not executable), then run it. */
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect(RW): %s", strerror(errno));
	p[65] = 0x07;
	/* The harness compares these lines too: the death must come after them. */
	printf("code on an R+X page returned %d; now calling it on an RW page\n", r);
	fflush(stdout);
	r = f();
	fail("jumping to a non-executable page at %p did not raise SIGSEGV (returned %d)",
	     (void *)p, r);
}
