/* cli.c - parses `vmemu run|step [options] PROG [ARGS...]`, `vmemu
 * report [options] TRACE` and the top-level --help / --version. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "events.h"
#include "varange.h"

static const char help_text[] =
	"Usage: vmemu run [OPTIONS] PROG [ARGS...]\n"
	"       vmemu step [OPTIONS] PROG [ARGS...]\n"
	"       vmemu report [--svg FILE] [--top N] TRACE\n"
	"       vmemu --help | --version\n"
	"\n"
	"Runs the x86-64 Linux program PROG on an emulated CPU whose address\n"
	"translation, page faults and system calls are handled by vmemu's own MMU\n"
	"model and guest kernel. PROG gets ARGS and vmemu's environment.\n"
	"`step` runs it under a line-oriented debugger that shows every page walk\n"
	"(commands from the terminal, stdin or --commands; `help` lists them).\n"
	"`report` summarizes a trace file written by --trace.\n"
	"\n"
	"Options of run and step, as --opt VALUE or --opt=VALUE; they end at PROG\n"
	"or '--':\n"
	"  --mem SIZE         guest physical memory: bytes with an optional K, M or G\n"
	"                     suffix (powers of 1024), from 16M to 64G (default 1G)\n"
	"  --swap SIZE        swap space, 1M to 1024G (default: none); a sparse,\n"
	"                     unnamed file in /tmp unless --swap-file is given\n"
	"  --swap-file PATH   the host file to swap to (created if missing; its\n"
	"                     size is --swap, or its current size without --swap)\n"
	"  --root DIR         host directory the guest sees as /\n"
	"  --thp MODE         transparent huge pages for anonymous memory: always,\n"
	"                     madvise (default: MADV_HUGEPAGE regions) or never\n"
	"  --la57             5-level paging: user addresses up to 2^56, above\n"
	"                     2^47 only where an mmap hint asks (as Linux)\n"
	"  --hugepages 2M:N[,1G:M]  pools of N 2 MiB and M 1 GiB pages for\n"
	"                     MAP_HUGETLB (default none; /proc/sys/vm/nr_hugepages\n"
	"                     changes the 2 MiB pool at run time)\n"
	"  --inject SPEC      make a kernel operation fail, for testing how the\n"
	"                     program copes; SPEC is KIND:nth=N[:times=T] (from the\n"
	"                     Nth call on, T times, default 1) or\n"
	"                     KIND:p=PERCENT[:seed=S][:times=T] (each call with that\n"
	"                     chance). KIND: page-alloc (ENOMEM, or the OOM killer at\n"
	"                     a page fault), swap-read (SIGBUS), swap-write (the page\n"
	"                     stays in memory), file-read (SIGBUS, or EIO), mmap\n"
	"                     (ENOMEM). Repeatable, once per KIND; --strace logs each\n"
	"                     failure\n"
	"  --strace           trace system calls to stderr\n"
	"  --stats            print statistics to stderr at exit\n"
	"  --stats-json FILE  write the statistics as JSON to FILE at exit\n"
	"  --meminfo          print guest memory as `free` does (KiB) to stderr\n"
	"                     when the guest ends\n"
	"  --trace FILE       write walks, faults, ... as JSON Lines to FILE (gzip\n"
	"                     when it ends in .gz, zstd in .zst)\n"
	"  --trace-events LIST  of walks,tlb,faults,syscalls,sched (default all\n"
	"                     but tlb)\n"
	"  --trace-filter LO-HI  only events at addresses in [LO, HI) (hex)\n"
	"  --trace-limit N    at most N events\n"
	"  --tlb MODEL        the TLB model: skylake (default), goldencove, or\n"
	"                     custom:KEY=ENTRIESxWAYS,... (skylake with arrays\n"
	"                     replaced; KEY l1d.4k l1d.2m l1d.1g l1i.4k l1i.2m\n"
	"                     l1i.1g stlb.4k stlb.2m stlb.1g stlb.4k2m, and the\n"
	"                     paging-structure caches pde pdpte pml4e pml5e =N;\n"
	"                     ENTRIES alone: fully associative; 0: none)\n"
	"  --tlb-exact        every access consults the TLB model (step always does)\n"
	"  --gdb PORT         wait for gdb on localhost:PORT (target remote :PORT)\n"
	"  --gdb-disconnect run|kill  when gdb goes away: the guest runs on\n"
	"                     (default) or is killed\n"
	"  --commands FILE    step: read debugger commands from FILE\n"
	"  --help             show this help\n"
	"\n"
	"Options of report:\n"
	"  --svg FILE         also plot faults and TLB misses over time as SVG\n"
	"  --top N            how many pages and VMAs each table lists (default 10)\n"
	"\n"
	"Exit status:\n"
	"  N       the guest's exit status\n"
	"  128+N   the guest was killed by signal N: vmemu kills itself with N\n"
	"          (so a shell reports 128+N, e.g. 139 for SIGSEGV)\n"
	"  125     vmemu usage or internal error\n"
	"  126     PROG is not a valid executable\n"
	"  127     PROG not found\n";

enum opt_id {
	OPT_MEM, OPT_SWAP, OPT_SWAP_FILE, OPT_ROOT, OPT_THP, OPT_HUGEPAGES, OPT_LA57, OPT_STRACE, OPT_STATS, OPT_STATS_JSON,
	OPT_MEMINFO, OPT_TRACE, OPT_TRACE_EVENTS, OPT_TRACE_FILTER, OPT_TRACE_LIMIT,
	OPT_TLB, OPT_TLB_EXACT, OPT_GDB, OPT_GDB_DISCONNECT, OPT_INJECT, OPT_COMMANDS, OPT_SVG, OPT_TOP, OPT_HELP
};

/* The commands an option belongs to. */
enum { FOR_RUN = 1, FOR_STEP = 2, FOR_REPORT = 4, FOR_ALL = 7 };

