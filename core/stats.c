/* stats.c - prints the counters of the kernel, the MMU model and the run
 * loop at exit: aligned text for people, JSON for scripts. */
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "kernel.h"
#include "mmu.h"

#define NAME_WIDTH 27 /* the value column, counted from the line start */

/* Keys of kernel_stats.tlb_fills, which is indexed by enum mmu_access. */
static const char *const access_names[] = {
	[MMU_READ] = "read", [MMU_WRITE] = "write", [MMU_FETCH] = "fetch",
};
#define NACCESS (sizeof(access_names) / sizeof(access_names[0]))
_Static_assert(NACCESS == sizeof(((struct kernel_stats *)0)->tlb_fills) / sizeof(uint64_t),
	       "one name per tlb_fills counter");

static double frames_mib(uint64_t frames)
{
	return (double)frames * (double)PAGE_SIZE / (1024.0 * 1024.0);
}

/* Hits per lookup in [0, 1], or a negative number when there was none. */
static double hit_rate(const struct tlb_stats *s)
{
	uint64_t lookups = s->hits + s->misses;

	return lookups ? (double)s->hits / (double)lookups : -1.0;
}

/* The name of TLB structure i; one without a name gets "TLB <i>". */
static const char *tlb_name(const struct mmu *mmu, int i, char *buf, size_t len)
{
	if (mmu->tlb[i].cfg.name)
		return mmu->tlb[i].cfg.name;
	snprintf(buf, len, "TLB %d", i);
	return buf;
}

/* ---- text ---- */

/* One line: name indented by depth levels, value formatted from fmt. */
__attribute__((format(printf, 4, 5)))
static void line(FILE *f, int depth, const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "%*s%-*s", 2 * depth, "", NAME_WIDTH - 2 * depth, name);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void line_u64(FILE *f, int depth, const char *name, uint64_t v)
{
	line(f, depth, name, "%" PRIu64, v);
}

static void line_frames(FILE *f, int depth, const char *name, uint64_t frames)
{
	line(f, depth, name, "%" PRIu64 " (%.1f MiB)", frames, frames_mib(frames));
}

static const char *const size_names[TLB_NSIZES] = { "4K", "2M", "1G" };
static const char *const size_keys[TLB_NSIZES] = { "4k", "2m", "1g" };

/* The name of the array that holds size sz ("4K+2M" for a shared one),
 * or NULL when tlb holds no such pages or they live in another array. */
static const char *array_name(const struct tlb *tlb, enum tlb_page_size sz, bool key)
{
	if (!tlb->cfg.size[sz].ways)
		return NULL;
	if (sz == TLB_4K && tlb->cfg.shared_4k_2m)
		return key ? "4k2m" : "4K+2M";
	return key ? size_keys[sz] : size_names[sz];
}

/* The hits, fills and evictions of the pages an array holds. */
static void array_counts(const struct tlb *tlb, enum tlb_page_size sz, uint64_t c[3])
{
	const struct tlb_stats *s = &tlb->stats;

	c[0] = s->size_hits[sz];
	c[1] = s->size_fills[sz];
	c[2] = s->size_evictions[sz];
	if (sz == TLB_4K && tlb->cfg.shared_4k_2m) {
		c[0] += s->size_hits[TLB_2M];
		c[1] += s->size_fills[TLB_2M];
		c[2] += s->size_evictions[TLB_2M];
	}
}

static void print_tlb(FILE *f, const struct tlb *tlb, const char *name)
{
	double rate = hit_rate(&tlb->stats);

	fprintf(f, "  %s\n", name);
	line_u64(f, 2, "hits", tlb->stats.hits);
	line_u64(f, 2, "misses", tlb->stats.misses);
	line_u64(f, 2, "evictions", tlb->stats.evictions);
	line_u64(f, 2, "invalidations", tlb->stats.invalidations);
	if (rate < 0)
		line(f, 2, "hit rate", "%s", "-");
	else
		line(f, 2, "hit rate", "%.2f%%", 100.0 * rate);
	for (enum tlb_page_size sz = TLB_4K; sz < TLB_NSIZES; sz++) {
		const struct tlb_geometry *g = &tlb->cfg.size[sz];
		const char *an = array_name(tlb, sz, false);
		char label[32];
		uint64_t c[3];

		if (!an)
			continue;
		array_counts(tlb, sz, c);
		snprintf(label, sizeof(label), "%s pages", an);
		line(f, 2, label,
		     "%u entries, %u-way: %" PRIu64 " hits, %" PRIu64 " fills, %" PRIu64 " evictions",
		     g->sets * g->ways, g->ways, c[0], c[1], c[2]);
	}
}

