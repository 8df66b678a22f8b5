/* debugger.c - chooses and ties together the debugger's parts. */
#include <stdlib.h>

#include "dbg.h"
#include "debugger.h"
#include "gdbstub.h"
#include "step.h"

struct debugger {
	struct stepper *step; /* vmemu step without --gdb */
	struct gdbstub *gdb;  /* --gdb */
	struct dbg *dbg;
};

struct debugger *debugger_open(const struct vmemu_options *o, struct cpu *cpu, struct kernel *k,
			       bool *wanted, char *err, size_t errlen)
{
	*wanted = o->command == CMD_STEP || o->gdb_port;
	if (!*wanted)
		return NULL;
	struct debugger *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	struct dbg_frontend fe;
	if (o->gdb_port) {
		/* vmemu step --gdb: gdb drives, stdout shows what each step did. */
		g->gdb = gdbstub_open(o->gdb_port, o->gdb_kill_on_disconnect,
				      o->command == CMD_STEP ? stdout : NULL, err, errlen);
		if (g->gdb)
			fe = gdbstub_frontend(g->gdb);
	} else {
		g->step = stepper_open(o->commands, stdout, err, errlen);
		if (g->step)
			fe = stepper_frontend(g->step);
	}
	if (!g->gdb && !g->step) {
		debugger_close(g);
		return NULL;
	}
	g->dbg = dbg_create(cpu, k, &fe);
	if (!g->dbg) {
		snprintf(err, errlen, "out of host memory");
		debugger_close(g);
		return NULL;
	}
	if (g->step)
		stepper_attach(g->step, g->dbg);
	else
		gdbstub_attach(g->gdb, g->dbg);
	return g;
}

const struct session_sink *debugger_sink(struct debugger *g)
{
	return dbg_sink(g->dbg);
}

bool debugger_killed(const struct debugger *g)
{
	return dbg_killed(g->dbg);
}

void debugger_end(struct debugger *g, int status, int signal)
{
	dbg_finish(g->dbg);
	if (g->step)
		stepper_end(g->step, status, signal, dbg_killed(g->dbg));
	if (g->gdb)
		gdbstub_end(g->gdb, status, signal, dbg_killed(g->dbg));
}

void debugger_close(struct debugger *g)
{
	if (!g)
		return;
	stepper_close(g->step);
	gdbstub_close(g->gdb);
	dbg_destroy(g->dbg);
	free(g);
}
