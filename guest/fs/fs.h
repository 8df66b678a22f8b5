/* fs.h - files as the rest of the kernel uses them: open file descriptions
 * and the per-process fd table (file.c), host-backed files (file_host.c)
 * and the kernel's record of each host file (inode.c), guest path names
 * resolved inside --root (namei.c), pipes (pipe.c), event descriptors
 * (eventfd.c, timerfd.c, signalfd.c, eventpoll.c), the guest's /proc
 * (procfs.c), each process's umask and working directory (fs_struct.c)
 * and record locks (locks.c). fs/internal.h has the parts only fs/ uses. */
#ifndef VMEMU_FS_H
#define VMEMU_FS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern.h" /* syscall_fn */

struct kernel;
struct process;
struct uio;

/* ---- files (file.c) ---- */

/* The most fds a table may hold: /proc/sys/fs/nr_open, Linux's default
 * sysctl_nr_open, the highest RLIMIT_NOFILE may be set to. */
#define NR_OPEN (1024 * 1024)

struct file; /* defined below, with the open-file layer */

/* The fd table (Linux's files_struct), shared by the tasks of a process
 * and by clone(CLONE_FILES). It grows on demand (Linux's expand_files):
 * max_fds slots, 64 to start with (NR_OPEN_DEFAULT), FDSize in
 * /proc/PID/status. */
struct fdtable {
	int users; /* tasks that use it */
	int max_fds;
	struct file **fd;
	bool *cloexec;
};

/* Files: the per-process table (file.c): the first process gets the
 * descriptors vmemu was given (cfg.host_fds), duplicated, at the same
 * numbers. NULL when out of memory. */
struct fdtable *fdtable_create_inherited(struct kernel *k);
/* One more task shares t; one lets go: the last closes every fd. */
void fdtable_get(struct fdtable *t);
void fdtable_put(struct fdtable *t);

/* ---- open files (file.c, file_host.c, pipe.c) ----
 * A guest fd names a struct file, an open file description: dup'ed and
 * inherited fds share one, so they share its offset and status flags.
 * Each kind acts through its file_ops; host-backed files (regular,
 * directory, tty, other) do the work on a host fd, pipes in the kernel. */
enum file_kind { FILE_REGULAR, FILE_DIRECTORY, FILE_TTY, FILE_OTHER, FILE_PIPE, FILE_PROC,
		 FILE_SOCKET, FILE_MEMFD, FILE_PIDFD,
		 FILE_ANON /* eventfd, signalfd, epoll: in-kernel files on Linux's anonymous inode */,
		 FILE_PTY /* the guest's pseudo-terminals, in the kernel (pty.c) */,
		 FILE_MQUEUE /* a POSIX message queue (mqueue.c) */ };

struct stat;
struct seq;
struct proto_ops;

/* O_LARGEFILE as the kernel sees it: glibc defines it as 0 on x86-64. */
#define KERNEL_O_LARGEFILE 0100000

