/* procfs.c - the guest's /proc: in-kernel files whose text is generated
 * from the kernel's state, as Linux's seq_file files are, and links to
 * open files.
 *
 * /proc is the kernel's, with or without --root: a guest never sees the
 * host's processes. It holds /proc/meminfo, /proc/vmstat, /proc/buddyinfo,
 * zoneinfo, locks (proc_locks.c), kpageflags and kpagecount (proc_kpage.c),
 * stat, uptime and loadavg (proc_stat.c), cpuinfo, version, filesystems
 * and swaps, the link "mounts" (to self/mounts), the "self" link (to the
 * caller's PID, as Linux's) and a directory for every PID not yet reaped
 * with status, stat, statm, maps and cmdline, environ and auxv
 * (proc_pid_env.c), limits, comm, mounts and mountinfo (proc_mounts.c),
 * oom_score, oom_adj and oom_score_adj (proc_pid_oom.c), the one-line
 * files of proc_pid_misc.c, the
 * links exe, cwd and root, the directory fd of links fd/N, the directory
 * map_files of links to the files memory was mapped through
 * (proc_map_files.c), and the directory task, which holds a directory of the same files for each
 * thread (task/TID; its stat counts the thread's faults, the PID's the
 * whole process's). /proc lists processes only; a thread's TID can be
 * looked up there too, as on Linux. These links name open files, as
 * Linux's magic links do: a lookup through one goes on from the file it
 * names (the program that runs, the working directory, the root, the
 * file at fd N), not from a name looked up again; readlink shows that
 * file's guest name ("pipe:[N]" for a pipe). "thread-self" is a link to
 * the caller's PID/task/TID.
 * /proc/sys holds the sysctl tables (proc_sys.c: fs, kernel with
 * kernel/random, and vm from mm/sysctl.c), one value per file, which
 * root may write where the mode says so. The same nodes
 * serve /sys (sysfs.c's table), mounted there by namei. Any other name under /proc does
 * not exist (ENOENT). The directories open
 * (O_DIRECTORY), stat as S_IFDIR (fd and map_files as 0500, the others
 * 0555) and list
 * through getdents64.
 *
 * The text is made when a read starts at offset 0, so a reader that
 * seeks back to 0 and reads again (top, procps) sees fresh numbers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define PROC_MINOR 0x15          /* st_dev 0:21, an anonymous device as Linux's proc */
#define SYSFS_MINOR 0x16         /* st_dev 0:22, sysfs's */
#define PROC_INO_FIRST 0xf0000000ULL /* Linux's PROC_DYNAMIC_FIRST */
#define PROC_BLKSIZE 1024
#define FD_LINK_SIZE 64          /* st_size of an fd/N link, as Linux shows it */
#define PROC_SYSCTL_MAX 128      /* a sysctl's text: a number, a uname field, a UUID */

/* ---- the text buffer ---- */

void seq_printf(struct seq *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = s->cap - s->len;
		va_start(ap, fmt);
		int n = vsnprintf(s->buf ? s->buf + s->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0 || s->failed)
			return;
		if ((size_t)n < room) {
			s->len += (size_t)n;
			return;
		}
		size_t cap = s->cap ? 2 * s->cap : 4096;
		while (cap - s->len <= (size_t)n)
			cap *= 2;
		char *buf = realloc(s->buf, cap);
		if (!buf) {
			s->failed = true;
			return;
		}
		s->buf = buf;
		s->cap = cap;
	}
}

void seq_pad(struct seq *s, size_t col)
{
	size_t line = s->len;
	while (line > 0 && s->buf[line - 1] != '\n')
		line--;
	size_t used = s->len - line;
	seq_printf(s, "%*s", (int)(col > used ? col - used + 1 : 1), "");
}

void seq_free(struct seq *s)
{
	free(s->buf);
	*s = (struct seq){0};
}

/* ---- names ---- */

typedef int proc_link_fn(struct kernel *k, struct process *p, struct path *target);

struct proc_entry {
	const char *name;
	enum proc_kind kind;
	proc_show_fn *show; /* PROC_FILE: its text */
	proc_link_fn *link; /* PROC_LINK: what it names */
	/* PROC_FILE without text: read and write at a position; its mode
	 * (else 0444) */
	proc_rw_fn *read, *write;
	unsigned mode;
	const char *target; /* PROC_SYMLINK: its text */
};

static proc_link_fn exe_link, cwd_link, root_link;

/* /proc/PID/ns: a link per namespace type (proc_ns.c), in Linux's order. */
#define NS_LINK(name, type)                                                                  \
	static int name##_ns_link(struct kernel *k, struct process *p, struct path *target) \
	{                                                                                    \
		return proc_ns_link(k, p, type, target);                                     \
	}
NS_LINK(cgroup, NS_CGROUP)
NS_LINK(ipc, NS_IPC)
NS_LINK(mnt, NS_MNT)
NS_LINK(net, NS_NET)
NS_LINK(pid, NS_PID)
NS_LINK(pid_for_children, NS_PID_FOR_CHILDREN)
NS_LINK(time, NS_TIME)
NS_LINK(time_for_children, NS_TIME_FOR_CHILDREN)
NS_LINK(user, NS_USER)
NS_LINK(uts, NS_UTS)

static const struct proc_entry ns_entries[] = {
	{.name = "cgroup", .kind = PROC_LINK, .link = cgroup_ns_link},
	{.name = "ipc", .kind = PROC_LINK, .link = ipc_ns_link},
	{.name = "mnt", .kind = PROC_LINK, .link = mnt_ns_link},
	{.name = "net", .kind = PROC_LINK, .link = net_ns_link},
	{.name = "pid", .kind = PROC_LINK, .link = pid_ns_link},
	{.name = "pid_for_children", .kind = PROC_LINK, .link = pid_for_children_ns_link},
	{.name = "time", .kind = PROC_LINK, .link = time_ns_link},
	{.name = "time_for_children", .kind = PROC_LINK, .link = time_for_children_ns_link},
	{.name = "user", .kind = PROC_LINK, .link = user_ns_link},
	{.name = "uts", .kind = PROC_LINK, .link = uts_ns_link},
};
#define NNS (sizeof(ns_entries) / sizeof(ns_entries[0]))

