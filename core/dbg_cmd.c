/* dbg_cmd.c - the debugger's command language (dbg_cmd.h). Addresses are
 * hexadecimal (0x optional) or a register of the process in view, $rsp,
 * optionally +/- a hexadecimal offset; counts are decimal. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dbg_cmd.h"
#include "guestmem.h"
#include "show.h"
#include "stats.h"
#include "varange.h"

#define MAX_WORDS 4
#define PHYS_DEFAULT 64
#define X_STRING_MAX 256

static const char help_text[] =
	"Running (the guest stops before the instruction shown after \"=>\"):\n"
	"  step [N]          run N instructions (1), showing each with its accesses:\n"
	"                    TLB hits, walks level by level, faults and what the\n"
	"                    kernel did, system calls\n"
	"  next              the same, but over a CALL (to its return)\n"
	"  continue          run until a breakpoint, a watch, a fatal signal or the end\n"
	"  until ADDR        run until ADDR is about to run\n"
	"  break [ADDR]      a breakpoint at ADDR (any process); alone: list them\n"
	"  delete [N]        delete breakpoint N (all without N)\n"
	"  watch [VA]        stop when the PTE (and so the translation) of VA's page\n"
	"                    changes, in the process in view; alone: list\n"
	"  unwatch N         delete watch N\n"
	"  quit              kill the guest and leave\n"
	"Looking (nothing in the guest changes, no page is faulted in):\n"
	"  walk VA [r|w|x]   the page walk a user read (write, fetch) of VA makes\n"
	"  tlb               every TLB structure's entries (PCID, global, page size)\n"
	"  pt [LO-HI|VA]     the page tables as a tree, for [LO, HI) or VA's page\n"
	"                    (all of user space by default)\n"
	"  maps              the VMAs, as /proc/PID/maps shows them\n"
	"  regs              the registers\n"
	"  x/NFU VA          N units of memory at VA: F x d u c s i, U b h w g\n"
	"  phys PA [LEN]     LEN bytes (64) of physical memory\n"
	"  stats             the counters of --stats\n"
	"  ps                the processes (* on the CPU, > in view)\n"
	"  process PID       view another process\n"
	"ADDR and VA are hexadecimal, or $reg, $reg+OFF, $reg-OFF; N is decimal.\n";

/* Splits line into at most MAX_WORDS words (in buf). */
static int split(const char *line, char *buf, size_t len, char *w[MAX_WORDS])
{
	snprintf(buf, len, "%s", line);
	int n = 0;
	for (char *p = strtok(buf, " \t\r\n"); p && n < MAX_WORDS; p = strtok(NULL, " \t\r\n"))
		w[n++] = p;
	return n;
}

static bool reg_value(const struct cpu_context *c, const char *name, size_t len, uint64_t *v)
{
	static const char *const names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
					    "rsp", "r8",  "r9",  "r10", "r11", "r12", "r13",
					    "r14", "r15", "rip", "rflags", "fs_base", "gs_base"};
	const uint64_t *regs = &c->rax;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == len && !strncmp(names[i], name, len)) {
			*v = regs[i];
			return true;
		}
	}
	if (len == 2 && !strncmp(name, "pc", 2)) {
		*v = c->rip;
		return true;
	}
	return false;
}

/* An address argument; false after one line of error on out. */
static bool addr_arg(struct dbg *d, const char *s, FILE *out, uint64_t *v)
{
	const char *why;
	if (s[0] == '$') {
		size_t len = strcspn(s + 1, "+-");
		struct cpu_context c;
		if (!dbg_regs(d, dbg_view_pid(d), &c) || !reg_value(&c, s + 1, len, v)) {
			fprintf(out, "error: no register '%.*s'\n", (int)len, s + 1);
			return false;
		}
		if (!s[1 + len])
			return true;
		uint64_t off;
		if ((why = va_parse(s + 2 + len, &off))) {
			fprintf(out, "error: '%s': %s\n", s, why);
			return false;
		}
		*v = s[1 + len] == '+' ? *v + off : *v - off;
		return true;
	}
	if ((why = va_parse(s, v))) {
		fprintf(out, "error: '%s': %s\n", s, why);
		return false;
	}
	return true;
}

static bool count_arg(const char *s, FILE *out, uint64_t *n)
{
	char *end;
	if (!isdigit((unsigned char)s[0]) || (*n = strtoull(s, &end, 10), *end) || *n == 0) {
		fprintf(out, "error: '%s' is not a count (a positive decimal number)\n", s);
		return false;
	}
	return true;
}

static bool view_regs(struct dbg *d, FILE *out, struct mmu_regs *regs)
{
	if (kernel_proc_mmu_regs(dbg_kernel(d), dbg_view_pid(d), regs))
		return true;
	fprintf(out, "error: pid %d has no address space\n", dbg_view_pid(d));
	return false;
}