struct opt {
	const char *name;
	enum opt_id id;
	bool has_value;
	unsigned cmds;
};

static const struct opt run_opts[] = {
	{ "--mem", OPT_MEM, true, FOR_RUN | FOR_STEP },
	{ "--swap", OPT_SWAP, true, FOR_RUN | FOR_STEP },
	{ "--swap-file", OPT_SWAP_FILE, true, FOR_RUN | FOR_STEP },
	{ "--root", OPT_ROOT, true, FOR_RUN | FOR_STEP },
	{ "--thp", OPT_THP, true, FOR_RUN | FOR_STEP },
	{ "--hugepages", OPT_HUGEPAGES, true, FOR_RUN | FOR_STEP },
	{ "--la57", OPT_LA57, false, FOR_RUN | FOR_STEP },
	{ "--strace", OPT_STRACE, false, FOR_RUN | FOR_STEP },
	{ "--stats", OPT_STATS, false, FOR_RUN | FOR_STEP },
	{ "--stats-json", OPT_STATS_JSON, true, FOR_RUN | FOR_STEP },
	{ "--meminfo", OPT_MEMINFO, false, FOR_RUN | FOR_STEP },
	{ "--trace", OPT_TRACE, true, FOR_RUN | FOR_STEP },
	{ "--trace-events", OPT_TRACE_EVENTS, true, FOR_RUN | FOR_STEP },
	{ "--trace-filter", OPT_TRACE_FILTER, true, FOR_RUN | FOR_STEP },
	{ "--trace-limit", OPT_TRACE_LIMIT, true, FOR_RUN | FOR_STEP },
	{ "--tlb", OPT_TLB, true, FOR_RUN | FOR_STEP },
	{ "--tlb-exact", OPT_TLB_EXACT, false, FOR_RUN | FOR_STEP },
	{ "--gdb", OPT_GDB, true, FOR_RUN | FOR_STEP },
	{ "--gdb-disconnect", OPT_GDB_DISCONNECT, true, FOR_RUN | FOR_STEP },
	{ "--inject", OPT_INJECT, true, FOR_RUN | FOR_STEP },
	{ "--commands", OPT_COMMANDS, true, FOR_STEP },
	{ "--svg", OPT_SVG, true, FOR_REPORT },
	{ "--top", OPT_TOP, true, FOR_REPORT },
	{ "--help", OPT_HELP, false, FOR_ALL },
};

