/* fmap_prot: a MAP_SHARED file map whose protection changes while its
 * pages are mapped: written, made PROT_NONE (loads and stores fault),
 * made write-only (x86 has no write-only pages: loads work too, and a
 * store works; the page still reaches the file), made read-only (a store
 * faults), read-write again. Also a write-only private anonymous map.
 * Each access prints its result, compared with the native run. */
#include "guest_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

static char path[4096];
static sigjmp_buf env;
static volatile int fault_sig;

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(env, 1);
}

static void access_page(const char *what, volatile unsigned char *p, int store)
{
	if (sigsetjmp(env, 1)) {
		printf("%s: signal %d\n", what, fault_sig);
		return;
	}
	if (store)
		*p = (unsigned char)(*p + 1);
	printf("%s: byte %d\n", what, *p);
}

static void protect(unsigned char *p, int prot)
{
	CHECK(mprotect(p, 2 * PAGE, prot) == 0, "mprotect %d: %s", prot, strerror(errno));
}

int main(void)
{
	atexit(cleanup);
	signal(SIGSEGV, on_fault);
	signal(SIGBUS, on_fault);
	snprintf(path, sizeof(path), "%s/vmemu-fmap-prot-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	CHECK(ftruncate(fd, 2 * PAGE) == 0, "ftruncate: %s", strerror(errno));
	unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	access_page("shared, read-write, store", m, 1);
	protect(m, PROT_NONE);
	access_page("shared, none, load", m, 0);
	access_page("shared, none, store", m, 1);
	protect(m, PROT_WRITE);
	access_page("shared, write-only, store", m, 1);
	access_page("shared, write-only, store to the other page", m + PAGE, 1);
	access_page("shared, write-only, load", m, 0);
	protect(m, PROT_READ);
	access_page("shared, read-only, store", m, 1);
	protect(m, PROT_READ | PROT_WRITE);
	access_page("shared, read-write again, store", m, 1);
	CHECK(msync(m, 2 * PAGE, MS_SYNC) == 0, "msync: %s", strerror(errno));
	unsigned char b[2];
	CHECK(pread(fd, &b[0], 1, 0) == 1 && pread(fd, &b[1], 1, PAGE) == 1, "pread: %s",
	      strerror(errno));
	printf("the file has %d and %d\n", b[0], b[1]);

	unsigned char *a = mmap(NULL, 2 * PAGE, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
	access_page("private, write-only, store", a, 1);
	protect(a, PROT_NONE);
	protect(a, PROT_WRITE);
	access_page("private, write-only again, store", a, 1);
	return 0;
}
