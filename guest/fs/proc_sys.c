/* proc_sys.c - /proc/sys: a directory per sysctl table, each file one
 * value (Linux's kernel/sysctl.c). The vm table is mm/sysctl.c's; the
 * kernel table is here: the values the rest of the kernel reads from
 * k->ksys, which root may write, and the read-only values kernel,
 * kernel/random and fs hold. A table is an array a new
 * directory or entry is added to; a directory lists its subdirectories
 * first, then its values. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <linux/capability.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* Linux's PID_MAX_DEFAULT (fewer than 32 CPUs), RESERVED_PIDS and
 * PID_MAX_LIMIT (64-bit); SHMMAX as include/uapi/linux/shm.h has it. */
#define PID_MAX_DEFAULT 32768
#define PID_MAX_MIN 301
#define PID_MAX_LIMIT (4 * 1024 * 1024)
#define SHMMAX_DEFAULT (ULONG_MAX - (1UL << 24))
#define SHMALL_DEFAULT SHMMAX_DEFAULT
#define SHMMNI_DEFAULT 4096

/* ---- /proc/sys/kernel ---- */

#define NS_LAST_PID SIZE_MAX /* not in struct kernel_sysctl */

struct kernel_table_entry {
	const char *name;
	size_t offset; /* of the unsigned long in struct kernel_sysctl */
	unsigned long min, max;
};

static const struct kernel_table_entry kernel_table[] = {
	{"pid_max", offsetof(struct kernel_sysctl, pid_max), PID_MAX_MIN, PID_MAX_LIMIT},
	{"shmmax", offsetof(struct kernel_sysctl, shmmax), 0, ULONG_MAX},
	{"shmall", offsetof(struct kernel_sysctl, shmall), 0, ULONG_MAX},
	{"shmmni", offsetof(struct kernel_sysctl, shmmni), 0, SHM_SEQ_MULTIPLIER},
	{"shm_rmid_forced", offsetof(struct kernel_sysctl, shm_rmid_forced), 0, 1},
	/* the reader's PID namespace's (task/pid_namespace.c); any may
	 * open it, CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE writes */
	{"ns_last_pid", NS_LAST_PID, 0, PID_MAX_LIMIT},
};

#define NKERNEL_TABLE ((int)(sizeof(kernel_table) / sizeof(kernel_table[0])))

void kernel_sysctl_init(struct kernel *k)
{
	k->ksys.pid_max = PID_MAX_DEFAULT;
	k->ksys.shmmax = SHMMAX_DEFAULT;
	k->ksys.shmall = SHMALL_DEFAULT;
	k->ksys.shmmni = SHMMNI_DEFAULT;
}

static unsigned long *kernel_value(struct kernel *k, int i)
{
	return (unsigned long *)((char *)&k->ksys + kernel_table[i].offset);
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
	if (kernel_table[i].offset == NS_LAST_PID)
		return snprintf(buf, size, "%d\n", task_ns_last_pid(k));
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
	if (kernel_table[i].offset == NS_LAST_PID)
		return v > k->ksys.pid_max ? -EINVAL : task_ns_set_last_pid(k, (int)v);
	*kernel_value(k, i) = v;
	return 0;
}

/* ---- read-only values: kernel's, kernel/random's, fs's ---- */

struct sysctl_ro {
	const char *name;
	int (*read)(struct kernel *k, char *buf, size_t size);
};

#define NGROUPS_MAX 65536
#define OVERFLOW_ID 65534
#define NR_FILE 8192 /* file-max's floor */

/* The names uname(2) gives in the guest (sys_uname): the host's, the
 * system being Linux. */
static int uts_read(char *buf, size_t size, size_t field)
{
	struct utsname u;
	if (uname(&u) < 0)
		return snprintf(buf, size, "\n");
	return snprintf(buf, size, "%s\n", (const char *)&u + field);
}

static int ostype_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "Linux\n");
}

static int osrelease_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return uts_read(buf, size, offsetof(struct utsname, release));
}

static int version_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return uts_read(buf, size, offsetof(struct utsname, version));
}

/* The reader's UTS namespace's names (task/utsname.c), as uname gives. */
static int hostname_read(struct kernel *k, char *buf, size_t size)
{
	return snprintf(buf, size, "%s\n", current_uts(k)->nodename);
}

static int domainname_read(struct kernel *k, char *buf, size_t size)
{
	return snprintf(buf, size, "%s\n", current_uts(k)->domainname);
}

static int ngroups_max_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", NGROUPS_MAX);
}

static int cap_last_cap_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", CAP_LAST_CAP);
}

static int overflowid_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", OVERFLOW_ID);
}

/* System V IPC's limits (task/: read-only here). */
static int msgmax_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", MSGMAX);
}

