/* fs.h - files as the rest of the kernel uses them: open file descriptions
 * and the per-process fd table (file.c), host-backed files and path lookup
 * confined to --root (file_host.c), pipes (pipe.c), the guest's /proc
 * (procfs.c) and the working directory (cwd.c). fs/internal.h has the
 * parts only fs/ uses. */
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

#define MAX_FDS 1024

struct file; /* defined below, with the open-file layer */

struct fdtable {
	struct file *fd[MAX_FDS];
	bool cloexec[MAX_FDS];
};

/* Files: the per-process table (file.c). */
struct fdtable *fdtable_create_stdio(void);
void fdtable_destroy(struct fdtable *t);

/* ---- open files (file.c, file_host.c, pipe.c) ----
 * A guest fd names a struct file, an open file description: dup'ed and
 * inherited fds share one, so they share its offset and status flags.
 * Each kind acts through its file_ops; host-backed files (regular,
 * directory, tty, other) do the work on a host fd, pipes in the kernel. */
enum file_kind { FILE_REGULAR, FILE_DIRECTORY, FILE_TTY, FILE_OTHER, FILE_PIPE, FILE_PROC };

struct stat;

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
};

struct file {
	int refcount;
	const struct file_ops *ops;
	enum file_kind kind;
	int host_fd;   /* -1 for in-kernel files */
	int flags;     /* in-kernel files: O_ACCMODE and status flags (host
			  files keep theirs in the host's description) */
	void *private; /* the kind's state (struct pipe) */
	uint64_t id;   /* never reused: maps of one open file may merge, as
			  Linux compares struct file pointers (mm/vma.c) */
};

/* Woken whenever an in-kernel file changes state, for poll (file.c). */
extern const char file_poll_chan;

/* A file on a host fd, taking ownership of it; NULL (and the fd closed)
 * when out of memory (file_host.c). */
struct file *file_create(int host_fd);
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

/* The open file behind guest fd, or NULL (EBADF). */
struct file *fd_file(struct fdtable *t, int fd);
/* The file behind a system call's fd argument in the current process: its
 * low 32 bits, as Linux's unsigned int fd. */
struct file *fd_arg(struct kernel *k, uint64_t arg);
/* Installs f (taking the caller's reference) at the lowest free fd >= min;
 * returns it, or -EMFILE. */
int fd_install(struct fdtable *t, int min, struct file *f, bool cloexec);
/* Installs f at fd, closing what was there (dup2). */
void fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec);
int fd_close(struct fdtable *t, int fd);

/* fork: a new table naming the same open files (references taken, so
 * offsets are shared) with the same close-on-exec flags; NULL when out
 * of memory. */
struct fdtable *fdtable_fork(struct fdtable *t);
/* execve: closes the fds marked close-on-exec. */
void fdtable_exec(struct fdtable *t);

/* Copies a path argument into path: 0, or -errno (ENOENT for "" unless
 * empty_ok, ENAMETOOLONG, EFAULT). */
int file_user_path(struct kernel *k, char path[PATH_MAX], uint64_t va, bool empty_ok);
/* The host directory for --root, opened once by kernel_create: fd or -errno. */
int file_open_root(const char *root);
/* Opens path like openat(2) for the current process, on the host and
 * confined to --root (RESOLVE_IN_ROOT: ".." and symlinks cannot leave it):
 * dirfd is a guest fd or AT_FDCWD. Returns a host fd (O_CLOEXEC) or -errno. */
int file_openat(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode);
/* file_openat for open(2): the open of a FIFO, which waits for its other
 * end, sleeps as the process (-ERESTARTSYS) instead of in the host
 * (fifo.c); the restarted call finds its fd. */
int file_openat_wait(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode);
/* Opens the directory holding path's last component (O_PATH) and points
 * *base at that component, for calls that act on a name (unlink, mkdir,
 * rename). Returns a host fd, or -errno (-dot_err when the component is
 * "." or ".." or the path is "/"). */
int file_open_parent(struct kernel *k, int dirfd, const char *path, const char **base,
		     int dot_err);

/* ---- the guest's /proc (procfs.c) ----
 * Paths under /proc are the kernel's, with or without --root; they are
 * recognised by name (".", ".." and "//" resolved) before any host
 * lookup. */
bool procfs_match(const char *path); /* an absolute path under /proc */
/* open(2) of such a path (a file, or a directory to list with the
 * file_ops getdents): 0 and the new file in *out, or -errno. */
int procfs_open(struct kernel *k, const char *path, int flags, struct file **out);
/* stat(2) of it (follow: through the self and exe links): 0 or -errno. */
int procfs_stat(struct kernel *k, const char *path, bool follow, struct stat *st);
/* readlink(2) of it: the target's length (cut to size), or -errno. */
int64_t procfs_readlink(struct kernel *k, const char *path, char *buf, size_t size);

/* ---- the working directory (cwd.c) ---- */

/* The process starts in the host's cwd, or at "/" under --root. 0 or -errno. */
int cwd_init(struct kernel *k, struct process *p);
syscall_fn sys_chdir, sys_fchdir, sys_getcwd;

#endif