struct file_ops {
	/* pos < 0: at the file offset, else at pos (pread/pwrite; only
	 * host-backed files get one). Returns the bytes moved or -errno; a
	 * call that must wait has called process_block and returns
	 * -ERESTARTSYS. NULL: the file is not open for it (EBADF). */
	int64_t (*read)(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
	int64_t (*write)(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
	/* In-kernel files: the POLL* bits true now. NULL for host-backed
	 * files, which sys_poll asks the host about. */
	unsigned (*poll)(struct file *f);
	int (*stat)(struct file *f, struct stat *st);
	/* In-kernel files with an offset (/proc): lseek(2); the new offset
	 * or -errno. NULL: not seekable (ESPIPE). */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	/* In-kernel directories (/proc): getdents64 into the kernel buffer
	 * buf of size bytes, from the file offset; the bytes filled, 0 at
	 * the end, or -errno. NULL: ask the host (ENOTDIR without one). */
	int64_t (*getdents)(struct kernel *k, struct file *f, char *buf, size_t size);
	void (*release)(struct file *f); /* the last reference is gone */
	/* In-kernel files: the wait channels file_wake is called with when
	 * what poll says of f changes (Linux's poll_wait); fills chans and
	 * returns how many (at most FILE_POLL_CHANS). NULL: none (poll's
	 * answer never changes). */
	int (*poll_chans)(struct file *f, const void *chans[]);
	/* Files on the anonymous inode: their name ("[eventfd]"), which
	 * readlink of /proc/PID/fd/N shows as "anon_inode:[eventfd]". */
	const char *anon_name;
	/* A close(2) of one of its fds by the process whose table is owner
	 * (Linux's f_op->flush); NULL: nothing to do. */
	void (*flush)(struct file *f, const struct fdtable *owner);
	/* The lines of /proc/PID/fdinfo/N that are the kind's, after pos,
	 * flags, mnt_id and ino (Linux's show_fdinfo; proc_fdinfo.c). NULL:
	 * none. */
	void (*show_fdinfo)(struct file *f, struct seq *s);
	/* In-kernel files with ioctls of their own (userfaultfd), after the
	 * generic FIOCLEX, FIONCLEX, FIONBIO, FIONREAD; NULL: tty_ioctl's
	 * answer (ENOTTY). */
	int64_t (*ioctl)(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg);
	/* Sockets (FILE_SOCKET): the calls of their family (Linux's
	 * socket->ops). NULL for every other kind. */
	const struct proto_ops *sock;
};

#define FILE_POLL_CHANS 2

/* What an open file description may do (Linux's f_mode). */
#define FMODE_READ 1u
#define FMODE_WRITE 2u
#define FMODE_PATH 4u /* O_PATH: it names a file and does nothing else */
/* A host file the guest did not reach through --root: its stdio, or its
 * executable when PROG lies outside the root. A new open of it (through
 * /proc/PID/exe or fd/N) gets no more access than this description has,
 * and its attributes cannot change (EROFS, as on a read-only mount). */
#define FMODE_OUTSIDE_ROOT 8u
/* The executable of a process (file_open_exe): the file cannot be opened
 * for writing while this description lives (Linux's deny_write_access). */
#define FMODE_EXEC 16u

struct inode;

struct file {
	int refcount;
	const struct file_ops *ops;
	enum file_kind kind;
	int host_fd;   /* -1 for in-kernel files */
	int flags;     /* in-kernel files: O_ACCMODE and status flags (host
			  files keep theirs in the host's description, but
			  for the guest's O_NOFOLLOW, kept here) */
	unsigned f_mode;      /* FMODE_* */
	struct inode *inode;  /* host regular files: the kernel's record (inode.c) */
	void *private; /* the kind's state (struct pipe) */
	/* Who opened it (Linux's f_cred), as current_cred_token gave it
	 * then; 0 for in-kernel files and vmemu's stdio. */
	uint64_t f_cred;
	struct epitem *f_ep;  /* the epoll items watching it (eventpoll.c) */
};

/* The credentials of the current task, as a token that is the same for
 * the threads of one process between two changes of its credentials
 * (Linux makes new ones at fork, execve and capset): linkat's
 * AT_EMPTY_PATH rule compares it with a file's f_cred. 0 with no task. */
uint64_t current_cred_token(struct kernel *k);

/* An in-kernel file's state changed (Linux's wake_up_poll): wakes the
 * calls sleeping on chan and every poll, and hands the change to the
 * epoll items watching chan; key is the POLL* events it is about, 0 for
 * any (eventpoll.c; mm/ calls it through vm_file_ops for userfaultfds). */
void file_wake(struct kernel *k, const void *chan, unsigned key);
/* Woken whenever an in-kernel file changes state, for poll (file.c). */
extern const char file_poll_chan;

/* A file on host_fd (taking ownership of it) as open(2) with flags gives
 * it: 0 and *out, or -errno with the fd closed: -ENOMEM, or -ETXTBSY when
 * it is opened for writing while a process executes it (file_host.c). */
int file_create(struct kernel *k, int host_fd, int flags, struct file **out);
/* A file on the anonymous inode, open for reading and writing, for
 * another subsystem's kernel object (Linux's anon_inode_getfile); NULL
 * when out of memory. */
struct file *anon_inode_file(const struct file_ops *ops, void *private);
void file_get(struct file *f);
void file_put(struct file *f);
/* The host fd behind f, or -1 for an in-kernel file (host calls on it
 * then fail with EBADF). */
int file_host_fd(const struct file *f);
enum file_kind file_kind(const struct file *f);
/* The page cache of f when it is a host regular file that may be cached
 * (attached at first use), else NULL. */
struct mapping *filemap_of(struct kernel *k, struct file *f);
/* fstat(2) of f, through its kind: 0 or -errno. */
int file_stat(struct file *f, struct stat *st);
/* f is /dev/userfaultfd, the character device 10:257, whose only ioctl
 * USERFAULTFD_IOC_NEW (else -EINVAL) makes a userfaultfd (userfaultfd.c). */
bool file_is_dev_userfaultfd(struct file *f);
int64_t userfaultfd_dev_ioctl(struct kernel *k, unsigned cmd, uint64_t flags);
/* f is the character device 1:5, /dev/zero (its maps are anonymous memory). */
bool file_is_dev_zero(struct file *f);
/* F_GETFL and F_SETFL: flags, or -errno. */
int file_get_flags(struct file *f);
int file_set_flags(struct file *f, int flags);

/* A new pipe: ends[0] the read end, ends[1] the write end, each with one
 * reference and O_NONBLOCK / O_DIRECT from flags (pipe.c). 0 or -ENOMEM. */
int pipe_create(struct kernel *k, int flags, struct file *ends[2]);
/* Bytes waiting in the pipe f is an end of (FIONREAD), or -ENOTTY. */
int pipe_nread(struct file *f);
/* Its capacity in bytes (F_GETPIPE_SZ), or -EBADF when f is no pipe. */
int pipe_capacity(struct file *f);

/* ---- terminals (tty.c, pty.c, n_tty.c, tty_io.c) ----
 * ioctl(2) on a terminal: a pty of the guest's, or vmemu's own terminal
 * (FILE_TTY); -ENOTTY for other files. */
int64_t tty_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg);
/* A session leader's process ended: its controlling pty's foreground
 * group gets SIGHUP and the session loses the terminal. */
void tty_session_leader_exit(struct kernel *k, struct process *p);
/* The kernel ends: what is left of its terminals goes. */
void tty_exit(struct kernel *k);
/* /proc/PID/stat's tty_nr (the controlling terminal's device, encoded as
 * Linux's new_encode_dev; 0 for none) and *tpgid (its foreground group,
 * -1 for none) of p. */
int tty_proc_stat(struct kernel *k, const struct process *p, int *tpgid);

/* AF_UNIX sockets (af_unix*.c), as Linux's net/unix. socket(2) of a
 * SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET type, O_NONBLOCK in flags:
 * 0 and *out, or -errno. socketpair(2): two connected sockets, one
 * reference each; 0 or -ENOMEM. */
int unix_create(struct kernel *k, int type, int flags, struct file **out);
int unix_socketpair(struct kernel *k, int type, int flags, struct file *ends[2]);
/* The calls on a socket f (FILE_SOCKET); addresses are kernel copies.
 * 0 (or a length, a byte count) or -errno; a call that must wait has
 * blocked (-ERESTARTSYS). accept: the new socket in *out, O_NONBLOCK from
 * flags. getname: the name of f (or of its peer) into out, and its length. */
int unix_bind(struct kernel *k, struct file *f, const void *addr, int len);
int unix_listen(struct file *f, int backlog);
int unix_connect(struct kernel *k, struct file *f, const void *addr, int len);
int unix_accept(struct kernel *k, struct file *f, int flags, struct file **out);
int unix_getname(struct file *f, void *out, bool peer);
/* shutdown(2): 0, -ENOTSOCK (f is no socket) or -EINVAL (how). */
int unix_shutdown(struct file *f, int how);
/* A sendmsg or recvmsg (Linux's kernel msghdr). Sending: name/namelen
 * the address (namelen 0: none), control/controllen a kernel copy of the
 * user's. Receiving: name gets the sender's (namelen its length, 0 if it
 * has none), control (NULL when the user gave none) is filled up to
 * controllen, which then says how much was used, and flags gets
 * MSG_TRUNC and MSG_CTRUNC. restart: a blocking stream call that moved
 * bytes may sleep and carry on (p->io_done), as read and write do. */
struct unix_msghdr {
	struct uio *u;
	void *name;
	int namelen;
	char *control;
	size_t controllen;
	int flags;
	bool restart;
};
int64_t unix_sendmsg(struct kernel *k, struct file *f, struct unix_msghdr *m, int flags);
int64_t unix_recvmsg(struct kernel *k, struct file *f, struct unix_msghdr *m, int flags);
/* getsockopt(2) into val (*len bytes of room, then the length given) and
 * setsockopt(2): 0 or -errno. */
int unix_getsockopt(struct kernel *k, struct file *f, int level, int name, void *val, int *len);
int unix_setsockopt(struct file *f, int level, int name, const void *val, int len);

/* The calls of a socket family, with the meanings of the unix_* calls
 * above (Linux's struct proto_ops); ino: the socket's inode number in
 * sockfs. The system calls reach a socket f through sock_ops(f). */
struct proto_ops {
	int family;
	int (*bind)(struct kernel *k, struct file *f, const void *addr, int len);
	int (*listen)(struct file *f, int backlog);
	int (*connect)(struct kernel *k, struct file *f, const void *addr, int len);
	int (*accept)(struct kernel *k, struct file *f, int flags, struct file **out);
	int (*getname)(struct file *f, void *out, bool peer);
	int (*shutdown)(struct file *f, int how);
	int64_t (*sendmsg)(struct kernel *k, struct file *f, struct unix_msghdr *m, int flags);
	int64_t (*recvmsg)(struct kernel *k, struct file *f, struct unix_msghdr *m, int flags);
	int (*getsockopt)(struct kernel *k, struct file *f, int level, int name, void *val,
			  int *len);
	int (*setsockopt)(struct file *f, int level, int name, const void *val, int len);
	uint64_t (*ino)(struct file *f);
};
static inline const struct proto_ops *sock_ops(const struct file *f)
{
	return f->ops->sock;
}

/* AF_INET and AF_INET6 sockets on the loopback network (af_inet.c, tcp.c,
 * udp.c): socket(2) of family, a SOCK_STREAM or SOCK_DGRAM type and
 * protocol; O_NONBLOCK in flags. 0 and *out, or -errno. */
int inet_create(struct kernel *k, int family, int type, int protocol, int flags,
		struct file **out);

/* memfd (memfd.c). The shared memory a map of f gets (for mmap; VM_MAYWRITE
 * joins *vm_flags for a shared map that may become writable), or NULL
 * when its seals forbid a writable shared map (EPERM). */
struct mapping *memfd_map(struct file *f, bool shared, unsigned *vm_flags);
/* ftruncate(2) and fallocate(2) of a memfd, as shmem does them with its
 * seals: 0 or -errno. */
int memfd_truncate(struct kernel *k, struct file *f, uint64_t size);
int memfd_fallocate(struct kernel *k, struct file *f, int mode, uint64_t off, uint64_t len);
/* fcntl F_ADD_SEALS (arg: the seals) and F_GET_SEALS: the seals, 0, or
 * -errno (EINVAL for a file that is no memfd). */
int64_t memfd_fcntl_seals(struct kernel *k, struct file *f, int cmd, uint64_t arg);
syscall_fn sys_memfd_create;
syscall_fn sys_pidfd_open, sys_pidfd_send_signal, sys_process_mrelease,
	sys_pidfd_getfd; /* pidfd.c */
/* A new close-on-exec pidfd of p in the caller's table (flags: 0 or
 * O_NONBLOCK): the fd, or -errno (pidfd_open, clone's CLONE_PIDFD). */
int pidfd_create(struct kernel *k, const struct process *p, int flags);
/* A process has exited: pidfds may poll IN now (Linux's do_notify_pidfd). */
void pidfd_notify(struct kernel *k);

/* Event descriptors: eventfd.c, timerfd.c (a host timerfd: the host's
 * clocks are the guest's), signalfd.c, eventpoll.c. */
syscall_fn sys_userfaultfd; /* userfaultfd.c */
syscall_fn sys_eventfd, sys_eventfd2, sys_timerfd_create, sys_timerfd_settime,
	sys_timerfd_gettime, sys_signalfd, sys_signalfd4, sys_epoll_create, sys_epoll_create1,
	sys_epoll_ctl;
/* A signal was queued (signal.c): signalfds may poll IN now. */
void signalfd_notify(struct kernel *k);
/* epoll_wait's side in fs (sys_poll.c sleeps): whether f is an epoll
 * file; up to max of its events stored at uevents, as Linux's
 * ep_send_events (level-triggered items stay ready, edge-triggered and
 * one-shot ones are done): how many, or -EFAULT when the first cannot be
 * stored (it stays ready); the host fd that turns readable when
 * the host files it watches have news, which a sleeper waits for too (-1
 * when it watches none). */
bool file_is_epoll(const struct file *f);
int eventpoll_send_events(struct kernel *k, struct file *f, uint64_t uevents, int max);
int eventpoll_host_fd(const struct file *f);
/* kcmp's KCMP_EPOLL_TFD: the file of the toff-th item of epoll f watching
 * fd tfd; -EINVAL when f is no epoll, -ENOENT when there is none. */
int eventpoll_target(struct file *f, int tfd, uint64_t toff, struct file **out);
/* The process a pidfd names (waitid's P_PIDFD): its pid, 0 once it has
 * been reaped, or -EBADF for an fd that is no pidfd; *f_flags gets the
 * pidfd's flags (O_NONBLOCK: PIDFD_NONBLOCK). */
int pidfd_pid(struct kernel *k, uint64_t fd, int *f_flags);
/* Whether f is an nsfs file (/proc/PID/ns/NAME opened): then the
 * namespace it holds in *out, when out is not NULL (proc_ns.c). */
struct ns_ref;
bool nsfs_file_ns(const struct file *f, struct ns_ref *out);

/* The open file behind guest fd, or NULL (EBADF). */
struct file *fd_file(struct fdtable *t, int fd);
/* The file behind a system call's fd argument in the current process: its
 * low 32 bits, as Linux's unsigned int fd. fd_arg is Linux's fdget: an
 * O_PATH file counts as not open (EBADF), as for every call that reads,
 * writes or changes the file; fd_arg_raw (fdget_raw) gives it too, for
 * the calls that only name the file (close, dup, fcntl, fstat, fchdir,
 * the dirfd of the *at calls). */
struct file *fd_arg(struct kernel *k, uint64_t arg);
struct file *fd_arg_raw(struct kernel *k, uint64_t arg);
/* Installs f (taking the caller's reference) in the current process's
 * table at the lowest free fd >= min, below its RLIMIT_NOFILE; returns
 * it, or -EMFILE (none free below the limit), -ENOMEM. */
int fd_install(struct kernel *k, int min, struct file *f, bool cloexec);
/* fd_install of a new file at the lowest free fd: on failure the file's
 * reference is dropped (it goes), and the error returned. */
int fd_install_new(struct kernel *k, struct file *f, bool cloexec);
/* Installs f at fd, closing what was there (dup2): 0, or -ENOMEM when the
 * table cannot grow to hold fd (the caller checked the limit). */
int fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec);
/* Whether fd is marked close-on-exec; sets or clears the mark of an open fd. */
bool fd_cloexec(const struct fdtable *t, int fd);
void fd_set_cloexec(struct fdtable *t, int fd, bool on);
/* Closing an fd drops the record locks its process holds on the file
 * (locks.c), as Linux's filp_close. */
