/* svg.h - `vmemu report --svg`: faults and TLB misses (walks) over time
 * (the instruction count, x) by address (y). The addresses a run uses lie
 * in a few distant ranges (text and heap, mmap area, stack): each range
 * gets a band of its own, linear inside, labeled with its bounds. */
#ifndef VMEMU_SVG_H
#define VMEMU_SVG_H

#include <stddef.h>
#include <stdint.h>

enum svg_kind { SVG_WALK, SVG_FAULT };

struct svg_plot;

/* pages: the distinct page addresses the points will use, sorted. */
struct svg_plot *svg_plot_new(uint64_t max_icount, const uint64_t *pages, size_t npages);
void svg_plot_point(struct svg_plot *p, uint64_t icount, uint64_t va, enum svg_kind kind);
/* 0, or -1 (errno set). */
int svg_plot_write(struct svg_plot *p, const char *path, const char *title);
void svg_plot_free(struct svg_plot *p);

#endif