static const struct proc_entry global_entries[] = {
	{.name = "meminfo", .kind = PROC_FILE, .show = proc_meminfo_show},
	{.name = "vmstat", .kind = PROC_FILE, .show = proc_vmstat_show},
	{.name = "buddyinfo", .kind = PROC_FILE, .show = proc_buddyinfo_show},
	{.name = "zoneinfo", .kind = PROC_FILE, .show = proc_zoneinfo_show},
	{.name = "locks", .kind = PROC_FILE, .show = proc_locks_show},
	{.name = "kpagecount", .kind = PROC_FILE, .read = proc_kpagecount_read, .mode = 0400},
	{.name = "kpageflags", .kind = PROC_FILE, .read = proc_kpageflags_read, .mode = 0400},
	{.name = "stat", .kind = PROC_FILE, .show = proc_stat_global_show},
	{.name = "uptime", .kind = PROC_FILE, .show = proc_uptime_show},
	{.name = "loadavg", .kind = PROC_FILE, .show = proc_loadavg_show},
	{.name = "cpuinfo", .kind = PROC_FILE, .show = proc_cpuinfo_show},
	{.name = "version", .kind = PROC_FILE, .show = proc_version_show},
	{.name = "filesystems", .kind = PROC_FILE, .show = proc_filesystems_show},
	{.name = "swaps", .kind = PROC_FILE, .show = proc_swaps_show},
	{.name = "mounts", .kind = PROC_SYMLINK, .target = "self/mounts"},
	{.name = "sysvipc", .kind = PROC_SYSVIPC_DIR},
	{.name = "net", .kind = PROC_NET_DIR},
};

/* /proc/sysvipc: System V IPC's objects (shared memory only here). */
static const struct proc_entry sysvipc_entries[] = {
	{.name = "msg", .kind = PROC_FILE, .show = proc_sysvipc_msg_show},
	{.name = "sem", .kind = PROC_FILE, .show = proc_sysvipc_sem_show},
	{.name = "shm", .kind = PROC_FILE, .show = proc_sysvipc_shm_show},
};

/* /proc/net: the sockets of the loopback network (proc_net.c). Linux's is
 * a link to self/net, every process's network being its namespace's;
 * the guest has one network, so this is a directory. */
static const struct proc_entry net_entries[] = {
	{.name = "tcp", .kind = PROC_FILE, .show = proc_net_tcp_show},
	{.name = "tcp6", .kind = PROC_FILE, .show = proc_net_tcp6_show},
	{.name = "udp", .kind = PROC_FILE, .show = proc_net_udp_show},
	{.name = "udp6", .kind = PROC_FILE, .show = proc_net_udp6_show},
};

/* In Linux's order (fs/proc/base.c's tgid_base_stuff). */
static const struct proc_entry pid_entries[] = {
	{.name = "task", .kind = PROC_TASK_DIR},
	{.name = "fd", .kind = PROC_FD_DIR},
	{.name = "map_files", .kind = PROC_MAP_FILES_DIR},
	{.name = "fdinfo", .kind = PROC_FDINFO_DIR},
	{.name = "ns", .kind = PROC_NS_DIR},
	{.name = "environ", .kind = PROC_FILE, .read = proc_environ_read, .mode = 0400},
	{.name = "auxv", .kind = PROC_FILE, .read = proc_auxv_read, .mode = 0400},
	{.name = "status", .kind = PROC_FILE, .show = proc_status_show},
	{.name = "personality", .kind = PROC_FILE, .show = proc_personality_show, .mode = 0400},
	{.name = "limits", .kind = PROC_FILE, .show = proc_limits_show},
	{.name = "timens_offsets", .kind = PROC_FILE, .show = proc_timens_offsets_show,
	 .write = proc_timens_offsets_write, .mode = 0644},
	{.name = "comm", .kind = PROC_FILE, .show = proc_comm_show, .write = proc_comm_write,
	 .mode = 0644},
	{.name = "cmdline", .kind = PROC_FILE, .show = proc_cmdline_show},
	{.name = "stat", .kind = PROC_FILE, .show = proc_stat_show},
	{.name = "statm", .kind = PROC_FILE, .show = proc_statm_show},
	{.name = "maps", .kind = PROC_FILE, .show = proc_maps_show},
	{.name = "mem", .kind = PROC_FILE, .read = proc_mem_read, .write = proc_mem_write,
	 .mode = 0600},
	{.name = "cwd", .kind = PROC_LINK, .link = cwd_link},
	{.name = "root", .kind = PROC_LINK, .link = root_link},
	{.name = "exe", .kind = PROC_LINK, .link = exe_link},
	{.name = "mounts", .kind = PROC_FILE, .show = proc_mounts_show},
	{.name = "mountinfo", .kind = PROC_FILE, .show = proc_mountinfo_show},
	{.name = "clear_refs", .kind = PROC_FILE, .write = proc_clear_refs_write, .mode = 0200},
	{.name = "smaps", .kind = PROC_FILE, .show = proc_smaps_show},
	{.name = "smaps_rollup", .kind = PROC_FILE, .show = proc_smaps_rollup_show},
	{.name = "pagemap", .kind = PROC_FILE, .read = proc_pagemap_read, .mode = 0400},
	{.name = "wchan", .kind = PROC_FILE, .show = proc_wchan_show},
	{.name = "syscall", .kind = PROC_FILE, .show = proc_syscall_show, .mode = 0400},
	{.name = "cpuset", .kind = PROC_FILE, .show = proc_cpuset_show},
	{.name = "cgroup", .kind = PROC_FILE, .show = proc_cgroup_show},
	{.name = "oom_score", .kind = PROC_FILE, .show = proc_oom_score_show},
	{.name = "oom_adj", .kind = PROC_FILE, .show = proc_oom_adj_show, .write = proc_oom_adj_write,
	 .mode = 0644},
	{.name = "oom_score_adj", .kind = PROC_FILE, .show = proc_oom_score_adj_show,
	 .write = proc_oom_score_adj_write, .mode = 0644},
	{.name = "loginuid", .kind = PROC_FILE, .show = proc_loginuid_show},
	{.name = "sessionid", .kind = PROC_FILE, .show = proc_sessionid_show},
	{.name = "coredump_filter", .kind = PROC_FILE, .show = proc_coredump_filter_show,
	 .write = proc_coredump_filter_write, .mode = 0644},
	{.name = "io", .kind = PROC_FILE, .show = proc_io_show, .mode = 0400},
	{.name = "uid_map", .kind = PROC_FILE, .show = proc_id_map_show},
	{.name = "gid_map", .kind = PROC_FILE, .show = proc_id_map_show},
	{.name = "projid_map", .kind = PROC_FILE, .show = proc_id_map_show},
	{.name = "setgroups", .kind = PROC_FILE, .show = proc_setgroups_show},
	{.name = "timerslack_ns", .kind = PROC_FILE, .show = proc_timerslack_ns_show,
	 .write = proc_timerslack_ns_write, .mode = 0666},
};

