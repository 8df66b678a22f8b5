/* fmap_fork: file maps across fork, on a unique temporary file of 4 pages:
 *   a child maps the file MAP_SHARED, stores and exits without msync: the
 *     parent then reads the stores with read() (exit writes them back);
 *   a child stores into a MAP_PRIVATE map and exits: the file is unchanged;
 *   a shared map made before fork is one memory for parent and child: each
 *     sees the other's stores (pages touched before and after the fork);
 *   a private map made before fork: the child's stores stay its own. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NPAGES 4

static char path[4096];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void wait_ok(pid_t pid, const char *what)
{
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child status %#x", what, status);
}

static unsigned char *map(int prot, int flags, int fd)
{
	void *p = mmap(NULL, NPAGES * PAGE, prot, flags, fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void read_at(int fd, off_t off, void *buf, size_t n)
{
	CHECK(lseek(fd, off, SEEK_SET) == off, "lseek: %s", strerror(errno));
	CHECK(read(fd, buf, n) == (ssize_t)n, "read: %s", strerror(errno));
}

/* The child stores and exits; parent and child talk through a pipe. */
static void child_stores(int fd, int flags)
{
	unsigned char *p = map(PROT_READ | PROT_WRITE, flags, fd);
	for (int i = 0; i < NPAGES; i++)
		snprintf((char *)p + i * PAGE + 7, 32, "child page %d", i);
	_exit(0); /* no msync, no munmap: exit does the rest */
}

int main(void)
{
	snprintf(path, sizeof path, "%s/vmemu-fmap-fork-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	atexit(cleanup);
	CHECK(ftruncate(fd, NPAGES * PAGE) == 0, "ftruncate: %s", strerror(errno));
	char buf[64];

	/* The parent reads the file once, so its pages are cached already. */
	read_at(fd, 7, buf, 12);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		child_stores(fd, MAP_SHARED);
	wait_ok(pid, "shared child");
	for (int i = 0; i < NPAGES; i++) {
		char want[32];
		snprintf(want, sizeof want, "child page %d", i);
		read_at(fd, i * PAGE + 7, buf, strlen(want));
		CHECK(memcmp(buf, want, strlen(want)) == 0,
		      "read() after the child's exit: page %d has \"%.12s\"", i, buf);
	}

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		CHECK(ftruncate(fd, NPAGES * PAGE) == 0, "ftruncate: %s", strerror(errno));
		unsigned char *p = map(PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
		memset(p, 'x', NPAGES * PAGE);
		_exit(0);
	}
	wait_ok(pid, "private child");
	read_at(fd, 7, buf, 12);
	CHECK(memcmp(buf, "child page 0", 12) == 0, "a private store reached the file: \"%.12s\"",
	      buf);

	/* Shared before fork. */
	unsigned char *s = map(PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	s[0] = 'P'; /* page 0 touched before the fork, page 3 only after */
	unsigned char *pr = map(PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	pr[PAGE] = 'p';
	int to_child[2], to_parent[2];
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	char c;
	if (pid == 0) {
		CHECK(s[0] == 'P', "child: the parent's store before fork is missing");
		s[1] = 'C';
		s[3 * PAGE] = 'C';
		pr[PAGE] = 'c';
		CHECK(write(to_parent[1], "1", 1) == 1, "write: %s", strerror(errno));
		CHECK(read(to_child[0], &c, 1) == 1, "read: %s", strerror(errno));
		CHECK(s[2] == 'P' && s[3 * PAGE + 1] == 'P',
		      "child: the parent's stores after fork are missing");
		_exit(0);
	}
	CHECK(read(to_parent[0], &c, 1) == 1, "read: %s", strerror(errno));
	CHECK(s[1] == 'C' && s[3 * PAGE] == 'C', "parent: the child's stores are missing");
	CHECK(pr[PAGE] == 'p', "parent: the child's private store is visible");
	s[2] = 'P';
	s[3 * PAGE + 1] = 'P';
	CHECK(write(to_child[1], "1", 1) == 1, "write: %s", strerror(errno));
	wait_ok(pid, "shared-before-fork child");
	CHECK(msync(s, NPAGES * PAGE, MS_SYNC) == 0, "msync: %s", strerror(errno));
	read_at(fd, 0, buf, 4);
	CHECK(memcmp(buf, "PCP", 4) == 0, "read() after msync: \"%.3s\"", buf);
	read_at(fd, 3 * PAGE, buf, 2);
	CHECK(memcmp(buf, "CP", 2) == 0, "read() after msync, page 3: \"%.2s\"", buf);
	printf("ok\n");
	return 0;
}
