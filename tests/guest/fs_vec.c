/* fs_vec: the calls on file data beyond read and write, on files of a
 * scratch directory of its own (mkdtemp): preadv, pwritev, preadv2 and
 * pwritev2 (offset -1 the file offset; RWF_HIPRI, DSYNC, SYNC, NOWAIT on
 * a pipe and a file, APPEND and NOAPPEND, the unknown, ATOMIC, EOPNOTSUPP
 * on /proc; EINVAL, EBADF, ESPIPE, EFAULT in Linux's order);
 * copy_file_range (file offsets or given ones, the end of the input, a
 * MAP_SHARED map of the output that sees the bytes, overlap, EISDIR,
 * EINVAL, EBADF, EOVERFLOW, EXDEV from a memfd, /proc or another file
 * system, memfd to memfd); close_range (a range, CLOSE_RANGE_CLOEXEC,
 * CLOSE_RANGE_UNSHARE from a thread, which leaves the other thread's fds
 * open); sync, syncfs, sync_file_range and readahead with their errors;
 * splice between pipes and files and vmsplice (tee is not there).
 * Results printed and compared with the native run. */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest_test.h"

#define RWF_HIPRI_ 0x01
#define RWF_DSYNC_ 0x02
#define RWF_SYNC_ 0x04
#define RWF_NOWAIT_ 0x08
#define RWF_APPEND_ 0x10
#define RWF_NOAPPEND_ 0x20
#define RWF_ATOMIC_ 0x40
#define CLOSE_RANGE_UNSHARE_ 2
#define CLOSE_RANGE_CLOEXEC_ 4

static char dir[256];

static const char *at(const char *name)
{
	static char buf[2][512];
	static int i;
	i = (i + 1) % 2;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, ret_str(r));
}

/* The raw calls: no libc wrapper's own checks or fallbacks. */
static long preadv2_(int fd, const struct iovec *iov, long cnt, long pos, int flags)
{
	return syscall(SYS_preadv2, fd, iov, cnt, pos, 0L, (long)flags);
}

static long pwritev2_(int fd, const struct iovec *iov, long cnt, long pos, int flags)
{
	return syscall(SYS_pwritev2, fd, iov, cnt, pos, 0L, (long)flags);
}

static long cfr(int in, int64_t *off_in, int out, int64_t *off_out, size_t len, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags);
}

