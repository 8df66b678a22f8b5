/* madv_wipe_cold: MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD and
 * MADV_PAGEOUT, compared with the native run.
 *
 * WIPEONFORK: a forked child finds the range zeroed (and its stores stay
 * its own), pages outside it as they were; KEEPONFORK undoes it; a child
 * of the child keeps the wiped range wiped; EINVAL on shared anonymous
 * memory and on a file map; ENOMEM over a hole. COLD and PAGEOUT leave
 * the data as it was; PAGEOUT drops the clean pages of a file map that
 * only this process maps from the page cache (mincore says 0), and (with
 * no swap, as here natively and by default under vmemu) keeps anonymous
 * pages resident. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 8

static unsigned resident(void *p, size_t pages)
{
	unsigned char vec[PAGES];
	CHECK(mincore(p, pages * PAGE, vec) == 0, "mincore: %s", strerror(errno));
	unsigned n = 0;
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

/* In a child: pages [first, first + n) of p read as zeroes, the others
 * hold their index; exits 0 when so. */
static void child_expects(const unsigned char *p, size_t first, size_t n)
{
	for (size_t i = 0; i < PAGES; i++) {
		unsigned char want = i >= first && i < first + n ? 0 : (unsigned char)(i + 1);
		if (p[i * PAGE] != want || p[i * PAGE + PAGE - 1] != want)
			_exit(10 + (int)i);
	}
	_exit(0);
}

static int fork_and_check(unsigned char *p, size_t first, size_t n)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		child_expects(p, first, n);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "waitpid");
	return WEXITSTATUS(st);
}

static void wipeonfork(void)
{
	unsigned char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < PAGES; i++)
		memset(p + i * PAGE, (int)i + 1, PAGE);
	CHECK(madvise(p + 2 * PAGE, 3 * PAGE, MADV_WIPEONFORK) == 0, "WIPEONFORK: %s", strerror(errno));
	int r = fork_and_check(p, 2, 3);
	CHECK(r == 0, "child after WIPEONFORK: page %d wrong", r - 10);
	printf("wipeonfork: the child finds pages 2-4 zeroed, the rest kept\n");

	/* The child's own stores, and its child: still wiped there. */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		memset(p + 2 * PAGE, 0x55, PAGE);
		pid_t g = fork();
		if (g == 0)
			child_expects(p, 2, 3);
		int st;
		_exit(waitpid(g, &st, 0) == g && WIFEXITED(st) ? WEXITSTATUS(st) : 99);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "grandchild after WIPEONFORK: status %#x", st);
	CHECK(p[2 * PAGE] == 3, "the parent's page 2 changed");
	printf("wipeonfork: inherited by a child's child, the parent's pages intact\n");

	CHECK(madvise(p + 3 * PAGE, 2 * PAGE, MADV_KEEPONFORK) == 0, "KEEPONFORK: %s", strerror(errno));
	r = fork_and_check(p, 2, 1);
	CHECK(r == 0, "child after KEEPONFORK of pages 3-4: page %d wrong", r - 10);
	printf("keeponfork: pages 3-4 copied again\n");

	void *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK_ERRNO(madvise(shared, PAGE, MADV_WIPEONFORK), EINVAL, "WIPEONFORK of shared memory");
	CHECK(munmap(p + 6 * PAGE, PAGE) == 0, "munmap");
	CHECK_ERRNO(madvise(p + 5 * PAGE, 3 * PAGE, MADV_WIPEONFORK), ENOMEM, "WIPEONFORK over a hole");
	printf("wipeonfork: EINVAL for shared memory, ENOMEM over a hole\n");
	munmap(shared, PAGE);
	munmap(p, PAGES * PAGE);
}

static void cold_and_pageout(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/madv_wipe_cold.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	static unsigned char buf[PAGES * PAGE];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + i / PAGE);
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write: %s", strerror(errno));
	CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno)); /* clean pages */
	CHECK_ERRNO(madvise(NULL, PAGE, MADV_COLD), ENOMEM, "COLD of an unmapped page");
	unsigned char *f = mmap(NULL, sizeof(buf), PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED, "mmap file: %s", strerror(errno));
	CHECK(memcmp(f, buf, sizeof(buf)) == 0, "file map differs");
	CHECK(madvise(f, sizeof(buf), MADV_COLD) == 0, "COLD: %s", strerror(errno));
	CHECK(memcmp(f, buf, sizeof(buf)) == 0, "file map differs after COLD");
	printf("cold: file pages resident %u of %d, data kept\n", resident(f, PAGES), PAGES);

	/* (Pages another process maps are left alone; natively that goes by
	 * folio, and the file system decides how large those are: not
	 * compared here.) */
	CHECK(madvise(f, sizeof(buf), MADV_PAGEOUT) == 0, "PAGEOUT: %s", strerror(errno));
	printf("pageout: clean file pages resident %u of %d\n", resident(f, PAGES), PAGES);
	CHECK(memcmp(f, buf, sizeof(buf)) == 0, "file map differs after PAGEOUT");
	printf("pageout: the data reads back from the file\n");

	unsigned char *a = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(a, 0xa5, PAGES * PAGE);
	CHECK(madvise(a, PAGES * PAGE, MADV_COLD) == 0, "COLD anon: %s", strerror(errno));
	CHECK(madvise(a, PAGES * PAGE, MADV_PAGEOUT) == 0, "PAGEOUT anon: %s", strerror(errno));
	for (size_t i = 0; i < PAGES * PAGE; i++)
		CHECK(a[i] == 0xa5, "anonymous byte %zu changed", i);
	printf("pageout: anonymous pages resident %u of %d without swap, data kept\n",
	       resident(a, PAGES), PAGES);
	munmap(a, PAGES * PAGE);
	munmap(f, sizeof(buf));
	close(fd);
}

int main(void)
{
	wipeonfork();
	cold_and_pageout();
	return 0;
}
