/* walkdiff.c - differential page-walk fuzzing: vmemu's mmu_walk against
 * QEMU's walker inside Unicorn, case by case, deterministic per seed.
 *
 *   walkdiff --seed S --cases N [--levels 4|5] [--verbose]
 *   walkdiff --seed S --case I [--levels 4|5] [--verbose]
 *   walkdiff --list-known
 *
 * Exit status: 0 when every difference is explained, 1 on an unexplained
 * one, 2 on a usage error, 3 when the oracle cannot be set up. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dump.h"
#include "gen.h"
#include "image.h"
#include "known.h"
#include "model.h"
#include "oracle.h"
#include "verdict.h"

/* Cases between two renewals (renew()). */
#define RENEW_EVERY 4096
#define DEFAULT_DUMPS 5

struct options {
	uint64_t seed, first, cases;
	int levels;
	bool verbose;
	uint64_t max_dumps;
};

struct stats {
	uint64_t cases, agree, unexplained, explained[WD_MAX_KNOWN];
	uint64_t by_levels[6];
	uint64_t translated[4]; /* by leaf level: 1 (4K), 2 (2M), 3 (1G) */
	uint64_t faults[MMU_FAULT_BAD_PHYS + 1];
	uint64_t entries_updated; /* A/D set by the oracle's walks */
};

struct harness {
	struct wd_image model_image, oracle_image;
	struct wd_model model;
	struct wd_oracle oracle;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: walkdiff --seed S (--cases N | --case I) [--levels 4|5] [--verbose]\n"
		   "                [--dumps K]\n"
		   "  --seed S     seed of the run (default 1); case I is a function of S and I\n"
		   "  --cases N    run cases 0..N-1 (default 1000)\n"
		   "  --case I     run case I only\n"
		   "  --levels L   4 or 5 paging levels only (default: either, per case)\n"
		   "  --verbose    one line per case, and a dump of every difference\n"
		   "  --dumps K    reproducer dumps for at most K unexplained differences (default %d)\n"
		   "  --list-known print the classes of explained differences and exit\n",
		DEFAULT_DUMPS);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	*out = strtoull(s, &end, 0);
	return *end == '\0';
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },   { "cases", required_argument, NULL, 'n' },
		{ "case", required_argument, NULL, 'c' },   { "levels", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },      { "dumps", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },         { "list-known", no_argument, NULL, 'k' },
		{ 0, 0, 0, 0 },
	};
	uint64_t levels = 0;
	int ch;

	*o = (struct options){ .seed = 1, .cases = 1000, .max_dumps = DEFAULT_DUMPS };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		bool ok = true;

		switch (ch) {
		case 's':
			ok = parse_u64(optarg, &o->seed);
			break;
		case 'n':
			ok = parse_u64(optarg, &o->cases);
			break;
		case 'c':
			ok = parse_u64(optarg, &o->first);
			o->cases = 1;
			break;
		case 'l':
			ok = parse_u64(optarg, &levels) && (levels == 4 || levels == 5);
			o->levels = (int)levels;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'd':
			ok = parse_u64(optarg, &o->max_dumps);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'k':
			for (int k = 0; k < wd_nknown; k++)
				printf("%s\t%s\t%s\n", wd_known[k].id, wd_known[k].sdm, wd_known[k].what);
			exit(0);
		default:
			ok = false;
			break;
		}
		if (!ok) {
			fprintf(stderr, "walkdiff: bad option value '%s'\n", optarg ? optarg : "");
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "walkdiff: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return 0;
}

static bool setup(struct harness *h)
{
	char err[256];

	if (!image_map(&h->model_image) || !image_map(&h->oracle_image)) {
		fprintf(stderr, "walkdiff: cannot reserve two 1 TiB physical images\n");
		return false;
	}
	if (!model_init(&h->model, &h->model_image)) {
		fprintf(stderr, "walkdiff: mmu_init failed\n");
		return false;
	}
	if (!oracle_init(&h->oracle, &h->oracle_image, err, sizeof(err))) {
		fprintf(stderr, "walkdiff: oracle: %s\n", err);
		return false;
	}
	return true;
}

/* Gives the host back what the last cases took, which would otherwise grow
 * without bound: every page of both images (data pages are anywhere in
 * 1 TiB, and so are the host page tables for them), and the whole Unicorn
 * engine (QEMU keeps a descriptor for every physical page it ever built a
 * block from, and each fetch case builds one at its target). */
static bool renew(struct harness *h)
{
	char err[256];

	oracle_destroy(&h->oracle);
	if (!image_drop(&h->model_image) || !image_drop(&h->oracle_image)) {
		fprintf(stderr, "walkdiff: cannot return the images' pages\n");
		return false;
	}
	if (!oracle_init(&h->oracle, &h->oracle_image, err, sizeof(err))) {
		fprintf(stderr, "walkdiff: oracle: %s\n", err);
		return false;
	}
	return true;
}

static void teardown(struct harness *h)
{
	oracle_destroy(&h->oracle);
	model_destroy(&h->model);
	image_unmap(&h->oracle_image);
	image_unmap(&h->model_image);
}

