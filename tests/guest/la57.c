/* la57: user addresses above 2^47 with 5-level paging, as Linux gives them:
 * only where an mmap hint lies above the 47-bit window; without a hint,
 * maps stay below it.
 *
 * usage: la57 [high]
 *
 * Maps 4 MiB without a hint (below 2^47) and 4 MiB with the hint 2^52;
 * writes both, reads a file into the high one through read(2), and
 * checks the contents. With "high" (vmemu --la57 only: the host may run
 * 4-level paging, where Linux ignores such a hint) the second map must
 * be at the hint. */
#include "guest_test.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEN (4UL << 20)
#define WINDOW (1ULL << 47)
#define HINT (1ULL << 52)

static unsigned char *map(void *hint)
{
	unsigned char *p = mmap(hint, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(%p): %s", hint, strerror(errno));
	return p;
}

int main(int argc, char **argv)
{
	int high = argc > 1 && !strcmp(argv[1], "high");
	unsigned char *low = map(NULL), *up = map((void *)HINT);
	CHECK((uintptr_t)low + LEN <= WINDOW, "a map without a hint at %p, above 2^47", (void *)low);
	if (high)
		CHECK((uintptr_t)up == HINT, "the map with hint %#llx is at %p", HINT, (void *)up);
	for (size_t i = 0; i < LEN; i += PAGE) {
		low[i] = (unsigned char)(i >> 12);
		up[i] = (unsigned char)~(i >> 12);
	}
	for (size_t i = 0; i < LEN; i += PAGE)
		CHECK(low[i] == (unsigned char)(i >> 12) && up[i] == (unsigned char)~(i >> 12),
		      "page %zu lost its byte", i / PAGE);
	/* The kernel writes there too (copy_to_user). */
	int fd = open("/proc/self/cmdline", O_RDONLY);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	ssize_t n = read(fd, up + LEN - 100, 100);
	CHECK(n > 0 && !strcmp((char *)up + LEN - 100, argv[0]), "read into the high map: %zd", n);
	close(fd);
	CHECK(munmap(up, LEN) == 0 && munmap(low, LEN) == 0, "munmap: %s", strerror(errno));
	printf("both maps hold their data\n");
	return 0;
}
