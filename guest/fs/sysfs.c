/* sysfs.c - the guest's /sys: a tree of directories and read-only text
 * files about the guest's machine, not the host's (Linux's sysfs), served
 * through procfs.c's in-kernel files. The tree is one table of paths
 * below /sys: a directory or a file is one entry, its parent an earlier
 * entry. What is here: the CPU lists (vmemu runs one CPU, cpu 0, as
 * sched_getaffinity says), which glibc's get_nprocs and sysconf read, and
 * /sys/kernel/mm, where the memory knobs go. */
#include <string.h>

#include "fs/internal.h"
#include "kern.h"

/* "0": the one CPU, in the cpulist format of cpu/online and the like. */
static void cpu_list_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k, (void)p;
	seq_printf(s, "0\n");
}

struct sysfs_node {
	const char *path;    /* below /sys */
	proc_show_fn *show;  /* a file's text; NULL: a directory */
};

/* Node 0 is /sys itself; every other's parent comes before it. */
static const struct sysfs_node nodes[] = {
	{"", NULL},
	{"devices", NULL},
	{"devices/system", NULL},
	{"devices/system/cpu", NULL},
	{"devices/system/cpu/online", cpu_list_show},
	{"devices/system/cpu/possible", cpu_list_show},
	{"devices/system/cpu/present", cpu_list_show},
	{"kernel", NULL},
	{"kernel/mm", NULL},
};

#define NNODES ((int)(sizeof(nodes) / sizeof(nodes[0])))

/* Whether node i lies directly in directory dir. */
static bool child_of(int i, int dir)
{
	const char *d = nodes[dir].path, *path = nodes[i].path;
	size_t n = strlen(d);
	if (i == 0 || strncmp(path, d, n))
		return false;
	const char *rest = path + n + (n ? 1 : 0);
	return (n == 0 || path[n] == '/') && *rest && !strchr(rest, '/');
}

static const char *base_name(int i)
{
	const char *slash = strrchr(nodes[i].path, '/');
	return slash ? slash + 1 : nodes[i].path;
}

int sysfs_lookup(int dir, const char *name)
{
	for (int i = 1; i < NNODES; i++)
		if (child_of(i, dir) && !strcmp(base_name(i), name))
			return i;
	return -1;
}

int sysfs_child(int dir, int nth, const char **name)
{
	for (int i = 1; i < NNODES; i++) {
		if (child_of(i, dir) && nth-- == 0) {
			*name = base_name(i);
			return i;
		}
	}
	return -1;
}

int sysfs_subdirs(int dir)
{
	int n = 0;
	for (int i = 1; i < NNODES; i++)
		n += child_of(i, dir) && !nodes[i].show;
	return n;
}

int sysfs_parent(int node)
{
	for (int i = 0; i < NNODES; i++)
		if (child_of(node, i))
			return i;
	return 0;
}

bool sysfs_is_dir(int node)
{
	return !nodes[node].show;
}

const char *sysfs_path(int node)
{
	return nodes[node].path;
}

proc_show_fn *sysfs_show(int node)
{
	return nodes[node].show;
}
