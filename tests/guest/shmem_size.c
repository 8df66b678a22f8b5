/* shmem_size: MAP_SHARED|MAP_ANONYMOUS memory is a shmem object whose
 * size is the length first mapped. Growing the map with mremap (in place
 * or moved) makes more addresses, not more object: a load or a store past
 * the object's end raises SIGBUS (BUS_ADRERR, si_addr exact), in the
 * process and in a forked child, while the pages inside keep their data
 * and stay shared. With an argument MIB, first that many MiB of private
 * memory are written and read back, so that under vmemu with a small
 * --mem the shared pages meet memory pressure and swap. Output: fixed
 * lines only. */
#include "proc_test.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(env, 1);
}

/* "SIGBUS" or the byte read (or written) at p. */
static const char *probe(volatile unsigned char *p, int write)
{
	static char buf[32];
	fault_addr = NULL;
	if (sigsetjmp(env, 1)) {
		CHECK(fault_addr == (void *)p && fault_code == BUS_ADRERR,
		      "SIGBUS at %p code %d, expected %p BUS_ADRERR", (void *)fault_addr, fault_code,
		      (void *)p);
		return "SIGBUS";
	}
	if (write)
		*p = 'w';
	snprintf(buf, sizeof(buf), "byte %d", *p);
	return buf;
}

/* Writes and checks mib MiB of private memory: pressure under a small --mem. */
static void pressure(size_t mib)
{
	size_t n = mib << 20;
	if (n == 0)
		return;
	unsigned char *q = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < n; i += PAGE)
		q[i] = (unsigned char)(i >> 12);
	for (size_t i = 0; i < n; i += PAGE)
		CHECK(q[i] == (unsigned char)(i >> 12), "private page %zu lost its data", i >> 12);
	munmap(q, n);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 0;
	struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));

	unsigned char *s = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED, "mmap: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		s[i * PAGE] = (unsigned char)('a' + i);
	/* Grown: moved if it cannot grow in place. */
	unsigned char *g = mremap(s, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	CHECK(g != MAP_FAILED, "mremap: %s", strerror(errno));
	pressure(mib);
	for (int i = 0; i < 8; i++)
		printf("page %d read: %s\n", i, probe(g + i * PAGE, 0));
	printf("page 5 written: %s\n", probe(g + 5 * PAGE + 7, 1));

	pid_t pid = xfork();
	if (pid == 0) {
		g[2 * PAGE] = 'C';
		pressure(mib);
		printf("child: page 3 %s\n", probe(g + 3 * PAGE, 0));
		printf("child: page 4 %s\n", probe(g + 4 * PAGE, 0));
		fflush(stdout);
		_exit(0);
	}
	expect_exit(wait_for(pid), 0, "child");
	printf("parent sees the child's store: %c\n", g[2 * PAGE]);
	return 0;
}
