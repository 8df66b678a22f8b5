/* fs_map_files: the file a map was made through (Linux's vm_file), as
 * /proc/self/maps and /proc/self/map_files show it, compared with Linux:
 *   a private map of /dev/zero is named /dev/zero in maps, with the
 *   device and inode of /dev/zero, and has a map_files entry; a shared
 *   one is "/dev/zero (deleted)" on device 00:01; a private file map is
 *   named by its path, " (deleted)" once the file is unlinked;
 *   map_files/START-END reads as the file's name, lstat says a link whose
 *   mode is how the file is open, open through it reads the file's bytes
 *   (even unlinked), and names that are not exactly a VMA's start and
 *   end (spaces, leading zeros, overflow, another end) are ENOENT;
 *   anonymous memory has no entry, and an unmapped range loses its own. */
#include "guest_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char dir[4096], file[4200];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

/* name as printed: the scratch folder (random) shown as DIR. */
static const char *shown(const char *name)
{
	static char out[4400];
	size_t n = strlen(dir);
	if (strncmp(name, dir, n))
		return name;
	snprintf(out, sizeof out, "DIR%s", name + n);
	return out;
}

/* "/proc/self/map_files/START-END" of the map at p, len bytes. */
static const char *entry(const void *p, size_t len)
{
	static char path[96];
	snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", (unsigned long)p,
		 (unsigned long)p + len);
	return path;
}

/* The maps line of the VMA at p: its dev:ino and name fields checked
 * against want (device and inode of fd, or 00:01 when fd is -1). */
static void expect_maps(const void *p, int fd, unsigned long offset, const char *name,
			const char *what)
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f, "fopen maps: %s", strerror(errno));
	char line[4400];
	unsigned long start, end, off, ino;
	unsigned maj, min;
	int at;
	bool found = false;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %lu %n", &start, &end, &off, &maj, &min, &ino,
			   &at) == 6 &&
		    start == (unsigned long)p) {
			found = true;
			break;
		}
	}
	fclose(f);
	CHECK(found, "%s: no maps line at %p", what, p);
	line[strcspn(line, "\n")] = 0;
	const char *got = line + at;
	got += strspn(got, " ");
	CHECK(!strcmp(got, name), "%s: maps names \"%s\", expected \"%s\"", what, got, name);
	CHECK(off == offset, "%s: maps offset %lx, expected %lx", what, off, offset);
	if (fd >= 0) {
		struct stat st;
		CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
		CHECK(makedev(maj, min) == st.st_dev && ino == st.st_ino,
		      "%s: maps says %02x:%02x %lu, the file is %02x:%02x %lu", what, maj, min, ino,
		      major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
	} else {
		CHECK(maj == 0 && min == 1, "%s: maps device %02x:%02x, expected 00:01", what, maj,
		      min);
	}
	printf("%s: maps names %s\n", what, shown(name));
}

static void expect_link(const void *p, size_t len, const char *want, mode_t mode,
			const char *what)
{
	char got[4400] = "";
	const char *path = entry(p, len);
	ssize_t n = readlink(path, got, sizeof got - 1);
	CHECK(n > 0, "%s: readlink %s: %s", what, path, strerror(errno));
	CHECK(!strcmp(got, want), "%s: readlink says \"%s\", expected \"%s\"", what, got, want);
	struct stat st;
	CHECK(lstat(path, &st) == 0, "%s: lstat %s: %s", what, path, strerror(errno));
	CHECK(S_ISLNK(st.st_mode) && (st.st_mode & 0777) == mode,
	      "%s: lstat mode %o, expected a link of mode %o", what, st.st_mode, mode);
	printf("%s: map_files reads %s, mode %o\n", what, shown(want), mode);
}

/* Open through the entry: the file's first bytes are want. */
static void expect_read(const void *p, size_t len, const char *want, size_t n, const char *what)
{
	int fd = open(entry(p, len), O_RDONLY);
	CHECK(fd >= 0, "%s: open %s: %s", what, entry(p, len), strerror(errno));
	char buf[64] = "";
	CHECK(read(fd, buf, n) == (ssize_t)n && !memcmp(buf, want, n),
	      "%s: read through map_files gave other bytes", what);
	close(fd);
	printf("%s: open through map_files reads the file\n", what);
}

static void expect_enoent(const char *fmt, const void *p, size_t len)
{
	char path[128];
	snprintf(path, sizeof path, fmt, (unsigned long)p, (unsigned long)p + len);
	char buf[64];
	CHECK_ERRNO(readlink(path, buf, sizeof buf), ENOENT, path);
}