int fd_close(struct fdtable *t, int fd);

/* RLIMIT_FSIZE (fsize.c). A write of *count bytes at pos: cut to end at
 * the limit, or, starting at or past it, SIGXFSZ and -EFBIG (Linux's
 * generic_write_check_limits); 0 otherwise. file_write_check_limits: the
 * same for a host file f, a regular one only, at pos (< 0: at the file
 * offset; with O_APPEND at the end). A file of size cur growing to size:
 * 0, or past the limit SIGXFSZ and -EFBIG (inode_newsize_ok). */
int generic_write_check_limits(struct kernel *k, uint64_t pos, uint64_t *count);
int file_write_check_limits(struct kernel *k, struct file *f, int64_t pos, uint64_t *count);
int inode_newsize_ok(struct kernel *k, uint64_t cur, uint64_t size);

/* fork: a new table (one user) naming the same open files (references
 * taken, so offsets are shared) with the same close-on-exec flags; NULL
 * when out of memory. */
struct fdtable *fdtable_fork(struct fdtable *t);
/* execve: closes the fds marked close-on-exec. */
void fdtable_exec(struct fdtable *t);

/* Copies a path argument into path: 0, or -errno (ENOENT for "" unless
 * empty_ok, ENAMETOOLONG, EFAULT). */