/* A thread's (tid_base_stuff): the same without task, stat its own. */
static const struct proc_entry tid_entries[] = {
	{.name = "fd", .kind = PROC_FD_DIR},
	{.name = "fdinfo", .kind = PROC_FDINFO_DIR},
	{.name = "ns", .kind = PROC_NS_DIR},
	{.name = "environ", .kind = PROC_FILE, .read = proc_environ_read, .mode = 0400},
	{.name = "auxv", .kind = PROC_FILE, .read = proc_auxv_read, .mode = 0400},
	{.name = "status", .kind = PROC_FILE, .show = proc_status_show},
	{.name = "personality", .kind = PROC_FILE, .show = proc_personality_show, .mode = 0400},
	{.name = "limits", .kind = PROC_FILE, .show = proc_limits_show},
	{.name = "comm", .kind = PROC_FILE, .show = proc_comm_show, .write = proc_comm_write,
	 .mode = 0644},
	{.name = "cmdline", .kind = PROC_FILE, .show = proc_cmdline_show},
	{.name = "stat", .kind = PROC_FILE, .show = proc_tid_stat_show},
	{.name = "statm", .kind = PROC_FILE, .show = proc_statm_show},
	{.name = "maps", .kind = PROC_FILE, .show = proc_maps_show},
	{.name = "mem", .kind = PROC_FILE, .read = proc_mem_read, .write = proc_mem_write,
	 .mode = 0600},
	{.name = "cwd", .kind = PROC_LINK, .link = cwd_link},
	{.name = "root", .kind = PROC_LINK, .link = root_link},
	{.name = "exe", .kind = PROC_LINK, .link = exe_link},
	{.name = "mounts", .kind = PROC_FILE, .show = proc_mounts_show},
	{.name = "mountinfo", .kind = PROC_FILE, .show = proc_mountinfo_show},
	{.name = "clear_refs", .kind = PROC_FILE, .write = proc_clear_refs_write, .mode = 0200},
	{.name = "smaps", .kind = PROC_FILE, .show = proc_smaps_show},
	{.name = "smaps_rollup", .kind = PROC_FILE, .show = proc_smaps_rollup_show},
	{.name = "pagemap", .kind = PROC_FILE, .read = proc_pagemap_read, .mode = 0400},
	{.name = "wchan", .kind = PROC_FILE, .show = proc_wchan_show},
	{.name = "syscall", .kind = PROC_FILE, .show = proc_syscall_show, .mode = 0400},
	{.name = "cpuset", .kind = PROC_FILE, .show = proc_cpuset_show},
	{.name = "cgroup", .kind = PROC_FILE, .show = proc_cgroup_show},
	{.name = "oom_score", .kind = PROC_FILE, .show = proc_oom_score_show},
	{.name = "oom_adj", .kind = PROC_FILE, .show = proc_oom_adj_show, .write = proc_oom_adj_write,
	 .mode = 0644},
	{.name = "oom_score_adj", .kind = PROC_FILE, .show = proc_oom_score_adj_show,
	 .write = proc_oom_score_adj_write, .mode = 0644},
	{.name = "loginuid", .kind = PROC_FILE, .show = proc_loginuid_show},
	{.name = "sessionid", .kind = PROC_FILE, .show = proc_sessionid_show},
	{.name = "coredump_filter", .kind = PROC_FILE, .show = proc_coredump_filter_show,
	 .write = proc_coredump_filter_write, .mode = 0644},
	{.name = "io", .kind = PROC_FILE, .show = proc_io_show, .mode = 0400},
	{.name = "uid_map", .kind = PROC_FILE, .show = proc_id_map_show},
	{.name = "gid_map", .kind = PROC_FILE, .show = proc_id_map_show},
	{.name = "projid_map", .kind = PROC_FILE, .show = proc_id_map_show},
	{.name = "setgroups", .kind = PROC_FILE, .show = proc_setgroups_show},
};

#define NGLOBAL (sizeof(global_entries) / sizeof(global_entries[0]))
#define NPID (sizeof(pid_entries) / sizeof(pid_entries[0]))
#define NTID (sizeof(tid_entries) / sizeof(tid_entries[0]))
#define NSYSVIPC (sizeof(sysvipc_entries) / sizeof(sysvipc_entries[0]))
#define NNET (sizeof(net_entries) / sizeof(net_entries[0]))

#define PROC_ROOT_INO 1
#define PROC_SELF_INO (PROC_INO_FIRST + NGLOBAL)
#define PROC_THREAD_SELF_INO (PROC_SELF_INO + 1)
/* A PID directory's inode; its entries follow it, then its fd links. */
#define PID_INO(pid) ((uint64_t)(pid) << 16)
/* /proc/sys, its tables, then the sysctls, 256 inodes a table. */
#define PROC_SYS_INO(dir) (PROC_THREAD_SELF_INO + 1 + (uint64_t)(dir))
#define SYSCTL_INO(dir, i) (PROC_SYS_INO(16) + 256 * (uint64_t)(dir) + (uint64_t)(i))
/* /proc/sysvipc's files, past the sysctls' room. */
#define SYSVIPC_INO(i) (SYSCTL_INO(64, 0) + (uint64_t)(i))
#define NET_INO(i) (SYSVIPC_INO(16) + (uint64_t)(i))
#define FD_INO(pid, fd) (PID_INO(pid) + 0x100 + (uint64_t)(fd))
#define FDINFO_INO(pid, fd) (PID_INO(pid) + 0xfc00 + (uint64_t)(fd)) /* the last 1024 */
/* map_files' nth link: Linux gives each a fresh number (get_next_ino),
 * so none is stable; here its place in the listing, past the first 1024
 * fds' (links of higher fds may share these numbers). */
#define MAP_FILE_INO(pid, n) (FD_INO(pid, 1024) + (uint64_t)(n))
/* A task/TID directory's inode; its entries follow it. */
#define TID_INO(tid) (PID_INO(tid) + 0x40)
#define TASK_DIR_INO(pid) (PID_INO(pid) + 1) /* task is pid_entries[0] */
/* /sys's nodes, on a device of their own as Linux's sysfs. */
#define SYSFS_INO(node) (1000 + (uint64_t)(node))

static bool is(const char *name, const char *want)
{
	return !strcmp(name, want);
}

void procfs_root(struct proc_ref *ref)
{
	*ref = (struct proc_ref){.kind = PROC_ROOT, .ino = PROC_ROOT_INO};
}

bool procfs_mount(const char *name, struct proc_ref *ref)
{
	if (is(name, "proc"))
		procfs_root(ref);
	else if (is(name, "sys"))
		*ref = (struct proc_ref){.kind = PROC_SYSFS, .node = 0, .ino = SYSFS_INO(0)};
	else
		return false;
	return true;
}