static void load_case(struct harness *h, const struct walk_case *c)
{
	for (int i = 0; i < c->nslots; i++) {
		image_store(&h->model_image, c->slot[i].pa, c->slot[i].value);
		image_store(&h->oracle_image, c->slot[i].pa, c->slot[i].value);
	}
}

/* Back to all-zero outside the infrastructure: every qword either side
 * could have written is a check of the verdict. */
static void unload_case(struct harness *h, const struct wd_verdict *v)
{
	for (int i = 0; i < v->nchecks; i++) {
		image_store(&h->model_image, v->check[i].pa, 0);
		image_store(&h->oracle_image, v->check[i].pa, 0);
	}
	image_restore_infra(&h->model_image);
	image_restore_infra(&h->oracle_image);
}

static void count(struct stats *st, const struct walk_case *c, const struct wd_model_result *m,
		  const struct wd_verdict *v)
{
	st->cases++;
	st->by_levels[c->levels]++;
	if (m->out.result == WD_OK)
		st->translated[m->page_size == PAGE_SIZE_1G ? 3 : m->page_size == PAGE_SIZE_2M ? 2 : 1]++;
	else
		st->faults[m->fault.kind]++;
	for (int i = 0; i < v->nchecks; i++)
		for (int j = 0; j < c->nslots; j++)
			if (c->slot[j].pa == v->check[i].pa && c->slot[j].value != v->check[i].oracle &&
			    v->check[i].oracle != WD_STORE_VALUE)
				st->entries_updated++;
	switch (v->kind) {
	case WD_AGREE:
		st->agree++;
		break;
	case WD_EXPLAINED:
		st->explained[v->known - wd_known]++;
		break;
	case WD_UNEXPLAINED:
		st->unexplained++;
		break;
	}
}

static void summary(const struct options *o, const struct stats *st)
{
	printf("walkdiff: seed %" PRIu64 ", %" PRIu64 " cases (4 levels: %" PRIu64 ", 5 levels: %" PRIu64
	       ")\n", o->seed, st->cases, st->by_levels[4], st->by_levels[5]);
	printf("  agreements:              %" PRIu64 "\n", st->agree);
	for (int k = 0; k < wd_nknown; k++)
		printf("  explained %-32s %" PRIu64 "  (%s)\n", wd_known[k].id, st->explained[k],
		       wd_known[k].sdm);
	printf("  unexplained differences: %" PRIu64 "\n", st->unexplained);
	printf("  coverage: translated 4K %" PRIu64 ", 2M %" PRIu64 ", 1G %" PRIu64
	       "; #PF not-present %" PRIu64 ", protection %" PRIu64 ", reserved %" PRIu64
	       "; #GP non-canonical %" PRIu64 "; A/D entries updated %" PRIu64 "\n",
	       st->translated[1], st->translated[2], st->translated[3],
	       st->faults[MMU_FAULT_NOT_PRESENT], st->faults[MMU_FAULT_PROTECTION],
	       st->faults[MMU_FAULT_RESERVED], st->faults[MMU_FAULT_NONCANONICAL], st->entries_updated);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void one_case(struct harness *h, const struct options *o, uint64_t index, struct stats *st)
{
	static const char *const verdict_name[] = { "agree", "explained", "UNEXPLAINED" };
	struct walk_case c;
	struct wd_model_result m;
	struct walk_outcome oracle;
	struct wd_verdict v;

	gen_case(o->seed, index, o->levels, &c);
	load_case(h, &c);
	model_run(&h->model, &c, &m);
	oracle_run(&h->oracle, &c, &oracle);
	verdict_judge(&c, &m, &oracle, &h->model_image, &h->oracle_image, &v);
	count(st, &c, &m, &v);
	if (o->verbose) {
		printf("case %" PRIu64 ": %s%s%s\n", index, verdict_name[v.kind], v.known ? " " : "",
		       v.known ? v.known->id : "");
		dump_case(stdout, &c, &m, &oracle, &v);
	} else if (v.kind == WD_UNEXPLAINED && st->unexplained <= o->max_dumps) {
		printf("UNEXPLAINED difference:\n");
		dump_case(stdout, &c, &m, &oracle, &v);
	}
	unload_case(h, &v);
}

int main(int argc, char **argv)
{
	struct options o;
	struct stats st = { 0 };
	struct harness h = { 0 };
	uint64_t step;
	double start;
	int status = parse(argc, argv, &o);

	if (status)
		return status;
	if (!setup(&h)) {
		teardown(&h);
		return 3;
	}
	step = o.cases >= 20 ? o.cases / 10 : o.cases + 1;
	start = now();
	for (uint64_t i = 0; i < o.cases; i++) {
		one_case(&h, &o, o.first + i, &st);
		if ((i + 1) % RENEW_EVERY == 0 && !renew(&h)) {
			teardown(&h);
			return 3;
		}
		if ((i + 1) % step == 0)
			fprintf(stderr, "walkdiff: %" PRIu64 "/%" PRIu64 " cases, %" PRIu64
				" unexplained, %.0f cases/s\n", i + 1, o.cases, st.unexplained,
				(double)(i + 1) / (now() - start));
	}
	summary(&o, &st);
	teardown(&h);
	return st.unexplained ? 1 : 0;
}
