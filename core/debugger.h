/* debugger.h - the debugger a run gets from its options: `vmemu step`'s
 * line interface, or a gdb stub (--gdb PORT), over the engine of dbg.h. */
#ifndef VMEMU_DEBUGGER_H
#define VMEMU_DEBUGGER_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "cpu.h"
#include "kernel.h"
#include "session.h"

struct debugger;

/* NULL and *wanted false when the options ask for no debugger; NULL and
 * a message in err when it cannot start (e.g. the gdb port is in use). */
struct debugger *debugger_open(const struct vmemu_options *o, struct cpu *cpu, struct kernel *k,
			       bool *wanted, char *err, size_t errlen);
const struct session_sink *debugger_sink(struct debugger *g);
/* Whether the user killed the guest (quit, gdb's kill). */
bool debugger_killed(const struct debugger *g);
/* The run is over: the front end says how the guest ended. */
void debugger_end(struct debugger *g, int status, int signal);
void debugger_close(struct debugger *g);

#endif
