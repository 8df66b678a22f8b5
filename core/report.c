/* report.c - `vmemu report` (report.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ifile.h"
#include "jsonl.h"
#include "report.h"
#include "svg.h"
#include "trace_check.h"

#define NKINDS 6
#define MAX_DEPTH 5

static const char *const kinds[NKINDS] = {"walk", "tlb", "fault", "syscall", "sched", "end"};

/* Faults of one kind in one VMA. */
struct fault_row {
	char vma[160];      /* cut if longer */
	char kind[24];
	uint64_t count;
};

/* Walks of one page of one process (a hash table, open addressing). */
struct page_row {
	uint64_t page;
	int pid;
	uint64_t walks;
	bool used;
};

struct summary {
	uint64_t lines, by_kind[NKINDS];
	uint64_t end_icount, end_events, end_dropped, max_icount;
	bool have_end;
	struct fault_row *faults;
	size_t nfaults, fault_cap;
	uint64_t depth[MAX_DEPTH + 1][2]; /* [levels][faulted] */
	struct page_row *pages;
	size_t npages, page_cap;
};

static bool add_fault(struct summary *s, const char *vma, const char *kind)
{
	for (size_t i = 0; i < s->nfaults; i++) {
		if (!strcmp(s->faults[i].vma, vma) && !strcmp(s->faults[i].kind, kind)) {
			s->faults[i].count++;
			return true;
		}
	}
	if (s->nfaults == s->fault_cap) {
		size_t cap = s->fault_cap ? 2 * s->fault_cap : 64;
		struct fault_row *f = realloc(s->faults, cap * sizeof(*f));
		if (!f)
			return false;
		s->faults = f;
		s->fault_cap = cap;
	}
	struct fault_row *r = &s->faults[s->nfaults++];
	snprintf(r->vma, sizeof(r->vma), "%.159s", vma);
	snprintf(r->kind, sizeof(r->kind), "%.23s", kind);
	r->count = 1;
	return true;
}

static uint64_t page_hash(uint64_t page, int pid, size_t cap)
{
	return ((page >> 12) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)pid) & (cap - 1);
}

static bool grow_pages(struct summary *s)
{
	size_t cap = s->page_cap ? 2 * s->page_cap : 4096;
	struct page_row *t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < s->page_cap; i++) {
		if (!s->pages[i].used)
			continue;
		size_t j = page_hash(s->pages[i].page, s->pages[i].pid, cap);
		while (t[j].used)
			j = (j + 1) & (cap - 1);
		t[j] = s->pages[i];
	}
	free(s->pages);
	s->pages = t;
	s->page_cap = cap;
	return true;
}

/* The row of (pid, page), made if new. */
static struct page_row *page_row(struct summary *s, int pid, uint64_t page)
{
	if (2 * (s->npages + 1) > s->page_cap && !grow_pages(s))
		return NULL;
	size_t j = page_hash(page, pid, s->page_cap);
	while (s->pages[j].used && !(s->pages[j].page == page && s->pages[j].pid == pid))
		j = (j + 1) & (s->page_cap - 1);
	if (!s->pages[j].used) {
		s->pages[j] = (struct page_row){.page = page, .pid = pid, .used = true};
		s->npages++;
	}
	return &s->pages[j];
}

static int kind_of(const char *ev)
{
	for (int i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i], ev))
			return i;
	return -1;
}

