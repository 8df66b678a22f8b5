/* test_core_cli.c - the rules of `vmemu run [options] PROG [ARGS...]`. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "events.h"
#include "unit.h"

static struct vmemu_options opts;
static char *out_text, *err_text;

/* Runs cli_parse on the NULL-terminated words; keeps what it printed. */
static int parse_words(char **words)
{
	size_t out_len, err_len;
	FILE *out, *err;
	int argc = 0, rc;

	while (words[argc])
		argc++;
	free(out_text);
	free(err_text);
	out = open_memstream(&out_text, &out_len);
	err = open_memstream(&err_text, &err_len);
	ck_assert(out && err);
	rc = cli_parse(argc, words, &opts, out, err, "2.1.4");
	fclose(out);
	fclose(err);
	return rc;
}

/* The words live only as long as the enclosing statement: tests that look
 * at opts.prog_argv afterwards use a named array. */
#define PARSE(...) parse_words((char *[]){ __VA_ARGS__, NULL })

/* A usage error: status 125, nothing on out, "vmemu: <problem>" + hint. */
static void assert_usage_error(int rc, const char *problem)
{
	ck_assert_int_eq(rc, VMEMU_EXIT_USAGE);
	ck_assert_str_eq(out_text, "");
	ck_assert_msg(strncmp(err_text, "vmemu: ", 7) == 0, "err: %s", err_text);
	ck_assert_msg(strstr(err_text, problem), "'%s' not in: %s", problem, err_text);
	ck_assert_ptr_nonnull(strstr(err_text, "\nTry 'vmemu --help'.\n"));
	/* exactly two lines */
	ck_assert_ptr_eq(strchr(strchr(err_text, '\n') + 1, '\n'), err_text + strlen(err_text) - 1);
}

START_TEST(defaults)
{
	char *words[] = { "vmemu", "run", "prog", NULL };

	ck_assert_int_eq(parse_words(words), -1);
	ck_assert_uint_eq(opts.mem_size, 1ULL << 30);
	ck_assert_ptr_null(opts.root);
	ck_assert(!opts.strace && !opts.stats && !opts.meminfo);
	ck_assert_ptr_null(opts.stats_json);
	ck_assert_int_eq(opts.prog_argc, 1);
	ck_assert_ptr_eq(opts.prog_argv, words + 2);
	ck_assert_ptr_null(opts.prog_argv[1]);
	ck_assert_str_eq(out_text, "");
	ck_assert_str_eq(err_text, "");
}
END_TEST

START_TEST(help_and_version)
{
	ck_assert_int_eq(PARSE("vmemu", "--help"), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "Usage: vmemu run [OPTIONS] PROG [ARGS...]"));
	ck_assert_ptr_nonnull(strstr(out_text, "128+N"));
	ck_assert_ptr_nonnull(strstr(out_text, "127     PROG not found"));
	ck_assert_str_eq(err_text, "");
	ck_assert_int_eq(PARSE("vmemu", "help"), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "--stats-json FILE"));
	ck_assert_ptr_nonnull(strstr(out_text, "--meminfo"));
	ck_assert_int_eq(PARSE("vmemu", "run", "--strace", "--help", "prog"), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "Usage: vmemu run"));
	ck_assert_int_eq(PARSE("vmemu", "--version"), 0);
	ck_assert_str_eq(out_text, "vmemu " VMEMU_VERSION " (Unicorn 2.1.4)\n");
	ck_assert_str_eq(err_text, "");
}
END_TEST

START_TEST(commands)
{
	ck_assert_int_eq(parse_words((char *[]){ NULL }), VMEMU_EXIT_USAGE);
	assert_usage_error(PARSE("vmemu"), "missing command");
	assert_usage_error(PARSE("vmemu", "frobnicate"), "unknown command 'frobnicate'");
	assert_usage_error(PARSE("vmemu", "--frob"), "unknown option '--frob'");
	assert_usage_error(PARSE("vmemu", "--mem", "64M", "run", "prog"), "unknown option '--mem'");
}
END_TEST