static const char *contents(int fd)
{
	static char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static long offset(int fd)
{
	return (long)lseek(fd, 0, SEEK_CUR);
}

static int new_file(const char *name, const char *text, int flags)
{
	int fd = open(at(name), O_RDWR | O_CREAT | O_TRUNC | flags, 0644);
	CHECK(fd >= 0, "open %s: %s", name, strerror(errno));
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s", name);
	return fd;
}

static void check_vectors(void)
{
	int fd = new_file("v", "0123456789abcdefghij", 0);
	char a[4] = {0}, b[6] = {0};
	struct iovec rd[2] = {{a, 3}, {b, 5}};
	show("preadv at 3", syscall(SYS_preadv, fd, rd, 2L, 3L, 0L));
	printf("read '%s' '%s', offset %ld\n", a, b, offset(fd));
	struct iovec wr[2] = {{"XY", 2}, {"Z", 1}};
	show("pwritev at 10", syscall(SYS_pwritev, fd, wr, 2L, 10L, 0L));
	printf("file '%s', offset %ld\n", contents(fd), offset(fd));
	CHECK(lseek(fd, 4, SEEK_SET) == 4, "lseek");
	memset(a, 0, sizeof(a));
	show("preadv2 at -1", preadv2_(fd, rd, 1, -1, 0));
	printf("read '%s', offset %ld\n", a, offset(fd));
	show("pwritev2 at -1", pwritev2_(fd, wr, 1, -1, 0));
	printf("file '%s', offset %ld\n", contents(fd), offset(fd));
	show("preadv2 HIPRI", preadv2_(fd, rd, 1, 0, RWF_HIPRI_));
	show("pwritev2 DSYNC", pwritev2_(fd, wr, 1, 0, RWF_DSYNC_));
	show("pwritev2 SYNC", pwritev2_(fd, wr, 2, 2, RWF_SYNC_));
	show("preadv2 NOWAIT of written bytes", preadv2_(fd, rd, 2, 0, RWF_NOWAIT_));
	show("preadv2 NOWAIT at the end", preadv2_(fd, rd, 2, 100, RWF_NOWAIT_));
	printf("file '%s', offset %ld\n", contents(fd), offset(fd));
	show("pwritev2 APPEND at 0", pwritev2_(fd, wr, 1, 0, RWF_APPEND_));
	printf("file '%s', offset %ld\n", contents(fd), offset(fd));
	show("pwritev2 APPEND at -1", pwritev2_(fd, wr + 1, 1, -1, RWF_APPEND_));
	printf("file '%s', offset %ld\n", contents(fd), offset(fd));
	show("pwritev2 APPEND | NOAPPEND", pwritev2_(fd, wr, 1, 0, RWF_APPEND_ | RWF_NOAPPEND_));
	show("pwritev2 unknown flag", pwritev2_(fd, wr, 1, 0, 0x200));
	show("pwritev2 unknown flag, nothing to write", pwritev2_(fd, wr, 0, 0, 0x200));
	show("preadv2 ATOMIC", preadv2_(fd, rd, 1, 0, RWF_ATOMIC_));
	show("pwritev2 ATOMIC", pwritev2_(fd, wr, 1, 0, RWF_ATOMIC_));
	int ap = open(at("v"), O_RDWR | O_APPEND);
	show("pwritev on O_APPEND at 0", syscall(SYS_pwritev, ap, wr + 1, 1L, 0L, 0L));
	show("pwritev2 NOAPPEND on O_APPEND at 0", pwritev2_(ap, wr, 1, 0, RWF_NOAPPEND_));
	printf("file '%s', flags %o\n", contents(fd), fcntl(ap, F_GETFL) & O_APPEND);
	close(ap);

	show("preadv negative offset, bad fd", syscall(SYS_preadv, 999L, rd, 1L, -1L, 0L));
	show("preadv bad fd", syscall(SYS_preadv, 999L, rd, 1L, 0L, 0L));
	show("preadv2 -2, bad fd", preadv2_(999, rd, 1, -2, 0));
	show("pread64 negative offset, bad fd", pread(999, a, 1, -1));
	show("preadv 1025 vectors", syscall(SYS_preadv, fd, rd, 1025L, 0L, 0L));
	show("preadv bad iovec", syscall(SYS_preadv, fd, (void *)8, 1L, 0L, 0L));
	struct iovec badbuf = {(void *)8, 4};
	show("preadv bad buffer", syscall(SYS_preadv, fd, &badbuf, 1L, 0L, 0L));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	show("preadv of a pipe", syscall(SYS_preadv, p[0], rd, 1L, 0L, 0L));
	show("preadv of a pipe's write end, bad iovec", syscall(SYS_preadv, p[1], (void *)8, 1L, 0L, 0L));
	show("readv of a pipe's write end, bad iovec", syscall(SYS_readv, p[1], (void *)8, 1L));
	show("preadv2 NOWAIT of an empty pipe", preadv2_(p[0], rd, 1, -1, RWF_NOWAIT_));
	show("pwritev2 APPEND to a pipe", pwritev2_(p[1], wr, 2, -1, RWF_APPEND_));
	show("preadv2 NOWAIT of the pipe", preadv2_(p[0], rd, 2, -1, RWF_NOWAIT_));
	printf("flags %o\n", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	close(p[0]);
	close(p[1]);
	int wo = open(at("v"), O_WRONLY);
	show("preadv of a write-only fd", syscall(SYS_preadv, wo, rd, 1L, 0L, 0L));
	close(wo);
	int ps = open("/proc/self/stat", O_RDONLY);
	show("preadv2 NOWAIT of /proc", preadv2_(ps, rd, 1, 0, RWF_NOWAIT_));
	long r = preadv2_(ps, rd, 1, 0, RWF_HIPRI_);
	printf("preadv2 HIPRI of /proc: %s\n", r == 3 ? "3" : ret_str(r));
	close(ps);
	close(fd);
}

static void check_copy(void)
{
	const char *text = "The quick brown fox jumps over the lazy dog; 0123456789.";
	int in = new_file("in", text, 0);
	int out = new_file("out", "", 0);
	CHECK(lseek(in, 4, SEEK_SET) == 4, "lseek");
	show("copy 10 at the offsets", cfr(in, NULL, out, NULL, 10, 0));
	printf("out '%s', offsets %ld %ld\n", contents(out), offset(in), offset(out));
	int64_t oi = 40, oo = 2;
	show("copy 100 at given offsets", cfr(in, &oi, out, &oo, 100, 0));
	printf("out '%s', given %ld %ld, offsets %ld %ld\n", contents(out), (long)oi, (long)oo,
	       offset(in), offset(out));
	oi = 1000;
	show("copy from past the end", cfr(in, &oi, out, NULL, 10, 0));
	show("copy 0", cfr(in, NULL, out, NULL, 0, 0));
	/* The page cache of a mapped output takes the bytes. */
	char *map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, out, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	oi = 0;
	oo = 0;
	show("copy under a shared map", cfr(in, &oi, out, &oo, 9, 0));
	printf("the map shows '%.20s'\n", map);
	munmap(map, PAGE);
	oi = 0;
	oo = 5;
	show("copy within one file, overlapping", cfr(in, &oi, in, &oo, 10, 0));
	oo = 60;
	show("copy within one file, apart", cfr(in, &oi, in, &oo, 10, 0));
	printf("in '%s'\n", contents(in));
	oi = -1;
	show("copy from offset -1", cfr(in, &oi, out, NULL, 10, 0));
	oi = -1;
	show("copy from offset -1, count 0", cfr(in, &oi, out, NULL, 0, 0));
	show("copy with flags", cfr(in, NULL, out, NULL, 10, 1));
	show("copy from a bad fd", cfr(999, NULL, out, NULL, 10, 0));
	show("copy to a bad fd", cfr(in, NULL, 999, NULL, 10, 0));
	show("copy with a bad offset pointer", cfr(in, (int64_t *)8, out, NULL, 10, 0));
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	show("copy to a directory", cfr(in, NULL, d, NULL, 10, 0));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	show("copy to a pipe", cfr(in, NULL, p[1], NULL, 10, 0));
	show("copy from a pipe", cfr(p[0], NULL, out, NULL, 10, 0));
	int ap = open(at("out"), O_WRONLY | O_APPEND);
	show("copy to an O_APPEND fd", cfr(in, NULL, ap, NULL, 10, 0));
	int wo = open(at("in"), O_WRONLY);
	show("copy from a write-only fd", cfr(wo, NULL, out, NULL, 10, 0));
	int m = (int)syscall(SYS_memfd_create, "m", 0);
	CHECK(m >= 0 && write(m, "memfd bytes", 11) == 11, "memfd");
	oi = 0;
	show("copy from a memfd", cfr(m, &oi, out, NULL, 5, 0));
	show("copy to a memfd", cfr(in, NULL, m, NULL, 5, 0));
	int m2 = (int)syscall(SYS_memfd_create, "m2", 0);
	oi = 0;
	show("copy memfd to memfd", cfr(m, &oi, m2, NULL, 5, 0));
	printf("m2 '%s', offset %ld\n", contents(m2), offset(m2));
	int ps = open("/proc/self/status", O_RDONLY);
	show("copy from /proc", cfr(ps, NULL, out, NULL, 5, 0));
	int shm = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	if (shm >= 0) {
		struct stat a, b;
		int t = openat(shm, ".", O_TMPFILE | O_RDWR, 0600);
		if (t >= 0 && fstat(t, &a) == 0 && fstat(out, &b) == 0 && a.st_dev != b.st_dev) {
			oi = 0;
			show("copy to another file system", cfr(in, &oi, t, NULL, 5, 0));
		} else {
			printf("copy to another file system: errno 18\n");
		}
		if (t >= 0)
			close(t);
		close(shm);
	} else {
		printf("copy to another file system: errno 18\n");
	}
	close(ps);
	close(m);
	close(m2);
	close(wo);
	close(ap);
	close(p[0]);
	close(p[1]);
	close(d);
	close(in);
	close(out);
}

static void show_fds(const char *what, int from, int to)
{
	printf("%s:", what);
	for (int fd = from; fd <= to; fd++) {
		int r = fcntl(fd, F_GETFD);
		printf(" %d=%s", fd, r < 0 ? "closed" : r & FD_CLOEXEC ? "cloexec" : "open");
	}
	printf("\n");
}

static void *unshare_thread(void *arg)
{
	(void)arg;
	long r = syscall(SYS_close_range, 40, 41, CLOSE_RANGE_UNSHARE_);
	printf("thread: close_range UNSHARE: %s\n", ret_str(r));
	show_fds("thread sees", 40, 42);
	return NULL;
}

static void *shared_thread(void *arg)
{
	(void)arg;
	long r = syscall(SYS_close_range, 42, 42, 0);
	printf("thread: close_range shared: %s\n", ret_str(r));
	return NULL;
}

static void check_close_range(void)
{
	for (int fd = 30; fd <= 36; fd++)
		CHECK(dup2(1, fd) == fd, "dup2");
	show("close_range 31..33", syscall(SYS_close_range, 31, 33, 0));
	show("close_range 35..36 CLOEXEC", syscall(SYS_close_range, 35, 36, CLOSE_RANGE_CLOEXEC_));
	show_fds("fds", 30, 37);
	show("close_range 5..4", syscall(SYS_close_range, 5, 4, 0));
	show("close_range bad flags", syscall(SYS_close_range, 30, 40, 8));
	show("close_range 2000..max", syscall(SYS_close_range, 2000, ~0U, 0));
	show("close_range 34..max", syscall(SYS_close_range, 34, ~0U, 0));
	show_fds("fds", 30, 37);
	for (int fd = 40; fd <= 42; fd++)
		CHECK(dup2(1, fd) == fd, "dup2");
	pthread_t t;
	CHECK(pthread_create(&t, NULL, unshare_thread, NULL) == 0, "pthread_create");
	CHECK(pthread_join(t, NULL) == 0, "pthread_join");
	show_fds("main sees after the thread's UNSHARE", 40, 42);
	CHECK(pthread_create(&t, NULL, shared_thread, NULL) == 0, "pthread_create");
	CHECK(pthread_join(t, NULL) == 0, "pthread_join");
	show_fds("main sees after the thread's close", 40, 42);
	show("close_range UNSHARE | CLOEXEC, unshared", syscall(SYS_close_range, 40, 41,
								  CLOSE_RANGE_UNSHARE_ | CLOSE_RANGE_CLOEXEC_));
	show_fds("fds", 40, 42);
	syscall(SYS_close_range, 30, 50, 0);
}

static void check_sync(void)
{
	int fd = new_file("s", "sync me", 0);
	char *map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap");
	map[0] = 'S';
	sync();
	printf("sync: done\n");
	show("syncfs", syscall(SYS_syncfs, fd));
	show("sync_file_range WRITE", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE));
	show("sync_file_range all", sync_file_range(fd, 0, 4096, 7));
	show("sync_file_range bad flags", sync_file_range(fd, 0, 0, 8));
	show("sync_file_range negative", sync_file_range(fd, -1, 0, 0));
	show("sync_file_range wrapping", sync_file_range(fd, 1, INT64_MAX, 0));
	show("sync_file_range bad fd", sync_file_range(999, 0, 0, 8));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	show("sync_file_range of a pipe", sync_file_range(p[0], 0, 0, 0));
	show("syncfs of a pipe", syscall(SYS_syncfs, p[0]));
	show("syncfs bad fd", syscall(SYS_syncfs, 999));
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	show("sync_file_range of a directory", sync_file_range(d, 0, 0, 7));
	show("readahead", syscall(SYS_readahead, fd, 0L, 4096L));
	show("readahead past the end", syscall(SYS_readahead, fd, 1L << 30, 4096L));
	show("readahead negative offset", syscall(SYS_readahead, fd, -5L, 10L));
	show("readahead count -1", syscall(SYS_readahead, fd, 0L, -1L));
	show("readahead of a pipe", syscall(SYS_readahead, p[0], 0L, 10L));
	show("readahead of a directory", syscall(SYS_readahead, d, 0L, 10L));
	int wo = open(at("s"), O_WRONLY);
	show("readahead of a write-only fd", syscall(SYS_readahead, wo, 0L, 10L));
	int ps = open("/proc/self/status", O_RDONLY);
	show("readahead of /proc", syscall(SYS_readahead, ps, 0L, 10L));
	int m = (int)syscall(SYS_memfd_create, "m", 0);
	show("readahead of a memfd", syscall(SYS_readahead, m, 0L, 10L));
	char c;
	CHECK(pread(fd, &c, 1, 0) == 1 && c == 'S', "the map's store is in the file");
	munmap(map, PAGE);
	close(m);
	close(ps);
	close(wo);
	close(d);
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* splice(2) between pipes and files, vmsplice(2) (no tee). */
static void check_splice(void)
{
	int fd = new_file("sp", "splice source text", 0);
	int out = new_file("spo", "", 0);
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0, "pipe");
	CHECK(lseek(fd, 7, SEEK_SET) == 7, "lseek");
	show("splice file to pipe", splice(fd, NULL, p[1], NULL, 6, 0));
	printf("offset %ld\n", offset(fd));
	loff_t off = 0;
	show("splice file at 0 to pipe", splice(fd, &off, p[1], NULL, 7, 0));
	printf("given %ld, offset %ld\n", (long)off, offset(fd));
	show("splice pipe to pipe", splice(p[0], NULL, q[1], NULL, 4, 0));
	show("splice pipe to file", splice(p[0], NULL, out, NULL, 100, 0));
	printf("out '%s', offset %ld\n", contents(out), offset(out));
	off = 20;
	show("splice pipe to file at 20", splice(q[0], NULL, out, &off, 100, 0));
	printf("given %ld, offset %ld\n", (long)off, offset(out));
	show("splice empty pipe NONBLOCK", splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK));
	show("splice file to file", splice(fd, NULL, out, NULL, 10, 0));
	show("splice with an offset for a pipe", splice(p[0], &off, out, NULL, 10, 0));
	show("splice bad flags", splice(fd, NULL, p[1], NULL, 10, 0x10));
	show("splice 0 bytes", splice(999, NULL, 999, NULL, 0, 0));
	show("splice bad fd", splice(999, NULL, p[1], NULL, 10, 0));
	show("splice pipe into itself", splice(p[0], NULL, p[1], NULL, 10, 0));
	int ap = open(at("spo"), O_WRONLY | O_APPEND);
	CHECK(write(p[1], "x", 1) == 1, "write");
	show("splice pipe to O_APPEND", splice(p[0], NULL, ap, NULL, 10, 0));
	close(ap);
	off = -1;
	show("splice from offset -1", splice(fd, &off, p[1], NULL, 10, 0));
	show("splice to the read end", splice(fd, NULL, p[0], NULL, 10, 0));
	/* A full pipe (16 pages): NONBLOCK says EAGAIN. */
	close(p[0]);
	close(p[1]);
	CHECK(pipe(p) == 0, "pipe");
	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
	char big[4096];
	memset(big, 'b', sizeof(big));
	while (write(p[1], big, sizeof(big)) > 0)
		;
	CHECK(fcntl(p[1], F_SETFL, 0) == 0, "F_SETFL");
	show("splice into a full pipe NONBLOCK", splice(fd, NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK));
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	CHECK(pipe(p) == 0, "pipe");
	struct iovec v[2] = {{"vm", 2}, {"splice", 6}};
	show("vmsplice to the write end", vmsplice(p[1], v, 2, 0));
	char a[4] = {0}, b[8] = {0};
	struct iovec r[2] = {{a, 3}, {b, 5}};
	show("vmsplice from the read end", vmsplice(p[0], r, 2, 0));
	printf("read '%s' '%s'\n", a, b);
	show("vmsplice from an empty pipe NONBLOCK", vmsplice(p[0], r, 2, SPLICE_F_NONBLOCK));
	show("vmsplice bad flags", vmsplice(p[1], v, 2, 0x10));
	show("vmsplice to a file", vmsplice(fd, v, 2, 0));
	show("vmsplice nothing", vmsplice(p[1], v, 0, 0));
	close(p[0]);
	show("vmsplice with no reader", vmsplice(p[1], v, 2, 0));
	close(p[1]);
	close(fd);
	close(out);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(dir, sizeof(dir), "%s/fs_vec.XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	check_vectors();
	check_copy();
	check_close_range();
	check_sync();
	signal(SIGPIPE, SIG_IGN);
	check_splice();
	CHECK(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "remove %s", dir);
	return 0;
}