/* Adds one valid event to s. false when out of host memory. */
static bool tally(struct summary *s, const struct json_line *l)
{
	int k = kind_of(jsonl_get(l, "ev", JSON_STRING)->str);
	s->by_kind[k]++;
	if (!strcmp(kinds[k], "end")) {
		s->have_end = true;
		s->end_icount = (uint64_t)jsonl_get(l, "icount", JSON_NUMBER)->number;
		s->end_events = (uint64_t)jsonl_get(l, "events", JSON_NUMBER)->number;
		s->end_dropped = (uint64_t)jsonl_get(l, "dropped", JSON_NUMBER)->number;
		return true;
	}
	uint64_t icount = (uint64_t)jsonl_get(l, "icount", JSON_NUMBER)->number, va = 0;
	if (icount > s->max_icount)
		s->max_icount = icount;
	int pid = (int)jsonl_get(l, "pid", JSON_NUMBER)->number;
	trace_hex(l, "va", &va);
	if (!strcmp(kinds[k], "fault")) {
		const struct json_member *vma = jsonl_get(l, "vma", JSON_STRING);
		return add_fault(s, vma ? vma->str : "(no VMA)",
				 jsonl_get(l, "result", JSON_STRING)->str) &&
		       page_row(s, pid, va & ~0xfffULL);
	}
	if (!strcmp(kinds[k], "walk")) {
		size_t levels = jsonl_get(l, "levels", JSON_ARRAY)->count;
		bool faulted = !strcmp(jsonl_get(l, "result", JSON_STRING)->str, "fault");
		s->depth[levels][faulted]++;
		struct page_row *r = page_row(s, pid, va & ~0xfffULL);
		if (!r)
			return false;
		r->walks++;
	}
	return true;
}

/* Reads every line of path into s (and, with plot, its points). 0, 1 for
 * an invalid line, 125 when the file cannot be read. */
static int read_trace(const char *path, struct summary *s, struct svg_plot *plot, FILE *err)
{
	char why[256];
	struct json_line l;
	struct ifile *f = ifile_open(path, why, sizeof(why));
	if (!f) {
		fprintf(err, "vmemu: report: %s\n", why);
		return 125;
	}
	const char *text;
	uint64_t n = 0;
	int rc = 0;
	while ((text = ifile_line(f))) {
		n++;
		const char *bad = NULL;
		if (!jsonl_parse(text, &l, why, sizeof(why)))
			bad = why;
		else
			bad = trace_check(&l);
		if (bad) {
			fprintf(err, "vmemu: report: %s:%" PRIu64 ": not a trace event: %s\n", path, n, bad);
			rc = 1;
			break;
		}
		if (plot) {
			const char *ev = jsonl_get(&l, "ev", JSON_STRING)->str;
			uint64_t va;
			bool walk = !strcmp(ev, "walk");
			if ((walk || !strcmp(ev, "fault")) && trace_hex(&l, "va", &va))
				svg_plot_point(plot, (uint64_t)jsonl_get(&l, "icount", JSON_NUMBER)->number,
					       va, walk ? SVG_WALK : SVG_FAULT);
		} else if (!tally(s, &l)) {
			fprintf(err, "vmemu: report: out of host memory\n");
			rc = 125;
			break;
		}
	}
	if (!rc && ifile_error(f)) {
		fprintf(err, "vmemu: report: %s: %s\n", path, ifile_error(f));
		rc = 125;
	}
	s->lines = n;
	ifile_close(f);
	return rc;
}

static int by_count(const void *a, const void *b)
{
	const struct fault_row *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->kind, y->kind);
}

static int by_walks(const void *a, const void *b)
{
	const struct page_row *x = a, *y = b;
	if (x->walks != y->walks)
		return x->walks < y->walks ? 1 : -1;
	return x->page < y->page ? -1 : x->page > y->page;
}

