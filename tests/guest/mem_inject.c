/* mem_inject: a program that copes with the failures `vmemu run --inject`
 * makes (run by inject_session.sh), and reports what it saw.
 *
 * usage: mem_inject mmap
 *          a 256 MiB map, then a 64 KiB one: prints each result. Natively
 *          run under `ulimit -v 131072`, under vmemu with mmap:nth=1: the
 *          first is ENOMEM and the second succeeds, both ways.
 *        mem_inject swap MIB
 *          fills MIB MiB with a per-page pattern and checks it twice. A
 *          SIGBUS (BUS_ADRERR, at an address of the area) is reported and
 *          the page read again, and must then be intact: Linux raises
 *          SIGBUS for a swap-in read error and reads the slot again on the
 *          next fault.
 *        mem_inject file FILE [random]
 *          maps FILE privately and reads each page through the map and
 *          with pread(), even pages map first, odd ones pread first: a
 *          SIGBUS (BUS_ADRERR, at an address of the map or of the program's
 *          own image) and an EIO from pread are reported and retried, and
 *          the retries must give the file's bytes. With random, the map is
 *          MADV_RANDOM: its faults read no page ahead, so each page's first
 *          read is the map's or pread's own; without, the first fault
 *          reads the pages around it too (read-around).
 *        mem_inject fork N
 *          N children, each writing its own copy of 64 pages the parent
 *          wrote; fork's ENOMEM is reported and tried again; each child's
 *          end is reported (exit status, or the signal: the OOM killer's
 *          SIGKILL). The parent's pages must stay intact.
 * Exit 0 when every check holds; FAIL and 1 otherwise. */
#include "guest_test.h"
#include "page_pattern.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEED 0x6d656d5f696e6aULL /* "mem_inj" */

static sigjmp_buf retry;
static volatile sig_atomic_t bus_code;
static void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	siglongjmp(retry, 1);
}

static void catch_sigbus(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
}

/* The program's own image, whose pages come from its file too. */
extern const char __executable_start[], etext[], end[];

/* A SIGBUS was caught at addr: it must be BUS_ADRERR, inside [base, base
 * + len) or in the program's image (a text or data page it could not
 * read, with this handler already in place). */
static void report_sigbus(const char *what, const unsigned char *base, size_t len)
{
	const unsigned char *a = bus_addr;
	CHECK(bus_code == BUS_ADRERR, "%s: SIGBUS with si_code %d, expected BUS_ADRERR", what,
	      (int)bus_code);
	if (a >= base && a < base + len) {
		printf("%s: SIGBUS BUS_ADRERR at page %zu, read again\n", what,
		       (size_t)(a - base) / PAGE);
		return;
	}
	CHECK((const char *)a >= __executable_start && (const char *)a < end,
	      "%s: SIGBUS at %p, outside the area and the program", what, (void *)a);
	printf("%s: SIGBUS BUS_ADRERR in the program's own %s, read again\n", what,
	       (const char *)a < etext ? "text" : "data");
}

static void try_mmap(size_t len, const char *name)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap %s: %s\n", name,
	       p != MAP_FAILED ? "ok" : errno == ENOMEM ? "ENOMEM" : strerror(errno));
	if (p != MAP_FAILED)
		munmap(p, len);
}

static void do_swap(size_t mib)
{
	size_t len = mib << 20, pages = len / PAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED, "mmap %zu MiB: %s", mib, strerror(errno));
	for (size_t i = 0; i < pages; i++)
		page_fill(p, i, SEED, 1);
	catch_sigbus();
	for (int pass = 1; pass <= 2; pass++) {
		/* volatile: a SIGBUS comes back here with the page to read again */
		volatile size_t i = 0;
		sigsetjmp(retry, 1);
		if (bus_addr) {
			report_sigbus("swap", p, len);
			bus_addr = NULL;
		}
		for (; i < pages; i++) {
			uint64_t got, want;
			long w = page_check(p, i, SEED, 1, &got, &want);
			CHECK(w < 0, "pass %d: page %zu word %ld is %#llx, expected %#llx", pass,
			      (size_t)i, w, (unsigned long long)got, (unsigned long long)want);
		}
	}
	signal(SIGBUS, SIG_DFL);
	printf("swap: %zu MiB intact\n", mib);
}

