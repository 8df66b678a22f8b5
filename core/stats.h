/* stats.h - the statistics of one run, as text (--stats) or JSON
 * (--stats-json). */
#ifndef VMEMU_STATS_H
#define VMEMU_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "cpu.h"

struct kernel_stats;
struct mmu;

/* What the run loop counts itself. */
struct run_stats {
	uint64_t instructions; /* 0 = not counted */
	uint64_t run_slices;   /* uc_emu_start calls */
	double wall_seconds;
	struct cpu_tlb_stats unicorn_tlb;
};

/* Aligned "name  value" lines under section headings. */
void stats_print(FILE *f, const struct kernel_stats *ks, const struct mmu *mmu,
		 const struct run_stats *rs);

/* The same content as one JSON object in the file at path (created or
 * truncated). Returns 0 or -errno; the caller reports. */
int stats_write_json(const char *path, const struct kernel_stats *ks, const struct mmu *mmu,
		     const struct run_stats *rs);
/* The same into f, opened by the caller (and left open). */
int stats_write_json_file(FILE *f, const struct kernel_stats *ks, const struct mmu *mmu,
			  const struct run_stats *rs);

#endif