int file_user_path(struct kernel *k, char path[PATH_MAX], uint64_t va, bool empty_ok);
/* The host directory for --root, opened once by kernel_create: fd or -errno. */
int file_open_root(const char *root);

/* ---- the kernel's record of a host file (inode.c) ---- */

/* The executable of an exec (Linux's mm->exe_file): a new file on a
 * duplicate of host_fd that denies writing to the file while it lives;
 * -ETXTBSY when the guest has the file open for writing. */
int file_open_exe(struct kernel *k, int host_fd, struct file **out);

/* /proc/sys/kernel's defaults (proc_sys.c). */
void kernel_sysctl_init(struct kernel *k);

/* ---- path names (namei.c) ----
 * Every guest name is resolved by the kernel, one component at a time,
 * from the guest's root (--root, or the host's /), the working directory
 * or a dirfd: ".." goes back along the names it came by and never above
 * the root, symlinks are read and their text resolved as guest names
 * (absolute ones from the guest's root), and /proc, /sys (and /dev/fd,
 * /dev/std{in,out,err} when the host has none) are the kernel's. Each
 * host call looks up one name in a directory the kernel holds open, so
 * no name can lead outside the root. */

/* /proc/PID/maps for debuggers (proc_maps.c; kernel_proc_maps and
 * kernel_vma_describe): p's maps file as text (malloc'd; NULL when out of
 * host memory), and the line of the VMA that holds va without its newline
 * (false when none does). */
