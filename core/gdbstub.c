/* gdbstub.c - the GDB remote protocol's packets over the debugger engine
 * (gdbstub.h). Thread ids are guest pids. */
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "dbg_cmd.h"
#include "gdb_regs.h"
#include "gdb_rsp.h"
#include "gdbstub.h"
#include "guestmem.h"
#include "loader.h"
#include "show.h"
#include "step.h"

#define MAX_MEM_READ 4096   /* bytes per 'm' packet */
#define SIGINFO_SIZE 128    /* Linux's siginfo_t */
#define MAX_PROCS 256
#define OUTPUT_CHUNK 512    /* monitor output bytes per 'O' packet */

struct gdbstub {
	struct rsp *rsp;
	int port;
	bool kill_on_disconnect;
	FILE *report;
	struct dbg *d;
	struct disasm *dis;
	struct dbg_stop last;  /* the stop gdb was told of */
	int gpid;              /* the thread of g, p and m (Hg) */
	bool gone;             /* gdb detached or went away */
	char reply[GDB_REGS_HEX_MAX + 2 * MAX_MEM_READ + 64];
};

struct gdbstub *gdbstub_open(int port, bool kill_on_disconnect, FILE *report, char *err,
			     size_t errlen)
{
	struct gdbstub *g = calloc(1, sizeof(*g));
	if (!g || !(g->dis = disasm_open())) {
		snprintf(err, errlen, "out of host memory");
		free(g);
		return NULL;
	}
	g->rsp = rsp_listen(port, err, errlen);
	if (!g->rsp) {
		gdbstub_close(g);
		return NULL;
	}
	g->port = port;
	g->kill_on_disconnect = kill_on_disconnect;
	g->report = report;
	return g;
}

/* gdb's numbers for signals are not Linux's (gdb/signals.def). */
static int gdb_signal(int sig)
{
	static const unsigned char map[] = {
		[SIGHUP] = 1,   [SIGINT] = 2,   [SIGQUIT] = 3,  [SIGILL] = 4,    [SIGTRAP] = 5,
		[SIGABRT] = 6,  [SIGBUS] = 10,  [SIGFPE] = 8,   [SIGKILL] = 9,   [SIGUSR1] = 30,
		[SIGSEGV] = 11, [SIGUSR2] = 31, [SIGPIPE] = 13, [SIGALRM] = 14,  [SIGTERM] = 15,
		[SIGCHLD] = 20, [SIGCONT] = 19, [SIGSTOP] = 17, [SIGTSTP] = 18,  [SIGTTIN] = 21,
		[SIGTTOU] = 22, [SIGURG] = 16,  [SIGXCPU] = 24, [SIGXFSZ] = 25,  [SIGVTALRM] = 26,
		[SIGPROF] = 27, [SIGWINCH] = 28, [SIGIO] = 23,  [SIGPWR] = 32,   [SIGSYS] = 12,
	};
	return sig > 0 && (size_t)sig < sizeof(map) && map[sig] ? map[sig] : 143; /* unknown */
}

static void send_stop(struct gdbstub *g)
{
	const struct dbg_stop *s = &g->last;
	switch (s->why) {
	case DBG_SIGNAL:
		snprintf(g->reply, sizeof(g->reply), "T%02xthread:%x;", gdb_signal(s->si.signo), s->pid);
		break;
	case DBG_WATCHPOINT:
		snprintf(g->reply, sizeof(g->reply), "T05watch:%" PRIx64 ";thread:%x;", s->addr, s->pid);
		break;
	case DBG_BREAK:
		snprintf(g->reply, sizeof(g->reply), "T05swbreak:;thread:%x;", s->pid);
		break;
	case DBG_INTERRUPT:
		snprintf(g->reply, sizeof(g->reply), "T02thread:%x;", s->pid);
		break;
	default:
		snprintf(g->reply, sizeof(g->reply), "T05thread:%x;", s->pid);
	}
	rsp_send_str(g->rsp, g->reply);
}

/* A qXfer read of doc[0..len): "m" and a piece, or "l" and the last one. */
static void send_xfer(struct gdbstub *g, const char *doc, size_t len, const char *args)
{
	unsigned long long off, want;
	if (sscanf(args, "%llx,%llx", &off, &want) != 2) {
		rsp_send_str(g->rsp, "E00");
		return;
	}
	if (want > sizeof(g->reply) - 2)
		want = sizeof(g->reply) - 2;
	size_t n = off >= len ? 0 : len - off < want ? len - off : want;
	g->reply[0] = off + n >= len ? 'l' : 'm';
	memcpy(g->reply + 1, doc + (off < len ? off : len), n);
	rsp_send(g->rsp, g->reply, n + 1);
}