/* Whether the map_files listing has the entry of the map at p. */
static bool listed(const void *p, size_t len)
{
	DIR *d = opendir("/proc/self/map_files");
	CHECK(d, "opendir map_files: %s", strerror(errno));
	const char *name = strrchr(entry(p, len), '/') + 1;
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name)) {
			CHECK(e->d_type == DT_LNK, "%s is type %d, not a link", name, e->d_type);
			found = true;
		}
	closedir(d);
	return found;
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/vmemu-mapfiles-XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(file, sizeof file, "%s/file", dir);
	atexit(cleanup);

	struct stat st;
	CHECK(stat("/proc/self/map_files", &st) == 0, "stat map_files: %s", strerror(errno));
	CHECK(st.st_mode == (S_IFDIR | 0500), "map_files has mode %o", st.st_mode);

	/* A private map of /dev/zero (proc-self-map-files-001's). */
	int zero = open("/dev/zero", O_RDONLY);
	CHECK(zero >= 0, "open /dev/zero: %s", strerror(errno));
	void *z = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE, zero, 0);
	CHECK(z != MAP_FAILED, "mmap /dev/zero: %s", strerror(errno));
	expect_maps(z, zero, 0, "/dev/zero", "private /dev/zero");
	expect_link(z, PAGE, "/dev/zero", 0400, "private /dev/zero");
	expect_read(z, PAGE, "\0\0\0\0", 4, "private /dev/zero");
	CHECK(listed(z, PAGE), "private /dev/zero is not in map_files");
	expect_enoent("/proc/self/map_files/ %lx-%lx", z, PAGE);
	expect_enoent("/proc/self/map_files/%lx -%lx", z, PAGE);
	expect_enoent("/proc/self/map_files/%lx- %lx", z, PAGE);
	expect_enoent("/proc/self/map_files/%lx-%lx ", z, PAGE);
	expect_enoent("/proc/self/map_files/0%lx-%lx", z, PAGE);
	expect_enoent("/proc/self/map_files/%lx-0%lx", z, PAGE);
	expect_enoent("/proc/self/map_files/10000000000000000%lx-%lx", z, PAGE);
	expect_enoent("/proc/self/map_files/%lx-%lx0", z, PAGE);
	printf("malformed names: ENOENT\n");

	close(zero);

	/* A shared map of /dev/zero open for writing: shared memory, a
	 * deleted file of its own (open for reading only, Linux's do_mmap
	 * would make the map private). */
	zero = open("/dev/zero", O_RDWR);
	CHECK(zero >= 0, "open /dev/zero: %s", strerror(errno));
	void *sz = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
	CHECK(sz != MAP_FAILED, "mmap shared /dev/zero: %s", strerror(errno));
	expect_maps(sz, -1, 0, "/dev/zero (deleted)", "shared /dev/zero");
	close(zero);

	/* Anonymous memory has no entry. */
	void *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED, "mmap anonymous: %s", strerror(errno));
	CHECK(!listed(anon, PAGE), "anonymous memory is in map_files");
	expect_enoent("/proc/self/map_files/%lx-%lx", anon, PAGE);

	/* A file: its path, its bytes, opened for reading and writing. */
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "open %s: %s", file, strerror(errno));
	CHECK(ftruncate(fd, 3 * PAGE) == 0, "ftruncate: %s", strerror(errno));
	CHECK(pwrite(fd, "page one", 8, PAGE) == 8, "pwrite: %s", strerror(errno));
	char *m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	CHECK(m != MAP_FAILED, "mmap %s: %s", file, strerror(errno));
	expect_maps(m, fd, PAGE, file, "a file");
	expect_link(m, 2 * PAGE, file, 0600, "a file");
	expect_read(m, 2 * PAGE, "\0\0\0\0", 4, "a file");
	expect_enoent("/proc/self/map_files/%lx-%lx", m, PAGE);
	/* Unlinked and closed: the map keeps the file. */
	close(fd);
	CHECK(unlink(file) == 0, "unlink: %s", strerror(errno));
	char deleted[4400];
	snprintf(deleted, sizeof deleted, "%s (deleted)", file);
	CHECK(!memcmp(m, "page one", 8), "the map lost the file's bytes");
	expect_link(m, 2 * PAGE, deleted, 0600, "an unlinked file");
	fd = open(entry(m, 2 * PAGE), O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", entry(m, 2 * PAGE), strerror(errno));
	expect_maps(m, fd, PAGE, deleted, "an unlinked file");
	char buf[8];
	CHECK(pread(fd, buf, 8, PAGE) == 8 && !memcmp(buf, "page one", 8),
	      "read through map_files of an unlinked file");
	close(fd);
	printf("an unlinked file: open through map_files reads the file\n");

	/* Unmapped: its entry is gone. */
	CHECK(munmap(m, 2 * PAGE) == 0, "munmap: %s", strerror(errno));
	CHECK(!listed(m, 2 * PAGE), "an unmapped file is still in map_files");
	expect_enoent("/proc/self/map_files/%lx-%lx", m, 2 * PAGE);
	printf("unmapped: no entry\n");
	return 0;
}
