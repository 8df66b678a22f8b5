/* hostsig.c - signals sent to vmemu from the host are the guest's.
 *
 * SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 would kill vmemu
 * itself; natively (and under qemu-user) the program's own handlers run.
 * So vmemu catches them and posts each to the guest kernel, which sends
 * SIGINT and SIGQUIT to the guest init's process group, as a terminal
 * sends them to its foreground group, and the others to the guest's init,
 * the process a `kill` of vmemu means (kernel_post_signal). The running
 * slice ends soon so that the signal is delivered (cpu_interrupt). */
#include <signal.h>
#include <stddef.h>

#include "hostsig.h"

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static struct kernel *target_kernel;
static struct cpu *target_cpu;

static void on_host_signal(int sig)
{
	kernel_post_signal(target_kernel, sig);
	cpu_interrupt(target_cpu);
}

int hostsig_forward(struct kernel *k, struct cpu *cpu)
{
	target_kernel = k;
	target_cpu = cpu;
	/* SA_RESTART: the host calls vmemu makes go on after the handler. */
	struct sigaction sa = {.sa_handler = on_host_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		if (sigaction(forwarded[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

void hostsig_stop(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
}