static const char *const event_names[] = { "walks", "tlb", "faults", "syscalls", "sched" };
_Static_assert(sizeof(event_names) / sizeof(event_names[0]) == 5, "one name per EV_ bit");

static int usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmemu: ", err);
	vfprintf(err, fmt, ap);
	fputs("\nTry 'vmemu --help'.\n", err);
	va_end(ap);
	return VMEMU_EXIT_USAGE;
}

/* The bounds of a SIZE option, with their names for messages. */
struct size_range {
	uint64_t min, max;
	const char *too_small, *too_large;
};

static const struct size_range mem_range = {CLI_MEM_MIN, CLI_MEM_MAX, "too small (minimum 16M)",
					     "too large (maximum 64G)"};
static const struct size_range swap_range = {CLI_SWAP_MIN, CLI_SWAP_MAX, "too small (minimum 1M)",
					      "too large (maximum 1024G)"};

/* Parses a SIZE (--mem, --swap) into *bytes. Returns NULL, or what is wrong. */
static const char *parse_size(const char *s, const struct size_range *r, uint64_t *bytes)
{
	static const char garbage[] = "expected bytes with an optional K, M or G suffix";
	const char *too_large = r->too_large;
	uint64_t n = 0;
	unsigned shift = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return garbage;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return too_large;
		n = n * 10 + d;
	}
	switch (*p) {
	case 'K': case 'k': shift = 10; p++; break;
	case 'M': case 'm': shift = 20; p++; break;
	case 'G': case 'g': shift = 30; p++; break;
	default: break;
	}
	if (*p != '\0')
		return garbage;
	if (n == 0)
		return "must not be zero";
	if (n > (UINT64_MAX >> shift))
		return too_large;
	n <<= shift;
	if (n < r->min)
		return r->too_small;
	if (n > r->max)
		return too_large;
	if (n % 4096 != 0)
		return "not a multiple of 4K (the page size)";
	*bytes = n;
	return NULL;
}

/* Finds the option named by arg ("--name" or "--name=value") among those
 * of the commands in cmds. */
static const struct opt *find_opt(const char *arg, unsigned cmds)
{
	size_t len = strcspn(arg, "=");

	for (size_t i = 0; i < sizeof(run_opts) / sizeof(run_opts[0]); i++)
		if ((run_opts[i].cmds & cmds) && strlen(run_opts[i].name) == len &&
		    strncmp(run_opts[i].name, arg, len) == 0)
			return &run_opts[i];
	return NULL;
}

/* A decimal count from 1 to max into *n; false when s is not one. */
static bool parse_count(const char *s, uint64_t max, uint64_t *n);

/* --hugepages SIZE:N[,SIZE:N] with SIZE 2M or 1G. */
static bool parse_hugepages(const char *value, struct vmemu_options *o)
{
	char buf[64];
	if (strlen(value) >= sizeof(buf))
		return false;
	strcpy(buf, value);
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		uint64_t *n = !strncmp(item, "2M:", 3) ? &o->hugepages_2m
			      : !strncmp(item, "1G:", 3) ? &o->hugepages_1g : NULL;
		if (!n || !parse_count(item + 3, INT_MAX, n))
			return false;
	}
	return true;
}

static bool parse_count(const char *s, uint64_t max, uint64_t *n)
{
	uint64_t v = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s || v == 0)
		return false;
	*n = v;
	return true;
}

/* --trace-events: names separated by commas. NULL, or the bad name. */
static const char *parse_events(const char *list, unsigned *mask)
{
	static char bad[64];
	*mask = 0;
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		size_t i = 0;
		while (i < 5 && !(strlen(event_names[i]) == len && !strncmp(event_names[i], p, len)))
			i++;
		if (i == 5) {
			snprintf(bad, sizeof(bad), "%.*s", (int)(len < 40 ? len : 40), p);
			return bad;
		}
		*mask |= 1u << i;
		if (!p[len])
			return NULL;
		p += len + 1;
	}
}

