/* test_core_trace_files.c - what `vmemu report` relies on: the strict JSON
 * line parser, the trace schema check, hexadecimal addresses and ranges,
 * and compressed files written by ofile and read back by ifile (plain,
 * gzip, zstd; told apart by content). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ifile.h"
#include "jsonl.h"
#include "ofile.h"
#include "trace_check.h"
#include "unit.h"
#include "varange.h"

static struct json_line line;
static char err[256];

static bool parse(const char *text)
{
	return jsonl_parse(text, &line, err, sizeof(err));
}

START_TEST(test_json_values)
{
	ck_assert(parse("{\"a\":1,\"b\":\"x\\\"y\\u0041\",\"c\":[1,[2],{}],\"d\":{\"e\":null},"
			"\"f\":true,\"g\":null,\"h\":-5}"));
	ck_assert_int_eq(line.n, 7);
	ck_assert_int_eq(jsonl_get(&line, "a", JSON_NUMBER)->number, 1);
	ck_assert_str_eq(jsonl_get(&line, "b", JSON_STRING)->str, "x\"yA");
	ck_assert_uint_eq(jsonl_get(&line, "c", JSON_ARRAY)->count, 3);
	ck_assert_uint_eq(jsonl_get(&line, "d", JSON_OBJECT)->count, 1);
	ck_assert(jsonl_get(&line, "f", JSON_BOOL)->boolean);
	ck_assert_ptr_nonnull(jsonl_get(&line, "g", JSON_NULL));
	ck_assert_int_eq(jsonl_get(&line, "h", JSON_NUMBER)->number, -5);
	ck_assert_ptr_null(jsonl_get(&line, "a", JSON_STRING)); /* the type must match */
	ck_assert(parse("{}"));
	ck_assert_int_eq(line.n, 0);
}
END_TEST

START_TEST(test_json_refused)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"", "expected an object"},
		{"[1]", "expected an object"},
		{"{\"a\":1", "expected ',' or '}'"},
		{"{\"a\":1,}", "expected a member name"},
		{"{\"a\" 1}", "expected ':'"},
		{"{\"a\":01}", "a bad number"},
		{"{\"a\":1.5}", "not an integer"},
		{"{\"a\":\"x}", "an unterminated string"},
		{"{\"a\":\"\\q\"}", "a bad escape"},
		{"{\"a\":tru}", "a bad number"},
		{"{\"a\":1} x", "text after the object"},
		{"{\"a\":1,\"a\":2}", "a member twice"},
		{"{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "nested too deeply"},
		{"{\"a\":[1 2]}", "expected ',' or ']'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!parse(bad[i].text), "accepted %s", bad[i].text);
		ck_assert_msg(strstr(err, bad[i].why), "%s: '%s', not '%s'", bad[i].text, err, bad[i].why);
	}
}
END_TEST

static const char walk_ok[] =
	"{\"ev\":\"walk\",\"icount\":4,\"pid\":1,\"rip\":\"0x40103c\",\"va\":\"0x7fffffffe000\","
	"\"access\":\"write\",\"user\":true,\"result\":\"ok\",\"pa\":\"0xb000\",\"page_size\":4096,"
	"\"stale\":false,\"levels\":[{\"level\":\"pml4e\"},{},{},{}]}";