char *proc_maps_text(struct kernel *k, struct process *p);
bool proc_maps_line(struct kernel *k, struct process *p, uint64_t va, char *buf, size_t len);

/* A node of /proc (procfs.c). */
enum proc_kind {
	PROC_ROOT, PROC_PID_DIR, PROC_FD_DIR, /* directories */
	PROC_TASK_DIR,                        /* /proc/PID/task: the threads of PID */
	PROC_TID_DIR,                         /* /proc/PID/task/TID: one thread's files */
	PROC_SYS_DIR,                         /* /proc/sys (sysdir 0) and its tables (1...) */
	PROC_FILE,                            /* a generated text */
	PROC_SYSCTL,                          /* /proc/sys/DIR/NAME: one value, root may write it */
	PROC_SELF,                            /* "self": a symlink to the caller's PID */
	PROC_THREAD_SELF,                     /* "thread-self": to PID/task/TID of the caller */
	PROC_LINK,                            /* exe, cwd, root: links to an open file */
	PROC_FD,                              /* fd/N: a link to an open file */
	PROC_SYSFS,                           /* a directory or file of /sys (sysfs.c) */
	PROC_MAP_FILES_DIR,                   /* /proc/PID/map_files */
	PROC_MAP_FILE,                        /* map_files/START-END: a link to a VMA's file */
	PROC_SYMLINK,                         /* "mounts": a symlink with a fixed text */
	PROC_SYSVIPC_DIR,                     /* /proc/sysvipc */
	PROC_NET_DIR,                         /* /proc/net: the loopback network's sockets (proc_net.c) */
	PROC_FDINFO_DIR,                      /* /proc/PID/fdinfo */
	PROC_FDINFO,                          /* fdinfo/N: the text of fd N (proc_fdinfo.c) */
	PROC_NS_DIR,                          /* /proc/PID/ns: links to namespaces (proc_ns.c) */
};

