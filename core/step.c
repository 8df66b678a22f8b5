/* step.c - the line interface of the debugger (step.h). */
#include <editline/readline.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbg_cmd.h"
#include "show.h"
#include "step.h"

#define PROMPT "(vmemu) "

struct stepper {
	struct dbg *d;
	struct disasm *dis;
	FILE *script;      /* NULL: stdin */
	bool interactive;  /* libedit at a terminal */
	FILE *out;
	char *line;
	size_t cap;
};

static struct dbg *interrupt_target;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupt_target)
		dbg_interrupt(interrupt_target);
}

struct stepper *stepper_open(const char *commands, FILE *out, char *err, size_t errlen)
{
	struct stepper *s = calloc(1, sizeof(*s));
	if (!s || !(s->dis = disasm_open())) {
		snprintf(err, errlen, "out of host memory");
		free(s);
		return NULL;
	}
	s->out = out;
	if (commands) {
		s->script = fopen(commands, "r");
		if (!s->script) {
			snprintf(err, errlen, "--commands %s: %s", commands, strerror(errno));
			stepper_close(s);
			return NULL;
		}
	}
	s->interactive = !commands && isatty(STDIN_FILENO);
	return s;
}

/* The next command line without its newline, or NULL at the end. */
static const char *next_line(struct stepper *s)
{
	if (s->interactive) {
		free(s->line);
		s->line = readline(PROMPT);
		if (s->line && *s->line)
			add_history(s->line);
		return s->line;
	}
	ssize_t n = getline(&s->line, &s->cap, s->script ? s->script : stdin);
	if (n < 0)
		return NULL;
	s->line[strcspn(s->line, "\r\n")] = 0;
	fprintf(s->out, PROMPT "%s\n", s->line);
	return s->line;
}

void stepper_show_stop(FILE *out, struct dbg *d, struct disasm *dis, const struct dbg_stop *st)
{
	switch (st->why) {
	case DBG_START:
		fprintf(out, "pid %d stopped at its first instruction\n", st->pid);
		break;
	case DBG_BREAK:
		fprintf(out, "breakpoint %d, pid %d\n", st->number, st->pid);
		break;
	case DBG_WATCH:
		fprintf(out, "watch %d: the pte of 0x%" PRIx64 " changed: 0x%016" PRIx64
			" -> 0x%016" PRIx64 ", by:\n", st->number, st->addr, st->old_value, st->new_value);
		show_record(out, dbg_kernel(d), dis, dbg_last_record(d));
		break;
	case DBG_WATCHPOINT:
		fprintf(out, "memory at 0x%" PRIx64 " changed, by:\n", st->addr);
		show_record(out, dbg_kernel(d), dis, dbg_last_record(d));
		break;
	case DBG_SIGNAL:
		fprintf(out, "pid %d gets SIG%s (si_code %d, addr 0x%" PRIx64 "); stopped before it is delivered, by:\n",
			st->pid, sigabbrev_np(st->si.signo) ? sigabbrev_np(st->si.signo) : "?",
			st->si.code, st->si.addr);
		show_record(out, dbg_kernel(d), dis, dbg_last_record(d));
		break;
	case DBG_INTERRUPT:
		fprintf(out, "interrupted, pid %d\n", st->pid);
		break;
	case DBG_STEPPED:
	case DBG_UNTIL:
		break;
	}
	fprintf(out, "=> [%" PRIu64 "] pid %d ", st->icount, st->pid);
	show_insn(out, dbg_kernel(d), dis, st->pid, st->rip);
	fprintf(out, "\n");
}

static void stopped(void *ctx, const struct dbg_stop *st)
{
	struct stepper *s = ctx;
	stepper_show_stop(s->out, s->d, s->dis, st);
	for (;;) {
		fflush(s->out);
		const char *line = next_line(s);
		if (!line) {
			dbg_kill(s->d); /* the end of the commands: quit */
			break;
		}
		if (dbg_command(s->d, s->dis, line, s->out, false) != CMD_STAY)
			break;
	}
	fflush(s->out); /* before the guest writes to the same stdout */
}

static void executed(void *ctx, const struct insn_record *r)
{
	struct stepper *s = ctx;
	show_record(s->out, dbg_kernel(s->d), s->dis, r);
}

struct dbg_frontend stepper_frontend(struct stepper *s)
{
	return (struct dbg_frontend){.ctx = s, .stopped = stopped, .executed = executed};
}

void stepper_attach(struct stepper *s, struct dbg *d)
{
	s->d = d;
	interrupt_target = d;
	struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

void stepper_end(struct stepper *s, int status, int signal, bool killed)
{
	if (killed)
		fprintf(s->out, "[the guest was killed]\n");
	else if (signal)
		fprintf(s->out, "[the guest was killed by SIG%s]\n",
			sigabbrev_np(signal) ? sigabbrev_np(signal) : "?");
	else
		fprintf(s->out, "[the guest exited with status %d]\n", status);
	fflush(s->out);
}

void stepper_close(struct stepper *s)
{
	if (!s)
		return;
	interrupt_target = NULL;
	if (s->script)
		fclose(s->script);
	free(s->line);
	disasm_close(s->dis);
	free(s);
}