static const struct {
	const char *text;
	uint64_t bytes;
} good_sizes[] = {
	{ "16M", 16ULL << 20 },       { "64M", 64ULL << 20 },     { "64m", 64ULL << 20 },
	{ "1G", 1ULL << 30 },         { "2g", 2ULL << 30 },       { "64G", 64ULL << 30 },
	{ "16777216", 16ULL << 20 },  { "65536K", 64ULL << 20 },  { "0032M", 32ULL << 20 },
	{ "68719476736", 64ULL << 30 },
};

START_TEST(mem_sizes)
{
	char eq[64];

	for (size_t i = 0; i < sizeof(good_sizes) / sizeof(good_sizes[0]); i++) {
		const char *t = good_sizes[i].text;

		ck_assert_int_eq(PARSE("vmemu", "run", "--mem", (char *)t, "prog"), -1);
		ck_assert_uint_eq(opts.mem_size, good_sizes[i].bytes);
		snprintf(eq, sizeof(eq), "--mem=%s", t);
		ck_assert_int_eq(PARSE("vmemu", "run", eq, "prog"), -1);
		ck_assert_uint_eq(opts.mem_size, good_sizes[i].bytes);
		ck_assert_int_eq(opts.prog_argc, 1);
	}
	ck_assert_int_eq(PARSE("vmemu", "run", "--mem", "32M", "--mem=48M", "prog"), -1);
	ck_assert_uint_eq(opts.mem_size, 48ULL << 20);
}
END_TEST

static const struct {
	const char *text, *problem;
} bad_sizes[] = {
	{ "0", "must not be zero" },
	{ "0G", "must not be zero" },
	{ "", "expected bytes with an optional K, M or G suffix" },
	{ "abc", "expected bytes" },
	{ "12X", "expected bytes" },
	{ "-5M", "expected bytes" },
	{ "+5M", "expected bytes" },
	{ " 64M", "expected bytes" },
	{ "64MB", "expected bytes" },
	{ "1.5G", "expected bytes" },
	{ "0x1000000", "expected bytes" },
	{ "G", "expected bytes" },
	{ "15M", "too small (minimum 16M)" },
	{ "16777215", "too small" },
	{ "65G", "too large (maximum 64G)" },
	{ "68719480832", "too large" },
	{ "18446744073709551615", "too large" },
	{ "18446744073709551616", "too large" },
	{ "99999999999999999999999999", "too large" },
	{ "18014398509481984K", "too large" },
	{ "17179869184G", "too large" },
	{ "16777217", "not a multiple of 4K" },
};

START_TEST(mem_errors)
{
	char want[128], eq[64];

	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		const char *t = bad_sizes[i].text;

		snprintf(want, sizeof(want), "vmemu: invalid memory size '%s': %s", t,
			 bad_sizes[i].problem);
		assert_usage_error(PARSE("vmemu", "run", "--mem", (char *)t, "prog"), want);
		snprintf(eq, sizeof(eq), "--mem=%s", t);
		assert_usage_error(PARSE("vmemu", "run", eq, "prog"), want);
	}
	assert_usage_error(PARSE("vmemu", "run", "--mem"), "option '--mem' needs a value");
}
END_TEST

START_TEST(root)
{
	char dir[] = "/tmp/vmemu-cli-XXXXXX", file[64], eq[80], want[128];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	ck_assert_int_eq(PARSE("vmemu", "run", "--root", dir, "prog"), -1);
	ck_assert_str_eq(opts.root, dir);
	snprintf(eq, sizeof(eq), "--root=%s", dir);
	ck_assert_int_eq(PARSE("vmemu", "run", eq, "prog"), -1);
	ck_assert_str_eq(opts.root, dir);

	snprintf(want, sizeof(want), "vmemu: cannot use --root '%s': not a directory", file);
	assert_usage_error(PARSE("vmemu", "run", "--root", file, "prog"), want);
	assert_usage_error(PARSE("vmemu", "run", "--root", "/nonexistent/vmemu", "prog"),
			   "vmemu: cannot use --root '/nonexistent/vmemu': No such file or directory");
	assert_usage_error(PARSE("vmemu", "run", "--root=", "prog"), "cannot use --root ''");
	assert_usage_error(PARSE("vmemu", "run", "--root"), "option '--root' needs a value");

	unlink(file);
	rmdir(dir);
}
END_TEST

