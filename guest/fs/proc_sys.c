/* proc_sys.c - /proc/sys: a directory per sysctl table, each file one
 * value (Linux's kernel/sysctl.c). The vm table is mm/sysctl.c's; the
 * kernel table is here: the values the rest of the kernel reads from
 * k->ksys. A table is an array a new directory or entry is added to. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

/* Linux's PID_MAX_DEFAULT (fewer than 32 CPUs), RESERVED_PIDS and
 * PID_MAX_LIMIT (64-bit); SHMMAX as include/uapi/linux/shm.h has it. */
#define PID_MAX_DEFAULT 32768
#define PID_MAX_MIN 301
#define PID_MAX_LIMIT (4 * 1024 * 1024)
#define SHMMAX_DEFAULT (ULONG_MAX - (1UL << 24))

/* ---- /proc/sys/kernel ---- */

struct kernel_table_entry {
	const char *name;
	size_t offset; /* of the unsigned long in struct kernel_sysctl */
	unsigned long min, max;
};

static const struct kernel_table_entry kernel_table[] = {
	{"pid_max", offsetof(struct kernel_sysctl, pid_max), PID_MAX_MIN, PID_MAX_LIMIT},
	{"shmmax", offsetof(struct kernel_sysctl, shmmax), 0, ULONG_MAX},
};

#define NKERNEL_TABLE ((int)(sizeof(kernel_table) / sizeof(kernel_table[0])))

void kernel_sysctl_init(struct kernel *k)
{
	k->ksys.pid_max = PID_MAX_DEFAULT;
	k->ksys.shmmax = SHMMAX_DEFAULT;
}

static unsigned long *kernel_value(struct kernel *k, int i)
{
	return (unsigned long *)((char *)&k->ksys + kernel_table[i].offset);
}

static int kernel_count(void)
{
	return NKERNEL_TABLE;
}

static const char *kernel_name(int i)
{
	return kernel_table[i].name;
}

static int kernel_find(const char *name, size_t len)
{
	for (int i = 0; i < NKERNEL_TABLE; i++)
		if (strlen(kernel_table[i].name) == len && !memcmp(kernel_table[i].name, name, len))
			return i;
	return -1;
}

static int kernel_read(struct kernel *k, int i, char *buf, size_t size)
{
	return snprintf(buf, size, "%lu\n", *kernel_value(k, i));
}

/* proc_doulongvec_minmax's rules: an unsigned number, blanks around it,
 * in the entry's range. */
static int kernel_write(struct kernel *k, int i, const char *text, size_t len)
{
	char buf[32];
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = 0;
	char *p = buf + strspn(buf, " \t\n"), *end;
	if (*p == '-' || *p == 0)
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(p, &end, 10);
	if (errno || end == p || end[strspn(end, " \t\n")])
		return -EINVAL;
	if (v < kernel_table[i].min || v > kernel_table[i].max)
		return -EINVAL;
	*kernel_value(k, i) = v;
	return 0;
}

/* ---- the directories ---- */

struct sysctl_dir {
	const char *name;
	int (*count)(void);
	const char *(*name_of)(int i);
	int (*find)(const char *name, size_t len);
	int (*read)(struct kernel *k, int i, char *buf, size_t size);
	int (*write)(struct kernel *k, int i, const char *text, size_t len);
	unsigned (*mode)(int i);
};

static unsigned kernel_mode(int i)
{
	(void)i;
	return 0644;
}

static const struct sysctl_dir dirs[] = {
	{"kernel", kernel_count, kernel_name, kernel_find, kernel_read, kernel_write, kernel_mode},
	{"vm", vm_sysctl_count, vm_sysctl_name, vm_sysctl_find, vm_sysctl_read, vm_sysctl_write,
	 vm_sysctl_mode},
};

#define NDIRS ((int)(sizeof(dirs) / sizeof(dirs[0])))

int proc_sys_count(int dir)
{
	return dir == 0 ? NDIRS : dirs[dir - 1].count();
}

const char *proc_sys_name(int dir, int i)
{
	return dir == 0 ? dirs[i].name : dirs[dir - 1].name_of(i);
}

int proc_sys_find(int dir, const char *name)
{
	if (dir > 0)
		return dirs[dir - 1].find(name, strlen(name));
	for (int i = 0; i < NDIRS; i++)
		if (!strcmp(dirs[i].name, name))
			return i;
	return -1;
}

int proc_sys_read(struct kernel *k, int dir, int i, char *buf, size_t size)
{
	return dirs[dir - 1].read(k, i, buf, size);
}

unsigned proc_sys_mode(int dir, int i)
{
	return dirs[dir - 1].mode(i);
}

int proc_sys_write(struct kernel *k, int dir, int i, const char *text, size_t len)
{
	return dirs[dir - 1].write(k, i, text, len);
}
