/* step.h - `vmemu step`: the debugger's line interface, at a terminal with
 * line editing and history (libedit), or from a script (--commands FILE,
 * or stdin when it is not a terminal; each command is echoed after the
 * prompt, so the output reads as a transcript). The end of the commands
 * is `quit`. ^C stops a running guest. */
#ifndef VMEMU_STEP_H
#define VMEMU_STEP_H

#include <stddef.h>
#include <stdio.h>

#include "dbg.h"
#include "disasm.h"

struct stepper;

/* commands: a script, or NULL for stdin. NULL with a message in err. */
struct stepper *stepper_open(const char *commands, FILE *out, char *err, size_t errlen);
/* The front end for dbg_create. */
struct dbg_frontend stepper_frontend(struct stepper *s);
/* The debugger it drives, once created (also takes ^C from now on). */
void stepper_attach(struct stepper *s, struct dbg *d);
/* The run is over: says how the guest ended. */
void stepper_end(struct stepper *s, int status, int signal, bool killed);
void stepper_close(struct stepper *s);

/* Prints why the guest stopped and the instruction it stopped at (also
 * for gdb's stepping with `vmemu step --gdb`). */
void stepper_show_stop(FILE *out, struct dbg *d, struct disasm *dis, const struct dbg_stop *s);

#endif