/* Bits 63:47 all equal (4-level paging: 48-bit addresses). */
static bool canonical(const struct mmu_regs *regs, uint64_t va)
{
	unsigned width = (regs->cr4 & CR4_LA57) ? 57 : 48;
	uint64_t upper = va >> (width - 1);
	return upper == 0 || upper == (~0ULL >> (width - 1));
}

static void cmd_walk(struct dbg *d, char **w, int n, FILE *out)
{
	uint64_t va;
	struct mmu_regs regs;
	enum mmu_access access = MMU_READ;
	if (n < 2) {
		fprintf(out, "error: walk VA [r|w|x]\n");
		return;
	}
	if (n > 2) {
		if (!strcmp(w[2], "w"))
			access = MMU_WRITE;
		else if (!strcmp(w[2], "x"))
			access = MMU_FETCH;
		else if (strcmp(w[2], "r")) {
			fprintf(out, "error: the access is r, w or x, not '%s'\n", w[2]);
			return;
		}
	}
	if (!addr_arg(d, w[1], out, &va) || !view_regs(d, out, &regs))
		return;
	if (!canonical(&regs, va)) {
		fprintf(out, "0x%" PRIx64 " is not canonical: bits 63:%u must all equal bit %u (an access would raise #GP)\n",
			va, (regs.cr4 & CR4_LA57) ? 56 : 47, (regs.cr4 & CR4_LA57) ? 56 : 47);
		return;
	}
	struct mmu_req req = {.va = va, .access = access, .user = true};
	struct mmu_translation t;
	struct mmu_fault f;
	struct mmu_walk_record rec = {.hit = MMU_NTLBS};
	bool ok = mmu_probe(&kernel_mmu(dbg_kernel(d))->phys, &regs, &req, &t, &f, &rec);
	fprintf(out, "pid %d, a user %s of 0x%" PRIx64 " (nothing written):\n", dbg_view_pid(d),
		mmu_access_name(access), va);
	show_walk_steps(out, &regs, &req, ok, &t, &f, &rec);
}

static void cmd_pt(struct dbg *d, char **w, int n, FILE *out)
{
	uint64_t lo = 0, hi = 0;
	struct mmu_regs regs;
	const char *why;
	if (n > 1 && w[1][0] == '$') { /* the page a register points into */
		if (!addr_arg(d, w[1], out, &lo))
			return;
		lo &= ~(PAGE_SIZE - 1);
		hi = lo + PAGE_SIZE;
	} else if (n > 1 && (why = varange_parse(w[1], &lo, &hi))) {
		fprintf(out, "error: '%s': %s\n", w[1], why);
		return;
	}
	if (n == 1)
		hi = 0x800000000000ULL; /* user space */
	if (view_regs(d, out, &regs))
		show_pt(out, dbg_kernel(d), &regs, lo, hi);
}

static void cmd_maps(struct dbg *d, FILE *out)
{
	char *maps = kernel_proc_maps(dbg_kernel(d), dbg_view_pid(d));
	if (!maps) {
		fprintf(out, "error: no maps for pid %d\n", dbg_view_pid(d));
		return;
	}
	fputs(maps, out);
	free(maps);
}

/* x/NFU: count, format and unit. */
static bool parse_fmt(const char *s, FILE *out, uint64_t *count, char *fmt, unsigned *unit)
{
	*count = 1;
	*fmt = 'x';
	*unit = 4;
	if (isdigit((unsigned char)*s))
		*count = strtoull(s, (char **)&s, 10);
	for (; *s; s++) {
		if (strchr("xducsi", *s))
			*fmt = *s;
		else if (strchr("bhwg", *s))
			*unit = *s == 'b' ? 1 : *s == 'h' ? 2 : *s == 'w' ? 4 : 8;
		else {
			fprintf(out, "error: unknown format letter '%c' (x d u c s i; b h w g)\n", *s);
			return false;
		}
	}
	if (*count == 0 || *count > 4096) {
		fprintf(out, "error: x counts from 1 to 4096 units\n");
		return false;
	}
	return true;
}

static void x_units(FILE *out, const uint8_t *buf, size_t got, uint64_t va, uint64_t count,
		    char fmt, unsigned unit)
{
	unsigned per_line = unit == 8 ? 2 : unit == 4 ? 4 : 8;
	for (uint64_t i = 0; i < count && (i + 1) * unit <= got; i++) {
		uint64_t v = 0;
		memcpy(&v, buf + i * unit, unit);
		if (i % per_line == 0)
			fprintf(out, "%s0x%" PRIx64 ":", i ? "\n" : "", va + i * unit);
		int64_t sv = unit == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * unit)) >> (64 - 8 * unit);
		if (fmt == 'x')
			fprintf(out, "\t0x%0*" PRIx64, (int)(2 * unit), v);
		else if (fmt == 'd')
			fprintf(out, "\t%" PRId64, sv);
		else if (fmt == 'u')
			fprintf(out, "\t%" PRIu64, v);
		else
			fprintf(out, isprint((int)(v & 0xff)) ? "\t'%c'" : "\t'\\x%02x'", (int)(v & 0xff));
	}
	fprintf(out, "\n");
}