START_TEST(flags)
{
	ck_assert_int_eq(PARSE("vmemu", "run", "--strace", "prog"), -1);
	ck_assert(opts.strace && !opts.stats && !opts.stats_json);
	ck_assert_int_eq(PARSE("vmemu", "run", "--stats", "prog"), -1);
	ck_assert(opts.stats && !opts.strace);
	ck_assert_int_eq(PARSE("vmemu", "run", "--stats-json", "s.json", "prog"), -1);
	ck_assert_str_eq(opts.stats_json, "s.json");
	ck_assert(!opts.stats);
	ck_assert_int_eq(PARSE("vmemu", "run", "--stats-json=out/s.json", "prog"), -1);
	ck_assert_str_eq(opts.stats_json, "out/s.json");
	ck_assert_int_eq(PARSE("vmemu", "run", "--meminfo", "prog"), -1);
	ck_assert(opts.meminfo && !opts.stats && !opts.stats_json);

	assert_usage_error(PARSE("vmemu", "run", "--stats-json=", "prog"),
			   "option '--stats-json' needs a file name");
	assert_usage_error(PARSE("vmemu", "run", "--stats-json"), "option '--stats-json' needs a value");
	assert_usage_error(PARSE("vmemu", "run", "--strace=1", "prog"), "option '--strace' takes no value");
	assert_usage_error(PARSE("vmemu", "run", "--stats=", "prog"), "option '--stats' takes no value");
	assert_usage_error(PARSE("vmemu", "run", "--help=x"), "option '--help' takes no value");
	assert_usage_error(PARSE("vmemu", "run", "--meminfo=1", "prog"),
			   "option '--meminfo' takes no value");
}
END_TEST

START_TEST(all_options)
{
	char dir[] = "/tmp/vmemu-cli-XXXXXX";
	char *words[] = { "vmemu", "run", "--stats", "--mem=32M", "--root", dir, "--strace",
			  "--stats-json", "s.json", "prog", "a", "b", NULL };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(parse_words(words), -1);
	ck_assert_uint_eq(opts.mem_size, 32ULL << 20);
	ck_assert_str_eq(opts.root, dir);
	ck_assert(opts.strace && opts.stats);
	ck_assert_str_eq(opts.stats_json, "s.json");
	ck_assert_int_eq(opts.prog_argc, 3);
	ck_assert_ptr_eq(opts.prog_argv, words + 9);
	rmdir(dir);
}
END_TEST

START_TEST(bad_options)
{
	assert_usage_error(PARSE("vmemu", "run", "--bogus", "prog"), "vmemu: unknown option '--bogus'\n");
	assert_usage_error(PARSE("vmemu", "run", "--bogus=1", "prog"), "vmemu: unknown option '--bogus'\n");
	assert_usage_error(PARSE("vmemu", "run", "--me", "64M", "prog"), "unknown option '--me'");
	assert_usage_error(PARSE("vmemu", "run", "--memory=64M", "prog"), "unknown option '--memory'");
	assert_usage_error(PARSE("vmemu", "run", "-s", "prog"), "unknown option '-s'");
	assert_usage_error(PARSE("vmemu", "run", "-", "prog"), "unknown option '-'");
	assert_usage_error(PARSE("vmemu", "run", "---", "prog"), "unknown option '---'");
}
END_TEST

START_TEST(missing_prog)
{
	assert_usage_error(PARSE("vmemu", "run"), "vmemu: missing program to run\n");
	assert_usage_error(PARSE("vmemu", "run", "--strace"), "missing program to run");
	assert_usage_error(PARSE("vmemu", "run", "--mem", "64M", "--"), "missing program to run");
}
END_TEST

