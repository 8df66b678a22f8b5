/* meminfo_print.c - --meminfo: the guest kernel's counters as `free`
 * (procps-ng) prints them by default, in KiB:
 *
 *                total        used        free      shared  buff/cache   available
 * Mem:          16384        1234       13000           0        2150       14000
 * Swap:             0           0           0
 *
 * buff/cache is Buffers + Cached + SReclaimable and used is total - free -
 * buff/cache, as procps 3.3 and busybox compute it (procps 4 shows total -
 * available instead), so the numbers can be checked against `busybox free`
 * run inside the guest. */
#include "meminfo_print.h"

#include "kernel.h"

void meminfo_print(FILE *f, const struct meminfo *mi)
{
	unsigned long long cache = mi->buffers + mi->cached + mi->sreclaimable;
	unsigned long long used = mi->mem_total - mi->mem_free;
	if (used >= cache)
		used -= cache; /* else the counters moved apart: procps shows total - free */
	fprintf(f, "               total        used        free      shared  buff/cache   available\n");
	fprintf(f, "%-9s%11llu %11llu %11llu %11llu %11llu %11llu\n", "Mem:",
		(unsigned long long)mi->mem_total, used, (unsigned long long)mi->mem_free,
		(unsigned long long)mi->shmem, cache, (unsigned long long)mi->mem_available);
	fprintf(f, "%-9s%11llu %11llu %11llu\n", "Swap:", (unsigned long long)mi->swap_total,
		(unsigned long long)(mi->swap_total - mi->swap_free),
		(unsigned long long)mi->swap_free);
}