static void cmd_x(struct dbg *d, struct disasm *dis, char **w, int n, FILE *out)
{
	uint64_t count, va;
	char fmt;
	unsigned unit;
	struct mmu_regs regs;
	const char *spec = w[0][1] == '/' ? w[0] + 2 : "";
	if (n < 2) {
		fprintf(out, "error: x/NFU VA\n");
		return;
	}
	if (!parse_fmt(spec, out, &count, &fmt, &unit) || !addr_arg(d, w[1], out, &va) ||
	    !view_regs(d, out, &regs))
		return;
	struct kernel *k = dbg_kernel(d);
	if (fmt == 'c')
		unit = 1;
	size_t want = fmt == 's' ? X_STRING_MAX : fmt == 'i' ? 16 * count : count * unit;
	uint8_t *buf = malloc(want + 1);
	if (!buf) {
		fprintf(out, "error: out of host memory\n");
		return;
	}
	size_t got = guestmem_read(k, &regs, va, buf, want);
	if (got == 0) {
		fprintf(out, "0x%" PRIx64 ": not mapped now (try: walk 0x%" PRIx64 ")\n", va, va);
	} else if (fmt == 's') {
		buf[got] = 0;
		fprintf(out, "0x%" PRIx64 ":\t\"", va);
		for (size_t i = 0; i < got && buf[i]; i++)
			fprintf(out, isprint(buf[i]) && buf[i] != '"' ? "%c" : "\\x%02x", buf[i]);
		fprintf(out, "\"\n");
	} else if (fmt == 'i') {
		uint64_t at = va;
		for (uint64_t i = 0; i < count; i++) {
			struct insn_info insn;
			if (at - va >= got || !disasm_insn(dis, at, buf + (at - va), got - (at - va), &insn)) {
				fprintf(out, "0x%" PRIx64 ":\t(bad)\n", at);
				break;
			}
			fprintf(out, "0x%" PRIx64 ":\t%s\n", at, insn.text);
			at += insn.len;
		}
	} else {
		x_units(out, buf, got, va, count, fmt, unit);
		if (got < count * unit)
			fprintf(out, "0x%" PRIx64 ": not mapped now\n", va + got);
	}
	free(buf);
}

static void cmd_phys(struct dbg *d, char **w, int n, FILE *out)
{
	uint64_t pa, len = PHYS_DEFAULT;
	const char *why;
	if (n < 2) {
		fprintf(out, "error: phys PA [LEN]\n");
		return;
	}
	if ((why = va_parse(w[1], &pa))) {
		fprintf(out, "error: '%s': %s\n", w[1], why);
		return;
	}
	if (n > 2 && !count_arg(w[2], out, &len))
		return;
	if (len > 65536)
		len = 65536;
	uint8_t *buf = malloc(len);
	size_t got = buf ? guestmem_read_phys(dbg_kernel(d), pa, buf, len) : 0;
	if (!got)
		fprintf(out, "0x%" PRIx64 ": outside physical memory (0x%" PRIx64 " bytes)\n", pa,
			kernel_phys_size(dbg_kernel(d)));
	for (size_t i = 0; i < got; i += 16) {
		fprintf(out, "0x%08" PRIx64 ":", pa + i);
		for (size_t j = i; j < i + 16 && j < got; j++)
			fprintf(out, " %02x", buf[j]);
		fprintf(out, "\n");
	}
	free(buf);
}

static void cmd_stats(struct dbg *d, FILE *out)
{
	struct run_stats rs = {.instructions = dbg_icount(d), .run_slices = cpu_slices(dbg_cpu(d))};
	struct kernel *k = dbg_kernel(d);
	stats_print(out, kernel_stats(k), kernel_mmu(k), &rs);
}

