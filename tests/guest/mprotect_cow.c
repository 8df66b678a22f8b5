/* mprotect_cow: making private memory writable with mprotect must not let
 * a store reach what the page was shared with. A private file page read
 * through a read-only map, then made writable and written, leaves the
 * file (pread, a MAP_SHARED view) as it was; an anonymous page shared
 * with a forked child since fork, made read-only and writable again in the
 * parent and written, leaves the child's copy as it was; an untouched page
 * (the zero page) made writable and written leaves other zero pages zero.
 * Found by fuzz-diff (seed 274): a store through such a map changed the
 * file. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void file_page(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/mprotect_cow.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	static char page[PAGE];
	memset(page, 'f', PAGE);
	CHECK(write(fd, page, PAGE) == PAGE, "write: %s", strerror(errno));
	char *shared = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	char *priv = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(shared != MAP_FAILED && priv != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(priv[100] == 'f', "the private map reads %#x", priv[100]);
	CHECK(mprotect(priv, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
	priv[100] = 'P';
	char b = 0;
	CHECK(pread(fd, &b, 1, 100) == 1, "pread: %s", strerror(errno));
	printf("file page: private map %c, file %c, shared map %c\n", priv[100], b, shared[100]);
	CHECK(b == 'f' && shared[100] == 'f', "a private store reached the file");
	munmap(shared, PAGE);
	munmap(priv, PAGE);
	close(fd);
}

static void forked_page(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[0] = 'a';
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0, "pipe");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		c = p[0];
		_exit(write(done[1], &c, 1) == 1 ? 0 : 3);
	}
	CHECK(mprotect(p, PAGE, PROT_READ) == 0, "mprotect read-only: %s", strerror(errno));
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect writable: %s", strerror(errno));
	p[0] = 'b';
	char c = 0;
	CHECK(write(go[1], &c, 1) == 1 && read(done[0], &c, 1) == 1, "child");
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status");
	printf("forked page: parent %c, child %c\n", p[0], c);
	CHECK(c == 'a', "the parent's store reached the child");
	munmap(p, PAGE);
}

static void zero_page(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(p[0] == 0 && p[PAGE] == 0, "untouched memory is not zero");
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
	p[0] = 'z';
	char *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, "mmap: %s", strerror(errno));
	printf("zero page: written %c, neighbour %d, new map %d\n", p[0], p[PAGE], q[0]);
	CHECK(p[PAGE] == 0 && q[0] == 0, "a store reached the zero page");
	munmap(p, 2 * PAGE);
	munmap(q, PAGE);
}

int main(void)
{
	file_page();
	forked_page();
	zero_page();
	return 0;
}