static const char *const psc_names[PSC_LEVEL_MAX + 1] = {
	[2] = "PDE cache", [3] = "PDPTE cache", [4] = "PML4E cache", [5] = "PML5E cache",
};
static const char *const psc_keys[PSC_LEVEL_MAX + 1] = {
	[2] = "pde", [3] = "pdpte", [4] = "pml4e", [5] = "pml5e",
};

static void print_psc(FILE *f, const struct psc *psc)
{
	const struct psc_stats *s = &psc->stats;

	fputs("  paging-structure caches\n", f);
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX; l++) {
		if (!psc->size[l])
			continue;
		line(f, 2, psc_names[l],
		     "%u entries: %" PRIu64 " hits, %" PRIu64 " fills, %" PRIu64
		     " evictions, %" PRIu64 " invalidations",
		     psc->size[l], s->hits[l], s->fills[l], s->evictions[l], s->invalidations[l]);
	}
}

void stats_print(FILE *f, const struct kernel_stats *ks, const struct mmu *mmu,
		 const struct run_stats *rs)
{
	uint64_t fills = 0;
	char buf[32];

	fputs("vmemu statistics\n", f);
	if (rs->instructions)
		line_u64(f, 1, "instructions", rs->instructions);
	line_u64(f, 1, "run slices", rs->run_slices);
	line(f, 1, "wall time", "%.3f s", rs->wall_seconds);

	line_u64(f, 1, "page faults", ks->page_faults);
	line_u64(f, 2, "demand-zero", ks->faults_demand_zero);
	line_u64(f, 2, "spurious", ks->faults_spurious);
	line_u64(f, 2, "fatal", ks->faults_fatal);
	line_u64(f, 2, "copy-on-write", ks->faults_cow);
	line_u64(f, 3, "pages copied", ks->cow_copied);
	line_u64(f, 3, "pages reused", ks->cow_reused);
	line_u64(f, 3, "zero page left", ks->cow_zero);
	line_u64(f, 2, "swap-in (major)", ks->faults_swap);
	line_u64(f, 2, "file page", ks->faults_file);
	line_u64(f, 1, "huge faults (THP)", ks->thp_fault_alloc);
	line_u64(f, 2, "fallbacks to 4K", ks->thp_fault_fallback);
	line_u64(f, 2, "huge PDEs split", ks->thp_split_pmd);
	line_u64(f, 2, "huge zero page made", ks->thp_zero_page_alloc);

	for (size_t a = 0; a < NACCESS; a++)
		fills += ks->tlb_fills[a];
	line_u64(f, 1, "TLB fills from CPU", fills);
	for (size_t a = 0; a < NACCESS; a++)
		line_u64(f, 2, access_names[a], ks->tlb_fills[a]);

	line_u64(f, 1, "MMU translations", mmu->stats.translations);
	line_u64(f, 2, "page walks", mmu->stats.walks);
	line_u64(f, 2, "walk memory references", mmu->stats.walk_refs);
	line_u64(f, 2, "walk faults", mmu->stats.faults);
	line_u64(f, 2, "refs saved by PSCs", mmu->stats.walk_refs_saved);
	for (enum tlb_page_size sz = TLB_4K; sz < TLB_NSIZES; sz++) {
		char label[32];

		snprintf(label, sizeof(label), "walks to %s pages", size_names[sz]);
		line_u64(f, 2, label, mmu->stats.walks_by_leaf[sz]);
	}

	line(f, 1, "TLB model", "%s", mmu->model ? mmu->model : "-");
	for (int i = 0; i < MMU_NTLBS; i++)
		print_tlb(f, &mmu->tlb[i], tlb_name(mmu, i, buf, sizeof(buf)));
	print_psc(f, &mmu->psc);

	line_frames(f, 1, "frames", ks->frames_total);
	line_frames(f, 2, "in use", ks->frames_in_use);
	line_frames(f, 2, "peak", ks->frames_peak);
	line_u64(f, 2, "page-table pages", ks->page_table_pages);

	line_u64(f, 1, "syscalls", ks->syscalls);
	line_u64(f, 2, "unknown (ENOSYS)", ks->syscalls_unknown);
	line_u64(f, 1, "swap-outs", ks->swap_outs);
	line_u64(f, 1, "swap-ins", ks->swap_ins);
	line_u64(f, 1, "pages scanned", ks->pages_scanned);
	line_u64(f, 1, "pages reclaimed", ks->pages_reclaimed);
	line_u64(f, 1, "pages activated", ks->pages_activated);
	line_u64(f, 1, "pages deactivated", ks->pages_deactivated);
	line_u64(f, 1, "OOM kills", ks->oom_kills);
	line_u64(f, 1, "page-cache reads", ks->cache_reads);
	line_u64(f, 1, "page-cache writebacks", ks->cache_writebacks);
	line_u64(f, 1, "page-cache reclaimed", ks->cache_reclaimed);
	line_u64(f, 1, "forks", ks->forks);
	line_u64(f, 1, "execs", ks->execs);
	line_u64(f, 1, "context switches", ks->context_switches);

	line_u64(f, 1, "CPU TLB flushes", ks->tlb_flushes);
	line_u64(f, 2, "shootdowns", ks->tlb_shootdowns);
	line_u64(f, 1, "CPU code flushes", ks->code_flushes);

	for (int i = 0; i < FAIL_KINDS; i++) /* only what --inject asked for */
		if (ks->inject_calls[i])
			line(f, 1, "injected failures", "%s: %" PRIu64 " of %" PRIu64 " calls",
			     kernel_fail_name(i), ks->inject_failures[i], ks->inject_calls[i]);

	const struct cpu_tlb_stats *u = &rs->unicorn_tlb;
	line_u64(f, 1, "Unicorn TLB flushes", u->flushes);
	line_u64(f, 2, "that doubled it", u->grows);
	line_u64(f, 2, "slices ended to grow", u->growth_stops);
	line(f, 1, "Unicorn TLB entries", "%" PRIu64 " (peak %" PRIu64 ")", u->entries,
	     u->peak_entries);
}

