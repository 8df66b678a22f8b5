/* sysctl.c - the vm sysctls that vmemu's kernel has, as /proc/sys/vm
 * shows them (Linux's vm_table): read as a decimal line, written as one
 * with Linux's proc_dointvec_minmax rules (an integer, blanks around it,
 * inside the sysctl's range, else EINVAL). A new min_free_kbytes or
 * watermark_scale_factor sets the watermarks again; nr_hugepages resizes
 * the hugetlb pool and reads back the size it reached; drop_caches and
 * compact_memory (mode 0200) act when written. The overcommit ones rule
 * vm_enough_memory (meminfo.c), swappiness reclaim. */
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
	unsigned mode;     /* 0644, or 0200 for a trigger */
	/* What a new value does, after it is stored: 0, or -errno. */
	int (*apply)(struct kernel *k, int *value);
};

static int set_wmarks(struct kernel *k, int *value)
{
	(void)value;
	setup_per_zone_wmarks(k);
	return 0;
}

/* The pool reads back the size it reached. */
static int set_pool(struct kernel *k, int *value)
{
	*value = (int)hugetlb_set_pool(k, HSTATE_2M, (uint64_t)*value);
	return 0;
}

/* 1 drops the page cache's clean pages no process maps, as Linux's
 * drop_pagecache_sb; 2 (slab) has nothing to drop here; 4 only silences
 * Linux's log message. */
static int drop_caches(struct kernel *k, int *value)
{
	if (*value & 1)
		pagecache_drop_clean(k);
	return 0;
}

/* Linux's sysctl_compaction_handler: only 1, which compacts all memory:
 * one pass, a block emptied at most once per 2 MiB of memory (the pages
 * moved out of one block could otherwise move back into another for ever). */
static int compact_memory(struct kernel *k, int *value)
{
	if (*value != 1)
		return -EINVAL;
	for (uint64_t n = k->frames.nframes / HPAGE_PMD_NR; n && compact_for_huge_page(k); n--)
		;
	return 0;
}

#define VM(field) #field, offsetof(struct vm_sysctl, field)

/* In name order, as Linux lists a sysctl directory. */
static const struct vm_table_entry vm_table[] = {
	{VM(admin_reserve_kbytes), 0, INT_MAX, 0644, NULL},
	{VM(compact_memory), 0, INT_MAX, 0200, compact_memory},
	{VM(drop_caches), 1, 4, 0200, drop_caches},
	{VM(max_map_count), 0, INT_MAX, 0644, NULL},
	{VM(min_free_kbytes), 0, INT_MAX, 0644, set_wmarks},
	{VM(mmap_min_addr), 0, INT_MAX, 0644, NULL},
	{VM(nr_hugepages), 0, INT_MAX, 0644, set_pool},
	{VM(overcommit_kbytes), 0, INT_MAX, 0644, NULL},
	{VM(overcommit_memory), 0, 2, 0644, NULL},
	{VM(overcommit_ratio), 0, INT_MAX, 0644, NULL},
	{VM(swappiness), 0, 200, 0644, NULL},
	{VM(user_reserve_kbytes), 0, INT_MAX, 0644, NULL},
	{VM(watermark_scale_factor), 1, 3000, 0644, set_wmarks},
};

#define NVM_TABLE ((int)(sizeof(vm_table) / sizeof(vm_table[0])))

void vm_sysctl_init(struct kernel *k)
{
	k->vm.max_map_count = DEFAULT_MAX_MAP_COUNT;
	k->vm.mmap_min_addr = DEFAULT_MMAP_MIN_ADDR;
	k->vm.overcommit_ratio = 50;
	k->vm.swappiness = 60;
	/* Linux's init_admin_reserve and init_user_reserve: 1/32 of free
	 * memory, at most 8 MiB and 128 MiB. */
	uint64_t free_kb = frames_free(k) << (PAGE_SHIFT - 10);
	k->vm.admin_reserve_kbytes = (int)(free_kb / 32 < 8192 ? free_kb / 32 : 8192);
	k->vm.user_reserve_kbytes = (int)(free_kb / 32 < 131072 ? free_kb / 32 : 131072);
}

unsigned vm_sysctl_mode(int i)
{
	return vm_table[i].mode;
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

int sysctl_parse_int(const char *text, size_t len, long min, long max, int *out)
{
	char buf[32];
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = 0;
	char *p = buf, *end;
	while (blank(*p))
		p++;
	errno = 0;
	long v = strtol(p, &end, 10);
	if (errno || end == p)
		return -EINVAL;
	while (blank(*end))
		end++;
	if (*end || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int vm_sysctl_write(struct kernel *k, int i, const char *text, size_t len)
{
	const struct vm_table_entry *e = &vm_table[i];
	int err = sysctl_parse_int(text, len, e->min, e->max, value(k, i));
	if (err)
		return err;
	return e->apply ? e->apply(k, value(k, i)) : 0;
}
