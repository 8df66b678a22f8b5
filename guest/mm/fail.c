/* fail.c - fault injection (vmemu run --inject), after Linux's
 * fault-injection framework: each injection point asks should_fail
 * whether this call is to fail, as fail_page_alloc and fail-nth decide
 * for Linux's allocator. A probability is drawn per call from a hash of
 * the seed and the call's number, so a run repeats exactly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

static const char *const fail_names[FAIL_KINDS] = {
	[FAIL_PAGE_ALLOC] = "page-alloc", [FAIL_SWAP_READ] = "swap-read",
	[FAIL_SWAP_WRITE] = "swap-write", [FAIL_FILE_READ] = "file-read", [FAIL_MMAP] = "mmap",
};

const char *kernel_fail_name(enum kernel_fail kind)
{
	return fail_names[kind];
}

/* splitmix64's finalizer: call n's draw, uniform over 64 bits. */
static uint64_t draw(uint64_t seed, uint64_t n)
{
	uint64_t z = seed + n * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

bool should_fail(struct kernel *k, enum kernel_fail kind)
{
	const struct kernel_inject *in = &k->cfg.inject[kind];
	uint64_t *calls = &k->stats.inject_calls[kind], *failures = &k->stats.inject_failures[kind];
	++*calls;
	if (in->times && *failures >= in->times)
		return false;
	if (in->nth ? *calls < in->nth : draw(in->seed, *calls) % 1000000 >= in->ppm)
		return false;
	++*failures;
	FILE *out = k->cfg.strace;
	if (out) {
		if (k->nprocs > 1) /* as the --strace lines around it */
			fprintf(out, "[pid %d] ", kernel_current_pid(k));
		fprintf(out, "--- injected: %s fails (call %llu, failure %llu) ---\n", fail_names[kind],
			(unsigned long long)*calls, (unsigned long long)*failures);
	}
	return true;
}

/* A decimal number: digits only. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	char buf[24];
	if (!len || len >= sizeof(buf) || strspn(s, "0123456789") < len)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtoull(buf, NULL, 10);
	return errno == 0;
}

/* A percentage above 0 and up to 100, with up to four decimals, in parts
 * per million. */
static bool parse_percent(const char *s, size_t len, uint32_t *ppm)
{
	size_t whole = strspn(s, "0123456789");
	if (!whole || whole > 3 || whole > len)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < whole; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	v *= 10000;
	if (whole < len) {
		size_t frac = len - whole - 1;
		if (s[whole] != '.' || !frac || frac > 4 || strspn(s + whole + 1, "0123456789") < frac)
			return false;
		uint64_t scale = 1000;
		for (size_t i = 0; i < frac; i++, scale /= 10)
			v += (uint64_t)(s[whole + 1 + i] - '0') * scale;
	}
	if (!v || v > 1000000)
		return false; /* 0 would never fail: surely not what was meant */
	*ppm = (uint32_t)v;
	return true;
}

int kernel_inject_parse(const char *spec, struct kernel_inject inject[FAIL_KINDS], char *err,
			size_t errlen)
{
	size_t len = strcspn(spec, ":");
	int kind = 0;
	while (kind < FAIL_KINDS && !(strlen(fail_names[kind]) == len &&
				      !strncmp(fail_names[kind], spec, len)))
		kind++;
	if (kind == FAIL_KINDS) {
		snprintf(err, errlen, "unknown kind '%.*s' (page-alloc, swap-read, swap-write, "
			 "file-read, mmap)", (int)(len < 32 ? len : 32), spec);
		return -1;
	}
	struct kernel_inject in = {0};
	bool has_nth = false, has_p = false, has_seed = false, has_times = false;
	for (const char *p = spec + len; *p;) {
		p++; /* the ':' */
		size_t n = strcspn(p, ":");
		const char *eq = memchr(p, '=', n);
		size_t name = eq ? (size_t)(eq - p) : n;
		const char *v = eq ? eq + 1 : p + n;
		size_t vlen = eq ? n - name - 1 : 0;
		bool ok;
		bool *seen;
		if (name == 3 && !strncmp(p, "nth", 3)) {
			ok = parse_u64(v, vlen, &in.nth) && in.nth > 0;
			seen = &has_nth;
		} else if (name == 1 && *p == 'p') {
			ok = parse_percent(v, vlen, &in.ppm);
			seen = &has_p;
		} else if (name == 4 && !strncmp(p, "seed", 4)) {
			ok = parse_u64(v, vlen, &in.seed);
			seen = &has_seed;
		} else if (name == 5 && !strncmp(p, "times", 5)) {
			ok = parse_u64(v, vlen, &in.times) && in.times > 0;
			seen = &has_times;
		} else {
			snprintf(err, errlen, "unknown setting '%.*s' (nth, p, seed, times)",
				 (int)(name < 32 ? name : 32), p);
			return -1;
		}
		if (!ok || *seen) {
			snprintf(err, errlen, *seen ? "'%.*s' given twice" : "bad value in '%.*s'",
				 (int)(n < 48 ? n : 48), p);
			return -1;
		}
		*seen = true;
		p += n;
	}
	if (has_nth == has_p) {
		snprintf(err, errlen, "'%s' needs nth=N or p=PERCENT (one of them)", spec);
		return -1;
	}
	if (has_seed && !has_p) {
		snprintf(err, errlen, "seed= goes with p=, not nth=");
		return -1;
	}
	if (inject[kind].nth || inject[kind].ppm || inject[kind].times) {
		snprintf(err, errlen, "%s is given twice", fail_names[kind]);
		return -1;
	}
	if (has_nth && !has_times)
		in.times = 1; /* as fail-nth: that one call */
	inject[kind] = in;
	return 0;
}
