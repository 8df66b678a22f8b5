/* fs_locks: record locks and flock(2), compared with Linux. A child looks
 * at the parent's POSIX locks through F_GETLK (an owner never conflicts
 * with itself):
 *   ranges set, split by an unlock in the middle, merged with an adjacent
 *   one of the same type, replaced by a lock of the other type; read
 *   locks shared, write locks exclusive; SEEK_CUR, SEEK_END and negative
 *   lengths; the errors (EBADF for the wrong access, EINVAL, F_UNLCK to
 *   F_GETLK);
 *   closing any fd of the file drops the process's locks, and so does its
 *   exit;
 *   F_SETLKW sleeps until the lock is free, fails with EDEADLK when two
 *   processes would wait for each other, and with EINTR on a signal;
 *   OFD locks belong to the open file description: they conflict with
 *   the same process's POSIX locks, a forked child shares them, F_OFD_GETLK
 *   shows pid -1, the last close drops them;
 *   flock: per description, apart from record locks, LOCK_NB.
 * "hold FILE" (for fs_locks_host.sh): write-lock FILE (F_SETLK) and flock
 * it, say "held", then wait for a byte on stdin. "probe FILE": print what
 * F_GETLK and flock(LOCK_NB) say of FILE. */
#include "proc_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

static char path[4096];

static void cleanup(void)
{
	unlink(path);
}

static int lock(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

static int set(int fd, short type, off_t start, off_t len)
{
	return lock(fd, F_SETLK, type, SEEK_SET, start, len);
}

/* F_GETLK (or F_OFD_GETLK) for type on [start, start + len): the lock in
 * the way, with its pid shown as "parent", "self" or the number. */
static void show_getlk(int fd, int cmd, short type, off_t start, off_t len, pid_t parent)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	CHECK(fcntl(fd, cmd, &fl) == 0, "F_GETLK: %s", strerror(errno));
	const char *t = fl.l_type == F_RDLCK ? "read" : fl.l_type == F_WRLCK ? "write" : "unlocked";
	if (fl.l_type == F_UNLCK) {
		printf("  %s %lld+%lld: unlocked\n", type == F_RDLCK ? "read" : "write",
		       (long long)start, (long long)len);
		return;
	}
	char who[32];
	if (fl.l_pid == parent)
		snprintf(who, sizeof who, "parent");
	else
		snprintf(who, sizeof who, "%d", (int)fl.l_pid);
	printf("  %s %lld+%lld: %s lock %lld+%lld by %s\n", type == F_RDLCK ? "read" : "write",
	       (long long)start, (long long)len, t, (long long)fl.l_start, (long long)fl.l_len, who);
}

/* A child that opens the file and asks F_GETLK for each range. */
struct probe {
	short type;
	off_t start, len;
};

static void probe(const char *what, const struct probe *pr, size_t n)
{
	pid_t parent = getpid();
	printf("%s:\n", what);
	pid_t pid = xfork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		CHECK(fd >= 0, "open: %s", strerror(errno));
		for (size_t i = 0; i < n; i++)
			show_getlk(fd, F_GETLK, pr[i].type, pr[i].start, pr[i].len, parent);
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the probe");
}

/* Waits until process pid sleeps (in F_SETLKW): its state in /proc. */
static void wait_sleeping(pid_t pid)
{
	char stat_path[64], buf[256];
	snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", (int)pid);
	for (int tries = 0; tries < 100000; tries++) {
		FILE *f = fopen(stat_path, "r");
		CHECK(f, "open %s: %s", stat_path, strerror(errno));
		char *s = fgets(buf, sizeof buf, f);
		fclose(f);
		char *paren = s ? strrchr(buf, ')') : NULL;
		if (paren && paren[2] == 'S')
			return;
		usleep(1000);
	}
	fail("process %d never went to sleep", (int)pid);
}