struct proc_entry;

struct proc_ref {
	enum proc_kind kind;
	const struct proc_entry *e; /* PROC_FILE and PROC_LINK */
	int pid;                    /* 0 for /proc and system-wide files; a TID below task/ */
	int fd;                     /* PROC_FD, PROC_FDINFO */
	int sysdir;                 /* PROC_SYS_DIR, PROC_SYSCTL: the table (proc_sys.c) */
	int sysctl;                 /* PROC_SYSCTL: its index in the table */
	int node;                   /* PROC_SYSFS: its index (0: /sys) */
	uint64_t vm_start, vm_end;  /* PROC_MAP_FILE: the VMA */
	uint64_t ino;
};

/* What a name leads to (Linux's struct path). */
enum path_kind {
	PATH_NONE,
	PATH_ROOT, /* the guest's / (k->root_fd) */
	PATH_HOST, /* a host file held by an O_PATH fd */
	PATH_PROC, /* a node of /proc */
	PATH_FILE, /* an open file (a dirfd, the cwd, a /proc link's target) */
	PATH_SYMLINK, /* a symlink of the kernel's own (/dev/fd) */
};

struct path {
	enum path_kind kind;
	int fd;               /* PATH_ROOT, PATH_HOST (owned) */
	struct proc_ref proc; /* PATH_PROC */
	struct file *file;    /* PATH_FILE: a reference */
	const char *link;     /* PATH_SYMLINK: its text */
	bool outside_root;    /* reached from a file outside the root */
};

