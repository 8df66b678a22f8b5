/* proc_vmstat.c - /proc/vmstat: "name value" lines in the order of Linux
 * 6.1's vmstat_text, for the counters vmemu keeps: page counts from
 * kernel_meminfo() (one zone, so the nr_zone_* lines equal the node
 * ones) and events since boot from the kernel's statistics. Counters of
 * things vmemu does not have (NUMA, compaction, THP, writeback in
 * flight, ...) are left out rather than shown as 0, except nr_writeback:
 * vmemu writes pages back at once, so none is ever under writeback. */
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

#define PAGES(kb) ((kb) >> (PAGE_SHIFT - 10))

void proc_vmstat_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	struct meminfo m;
	kernel_meminfo(k, &m);
	const struct kernel_stats *st = &k->stats;
	const struct {
		const char *name;
		uint64_t value;
	} lines[] = {
		{"nr_free_pages", PAGES(m.mem_free)},
		{"nr_zone_inactive_anon", PAGES(m.inactive_anon)},
		{"nr_zone_active_anon", PAGES(m.active_anon)},
		{"nr_zone_inactive_file", PAGES(m.inactive_file)},
		{"nr_zone_active_file", PAGES(m.active_file)},
		{"nr_zone_unevictable", PAGES(m.unevictable)},
		{"nr_mlock", PAGES(m.mlocked)},
		{"nr_inactive_anon", PAGES(m.inactive_anon)},
		{"nr_active_anon", PAGES(m.active_anon)},
		{"nr_inactive_file", PAGES(m.inactive_file)},
		{"nr_active_file", PAGES(m.active_file)},
		{"nr_unevictable", PAGES(m.unevictable)},
		{"nr_anon_pages", PAGES(m.anon_pages)},
		{"nr_mapped", PAGES(m.mapped)},
		{"nr_file_pages", PAGES(m.cached + m.swap_cached)},
		{"nr_dirty", PAGES(m.dirty)},
		{"nr_writeback", 0},
		{"nr_shmem", PAGES(m.shmem)},
		{"nr_page_table_pages", PAGES(m.page_tables)},
		{"nr_swapcached", PAGES(m.swap_cached)},
		{"pswpin", st->swap_ins},
		{"pswpout", st->swap_outs},
		{"pgactivate", st->pages_activated},
		{"pgdeactivate", st->pages_deactivated},
		{"pgfault", st->page_faults},
		{"oom_kill", st->oom_kills},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		seq_printf(s, "%s %llu\n", lines[i].name, (unsigned long long)lines[i].value);
}