static void ranges(int fd)
{
	CHECK(set(fd, F_WRLCK, 10, 10) == 0, "lock 10+10: %s", strerror(errno));
	CHECK(set(fd, F_RDLCK, 30, 10) == 0, "lock 30+10: %s", strerror(errno));
	const struct probe a[] = {{F_WRLCK, 0, 0}, {F_RDLCK, 30, 5}, {F_WRLCK, 35, 2},
				  {F_RDLCK, 0, 10}, {F_RDLCK, 19, 1}};
	probe("write 10+10, read 30+10", a, 5);
	/* An unlock in the middle splits the lock. */
	CHECK(set(fd, F_UNLCK, 14, 2) == 0, "unlock 14+2: %s", strerror(errno));
	const struct probe b[] = {{F_WRLCK, 10, 10}, {F_WRLCK, 14, 2}, {F_WRLCK, 16, 100}};
	probe("unlocked 14+2", b, 3);
	/* Adjacent locks of one type merge. */
	CHECK(set(fd, F_WRLCK, 20, 10) == 0, "lock 20+10: %s", strerror(errno));
	const struct probe c[] = {{F_WRLCK, 16, 1}, {F_RDLCK, 25, 100}};
	probe("write 20+10 next to 16+4", c, 2);
	/* A read lock over all replaces them. */
	CHECK(set(fd, F_RDLCK, 0, 0) == 0, "read lock over all: %s", strerror(errno));
	const struct probe d[] = {{F_WRLCK, 50, 1}, {F_RDLCK, 50, 1}};
	probe("read lock over all", d, 2);
	/* Relative ranges: from the offset, from the end, backwards. */
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock all: %s", strerror(errno));
	CHECK(lseek(fd, 40, SEEK_SET) == 40, "lseek");
	CHECK(lock(fd, F_SETLK, F_WRLCK, SEEK_CUR, 5, 5) == 0, "SEEK_CUR: %s", strerror(errno));
	CHECK(lock(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 5) == 0, "SEEK_END: %s", strerror(errno));
	CHECK(lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 30, -5) == 0, "negative len: %s",
	      strerror(errno));
	const struct probe e[] = {{F_WRLCK, 0, 0}, {F_WRLCK, 30, 0}, {F_WRLCK, 46, 0}};
	probe("SEEK_CUR 5+5 at 40, SEEK_END -10+5 of 100, 30-5", e, 3);
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock all: %s", strerror(errno));
}

static void errors(int fd)
{
	int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
	CHECK(ro >= 0 && wo >= 0, "open: %s", strerror(errno));
	CHECK_ERRNO(set(ro, F_WRLCK, 0, 1), EBADF, "write lock on an O_RDONLY fd");
	CHECK_ERRNO(set(wo, F_RDLCK, 0, 1), EBADF, "read lock on an O_WRONLY fd");
	CHECK_ERRNO(set(fd, 7, 0, 1), EINVAL, "lock type 7");
	CHECK_ERRNO(lock(fd, F_SETLK, F_WRLCK, 9, 0, 1), EINVAL, "l_whence 9");
	CHECK_ERRNO(set(fd, F_WRLCK, -1, 1), EINVAL, "a negative start");
	CHECK_ERRNO(set(fd, F_WRLCK, 3, -5), EINVAL, "a range before 0");
	CHECK_ERRNO(lock(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1), EINVAL, "F_GETLK of F_UNLCK");
	struct flock fl = {.l_type = F_WRLCK, .l_pid = 1};
	CHECK_ERRNO(fcntl(fd, F_OFD_SETLK, &fl), EINVAL, "F_OFD_SETLK with l_pid set");
	CHECK_ERRNO(fcntl(fd, F_SETLK, (struct flock *)8), EFAULT, "F_SETLK of a bad pointer");
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "an unlock of nothing: %s", strerror(errno));
	close(ro);
	close(wo);
	printf("errors: EBADF, EINVAL, EFAULT as Linux\n");
}

