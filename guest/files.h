/* files.h - open files and the per-process fd table: file.c, file_host.c
 * (host-backed files and path lookup), pipe.c; struct uio is walked by uio.c. */
#ifndef VMEMU_FILES_H
#define VMEMU_FILES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel;

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

struct user_iovec {
	uint64_t base, len;
};

/* The buffers of one read or write (Linux's iov_iter): guest iovecs, or
 * one kernel buffer (kbuf) when data moves between two files (sendfile). */
struct uio {
	const struct user_iovec *iov;
	int cnt, idx;
	uint64_t off;  /* into iov[idx], or into kbuf */
	uint64_t left; /* bytes still to move */
	bool fault;    /* a guest buffer faulted */
	char *kbuf;
};

/* A uio over one kernel buffer of n bytes. */
static inline struct uio uio_kernel(void *buf, uint64_t n)
{
	return (struct uio){.kbuf = buf, .left = n};
}

/* Moves up to n bytes between buf and u's buffers (to_uio: from buf into
 * them); returns how many before the first fault (uio.c). */
size_t uio_copy(struct kernel *k, struct uio *u, void *buf, size_t n, bool to_uio);
/* Moves past n bytes of u's buffers without touching them. */
void uio_skip(struct uio *u, uint64_t n);

struct stat;

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
};

/* Woken whenever an in-kernel file changes state, for poll (file.c). */
extern const char file_poll_chan;

/* A file on a host fd, taking ownership of it; NULL (and the fd closed)
 * when out of memory (file_host.c). */
struct file *file_create(int host_fd);
/* An in-kernel file with one reference; NULL when out of memory. */
struct file *file_alloc(const struct file_ops *ops, enum file_kind kind, int flags,
			void *private);
void file_get(struct file *f);
void file_put(struct file *f);
/* The host fd behind f, or -1 for an in-kernel file (host calls on it
 * then fail with EBADF). */
int file_host_fd(const struct file *f);
enum file_kind file_kind(const struct file *f);
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
/* Opens path like openat(2) on the host, confined to root_fd when it is
 * >= 0 (RESOLVE_IN_ROOT: ".." and symlinks cannot leave it). dir_fd is a
 * host directory fd or AT_FDCWD. Returns a host fd (O_CLOEXEC) or -errno. */
int path_openat(int root_fd, int dir_fd, const char *path, int flags, unsigned mode);
/* The same for the current process: dirfd is a guest fd or AT_FDCWD. */
int file_openat(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode);
/* Opens the directory holding path's last component (O_PATH) and points
 * *base at that component, for calls that act on a name (unlink, mkdir,
 * rename). Returns a host fd, or -errno (-dot_err when the component is
 * "." or ".." or the path is "/"). */
int file_open_parent(struct kernel *k, int dirfd, const char *path, const char **base,
		     int dot_err);

#endif