static void do_file(const char *path, bool random)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	off_t size = lseek(fd, 0, SEEK_END);
	CHECK(size > 0, "%s is empty", path);
	size_t pages = ((size_t)size + PAGE - 1) / PAGE;
	unsigned char *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap %s: %s", path, strerror(errno));
	CHECK(!random || madvise(m, (size_t)size, MADV_RANDOM) == 0, "madvise: %s", strerror(errno));
	static unsigned char buf[PAGE];
	catch_sigbus();
	volatile size_t i = 0;
	sigsetjmp(retry, 1);
	if (bus_addr) {
		report_sigbus("map", m, (size_t)size);
		bus_addr = NULL;
	}
	/* Even pages are read through the map first, odd ones with pread
	 * first: the first read of each page is the one that can fail. */
	for (; i < pages; i++) {
		size_t n = i + 1 < pages ? PAGE : (size_t)size - i * PAGE;
		if (i % 2 == 0)
			(void)*(volatile unsigned char *)(m + i * PAGE);
		ssize_t r = pread(fd, buf, n, (off_t)(i * PAGE));
		if (r < 0 && errno == EIO) {
			printf("pread: EIO at page %zu, read again\n", (size_t)i);
			r = pread(fd, buf, n, (off_t)(i * PAGE));
		}
		CHECK(r == (ssize_t)n, "pread page %zu: %zd (%s)", (size_t)i, r, strerror(errno));
		CHECK(!memcmp(m + i * PAGE, buf, n), "page %zu of the map differs from the file",
		      (size_t)i);
	}
	signal(SIGBUS, SIG_DFL); /* no jump back into the loop from printf */
	printf("file: %zu pages intact\n", pages);
}

static void do_fork(int n)
{
	enum { PAGES = 64 };
	unsigned char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < PAGES; i++)
		page_fill(p, i, SEED, 1);
	for (int c = 0; c < n; c++) {
		pid_t pid;
		while ((pid = fork()) < 0) {
			CHECK(errno == ENOMEM || errno == EAGAIN, "fork: %s", strerror(errno));
			printf("fork: %s, tried again\n", errno == ENOMEM ? "ENOMEM" : "EAGAIN");
		}
		if (pid == 0) {
			for (size_t i = 0; i < PAGES; i++)
				page_fill(p, i, SEED, 2 + (unsigned)c);
			for (size_t i = 0; i < PAGES; i++) {
				uint64_t got, want;
				if (page_check(p, i, SEED, 2 + (unsigned)c, &got, &want) >= 0)
					_exit(2);
			}
			_exit(0);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
		if (WIFSIGNALED(status))
			printf("child %d: killed by signal %d\n", c, WTERMSIG(status));
		else
			CHECK(WEXITSTATUS(status) == 0, "child %d: exit %d (its pages were wrong)", c,
			      WEXITSTATUS(status));
	}
	for (size_t i = 0; i < PAGES; i++) {
		uint64_t got, want;
		CHECK(page_check(p, i, SEED, 1, &got, &want) < 0, "parent page %zu changed", i);
	}
	printf("fork: %d children, parent intact\n", n);
}

int main(int argc, char **argv)
{
	CHECK(argc >= 2, "usage: mem_inject mmap | swap MIB | file FILE [random] | fork N");
	if (!strcmp(argv[1], "mmap")) {
		try_mmap(256UL << 20, "256 MiB");
		try_mmap(64UL << 10, "64 KiB");
	} else if (!strcmp(argv[1], "swap") && argc == 3) {
		do_swap(strtoul(argv[2], NULL, 10));
	} else if (!strcmp(argv[1], "file") && (argc == 3 || (argc == 4 && !strcmp(argv[3], "random")))) {
		do_file(argv[2], argc == 4);
	} else if (!strcmp(argv[1], "fork") && argc == 3) {
		do_fork(atoi(argv[2]));
	} else {
		fail("unknown mode %s", argv[1]);
	}
	return 0;
}
