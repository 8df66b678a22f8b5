/* report.h - `vmemu report [--svg FILE] [--top N] TRACE`: checks every line
 * of a trace file against its schema and summarizes it: events by kind,
 * page faults by VMA and kind, page walks by depth, TLB misses by page;
 * with --svg, a plot of faults and TLB misses over time by address. */
#ifndef VMEMU_REPORT_H
#define VMEMU_REPORT_H

#include <stdio.h>

#include "cli.h"

/* Exit status: 0; 1 when a line is not a valid event (the first one is
 * named); 125 when a file cannot be read or written. */
int report_main(const struct vmemu_options *o, FILE *out, FILE *err);

#endif
