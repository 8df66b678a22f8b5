/* proc_vmstat.c - /proc/vmstat: "name value" lines with Linux's names, for
 * the counters vmemu's kernel keeps (Linux prints many more; a reader
 * looks lines up by name). The nr_* gauges are in pages, as Linux's. */
#include "fs/internal.h"
#include "kern.h"

static void item(struct seq *s, const char *name, uint64_t v)
{
	seq_printf(s, "%s %llu\n", name, (unsigned long long)v);
}

void proc_vmstat_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	const struct kernel_stats *st = &k->stats;
	struct meminfo m;
	kernel_meminfo(k, &m);
	item(s, "nr_free_pages", m.mem_free >> (PAGE_SHIFT - 10));
	item(s, "nr_anon_pages", m.anon_pages >> (PAGE_SHIFT - 10));
	item(s, "nr_anon_transparent_hugepages", m.anon_huge_pages >> (21 - 10));
	item(s, "nr_page_table_pages", m.page_tables >> (PAGE_SHIFT - 10));
	item(s, "pswpin", st->swap_ins);
	item(s, "pswpout", st->swap_outs);
	item(s, "pgfault", st->page_faults);
	item(s, "pgmajfault", st->faults_swap);
	item(s, "thp_fault_alloc", st->thp_fault_alloc);
	item(s, "thp_fault_fallback", st->thp_fault_fallback);
	item(s, "thp_split_pmd", st->thp_split_pmd);
	item(s, "thp_zero_page_alloc", st->thp_zero_page_alloc);
	item(s, "thp_collapse_alloc", st->thp_collapse_alloc);
	item(s, "pgmigrate_success", st->pgmigrate_success);
	item(s, "compact_migrate_scanned", st->compact_migrate_scanned);
	item(s, "compact_stall", st->compact_stall);
	item(s, "compact_fail", st->compact_fail);
	item(s, "compact_success", st->compact_success);
}
