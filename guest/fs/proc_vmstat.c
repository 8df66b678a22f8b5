/* proc_vmstat.c - /proc/vmstat: "name value" lines in the order of Linux
 * 6.1's vmstat_text, for the counters vmemu keeps: page counts from
 * kernel_meminfo() (one zone, so the nr_zone_* lines equal the node
 * ones) and events since boot from the kernel's statistics. Counters of
 * things vmemu does not have (NUMA, slab, writeback in flight, ...) are
 * left out rather than shown as 0, except nr_writeback: vmemu writes
 * pages back at once, so none is ever under writeback. /proc/zoneinfo
 * shows the zone and node counters of the same table. */
#include <string.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

#define PAGES(kb) ((kb) >> (PAGE_SHIFT - 10))
#define HUGE_PAGES(kb) ((kb) >> (21 - 10))

size_t vmstat_items(struct kernel *k, struct vmstat_item items[VMSTAT_MAX_ITEMS])
{
	struct meminfo m;
	kernel_meminfo(k, &m);
	const struct kernel_stats *st = &k->stats;
	const struct vmstat_item lines[] = {
		{"nr_free_pages", PAGES(m.mem_free), VMSTAT_ZONE},
		{"nr_zone_inactive_anon", PAGES(m.inactive_anon), VMSTAT_ZONE},
		{"nr_zone_active_anon", PAGES(m.active_anon), VMSTAT_ZONE},
		{"nr_zone_inactive_file", PAGES(m.inactive_file), VMSTAT_ZONE},
		{"nr_zone_active_file", PAGES(m.active_file), VMSTAT_ZONE},
		{"nr_zone_unevictable", PAGES(m.unevictable), VMSTAT_ZONE},
		{"nr_zone_write_pending", PAGES(m.dirty), VMSTAT_ZONE},
		{"nr_mlock", PAGES(m.mlocked), VMSTAT_ZONE},
		{"nr_inactive_anon", PAGES(m.inactive_anon), VMSTAT_NODE},
		{"nr_active_anon", PAGES(m.active_anon), VMSTAT_NODE},
		{"nr_inactive_file", PAGES(m.inactive_file), VMSTAT_NODE},
		{"nr_active_file", PAGES(m.active_file), VMSTAT_NODE},
		{"nr_unevictable", PAGES(m.unevictable), VMSTAT_NODE},
		{"nr_anon_pages", PAGES(m.anon_pages), VMSTAT_NODE},
		{"nr_mapped", PAGES(m.mapped), VMSTAT_NODE},
		{"nr_file_pages", PAGES(m.cached + m.swap_cached), VMSTAT_NODE},
		{"nr_dirty", PAGES(m.dirty), VMSTAT_NODE},
		{"nr_writeback", 0, VMSTAT_NODE},
		{"nr_shmem", PAGES(m.shmem), VMSTAT_NODE},
		{"nr_anon_transparent_hugepages", HUGE_PAGES(m.anon_huge_pages), VMSTAT_NODE},
		{"nr_page_table_pages", PAGES(m.page_tables), VMSTAT_NODE},
		{"nr_swapcached", PAGES(m.swap_cached), VMSTAT_NODE},
		{"pswpin", st->swap_ins, VMSTAT_EVENT},
		{"pswpout", st->swap_outs, VMSTAT_EVENT},
		{"pgactivate", st->pages_activated, VMSTAT_EVENT},
		{"pgdeactivate", st->pages_deactivated, VMSTAT_EVENT},
		{"pgfault", st->page_faults, VMSTAT_EVENT},
		{"pgmajfault", st->faults_swap, VMSTAT_EVENT},
		{"oom_kill", st->oom_kills, VMSTAT_EVENT},
		{"pgmigrate_success", st->pgmigrate_success, VMSTAT_EVENT},
		{"compact_migrate_scanned", st->compact_migrate_scanned, VMSTAT_EVENT},
		{"compact_stall", st->compact_stall, VMSTAT_EVENT},
		{"compact_fail", st->compact_fail, VMSTAT_EVENT},
		{"compact_success", st->compact_success, VMSTAT_EVENT},
		{"thp_fault_alloc", st->thp_fault_alloc, VMSTAT_EVENT},
		{"thp_fault_fallback", st->thp_fault_fallback, VMSTAT_EVENT},
		{"thp_collapse_alloc", st->thp_collapse_alloc, VMSTAT_EVENT},
		{"thp_split_pmd", st->thp_split_pmd, VMSTAT_EVENT},
		{"thp_zero_page_alloc", st->thp_zero_page_alloc, VMSTAT_EVENT},
	};
	_Static_assert(sizeof(lines) / sizeof(lines[0]) <= VMSTAT_MAX_ITEMS, "VMSTAT_MAX_ITEMS");
	memcpy(items, lines, sizeof(lines));
	return sizeof(lines) / sizeof(lines[0]);
}

void proc_vmstat_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	struct vmstat_item items[VMSTAT_MAX_ITEMS];
	size_t n = vmstat_items(k, items);
	for (size_t i = 0; i < n; i++)
		seq_printf(s, "%s %llu\n", items[i].name, (unsigned long long)items[i].value);
}