START_TEST(double_dash)
{
	char *w1[] = { "vmemu", "run", "--", "--weird", "--mem", "1", NULL };
	char *w2[] = { "vmemu", "run", "--strace", "--", "prog", "--", "x", NULL };

	ck_assert_int_eq(parse_words(w1), -1);
	ck_assert_int_eq(opts.prog_argc, 3);
	ck_assert_ptr_eq(opts.prog_argv, w1 + 3);
	ck_assert_uint_eq(opts.mem_size, 1ULL << 30);

	ck_assert_int_eq(parse_words(w2), -1);
	ck_assert(opts.strace);
	ck_assert_int_eq(opts.prog_argc, 3);
	ck_assert_ptr_eq(opts.prog_argv, w2 + 4);
	ck_assert_str_eq(opts.prog_argv[1], "--");
}
END_TEST

START_TEST(guest_args_untouched)
{
	char *words[] = { "vmemu", "run", "prog", "--mem", "1", "--strace", "--", "--help", NULL };
	char *path[] = { "vmemu", "run", "./a=b", "x=y", NULL };

	ck_assert_int_eq(parse_words(words), -1);
	ck_assert_uint_eq(opts.mem_size, 1ULL << 30);
	ck_assert(!opts.strace);
	ck_assert_int_eq(opts.prog_argc, 6);
	ck_assert_ptr_eq(opts.prog_argv, words + 2);
	ck_assert_str_eq(opts.prog_argv[1], "--mem");
	ck_assert_str_eq(opts.prog_argv[2], "1");
	ck_assert_ptr_null(opts.prog_argv[6]);
	ck_assert_str_eq(out_text, "");
	ck_assert_str_eq(err_text, "");

	/* PROG may contain '=' or be a path */
	ck_assert_int_eq(parse_words(path), -1);
	ck_assert_str_eq(opts.prog_argv[0], "./a=b");
	ck_assert_int_eq(opts.prog_argc, 2);
}
END_TEST

START_TEST(trace_options)
{
	ck_assert_int_eq(PARSE("vmemu", "run", "--trace", "t.jsonl.zst", "--trace-events",
			       "walks,tlb", "--trace-filter=400000-500000", "--trace-limit", "100",
			       "--tlb-exact", "prog"), -1);
	ck_assert_int_eq(opts.command, CMD_RUN);
	ck_assert_str_eq(opts.trace, "t.jsonl.zst");
	ck_assert_uint_eq(opts.trace_events, EV_WALKS | EV_TLB);
	ck_assert_uint_eq(opts.trace_lo, 0x400000);
	ck_assert_uint_eq(opts.trace_hi, 0x500000);
	ck_assert_uint_eq(opts.trace_limit, 100);
	ck_assert(opts.tlb_exact);
	ck_assert_int_eq(PARSE("vmemu", "run", "--trace", "t", "prog"), -1);
	ck_assert_uint_eq(opts.trace_events, EV_DEFAULT);
	ck_assert(!opts.tlb_exact);

	assert_usage_error(PARSE("vmemu", "run", "--trace", "t", "--trace-events", "walks,bogus", "p"),
			   "vmemu: unknown trace event 'bogus' (walks, tlb, faults, syscalls, sched)");
	assert_usage_error(PARSE("vmemu", "run", "--trace", "t", "--trace-events", "walks,", "p"),
			   "unknown trace event ''");
	assert_usage_error(PARSE("vmemu", "run", "--trace", "t", "--trace-filter", "5-1", "p"),
			   "invalid --trace-filter '5-1': the range ends before it starts");
	assert_usage_error(PARSE("vmemu", "run", "--trace", "t", "--trace-limit", "0", "p"),
			   "invalid --trace-limit '0': expected a positive count");
	assert_usage_error(PARSE("vmemu", "run", "--trace-limit", "5", "p"),
			   "--trace-events, --trace-filter and --trace-limit need --trace");
	assert_usage_error(PARSE("vmemu", "run", "--trace=", "p"), "option '--trace' needs a file name");
}
END_TEST

