/* fork_cow: fork shares memory copy-on-write.
 * The parent fills anonymous memory, heap memory and a global; the child
 * checks it sees the same bytes, overwrites them, checks its own stores, and
 * exits 0 (or 1 with a reason); the parent waits, checks the child's status
 * and that its own memory is unchanged, then writes again (its first write
 * after the fork) and checks that. A MAP_SHARED anonymous page is shared:
 * the child's store is seen by the parent. */
#include "guest_test.h"

#include <sys/mman.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 64

static int global = 1234;

static void check_fill(const unsigned char *p, size_t n, unsigned char v, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(v + i / PAGE))
			fail("%s: byte %zu is %#x, expected %#x", what, i, p[i],
			     (unsigned char)(v + i / PAGE));
}

static void fill(unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i += PAGE)
		memset(p + i, (unsigned char)(v + i / PAGE), PAGE);
}

int main(void)
{
	size_t len = PAGES * PAGE;
	unsigned char *anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	CHECK(anon != MAP_FAILED, "mmap: %s", strerror(errno));
	volatile int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED, "mmap(MAP_SHARED): %s", strerror(errno));
	unsigned char *heap = malloc(3 * PAGE);
	CHECK(heap != NULL, "malloc");
	fill(anon, len, 0x10);
	memset(heap, 0x5a, 3 * PAGE);
	*shared = 1;

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		check_fill(anon, len, 0x10, "child: inherited anonymous memory");
		for (int i = 0; i < 3 * (int)PAGE; i++)
			CHECK(heap[i] == 0x5a, "child: inherited heap byte %d is %#x", i, heap[i]);
		CHECK(global == 1234, "child: global is %d", global);
		fill(anon, len, 0x80);
		memset(heap, 0xa5, 3 * PAGE);
		global = 99;
		check_fill(anon, len, 0x80, "child: its own stores");
		CHECK(*shared == 1, "child: shared page reads %d", *shared);
		*shared = 2;
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: status %#x", status);
	check_fill(anon, len, 0x10, "parent: anonymous memory after the child wrote its copy");
	for (int i = 0; i < 3 * (int)PAGE; i++)
		CHECK(heap[i] == 0x5a, "parent: heap byte %d is %#x", i, heap[i]);
	CHECK(global == 1234, "parent: global is %d after the child changed its copy", global);
	CHECK(*shared == 2, "parent: MAP_SHARED page reads %d, the child stored 2", *shared);
	fill(anon, len, 0x40);
	check_fill(anon, len, 0x40, "parent: stores after the fork");

	/* A child that dies by a signal is reported as such. */
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		CHECK(mprotect(anon, PAGE, PROT_READ) == 0, "child: mprotect");
		anon[0] = 1;
		_exit(3);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "child storing to read-only memory: status %#x, expected killed by SIGSEGV",
	      status);
	anon[0] = 7; /* still writable in the parent */
	CHECK(anon[0] == 7, "parent: store after the child's mprotect");
	free(heap);
	return 0;
}