/* Applies one option with its value (NULL for a flag). Returns -1 or an
 * exit status. */
static int apply_opt(const struct opt *opt, const char *value, struct vmemu_options *o,
		     FILE *out, FILE *err)
{
	struct stat st;
	const char *why;

	switch (opt->id) {
	case OPT_MEM:
		why = parse_size(value, &mem_range, &o->mem_size);
		if (why)
			return usage_error(err, "invalid memory size '%s': %s", value, why);
		break;
	case OPT_SWAP:
		why = parse_size(value, &swap_range, &o->swap_size);
		if (why)
			return usage_error(err, "invalid swap size '%s': %s", value, why);
		break;
	case OPT_SWAP_FILE:
		if (*value == '\0')
			return usage_error(err, "option '--swap-file' needs a file name");
		o->swap_file = value;
		break;
	case OPT_ROOT:
		if (stat(value, &st) != 0)
			return usage_error(err, "cannot use --root '%s': %s", value, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return usage_error(err, "cannot use --root '%s': not a directory", value);
		o->root = value;
		break;
	case OPT_THP:
		if (!strcmp(value, "always"))
			o->thp = THP_ALWAYS;
		else if (!strcmp(value, "madvise"))
			o->thp = THP_MADVISE;
		else if (!strcmp(value, "never"))
			o->thp = THP_NEVER;
		else
			return usage_error(err, "invalid --thp '%s': expected always, madvise or never",
					   value);
		break;
	case OPT_HUGEPAGES:
		if (!parse_hugepages(value, o))
			return usage_error(err, "invalid --hugepages '%s': expected 2M:N, 1G:M or "
					   "2M:N,1G:M with counts from 1", value);
		break;
	case OPT_LA57:
		o->la57 = true;
		break;
	case OPT_STRACE:
		o->strace = true;
		break;
	case OPT_STATS:
		o->stats = true;
		break;
	case OPT_STATS_JSON:
		if (*value == '\0')
			return usage_error(err, "option '--stats-json' needs a file name");
		o->stats_json = value;
		break;
	case OPT_MEMINFO:
		o->meminfo = true;
		break;
	case OPT_TRACE:
	case OPT_COMMANDS:
	case OPT_SVG:
		if (*value == '\0')
			return usage_error(err, "option '%s' needs a file name", opt->name);
		*(opt->id == OPT_TRACE ? &o->trace : opt->id == OPT_SVG ? &o->svg : &o->commands) =
			value;
		break;
	case OPT_TRACE_EVENTS:
		why = parse_events(value, &o->trace_events);
		if (why)
			return usage_error(err, "unknown trace event '%s' (walks, tlb, faults, syscalls, sched)",
					   why);
		break;
	case OPT_TRACE_FILTER:
		why = varange_parse(value, &o->trace_lo, &o->trace_hi);
		if (why)
			return usage_error(err, "invalid --trace-filter '%s': %s", value, why);
		break;
	case OPT_TRACE_LIMIT:
		if (!parse_count(value, UINT64_MAX, &o->trace_limit))
			return usage_error(err, "invalid --trace-limit '%s': expected a positive count", value);
		break;
	case OPT_TOP:
		if (!parse_count(value, 1000000, &o->top))
			return usage_error(err, "invalid --top '%s': expected a count from 1 to 1000000", value);
		break;
	case OPT_TLB: {
		char reason[256];
		if (!mmu_model_parse(value, &o->tlb_model, reason, sizeof(reason)))
			return usage_error(err, "invalid --tlb '%s': %s", value, reason);
		break;
	}
	case OPT_TLB_EXACT:
		o->tlb_exact = true;
		break;
	case OPT_GDB: {
		uint64_t port;
		if (!parse_count(value, 65535, &port))
			return usage_error(err, "invalid --gdb port '%s': expected 1 to 65535", value);
		o->gdb_port = (int)port;
		break;
	}
	case OPT_GDB_DISCONNECT:
		if (strcmp(value, "run") && strcmp(value, "kill"))
			return usage_error(err, "invalid --gdb-disconnect '%s': expected run or kill", value);
		o->gdb_kill_on_disconnect = strcmp(value, "kill") == 0;
		break;
	case OPT_INJECT: {
		char why_inject[128];
		if (kernel_inject_parse(value, o->inject, why_inject, sizeof(why_inject)))
			return usage_error(err, "invalid --inject '%s': %s", value, why_inject);
		break;
	}
	case OPT_HELP:
		fputs(help_text, out);
		return 0;
	}
	return -1;
}

/* argv[0] is the command, cmds its FOR_* bit: the options, then PROG and
 * its arguments (TRACE for report). */
static int parse_command(int argc, char **argv, unsigned cmds, struct vmemu_options *o, FILE *out,
			 FILE *err)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		const struct opt *opt;
		const char *value = NULL;
		int rc;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-')
			break;
		opt = find_opt(arg, cmds);
		if (!opt)
			return usage_error(err, "unknown option '%.*s'", (int)strcspn(arg, "="), arg);
		if (opt->has_value && eq)
			value = eq + 1;
		else if (opt->has_value && i + 1 < argc)
			value = argv[++i];
		else if (opt->has_value)
			return usage_error(err, "option '%s' needs a value", opt->name);
		else if (eq)
			return usage_error(err, "option '%s' takes no value", opt->name);
		rc = apply_opt(opt, value, o, out, err);
		if (rc != -1)
			return rc;
	}
	if (cmds == FOR_REPORT) {
		if (i >= argc)
			return usage_error(err, "missing trace file to report on");
		if (i + 1 < argc)
			return usage_error(err, "report takes one trace file, not '%s'", argv[i + 1]);
		o->report = argv[i];
		return -1;
	}
	if (i >= argc)
		return usage_error(err, "missing program to run");
	if (!o->trace && (o->trace_events != EV_DEFAULT || o->trace_hi || o->trace_limit))
		return usage_error(err, "--trace-events, --trace-filter and --trace-limit need --trace");
	if (o->swap_file && !o->swap_size) {
		struct stat st;
		if (stat(o->swap_file, &st) != 0 || st.st_size < (off_t)CLI_SWAP_MIN)
			return usage_error(err, "--swap-file '%s': give its size with --swap",
					   o->swap_file);
		o->swap_size = (uint64_t)st.st_size & ~(uint64_t)4095;
	}
	o->prog_argc = argc - i;
	o->prog_argv = argv + i;
	return -1;
}