START_TEST(test_schema)
{
	ck_assert(parse(walk_ok));
	ck_assert_ptr_null(trace_check(&line));
	uint64_t v;
	ck_assert(trace_hex(&line, "va", &v));
	ck_assert_uint_eq(v, 0x7fffffffe000ULL);
	ck_assert(!trace_hex(&line, "access", &v));

	ck_assert(parse("{\"ev\":\"walk\",\"icount\":4,\"pid\":1,\"rip\":\"0x1\",\"va\":\"0x1\","
			"\"access\":\"read\",\"user\":true,\"result\":\"fault\",\"stale\":false,"
			"\"levels\":[{}]}"));
	ck_assert_str_eq(trace_check(&line), "a walk that faulted has no fault");
	ck_assert(parse("{\"ev\":\"walk\",\"icount\":4,\"pid\":1,\"rip\":\"0x1\",\"va\":\"0x1\","
			"\"access\":\"read\",\"user\":true,\"result\":\"ok\",\"pa\":\"0x1\","
			"\"page_size\":4096,\"stale\":false,\"levels\":[]}"));
	ck_assert_str_eq(trace_check(&line), "a walk reads 1 to 5 levels");
	ck_assert(parse("{\"ev\":\"fault\",\"icount\":1,\"pid\":1,\"rip\":\"0x1\",\"va\":\"0x1\","
			"\"access\":\"read\",\"user\":true,\"result\":\"swap-in\",\"error_code\":4,"
			"\"kind\":\"not-present\",\"pte_old\":\"0x1\",\"pte_new\":\"0x2\",\"vma\":null}"));
	ck_assert_ptr_null(trace_check(&line));
	ck_assert(parse("{\"ev\":\"syscall\",\"icount\":1,\"pid\":1,\"rip\":\"0x1\",\"nr\":1,"
			"\"name\":\"write\",\"args\":[\"0x1\"],\"result\":3,\"restart\":false,"
			"\"noreturn\":false}"));
	ck_assert_str_eq(trace_check(&line), "a syscall has 6 args");
	ck_assert(parse("{\"ev\":\"sched\",\"icount\":1,\"pid\":2,\"rip\":\"1\",\"from\":1,\"to\":2}"));
	ck_assert_str_eq(trace_check(&line), "no member rip:h"); /* not 0x... */
	ck_assert(parse("{\"ev\":\"end\",\"icount\":1,\"events\":2,\"dropped\":0}"));
	ck_assert_ptr_null(trace_check(&line));
	ck_assert(parse("{\"ev\":\"bogus\"}"));
	ck_assert_str_eq(trace_check(&line), "an unknown event");
	ck_assert(parse("{\"icount\":1}"));
	ck_assert_str_eq(trace_check(&line), "no member ev:s");
}
END_TEST

START_TEST(test_addresses)
{
	uint64_t lo, hi;
	ck_assert_ptr_null(va_parse("0x7ffff7ff8000", &lo));
	ck_assert_uint_eq(lo, 0x7ffff7ff8000ULL);
	ck_assert_ptr_null(va_parse("DEADbeef", &lo));
	ck_assert_uint_eq(lo, 0xdeadbeefULL);
	ck_assert_str_eq(va_parse("0x", &lo), "expected a hexadecimal address");
	ck_assert_str_eq(va_parse("12g", &lo), "expected a hexadecimal address");
	ck_assert_str_eq(va_parse("11112222333344445", &lo), "more than 64 bits");
	ck_assert_ptr_null(varange_parse("400000-401000", &lo, &hi));
	ck_assert_uint_eq(lo, 0x400000);
	ck_assert_uint_eq(hi, 0x401000);
	ck_assert_ptr_null(varange_parse("0x401234", &lo, &hi)); /* its page */
	ck_assert_uint_eq(lo, 0x401000);
	ck_assert_uint_eq(hi, 0x402000);
	ck_assert_str_eq(varange_parse("2000-1000", &lo, &hi), "the range ends before it starts");
	ck_assert_str_eq(varange_parse("-1000", &lo, &hi), "expected a hexadecimal address");
}
END_TEST

/* Writes three lines through ofile and reads them back through ifile. */
static void round_trip(const char *suffix)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vmemu-unit-%d%s", (int)getpid(), suffix);
	struct ofile *o = ofile_open(path, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	static const char text[] = "{\"a\":1}\nsecond line\n";
	for (int i = 0; i < 1000; i++) /* more than one buffer of each codec */
		ck_assert_int_eq(ofile_write(o, text, sizeof(text) - 1), 0);
	ck_assert_int_eq(ofile_write(o, "last, no newline", 16), 0);
	ck_assert_int_eq(ofile_close(o, err, sizeof(err)), 0);
	struct ifile *in = ifile_open(path, err, sizeof(err));
	ck_assert_msg(in != NULL, "%s", err);
	for (int i = 0; i < 1000; i++) {
		ck_assert_str_eq(ifile_line(in), "{\"a\":1}");
		ck_assert_str_eq(ifile_line(in), "second line");
	}
	ck_assert_str_eq(ifile_line(in), "last, no newline");
	ck_assert_ptr_null(ifile_line(in));
	ck_assert_ptr_null(ifile_error(in));
	ifile_close(in);
	unlink(path);
}

START_TEST(test_compressed_files)
{
	round_trip(".jsonl");
	round_trip(".jsonl.gz");
	round_trip(".jsonl.zst");
	ck_assert_ptr_null(ofile_open("/nonexistent/dir/t.jsonl", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/dir/t.jsonl: No such file or directory");
	ck_assert_ptr_null(ifile_open("/nonexistent/t.jsonl", err, sizeof(err)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_trace_files");
	TCase *tc = unit_tcase(s, "files", NULL, NULL);
	tcase_add_test(tc, test_json_values);
	tcase_add_test(tc, test_json_refused);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_compressed_files);
	return unit_run(s);
}