static int msgmnb_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", MSGMNB);
}

static int msgmni_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", MSGMNI);
}

static int sem_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\t%d\t%d\t%d\n", SEMMSL, SEMMNS, SEMOPM, SEMMNI);
}

/* The most tasks fork and clone make (EAGAIN past it). */
static int threads_max_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", PROCESS_MAX);
}

/* A version 4 (random) UUID, as Linux's generate_random_uuid. */
static int uuid_format(const uint8_t b[16], char *buf, size_t size)
{
	return snprintf(buf, size,
			"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
			b[0], b[1], b[2], b[3], b[4], b[5], (b[6] & 0x0f) | 0x40, b[7],
			(b[8] & 0x3f) | 0x80, b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int uuid_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	uint8_t b[16] = {0};
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return snprintf(buf, size, "\n");
	return uuid_format(b, buf, size);
}

/* Made at the first read, the same for the rest of the run. */
static int boot_id_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	static uint8_t b[16];
	static bool made;
	if (!made)
		made = getrandom(b, sizeof(b), 0) == (ssize_t)sizeof(b);
	return uuid_format(b, buf, size);
}

/* Linux's files_maxfiles_init: a tenth of memory in KiB, at least NR_FILE. */
static int file_max_read(struct kernel *k, char *buf, size_t size)
{
	struct meminfo m;
	kernel_meminfo(k, &m);
	uint64_t n = m.mem_total / 10;
	return snprintf(buf, size, "%llu\n", (unsigned long long)(n > NR_FILE ? n : NR_FILE));
}

/* The highest RLIMIT_NOFILE may go, Linux's default. */
static int nr_open_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", NR_OPEN);
}

/* fs.suid_dumpable, which credential changes make a process's
 * dumpability (task/prctl.c): the host's. */
static int suid_dumpable_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", suid_dumpable());
}

/* Linux's default (pipe_max_size). */
static int pipe_max_size_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return snprintf(buf, size, "%d\n", 1024 * 1024);
}

/* In the alphabetical order Linux lists them in. */
static const struct sysctl_ro sysctl_kernel[] = {
	{"cap_last_cap", cap_last_cap_read}, {"domainname", domainname_read},
	{"hostname", hostname_read},         {"msgmax", msgmax_read},
	{"msgmnb", msgmnb_read},             {"msgmni", msgmni_read},
	{"ngroups_max", ngroups_max_read},
	{"osrelease", osrelease_read},       {"ostype", ostype_read},
	{"overflowgid", overflowid_read},    {"overflowuid", overflowid_read},
	{"sem", sem_read},                   {"threads-max", threads_max_read},
	{"version", version_read},
};

static const struct sysctl_ro sysctl_random[] = {
	{"boot_id", boot_id_read},
	{"uuid", uuid_read},
};

static const struct sysctl_ro sysctl_fs[] = {
	{"file-max", file_max_read},
	{"nr_open", nr_open_read},
	{"pipe-max-size", pipe_max_size_read},
	{"suid_dumpable", suid_dumpable_read},
};

/* fs/inotify: the host's limits, which the host instances behind the
 * guest's (inotify.c) are held to; read-only here, as a guest may not
 * change the host. */
static int inotify_limit_read(const char *name, char *buf, size_t size)
{
	char path[64], text[32];
	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	FILE *fp = fopen(path, "re");
	bool ok = fp && fgets(text, sizeof(text), fp);
	if (fp)
		fclose(fp);
	return snprintf(buf, size, "%s", ok ? text : "0\n");
}

static int max_queued_events_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return inotify_limit_read("max_queued_events", buf, size);
}

static int max_user_instances_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return inotify_limit_read("max_user_instances", buf, size);
}

static int max_user_watches_read(struct kernel *k, char *buf, size_t size)
{
	(void)k;
	return inotify_limit_read("max_user_watches", buf, size);
}

static const struct sysctl_ro sysctl_inotify[] = {
	{"max_queued_events", max_queued_events_read},
	{"max_user_instances", max_user_instances_read},
	{"max_user_watches", max_user_watches_read},
};

#define NRO(t) ((int)(sizeof(t) / sizeof(t[0])))

/* ---- the directories ---- */

/* A table of values (count, names, lookup, read, write, mode), and the
 * read-only values after them. */
struct sysctl_dir {
	const char *name;
	int parent; /* 0: /proc/sys, else the directory's number (1 + index in dirs) */
	int (*count)(void);
	const char *(*name_of)(int i);
	int (*find)(const char *name, size_t len);
	int (*read)(struct kernel *k, int i, char *buf, size_t size);
	int (*write)(struct kernel *k, int i, const char *text, size_t len);
	unsigned (*mode)(int i);
	const struct sysctl_ro *ro;
	int nro;
};