/* A decimal number without sign or leading zero, or -1. */
static int number(const char *s)
{
	if (s[0] < '1' || s[0] > '9' || strlen(s) > 9)
		return is(s, "0") ? 0 : -1;
	int n = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

static const struct proc_entry *find_entry(const struct proc_entry *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (is(name, t[i].name))
			return &t[i];
	return NULL;
}

static struct fdtable *files_of(struct kernel *k, int pid)
{
	struct process *p = process_find(k, pid);
	return p ? p->files : NULL;
}

/* The live thread tid of process pid, or NULL. */
static struct process *thread_of(struct kernel *k, int pid, int tid)
{
	struct process *t = process_find(k, tid);
	return t && t->tgid == pid && !t->exited ? t : NULL;
}

/* An entry of a PID or TID directory. */
static int dir_entry_lookup(const struct proc_entry *t, size_t n, const struct proc_ref *dir,
			    const char *name, struct proc_ref *out)
{
	const struct proc_entry *e = find_entry(t, n, name);
	if (!e)
		return -ENOENT;
	out->kind = e->kind;
	out->e = e;
	out->ino = dir->ino + 1 + (uint64_t)(e - t);
	return 0;
}

int procfs_lookup(struct kernel *k, const struct proc_ref *dir, const char *name,
		  struct proc_ref *out)
{
	const struct proc_entry *e;
	int n;
	*out = (struct proc_ref){.pid = dir->pid};
	switch (dir->kind) {
	case PROC_ROOT:
		if (is(name, "self")) {
			*out = (struct proc_ref){.kind = PROC_SELF, .pid = k->current->tgid,
						 .ino = PROC_SELF_INO};
		} else if (is(name, "thread-self")) {
			*out = (struct proc_ref){.kind = PROC_THREAD_SELF, .pid = k->current->pid,
						 .ino = PROC_THREAD_SELF_INO};
		} else if (is(name, "sys")) {
			*out = (struct proc_ref){.kind = PROC_SYS_DIR, .ino = PROC_SYS_INO(0)};
		} else if ((e = find_entry(global_entries, NGLOBAL, name))) {
			*out = (struct proc_ref){.kind = e->kind, .e = e,
						 .ino = PROC_INO_FIRST + (uint64_t)(e - global_entries)};
		} else if ((n = number(name)) > 0 && process_find(k, n)) {
			*out = (struct proc_ref){.kind = PROC_PID_DIR, .pid = n, .ino = PID_INO(n)};
		} else {
			return -ENOENT;
		}
		return 0;
	case PROC_PID_DIR:
		return dir_entry_lookup(pid_entries, NPID, dir, name, out);
	case PROC_TASK_DIR:
		if ((n = number(name)) <= 0 || !thread_of(k, dir->pid, n))
			return -ENOENT;
		*out = (struct proc_ref){.kind = PROC_TID_DIR, .pid = n, .ino = TID_INO(n)};
		return 0;
	case PROC_TID_DIR:
		return dir_entry_lookup(tid_entries, NTID, dir, name, out);
	case PROC_NS_DIR:
		return dir_entry_lookup(ns_entries, NNS, dir, name, out);
	case PROC_SYSVIPC_DIR:
		if (!(e = find_entry(sysvipc_entries, NSYSVIPC, name)))
			return -ENOENT;
		*out = (struct proc_ref){.kind = e->kind, .e = e,
					 .ino = SYSVIPC_INO(e - sysvipc_entries)};
		return 0;
	case PROC_NET_DIR:
		if (!(e = find_entry(net_entries, NNET, name)))
			return -ENOENT;
		*out = (struct proc_ref){.kind = e->kind, .e = e, .ino = NET_INO(e - net_entries)};
		return 0;
	case PROC_SYS_DIR:
		if ((n = proc_sys_find(dir->sysdir, name)) < 0)
			return -ENOENT;
		int sub = proc_sys_subdir(dir->sysdir, n);
		if (sub >= 0)
			*out = (struct proc_ref){.kind = PROC_SYS_DIR, .sysdir = sub,
						 .ino = PROC_SYS_INO(sub)};
		else
			*out = (struct proc_ref){.kind = PROC_SYSCTL, .sysdir = dir->sysdir,
						 .sysctl = n, .ino = SYSCTL_INO(dir->sysdir, n)};
		return 0;
	case PROC_SYSFS:
		if (!sysfs_is_dir(dir->node))
			return -ENOTDIR;
		if ((n = sysfs_lookup(dir->node, name)) < 0)
			return -ENOENT;
		*out = (struct proc_ref){.kind = PROC_SYSFS, .node = n, .ino = SYSFS_INO(n)};
		return 0;
	case PROC_FD_DIR:
	case PROC_FDINFO_DIR: {
		struct fdtable *t = files_of(k, dir->pid);
		if ((n = number(name)) < 0 || !t || !fd_file(t, n))
			return -ENOENT;
		bool info = dir->kind == PROC_FDINFO_DIR;
		*out = (struct proc_ref){.kind = info ? PROC_FDINFO : PROC_FD, .pid = dir->pid, .fd = n,
					 .ino = info ? FDINFO_INO(dir->pid, n) : FD_INO(dir->pid, n)};
		return 0;
	}
	case PROC_MAP_FILES_DIR: {
		uint64_t i = 0;
		int err = proc_map_files_lookup(k, dir->pid, name, out, &i);
		out->ino = MAP_FILE_INO(dir->pid, i);
		return err;
	}
	default:
		return -ENOTDIR;
	}
}

bool procfs_is_dir(const struct proc_ref *ref)
{
	return ref->kind == PROC_ROOT || ref->kind == PROC_PID_DIR || ref->kind == PROC_FD_DIR ||
	       ref->kind == PROC_FDINFO_DIR ||
	       ref->kind == PROC_MAP_FILES_DIR || ref->kind == PROC_SYS_DIR || ref->kind == PROC_TASK_DIR || ref->kind == PROC_TID_DIR ||
	       ref->kind == PROC_SYSVIPC_DIR || ref->kind == PROC_NET_DIR || ref->kind == PROC_NS_DIR || (ref->kind == PROC_SYSFS && sysfs_is_dir(ref->node));
}

bool procfs_is_link(const struct proc_ref *ref)
{
	return ref->kind == PROC_SELF || ref->kind == PROC_THREAD_SELF || ref->kind == PROC_SYMLINK;
}

/* The process id of thread tid (0 once it is gone). */
static int tgid_of(struct kernel *k, int tid)
{
	struct process *t = process_find(k, tid);
	return t ? t->tgid : 0;
}

bool procfs_is_magic(const struct proc_ref *ref)
{
	return ref->kind == PROC_LINK || ref->kind == PROC_FD || ref->kind == PROC_MAP_FILE;
}

int procfs_name(struct kernel *k, const struct proc_ref *ref, char out[PATH_MAX])
{
	switch (ref->kind) {
	case PROC_ROOT:
		snprintf(out, PATH_MAX, "/proc");
		break;
	case PROC_SELF:
		snprintf(out, PATH_MAX, "/proc/self");
		break;
	case PROC_THREAD_SELF:
		snprintf(out, PATH_MAX, "/proc/thread-self");
		break;
	case PROC_TASK_DIR:
		snprintf(out, PATH_MAX, "/proc/%d/task", ref->pid);
		break;
	case PROC_TID_DIR:
		snprintf(out, PATH_MAX, "/proc/%d/task/%d", tgid_of(k, ref->pid), ref->pid);
		break;
	case PROC_PID_DIR:
		snprintf(out, PATH_MAX, "/proc/%d", ref->pid);
		break;
	case PROC_FD_DIR:
		snprintf(out, PATH_MAX, "/proc/%d/fd", ref->pid);
		break;
	case PROC_NS_DIR:
		snprintf(out, PATH_MAX, "/proc/%d/ns", ref->pid);
		break;
	case PROC_FD:
		snprintf(out, PATH_MAX, "/proc/%d/fd/%d", ref->pid, ref->fd);
		break;
	case PROC_FDINFO_DIR:
		snprintf(out, PATH_MAX, "/proc/%d/fdinfo", ref->pid);
		break;
	case PROC_FDINFO:
		snprintf(out, PATH_MAX, "/proc/%d/fdinfo/%d", ref->pid, ref->fd);
		break;
	case PROC_MAP_FILES_DIR:
		snprintf(out, PATH_MAX, "/proc/%d/map_files", ref->pid);
		break;
	case PROC_MAP_FILE:
		snprintf(out, PATH_MAX, "/proc/%d/map_files/%llx-%llx", ref->pid,
			 (unsigned long long)ref->vm_start, (unsigned long long)ref->vm_end);
		break;
	case PROC_SYS_DIR:
		proc_sys_path(ref->sysdir, out, PATH_MAX);
		break;
	case PROC_SYSCTL: {
		proc_sys_path(ref->sysdir, out, PATH_MAX);
		size_t n = strlen(out);
		snprintf(out + n, PATH_MAX - n, "/%s", proc_sys_name(ref->sysdir, ref->sysctl));
		break;
	}
	case PROC_SYSFS:
		sysfs_path(ref->node, out, PATH_MAX);
		break;
	default:
		if (ref->e >= sysvipc_entries && ref->e < sysvipc_entries + NSYSVIPC)
			snprintf(out, PATH_MAX, "/proc/sysvipc/%s", ref->e->name);
		else if (ref->e >= net_entries && ref->e < net_entries + NNET)
			snprintf(out, PATH_MAX, "/proc/net/%s", ref->e->name);
		else if (ref->pid)
			snprintf(out, PATH_MAX, "/proc/%d/%s", ref->pid, ref->e->name);
		else
			snprintf(out, PATH_MAX, "/proc/%s", ref->e->name);
	}
	return 0;
}

/* ---- links ---- */

static int exe_link(struct kernel *k, struct process *p, struct path *target)
{
	(void)k;
	if (!p->mm || !p->signal->exe_file)
		return -ENOENT; /* a zombie's memory is gone, and its exe with it */
	path_from_file(p->signal->exe_file, target);
	return 0;
}

static int cwd_link(struct kernel *k, struct process *p, struct path *target)
{
	(void)k;
	if (!p->fs)
		return -ENOENT;
	path_from_file(p->fs->pwd, target);
	return 0;
}

static int root_link(struct kernel *k, struct process *p, struct path *target)
{
	if (!p->fs)
		return -ENOENT;
	*target = (struct path){.kind = PATH_ROOT, .fd = k->root_fd};
	return 0;
}

int procfs_get_link(struct kernel *k, const struct proc_ref *ref, struct path *target)
{
	struct process *p = process_find(k, ref->pid);
	if (!p)
		return -ENOENT; /* reaped since */
	if (ref->kind == PROC_LINK)
		return ref->e->link(k, p, target);
	if (ref->kind == PROC_MAP_FILE)
		return proc_map_files_get_link(k, ref, target);
	struct file *f = p->files ? fd_file(p->files, ref->fd) : NULL;
	if (!f)
		return -ENOENT; /* closed since */
	path_from_file(f, target);
	return 0;
}

int64_t procfs_readlink(struct kernel *k, const struct proc_ref *ref, char *buf, size_t size)
{
	char text[PATH_MAX];
	if (ref->kind == PROC_SELF) {
		snprintf(text, sizeof(text), "%d", ref->pid);
	} else if (ref->kind == PROC_THREAD_SELF) {
		snprintf(text, sizeof(text), "%d/task/%d", tgid_of(k, ref->pid), ref->pid);
	} else if (ref->kind == PROC_SYMLINK) {
		snprintf(text, sizeof(text), "%s", ref->e->target);
	} else if (ref->kind == PROC_LINK && ref->e->link == root_link) {
		snprintf(text, sizeof(text), "/"); /* as the process sees its root */
	} else if (ref->kind == PROC_MAP_FILE) {
		/* No capability needed to read it, only to follow it
		 * (Linux's proc_pid_readlink). A map's file is never /proc's. */
		struct file *f = proc_map_file(k, ref);
		int64_t n = f ? file_readlink(k, f, text, sizeof(text) - 1) : -ENOENT;
		if (n < 0)
			return n;
		text[n] = 0;
	} else if (procfs_is_magic(ref)) {
		struct path target;
		int err = procfs_get_link(k, ref, &target);
		if (err)
			return err;
		bool in_proc = target.kind == PATH_PROC;
		int64_t n = in_proc ? procfs_name(k, &target.proc, text)
				    : file_readlink(k, target.file, text, sizeof(text) - 1);
		path_put(&target); /* clears target */
		if (n < 0)
			return n;
		if (!in_proc)
			text[n] = 0;
	} else {
		return -EINVAL; /* not a link */
	}
	size_t n = strlen(text) < size ? strlen(text) : size;
	memcpy(buf, text, n);
	return (int64_t)n;
}

/* ---- the files ---- */

struct proc_file {
	struct proc_ref ref;
	struct kernel *k; /* for fstat, which gets no kernel */
	struct seq text;
	uint64_t pos;     /* a directory's: where getdents64 goes on (its d_off) */
};

/* A binary file reads and writes at pos, or at (and then past) the file
 * offset. One of /proc itself (kpageflags) has no process. */
static int64_t proc_rw_at(struct kernel *k, struct proc_file *pf, struct uio *u, int64_t pos,
			  bool write)
{
	struct process *p = pf->ref.pid ? process_find(k, pf->ref.pid) : NULL;
	if (pf->ref.pid && !p)
		return -ESRCH; /* reaped since the open */
	proc_rw_fn *fn = write ? pf->ref.e->write : pf->ref.e->read;
	int64_t n = fn(k, p, u, pos >= 0 ? (uint64_t)pos : pf->pos);
	if (n > 0 && pos < 0)
		pf->pos += (uint64_t)n;
	return n;
}

/* A text file: made anew when a read starts at offset 0; pread reads the
 * text at its position, as seq_file's does. */
static int64_t proc_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct proc_file *pf = f->private;
	if (procfs_is_dir(&pf->ref))
		return -EISDIR;
	if (!(f->f_mode & FMODE_READ))
		return -EBADF;
	if (pf->ref.kind == PROC_FILE && pf->ref.e->read)
		return proc_rw_at(k, pf, u, pos, false);
	if (pf->ref.kind == PROC_FILE && !pf->ref.e->show)
		return -EINVAL; /* write-only (clear_refs): no read op, as vfs_read */
	uint64_t at = pos >= 0 ? (uint64_t)pos : pf->pos;
	if (at == 0 || !pf->text.buf) {
		struct process *p = pf->ref.pid ? process_find(k, pf->ref.pid) : NULL;
		if (pf->ref.pid && !p)
			return -ESRCH; /* reaped since the open */
		seq_free(&pf->text);
		if (pf->ref.kind == PROC_SYSCTL) {
			char value[PROC_SYSCTL_MAX];
			proc_sys_read(k, pf->ref.sysdir, pf->ref.sysctl, value, sizeof(value));
			seq_printf(&pf->text, "%s", value);
		} else if (pf->ref.kind == PROC_SYSFS) {
			sysfs_show(k, pf->ref.node, &pf->text);
		} else if (pf->ref.kind == PROC_FDINFO) {
			int err = proc_fdinfo_show(k, p, pf->ref.fd, &pf->text);
			if (err)
				return err; /* closed since the open */
		} else {
			pf->ref.e->show(k, p, &pf->text);
		}
		if (pf->text.failed)
			return -ENOMEM;
	}
	if (at >= pf->text.len || u->left == 0)
		return 0;
	size_t n = uio_copy(k, u, pf->text.buf + at, pf->text.len - at, true);
	if (pos < 0)
		pf->pos += n;
	return n ? (int64_t)n : -EFAULT;
}

