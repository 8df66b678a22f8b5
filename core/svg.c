/* svg.c - the plot of `vmemu report --svg` (svg.h). Points are binned
 * into cells of CELL pixels, so the file stays small whatever the trace. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define MAX_BANDS 8
#define GAP (64ULL << 20)  /* a jump this large between pages starts a band */
#define CELL 2             /* pixels */
#define PLOT_W 1000
#define BAND_H 120
#define LEFT 230           /* room for the band labels */
#define TOP 40
#define BOTTOM 50

struct band {
	uint64_t lo, hi;   /* addresses, hi excluded */
};

struct svg_plot {
	uint64_t max_icount;
	struct band band[MAX_BANDS];
	int nbands;
	unsigned cols, rows_per_band;
	uint8_t *cells;    /* bit 0: a walk, bit 1: a fault */
};

/* Ranges of pages separated by more than GAP; the closest ranges are
 * merged until MAX_BANDS remain. */
static void make_bands(struct svg_plot *p, const uint64_t *pages, size_t n)
{
	struct band b[MAX_BANDS + 1];
	int nb = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t end = pages[i] + 4096;
		if (nb && pages[i] - b[nb - 1].hi <= GAP) {
			b[nb - 1].hi = end;
			continue;
		}
		if (nb == MAX_BANDS + 1) { /* merge the closest pair */
			int best = 0;
			for (int j = 1; j < nb - 1; j++)
				if (b[j + 1].lo - b[j].hi < b[best + 1].lo - b[best].hi)
					best = j;
			b[best].hi = b[best + 1].hi;
			memmove(&b[best + 1], &b[best + 2], (size_t)(nb - best - 2) * sizeof(b[0]));
			nb--;
		}
		b[nb++] = (struct band){pages[i], end};
	}
	while (nb > MAX_BANDS) {
		b[nb - 2].hi = b[nb - 1].hi;
		nb--;
	}
	memcpy(p->band, b, (size_t)nb * sizeof(b[0]));
	p->nbands = nb;
}

struct svg_plot *svg_plot_new(uint64_t max_icount, const uint64_t *pages, size_t npages)
{
	struct svg_plot *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->max_icount = max_icount ? max_icount : 1;
	make_bands(p, pages, npages);
	p->cols = PLOT_W / CELL;
	p->rows_per_band = BAND_H / CELL;
	p->cells = calloc((size_t)p->cols * p->rows_per_band * (p->nbands ? p->nbands : 1), 1);
	if (!p->cells) {
		free(p);
		return NULL;
	}
	return p;
}

void svg_plot_point(struct svg_plot *p, uint64_t icount, uint64_t va, enum svg_kind kind)
{
	for (int b = 0; b < p->nbands; b++) {
		const struct band *bd = &p->band[b];
		if (va < bd->lo || va >= bd->hi)
			continue;
		unsigned col = (unsigned)((double)icount / (double)p->max_icount * (p->cols - 1));
		/* high addresses on top inside a band */
		unsigned row = (unsigned)((double)(bd->hi - 1 - va) / (double)(bd->hi - bd->lo) *
					  p->rows_per_band);
		if (col >= p->cols)
			col = p->cols - 1;
		if (row >= p->rows_per_band)
			row = p->rows_per_band - 1;
		p->cells[((size_t)b * p->rows_per_band + row) * p->cols + col] |= (uint8_t)(1u << kind);
		return;
	}
}

/* Text with XML's special characters escaped. */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

int svg_plot_write(struct svg_plot *p, const char *path, const char *title)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int height = TOP + p->nbands * (BAND_H + 10) + BOTTOM;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"monospace\" font-size=\"11\">\n", LEFT + PLOT_W + 20, height);
	fprintf(f, "<title>");
	put_text(f, title);
	fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"13\">", LEFT);
	put_text(f, title);
	fprintf(f, ": TLB misses (page walks, blue) and page faults (red) by address over "
		   "instructions</text>\n");
	for (int b = 0; b < p->nbands; b++) {
		int y0 = TOP + b * (BAND_H + 10);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f4f4\" "
			   "stroke=\"#bbb\"/>\n", LEFT, y0, PLOT_W, BAND_H);
		fprintf(f, "<text x=\"4\" y=\"%d\">0x%" PRIx64 "</text>\n", y0 + 10, p->band[b].hi);
		fprintf(f, "<text x=\"4\" y=\"%d\">0x%" PRIx64 "</text>\n", y0 + BAND_H, p->band[b].lo);
		for (unsigned r = 0; r < p->rows_per_band; r++) {
			for (unsigned c = 0; c < p->cols; c++) {
				uint8_t v = p->cells[((size_t)b * p->rows_per_band + r) * p->cols + c];
				for (int k = 0; k < 2; k++)
					if (v & (1u << k))
						fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
							LEFT + c * CELL, (unsigned)y0 + r * CELL, CELL, CELL,
							k == SVG_FAULT ? "#d62728" : "#1f77b4");
			}
		}
	}
	int ya = TOP + p->nbands * (BAND_H + 10) + 15;
	for (int t = 0; t <= 4; t++)
		fprintf(f, "<text x=\"%d\" y=\"%d\">%" PRIu64 "</text>\n", LEFT + t * (PLOT_W - 60) / 4,
			ya, p->max_icount / 4 * (uint64_t)t);
	fprintf(f, "<text x=\"%d\" y=\"%d\">instructions</text>\n</svg>\n", LEFT + PLOT_W / 2 - 40,
		ya + 18);
	if (ferror(f)) {
		fclose(f);
		errno = errno ? errno : EIO;
		return -1;
	}
	return fclose(f);
}

void svg_plot_free(struct svg_plot *p)
{
	if (!p)
		return;
	free(p->cells);
	free(p);
}