static int kernel_count(void)
{
	return NKERNEL_TABLE;
}

static unsigned kernel_mode(int i)
{
	return kernel_table[i].offset == NS_LAST_PID ? 0666 : 0644;
}

static int no_values(void)
{
	return 0;
}

static const struct sysctl_dir dirs[] = {
	{"fs", 0, no_values, NULL, NULL, NULL, NULL, NULL, sysctl_fs, NRO(sysctl_fs)},
	{"kernel", 0, kernel_count, kernel_name, kernel_find, kernel_read, kernel_write,
	 kernel_mode, sysctl_kernel, NRO(sysctl_kernel)},
	{"vm", 0, vm_sysctl_count, vm_sysctl_name, vm_sysctl_find, vm_sysctl_read, vm_sysctl_write,
	 vm_sysctl_mode, NULL, 0},
	{"random", 2, no_values, NULL, NULL, NULL, NULL, NULL, sysctl_random, NRO(sysctl_random)},
	/* before mqueue: Linux lists a directory by name */
	{"inotify", 1, no_values, NULL, NULL, NULL, NULL, NULL, sysctl_inotify, NRO(sysctl_inotify)},
	{"mqueue", 1, mqueue_sysctl_count, mqueue_sysctl_name, mqueue_sysctl_find, mqueue_sysctl_read,
	 mqueue_sysctl_write, mqueue_sysctl_mode, NULL, 0},
};

#define NDIRS ((int)(sizeof(dirs) / sizeof(dirs[0])))

/* The nth subdirectory of dir (by number), or -1. */
static int nth_subdir(int dir, int n)
{
	for (int d = 0; d < NDIRS; d++)
		if (dirs[d].parent == dir && n-- == 0)
			return d + 1;
	return -1;
}

int proc_sys_subdirs(int dir)
{
	int n = 0;
	while (nth_subdir(dir, n) >= 0)
		n++;
	return n;
}

int proc_sys_parent(int dir)
{
	return dir ? dirs[dir - 1].parent : 0;
}

int proc_sys_subdir(int dir, int i)
{
	return nth_subdir(dir, i);
}

int proc_sys_count(int dir)
{
	int n = proc_sys_subdirs(dir);
	return dir ? n + dirs[dir - 1].count() + dirs[dir - 1].nro : n;
}

/* Entry i of dir past its subdirectories: a value of the table (>= 0
 * below count()), then a read-only one. */
static int value_index(int dir, int i)
{
	return i - proc_sys_subdirs(dir);
}

const char *proc_sys_name(int dir, int i)
{
	int sub = nth_subdir(dir, i);
	if (sub >= 0)
		return dirs[sub - 1].name;
	const struct sysctl_dir *d = &dirs[dir - 1];
	int v = value_index(dir, i);
	return v < d->count() ? d->name_of(v) : d->ro[v - d->count()].name;
}

int proc_sys_find(int dir, const char *name)
{
	int nsub = proc_sys_subdirs(dir);
	for (int i = 0; i < nsub; i++)
		if (!strcmp(dirs[nth_subdir(dir, i) - 1].name, name))
			return i;
	if (!dir)
		return -1;
	const struct sysctl_dir *d = &dirs[dir - 1];
	int v = d->count() ? d->find(name, strlen(name)) : -1;
	if (v >= 0)
		return nsub + v;
	for (int i = 0; i < d->nro; i++)
		if (!strcmp(d->ro[i].name, name))
			return nsub + d->count() + i;
	return -1;
}

int proc_sys_read(struct kernel *k, int dir, int i, char *buf, size_t size)
{
	const struct sysctl_dir *d = &dirs[dir - 1];
	int v = value_index(dir, i);
	return v < d->count() ? d->read(k, v, buf, size) : d->ro[v - d->count()].read(k, buf, size);
}

unsigned proc_sys_mode(int dir, int i)
{
	const struct sysctl_dir *d = &dirs[dir - 1];
	int v = value_index(dir, i);
	return v < d->count() ? d->mode(v) : 0444;
}

int proc_sys_write(struct kernel *k, int dir, int i, const char *text, size_t len)
{
	const struct sysctl_dir *d = &dirs[dir - 1];
	int v = value_index(dir, i);
	return v < d->count() ? d->write(k, v, text, len) : -EINVAL;
}

void proc_sys_path(int dir, char *out, size_t size)
{
	if (!dir) {
		snprintf(out, size, "/proc/sys");
		return;
	}
	proc_sys_path(dirs[dir - 1].parent, out, size);
	size_t n = strlen(out);
	snprintf(out + n, size - n, "/%s", dirs[dir - 1].name);
}
