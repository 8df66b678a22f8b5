/* proc_meminfo.c - /proc/meminfo: the lines of Linux 6.x's
 * meminfo_proc_show() in its order and format ("Label:" padded to 16
 * columns, the value right-aligned in 8, " kB"), from kernel_meminfo().
 * Counters of things vmemu does not have (zswap, vmalloc, NFS) are 0; VmallocTotal is x86-64's 4-level value, as Linux prints it.
 * The x86 DirectMap lines are left out: the guest kernel maps no physical
 * memory of its own. */
#include "fs/internal.h"
#include "kern.h"

#define HUGEPAGE_KB 2048
#define VMALLOC_TOTAL_KB 34359738367ULL /* (VMALLOC_END - VMALLOC_START) >> 10 */

static void kb(struct seq *s, const char *label, uint64_t v)
{
	seq_printf(s, "%-16s%8llu kB\n", label, (unsigned long long)v);
}

/* hugetlb_report_meminfo()'s counts: "HugePages_Total:   %5lu". */
static void count(struct seq *s, const char *label, uint64_t v)
{
	seq_printf(s, "%-16s   %5llu\n", label, (unsigned long long)v);
}

void proc_meminfo_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	struct meminfo m;
	kernel_meminfo(k, &m);
	kb(s, "MemTotal:", m.mem_total);
	kb(s, "MemFree:", m.mem_free);
	kb(s, "MemAvailable:", m.mem_available);
	kb(s, "Buffers:", m.buffers);
	kb(s, "Cached:", m.cached);
	kb(s, "SwapCached:", m.swap_cached);
	kb(s, "Active:", m.active_anon + m.active_file);
	kb(s, "Inactive:", m.inactive_anon + m.inactive_file);
	kb(s, "Active(anon):", m.active_anon);
	kb(s, "Inactive(anon):", m.inactive_anon);
	kb(s, "Active(file):", m.active_file);
	kb(s, "Inactive(file):", m.inactive_file);
	kb(s, "Unevictable:", m.unevictable);
	kb(s, "Mlocked:", m.mlocked);
	kb(s, "SwapTotal:", m.swap_total);
	kb(s, "SwapFree:", m.swap_free);
	kb(s, "Zswap:", 0);
	kb(s, "Zswapped:", 0);
	kb(s, "Dirty:", m.dirty);
	kb(s, "Writeback:", m.writeback);
	kb(s, "AnonPages:", m.anon_pages);
	kb(s, "Mapped:", m.mapped);
	kb(s, "Shmem:", m.shmem);
	kb(s, "KReclaimable:", m.kreclaimable);
	kb(s, "Slab:", m.slab);
	kb(s, "SReclaimable:", m.sreclaimable);
	kb(s, "SUnreclaim:", m.sunreclaim);
	kb(s, "KernelStack:", m.kernel_stack);
	kb(s, "PageTables:", m.page_tables);
	kb(s, "SecPageTables:", 0);
	kb(s, "NFS_Unstable:", 0);
	kb(s, "Bounce:", 0);
	kb(s, "WritebackTmp:", 0);
	kb(s, "CommitLimit:", m.commit_limit);
	kb(s, "Committed_AS:", m.committed_as);
	kb(s, "VmallocTotal:", VMALLOC_TOTAL_KB);
	kb(s, "VmallocUsed:", 0);
	kb(s, "VmallocChunk:", 0);
	kb(s, "Percpu:", 0);
	kb(s, "AnonHugePages:", m.anon_huge_pages);
	kb(s, "ShmemHugePages:", 0);
	kb(s, "ShmemPmdMapped:", 0);
	kb(s, "FileHugePages:", 0);
	kb(s, "FilePmdMapped:", 0);
	count(s, "HugePages_Total:", m.huge_total);
	count(s, "HugePages_Free:", m.huge_free);
	count(s, "HugePages_Rsvd:", m.huge_rsvd);
	count(s, "HugePages_Surp:", m.huge_surp);
	kb(s, "Hugepagesize:", HUGEPAGE_KB);
	kb(s, "Hugetlb:", m.hugetlb);
}
