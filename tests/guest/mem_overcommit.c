/* mem_overcommit: the vm sysctls that decide commits and caches, as
 * Linux's Documentation/admin-guide/sysctl/vm.rst and
 * Documentation/mm/overcommit-accounting.rst describe them.
 *
 * usage: mem_overcommit        (natively and under vmemu: reads only)
 *        mem_overcommit set    (vmemu only: writes the sysctls)
 *
 * Without arguments: the files exist with Linux's modes (drop_caches and
 * compact_memory 0200, the others 0644) and hold numbers in range.
 *
 * "set" (never native: it would change the host's settings):
 *   overcommit_memory 2 (never): with CommitLimit's memory part set by
 *     overcommit_kbytes, a private writable map that would take
 *     Committed_AS past CommitLimit is ENOMEM, a smaller one maps, and so
 *     does any read-only or MAP_NORESERVE map; mprotect to writable and an
 *     mremap growth are charged the same way
 *   overcommit_memory 0 (heuristic): a map larger than memory and swap
 *     is ENOMEM, one of half of memory maps
 *   overcommit_memory 1 (always): the larger map maps too
 *   drop_caches 1: a file's clean pages leave the page cache (Cached falls)
 *   compact_memory: 1 is taken, 2 is EINVAL */
#include "guest_test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const files[] = {
	"admin_reserve_kbytes", "compact_memory", "drop_caches", "overcommit_kbytes",
	"overcommit_memory", "overcommit_ratio", "swappiness", "user_reserve_kbytes",
};

static void vm_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "/proc/sys/vm/%s", name);
}

/* Writes text to /proc/sys/vm/name: 0, or the errno of the write. */
static int vm_write(const char *name, const char *text)
{
	char path[64];
	vm_path(path, sizeof(path), name);
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	int err = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : errno;
	close(fd);
	return err;
}

static void check_files(void)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[64];
		vm_path(path, sizeof(path), files[i]);
		struct stat st;
		CHECK(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
		bool trigger = !strcmp(files[i], "drop_caches") || !strcmp(files[i], "compact_memory");
		CHECK((st.st_mode & 07777) == (trigger ? 0200u : 0644u), "%s has mode %o", path,
		      st.st_mode & 07777);
		if (trigger)
			continue;
		FILE *f = fopen(path, "r");
		long v = -1;
		CHECK(f && fscanf(f, "%ld", &v) == 1 && v >= 0, "read %s", path);
		fclose(f);
	}
	printf("the files, with Linux's modes\n");
}

/* A failed call's errno by name (libcs word strerror differently). */
static const char *err_name(int err)
{
	return err == ENOMEM ? "ENOMEM" : strerror(err);
}

static const char *map_result(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED)
		return err_name(errno);
	munmap(p, len);
	return "mapped";
}

static void never(void)
{
	CHECK(!vm_write("overcommit_kbytes", "65536"), "set overcommit_kbytes");
	CHECK(!vm_write("overcommit_memory", "2"), "set overcommit_memory");
	long limit = proc_kb("/proc/meminfo", "CommitLimit"), committed = proc_kb("/proc/meminfo", "Committed_AS");
	CHECK(committed < limit, "Committed_AS %ld kB is already past CommitLimit %ld kB",
	      committed, limit);
	size_t room = (size_t)(limit - committed) << 10;
	printf("never: past the limit %s\n", map_result(room + (1 << 20), PROT_READ | PROT_WRITE, 0));
	printf("never: within it %s\n", map_result(room / 2, PROT_READ | PROT_WRITE, 0));
	printf("never: read-only %s\n", map_result(room + (1 << 20), PROT_READ, 0));
	printf("never: MAP_NORESERVE %s\n",
	       map_result(room + (1 << 20), PROT_READ | PROT_WRITE, MAP_NORESERVE));
	char *p = mmap(NULL, room + (1 << 20), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "read-only map: %s", strerror(errno));
	int r = mprotect(p, room + (1 << 20), PROT_READ | PROT_WRITE);
	printf("never: mprotect writable %s\n", r ? err_name(errno) : "0");
	munmap(p, room + (1 << 20));
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "1 MiB map: %s", strerror(errno));
	void *q = mremap(p, 1 << 20, room + (2 << 20), MREMAP_MAYMOVE);
	printf("never: mremap growth %s\n", q == MAP_FAILED ? err_name(errno) : "moved");
	munmap(q == MAP_FAILED ? p : q, q == MAP_FAILED ? 1 << 20 : room + (2 << 20));
	CHECK(!vm_write("overcommit_kbytes", "0"), "reset overcommit_kbytes");
}

static void guess_and_always(void)
{
	size_t total = ((size_t)proc_kb("/proc/meminfo", "MemTotal") + (size_t)proc_kb("/proc/meminfo", "SwapTotal")) << 10;
	CHECK(!vm_write("overcommit_memory", "0"), "set overcommit_memory 0");
	printf("guess: more than memory and swap %s\n",
	       map_result(total + (1 << 20), PROT_READ | PROT_WRITE, 0));
	printf("guess: half of memory %s\n",
	       map_result((size_t)proc_kb("/proc/meminfo", "MemTotal") << 9, PROT_READ | PROT_WRITE, 0));
	CHECK(!vm_write("overcommit_memory", "1"), "set overcommit_memory 1");
	printf("always: more than memory and swap %s\n",
	       map_result(total + (1 << 20), PROT_READ | PROT_WRITE, 0));
	CHECK(vm_write("overcommit_memory", "3") == EINVAL, "overcommit_memory 3 was taken");
	CHECK(!vm_write("overcommit_memory", "0"), "reset overcommit_memory");
}

static void caches(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/mem_overcommit.%d", tmp_dir(), (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "create %s: %s", path, strerror(errno));
	static char block[1 << 20];
	memset(block, 'c', sizeof(block));
	for (int i = 0; i < 8; i++)
		CHECK(write(fd, block, sizeof(block)) == (ssize_t)sizeof(block), "write: %s",
		      strerror(errno));
	CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno));
	CHECK(pread(fd, block, sizeof(block), 0) == (ssize_t)sizeof(block), "read back");
	long before = proc_kb("/proc/meminfo", "Cached");
	CHECK(!vm_write("drop_caches", "1"), "drop_caches 1");
	long after = proc_kb("/proc/meminfo", "Cached");
	printf("drop_caches: Cached fell by %s\n", before - after >= 1024 ? "1 MiB or more" : "less");
	close(fd);
	unlink(path);
	CHECK(vm_write("drop_caches", "5") == EINVAL, "drop_caches 5 was taken");
	printf("compact_memory: 1 %s, 2 %s\n", vm_write("compact_memory", "1") ? "refused" : "taken",
	       vm_write("compact_memory", "2") == EINVAL ? "EINVAL" : "taken");
}

int main(int argc, char **argv)
{
	check_files();
	if (argc > 1 && !strcmp(argv[1], "set")) {
		never();
		guess_and_always();
		caches();
	}
	return 0;
}