/* A sysctl or a /sys file takes the bytes of one write (only those open
 * for writing). */
static int64_t proc_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct proc_file *pf = f->private;
	if (!(f->f_mode & FMODE_WRITE))
		return -EBADF;
	if (pf->ref.kind == PROC_FILE)
		return proc_rw_at(k, pf, u, pos, true);
	char buf[64];
	size_t n = u->left < sizeof(buf) ? (size_t)u->left : sizeof(buf);
	if (uio_copy(k, u, buf, n, false) < n)
		return -EFAULT;
	int err = u->left			  ? -EINVAL
		  : pf->ref.kind == PROC_SYSFS ? sysfs_store(k, pf->ref.node, buf, n)
					       : proc_sys_write(k, pf->ref.sysdir, pf->ref.sysctl, buf, n);
	return err ? err : (int64_t)n;
}

/* seq_lseek(): SEEK_SET and SEEK_CUR, never below 0. */
static int64_t proc_llseek(struct file *f, int64_t off, int whence)
{
	struct proc_file *pf = f->private;
	if (whence == SEEK_CUR)
		off += (int64_t)pf->pos;
	else if (whence != SEEK_SET)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	pf->pos = (uint64_t)off;
	return off;
}

/* Linux's DEFAULT_POLLMASK: a file without a poll op is always ready. */
static unsigned proc_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

