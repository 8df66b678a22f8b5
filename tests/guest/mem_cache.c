/* mem_cache: the page cache as free(1) sees it. Reading a 32 MiB file the
 * guest never touched raises Cached and lowers MemFree by about 32 MiB
 * while MemAvailable stays about the same (cache is reclaimable); then 40
 * MiB of anonymous memory in a 64 MiB guest makes the cache shrink, and
 * nothing goes to swap while clean cache is left to drop.
 *
 *   mem_cache FILE [--expect-cache]
 * The checks on the numbers run only with --expect-cache (under vmemu,
 * whose kernel starts with an empty cache; natively the host may have
 * the file cached already). Output is the same everywhere. */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_test.h"

#define MIB_KB 1024LL
#define FILE_MIB 32
#define ANON_MIB 40

struct mem {
	long long free, available, cached, swap_free, swap_total;
};

static long long field(const char *text, const char *name)
{
	const char *l = strstr(text, name);
	CHECK(l, "/proc/meminfo has no %s", name);
	return strtoll(l + strlen(name), NULL, 10);
}

static struct mem meminfo(void)
{
	static char buf[16384];
	int fd = open("/proc/meminfo", O_RDONLY);
	CHECK(fd >= 0, "open /proc/meminfo: %s", strerror(errno));
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0, "read /proc/meminfo: %s", strerror(errno));
	buf[n] = 0;
	close(fd);
	return (struct mem){field(buf, "\nMemFree:"), field(buf, "\nMemAvailable:"),
			    field(buf, "\nCached:"), field(buf, "\nSwapFree:"),
			    field(buf, "\nSwapTotal:")};
}

static unsigned long read_file(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	unsigned long sum = 0, total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += (unsigned long)n;
	}
	CHECK(n == 0, "read %s: %s", path, strerror(errno));
	CHECK(total == FILE_MIB << 20, "%s: %lu bytes, expected %d MiB", path, total, FILE_MIB);
	close(fd);
	return sum;
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2, "usage: mem_cache FILE [--expect-cache]");
	bool expect = argc > 2 && !strcmp(argv[2], "--expect-cache");
	struct mem before = meminfo();
	printf("file checksum %lx\n", read_file(argv[1]));
	struct mem after = meminfo();
	if (expect) {
		CHECK(after.cached - before.cached >= (FILE_MIB - 2) * MIB_KB,
		      "Cached grew by %lld kB reading %d MiB", after.cached - before.cached, FILE_MIB);
		CHECK(before.free - after.free >= (FILE_MIB - 2) * MIB_KB,
		      "MemFree fell by %lld kB reading %d MiB", before.free - after.free, FILE_MIB);
		long long d = after.available - before.available;
		CHECK(d > -4 * MIB_KB && d < 4 * MIB_KB,
		      "MemAvailable moved by %lld kB: the cache should count as available", d);
	}

	size_t len = (size_t)ANON_MIB << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (unsigned char)(i / PAGE);
	for (size_t i = 0; i < len; i += PAGE)
		CHECK(p[i] == (unsigned char)(i / PAGE), "page %zu lost its byte", i / PAGE);
	struct mem pressed = meminfo();
	if (expect) {
		CHECK(pressed.cached < after.cached - 4 * MIB_KB,
		      "Cached %lld kB -> %lld kB: the cache did not shrink under pressure",
		      after.cached, pressed.cached);
		CHECK(pressed.swap_free == pressed.swap_total,
		      "%lld kB went to swap while clean cache could be dropped",
		      pressed.swap_total - pressed.swap_free);
	}
	puts("page cache: ok");
	return 0;
}
