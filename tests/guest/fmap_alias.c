/* fmap_alias: read(2) and write(2) whose user buffer is a MAP_SHARED map
 * of the very file they read or write, so that the kernel's copy has the
 * same page cache page as source and destination. Linux copies forward
 * (copy_to_user / copy_from_user, as rep movsb does): where the
 * destination starts above the source and they overlap, bytes already
 * copied are copied again, repeating the first (destination - source)
 * bytes; where it starts below, the result is that of memmove. Each case
 * prints a checksum of the file (read into private memory) and of the
 * map, compared with the native run. A destination above an overlapping
 * source is at least a page away: closer, the CPU's fast string copy
 * decides what is read again (not the same on every core). Also a
 * private map (the write fault gives the buffer its own page first) and
 * vectors (readv/writev) whose later parts read what earlier parts
 * wrote. */
#include "guest_test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGES 4
#define SIZE (PAGES * PAGE)

static char path[4096];
static int fd;

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void fill_file(void)
{
	static unsigned char b[SIZE];
	for (size_t i = 0; i < SIZE; i++)
		b[i] = (unsigned char)(i * 7 + i / 251);
	CHECK(pwrite(fd, b, SIZE, 0) == SIZE, "pwrite: %s", strerror(errno));
}

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void report(const char *what, long r, const unsigned char *map)
{
	static unsigned char b[SIZE];
	CHECK(pread(fd, b, SIZE, 0) == SIZE, "pread: %s", strerror(errno));
	printf("%s: returned %ld, file %016llx, map %016llx\n", what, r,
	       (unsigned long long)fnv(b, SIZE), (unsigned long long)fnv(map, SIZE));
}

static unsigned char *map_file(int flags)
{
	unsigned char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, flags, fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	return m;
}

int main(void)
{
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/vmemu-fmap-alias-XXXXXX", tmp_dir());
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp %s: %s", path, strerror(errno));

	struct {
		const char *what;
		size_t buf, len, off; /* buffer at map + buf, file at off */
		bool write;
	} cases[] = {
		{"pread, buffer a page and 100 bytes above", PAGE + 100, 2 * PAGE, 0, false},
		{"pread, buffer 16 bytes below the source", 0, 1000, 16, false},
		{"pread, buffer 100 bytes below, across pages", 2 * PAGE - 100, PAGE, 2 * PAGE, false},
		{"pread, buffer over the source exactly", 64, 3000, 64, false},
		{"pwrite, file 24 bytes below the buffer", 24, 3000, 0, true},
		{"pwrite, file a page and 8 bytes above", 8, 2 * PAGE, PAGE + 16, true},
		{"pwrite, file over the buffer exactly", 200, 3000, 200, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fill_file();
		unsigned char *m = map_file(MAP_SHARED);
		long r = cases[i].write ? pwrite(fd, m + cases[i].buf, cases[i].len, (off_t)cases[i].off)
					: pread(fd, m + cases[i].buf, cases[i].len, (off_t)cases[i].off);
		report(cases[i].what, r, m);
		munmap(m, SIZE);
	}

	/* A private map: the buffer gets its own copy at the write fault. */
	fill_file();
	unsigned char *p = map_file(MAP_PRIVATE);
	report("pread into a private map", pread(fd, p + 16, 1000, 0), p);
	munmap(p, SIZE);

	/* Vectors: later parts read what earlier parts wrote. */
	fill_file();
	unsigned char *m = map_file(MAP_SHARED);
	struct iovec v[2] = {{m + 150, 100}, {m + 2 * PAGE, 200}};
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
	report("readv", readv(fd, v, 2), m);
	fill_file();
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
	struct iovec w[2] = {{m + 2 * PAGE, 100}, {m, 100}};
	report("writev", writev(fd, w, 2), m);
	munmap(m, SIZE);
	close(fd);
	return 0;
}
