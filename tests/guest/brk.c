/* brk: the program break, through the raw system call (so neither libc's
 * bookkeeping nor its malloc gets in the way).
 *   brk(0) reports the break; growing by 1 MiB succeeds and the new memory
 *   reads zero and is writable; shrinking succeeds and unmaps what is above
 *   the new break (a MAP_FIXED_NOREPLACE map fits there); growing again
 *   gives zeroed memory, not the old bytes; a break below the start fails
 *   (the break stays); the break is restored at the end. */
#include "guest_test.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static uintptr_t sys_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

static uintptr_t page_up(uintptr_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

int main(void)
{
	const uintptr_t start = sys_brk(0);
	CHECK(start != 0, "brk(0) returned 0");
	CHECK(sys_brk(0) == start, "brk(0) is not stable");

	const size_t grow = 1 << 20;
	uintptr_t b = sys_brk(start + grow);
	CHECK(b == start + grow, "brk(%#lx) returned %#lx", (unsigned long)(start + grow),
	      (unsigned long)b);
	CHECK(sys_brk(0) == start + grow, "brk(0) after growing is %#lx",
	      (unsigned long)sys_brk(0));

	unsigned char *heap = (unsigned char *)start;
	for (size_t i = 0; i < grow; i++)
		if (heap[i] != 0)
			fail("new brk memory byte %zu is %#x, expected 0", i, heap[i]);
	for (size_t i = 0; i < grow; i += 512)
		heap[i] = (unsigned char)(i / 512 + 1);
	for (size_t i = 0; i < grow; i += 512)
		CHECK(heap[i] == (unsigned char)(i / 512 + 1), "brk memory byte %zu reads %#x", i,
		      heap[i]);

	/* Shrink to a page boundary well inside the region. */
	uintptr_t mid = page_up(start) + 64 * PAGE;
	CHECK(sys_brk(mid) == mid, "shrinking brk to %#lx failed", (unsigned long)mid);
	CHECK(heap[0] == 1, "brk memory below the new break lost its bytes");

	/* Above the new break nothing is mapped any more. */
	void *q = mmap((void *)(mid + 16 * PAGE), PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == (void *)(mid + 16 * PAGE),
	      "MAP_FIXED_NOREPLACE above the shrunk break returned %p (%s)", q,
	      q == MAP_FAILED ? strerror(errno) : "moved");
	CHECK(munmap(q, PAGE) == 0, "munmap: %s", strerror(errno));

	/* Growing again: the pages above mid come back zeroed. */
	CHECK(sys_brk(start + grow) == start + grow, "growing brk again failed");
	for (uintptr_t a = mid; a < start + grow; a++)
		if (*(unsigned char *)a != 0)
			fail("regrown brk memory at %#lx is %#x, expected 0", (unsigned long)a,
			     *(unsigned char *)a);
	for (uintptr_t a = start; a < mid; a += 512)
		CHECK(*(unsigned char *)a == (unsigned char)((a - start) / 512 + 1),
		      "kept brk memory at %#lx changed", (unsigned long)a);

	/* Below the start of the heap: refused, break unchanged. */
	CHECK(sys_brk(start - (64UL << 20)) == start + grow,
	      "brk below the heap start did not leave the break alone");

	CHECK(sys_brk(start) == start, "restoring the break failed");
	return 0;
}