static int by_address(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

static void print_summary(FILE *out, const char *path, struct summary *s, uint64_t top)
{
	fprintf(out, "trace %s: %" PRIu64 " lines\n", path, s->lines);
	for (int i = 0; i < NKINDS - 1; i++)
		fprintf(out, "  %-8s %" PRIu64 "\n", kinds[i], s->by_kind[i]);
	if (s->have_end)
		fprintf(out, "  end: %" PRIu64 " instructions, %" PRIu64 " events written, %" PRIu64
			     " dropped (--trace-limit)\n", s->end_icount, s->end_events, s->end_dropped);
	else
		fprintf(out, "  no end line: the run did not finish its trace\n");

	fprintf(out, "\npage faults by VMA and kind:\n  %8s  %-13s %s\n", "faults", "kind", "vma");
	qsort(s->faults, s->nfaults, sizeof(*s->faults), by_count);
	for (size_t i = 0; i < s->nfaults && i < top; i++)
		fprintf(out, "  %8" PRIu64 "  %-13s %s\n", s->faults[i].count, s->faults[i].kind,
			s->faults[i].vma);
	if (s->nfaults > top)
		fprintf(out, "  ... %zu more rows\n", s->nfaults - top);

	fprintf(out, "\npage walks by depth (entries read):\n  %6s %10s %10s\n", "levels", "walks",
		"faulted");
	for (int d = 1; d <= MAX_DEPTH; d++)
		if (s->depth[d][0] + s->depth[d][1])
			fprintf(out, "  %6d %10" PRIu64 " %10" PRIu64 "\n", d,
				s->depth[d][0] + s->depth[d][1], s->depth[d][1]);

	fprintf(out, "\nTLB misses (page walks) by page, the top %" PRIu64 ":\n  %8s %5s  %s\n", top,
		"walks", "pid", "page");
	size_t n = 0;
	for (size_t i = 0; i < s->page_cap; i++)
		if (s->pages[i].used && s->pages[i].walks)
			s->pages[n++] = s->pages[i];
	qsort(s->pages, n, sizeof(*s->pages), by_walks);
	for (size_t i = 0; i < n && i < top; i++)
		fprintf(out, "  %8" PRIu64 " %5d  0x%" PRIx64 "\n", s->pages[i].walks, s->pages[i].pid,
			s->pages[i].page);
	if (n > top)
		fprintf(out, "  ... %zu more pages\n", n - top);
}

/* The distinct pages of the trace, sorted (for the plot's bands). */
static uint64_t *distinct_pages(const struct summary *s, size_t *n)
{
	uint64_t *pages = malloc((s->npages ? s->npages : 1) * sizeof(*pages));
	*n = 0;
	for (size_t i = 0; pages && i < s->page_cap; i++)
		if (s->pages[i].used)
			pages[(*n)++] = s->pages[i].page;
	if (pages)
		qsort(pages, *n, sizeof(*pages), by_address);
	size_t m = 0;
	for (size_t i = 0; pages && i < *n; i++)
		if (!m || pages[m - 1] != pages[i])
			pages[m++] = pages[i];
	*n = m;
	return pages;
}

static int write_svg(const struct vmemu_options *o, struct summary *s, FILE *err)
{
	size_t n;
	uint64_t *pages = distinct_pages(s, &n);
	struct svg_plot *plot = pages ? svg_plot_new(s->max_icount, pages, n) : NULL;
	free(pages);
	if (!plot) {
		fprintf(err, "vmemu: report: out of host memory\n");
		return 125;
	}
	struct summary again = {0};
	int rc = read_trace(o->report, &again, plot, err);
	const char *name = strrchr(o->report, '/') ? strrchr(o->report, '/') + 1 : o->report;
	if (!rc && svg_plot_write(plot, o->svg, name)) {
		fprintf(err, "vmemu: report: --svg %s: %s\n", o->svg, strerror(errno));
		rc = 125;
	}
	svg_plot_free(plot);
	return rc;
}

int report_main(const struct vmemu_options *o, FILE *out, FILE *err)
{
	struct summary s = {0};
	int rc = read_trace(o->report, &s, NULL, err);
	if (!rc) {
		/* The pages table is sorted in place by print_summary: the
		 * plot takes its pages first. */
		if (o->svg)
			rc = write_svg(o, &s, err);
		print_summary(out, o->report, &s, o->top);
		if (o->svg && !rc)
			fprintf(out, "\nplot: %s\n", o->svg);
	}
	free(s.faults);
	free(s.pages);
	return rc;
}
