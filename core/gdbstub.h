/* gdbstub.h - `--gdb PORT`: a GDB remote-serial-protocol stub over the
 * debugger engine (dbg.h). gdb connects with `target remote :PORT` before
 * the first instruction runs. It reads registers (a target description
 * with fs_base and gs_base) and memory through the guest's page tables
 * (unmapped memory reads fail; nothing is faulted in), sets breakpoints
 * (Z0/Z1, kept by the stub: guest memory is never written) and write
 * watchpoints (Z2: the stub compares the watched bytes after every
 * instruction), steps and continues, and stops before a fatal signal is
 * delivered (qXfer:siginfo:read for $_siginfo). `monitor CMD` runs the
 * debugger's looking commands (walk, tlb, pt, maps, stats, ...). Guest
 * processes are gdb's threads: a stop reports the process that stopped,
 * and gdb follows it. */
#ifndef VMEMU_GDBSTUB_H
#define VMEMU_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dbg.h"

struct gdbstub;

/* Listens on localhost:port. report: where `vmemu step --gdb` shows each
 * instruction gdb steps (NULL: nowhere). NULL with a message in err. */
struct gdbstub *gdbstub_open(int port, bool kill_on_disconnect, FILE *report, char *err,
			     size_t errlen);
struct dbg_frontend gdbstub_frontend(struct gdbstub *g);
void gdbstub_attach(struct gdbstub *g, struct dbg *d);
/* The run is over: gdb hears how (unless it killed the guest itself). */
void gdbstub_end(struct gdbstub *g, int status, int signal, bool killed);
void gdbstub_close(struct gdbstub *g);

#endif
