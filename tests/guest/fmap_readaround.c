/* fmap_readaround: a fault on a page of a file map that is not cached
 * reads the pages around it too (Linux's read-around), but not a whole
 * file, and none on a memory file system (tmpfs: /dev/shm); under
 * MADV_RANDOM none, under MADV_SEQUENTIAL only pages after it. A 4 MiB
 * file with allocated but unwritten blocks (fallocate: nothing cached yet)
 * is mapped, one page in the middle touched, and mincore(2) tells which
 * pages came in. Printed and compared with the native run.
 *
 * Then the fault counts (getrusage): the first read of an uncached page is
 * a major fault only, not a minor one too; a read 64 pages (256 KiB)
 * further on is a minor fault when the read-around window reached it,
 * major when not: the window is the device's read_ahead_kb, which vmemu
 * takes from the host as Linux does. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "guest_test.h"

#define SIZE (4UL << 20)
#define NPAGES (SIZE / PAGE)

static void probe(const char *dir, int advice, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/fmap_readaround.XXXXXX", dir);
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp in %s: %s", dir, strerror(errno));
	unlink(path);
	if (fallocate(fd, 0, 0, SIZE) != 0) {
		printf("%s: no fallocate\n", dir);
		close(fd);
		return;
	}
	char *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(madvise(p, SIZE, advice) == 0, "madvise: %s", strerror(errno));
	static unsigned char vec[NPAGES];
	CHECK(mincore(p, SIZE, vec) == 0, "mincore: %s", strerror(errno));
	int before = 0;
	for (unsigned long i = 0; i < NPAGES; i++)
		before += vec[i] & 1;
	volatile char c = p[SIZE / 2];
	(void)c;
	CHECK(mincore(p, SIZE, vec) == 0, "mincore: %s", strerror(errno));
	unsigned long mid = NPAGES / 2, i = mid + 1;
	int ahead_before = vec[mid - 1] & 1;
	while (i < NPAGES && (vec[i] & 1))
		i++;
	unsigned long after = i - mid - 1;
	while (i < NPAGES && !(vec[i] & 1))
		i++;
	printf("%s, %s: cached before %d, touched page %d, the page before it %d, pages read after "
	       "it: %s, beyond them: %s\n", dir, name, before, vec[mid] & 1, ahead_before,
	       after ? "some" : "none", i < NPAGES ? "some" : "none");
	munmap(p, SIZE);
	close(fd);
}

/* The minor and major faults of one read of p[off]. */
static void faults_of_read(const char *p, size_t off, const char *what)
{
	struct rusage a, b;
	CHECK(getrusage(RUSAGE_SELF, &a) == 0, "getrusage: %s", strerror(errno));
	(void)*(volatile const char *)(p + off);
	CHECK(getrusage(RUSAGE_SELF, &b) == 0, "getrusage: %s", strerror(errno));
	printf("%s: minor faults %ld, major faults %ld\n", what, b.ru_minflt - a.ru_minflt,
	       b.ru_majflt - a.ru_majflt);
}

static void fault_counts(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/fmap_readaround.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	if (fallocate(fd, 0, 0, SIZE) != 0) {
		printf("no fallocate\n");
		close(fd);
		return;
	}
	char *p = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	faults_of_read(p, SIZE / 2, "first read");
	faults_of_read(p, SIZE / 2 + 64 * PAGE, "a read 64 pages on");
	munmap(p, SIZE);
	close(fd);
}

int main(void)
{
	fault_counts();
	probe(tmp_dir(), MADV_NORMAL, "normal");
	probe(tmp_dir(), MADV_RANDOM, "random");
	probe(tmp_dir(), MADV_SEQUENTIAL, "sequential");
	probe("/dev/shm", MADV_NORMAL, "normal");
	return 0;
}
