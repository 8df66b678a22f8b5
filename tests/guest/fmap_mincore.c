/* fmap_mincore: mincore, madvise and msync on pages whose residency is
 * certain (natively too):
 *   anonymous memory: untouched pages are not resident, written ones and
 *     ones read (the zero page) are; MADV_DONTNEED makes them non-resident
 *     and zero again;
 *   a file just written is resident in the page cache, mapped or not;
 *     MADV_DONTNEED on a private file map brings back the file's bytes, on
 *     a shared one keeps the stores; MADV_WILLNEED is accepted, MADV_FREE
 *     of a file map is EINVAL;
 *   errors: mincore EINVAL (unaligned), ENOMEM (unmapped, also partly);
 *     msync EINVAL (bad flags, MS_SYNC|MS_ASYNC, unaligned), ENOMEM
 *     (unmapped); madvise ENOMEM on a range with a hole. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define N 8

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void expect_vec(void *p, const char *want, const char *what)
{
	unsigned char vec[N];
	CHECK(mincore(p, N * PAGE, vec) == 0, "%s: mincore: %s", what, strerror(errno));
	for (int i = 0; i < N; i++)
		CHECK((vec[i] & 1) == (want[i] == '1'), "%s: page %d: mincore says %d", what, i,
		      vec[i] & 1);
}

static void anonymous(void)
{
	volatile unsigned char *a = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
	expect_vec((void *)a, "00000000", "untouched");
	a[1 * PAGE] = 1;
	a[3 * PAGE + 100] = 3;
	(void)a[5 * PAGE];
	expect_vec((void *)a, "01010100", "touched");
	CHECK(madvise((void *)(a + PAGE), 3 * PAGE, MADV_DONTNEED) == 0, "madvise: %s",
	      strerror(errno));
	expect_vec((void *)a, "00000100", "after MADV_DONTNEED");
	CHECK(a[1 * PAGE] == 0 && a[3 * PAGE + 100] == 0, "MADV_DONTNEED kept the data");
	unsigned char vec[2];
	CHECK_ERRNO(mincore((void *)(a + 1), PAGE, vec), EINVAL, "mincore at an unaligned address");
	CHECK(munmap((void *)(a + 6 * PAGE), 2 * PAGE) == 0, "munmap: %s", strerror(errno));
	CHECK_ERRNO(mincore((void *)(a + 5 * PAGE), 2 * PAGE, vec), ENOMEM,
		    "mincore over a range partly unmapped");
	CHECK_ERRNO(madvise((void *)(a + 5 * PAGE), 2 * PAGE, MADV_DONTNEED), ENOMEM,
		    "madvise over a range partly unmapped");
	CHECK_ERRNO(msync((void *)(a + 6 * PAGE), PAGE, MS_SYNC), ENOMEM, "msync of unmapped memory");
	CHECK(msync((void *)a, PAGE, MS_ASYNC | MS_INVALIDATE) == 0, "msync: %s", strerror(errno));
	CHECK_ERRNO(msync((void *)a, PAGE, MS_SYNC | MS_ASYNC), EINVAL, "msync MS_SYNC|MS_ASYNC");
	CHECK_ERRNO(msync((void *)a, PAGE, 0x100), EINVAL, "msync with an unknown flag");
	CHECK_ERRNO(msync((void *)(a + 1), PAGE, MS_SYNC), EINVAL, "msync at an unaligned address");
	CHECK(munmap((void *)a, 6 * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void files(void)
{
	snprintf(path, sizeof path, "%s/vmemu-fmap-mincore-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	atexit(cleanup);
	static unsigned char data[N * PAGE];
	memset(data, 'd', sizeof data);
	CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data, "write: %s", strerror(errno));
	unsigned char *s = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unsigned char *p = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(s != MAP_FAILED && p != MAP_FAILED, "mmap: %s", strerror(errno));
	expect_vec(s, "11111111", "a file just written, shared map");
	expect_vec(p, "11111111", "a file just written, private map");
	s[0] = 'S';
	p[PAGE] = 'P';
	CHECK(madvise(s, N * PAGE, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
	CHECK(madvise(p, N * PAGE, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
	CHECK(s[0] == 'S', "MADV_DONTNEED lost a shared store");
	CHECK(p[PAGE] == 'd', "MADV_DONTNEED kept a private store: %#x", p[PAGE]);
	CHECK(p[0] == 'S', "the private map misses the shared store");
	expect_vec(p, "11111111", "after MADV_DONTNEED");
	CHECK(madvise(s, N * PAGE, MADV_WILLNEED) == 0, "MADV_WILLNEED: %s", strerror(errno));
	CHECK_ERRNO(madvise(p, N * PAGE, MADV_FREE), EINVAL, "MADV_FREE of a file map");
	char c;
	CHECK(pread(fd, &c, 1, 0) == 1 && c == 'S', "pread sees %#x, not the shared store", c);
	CHECK(munmap(s, N * PAGE) == 0 && munmap(p, N * PAGE) == 0, "munmap: %s", strerror(errno));
	close(fd);
}

int main(void)
{
	anonymous();
	files();
	printf("ok\n");
	return 0;
}