/* path_lookup flags (Linux's LOOKUP_*). */
#define LOOKUP_FOLLOW 1u /* a last symlink is followed */
#define LOOKUP_EMPTY 2u  /* "" names dirfd itself (AT_EMPTY_PATH) */

/* Resolves name from dirfd (a guest fd or AT_FDCWD) to what it names:
 * 0 and *out (the caller puts it), or -errno. */
int path_lookup(struct kernel *k, int dirfd, const char *name, unsigned flags,
		struct path *out);
/* For calls that make or remove a name: the host directory the last
 * component is in (an fd the caller closes) and that component in last
 * (a trailing "/" kept, for the host to judge); -dot_err when it is "."
 * or ".." or "/". In /proc, -proc_err, or when that is 0, -EPERM for a
 * name there and -ENOENT for one that is not; PROC_ERR_EXISTS: -EEXIST
 * for a name there and -ENOENT for one that is not (link's answers). */
#define PROC_ERR_EXISTS (-1)
int path_parent(struct kernel *k, int dirfd, const char *name, int dot_err, int proc_err,
		char last[NAME_MAX + 2]);
void path_put(struct path *p);
/* What an open file is, as a place (a reference). */
void path_from_file(struct file *f, struct path *p);
/* The host fd behind p, or -1 (/proc, a pipe). */
int path_host_fd(const struct path *p);
/* Extended attributes of the kernel's own file p names (one with no host
 * fd: path_host_fd < 0), st its attributes, as Linux's xattr_permission
 * and the filesystem's handlers answer (xattr.c). get and list: the
 * length, filling buf when size is not 0 (-ERANGE when it does not fit);
 * set and remove: 0; or -errno. */
int64_t kernel_getxattr(struct kernel *k, const struct path *p, const struct stat *st,
			const char *name, void *buf, size_t size);
int64_t kernel_listxattr(struct kernel *k, const struct path *p, char *buf, size_t size);
int kernel_setxattr(struct kernel *k, const struct path *p, const struct stat *st,
		    const char *name, const void *value, size_t size, int flags);
int kernel_removexattr(struct kernel *k, const struct path *p, const struct stat *st,
		       const char *name);
bool path_is_dir(const struct path *p);
int path_stat(struct kernel *k, const struct path *p, struct stat *st);
/* The guest's name of p, from its root; *deleted (when not NULL) says
 * the file is gone (the name is where it was). -EXDEV when it lies
 * outside the root: out then holds what the host calls it. */