static bool alive(struct gdbstub *g, int pid)
{
	struct mmu_regs regs;
	return kernel_proc_mmu_regs(dbg_kernel(g->d), pid, &regs);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Linux's x86-64 siginfo_t for the stop: si_signo, si_errno, si_code,
 * then (offset 16) si_addr. */
static void send_siginfo(struct gdbstub *g, const char *args)
{
	uint8_t si[SIGINFO_SIZE] = {0};
	if (g->last.why == DBG_SIGNAL) {
		put_le(si, (uint64_t)g->last.si.signo, 4);
		put_le(si + 8, (uint64_t)(int64_t)g->last.si.code, 4);
		put_le(si + 16, g->last.si.addr, 8);
	} else {
		put_le(si, SIGTRAP, 4);
		put_le(si + 8, g->last.why == DBG_BREAK ? 1 : 2, 4); /* TRAP_BRKPT, TRAP_TRACE */
	}
	send_xfer(g, (const char *)si, sizeof(si), args);
}

static void send_threads(struct gdbstub *g)
{
	struct kernel_proc procs[MAX_PROCS];
	int n = kernel_procs(dbg_kernel(g->d), procs, MAX_PROCS);
	size_t len = 0;
	g->reply[len++] = 'm';
	for (int i = 0; i < n && i < MAX_PROCS; i++)
		if (procs[i].state != 'Z')
			len += (size_t)snprintf(g->reply + len, sizeof(g->reply) - len, "%s%x",
						len > 1 ? "," : "", procs[i].pid);
	rsp_send(g->rsp, g->reply, len);
}

static void send_thread_info(struct gdbstub *g, const char *arg)
{
	struct kernel_proc procs[MAX_PROCS];
	int pid = (int)strtol(arg, NULL, 16);
	int n = kernel_procs(dbg_kernel(g->d), procs, MAX_PROCS);
	char text[64] = "";
	for (int i = 0; i < n && i < MAX_PROCS; i++)
		if (procs[i].pid == pid)
			snprintf(text, sizeof(text), "pid %d %s", pid, procs[i].comm);
	hex_encode(g->reply, text, strlen(text));
	rsp_send_str(g->rsp, g->reply);
}

static void send_memory(struct gdbstub *g, const char *args)
{
	unsigned long long addr, len;
	struct mmu_regs regs;
	uint8_t buf[MAX_MEM_READ];
	if (sscanf(args, "%llx,%llx", &addr, &len) != 2) {
		rsp_send_str(g->rsp, "E00");
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	size_t got = kernel_proc_mmu_regs(dbg_kernel(g->d), g->gpid, &regs)
			     ? guestmem_read(dbg_kernel(g->d), &regs, addr, buf, len) : 0;
	if (!got && len) {
		rsp_send_str(g->rsp, "E14"); /* EFAULT: not mapped now */
		return;
	}
	hex_encode(g->reply, buf, got);
	rsp_send(g->rsp, g->reply, 2 * got);
}

static void send_registers(struct gdbstub *g, const char *arg)
{
	struct cpu_context ctx;
	if (!dbg_regs(g->d, g->gpid, &ctx)) {
		rsp_send_str(g->rsp, "E03");
		return;
	}
	size_t len = arg ? gdb_reg_hex(&ctx, (unsigned)strtoul(arg, NULL, 16), g->reply)
			 : gdb_regs_hex(&ctx, g->reply);
	if (!len) {
		rsp_send_str(g->rsp, "E00");
		return;
	}
	rsp_send(g->rsp, g->reply, len);
}

/* monitor CMD: the command's text comes back as 'O' packets. */
static void run_monitor(struct gdbstub *g, const char *hex)
{
	char cmd[512];
	long n = hex_decode(cmd, hex, sizeof(cmd) - 1);
	if (n < 0) {
		rsp_send_str(g->rsp, "E00");
		return;
	}
	cmd[n] = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out) {
		rsp_send_str(g->rsp, "E00");
		return;
	}
	dbg_set_view(g->d, g->gpid);
	dbg_command(g->d, g->dis, cmd, out, true);
	fclose(out);
	for (size_t off = 0; off < len; off += OUTPUT_CHUNK) {
		size_t piece = len - off < OUTPUT_CHUNK ? len - off : OUTPUT_CHUNK;
		g->reply[0] = 'O';
		hex_encode(g->reply + 1, text + off, piece);
		rsp_send(g->rsp, g->reply, 1 + 2 * piece);
	}
	free(text);
	rsp_send_str(g->rsp, "OK");
}

/* Z/z packets: type 0 and 1 breakpoints, type 2 write watchpoints. */
static void set_point(struct gdbstub *g, const char *p, bool insert)
{
	unsigned type;
	unsigned long long addr, kind;
	if (sscanf(p + 1, "%u,%llx,%llx", &type, &addr, &kind) != 3) {
		rsp_send_str(g->rsp, "E00");
		return;
	}
	bool ok;
	if (type <= 1)
		ok = insert ? dbg_break_add(g->d, addr) > 0 : (dbg_break_del_addr(g->d, addr), true);
	else if (type == 2)
		ok = insert ? dbg_wp_add(g->d, addr, (unsigned)kind)
			    : (dbg_wp_del(g->d, addr, (unsigned)kind), true);
	else {
		rsp_send_str(g->rsp, ""); /* read and access watchpoints: not supported */
		return;
	}
	rsp_send_str(g->rsp, ok ? "OK" : "E01");
}

static uint64_t load_bias(struct gdbstub *g)
{
	char exe[PATH_MAX];
	FILE *f = kernel_proc_exe(dbg_kernel(g->d), g->gpid, exe, sizeof(exe)) ? fopen(exe, "rb") : NULL;
	uint8_t ehdr[18] = {0};
	size_t n = f ? fread(ehdr, 1, sizeof(ehdr), f) : 0;
	if (f)
		fclose(f);
	return n == sizeof(ehdr) && ehdr[16] == 3 /* ET_DYN */ ? ELF_ET_DYN_BASE : 0;
}

/* vCont;ACTION[:tid];...: a step if any thread is to step, else continue. */
static void resume_vcont(struct gdbstub *g, const char *p)
{
	bool step = false;
	for (const char *a = strchr(p, ';'); a; a = strchr(a + 1, ';'))
		step |= a[1] == 's' || a[1] == 'S';
	if (step)
		dbg_step(g->d, 1, g->report != NULL);
	else
		dbg_continue(g->d);
}

/* Answers one packet; true when the guest is to go on. */
static bool answer(struct gdbstub *g, const char *p)
{
	if (!strcmp(p, "?")) {
		send_stop(g);
	} else if (!strncmp(p, "qSupported", 10)) {
		rsp_send_str(g->rsp, "PacketSize=4000;qXfer:features:read+;qXfer:siginfo:read+;"
				     "qXfer:exec-file:read+;QStartNoAckMode+;swbreak+;vContSupported+");
	} else if (!strcmp(p, "QStartNoAckMode")) {
		rsp_send_str(g->rsp, "OK");
		rsp_no_ack(g->rsp);
	} else if (!strncmp(p, "qXfer:features:read:target.xml:", 31)) {
		send_xfer(g, gdb_target_xml, strlen(gdb_target_xml), p + 31);
	} else if (!strncmp(p, "qXfer:siginfo:read::", 20)) {
		send_siginfo(g, p + 20);
	} else if (!strncmp(p, "qXfer:exec-file:read:", 21)) {
		const char *annex = p + 21, *args = strchr(annex, ':');
		int pid = annex[0] != ':' ? (int)strtol(annex, NULL, 16) : g->last.pid;
		char exe[PATH_MAX];
		if (!args || !kernel_proc_exe(dbg_kernel(g->d), pid, exe, sizeof(exe)))
			rsp_send_str(g->rsp, "E01");
		else
			send_xfer(g, exe, strlen(exe), args + 1);
	} else if (!strcmp(p, "qfThreadInfo")) {
		send_threads(g);
	} else if (!strcmp(p, "qsThreadInfo")) {
		rsp_send_str(g->rsp, "l");
	} else if (!strcmp(p, "qC")) {
		snprintf(g->reply, sizeof(g->reply), "QC%x", g->last.pid);
		rsp_send_str(g->rsp, g->reply);
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		send_thread_info(g, p + 17);
	} else if (!strcmp(p, "qAttached")) {
		rsp_send_str(g->rsp, "0"); /* vmemu started it: quitting gdb kills it */
	} else if (!strcmp(p, "qOffsets")) {
		uint64_t b = load_bias(g);
		snprintf(g->reply, sizeof(g->reply), "Text=%" PRIx64 ";Data=%" PRIx64 ";Bss=%" PRIx64, b,
			 b, b);
		rsp_send_str(g->rsp, g->reply);
	} else if (!strcmp(p, "qSymbol::")) {
		rsp_send_str(g->rsp, "OK");
	} else if (!strncmp(p, "qRcmd,", 6)) {
		run_monitor(g, p + 6);
	} else if (p[0] == 'H' && (p[1] == 'g' || p[1] == 'c')) {
		int pid = (int)strtol(p + 2, NULL, 16);
		if (p[1] == 'g' && pid > 0 && !alive(g, pid)) {
			rsp_send_str(g->rsp, "E22");
			return false;
		}
		if (p[1] == 'g')
			g->gpid = pid > 0 ? pid : g->last.pid;
		rsp_send_str(g->rsp, "OK");
	} else if (p[0] == 'T') {
		rsp_send_str(g->rsp, alive(g, (int)strtol(p + 1, NULL, 16)) ? "OK" : "E01");
	} else if (!strcmp(p, "g")) {
		send_registers(g, NULL);
	} else if (p[0] == 'p') {
		send_registers(g, p + 1);
	} else if (p[0] == 'm') {
		send_memory(g, p + 1);
	} else if (p[0] == 'G' || p[0] == 'P' || p[0] == 'M') {
		rsp_send_str(g->rsp, "E01"); /* the stub changes neither registers nor memory */
	} else if (p[0] == 'Z' || p[0] == 'z') {
		set_point(g, p, p[0] == 'Z');
	} else if (!strcmp(p, "vCont?")) {
		rsp_send_str(g->rsp, "vCont;c;C;s;S");
	} else if (!strncmp(p, "vCont;", 6)) {
		resume_vcont(g, p);
		return true;
	} else if (p[0] == 'c' || p[0] == 'C') {
		dbg_continue(g->d); /* a signal gdb passes is delivered anyway */
		return true;
	} else if (p[0] == 's' || p[0] == 'S') {
		dbg_step(g->d, 1, g->report != NULL);
		return true;
	} else if (p[0] == 'k' || !strncmp(p, "vKill", 5)) {
		if (p[0] == 'v')
			rsp_send_str(g->rsp, "OK");
		dbg_kill(g->d);
		return true;
	} else if (p[0] == 'D') {
		rsp_send_str(g->rsp, "OK");
		g->gone = true;
		rsp_hangup(g->rsp);
		dbg_clear_all(g->d);
		dbg_continue(g->d);
		return true;
	} else if (p[0] == 0x03) {
		send_stop(g); /* already stopped */
	} else {
		rsp_send_str(g->rsp, ""); /* not supported */
	}
	return false;
}

/* gdb is gone without a word: as --gdb-disconnect says. */
static void lost(struct gdbstub *g)
{
	g->gone = true;
	fprintf(stderr, "vmemu: gdb disconnected: %s\n",
		g->kill_on_disconnect ? "killing the guest" : "the guest runs on");
	dbg_clear_all(g->d);
	if (g->kill_on_disconnect)
		dbg_kill(g->d);
	else
		dbg_continue(g->d);
}

static void stopped(void *ctx, const struct dbg_stop *s)
{
	struct gdbstub *g = ctx;
	char err[256];
	if (g->gone) {
		if (g->kill_on_disconnect)
			dbg_kill(g->d);
		return;
	}
	g->last = *s;
	g->gpid = s->pid;
	if (g->report)
		stepper_show_stop(g->report, g->d, g->dis, s);
	if (s->why == DBG_START) {
		fprintf(stderr, "vmemu: waiting for gdb on localhost:%d (target remote :%d)\n", g->port,
			g->port);
		if (!rsp_accept(g->rsp, err, sizeof(err))) {
			fprintf(stderr, "vmemu: %s\n", err);
			lost(g);
			return;
		}
	} else {
		send_stop(g);
	}
	for (;;) {
		if (g->report)
			fflush(g->report);
		const char *p = rsp_recv(g->rsp);
		if (!p) {
			lost(g);
			return;
		}
		if (answer(g, p))
			return;
	}
}

static void executed(void *ctx, const struct insn_record *r)
{
	struct gdbstub *g = ctx;
	if (g->report)
		show_record(g->report, dbg_kernel(g->d), g->dis, r);
}

static bool poll_interrupt(void *ctx)
{
	struct gdbstub *g = ctx;
	bool gone;
	if (g->gone || !rsp_connected(g->rsp))
		return false;
	if (rsp_interrupted(g->rsp, &gone))
		return true;
	if (gone) {
		lost(g);
		return g->kill_on_disconnect; /* the stop ends the run */
	}
	return false;
}

struct dbg_frontend gdbstub_frontend(struct gdbstub *g)
{
	return (struct dbg_frontend){.ctx = g, .stopped = stopped, .executed = executed,
				     .poll_interrupt = poll_interrupt};
}

void gdbstub_attach(struct gdbstub *g, struct dbg *d)
{
	g->d = d;
}

void gdbstub_end(struct gdbstub *g, int status, int signal, bool killed)
{
	if (g->gone || killed || !rsp_connected(g->rsp))
		return;
	if (signal)
		snprintf(g->reply, sizeof(g->reply), "X%02x", gdb_signal(signal));
	else
		snprintf(g->reply, sizeof(g->reply), "W%02x", status & 0xff);
	rsp_send_str(g->rsp, g->reply);
}

void gdbstub_close(struct gdbstub *g)
{
	if (!g)
		return;
	rsp_close(g->rsp);
	disasm_close(g->dis);
	free(g);
}
