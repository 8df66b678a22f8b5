/* run.h - the `vmemu run` command. */
#ifndef VMEMU_RUN_H
#define VMEMU_RUN_H

#include "cli.h"

/* Runs o->prog_argv; returns vmemu's exit status (see --help), and in
 * *exit_signal the signal that killed the guest, or 0. */
int vmemu_run(const struct vmemu_options *o, int *exit_signal);

#endif
