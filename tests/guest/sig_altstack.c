/* sig_altstack: handlers with SA_ONSTACK run on the alternate signal
 * stack (a local's address lies in it; sigaltstack reports SS_ONSTACK and
 * refuses changes with EPERM there), handlers without it on the normal
 * stack; a SIGSEGV handler on the altstack can repair the fault; the
 * EINVAL/ENOMEM rules of sigaltstack(2) and SS_DISABLE; the frame within
 * AT_MINSIGSTKSZ of the altstack's top. */
#include "guest_test.h"

#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile uintptr_t local_at, frame_at;
static volatile int on_flags, change_err, hits;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	frame_at = (uintptr_t)uc - 8; /* the frame starts with the return address */
	volatile char local = 0;
	local_at = (uintptr_t)&local;
	stack_t now, again = {.ss_sp = alt, .ss_size = ALT_SIZE};
	sigaltstack(NULL, &now);
	on_flags = now.ss_flags;
	change_err = sigaltstack(&again, NULL) == 0 ? 0 : errno;
	if (sig == SIGSEGV)
		mprotect((void *)((uintptr_t)si->si_addr & ~(PAGE - 1)), PAGE,
			 PROT_READ | PROT_WRITE);
	hits++;
}

static int on_alt(uintptr_t a)
{
	return a >= (uintptr_t)alt && a < (uintptr_t)alt + ALT_SIZE;
}

static void handle(int sig, int flags)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | flags};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
}

int main(void)
{
	alt = malloc(ALT_SIZE);
	CHECK(alt != NULL, "malloc");
	stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE}, old;
	CHECK(sigaltstack(NULL, &old) == 0, "sigaltstack: %s", strerror(errno));
	CHECK(old.ss_flags == SS_DISABLE, "an altstack exists at start (flags %d)", old.ss_flags);
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack: %s", strerror(errno));
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_sp == alt && old.ss_size == ALT_SIZE &&
		      old.ss_flags == 0,
	      "sigaltstack reports sp %p size %zu flags %d", old.ss_sp, old.ss_size, old.ss_flags);

	handle(SIGUSR1, SA_ONSTACK);
	raise(SIGUSR1);
	CHECK(hits == 1, "the SIGUSR1 handler did not run");
	CHECK(on_alt(local_at), "SA_ONSTACK handler's local at %#lx, altstack [%p, +%d)",
	      (unsigned long)local_at, (void *)alt, ALT_SIZE);
	CHECK(on_flags == SS_ONSTACK, "in the handler sigaltstack flags %d, expected SS_ONSTACK",
	      on_flags);
	CHECK(change_err == EPERM, "sigaltstack on the altstack: error %d, expected EPERM",
	      change_err);
	printf("SA_ONSTACK: the handler ran on the alternate stack\n");
	/* AT_MINSIGSTKSZ bounds the frame the kernel wrote at its top. */
	unsigned long min = getauxval(AT_MINSIGSTKSZ);
	CHECK(min >= 1024 && (uintptr_t)alt + ALT_SIZE - frame_at <= min,
	      "the signal frame takes %lu bytes, AT_MINSIGSTKSZ is %lu",
	      (unsigned long)((uintptr_t)alt + ALT_SIZE - frame_at), min);
	printf("the frame fits in AT_MINSIGSTKSZ\n");

	handle(SIGUSR2, 0);
	raise(SIGUSR2);
	CHECK(hits == 2 && !on_alt(local_at) && on_flags == 0,
	      "a handler without SA_ONSTACK ran on the altstack (flags %d)", on_flags);
	printf("without SA_ONSTACK: the normal stack\n");

	handle(SIGSEGV, SA_ONSTACK);
	volatile int *page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED, "mmap: %s", strerror(errno));
	page[3] = 7;
	CHECK(hits == 3 && page[3] == 7 && on_alt(local_at),
	      "SIGSEGV on the altstack: hits %d, value %d", hits, page[3]);
	printf("SIGSEGV handled on the alternate stack, store completed\n");

	stack_t bad = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0x1234};
	CHECK_ERRNO(sigaltstack(&bad, NULL), EINVAL, "sigaltstack(bad flags)");
	stack_t small = {.ss_sp = alt, .ss_size = 1024};
	CHECK_ERRNO(sigaltstack(&small, NULL), ENOMEM, "sigaltstack(1024 bytes)");
	stack_t off = {.ss_flags = SS_DISABLE};
	CHECK(sigaltstack(&off, &old) == 0 && old.ss_sp == alt, "sigaltstack(SS_DISABLE): %s",
	      strerror(errno));
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE,
	      "after SS_DISABLE flags %d", old.ss_flags);
	raise(SIGUSR1);
	CHECK(hits == 4 && !on_alt(local_at), "SA_ONSTACK without an altstack ran on it");
	printf("sigaltstack: EINVAL, ENOMEM, SS_DISABLE\n");
	return 0;
}
