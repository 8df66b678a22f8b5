/* internal.h - what the files of fs/ share and no other subsystem calls:
 * in-kernel files, the kernel's record of host files (inode.c), the walk
 * over names (namei.c) and /proc's side of it (procfs.c), record locks on
 * release, and the text buffer the /proc files are generated into
 * (Linux's seq_file, reduced) with their generators (proc_meminfo.c,
 * proc_pid.c, proc_maps.c) that procfs.c serves. */
#ifndef VMEMU_FS_INTERNAL_H
#define VMEMU_FS_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"

struct kernel;
struct process;
struct stat;

/* An in-kernel file with one reference; NULL when out of memory. */
struct file *file_alloc(const struct file_ops *ops, enum file_kind kind, int flags,
			void *private);
/* FMODE_* of a description open(2) makes with flags. */
unsigned open_fmode(int flags);
/* fstat(2) of a file on the anonymous inode (eventfd, signalfd, epoll):
 * the host's own anon inode, which Linux's are all one of (file.c). */
int anon_inode_stat(struct file *f, struct stat *st);
/* read or write of a file that has none of them: -EINVAL, Linux's answer
 * (file.c). */
int64_t file_rw_einval(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
/* f's last reference is gone: the epoll items watching it go too
 * (eventpoll.c; Linux's eventpoll_release). */
void eventpoll_release(struct file *f);
/* A new open of the file f is (Linux's magic links, /proc/PID/fd/N): a
 * host file opened again (not by name), a pipe's other end, a /proc
 * file. 0 and *out, or -errno. */
int file_reopen(struct kernel *k, struct file *f, int flags, struct file **out);
int pipe_reopen(struct file *f, int flags, struct file **out); /* pipe.c */
uint64_t pipe_ino(struct file *f);
uint64_t sockfs_new_ino(void); /* af_unix.c: the next socket's inode number */
int memfd_reopen(struct kernel *k, struct file *f, int flags, struct file **out); /* memfd.c */
/* Terminals (pty.c): a new open of a pty file or node; its name
 * ("/dev/pts/N", "/dev/ptmx", "/dev/tty"). Whether name may be a node of
 * the kernel's in /dev or /dev/pts (tty_dev_name), and the lookup there:
 * 1 when the kernel has none of that name, else 0 with a PATH_FILE in
 * *out, or -errno; open says the name is being opened (/dev/tty is the
 * caller's controlling terminal). */
int pty_reopen(struct kernel *k, struct file *f, int flags, struct file **out);
void pty_name(struct file *f, char *buf, size_t size);
bool tty_dev_name(const char *name);
int tty_dev_lookup(struct kernel *k, const char *dir, const char *name, bool open,
		   struct path *out);
void memfd_name(struct file *f, char *buf, size_t size);
/* The extended attributes a memfd keeps in memory (xattr.c), NULL for any
 * other file and for a hugetlbfs memfd (memfd.c). */
struct simple_xattr;
struct simple_xattr **memfd_xattrs(struct file *f);
void simple_xattrs_free(struct simple_xattr *list); /* xattr.c */
/* A message queue's name, as /proc/PID/fd shows it: "/NAME", " (deleted)"
 * once unlinked (mqueue.c). */
void mqueue_name(struct file *f, char *buf, size_t size);
/* A new open of the queue f is on (/proc/PID/fd/N), by its mode bits. */
int mqueue_reopen(struct kernel *k, struct file *f, int flags, struct file **out);
/* /proc/sys/fs/mqueue (mqueue_sysctl.c), as proc_sys.c's tables. */
int mqueue_sysctl_count(void);
const char *mqueue_sysctl_name(int i);
int mqueue_sysctl_find(const char *name, size_t len);
int mqueue_sysctl_read(struct kernel *k, int i, char *buf, size_t size);
int mqueue_sysctl_write(struct kernel *k, int i, const char *text, size_t len);
unsigned mqueue_sysctl_mode(int i);
/* Host fds a call may wait for (stream.c): whether f is a pipe, FIFO,
 * socket or terminal in blocking mode; 0 when it has events now, else the
 * current process sleeps until it has (-ERESTARTSYS); a blocking write. */
bool stream_blocking(const struct file *f);
int64_t stream_wait(struct kernel *k, struct file *f, short events);
int64_t stream_write(struct kernel *k, struct file *f, struct uio *u);
/* The open of a FIFO (fifo.c): whether flags make it wait for the other
 * end; the open, on a host thread (taking path_fd, an O_PATH fd of the
 * FIFO): its host fd when it is done at once, else -ERESTARTSYS (the
 * process sleeps) or -errno; the restarted call's host fd. */
bool fifo_open_waits(int flags);
int fifo_open_start(struct kernel *k, int path_fd, int flags);
int fifo_open_finish(struct kernel *k);
/* openat(2) on the host with the flags open(2) knows, O_CLOEXEC, and the
 * current process's umask for a file it creates: fd or -errno. */
int host_openat(struct kernel *k, int dir_fd, const char *name, int flags, unsigned mode);

/* A read of host file f at pos that the page cache answered: one byte
 * read on the host too while the guest has inotify instances, so that
 * their watches get IN_ACCESS (inotify.c). */
void fsnotify_access(struct kernel *k, struct file *f, int64_t pos);

/* ---- the kernel's record of a host file (inode.c) ---- */

struct file_lock;

/* One per host file (device and inode number) that an open file
 * description names: who writes it, who executes it, its record locks. */
struct inode {
	struct kernel *k;
	uint64_t dev, ino;
	int refcount;
	/* Linux's i_writecount: > 0, descriptions open for writing; < 0,
	 * processes executing the file. */
	int writecount;
	struct file_lock *locks; /* record locks, in start order (locks.c) */
	int lock_fd;             /* host description holding them for the host, or -1 */
	struct inode *next;      /* k->inodes */
};

/* The record of the host file st describes (a reference); NULL when out
 * of memory. */
struct inode *inode_get(struct kernel *k, const struct stat *st);
void inode_put(struct inode *i);
int get_write_access(struct inode *i); /* 0, or -ETXTBSY while executed */
void put_write_access(struct inode *i);
int deny_write_access(struct inode *i); /* 0, or -ETXTBSY while open for writing */
void allow_write_access(struct inode *i);
/* Whether the host file st describes is being executed: an open that
 * writes or truncates it is ETXTBSY. */
bool inode_write_denied(struct kernel *k, const struct stat *st);

/* f's last reference is gone: its OFD locks and flock go (locks.c). */
void locks_remove_file(struct file *f);
/* fdinfo's "lock:" lines of f, open in files (proc_locks.c). */
void locks_show_fd(struct seq *s, const struct file *f, const struct fdtable *files);

/* ---- places in the guest's tree (namei.c) ---- */

int path_copy(struct path *to, const struct path *from);
int host_fd_name(struct kernel *k, int fd, char out[PATH_MAX], bool *deleted);
/* The guest's name of an open file, as readlink of /proc/PID/fd/N shows
 * it ("pipe:[N]", " (deleted)"); the length (cut to size), or -errno. */
int64_t file_readlink(struct kernel *k, struct file *f, char *buf, size_t size);

/* The NStgid, NSpid, NSpgid and NSsid lines of /proc/PID/status: p's
 * ids in every PID namespace from /proc's (the initial one) down to
 * p's own (proc_pid.c; fdinfo shows a pidfd's NSpid the same way). */
struct seq;
void proc_show_nspid(struct kernel *k, const struct process *p, struct seq *s);
/* One such line, "NAME:\tN0\tN1...\n": p's thread id (with tgid, its
 * process id) at every level (fdinfo's NSpid of a pidfd). */
void proc_show_pid_levels(struct seq *s, const char *name, const struct process *p, bool tgid);

/* nsfs files (proc_ns.c): a new open of f, its name ("uts:[4026531838]"), and /proc/PID/ns/NAME's target. */
struct ns_ref;
int nsfs_reopen(struct file *f, int flags, struct file **out);
void nsfs_name(const struct file *f, char *buf, size_t size);
int proc_ns_link(struct kernel *k, struct process *p, int type, struct path *target);

/* ---- the guest's /proc (procfs.c) ---- */

void procfs_root(struct proc_ref *ref);
/* The kernel's file system mounted at /NAME ("proc", "sys"): true and its
 * root in *ref, else false. */
bool procfs_mount(const char *name, struct proc_ref *ref);

struct seq;

/* ---- the guest's /sys (sysfs.c): nodes by index, 0 being /sys ---- */

/* The node named name in directory dir, or -1. */
int sysfs_lookup(int dir, const char *name);
/* The nth node of directory dir, or -1 past the last. */
int sysfs_child(int dir, int n);
int sysfs_parent(int node);  /* -1 for /sys */
int sysfs_subdirs(int dir);  /* how many directories dir holds */
bool sysfs_is_dir(int node);
bool sysfs_writable(int node); /* by root, mode 0644 */
const char *sysfs_name(int node);
void sysfs_path(int node, char *out, size_t size); /* "/sys/kernel/mm" */
void sysfs_show(struct kernel *k, int node, struct seq *s);
/* One write of len bytes: 0, or -EINVAL. */
int sysfs_store(struct kernel *k, int node, const char *text, size_t len);
/* name in the /proc directory dir: 0, -ENOENT, or -ENOTDIR. */
int procfs_lookup(struct kernel *k, const struct proc_ref *dir, const char *name,
		  struct proc_ref *out);
bool procfs_is_dir(const struct proc_ref *ref);
bool procfs_is_link(const struct proc_ref *ref);  /* "self": a plain symlink */
bool procfs_is_magic(const struct proc_ref *ref); /* exe, cwd, root, fd/N, map_files/A-B */
/* readlink(2) of a link: the target's length (cut to size), or -errno. */
int64_t procfs_readlink(struct kernel *k, const struct proc_ref *ref, char *buf, size_t size);
/* The open file (or the root) a magic link names: 0 and *target, or -errno. */
int procfs_get_link(struct kernel *k, const struct proc_ref *ref, struct path *target);
/* open(2) of a /proc file or directory (a link only with O_PATH): 0 and
 * the new file in *out, or -errno. */
int procfs_open(struct kernel *k, const struct proc_ref *ref, int flags, struct file **out);
void procfs_stat(struct kernel *k, const struct proc_ref *ref, struct stat *st);
/* "/proc/1/fd": the guest's name of a node. */
int procfs_name(struct kernel *k, const struct proc_ref *ref, char out[PATH_MAX]);
/* The node an open /proc file is; false for any other file. */
bool procfs_file_ref(struct file *f, struct proc_ref *ref);

/* /proc/PID/map_files (proc_map_files.c). The entry name in pid's
 * directory: 0, *out and its place in the listing, or -ENOENT. */
int proc_map_files_lookup(struct kernel *k, int pid, const char *name, struct proc_ref *out,
			  uint64_t *index);
/* The name of the nth entry (from 0) into name; false past the last. */
bool proc_map_files_at(struct kernel *k, int pid, uint64_t n, char *name, size_t size);
/* The file an entry names (no reference), NULL once unmapped. */
struct file *proc_map_file(struct kernel *k, const struct proc_ref *ref);
/* Following an entry: 0 and *target, -EPERM without CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE, -ENOENT once unmapped. */
int proc_map_files_get_link(struct kernel *k, const struct proc_ref *ref, struct path *target);

/* /proc/sys (proc_sys.c): directories by number, 0 being /proc/sys; a
 * directory's entries are its subdirectories, then its values. */
int proc_sys_count(int dir);
int proc_sys_subdirs(int dir);        /* how many subdirectories dir has */
int proc_sys_subdir(int dir, int i);  /* entry i's number if a directory, else -1 */
int proc_sys_parent(int dir);
void proc_sys_path(int dir, char *out, size_t size); /* "/proc/sys/kernel/random" */
const char *proc_sys_name(int dir, int i);
int proc_sys_find(int dir, const char *name); /* the index, or -1 */
/* The value's text ("65530\n"): the length snprintf gives. */
int proc_sys_read(struct kernel *k, int dir, int i, char *buf, size_t size);
/* Its mode: 0644, or 0200 for a write-only trigger (vm.drop_caches). */
unsigned proc_sys_mode(int dir, int i);
/* A write of len bytes of text: 0 or -EINVAL. */
int proc_sys_write(struct kernel *k, int dir, int i, const char *text, size_t len);

struct seq {
	char *buf;
	size_t len, cap;
	size_t line;  /* where the current line starts, for seq_pad */
	bool failed;  /* out of host memory: the text is incomplete */
};

__attribute__((format(printf, 2, 3)))
void seq_printf(struct seq *s, const char *fmt, ...);
/* Spaces up to column col of the current line, then one more (Linux's
 * seq_setwidth + seq_pad(m, ' ') as /proc/PID/maps uses them). */
void seq_pad(struct seq *s, size_t col);
void seq_free(struct seq *s);

/* A generator: the text of one file; p is the process of /proc/PID/...
 * (NULL for system-wide files). */
typedef void proc_show_fn(struct kernel *k, struct process *p, struct seq *s);

/* /proc/PID/fdinfo/N (proc_fdinfo.c): fd's text (pos, flags, mnt_id,
 * ino, then its kind's lines): 0, or -ENOENT when fd is not open. */
int proc_fdinfo_show(struct kernel *k, struct process *p, int fd, struct seq *s);
/* A file's offset as fdinfo shows it (0 for a file without one), and the
 * lines after ino of the host's own fdinfo of host_fd (a host timerfd's
 * clock and times). */
int64_t fdinfo_pos(struct file *f);
void host_fdinfo_tail(int host_fd, struct seq *s);
proc_show_fn proc_meminfo_show;                                    /* proc_meminfo.c */
proc_show_fn proc_vmstat_show;                                     /* proc_vmstat.c */
/* The counters of /proc/vmstat, in Linux's order: zone counters, node
 * counters, then events (proc_vmstat.c). */
enum vmstat_kind { VMSTAT_ZONE, VMSTAT_NODE, VMSTAT_EVENT };
struct vmstat_item {
	const char *name;
	uint64_t value;
	enum vmstat_kind kind;
};
#define VMSTAT_MAX_ITEMS 48
size_t vmstat_items(struct kernel *k, struct vmstat_item items[VMSTAT_MAX_ITEMS]);
proc_show_fn proc_zoneinfo_show;                                   /* proc_zoneinfo.c */
proc_show_fn proc_locks_show;                                      /* proc_locks.c */
proc_show_fn proc_buddyinfo_show;                                  /* proc_buddyinfo.c */
proc_show_fn proc_sysvipc_shm_show, proc_sysvipc_sem_show, proc_sysvipc_msg_show; /* proc_sysvipc.c */
proc_show_fn proc_net_tcp_show, proc_net_tcp6_show, proc_net_udp_show, proc_net_udp6_show; /* proc_net.c */
proc_show_fn proc_status_show, proc_stat_show, proc_tid_stat_show, proc_statm_show; /* proc_pid.c */
proc_show_fn proc_cmdline_show;                                    /* proc_pid.c */
proc_show_fn proc_maps_show;                                       /* proc_maps.c */
proc_show_fn proc_smaps_show, proc_smaps_rollup_show;              /* proc_smaps.c */
proc_show_fn proc_stat_global_show, proc_uptime_show, proc_loadavg_show; /* proc_stat.c */
proc_show_fn proc_cpuinfo_show;                                    /* proc_cpuinfo.c */
proc_show_fn proc_version_show, proc_swaps_show;                   /* proc_version.c */
proc_show_fn proc_mounts_show, proc_mountinfo_show, proc_filesystems_show; /* proc_mounts.c */
proc_show_fn proc_limits_show;                                     /* proc_pid_limits.c */
proc_show_fn proc_oom_score_show, proc_oom_score_adj_show, proc_oom_adj_show; /* proc_pid_oom.c */
proc_show_fn proc_comm_show, proc_cgroup_show, proc_io_show, proc_wchan_show,
	proc_personality_show, proc_loginuid_show, proc_sessionid_show,
	proc_timerslack_ns_show, proc_syscall_show; /* proc_pid_misc.c */
struct vma;
/* A binary file of /proc/PID read or written at pos (proc_pid_mem.c):
 * the bytes moved or -errno. */
typedef int64_t proc_rw_fn(struct kernel *k, struct process *p, struct uio *u, uint64_t pos);
proc_rw_fn proc_pagemap_read, proc_mem_read, proc_mem_write;
proc_rw_fn proc_environ_read, proc_auxv_read;                      /* proc_pid_env.c */
proc_rw_fn proc_kpageflags_read, proc_kpagecount_read;             /* proc_kpage.c */
proc_rw_fn proc_oom_score_adj_write, proc_oom_adj_write;           /* proc_pid_oom.c */
proc_rw_fn proc_comm_write, proc_timerslack_ns_write;              /* proc_pid_misc.c */
proc_rw_fn proc_clear_refs_write;                                  /* proc_clear_refs.c */
proc_show_fn proc_id_map_show, proc_setgroups_show, proc_cpuset_show,
	proc_coredump_filter_show;                                 /* proc_pid_ns_maps.c */
proc_show_fn proc_timens_offsets_show;                             /* proc_timens.c */
proc_rw_fn proc_timens_offsets_write;
proc_rw_fn proc_coredump_filter_write;
/* A small proc file's written int, as kstrtoint(strstrip(buf), base) of
 * its first 12 bytes takes it: blanks around it; how many bytes of the
 * write were taken, or -errno (proc_pid_oom.c). */
int64_t proc_write_int(struct kernel *k, struct uio *u, int base, int *value);
/* Where a maps line's name starts (seq_setwidth(25 + 6 * sizeof(void *) - 1)). */
#define PROC_MAPS_NAME_COLUMN (25 + 6 * sizeof(void *) - 1)
/* One line of /proc/PID/maps: v's range, rights, offset, file and name. */
void proc_show_map_vma(struct kernel *k, const struct vma *v, struct seq *s);
/* The vsyscall page as maps and smaps show it last (Linux's gate VMA). */
extern const struct vma gate_vma;

#endif
