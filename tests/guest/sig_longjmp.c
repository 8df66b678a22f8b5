/* sig_longjmp: siglongjmp out of a SIGSEGV handler, twice. The handler
 * runs with SIGSEGV and its sa_mask (SIGUSR1) blocked; siglongjmp puts
 * back the mask sigsetjmp saved (SIGUSR2 blocked, SIGSEGV not), so the
 * second fault reaches the handler again instead of killing the process. */
#include "guest_test.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int jumps;
static volatile int mask_ok;
static volatile void *fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	mask_ok = sigismember(&now, SIGSEGV) && sigismember(&now, SIGUSR1) &&
		  sigismember(&now, SIGUSR2);
	fault_addr = si->si_addr;
	siglongjmp(env, ++jumps);
}

static void check_mask(const char *when)
{
	sigset_t now;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0, "sigprocmask: %s", strerror(errno));
	CHECK(!sigismember(&now, SIGSEGV), "%s: SIGSEGV still blocked", when);
	CHECK(!sigismember(&now, SIGUSR1), "%s: SIGUSR1 (sa_mask) still blocked", when);
	CHECK(sigismember(&now, SIGUSR2), "%s: SIGUSR2 no longer blocked", when);
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0, "sigprocmask: %s", strerror(errno));

	char *guard = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(guard != MAP_FAILED, "mmap: %s", strerror(errno));

	for (int round = 1; round <= 2; round++) {
		volatile char *target = guard + 100 * round;
		int got = sigsetjmp(env, 1);
		if (got == 0) {
			(void)*target;
			fail("round %d: a load from a PROT_NONE page did not fault", round);
		}
		CHECK(got == round, "round %d: siglongjmp brought %d", round, got);
		CHECK(mask_ok, "round %d: the handler's mask lacked SIGSEGV, SIGUSR1 or SIGUSR2",
		      round);
		CHECK(fault_addr == (void *)target, "round %d: si_addr %p, expected %p", round,
		      (void *)fault_addr, (void *)target);
		check_mask("after siglongjmp");
		printf("round %d: back from the SIGSEGV handler by siglongjmp\n", round);
	}
	return 0;
}