static enum cmd_result run_control(struct dbg *d, char **w, int n, FILE *out)
{
	const char *c = w[0];
	uint64_t v;
	if (!strcmp(c, "step") || !strcmp(c, "s") || !strcmp(c, "stepi") || !strcmp(c, "si")) {
		v = 1;
		if (n > 1 && !count_arg(w[1], out, &v))
			return CMD_STAY;
		dbg_step(d, v, true);
		return CMD_RESUME;
	}
	if (!strcmp(c, "next") || !strcmp(c, "n") || !strcmp(c, "nexti") || !strcmp(c, "ni")) {
		dbg_next(d);
		return CMD_RESUME;
	}
	if (!strcmp(c, "continue") || !strcmp(c, "c")) {
		dbg_continue(d);
		return CMD_RESUME;
	}
	if (!strcmp(c, "until") || !strcmp(c, "u")) {
		if (n < 2) {
			fprintf(out, "error: until ADDR\n");
			return CMD_STAY;
		}
		if (!addr_arg(d, w[1], out, &v))
			return CMD_STAY;
		dbg_until(d, v);
		return CMD_RESUME;
	}
	if (!strcmp(c, "quit") || !strcmp(c, "q") || !strcmp(c, "kill")) {
		dbg_kill(d);
		return CMD_QUIT;
	}
	if (!strcmp(c, "break") || !strcmp(c, "b")) {
		if (n < 2) {
			dbg_list(d, out);
			return CMD_STAY;
		}
		if (!addr_arg(d, w[1], out, &v))
			return CMD_STAY;
		int id = dbg_break_add(d, v);
		if (id < 0)
			fprintf(out, "error: too many breakpoints\n");
		else
			fprintf(out, "breakpoint %d at 0x%" PRIx64 "\n", id, v);
		return CMD_STAY;
	}
	if (!strcmp(c, "delete") || !strcmp(c, "d")) {
		v = 0;
		if (n > 1 && !count_arg(w[1], out, &v))
			return CMD_STAY;
		if (!dbg_break_del(d, (int)v))
			fprintf(out, "error: no breakpoint %s\n", n > 1 ? w[1] : "to delete");
		return CMD_STAY;
	}
	if (!strcmp(c, "watch") || !strcmp(c, "w")) {
		if (n < 2) {
			dbg_list(d, out);
			return CMD_STAY;
		}
		if (!addr_arg(d, w[1], out, &v))
			return CMD_STAY;
		int id = dbg_watch_add(d, dbg_view_pid(d), v);
		if (id < 0)
			fprintf(out, "error: cannot watch 0x%" PRIx64 " (too many watches?)\n", v);
		else
			fprintf(out, "watch %d: the pte of 0x%" PRIx64 " in pid %d\n", id,
				(uint64_t)(v & ~(PAGE_SIZE - 1)), dbg_view_pid(d));
		return CMD_STAY;
	}
	if (!strcmp(c, "unwatch")) {
		if (n < 2 || !count_arg(w[1], out, &v))
			fprintf(out, "error: unwatch N\n");
		else if (!dbg_watch_del(d, (int)v))
			fprintf(out, "error: no watch %s\n", w[1]);
		return CMD_STAY;
	}
	fprintf(out, "error: unknown command '%s' (try help)\n", c);
	return CMD_STAY;
}

enum cmd_result dbg_command(struct dbg *d, struct disasm *dis, const char *line, FILE *out,
			    bool monitor)
{
	char buf[512], *w[MAX_WORDS];
	int n = split(line, buf, sizeof(buf), w);
	if (n == 0 || w[0][0] == '#')
		return CMD_STAY;
	const char *c = w[0];
	struct kernel *k = dbg_kernel(d);
	uint64_t v;
	if (!strcmp(c, "help") || !strcmp(c, "h")) {
		fputs(help_text, out);
	} else if (!strcmp(c, "walk")) {
		cmd_walk(d, w, n, out);
	} else if (!strcmp(c, "tlb")) {
		show_tlb(out, k);
	} else if (!strcmp(c, "pt")) {
		cmd_pt(d, w, n, out);
	} else if (!strcmp(c, "maps")) {
		cmd_maps(d, out);
	} else if (!strcmp(c, "regs")) {
		struct cpu_context ctx;
		if (dbg_regs(d, dbg_view_pid(d), &ctx))
			show_regs(out, &ctx);
		else
			fprintf(out, "error: no pid %d\n", dbg_view_pid(d));
	} else if (c[0] == 'x' && (c[1] == 0 || c[1] == '/')) {
		cmd_x(d, dis, w, n, out);
	} else if (!strcmp(c, "phys")) {
		cmd_phys(d, w, n, out);
	} else if (!strcmp(c, "stats")) {
		cmd_stats(d, out);
	} else if (!strcmp(c, "ps")) {
		show_ps(out, k, dbg_view_pid(d));
	} else if (!strcmp(c, "process")) {
		if (n < 2 || !count_arg(w[1], out, &v))
			fprintf(out, "error: process PID\n");
		else if (!dbg_set_view(d, (int)v))
			fprintf(out, "error: no process %s\n", w[1]);
		else
			fprintf(out, "viewing pid %d\n", (int)v);
	} else if (monitor) {
		fprintf(out, "error: '%s' is not a monitor command (try monitor help)\n", c);
	} else {
		return run_control(d, w, n, out);
	}
	return CMD_STAY;
}
