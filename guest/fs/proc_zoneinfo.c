/* proc_zoneinfo.c - /proc/zoneinfo, in the layout of Linux 6.1's
 * zoneinfo_show_print: per zone the free pages, the watermarks, the
 * zone's extent and its counters, and, under the node's first populated
 * zone, the node's counters.
 *
 * Guest memory is one zone, Normal, of node 0 (as /proc/buddyinfo shows
 * it): it spans every frame from pfn 0, all present; the allocator
 * manages all but frame 0 and the zero page (MemTotal). The counters are
 * /proc/vmstat's zone and node ones. vmemu never boosts a watermark, has
 * no CMA and no per-CPU page lists (every allocation goes to the buddy
 * allocator: count 0, high 0, batch 1 for its one CPU) and keeps its
 * counters exact (threshold 0). Its reclaim never gives a node up as
 * unreclaimable: where it cannot free enough, the OOM killer runs. */
#include <string.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

static void show_items(struct seq *s, const struct vmstat_item *items, size_t n,
		       enum vmstat_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == kind)
			seq_printf(s, "\n      %-12s %llu", items[i].name,
				   (unsigned long long)items[i].value);
}

void proc_zoneinfo_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	struct vmstat_item items[VMSTAT_MAX_ITEMS];
	size_t n = vmstat_items(k, items);
	uint64_t nframes = k->frames.nframes, free_pages = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == VMSTAT_ZONE && !strcmp(items[i].name, "nr_free_pages"))
			free_pages = items[i].value;

	seq_printf(s, "Node 0, zone %8s", "Normal");
	seq_printf(s, "\n  per-node stats");
	show_items(s, items, n, VMSTAT_NODE);
	seq_printf(s,
		   "\n  pages free     %llu"
		   "\n        boost    0"
		   "\n        min      %llu"
		   "\n        low      %llu"
		   "\n        high     %llu"
		   "\n        spanned  %llu"
		   "\n        present  %llu"
		   "\n        managed  %llu"
		   "\n        cma      0"
		   "\n        protection: (0)",
		   (unsigned long long)free_pages, (unsigned long long)k->wmark_min,
		   (unsigned long long)k->wmark_low, (unsigned long long)k->wmark_high,
		   (unsigned long long)nframes, (unsigned long long)nframes,
		   (unsigned long long)(nframes - FRAME_FIRST));
	show_items(s, items, n, VMSTAT_ZONE);
	seq_printf(s, "\n  pagesets"
		      "\n    cpu: 0"
		      "\n              count: 0"
		      "\n              high:  0"
		      "\n              batch: 1"
		      "\n  vm stats threshold: 0"
		      "\n  node_unreclaimable:  0"
		      "\n  start_pfn:           0\n");
}
