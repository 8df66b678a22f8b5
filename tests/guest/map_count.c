/* map_count: vm.max_map_count, as Linux enforces it. One-page maps that
 * cannot merge (alternating protections) are made until mmap fails; it
 * must fail with ENOMEM once the process has max_map_count + 1 VMAs (the
 * VMAs counted from /proc/self/maps, [vsyscall] aside: it is no VMA).
 * At the limit: a hole punched in the middle of a VMA and an mprotect
 * that splits one are ENOMEM, unmapping a whole VMA is not; mprotect
 * needing two splits with room for one splits once, then fails; mremap
 * moves (grown, or to a fixed address) want room for more VMAs, a
 * shrink does not. Output: fixed lines only (counts relative to the
 * limit). With --set-limit (only under vmemu: natively it would
 * change the host), the limit is lowered through /proc/sys/vm first. */
#include "guest_test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

static long read_limit(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	CHECK(f != NULL, "open /proc/sys/vm/max_map_count: %s", strerror(errno));
	long v = -1;
	CHECK(fscanf(f, "%ld", &v) == 1, "read max_map_count");
	fclose(f);
	return v;
}

static void write_limit(long v)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "w");
	CHECK(f != NULL, "open /proc/sys/vm/max_map_count for writing: %s", strerror(errno));
	CHECK(fprintf(f, "%ld\n", v) > 0 && fclose(f) == 0, "write max_map_count: %s",
	      strerror(errno));
	CHECK(read_limit() == v, "max_map_count did not take %ld", v);
}

/* The process's VMAs: the lines of /proc/self/maps but [vsyscall]. Read
 * without stdio: at the limit, malloc (a new map) fails too. */
static long vmas(void)
{
	static char text[64 << 20];
	int fd = open("/proc/self/maps", O_RDONLY);
	CHECK(fd >= 0, "open /proc/self/maps: %s", strerror(errno));
	size_t len = 0;
	ssize_t r;
	while ((r = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)r;
	CHECK(r == 0, "read /proc/self/maps: %s", strerror(errno));
	close(fd);
	text[len] = 0;
	long n = 0;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n - (strstr(text, "[vsyscall]") != NULL);
}

static const char *err(int r)
{
	return r == 0 ? "ok" : errno == ENOMEM ? "ENOMEM" : strerror(errno);
}

static const char *remap(void *r)
{
	return err(r == MAP_FAILED ? -1 : 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--set-limit") == 0)
		write_limit(vmas() + 2000);
	long limit = read_limit();
	printf("max_map_count read\n"); /* stdout's buffer, before the limit */
	/* A three-page VMA to split later. */
	unsigned char *three = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(three != MAP_FAILED, "mmap: %s", strerror(errno));
	static void *maps[1 << 20];
	long n = 0;
	for (;;) {
		void *p = mmap(NULL, PAGE, n % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			CHECK(errno == ENOMEM, "mmap %ld failed with %s, expected ENOMEM", n,
			      strerror(errno));
			break;
		}
		CHECK(n < (long)(sizeof(maps) / sizeof(maps[0])), "%ld maps and no ENOMEM", n);
		maps[n++] = p;
	}
	printf("mmap: ENOMEM with max_map_count %+ld VMAs\n", vmas() - limit);
	unsigned char *mid = three + PAGE;
	printf("munmap of a middle page: %s\n", err(munmap(mid, PAGE)));
	printf("mprotect of a middle page: %s\n", err(mprotect(mid, PAGE, PROT_READ)));
	printf("munmap of a whole VMA: %s\n", err(munmap(maps[--n], PAGE)));
	printf("at max_map_count %+ld\n", vmas() - limit);
	printf("munmap of a middle page: %s\n", err(munmap(mid, PAGE)));
	printf("mprotect of a middle page: %s\n", err(mprotect(mid, PAGE, PROT_READ)));
	printf("mremap shrinking a VMA: %s\n", remap(mremap(three, 3 * PAGE, 2 * PAGE, 0)));
	/* Each step one VMA further below the limit: where mremap finds room
	 * to move. The probes are then unmapped wherever they went. */
	unsigned char *far = (unsigned char *)maps[n - 1] - 256 * PAGE; /* below every map */
	for (int below = 1; below <= 6; below++) {
		while (vmas() - limit > -below)
			CHECK(munmap(maps[--n], PAGE) == 0, "munmap: %s", strerror(errno));
		printf("at max_map_count %+ld: ", vmas() - limit);
		/* maps[n - 1] cannot grow in place (maps[n - 2] is above it). */
		void *g = mremap(maps[n - 1], PAGE, 2 * PAGE, MREMAP_MAYMOVE);
		void *f = mremap(maps[n - 2], PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, far);
		printf("mremap growing, moved: %s, to a fixed address: %s\n", remap(g), remap(f));
		CHECK(munmap(g == MAP_FAILED ? maps[n - 1] : g, 2 * PAGE) == 0 &&
		      munmap(f == MAP_FAILED ? maps[n - 2] : f, PAGE) == 0, "munmap: %s",
		      strerror(errno));
		n -= 2;
	}
	printf("mprotect of a middle page: %s\n", err(mprotect(mid, PAGE, PROT_READ)));
	printf("then max_map_count %+ld\n", vmas() - limit);
	return 0;
}
