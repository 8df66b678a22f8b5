/* proc_vmstat.c - /proc/vmstat: "name value" lines in the order of Linux
 * 6.1's vmstat_text, for the counters vmemu keeps: page counts from
 * kernel_meminfo() (one zone, so the nr_zone_* lines equal the node
 * ones) and events since boot from the kernel's statistics. Counters of
 * things vmemu does not have (NUMA, slab, writeback in flight, ...) are
 * left out rather than shown as 0, except nr_writeback: vmemu writes
 * pages back at once, so none is ever under writeback. */
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

#define PAGES(kb) ((kb) >> (PAGE_SHIFT - 10))
#define HUGE_PAGES(kb) ((kb) >> (21 - 10))

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
		{"nr_anon_transparent_hugepages", HUGE_PAGES(m.anon_huge_pages)},
		{"nr_page_table_pages", PAGES(m.page_tables)},
		{"nr_swapcached", PAGES(m.swap_cached)},
		{"pswpin", st->swap_ins},
		{"pswpout", st->swap_outs},
		{"pgactivate", st->pages_activated},
		{"pgdeactivate", st->pages_deactivated},
		{"pgfault", st->page_faults},
		{"pgmajfault", st->faults_swap},
		{"oom_kill", st->oom_kills},
		{"pgmigrate_success", st->pgmigrate_success},
		{"compact_migrate_scanned", st->compact_migrate_scanned},
		{"compact_stall", st->compact_stall},
		{"compact_fail", st->compact_fail},
		{"compact_success", st->compact_success},
		{"thp_fault_alloc", st->thp_fault_alloc},
		{"thp_fault_fallback", st->thp_fault_fallback},
		{"thp_collapse_alloc", st->thp_collapse_alloc},
		{"thp_split_pmd", st->thp_split_pmd},
		{"thp_zero_page_alloc", st->thp_zero_page_alloc},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		seq_printf(s, "%s %llu\n", lines[i].name, (unsigned long long)lines[i].value);
}
