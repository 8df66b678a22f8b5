/* sig_fpu: the x87/SSE state survives a signal handler. The interrupted
 * code's xmm0 is in the frame (uc_mcontext.fpregs), the handler may change
 * its own xmm0 freely, and rt_sigreturn gives the old value back. */
#include "guest_test.h"

#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

static const unsigned char pattern[16] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
					  0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
static volatile int saw_pattern;

static void handler(int sig, siginfo_t *si, void *uc_)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = uc_;
	saw_pattern = uc->uc_mcontext.fpregs &&
		      memcmp(&uc->uc_mcontext.fpregs->_xmm[0], pattern, 16) == 0;
	unsigned char junk[16];
	memset(junk, 0xee, sizeof(junk));
	__asm__ volatile("movdqu %0, %%xmm0" : : "m"(junk) : "xmm0");
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
	if (sigaction(SIGUSR1, &sa, NULL))
		fail("sigaction: %s", strerror(errno));
	unsigned char after[16];
	/* xmm0 holds the pattern across the kill() and the handler. */
	__asm__ volatile("movdqu %1, %%xmm0\n\t"
			 "mov $62, %%eax\n\t"   /* kill(getpid(), SIGUSR1) via raw syscall */
			 "mov %2, %%edi\n\t"
			 "mov $10, %%esi\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm0, %0"
			 : "=m"(after)
			 : "m"(pattern), "r"(getpid())
			 : "rax", "rdi", "rsi", "rcx", "r11", "xmm0", "memory");
	if (!saw_pattern)
		fail("the handler's frame did not hold the interrupted xmm0");
	if (memcmp(after, pattern, 16) != 0)
		fail("xmm0 after the handler is not what it was before the signal");
	puts("x87/SSE state across a signal handler: ok");
	return 0;
}
