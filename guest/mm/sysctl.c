/* sysctl.c - the vm sysctls that vmemu's kernel has, as /proc/sys/vm
 * shows them (Linux's vm_table): read as a decimal line, written as one
 * with Linux's proc_dointvec_minmax rules (an integer, blanks around it,
 * inside the sysctl's range, else EINVAL). A new min_free_kbytes or
 * watermark_scale_factor sets the watermarks again; nr_hugepages resizes
 * the hugetlb pool and reads back the size it reached. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

/* Linux's DEFAULT_MAX_MAP_COUNT: USHRT_MAX minus a margin for core dumps. */
#define DEFAULT_MAX_MAP_COUNT 65530
/* Debian's CONFIG_DEFAULT_MMAP_MIN_ADDR: the lowest 64 KiB stay unmapped. */
#define DEFAULT_MMAP_MIN_ADDR 65536

struct vm_table_entry {
	const char *name;
	size_t offset;     /* of the int in struct vm_sysctl */
	int min, max;
	bool wmarks;       /* the watermarks follow it */
	bool pool;         /* the hugetlb pool follows it */
};

/* In name order, as Linux lists a sysctl directory. */
static const struct vm_table_entry vm_table[] = {
	{"max_map_count", offsetof(struct vm_sysctl, max_map_count), 0, INT_MAX, false, false},
	{"min_free_kbytes", offsetof(struct vm_sysctl, min_free_kbytes), 0, INT_MAX, true, false},
	{"mmap_min_addr", offsetof(struct vm_sysctl, mmap_min_addr), 0, INT_MAX, false, false},
	{"nr_hugepages", offsetof(struct vm_sysctl, nr_hugepages), 0, INT_MAX, false, true},
	{"overcommit_ratio", offsetof(struct vm_sysctl, overcommit_ratio), 0, INT_MAX, false, false},
	{"watermark_scale_factor", offsetof(struct vm_sysctl, watermark_scale_factor), 1, 3000,
	 true, false},
};

#define NVM_TABLE ((int)(sizeof(vm_table) / sizeof(vm_table[0])))

void vm_sysctl_init(struct kernel *k)
{
	k->vm.max_map_count = DEFAULT_MAX_MAP_COUNT;
	k->vm.mmap_min_addr = DEFAULT_MMAP_MIN_ADDR;
	k->vm.overcommit_ratio = 50;
}

int vm_sysctl_count(void)
{
	return NVM_TABLE;
}

const char *vm_sysctl_name(int i)
{
	return vm_table[i].name;
}

int vm_sysctl_find(const char *name, size_t len)
{
	for (int i = 0; i < NVM_TABLE; i++)
		if (strlen(vm_table[i].name) == len && !memcmp(vm_table[i].name, name, len))
			return i;
	return -1;
}

static int *value(struct kernel *k, int i)
{
	return (int *)((char *)&k->vm + vm_table[i].offset);
}

int vm_sysctl_read(struct kernel *k, int i, char *buf, size_t size)
{
	return snprintf(buf, size, "%d\n", *value(k, i));
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int vm_sysctl_write(struct kernel *k, int i, const char *text, size_t len)
{
	char buf[32];
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = 0;
	char *p = buf, *end;
	while (blank(*p))
		p++;
	long v = strtol(p, &end, 10);
	if (end == p)
		return -EINVAL;
	while (blank(*end))
		end++;
	const struct vm_table_entry *e = &vm_table[i];
	if (*end || v < e->min || v > e->max)
		return -EINVAL;
	*value(k, i) = (int)v;
	if (e->wmarks)
		setup_per_zone_wmarks(k);
	if (e->pool) /* reads back the size reached */
		*value(k, i) = (int)hugetlb_set_pool(k, HSTATE_2M, (uint64_t)v);
	return 0;
}