START_TEST(debugger_options)
{
	ck_assert_int_eq(PARSE("vmemu", "step", "--commands", "c.txt", "--mem", "64M", "prog", "x"), -1);
	ck_assert_int_eq(opts.command, CMD_STEP);
	ck_assert_str_eq(opts.commands, "c.txt");
	ck_assert_int_eq(opts.prog_argc, 2);
	ck_assert_int_eq(PARSE("vmemu", "run", "--gdb", "1234", "--gdb-disconnect=kill", "prog"), -1);
	ck_assert_int_eq(opts.gdb_port, 1234);
	ck_assert(opts.gdb_kill_on_disconnect);
	ck_assert_int_eq(PARSE("vmemu", "step", "--gdb=65535", "prog"), -1);
	ck_assert_int_eq(opts.gdb_port, 65535);
	ck_assert(!opts.gdb_kill_on_disconnect);

	assert_usage_error(PARSE("vmemu", "run", "--gdb", "65536", "prog"),
			   "invalid --gdb port '65536': expected 1 to 65535");
	assert_usage_error(PARSE("vmemu", "run", "--gdb", "0", "prog"), "invalid --gdb port '0'");
	assert_usage_error(PARSE("vmemu", "run", "--gdb", "12ab", "prog"), "invalid --gdb port");
	assert_usage_error(PARSE("vmemu", "run", "--gdb-disconnect", "stay", "prog"),
			   "invalid --gdb-disconnect 'stay': expected run or kill");
	/* --commands belongs to step */
	assert_usage_error(PARSE("vmemu", "run", "--commands", "c.txt", "prog"),
			   "unknown option '--commands'");
	assert_usage_error(PARSE("vmemu", "step"), "missing program to run");
}
END_TEST

START_TEST(inject_options)
{
	ck_assert_int_eq(PARSE("vmemu", "run", "--inject", "mmap:nth=2", "--inject=swap-read:p=0.5:seed=4",
			       "prog"), -1);
	ck_assert_uint_eq(opts.inject[FAIL_MMAP].nth, 2);
	ck_assert_uint_eq(opts.inject[FAIL_MMAP].times, 1);
	ck_assert_uint_eq(opts.inject[FAIL_SWAP_READ].ppm, 5000);
	ck_assert_uint_eq(opts.inject[FAIL_SWAP_READ].seed, 4);
	ck_assert_uint_eq(opts.inject[FAIL_PAGE_ALLOC].nth | opts.inject[FAIL_PAGE_ALLOC].ppm, 0);
	ck_assert_int_eq(PARSE("vmemu", "step", "--inject", "page-alloc:p=100:times=3", "prog"), -1);
	ck_assert_uint_eq(opts.inject[FAIL_PAGE_ALLOC].times, 3);

	assert_usage_error(PARSE("vmemu", "run", "--inject", "disk:nth=1", "prog"),
			   "invalid --inject 'disk:nth=1': unknown kind 'disk'");
	assert_usage_error(PARSE("vmemu", "run", "--inject", "mmap:nth=1", "--inject", "mmap:nth=2", "prog"),
			   "invalid --inject 'mmap:nth=2': mmap is given twice");
	assert_usage_error(PARSE("vmemu", "report", "--inject", "mmap:nth=1", "t.jsonl"),
			   "unknown option '--inject'");
}
END_TEST

START_TEST(report_options)
{
	ck_assert_int_eq(PARSE("vmemu", "report", "--svg", "p.svg", "--top", "3", "t.jsonl"), -1);
	ck_assert_int_eq(opts.command, CMD_REPORT);
	ck_assert_str_eq(opts.report, "t.jsonl");
	ck_assert_str_eq(opts.svg, "p.svg");
	ck_assert_uint_eq(opts.top, 3);
	ck_assert_int_eq(PARSE("vmemu", "report", "t.jsonl"), -1);
	ck_assert_uint_eq(opts.top, 10);
	ck_assert_ptr_null(opts.svg);
	assert_usage_error(PARSE("vmemu", "report"), "missing trace file to report on");
	assert_usage_error(PARSE("vmemu", "report", "a", "b"), "report takes one trace file, not 'b'");
	assert_usage_error(PARSE("vmemu", "report", "--mem", "64M", "t"), "unknown option '--mem'");
	assert_usage_error(PARSE("vmemu", "report", "--top", "0", "t"), "invalid --top '0'");
	assert_usage_error(PARSE("vmemu", "run", "--svg", "p.svg", "prog"), "unknown option '--svg'");
}
END_TEST