/* A map_files link's mode says how the file is open: r for reading, w
 * for writing (Linux's proc_map_files_instantiate). */
static mode_t map_file_mode(struct kernel *k, const struct proc_ref *ref)
{
	struct file *f = proc_map_file(k, ref);
	return (f && (f->f_mode & FMODE_READ) ? 0400 : 0) |
	       (f && (f->f_mode & FMODE_WRITE) ? 0200 : 0);
}

/* An fd/N link's mode says how the file is open: r-x for reading, -wx
 * for writing, none for O_PATH (Linux's proc_fd_link inode). */
static mode_t fd_link_mode(struct kernel *k, const struct proc_ref *ref)
{
	struct fdtable *t = files_of(k, ref->pid);
	struct file *f = t ? fd_file(t, ref->fd) : NULL;
	mode_t mode = 0;
	if (f && (f->f_mode & FMODE_READ))
		mode |= 0500;
	if (f && (f->f_mode & FMODE_WRITE))
		mode |= 0300;
	return mode;
}

/* As Linux shows what this kernel has: regular files of size 0, mode
 * 0444 (sysctls 0644), and directories of mode 0555 (fd 0500), a
 * dumpable process's owned by its effective ids, the rest by root; nlink 2 plus
 * the subdirectories. */
void procfs_stat(struct kernel *k, const struct proc_ref *ref, struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	bool by_root = ref->kind == PROC_ROOT || ref->kind == PROC_SELF ||
		       ref->kind == PROC_THREAD_SELF || ref->kind == PROC_SYMLINK ||
		       ref->kind == PROC_SYS_DIR || ref->kind == PROC_SYSVIPC_DIR ||
		       ref->kind == PROC_NET_DIR ||
		       ref->kind == PROC_SYSCTL || ref->kind == PROC_SYSFS;
	/* A process's files are its effective ids', root's while it is not
	 * dumpable (task_dump_owner). */
	const struct process *owner = by_root || !ref->pid ? NULL : process_find(k, ref->pid);
	if (owner && owner->mm && owner->mm->dumpable != SUID_DUMP_USER)
		owner = NULL;
	*st = (struct stat){
		.st_dev = makedev(0, PROC_MINOR),
		.st_ino = ref->ino,
		.st_mode = S_IFREG | 0444,
		.st_nlink = 1,
		.st_uid = owner ? owner->cred.euid : 0,
		.st_gid = owner ? owner->cred.egid : 0,
		.st_blksize = PROC_BLKSIZE,
		.st_atim = now,
		.st_mtim = now,
		.st_ctim = now,
	};
	switch (ref->kind) {
	case PROC_ROOT:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 5 + (nlink_t)k->nprocs; /* and sys, sysvipc, net */
		break;
	case PROC_SYSVIPC_DIR:
	case PROC_NET_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case PROC_SYS_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2 + (nlink_t)proc_sys_subdirs(ref->sysdir);
		break;
	case PROC_SYSCTL:
		st->st_mode = S_IFREG | proc_sys_mode(ref->sysdir, ref->sysctl);
		break;
	case PROC_FILE:
		if (ref->e->mode)
			st->st_mode = S_IFREG | ref->e->mode;
		break;
	case PROC_PID_DIR:
		st->st_mode = S_IFDIR | 0555;
		/* ".", its entry in /proc, "fd/..", "fdinfo/..", "map_files/..", "ns/..", "task/.." */
		st->st_nlink = 7;
		break;
	case PROC_TID_DIR:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 5; /* ".", its entry in task, "fd/..", "fdinfo/..", "ns/.." */
		break;
	case PROC_FDINFO_DIR: /* 0555, as the host's Linux 6.18 shows it */
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case PROC_TASK_DIR: {
		struct process *p = process_find(k, ref->pid);
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2 + (nlink_t)(p ? p->signal->nr_threads : 0);
		break;
	}
	case PROC_FD_DIR:
	case PROC_MAP_FILES_DIR:
		st->st_mode = S_IFDIR | 0500;
		st->st_nlink = 2;
		break;
	case PROC_NS_DIR:
		st->st_mode = S_IFDIR | 0511;
		st->st_nlink = 2;
		break;
	case PROC_SELF:
	case PROC_THREAD_SELF:
	case PROC_SYMLINK:
	case PROC_LINK:
		st->st_mode = S_IFLNK | 0777;
		break;
	case PROC_FD:
		st->st_mode = S_IFLNK | fd_link_mode(k, ref);
		st->st_size = FD_LINK_SIZE;
		break;
	case PROC_MAP_FILE:
		st->st_mode = S_IFLNK | map_file_mode(k, ref);
		st->st_size = FD_LINK_SIZE;
		break;
	case PROC_SYSFS: /* sysfs's: owned by root, /sys 0555, directories 0755, 4096-byte files */
		st->st_dev = makedev(0, SYSFS_MINOR);
		st->st_blksize = PAGE_SIZE;
		if (sysfs_is_dir(ref->node)) {
			st->st_mode = S_IFDIR | (ref->node ? 0755 : 0555);
			st->st_nlink = 2 + (nlink_t)sysfs_subdirs(ref->node);
		} else {
			st->st_mode = S_IFREG | (sysfs_writable(ref->node) ? 0644 : 0444);
			st->st_size = PAGE_SIZE;
		}
		break;
	default:
		break;
	}
}

