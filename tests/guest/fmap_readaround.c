/* fmap_readaround: a fault on a page of a file map that is not cached
 * reads the pages around it too (Linux's read-around), but not a whole
 * file, and none on a memory file system (tmpfs: /dev/shm); under
 * MADV_RANDOM none, under MADV_SEQUENTIAL only pages after it. A 4 MiB
 * file with allocated but unwritten blocks (fallocate: nothing cached yet)
 * is mapped, one page in the middle touched, and mincore(2) tells which
 * pages came in. Printed and compared with the native run. */
#include <fcntl.h>
#include <sys/mman.h>
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

int main(void)
{
	probe(tmp_dir(), MADV_NORMAL, "normal");
	probe(tmp_dir(), MADV_RANDOM, "random");
	probe(tmp_dir(), MADV_SEQUENTIAL, "sequential");
	probe("/dev/shm", MADV_NORMAL, "normal");
	return 0;
}