/* ---- JSON ---- */

/* Writes nested objects with 2-space indentation; tracks where commas go. */
struct json {
	FILE *f;
	int depth;
	bool first; /* nothing written yet in the innermost object */
};

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_key(struct json *j, const char *key)
{
	fprintf(j->f, "%s\n%*s", j->first ? "" : ",", 2 * j->depth, "");
	json_string(j->f, key);
	fputs(": ", j->f);
	j->first = false;
}

static void json_open(struct json *j, const char *key)
{
	if (key)
		json_key(j, key);
	fputc('{', j->f);
	j->depth++;
	j->first = true;
}

static void json_close(struct json *j)
{
	j->depth--;
	if (!j->first)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc('}', j->f);
	j->first = false;
}

static void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

/* A number with prec decimals, or null when v is negative or not finite
 * (JSON has no NaN). */
static void json_fixed(struct json *j, const char *key, double v, int prec)
{
	json_key(j, key);
	if (v >= 0 && isfinite(v))
		fprintf(j->f, "%.*f", prec, v);
	else
		fputs("null", j->f);
}

static void json_tlb(struct json *j, const struct tlb *tlb, const char *name)
{
	json_open(j, name);
	json_u64(j, "hits", tlb->stats.hits);
	json_u64(j, "misses", tlb->stats.misses);
	json_u64(j, "evictions", tlb->stats.evictions);
	json_u64(j, "invalidations", tlb->stats.invalidations);
	json_fixed(j, "hit_rate", hit_rate(&tlb->stats), 6);
	for (enum tlb_page_size sz = TLB_4K; sz < TLB_NSIZES; sz++) {
		const struct tlb_geometry *g = &tlb->cfg.size[sz];
		const char *key = array_name(tlb, sz, true);
		uint64_t c[3];

		if (!key)
			continue;
		array_counts(tlb, sz, c);
		json_open(j, key);
		json_u64(j, "entries", (uint64_t)g->sets * g->ways);
		json_u64(j, "ways", g->ways);
		json_u64(j, "hits", c[0]);
		json_u64(j, "fills", c[1]);
		json_u64(j, "evictions", c[2]);
		json_close(j);
	}
	json_close(j);
}

