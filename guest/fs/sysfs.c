/* sysfs.c - the guest's /sys: the files of Linux's sysfs that describe
 * vmemu's machine and kernel, its own and not the host's (procfs.c serves
 * them as its nodes; namei mounts them at /sys):
 *   devices/system/cpu/{online,possible,present} "0": vmemu runs one CPU,
 *       as sched_getaffinity says (glibc's get_nprocs and sysconf read them)
 *   kernel/mm/transparent_hugepage/enabled      always|madvise|never (--thp)
 *   kernel/mm/transparent_hugepage/khugepaged/  pages_to_scan,
 *       scan_sleep_millisecs, max_ptes_none (writable), pages_collapsed,
 *       full_scans (mm/khugepaged.c)
 *   kernel/mm/hugepages/hugepages-{2048,1048576}kB/
 *       nr_hugepages (the pool, writable), free_hugepages, resv_hugepages,
 *       surplus_hugepages (always 0: no surplus pages are made)
 * Writable files take one write by root, as Linux's sysfs stores. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

enum attr { DIR_NODE, CPU_LIST, THP_ENABLED, KH_PAGES_TO_SCAN, KH_SCAN_SLEEP, KH_MAX_PTES_NONE,
	     KH_PAGES_COLLAPSED, KH_FULL_SCANS, NR_HUGEPAGES, FREE_HUGEPAGES, RESV_HUGEPAGES, SURPLUS_HUGEPAGES };

struct sysfs_node {
	const char *name;
	int parent;
	enum attr attr;
	int hstate; /* the pool of a hugepages-* file */
};

/* Each node's parent is an earlier one, by index. */
static const struct sysfs_node nodes[] = {
	{"sys", -1, DIR_NODE, 0},
	{"devices", 0, DIR_NODE, 0},
	{"system", 1, DIR_NODE, 0},
	{"cpu", 2, DIR_NODE, 0},
	{"online", 3, CPU_LIST, 0},
	{"possible", 3, CPU_LIST, 0},
	{"present", 3, CPU_LIST, 0},
	{"kernel", 0, DIR_NODE, 0},
	{"mm", 7, DIR_NODE, 0},
	{"transparent_hugepage", 8, DIR_NODE, 0},
	{"enabled", 9, THP_ENABLED, 0},
	{"hugepages", 8, DIR_NODE, 0},
	{"hugepages-2048kB", 11, DIR_NODE, HSTATE_2M},
	{"nr_hugepages", 12, NR_HUGEPAGES, HSTATE_2M},
	{"free_hugepages", 12, FREE_HUGEPAGES, HSTATE_2M},
	{"resv_hugepages", 12, RESV_HUGEPAGES, HSTATE_2M},
	{"surplus_hugepages", 12, SURPLUS_HUGEPAGES, HSTATE_2M},
	{"hugepages-1048576kB", 11, DIR_NODE, HSTATE_1G},
	{"nr_hugepages", 17, NR_HUGEPAGES, HSTATE_1G},
	{"free_hugepages", 17, FREE_HUGEPAGES, HSTATE_1G},
	{"resv_hugepages", 17, RESV_HUGEPAGES, HSTATE_1G},
	{"surplus_hugepages", 17, SURPLUS_HUGEPAGES, HSTATE_1G},
	{"khugepaged", 9, DIR_NODE, 0},
	{"pages_to_scan", 22, KH_PAGES_TO_SCAN, 0},
	{"scan_sleep_millisecs", 22, KH_SCAN_SLEEP, 0},
	{"max_ptes_none", 22, KH_MAX_PTES_NONE, 0},
	{"pages_collapsed", 22, KH_PAGES_COLLAPSED, 0},
	{"full_scans", 22, KH_FULL_SCANS, 0},
};

#define NNODES ((int)(sizeof(nodes) / sizeof(nodes[0])))

int sysfs_lookup(int dir, const char *name)
{
	for (int i = 0; i < NNODES; i++)
		if (nodes[i].parent == dir && !strcmp(nodes[i].name, name))
			return i;
	return -1;
}

int sysfs_child(int dir, int n)
{
	for (int i = 0; i < NNODES; i++)
		if (nodes[i].parent == dir && n-- == 0)
			return i;
	return -1;
}

int sysfs_parent(int node)
{
	return nodes[node].parent;
}

int sysfs_subdirs(int dir)
{
	int n = 0;
	for (int i = 0; i < NNODES; i++)
		n += nodes[i].parent == dir && nodes[i].attr == DIR_NODE;
	return n;
}