int cli_parse(int argc, char **argv, struct vmemu_options *o, FILE *out, FILE *err,
	      const char *unicorn_version)
{
	const char *cmd;

	*o = (struct vmemu_options){ .mem_size = CLI_MEM_DEFAULT, .trace_events = EV_DEFAULT,
				     .top = 10, .tlb_model = *mmu_models[0] };
	if (argc < 2)
		return usage_error(err, "missing command");
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(help_text, out);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		fprintf(out, "vmemu %s (Unicorn %s)\n", VMEMU_VERSION, unicorn_version);
		return 0;
	}
	if (strcmp(cmd, "run") == 0) {
		o->command = CMD_RUN;
		return parse_command(argc - 1, argv + 1, FOR_RUN, o, out, err);
	}
	if (strcmp(cmd, "step") == 0) {
		o->command = CMD_STEP;
		return parse_command(argc - 1, argv + 1, FOR_STEP, o, out, err);
	}
	if (strcmp(cmd, "report") == 0) {
		o->command = CMD_REPORT;
		return parse_command(argc - 1, argv + 1, FOR_REPORT, o, out, err);
	}
	if (cmd[0] == '-')
		return usage_error(err, "unknown option '%s'", cmd);
	return usage_error(err, "unknown command '%s'", cmd);
}
