/* dbg_cmd.h - the debugger's commands, one line each (`vmemu step`, and
 * gdb's `monitor` for those that only look). `help` lists them. */
#ifndef VMEMU_DBG_CMD_H
#define VMEMU_DBG_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "dbg.h"
#include "disasm.h"

enum cmd_result {
	CMD_STAY,   /* the guest stays stopped: read the next command */
	CMD_RESUME, /* the guest goes on (step, next, continue, until) */
	CMD_QUIT,   /* the guest is killed (quit) */
};

/* Runs one command line; its text goes to out, an error as one line.
 * monitor: only the commands that look (gdb runs the others itself). */
enum cmd_result dbg_command(struct dbg *d, struct disasm *dis, const char *line, FILE *out,
			    bool monitor);

#endif
