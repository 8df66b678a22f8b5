/* hostsig.h - host signals sent to vmemu, forwarded to the guest. */
#ifndef VMEMU_HOSTSIG_H
#define VMEMU_HOSTSIG_H

#include "cpu.h"
#include "kernel.h"

/* From now on SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and SIGUSR2 go to
 * the guest of k, running on cpu. 0, or -1 (errno) if one cannot be
 * caught. */
int hostsig_forward(struct kernel *k, struct cpu *cpu);
/* Back to the default actions (before vmemu ends). */
void hostsig_stop(void);

#endif
