/* main.c - the vmemu command. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "cpu.h"
#include "host_fds.h"
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
	int *host_fds;
	int nhost_fds = host_fds_inherited(&host_fds); /* before vmemu opens any */
	struct vmemu_options o;
	int status = cli_parse(argc, argv, &o, stdout, stderr, cpu_unicorn_version());
	if (status >= 0 || o.command == CMD_REPORT) {
		free(host_fds);
		return status >= 0 ? status : report_main(&o, stdout, stderr);
	}
	o.host_fds = nhost_fds >= 0 ? host_fds : NULL;
	o.nhost_fds = nhost_fds;
	int sig;
	status = vmemu_run(&o, &sig);
	free(host_fds);
	return sig ? die_of(sig) : status;
}