/* A child's try to write-lock 0+1 with F_SETLK: its errno, or 0. */
static void child_try(const char *what)
{
	pid_t pid = xfork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		int r = set(fd, F_WRLCK, 0, 1);
		printf("%s: a child's write lock: %s\n", what, r == 0 ? "granted" : strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
}

static void release(int fd)
{
	CHECK(set(fd, F_WRLCK, 0, 0) == 0, "lock: %s", strerror(errno));
	child_try("locked");
	/* Closing another fd of the file drops the lock. */
	int other = open(path, O_RDONLY);
	close(other);
	child_try("after closing another fd of it");
	/* A child's locks go at its exit. */
	pid_t pid = xfork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		CHECK(set(cfd, F_WRLCK, 0, 0) == 0, "child lock: %s", strerror(errno));
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	CHECK(set(fd, F_WRLCK, 0, 0) == 0, "lock after the child's exit: %s", strerror(errno));
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock: %s", strerror(errno));
	/* Locks are not inherited: the child is another owner. */
	CHECK(set(fd, F_WRLCK, 0, 0) == 0, "lock: %s", strerror(errno));
	pid = xfork();
	if (pid == 0) {
		int r = set(fd, F_WRLCK, 0, 1);
		printf("a forked child through the parent's fd: %s\n",
		       r == 0 ? "granted" : strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock: %s", strerror(errno));
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void waits(int fd)
{
	/* F_SETLKW sleeps until the lock is free. */
	CHECK(set(fd, F_WRLCK, 0, 0) == 0, "lock: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		int r = lock(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 0);
		printf("F_SETLKW: %s once the parent unlocked\n", r == 0 ? "granted" : strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	wait_sleeping(pid);
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock: %s", strerror(errno));
	expect_exit(wait_for(pid), 0, "the waiter");

	/* Two processes waiting for each other: EDEADLK for the second. */
	CHECK(set(fd, F_WRLCK, 0, 1) == 0, "lock 0+1: %s", strerror(errno));
	int go[2];
	CHECK(pipe(go) == 0, "pipe");
	pid = xfork();
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		CHECK(set(cfd, F_WRLCK, 1, 1) == 0, "child lock 1+1: %s", strerror(errno));
		CHECK(write(go[1], "x", 1) == 1, "write");
		int r = lock(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
		printf("the child's F_SETLKW on 0+1: %s\n", r == 0 ? "granted" : strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	char c;
	CHECK(read(go[0], &c, 1) == 1, "read");
	wait_sleeping(pid);
	int r = lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	printf("the parent's F_SETLKW on 1+1: %s\n", r == 0 ? "granted" : strerror(errno));
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock: %s", strerror(errno));
	expect_exit(wait_for(pid), 0, "the child");

	/* A signal ends the wait: EINTR without SA_RESTART. */
	CHECK(set(fd, F_WRLCK, 0, 0) == 0, "lock: %s", strerror(errno));
	pid = xfork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_alarm};
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = {.it_value = {0, 50000}};
		setitimer(ITIMER_REAL, &it, NULL);
		int cfd = open(path, O_RDWR);
		int r2 = lock(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 0);
		printf("F_SETLKW and SIGALRM: %s\n", r2 == 0 ? "granted" : strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	CHECK(set(fd, F_UNLCK, 0, 0) == 0, "unlock: %s", strerror(errno));
	close(go[0]);
	close(go[1]);
}

static void ofd(int fd)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK(a >= 0 && b >= 0, "open: %s", strerror(errno));
	CHECK(lock(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0, "OFD lock: %s", strerror(errno));
	/* Another description of the same process is another owner. */
	int r = lock(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1);
	printf("OFD lock through another description: %s\n", r ? strerror(errno) : "granted");
	r = set(fd, F_WRLCK, 5, 1);
	printf("the same process's POSIX lock: %s\n", r ? strerror(errno) : "granted");
	show_getlk(b, F_OFD_GETLK, F_RDLCK, 0, 0, getpid());
	show_getlk(fd, F_GETLK, F_RDLCK, 0, 0, getpid());
	/* A forked child shares the description, so the lock. */
	pid_t pid = xfork();
	if (pid == 0) {
		int r2 = lock(a, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 10);
		printf("the child through the same description: %s\n",
		       r2 ? strerror(errno) : "granted");
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	show_getlk(b, F_OFD_GETLK, F_WRLCK, 0, 0, getpid());
	/* The last close of the description drops it; a dup keeps it. */
	int d = dup(a);
	close(a);
	r = lock(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	printf("after closing one of two fds: %s\n", r ? strerror(errno) : "granted");
	close(d);
	r = lock(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	printf("after the last close: %s\n", r ? strerror(errno) : "granted");
	close(b);
}

static void flocks(int fd)
{
	CHECK(flock(fd, LOCK_EX) == 0, "flock: %s", strerror(errno));
	pid_t pid = xfork();
	if (pid == 0) {
		int other = open(path, O_RDONLY);
		int r = flock(other, LOCK_SH | LOCK_NB);
		printf("flock(LOCK_SH|LOCK_NB) of another description: %s\n",
		       r ? strerror(errno) : "granted");
		r = flock(fd, LOCK_EX | LOCK_NB);
		printf("flock(LOCK_EX|LOCK_NB) of the shared description: %s\n",
		       r ? strerror(errno) : "granted");
		r = set(other, F_RDLCK, 0, 0);
		printf("a record lock beside the flock: %s\n", r ? strerror(errno) : "granted");
		CHECK_ERRNO(flock(other, LOCK_NB), EINVAL, "flock(LOCK_NB)");
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	CHECK(flock(fd, LOCK_SH) == 0, "flock LOCK_SH: %s", strerror(errno));
	pid = xfork();
	if (pid == 0) {
		int other = open(path, O_RDONLY);
		int r = flock(other, LOCK_SH | LOCK_NB);
		printf("after a downgrade to LOCK_SH, another's LOCK_SH: %s\n",
		       r ? strerror(errno) : "granted");
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "the child");
	CHECK(flock(fd, LOCK_UN) == 0, "flock LOCK_UN: %s", strerror(errno));
}

/* ---- with a host process (fs_locks_host.sh) ---- */

static int hold(const char *file)
{
	int fd = open(file, O_RDWR);
	CHECK(fd >= 0, "open %s: %s", file, strerror(errno));
	CHECK(set(fd, F_WRLCK, 0, 0) == 0, "lock %s: %s", file, strerror(errno));
	CHECK(flock(fd, LOCK_EX) == 0, "flock %s: %s", file, strerror(errno));
	printf("held\n");
	fflush(stdout);
	char c;
	return read(0, &c, 1) < 0;
}

static int probe_file(const char *file)
{
	int fd = open(file, O_RDWR);
	CHECK(fd >= 0, "open %s: %s", file, strerror(errno));
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	CHECK(fcntl(fd, F_GETLK, &fl) == 0, "F_GETLK: %s", strerror(errno));
	int r = set(fd, F_RDLCK, 0, 1);
	int e = errno;
	int f = flock(fd, LOCK_SH | LOCK_NB);
	printf("F_GETLK: %s, F_SETLK: %s, flock: %s\n",
	       fl.l_type == F_WRLCK ? "write-locked" : fl.l_type == F_UNLCK ? "unlocked" : "read-locked",
	       r ? strerror(e) : "granted", f ? strerror(errno) : "granted");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "probe"))
		return probe_file(argv[2]);
	snprintf(path, sizeof path, "%s/vmemu-locks-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	atexit(cleanup);
	char zero[100] = {0};
	CHECK(write(fd, zero, sizeof zero) == sizeof zero, "write: %s", strerror(errno));
	ranges(fd);
	errors(fd);
	release(fd);
	waits(fd);
	ofd(fd);
	flocks(fd);
	return 0;
}
