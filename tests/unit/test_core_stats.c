/* test_core_stats.c - the --stats text and the --stats-json file. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "mmu.h"
#include "stats.h"
#include "unit.h"

static struct kernel_stats ks;
static struct mmu mmu;
static struct run_stats rs;

static void fill(void)
{
	ks = (struct kernel_stats){
		.tlb_fills = { 100, 20, 30 },
		.page_faults = 65612,
		.faults_demand_zero = 7,
		.faults_spurious = 3,
		.faults_fatal = 1,
		.faults_cow = 11,
		.cow_copied = 8,
		.cow_reused = 2,
		.cow_zero = 1,
		.faults_swap = 21,
		.swap_outs = 22,
		.swap_ins = 23,
		.pages_scanned = 24,
		.pages_reclaimed = 25,
		.pages_activated = 31,
		.pages_deactivated = 32,
		.oom_kills = 26,
		.faults_file = 27,
		.cache_reads = 28,
		.cache_writebacks = 29,
		.cache_reclaimed = 30,
		.forks = 5,
		.execs = 6,
		.context_switches = 17,
		.syscalls = 42,
		.syscalls_unknown = 2,
		.frames_total = 262144,
		.frames_in_use = 1280,
		.frames_peak = 2560,
		.page_table_pages = 12,
		.tlb_flushes = 5,
		.tlb_shootdowns = 3,
		.code_flushes = 4,
		.thp_fault_alloc = 33,
		.thp_fault_fallback = 34,
		.thp_split_pmd = 35,
		.thp_zero_page_alloc = 1,
		.inject_calls = { [FAIL_SWAP_READ] = 41 },
		.inject_failures = { [FAIL_SWAP_READ] = 4 },
	};
	memset(&mmu, 0, sizeof(mmu));
	mmu.stats = (struct mmu_stats){ .translations = 150, .walks = 60, .walk_refs = 240, .faults = 9,
					.walk_refs_saved = 70, .walks_by_leaf = { 40, 8, 3 } };
	mmu.model = "skylake";
	for (int i = 0; i < MMU_NTLBS; i++)
		mmu.tlb[i].cfg = mmu_models[0]->tlb[i];
	mmu.tlb[0].stats = (struct tlb_stats){ .hits = 90, .misses = 10, .evictions = 4, .invalidations = 6,
					       .size_hits = { 80, 10 }, .size_fills = { 7 },
					       .size_evictions = { 4 } };
	mmu.tlb[2].stats = (struct tlb_stats){ .hits = 1, .misses = 2, .size_hits = { 0, 1 },
					       .size_fills = { 2 } };
	mmu.psc.size[2] = 32;
	mmu.psc.stats = (struct psc_stats){ .hits = { [2] = 11 }, .fills = { [2] = 12 },
					    .evictions = { [2] = 13 }, .invalidations = { [2] = 14 } };
	rs = (struct run_stats){
		.run_slices = 3,
		.wall_seconds = 0.25,
		.unicorn_tlb = { .flushes = 33, .grows = 7, .growth_stops = 6, .entries = 16384,
				 .peak_entries = 32768 },
	};
}

/* ---- a strict JSON checker (RFC 8259 grammar), enough for these files ---- */

static bool json_value(const char **p);

static void json_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool json_str(const char **p)
{
	if (**p != '"')
		return false;
	for ((*p)++; **p != '"'; (*p)++) {
		if ((unsigned char)**p < 0x20)
			return false; /* also the end of the text */
		if (**p != '\\')
			continue;
		(*p)++;
		if (**p == 'u') {
			for (int i = 0; i < 4; i++)
				if (!strchr("0123456789abcdefABCDEF", *++*p) || !**p)
					return false;
		} else if (!**p || !strchr("\"\\/bfnrt", **p)) {
			return false;
		}
	}
	(*p)++;
	return true;
}

static bool json_digits(const char **p)
{
	const char *start = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > start;
}

static bool json_number(const char **p)
{
	if (**p == '-')
		(*p)++;
	if (**p == '0')
		(*p)++;
	else if (!json_digits(p))
		return false;
	if (**p == '.') {
		(*p)++;
		if (!json_digits(p))
			return false;
	}
	if (**p == 'e' || **p == 'E') {
		(*p)++;
		if (**p == '+' || **p == '-')
			(*p)++;
		if (!json_digits(p))
			return false;
	}
	return true;
}

/* An object ('{', members with keys) or an array ('[', values only). */
static bool json_container(const char **p, char close, bool keys)
{
	(*p)++;
	json_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		json_ws(p);
		if (keys) {
			if (!json_str(p))
				return false;
			json_ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!json_value(p))
			return false;
		json_ws(p);
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
	}
}