static int proc_fstat(struct file *f, struct stat *st)
{
	struct proc_file *pf = f->private;
	procfs_stat(pf->k, &pf->ref, st);
	return 0;
}

static void proc_release(struct file *f)
{
	struct proc_file *pf = f->private;
	seq_free(&pf->text);
	free(pf);
}

/* ---- directories ----
 * A directory's offsets, as Linux's proc_readdir: 0 ".", 1 "..", then
 * its fixed entries; in /proc (meminfo, sys, self), the PIDs come last,
 * each at PID_POS + pid, so a listing goes on correctly when processes
 * come and go; in fd, fd N is at 2 + N; in task, thread TID at 2 + TID;
 * in map_files, the nth VMA with a file at 2 + n, as Linux counts them. */

#define SYS_POS (2 + NGLOBAL)
#define PID_POS (SYS_POS + 3) /* after sys, self and thread-self */

struct dir_entry {
	char name[40]; /* "%llx-%llx" of map_files */
	uint64_t ino;
	unsigned char type;
	uint64_t next; /* the offset after it */
};

/* The smallest process id >= from not yet reaped, or 0; with tgid, the
 * smallest live thread id of that process instead. */
static int pid_from(struct kernel *k, uint64_t from, int tgid)
{
	int best = 0;
	for (struct process *p = k->procs; p; p = p->next) {
		bool listed = tgid ? p->tgid == tgid && !p->exited : thread_group_leader(p);
		if (listed && (uint64_t)p->pid >= from && (!best || p->pid < best))
			best = p->pid;
	}
	return best;
}

static unsigned char entry_type(const struct proc_entry *e)
{
	return e->kind == PROC_FILE ? DT_REG
	       : e->kind == PROC_LINK || e->kind == PROC_SYMLINK ? DT_LNK
								  : DT_DIR;
}

static bool root_entry_at(struct kernel *k, uint64_t pos, struct dir_entry *d)
{
	if (pos - 2 < NGLOBAL) {
		const struct proc_entry *e = &global_entries[pos - 2];
		snprintf(d->name, sizeof(d->name), "%s", e->name);
		d->ino = PROC_INO_FIRST + (pos - 2);
		d->type = entry_type(e);
		return true;
	}
	if (pos == SYS_POS) {
		snprintf(d->name, sizeof(d->name), "sys");
		d->ino = PROC_SYS_INO(0);
		return true;
	}
	if (pos < PID_POS) {
		bool self = pos == SYS_POS + 1;
		snprintf(d->name, sizeof(d->name), self ? "self" : "thread-self");
		d->ino = self ? PROC_SELF_INO : PROC_THREAD_SELF_INO;
		d->type = DT_LNK;
		return true;
	}
	int pid = pid_from(k, pos - PID_POS, 0);
	if (!pid)
		return false;
	snprintf(d->name, sizeof(d->name), "%d", pid);
	d->ino = PID_INO(pid);
	d->next = PID_POS + (uint64_t)pid + 1;
	return true;
}

/* fd's entries are links, fdinfo's files. */
static bool fd_entry_at(struct kernel *k, const struct proc_ref *dir, uint64_t pos,
			struct dir_entry *d)
{
	struct fdtable *t = files_of(k, dir->pid);
	bool info = dir->kind == PROC_FDINFO_DIR;
	for (uint64_t fd = pos - 2; t && fd < (uint64_t)t->max_fds; fd++) {
		if (fd_file(t, (int)fd)) {
			snprintf(d->name, sizeof(d->name), "%d", (int)fd);
			d->ino = info ? FDINFO_INO(dir->pid, fd) : FD_INO(dir->pid, fd);
			d->type = info ? DT_REG : DT_LNK;
			d->next = fd + 3;
			return true;
		}
	}
	return false;
}

static bool task_entry_at(struct kernel *k, const struct proc_ref *dir, uint64_t pos,
			  struct dir_entry *d)
{
	int tid = pid_from(k, pos - 2, dir->pid);
	if (!tid)
		return false;
	snprintf(d->name, sizeof(d->name), "%d", tid);
	d->ino = TID_INO(tid);
	d->next = 2 + (uint64_t)tid + 1;
	return true;
}

