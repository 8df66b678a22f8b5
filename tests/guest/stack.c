/* stack: the main thread's stack grows on demand below its initial pages,
 * as Linux grows it up to RLIMIT_STACK. Recurses with 64 KiB frames down
 * to 6 MiB (less when the limit is smaller), fills every frame with a
 * pattern of its depth, and checks every frame again while unwinding. */
#include "guest_test.h"

#include <sys/resource.h>

#define FRAME (64 * 1024)

static int depth_max;

static long recurse(int depth)
{
	volatile unsigned char buf[FRAME];
	for (size_t i = 0; i < FRAME; i += 256)
		buf[i] = (unsigned char)(depth * 3 + i / 256);
	long sum = 0;
	if (depth + 1 < depth_max)
		sum = recurse(depth + 1);
	for (size_t i = 0; i < FRAME; i += 256)
		if (buf[i] != (unsigned char)(depth * 3 + i / 256))
			fail("stack frame at depth %d, byte %zu: %#x, expected %#x", depth, i,
			     buf[i], (unsigned char)(depth * 3 + i / 256));
	return sum + buf[FRAME - 256] + 1;
}

int main(void)
{
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0, "getrlimit(RLIMIT_STACK): %s", strerror(errno));
	size_t want = 6UL << 20;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + (1UL << 20))
		want = rl.rlim_cur > (2UL << 20) ? rl.rlim_cur - (1UL << 20) : rl.rlim_cur / 2;
	depth_max = (int)(want / FRAME);
	long got = recurse(0);
	CHECK(got > depth_max, "recursion returned %ld for depth %d", got, depth_max);
	return 0;
}