static bool json_value(const char **p)
{
	json_ws(p);
	switch (**p) {
	case '{': return json_container(p, '}', true);
	case '[': return json_container(p, ']', false);
	case '"': return json_str(p);
	case 't': return strncmp(*p, "true", 4) == 0 && (*p += 4);
	case 'f': return strncmp(*p, "false", 5) == 0 && (*p += 5);
	case 'n': return strncmp(*p, "null", 4) == 0 && (*p += 4);
	default: return json_number(p);
	}
}

static bool json_valid(const char *text)
{
	const char *p = text;

	if (!json_value(&p))
		return false;
	json_ws(&p);
	return *p == '\0';
}

START_TEST(checker_rejects)
{
	static const char *const bad[] = {
		"", "{", "{\"a\": 1,}", "{\"a\" 1}", "{a: 1}", "[1 2]", "01", "1.", "NaN",
		"{\"a\": nan}", "\"\\x\"", "\"tab\there\"", "{} {}", "\"abc",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!json_valid(bad[i]), "accepted: %s", bad[i]);
	ck_assert(json_valid("{\"a\": [1, -2.5e3, true, null, \"\\u0009\\\"\"], \"b\": {}}"));
}
END_TEST

/* ---- JSON file ---- */

static char *write_and_read(void)
{
	char path[] = "/tmp/vmemu-stats-XXXXXX";
	int fd = mkstemp(path);
	char *text;
	FILE *f;
	long len;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(stats_write_json(path, &ks, &mmu, &rs), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	ck_assert_msg(json_valid(text), "not JSON:\n%s", text);
	return text;
}

#define ASSERT_HAS(text, s) ck_assert_msg(strstr(text, s), "missing [%s] in:\n%s", s, text)

START_TEST(json_content)
{
	char *t;

	fill();
	t = write_and_read();
	ck_assert_msg(strncmp(t, "{\n  \"instructions\": null,\n  \"run_slices\": 3,\n", 44) == 0, "%s", t);
	ASSERT_HAS(t, "\"wall_seconds\": 0.250000,");
	ASSERT_HAS(t, "\"demand_zero\": 7");
	ASSERT_HAS(t, "  \"faults\": {\n    \"total\": 65612,\n    \"demand_zero\": 7,\n"
		      "    \"spurious\": 3,\n    \"fatal\": 1,\n    \"cow\": 11,\n"
		      "    \"cow_copied\": 8,\n    \"cow_reused\": 2,\n    \"cow_zero\": 1,\n"
		      "    \"swap\": 21,\n    \"file\": 27\n  },\n"
		      "  \"thp\": {\n    \"fault_alloc\": 33,\n    \"fault_fallback\": 34,\n"
		      "    \"split_pmd\": 35,\n    \"zero_page_alloc\": 1,\n"
		      "    \"compact_stall\": 0,\n    \"compact_success\": 0,\n"
		      "    \"pgmigrate_success\": 0\n  },\n");
	ASSERT_HAS(t, "  \"reclaim\": {\n    \"swap_outs\": 22,\n    \"swap_ins\": 23,\n"
		      "    \"scanned\": 24,\n    \"reclaimed\": 25,\n    \"activated\": 31,\n"
		      "    \"deactivated\": 32,\n    \"oom_kills\": 26\n  },\n"
		      "  \"page_cache\": {\n    \"reads\": 28,\n    \"writebacks\": 29,\n"
		      "    \"reclaimed\": 30\n  },\n");
	ASSERT_HAS(t, "  \"processes\": {\n    \"forks\": 5,\n    \"execs\": 6,\n"
		      "    \"context_switches\": 17\n  },\n");
	ASSERT_HAS(t, "  \"tlb_fills\": {\n    \"read\": 100,\n    \"write\": 20,\n    \"fetch\": 30\n  },\n");
	ASSERT_HAS(t, "  \"mmu\": {\n    \"translations\": 150,\n    \"walks\": 60,\n"
		      "    \"walk_refs\": 240,\n    \"walk_faults\": 9,\n    \"walk_refs_saved\": 70,\n"
		      "    \"walks_4k\": 40,\n    \"walks_2m\": 8,\n    \"walks_1g\": 3,\n"
		      "    \"model\": \"skylake\"\n  },\n");
	ASSERT_HAS(t, "  \"tlb\": {\n    \"L1 dTLB\": {\n      \"hits\": 90,\n      \"misses\": 10,\n"
		      "      \"evictions\": 4,\n      \"invalidations\": 6,\n"
		      "      \"hit_rate\": 0.900000,\n      \"4k\": {\n        \"entries\": 64,\n"
		      "        \"ways\": 4,\n        \"hits\": 80,\n        \"fills\": 7,\n"
		      "        \"evictions\": 4\n      },\n      \"2m\": {\n        \"entries\": 32,\n");
	ASSERT_HAS(t, "\"invalidations\": 0,\n      \"hit_rate\": null,\n      \"4k\": {\n"
		      "        \"entries\": 128,\n");
	/* 2M pages live in the STLB's 4K array: their counts join its. */
	ASSERT_HAS(t, "\"hit_rate\": 0.333333,\n      \"4k2m\": {\n        \"entries\": 1536,\n"
		      "        \"ways\": 12,\n        \"hits\": 1,\n        \"fills\": 2,\n"
		      "        \"evictions\": 0\n      },\n      \"1g\": {\n        \"entries\": 16,\n");
	ASSERT_HAS(t, "  \"psc\": {\n    \"pde\": {\n      \"entries\": 32,\n      \"hits\": 11,\n"
		      "      \"fills\": 12,\n      \"evictions\": 13,\n      \"invalidations\": 14\n"
		      "    }\n  },\n");
	ASSERT_HAS(t, "  \"frames\": {\n    \"total\": 262144,\n    \"in_use\": 1280,\n    \"peak\": 2560,\n"
		      "    \"total_mib\": 1024.000,\n    \"in_use_mib\": 5.000,\n"
		      "    \"peak_mib\": 10.000,\n    \"page_table_pages\": 12\n  },\n");
	ASSERT_HAS(t, "  \"syscalls\": {\n    \"total\": 42,\n    \"unknown\": 2\n  },\n");
	ASSERT_HAS(t, "  \"cpu_flushes\": {\n    \"tlb\": 5,\n    \"tlb_shootdowns\": 3,\n    \"code\": 4\n  },\n");
	ASSERT_HAS(t, "  \"inject\": {\n    \"page_alloc\": {\n      \"calls\": 0,\n"
		      "      \"failures\": 0\n    },\n    \"swap_read\": {\n      \"calls\": 41,\n"
		      "      \"failures\": 4\n    },\n    \"swap_write\": {\n");
	ASSERT_HAS(t, "    \"mmap\": {\n      \"calls\": 0,\n      \"failures\": 0\n    }\n  },\n");
	const char *end = "  \"unicorn_tlb\": {\n    \"flushes\": 33,\n    \"grows\": 7,\n"
			  "    \"growth_stops\": 6,\n    \"entries\": 16384,\n"
			  "    \"peak_entries\": 32768\n  }\n}\n";
	ck_assert_msg(strstr(t, end) == t + strlen(t) - strlen(end), "end of:\n%s", t);
	free(t);
}
END_TEST

START_TEST(json_counted_and_odd_values)
{
	char *t;

	fill();
	rs.instructions = 123456789012ULL;
	rs.wall_seconds = NAN;
	ks.page_faults = UINT64_MAX;
	t = write_and_read();
	ASSERT_HAS(t, "\"instructions\": 123456789012,");
	ASSERT_HAS(t, "\"wall_seconds\": null,");
	ASSERT_HAS(t, "\"total\": 18446744073709551615,");
	free(t);
}
END_TEST

START_TEST(json_escapes_names)
{
	char *t;

	fill();
	mmu.tlb[0].cfg.name = "L2 \"S\"\\TLB\t\x01";
	mmu.tlb[2].cfg.name = NULL;
	t = write_and_read();
	ASSERT_HAS(t, "    \"L2 \\\"S\\\"\\\\TLB\\u0009\\u0001\": {\n");
	ASSERT_HAS(t, "    \"TLB 2\": {\n");
	free(t);
}
END_TEST

START_TEST(json_errors)
{
	fill();
	ck_assert_int_eq(stats_write_json("/nonexistent-vmemu-dir/s.json", &ks, &mmu, &rs), -ENOENT);
	if (access("/dev/full", W_OK) == 0)
		ck_assert_int_eq(stats_write_json("/dev/full", &ks, &mmu, &rs), -ENOSPC);
}
END_TEST

/* ---- text ---- */

static char *print_text(void)
{
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	stats_print(f, &ks, &mmu, &rs);
	fclose(f);
	return text;
}

START_TEST(text_content)
{
	char *t;

	fill();
	t = print_text();
	ck_assert_msg(strncmp(t, "vmemu statistics\n  run slices               3\n", 46) == 0, "%s", t);
	ck_assert_ptr_null(strstr(t, "instructions"));
	ASSERT_HAS(t, "\n  wall time                0.250 s\n");
	ASSERT_HAS(t, "\n  page faults              65612\n    demand-zero            7\n"
		      "    spurious               3\n    fatal                  1\n"
		      "    copy-on-write          11\n      pages copied         8\n"
		      "      pages reused         2\n      zero page left       1\n"
		      "    swap-in (major)        21\n    file page              27\n"
		      "  huge faults (THP)        33\n    fallbacks to 4K        34\n"
		      "    huge PDEs split        35\n    huge zero page made    1\n");
	ASSERT_HAS(t, "\n  swap-outs                22\n  swap-ins                 23\n"
		      "  pages scanned            24\n  pages reclaimed          25\n"
		      "  pages activated          31\n  pages deactivated        32\n"
		      "  OOM kills                26\n  page-cache reads         28\n"
		      "  page-cache writebacks    29\n  page-cache reclaimed     30\n");
	ASSERT_HAS(t, "\n  forks                    5\n  execs                    6\n"
		      "  context switches         17\n");
	ASSERT_HAS(t, "\n  TLB fills from CPU       150\n    read                   100\n"
		      "    write                  20\n    fetch                  30\n");
	ASSERT_HAS(t, "\n  MMU translations         150\n    page walks             60\n"
		      "    walk memory references 240\n    walk faults            9\n"
		      "    refs saved by PSCs     70\n    walks to 4K pages      40\n"
		      "    walks to 2M pages      8\n    walks to 1G pages      3\n"
		      "  TLB model                skylake\n");
	ASSERT_HAS(t, "\n  L1 dTLB\n    hits                   90\n    misses                 10\n"
		      "    evictions              4\n    invalidations          6\n"
		      "    hit rate               90.00%\n"
		      "    4K pages               64 entries, 4-way: 80 hits, 7 fills, 4 evictions\n"
		      "    2M pages               32 entries, 4-way: 10 hits, 0 fills, 0 evictions\n"
		      "    1G pages               4 entries, 4-way: 0 hits, 0 fills, 0 evictions\n"
		      "  L1 iTLB\n");
	ASSERT_HAS(t, "    hit rate               -\n    4K pages               128 entries, 8-way");
	ASSERT_HAS(t, "    hit rate               33.33%\n"
		      "    4K+2M pages            1536 entries, 12-way: 1 hits, 2 fills, 0 evictions\n"
		      "    1G pages               16 entries, 4-way: 0 hits, 0 fills, 0 evictions\n"
		      "  paging-structure caches\n"
		      "    PDE cache              32 entries: 11 hits, 12 fills, 13 evictions, 14 invalidations\n"
		      "  frames");
	ASSERT_HAS(t, "\n  frames                   262144 (1024.0 MiB)\n"
		      "    in use                 1280 (5.0 MiB)\n    peak                   2560 (10.0 MiB)\n"
		      "    page-table pages       12\n");
	ASSERT_HAS(t, "\n  syscalls                 42\n    unknown (ENOSYS)       2\n");
	ASSERT_HAS(t, "\n  CPU TLB flushes          5\n    shootdowns             3\n  CPU code flushes         4\n"
		      "  injected failures        swap-read: 4 of 41 calls\n"
		      "  Unicorn TLB flushes      33\n    that doubled it        7\n"
		      "    slices ended to grow   6\n  Unicorn TLB entries      16384 (peak 32768)\n");
	free(t);

	/* Injected failures: a line for each kind that had a chance to fail. */
	ks.inject_calls[FAIL_MMAP] = 2;
	t = print_text();
	ASSERT_HAS(t, "\n  CPU code flushes         4\n"
		      "  injected failures        swap-read: 4 of 41 calls\n"
		      "  injected failures        mmap: 0 of 2 calls\n  Unicorn TLB flushes ");
	ck_assert_ptr_null(strstr(t, "page-alloc"));
	free(t);

	rs.instructions = 99;
	t = print_text();
	ASSERT_HAS(t, "vmemu statistics\n  instructions             99\n  run slices ");
	free(t);
}
END_TEST

/* Every value starts in the same column; headings carry no trailing spaces. */
START_TEST(text_aligned)
{
	char *t, *line, *save;
	int lines = 0, values = 0;

	fill();
	t = print_text();
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		lines++;
		ck_assert_msg(line[len - 1] != ' ', "trailing space: [%s]", line);
		if (len <= 27)
			continue;
		values++;
		ck_assert_msg(line[26] == ' ' && line[27] != ' ', "misaligned: [%s]", line);
	}
	/* 42 + copy-on-write (4) + swap (8) + processes (3) + page cache (4)
	 * + Unicorn's TLB (4) + walks (4) + the TLB model (1) + the TLB arrays
	 * (7) + the paging-structure caches (a heading and one cache) + THP (4)
	 * + one kind of injected failure (1) */
	ck_assert_int_eq(lines, 84);
	ck_assert_int_eq(values, 79);
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_stats");
	TCase *tc = unit_tcase(s, "stats", NULL, NULL);
	tcase_add_test(tc, checker_rejects);
	tcase_add_test(tc, json_content);
	tcase_add_test(tc, json_counted_and_odd_values);
	tcase_add_test(tc, json_escapes_names);
	tcase_add_test(tc, json_errors);
	tcase_add_test(tc, text_content);
	tcase_add_test(tc, text_aligned);
	return unit_run(s);
}
