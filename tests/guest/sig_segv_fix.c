/* sig_segv_fix: a SIGSEGV handler repairs the fault and returns, and the
 * faulting store runs again and completes. Three causes: a PROT_NONE page
 * and a PROT_READ page (SEGV_ACCERR; the handler mprotects the page RW)
 * and an unmapped page (SEGV_MAPERR; the handler maps it). The handler
 * checks si_addr (the exact byte), si_code, and the x86 sigcontext:
 * trapno 14 (#PF), cr2, and a write from user mode in the error code. */
#include "guest_test.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

#define X86_TRAP_PF 14
#define PF_WRITE 0x2
#define PF_USER 0x4

static volatile int *expect_addr;
static int expect_code;
static volatile int faults;
static char bad[160]; /* the first failed check inside the handler */

/* Handlers cannot call fail() safely: note the problem, check it later. */
static void note(const char *what)
{
	if (!bad[0])
		snprintf(bad, sizeof(bad), "%s", what);
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *gr = uc->uc_mcontext.gregs;
	faults++;
	if (sig != SIGSEGV || si->si_signo != SIGSEGV)
		note("handler called for another signal");
	if (si->si_addr != (void *)expect_addr)
		note("si_addr is not the faulting address");
	if (si->si_code != expect_code)
		note("si_code is not the expected SEGV_ code");
	if (gr[REG_TRAPNO] != X86_TRAP_PF)
		note("sigcontext trapno is not 14 (#PF)");
	if ((uintptr_t)gr[REG_CR2] != (uintptr_t)expect_addr)
		note("sigcontext cr2 is not the faulting address");
	if ((gr[REG_ERR] & (PF_WRITE | PF_USER)) != (PF_WRITE | PF_USER))
		note("sigcontext err lacks W|U for a user store");
	void *page = (void *)((uintptr_t)expect_addr & ~(PAGE - 1));
	if (expect_code == SEGV_MAPERR) {
		int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
		if (mmap(page, PAGE, PROT_READ | PROT_WRITE, flags, -1, 0) != page)
			note("mmap in the handler failed");
	} else if (mprotect(page, PAGE, PROT_READ | PROT_WRITE) != 0) {
		note("mprotect in the handler failed");
	}
}

/* Stores v at p, expecting exactly one SIGSEGV with code on the way. */
static void store_through_fault(volatile int *p, int v, int code, const char *what)
{
	int before = faults;
	expect_addr = p;
	expect_code = code;
	*p = v;
	CHECK(!bad[0], "%s: %s", what, bad);
	CHECK(faults == before + 1, "%s: %d SIGSEGVs, expected 1", what, faults - before);
	CHECK(*p == v, "%s: the store did not complete after the handler (%d)", what, *p);
	printf("%s: fixed by the handler, value %d\n", what, *p);
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction: %s", strerror(errno));

	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p[PAGE] = 5; /* a present page made read-only below */
	CHECK(mprotect(p, PAGE, PROT_NONE) == 0, "mprotect(PROT_NONE): %s", strerror(errno));
	CHECK(mprotect(p + PAGE, PAGE, PROT_READ) == 0, "mprotect(PROT_READ): %s", strerror(errno));
	CHECK(munmap(p + 2 * PAGE, PAGE) == 0, "munmap: %s", strerror(errno));

	store_through_fault((volatile int *)(p + 124), 42, SEGV_ACCERR, "PROT_NONE page");
	store_through_fault((volatile int *)(p + PAGE + 2000), 43, SEGV_ACCERR, "PROT_READ page");
	CHECK(p[PAGE] == 5, "the read-only page lost its contents: %d", p[PAGE]);
	store_through_fault((volatile int *)(p + 2 * PAGE + 8), 44, SEGV_MAPERR, "unmapped page");

	/* The handler ran with the default mask: SIGSEGV is unblocked again. */
	sigset_t now;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0, "sigprocmask: %s", strerror(errno));
	CHECK(!sigismember(&now, SIGSEGV), "SIGSEGV still blocked after the handler returned");
	printf("%d faults fixed\n", faults);
	return 0;
}
