/* main.c - the vmemu command. */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "cpu.h"
#include "report.h"
#include "run.h"

/* The guest died of sig: vmemu dies of it too, as qemu-user does, so a
 * shell says "Segmentation fault" and a parent's wait sees WIFSIGNALED.
 * No core dump of vmemu itself: it would be the emulator's, not the
 * guest's. Returns only if sig does not kill (then 128 + sig). */
static int die_of(int sig)
{
	fflush(NULL);
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	return VMEMU_EXIT_SIGNAL_BASE + sig;
}

int main(int argc, char **argv)
{
	struct vmemu_options o;
	int status = cli_parse(argc, argv, &o, stdout, stderr, cpu_unicorn_version());
	if (status >= 0)
		return status;
	if (o.command == CMD_REPORT)
		return report_main(&o, stdout, stderr);
	int sig;
	status = vmemu_run(&o, &sig);
	return sig ? die_of(sig) : status;
}