bool sysfs_is_dir(int node)
{
	return nodes[node].attr == DIR_NODE;
}

bool sysfs_writable(int node)
{
	enum attr a = nodes[node].attr;
	return a == THP_ENABLED || a == NR_HUGEPAGES || a == KH_PAGES_TO_SCAN || a == KH_SCAN_SLEEP ||
	       a == KH_MAX_PTES_NONE;
}

/* The number a khugepaged file shows. */
static uint64_t *khugepaged_value(struct kernel *k, enum attr a)
{
	struct khugepaged *kh = &k->khugepaged;
	switch (a) {
	case KH_PAGES_TO_SCAN:
		return &kh->pages_to_scan;
	case KH_SCAN_SLEEP:
		return &kh->scan_sleep_millisecs;
	case KH_MAX_PTES_NONE:
		return &kh->max_ptes_none;
	case KH_PAGES_COLLAPSED:
		return &kh->pages_collapsed;
	case KH_FULL_SCANS:
		return &kh->full_scans;
	default:
		return NULL;
	}
}

const char *sysfs_name(int node)
{
	return nodes[node].name;
}

void sysfs_path(int node, char *out, size_t size)
{
	if (nodes[node].parent < 0) {
		snprintf(out, size, "/sys");
		return;
	}
	sysfs_path(nodes[node].parent, out, size);
	size_t len = strlen(out);
	snprintf(out + len, size - len, "/%s", nodes[node].name);
}

static const char *const thp_modes[] = {[THP_ALWAYS] = "always", [THP_MADVISE] = "madvise",
					[THP_NEVER] = "never"};

void sysfs_show(struct kernel *k, int node, struct seq *s)
{
	const struct hstate *h = &k->hstate[nodes[node].hstate];
	switch (nodes[node].attr) {
	case CPU_LIST: /* the cpulist format: the one CPU */
		seq_printf(s, "0\n");
		break;
	case THP_ENABLED: /* "always [madvise] never": the mode in brackets */
		for (int m = THP_ALWAYS; m >= THP_MADVISE; m--) /* always, madvise */
			seq_printf(s, k->thp == (enum thp_mode)m ? "[%s] " : "%s ", thp_modes[m]);
		seq_printf(s, k->thp == THP_NEVER ? "[%s]\n" : "%s\n", thp_modes[THP_NEVER]);
		break;
	case NR_HUGEPAGES:
		seq_printf(s, "%llu\n", (unsigned long long)h->nr);
		break;
	case FREE_HUGEPAGES:
		seq_printf(s, "%llu\n", (unsigned long long)h->nfree);
		break;
	case RESV_HUGEPAGES:
		seq_printf(s, "%llu\n", (unsigned long long)h->resv);
		break;
	case KH_PAGES_TO_SCAN:
	case KH_SCAN_SLEEP:
	case KH_MAX_PTES_NONE:
	case KH_PAGES_COLLAPSED:
	case KH_FULL_SCANS:
		seq_printf(s, "%llu\n", (unsigned long long)*khugepaged_value(k, nodes[node].attr));
		break;
	default:
		seq_printf(s, "0\n");
		break;
	}
}

int sysfs_store(struct kernel *k, int node, const char *text, size_t len)
{
	char buf[32];
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = 0;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	if (nodes[node].attr == THP_ENABLED) {
		for (int m = THP_MADVISE; m <= THP_NEVER; m++)
			if (!strcmp(buf, thp_modes[m])) {
				k->thp = (enum thp_mode)m;
				return 0;
			}
		return -EINVAL;
	}
	char *end;
	unsigned long long n = strtoull(buf, &end, 10);
	if (end == buf || *end || n > INT32_MAX)
		return -EINVAL;
	enum attr a = nodes[node].attr;
	if (a != NR_HUGEPAGES) {
		/* Linux's ranges: pages_to_scan at least 1, max_ptes_none
		 * below 512; a new sleep starts now. */
		if ((a == KH_PAGES_TO_SCAN && !n) || (a == KH_MAX_PTES_NONE && n > 511))
			return -EINVAL;
		*khugepaged_value(k, a) = n;
		if (a == KH_SCAN_SLEEP)
			k->khugepaged.next_scan_ns = 0;
		return 0;
	}
	uint64_t got = hugetlb_set_pool(k, nodes[node].hstate, n);
	if (nodes[node].hstate == HSTATE_2M)
		k->vm.nr_hugepages = (int)got;
	return 0;
}
