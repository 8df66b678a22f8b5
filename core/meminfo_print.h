/* meminfo_print.h - --meminfo: the guest's memory as `free` shows it. */
#ifndef VMEMU_MEMINFO_PRINT_H
#define VMEMU_MEMINFO_PRINT_H

#include <stdio.h>

struct meminfo;

/* The table of procps's `free` (in KiB): a header, a "Mem:" and a
 * "Swap:" row. */
void meminfo_print(FILE *f, const struct meminfo *mi);

#endif