static void json_psc(struct json *j, const struct psc *psc)
{
	json_open(j, "psc");
	for (int l = PSC_LEVEL_MIN; l <= PSC_LEVEL_MAX; l++) {
		if (!psc->size[l])
			continue;
		json_open(j, psc_keys[l]);
		json_u64(j, "entries", psc->size[l]);
		json_u64(j, "hits", psc->stats.hits[l]);
		json_u64(j, "fills", psc->stats.fills[l]);
		json_u64(j, "evictions", psc->stats.evictions[l]);
		json_u64(j, "invalidations", psc->stats.invalidations[l]);
		json_close(j);
	}
	json_close(j);
}

static void write_json(FILE *f, const struct kernel_stats *ks, const struct mmu *mmu,
		       const struct run_stats *rs)
{
	struct json j = { .f = f };
	char buf[32];

	json_open(&j, NULL);
	json_key(&j, "instructions");
	if (rs->instructions)
		fprintf(f, "%" PRIu64, rs->instructions);
	else
		fputs("null", f);
	json_u64(&j, "run_slices", rs->run_slices);
	json_fixed(&j, "wall_seconds", rs->wall_seconds, 6);

	json_open(&j, "faults");
	json_u64(&j, "total", ks->page_faults);
	json_u64(&j, "demand_zero", ks->faults_demand_zero);
	json_u64(&j, "spurious", ks->faults_spurious);
	json_u64(&j, "fatal", ks->faults_fatal);
	json_u64(&j, "cow", ks->faults_cow);
	json_u64(&j, "cow_copied", ks->cow_copied);
	json_u64(&j, "cow_reused", ks->cow_reused);
	json_u64(&j, "cow_zero", ks->cow_zero);
	json_u64(&j, "swap", ks->faults_swap);
	json_u64(&j, "file", ks->faults_file);
	json_close(&j);

	json_open(&j, "thp");
	json_u64(&j, "fault_alloc", ks->thp_fault_alloc);
	json_u64(&j, "fault_fallback", ks->thp_fault_fallback);
	json_u64(&j, "split_pmd", ks->thp_split_pmd);
	json_u64(&j, "zero_page_alloc", ks->thp_zero_page_alloc);
	json_u64(&j, "compact_stall", ks->compact_stall);
	json_u64(&j, "compact_success", ks->compact_success);
	json_u64(&j, "pgmigrate_success", ks->pgmigrate_success);
	json_close(&j);

	json_open(&j, "reclaim");
	json_u64(&j, "swap_outs", ks->swap_outs);
	json_u64(&j, "swap_ins", ks->swap_ins);
	json_u64(&j, "scanned", ks->pages_scanned);
	json_u64(&j, "reclaimed", ks->pages_reclaimed);
	json_u64(&j, "activated", ks->pages_activated);
	json_u64(&j, "deactivated", ks->pages_deactivated);
	json_u64(&j, "oom_kills", ks->oom_kills);
	json_close(&j);

	json_open(&j, "page_cache");
	json_u64(&j, "reads", ks->cache_reads);
	json_u64(&j, "writebacks", ks->cache_writebacks);
	json_u64(&j, "reclaimed", ks->cache_reclaimed);
	json_close(&j);

	json_open(&j, "tlb_fills");
	for (size_t a = 0; a < NACCESS; a++)
		json_u64(&j, access_names[a], ks->tlb_fills[a]);
	json_close(&j);

	json_open(&j, "mmu");
	json_u64(&j, "translations", mmu->stats.translations);
	json_u64(&j, "walks", mmu->stats.walks);
	json_u64(&j, "walk_refs", mmu->stats.walk_refs);
	json_u64(&j, "walk_faults", mmu->stats.faults);
	json_u64(&j, "walk_refs_saved", mmu->stats.walk_refs_saved);
	for (enum tlb_page_size sz = TLB_4K; sz < TLB_NSIZES; sz++) {
		char key[16];

		snprintf(key, sizeof(key), "walks_%s", size_keys[sz]);
		json_u64(&j, key, mmu->stats.walks_by_leaf[sz]);
	}
	json_key(&j, "model");
	json_string(f, mmu->model ? mmu->model : "");
	json_close(&j);

	json_open(&j, "tlb");
	for (int i = 0; i < MMU_NTLBS; i++)
		json_tlb(&j, &mmu->tlb[i], tlb_name(mmu, i, buf, sizeof(buf)));
	json_close(&j);
	json_psc(&j, &mmu->psc);

	json_open(&j, "frames");
	json_u64(&j, "total", ks->frames_total);
	json_u64(&j, "in_use", ks->frames_in_use);
	json_u64(&j, "peak", ks->frames_peak);
	json_fixed(&j, "total_mib", frames_mib(ks->frames_total), 3);
	json_fixed(&j, "in_use_mib", frames_mib(ks->frames_in_use), 3);
	json_fixed(&j, "peak_mib", frames_mib(ks->frames_peak), 3);
	json_u64(&j, "page_table_pages", ks->page_table_pages);
	json_close(&j);

	json_open(&j, "syscalls");
	json_u64(&j, "total", ks->syscalls);
	json_u64(&j, "unknown", ks->syscalls_unknown);
	json_close(&j);

	json_open(&j, "processes");
	json_u64(&j, "forks", ks->forks);
	json_u64(&j, "execs", ks->execs);
	json_u64(&j, "context_switches", ks->context_switches);
	json_close(&j);

	json_open(&j, "cpu_flushes");
	json_u64(&j, "tlb", ks->tlb_flushes);
	json_u64(&j, "tlb_shootdowns", ks->tlb_shootdowns);
	json_u64(&j, "code", ks->code_flushes);
	json_close(&j);

	/* Every kind, asked for or not, so the schema stays the same. */
	json_open(&j, "inject");
	for (int i = 0; i < FAIL_KINDS; i++) {
		char key[32];
		snprintf(key, sizeof(key), "%s", kernel_fail_name(i));
		for (char *c = key; *c; c++)
			if (*c == '-')
				*c = '_'; /* "page-alloc" -> "page_alloc" */
		json_open(&j, key);
		json_u64(&j, "calls", ks->inject_calls[i]);
		json_u64(&j, "failures", ks->inject_failures[i]);
		json_close(&j);
	}
	json_close(&j);

	json_open(&j, "unicorn_tlb");
	json_u64(&j, "flushes", rs->unicorn_tlb.flushes);
	json_u64(&j, "grows", rs->unicorn_tlb.grows);
	json_u64(&j, "growth_stops", rs->unicorn_tlb.growth_stops);
	json_u64(&j, "entries", rs->unicorn_tlb.entries);
	json_u64(&j, "peak_entries", rs->unicorn_tlb.peak_entries);
	json_close(&j);
	json_close(&j);
	fputc('\n', f);
}

int stats_write_json_file(FILE *f, const struct kernel_stats *ks, const struct mmu *mmu,
			  const struct run_stats *rs)
{
	errno = 0;
	write_json(f, ks, mmu, rs);
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

int stats_write_json(const char *path, const struct kernel_stats *ks, const struct mmu *mmu,
		     const struct run_stats *rs)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	int rc = stats_write_json_file(f, ks, mmu, rs);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