/* --thp: always, madvise (the default) or never; --hugepages; --la57. */
START_TEST(thp_option)
{
	ck_assert_int_eq(PARSE("vmemu", "run", "prog"), -1);
	ck_assert_int_eq(opts.thp, THP_MADVISE);
	ck_assert_int_eq(PARSE("vmemu", "run", "--thp", "always", "prog"), -1);
	ck_assert_int_eq(opts.thp, THP_ALWAYS);
	ck_assert_int_eq(PARSE("vmemu", "step", "--thp=never", "prog"), -1);
	ck_assert_int_eq(opts.thp, THP_NEVER);
	assert_usage_error(PARSE("vmemu", "run", "--thp", "sometimes", "prog"),
			   "invalid --thp 'sometimes': expected always, madvise or never");
	ck_assert_uint_eq(opts.hugepages_2m, 0);
	ck_assert_int_eq(PARSE("vmemu", "run", "--hugepages", "2M:16", "prog"), -1);
	ck_assert_uint_eq(opts.hugepages_2m, 16);
	ck_assert_int_eq(PARSE("vmemu", "run", "--hugepages", "2M:3,1G:2", "prog"), -1);
	ck_assert_uint_eq(opts.hugepages_2m, 3);
	ck_assert_uint_eq(opts.hugepages_1g, 2);
	assert_usage_error(PARSE("vmemu", "run", "--hugepages", "4M:1", "prog"),
			   "invalid --hugepages '4M:1': expected 2M:N, 1G:M");
	assert_usage_error(PARSE("vmemu", "run", "--hugepages", "2M:x", "prog"),
			   "invalid --hugepages '2M:x'");
	ck_assert(!opts.la57);
	ck_assert_int_eq(PARSE("vmemu", "step", "--la57", "prog"), -1);
	ck_assert(opts.la57);
}
END_TEST

/* --tlb: a preset or a custom geometry; the default is skylake. */
START_TEST(tlb_model_option)
{
	ck_assert_int_eq(PARSE("vmemu", "run", "prog"), -1);
	ck_assert_str_eq(opts.tlb_model.name, "skylake");
	ck_assert_int_eq(PARSE("vmemu", "run", "--tlb", "goldencove", "prog"), -1);
	ck_assert_str_eq(opts.tlb_model.name, "goldencove");
	ck_assert_int_eq(PARSE("vmemu", "step", "--tlb=custom:pde=0,l1d.4k=32x4", "prog"), -1);
	ck_assert_str_eq(opts.tlb_model.name, "custom");
	ck_assert_uint_eq(opts.tlb_model.psc[2], 0);
	ck_assert_uint_eq(opts.tlb_model.tlb[MMU_L1_DTLB].size[TLB_4K].sets, 8);
	assert_usage_error(PARSE("vmemu", "run", "--tlb", "pentium", "prog"),
			   "invalid --tlb 'pentium': unknown TLB model");
	assert_usage_error(PARSE("vmemu", "run", "--tlb", "custom:l1d.4k=3x2", "prog"),
			   "power-of-two number of sets");
	assert_usage_error(PARSE("vmemu", "report", "--tlb", "skylake", "t"), "unknown option '--tlb'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_cli");
	TCase *tc = unit_tcase(s, "parse", NULL, NULL);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, commands);
	tcase_add_test(tc, mem_sizes);
	tcase_add_test(tc, mem_errors);
	tcase_add_test(tc, root);
	tcase_add_test(tc, flags);
	tcase_add_test(tc, all_options);
	tcase_add_test(tc, bad_options);
	tcase_add_test(tc, missing_prog);
	tcase_add_test(tc, double_dash);
	tcase_add_test(tc, guest_args_untouched);
	tcase_add_test(tc, trace_options);
	tcase_add_test(tc, debugger_options);
	tcase_add_test(tc, inject_options);
	tcase_add_test(tc, report_options);
	tcase_add_test(tc, thp_option);
	tcase_add_test(tc, tlb_model_option);
	int status = unit_run(s);
	free(out_text);
	free(err_text);
	return status;
}
