/* fmap_sigbus: a map of a file of 1 page and 100 bytes, 4 pages long:
 *   the tail of the second page (past the end of the file) reads zero;
 *   touching the third page (wholly past the end) raises SIGBUS with
 *     si_code BUS_ADRERR and si_addr the address touched; the handler
 *     siglongjmps back, and so does a write to the fourth page;
 *   pread() into the page past the end fails with EFAULT;
 *   after ftruncate grows the file the same page reads zero, and after it
 *     shrinks the file again the page raises SIGBUS once more.
 * With the argument "kill": the touch has no handler and the process dies
 * by SIGBUS (as in run_guest.sh's expect-signal mode). */
#include "guest_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t got_code;
static void *volatile got_addr;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(env, 1);
}

/* Touches p (a write when write); true when it raised SIGBUS at p. */
static bool bus_at(volatile unsigned char *p, bool write)
{
	got_code = 0;
	got_addr = NULL;
	if (sigsetjmp(env, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return false;
	}
	CHECK(got_code == BUS_ADRERR, "si_code %d, expected BUS_ADRERR (%d)", (int)got_code,
	      BUS_ADRERR);
	CHECK(got_addr == (void *)p, "si_addr %p, expected %p", got_addr, (void *)p);
	return true;
}

int main(int argc, char **argv)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/vmemu-fmap-sigbus-XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp(%s): %s", path, strerror(errno));
	unlink(path); /* open and mapped, it lives on; "kill" leaves nothing behind */
	static unsigned char data[PAGE + 100];
	memset(data, 'f', sizeof data);
	CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data, "write: %s", strerror(errno));
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(p[PAGE + 99] == 'f' && p[PAGE + 100] == 0 && p[2 * PAGE - 1] == 0,
	      "the last page: %#x %#x %#x", p[PAGE + 99], p[PAGE + 100], p[2 * PAGE - 1]);
	if (argc > 1 && strcmp(argv[1], "kill") == 0) {
		printf("touching the page past the end\n");
		fflush(stdout);
		return p[2 * PAGE + 8];
	}
	struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	CHECK(bus_at(p + 2 * PAGE + 8, false), "a read past the end gave no SIGBUS");
	CHECK(bus_at(p + 3 * PAGE + 4095, true), "a write past the end gave no SIGBUS");
	CHECK_ERRNO(pread(fd, p + 2 * PAGE, 10, 0), EFAULT, "pread() into the page past the end");

	CHECK(ftruncate(fd, 3 * PAGE) == 0, "ftruncate: %s", strerror(errno));
	CHECK(!bus_at(p + 2 * PAGE + 8, false), "SIGBUS inside the grown file");
	CHECK(p[2 * PAGE + 8] == 0 && p[PAGE + 100] == 0, "the grown part is not zero");
	p[2 * PAGE] = 'g';
	CHECK(ftruncate(fd, PAGE) == 0, "ftruncate: %s", strerror(errno));
	CHECK(bus_at(p + 2 * PAGE, false), "no SIGBUS after the file shrank");
	CHECK(bus_at(p + PAGE, true), "no SIGBUS on the cut page");
	CHECK(p[PAGE - 1] == 'f', "the page below the end changed");
	printf("ok\n");
	return 0;
}
