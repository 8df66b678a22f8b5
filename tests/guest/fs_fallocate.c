/* fs_fallocate: fallocate(2) on a temporary file: mode 0 grows the file
 * (zeros), KEEP_SIZE does not; PUNCH_HOLE and ZERO_RANGE zero bytes that
 * a MAP_SHARED map of the file then shows (the page cache follows the
 * file), even bytes just stored through the map; the argument errors
 * (EINVAL, EOPNOTSUPP, EBADF, ESPIPE, ENODEV or EOPNOTSUPP on /proc).
 * statfs(2) and fstatfs(2) of /proc, a pipe and the temporary file's
 * file system: the fields printed, compared with the native run. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10 /* musl has only KEEP_SIZE and PUNCH_HOLE */
#endif

static long file_size(int fd)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	return (long)st.st_size;
}

/* fallocate's result as text: "ok" or the errno's name. */
static const char *falloc(int fd, int mode, off_t off, off_t len)
{
	if (fallocate(fd, mode, off, len) == 0)
		return "ok";
	static char buf[32];
	snprintf(buf, sizeof(buf), "errno %d", errno);
	return buf;
}

static void show_statfs(const char *what, const struct statfs *s)
{
	printf("%s: type %lx bsize %ld namelen %ld frsize %ld flags %lx\n", what,
	       (unsigned long)s->f_type, (long)s->f_bsize, (long)s->f_namelen, (long)s->f_frsize,
	       (unsigned long)s->f_flags);
}

static void check_sizes(int fd)
{
	const char *r = falloc(fd, 0, 0, 8192);
	printf("mode 0 at 0+8192: %s, size %ld\n", r, file_size(fd));
	r = falloc(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192);
	printf("KEEP_SIZE at 8192+8192: %s, size %ld\n", r, file_size(fd));
	r = falloc(fd, 0, 12288, 4096);
	printf("mode 0 at 12288+4096: %s, size %ld\n", r, file_size(fd));
	char buf[16384];
	CHECK(pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf), "pread: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == 0, "byte %zu of the allocated file is %d", i, buf[i]);
}

/* Bytes stored through a shared map, then zeroed by the file system. */
static void check_zeroing(int fd, int mode, const char *name)
{
	char *map = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(map, 'x', 4 * PAGE);
	const char *r = falloc(fd, mode, PAGE + 100, 2 * PAGE);
	printf("%s at 4196+8192: %s, size %ld\n", name, r, file_size(fd));
	if (!strcmp(r, "ok")) {
		for (unsigned long i = 0; i < 4 * PAGE; i++) {
			char want = i >= PAGE + 100 && i < 3 * PAGE + 100 ? 0 : 'x';
			CHECK(map[i] == want, "%s: byte %lu of the map is %d, not %d", name, i, map[i],
			      want);
		}
		char c;
		CHECK(pread(fd, &c, 1, 2 * PAGE) == 1 && c == 0, "%s: read after it gave %d", name, c);
	}
	CHECK(munmap(map, 4 * PAGE) == 0, "munmap");
}

static void check_errors(int fd, const char *path)
{
	printf("len 0: %s\n", falloc(fd, 0, 0, 0));
	printf("offset -1: %s\n", falloc(fd, 0, -1, 10));
	printf("unknown mode: %s\n", falloc(fd, 0x1000, 0, 10));
	printf("PUNCH_HOLE without KEEP_SIZE: %s\n", falloc(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
	int ro = open(path, O_RDONLY);
	CHECK(ro >= 0, "open O_RDONLY: %s", strerror(errno));
	printf("read-only fd: %s\n", falloc(ro, 0, 0, 10));
	close(ro);
	printf("bad fd: %s\n", falloc(999, 0, 0, 10));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	printf("pipe read end: %s\n", falloc(p[0], 0, 0, 10));
	printf("pipe write end: %s\n", falloc(p[1], 0, 0, 10));
	struct statfs s;
	CHECK(fstatfs(p[0], &s) == 0, "fstatfs(pipe): %s", strerror(errno));
	show_statfs("fstatfs(pipe)", &s);
	close(p[0]);
	close(p[1]);
	int pf = open("/proc/self/status", O_RDONLY);
	CHECK(pf >= 0, "open /proc/self/status");
	printf("/proc file: %s\n", falloc(pf, 0, 0, 10));
	CHECK(fstatfs(pf, &s) == 0, "fstatfs(/proc/self/status): %s", strerror(errno));
	show_statfs("fstatfs(/proc/self/status)", &s);
	close(pf);
}

int main(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/fs_fallocate.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	check_sizes(fd);
	check_zeroing(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, "PUNCH_HOLE");
	check_zeroing(fd, FALLOC_FL_ZERO_RANGE, "ZERO_RANGE");
	check_errors(fd, path);
	struct statfs s, f;
	CHECK(statfs(path, &s) == 0 && fstatfs(fd, &f) == 0, "statfs of the file: %s",
	      strerror(errno));
	CHECK(s.f_type == f.f_type && s.f_bsize == f.f_bsize, "statfs and fstatfs of the file differ");
	show_statfs("statfs(tmp file)", &s);
	CHECK(statfs("/proc/self/maps", &s) == 0, "statfs(/proc/self/maps): %s", strerror(errno));
	show_statfs("statfs(/proc/self/maps)", &s);
	CHECK(statfs("/proc/sys/vm", &s) == 0, "statfs(/proc/sys/vm): %s", strerror(errno));
	show_statfs("statfs(/proc/sys/vm)", &s);
	CHECK(syscall(SYS_statfs, path, 8L) == -1 && errno == EFAULT, "statfs to a bad pointer");
	CHECK(statfs("/no/such/path", &s) == -1 && errno == ENOENT, "statfs of a missing path");
	unlink(path);
	close(fd);
	return 0;
}