int path_name(struct kernel *k, const struct path *p, char out[PATH_MAX], bool *deleted);
/* readlink(2) of what p is (a symlink, a /proc link): the text's length
 * (cut to size), or -EINVAL for anything else. */
int64_t path_readlink(struct kernel *k, const struct path *p, char *buf, size_t size);
/* open(2) of what p is, not of a name: 0 and *out, or -errno. */
int path_open(struct kernel *k, const struct path *p, int flags, struct file **out);

/* open(2), openat(2): 0 and a new file (one reference) in *out, or -errno.
 * dirfd is a guest fd or AT_FDCWD; mode is used with O_CREAT and
 * O_TMPFILE, less the process's umask. The open of a FIFO that waits for
 * its other end sleeps (-ERESTARTSYS); the restarted call gets the file. */
int file_open(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode,
	      struct file **out);
/* openat2(2)'s open: file_open with RESOLVE_* flags (how.resolve, checked
 * by the caller) restricting the walk: RESOLVE_NO_XDEV, NO_MAGICLINKS,
 * NO_SYMLINKS, BENEATH, IN_ROOT; RESOLVE_CACHED asks nothing more (every
 * lookup here counts as cached). */
int file_openat2(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode,
		 unsigned resolve, struct file **out);

/* ---- record locks (locks.c) ----
 * POSIX locks (fcntl F_SETLK, F_SETLKW, F_GETLK) owned by a process (its
 * fd table), OFD locks (F_OFD_*) owned by an open file description, and
 * flock(2), as Linux's fs/locks.c. Held on the host file too, so that host
 * processes see them. */
int64_t fcntl_lock(struct kernel *k, struct file *f, int cmd, uint64_t uflock);
/* A process closed f (any fd of the file): its POSIX locks on it go. */
void locks_remove_posix(struct fdtable *owner, struct file *f);
syscall_fn sys_flock;

/* ---- POSIX message queues (mqueue*.c), as Linux's ipc/mqueue.c ---- */

/* struct mq_attr as the kernel takes it. */
struct k_mq_attr {
	int64_t mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, reserved[4];
};
/* The guest's queue names and limits, made by kernel_create (0 or
 * -ENOMEM); at the end every name goes (open queues live on). */
int mqueue_init_ns(struct kernel *k);
void mqueue_exit_ns(struct kernel *k);
/* mq_open(2) of name (one slash already taken off by libc), attr NULL for
 * the defaults: the new fd (always close-on-exec), or -errno.
 * mq_unlink(2): 0 or -errno. */
int64_t mqueue_open(struct kernel *k, const char *name, int oflag, unsigned mode,
		    const struct k_mq_attr *attr);
int64_t mqueue_unlink(struct kernel *k, const char *name);
syscall_fn sys_mq_timedsend, sys_mq_timedreceive; /* mqueue_msg.c */
syscall_fn sys_mq_notify, sys_mq_getsetattr;      /* mqueue_notify.c */

/* ---- umask and the working directory (fs_struct.c) ----
 * Linux's struct fs_struct: each process's umask and working directory,
 * copied by fork, kept by execve, shared by threads (CLONE_FS). */
struct fs_struct {
	int users; /* tasks that use it */
	unsigned umask;
	struct file *pwd; /* the working directory: a host directory or one of /proc */
};

/* The first process's: vmemu's umask, and its working directory (or the
 * root with --root). NULL with errno set when it cannot be had. */
struct fs_struct *fs_struct_create(struct kernel *k);
struct fs_struct *fs_struct_copy(const struct fs_struct *fs); /* fork; NULL: out of memory */
/* One more task shares fs; one lets go of it (NULL: none). */
void fs_struct_get(struct fs_struct *fs);
void fs_struct_put(struct fs_struct *fs);
/* The current process's umask, for the calls that create files. */
unsigned current_umask(struct kernel *k);

syscall_fn sys_chdir, sys_fchdir, sys_getcwd, sys_umask;

/* ---- inotify (inotify.c): a host inotify instance per guest one ---- */
syscall_fn sys_inotify_init, sys_inotify_init1, sys_inotify_add_watch, sys_inotify_rm_watch;

#endif