/* The entry at offset pos or the first after it; false at the end. */
static bool dir_entry_at(struct kernel *k, const struct proc_ref *dir, uint64_t pos,
			 struct dir_entry *d)
{
	*d = (struct dir_entry){.type = DT_DIR, .next = pos + 1};
	if (pos < 2) {
		snprintf(d->name, sizeof(d->name), "%s", pos ? ".." : ".");
		d->ino = !pos ? dir->ino
			 : dir->kind == PROC_FD_DIR || dir->kind == PROC_FDINFO_DIR ||
				   dir->kind == PROC_TASK_DIR || dir->kind == PROC_MAP_FILES_DIR ||
				   dir->kind == PROC_NS_DIR
			     ? PID_INO(dir->pid)
			 : dir->kind == PROC_TID_DIR ? TASK_DIR_INO(tgid_of(k, dir->pid))
			 : dir->kind == PROC_SYS_DIR && dir->sysdir ? PROC_SYS_INO(proc_sys_parent(dir->sysdir))
			 : dir->kind == PROC_SYSFS && dir->node ? SYSFS_INO(sysfs_parent(dir->node))
								      : PROC_ROOT_INO;
		return true;
	}
	if (dir->kind == PROC_SYS_DIR) { /* its subdirectories, then its values */
		int i = (int)(pos - 2);
		if (pos - 2 >= (uint64_t)proc_sys_count(dir->sysdir))
			return false;
		int sub = proc_sys_subdir(dir->sysdir, i);
		snprintf(d->name, sizeof(d->name), "%s", proc_sys_name(dir->sysdir, i));
		d->ino = sub >= 0 ? PROC_SYS_INO(sub) : SYSCTL_INO(dir->sysdir, i);
		d->type = sub >= 0 ? DT_DIR : DT_REG;
		return true;
	}
	if (dir->kind == PROC_SYSVIPC_DIR) {
		if (pos - 2 >= NSYSVIPC)
			return false;
		snprintf(d->name, sizeof(d->name), "%s", sysvipc_entries[pos - 2].name);
		d->ino = SYSVIPC_INO(pos - 2);
		d->type = DT_REG;
		return true;
	}
	if (dir->kind == PROC_NET_DIR) {
		if (pos - 2 >= NNET)
			return false;
		snprintf(d->name, sizeof(d->name), "%s", net_entries[pos - 2].name);
		d->ino = NET_INO(pos - 2);
		d->type = DT_REG;
		return true;
	}
	if (dir->kind == PROC_SYSFS) {
		int n = sysfs_child(dir->node, (int)(pos - 2));
		if (pos - 2 > INT32_MAX || n < 0)
			return false;
		snprintf(d->name, sizeof(d->name), "%s", sysfs_name(n));
		d->ino = SYSFS_INO(n);
		d->type = sysfs_is_dir(n) ? DT_DIR : DT_REG;
		return true;
	}
	if (dir->kind == PROC_FD_DIR || dir->kind == PROC_FDINFO_DIR)
		return fd_entry_at(k, dir, pos, d);
	if (dir->kind == PROC_MAP_FILES_DIR) {
		d->ino = MAP_FILE_INO(dir->pid, pos - 2);
		d->type = DT_LNK;
		return proc_map_files_at(k, dir->pid, pos - 2, d->name, sizeof(d->name));
	}
	if (dir->kind == PROC_ROOT)
		return root_entry_at(k, pos, d);
	if (dir->kind == PROC_TASK_DIR)
		return task_entry_at(k, dir, pos, d);
	const struct proc_entry *t = dir->kind == PROC_TID_DIR  ? tid_entries
				     : dir->kind == PROC_NS_DIR ? ns_entries
								: pid_entries;
	size_t n = dir->kind == PROC_TID_DIR ? NTID : dir->kind == PROC_NS_DIR ? NNS : NPID;
	if (pos - 2 >= n)
		return false;
	const struct proc_entry *e = &t[pos - 2];
	snprintf(d->name, sizeof(d->name), "%s", e->name);
	d->ino = dir->ino + (pos - 2) + 1;
	d->type = entry_type(e);
	return true;
}

/* struct linux_dirent64, as getdents64 fills it. */
struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	unsigned char d_type;
} __attribute__((packed));

static int64_t proc_getdents(struct kernel *k, struct file *f, char *buf, size_t size)
{
	struct proc_file *pf = f->private;
	if (!procfs_is_dir(&pf->ref))
		return -ENOTDIR;
	if (pf->ref.pid && !process_find(k, pf->ref.pid))
		return -ENOENT; /* reaped since the open */
	size_t used = 0;
	struct dir_entry d;
	while (dir_entry_at(k, &pf->ref, pf->pos, &d)) {
		size_t namelen = strlen(d.name) + 1;
		size_t reclen = (sizeof(struct dirent64_head) + namelen + 7) & ~(size_t)7;
		if (used + reclen > size)
			return used ? (int64_t)used : -EINVAL; /* result buffer too small */
		struct dirent64_head h = {.d_ino = d.ino, .d_off = (int64_t)d.next,
					  .d_reclen = (uint16_t)reclen, .d_type = d.type};
		memset(buf + used, 0, reclen);
		memcpy(buf + used, &h, sizeof(h));
		memcpy(buf + used + sizeof(h), d.name, namelen);
		used += reclen;
		pf->pos = d.next;
	}
	return (int64_t)used;
}

static const struct file_ops proc_file_ops = {
	.read = proc_read,
	.write = proc_write,
	.poll = proc_poll,
	.stat = proc_fstat,
	.llseek = proc_llseek,
	.getdents = proc_getdents,
	.release = proc_release,
};

bool procfs_file_ref(struct file *f, struct proc_ref *ref)
{
	if (f->ops != &proc_file_ops)
		return false;
	*ref = ((struct proc_file *)f->private)->ref;
	return true;
}

int procfs_open(struct kernel *k, const struct proc_ref *ref, int flags, struct file **out)
{
	bool dir = procfs_is_dir(ref);
	if (!(flags & O_PATH)) {
		if (procfs_is_link(ref) || procfs_is_magic(ref))
			return -ELOOP; /* a link is opened itself only with O_PATH */
		if ((flags & O_DIRECTORY) && !dir)
			return -ENOTDIR;
		/* Only root may write a sysctl (mode 0644, owned by root). */
		bool writable = (((ref->kind == PROC_SYSCTL &&
				   (proc_sys_mode(ref->sysdir, ref->sysctl) & 0200)) ||
				  (ref->kind == PROC_SYSFS && sysfs_writable(ref->node))) &&
				 k->current->cred.euid == 0) ||
				(ref->kind == PROC_FILE && ref->e->write);
		if ((flags & O_ACCMODE) != O_RDONLY && !writable)
			return dir ? -EISDIR : -EACCES;
		/* A write-only sysctl (0200) is read by root alone, and so is a
		 * file of /proc itself (owned by root) others may not read
		 * (kpageflags: 0400). */
		if ((flags & O_ACCMODE) != O_WRONLY && ref->kind == PROC_SYSCTL &&
		    !(proc_sys_mode(ref->sysdir, ref->sysctl) & 0444) && k->current->cred.euid != 0)
			return -EACCES;
		if ((flags & O_ACCMODE) != O_WRONLY && ref->kind == PROC_FILE && !ref->pid &&
		    ref->e->mode && !(ref->e->mode & 0004) && k->current->cred.euid != 0)
			return -EACCES;
	} else if ((flags & O_DIRECTORY) && !dir) {
		return -ENOTDIR;
	}
	/* Another process's fds are read with ptrace read access only
	 * (Linux's proc_fdinfo_access_allowed). */
	struct process *owner = ref->kind == PROC_FDINFO || ref->kind == PROC_FDINFO_DIR
					? process_find(k, ref->pid) : NULL;
	if (owner && ptrace_may_access(k, owner, PTRACE_MODE_READ | PTRACE_MODE_FSCREDS))
		return -EACCES;
	struct proc_file *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->ref = *ref;
	pf->k = k;
	/* The flags F_GETFL and fdinfo show: an O_PATH open keeps only
	 * O_DIRECTORY and O_NOFOLLOW, any other all but the ones that act at
	 * the open, with O_LARGEFILE (Linux's build_open_flags). */
	int f_flags = flags & O_PATH ? flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW)
				     : (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) |
					       KERNEL_O_LARGEFILE;
	*out = file_alloc(&proc_file_ops, FILE_PROC, f_flags, pf);
	if (!*out) {
		free(pf);
		return -ENOMEM;
	}
	(*out)->f_mode = open_fmode(flags);
	return 0;
}
