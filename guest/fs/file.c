/* file.c - open file descriptions, the per-process fd table, and guest
 * path lookup.
 *
 * A guest fd names a struct file; its kind's file_ops do the work (host
 * fds in file_host.c, pipes in pipe.c). With --root, every guest path is
 * resolved inside the root directory by the host kernel itself (openat2
 * RESOLVE_IN_ROOT), so ".." and symlinks (absolute ones included) cannot
 * lead outside it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* The status flags F_SETFL may change, as Linux's setfl() (O_ASYNC
 * needs signal-driven I/O, which the kernel has not). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

/* Only its address matters: a wait channel. */
const char file_poll_chan = 0;

struct file *file_alloc(const struct file_ops *ops, enum file_kind kind, int flags,
			void *private)
{
	static uint64_t last_id;
	struct file *f = malloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = (struct file){.refcount = 1, .ops = ops, .kind = kind, .host_fd = -1, .flags = flags,
			   .private = private, .id = ++last_id};
	return f;
}

void file_get(struct file *f)
{
	f->refcount++;
}

void file_put(struct file *f)
{
	if (--f->refcount > 0)
		return;
	f->ops->release(f);
	free(f);
}

int file_host_fd(const struct file *f)
{
	return f->host_fd;
}

enum file_kind file_kind(const struct file *f)
{
	return f->kind;
}

int file_stat(struct file *f, struct stat *st)
{
	return f->ops->stat(f, st);
}

int file_get_flags(struct file *f)
{
	if (f->host_fd < 0)
		return f->flags;
	int r = fcntl(f->host_fd, F_GETFL);
	return r < 0 ? -errno : r;
}

int file_set_flags(struct file *f, int flags)
{
	if (f->host_fd < 0) {
		f->flags = (f->flags & ~SETFL_MASK) | (flags & SETFL_MASK);
		return 0;
	}
	return fcntl(f->host_fd, F_SETFL, flags) < 0 ? -errno : 0;
}

/* ---- the fd table ---- */

struct fdtable *fdtable_create_stdio(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	/* Duplicates, so the guest closing its stdout leaves vmemu's alone. A
	 * host fd that is not open leaves the guest fd closed too. */
	for (int fd = 0; fd < 3; fd++) {
		int host_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (host_fd < 0)
			continue;
		t->fd[fd] = file_create(host_fd);
		if (!t->fd[fd]) {
			fdtable_destroy(t);
			return NULL;
		}
	}
	return t;
}

void fdtable_destroy(struct fdtable *t)
{
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (t->fd[fd])
			file_put(t->fd[fd]);
	free(t);
}

struct fdtable *fdtable_fork(struct fdtable *t)
{
	struct fdtable *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *t;
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (c->fd[fd])
			file_get(c->fd[fd]);
	return c;
}

void fdtable_exec(struct fdtable *t)
{
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (t->fd[fd] && t->cloexec[fd])
			fd_close(t, fd);
}

struct file *fd_file(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return NULL;
	return t->fd[fd];
}

struct file *fd_arg(struct kernel *k, uint64_t arg)
{
	return fd_file(k->current->files, (int)(uint32_t)arg);
}

int fd_install(struct fdtable *t, int min, struct file *f, bool cloexec)
{
	for (int fd = min < 0 ? 0 : min; fd < MAX_FDS; fd++) {
		if (!t->fd[fd]) {
			t->fd[fd] = f;
			t->cloexec[fd] = cloexec;
			return fd;
		}
	}
	return -EMFILE;
}

void fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	struct file *old = t->fd[fd];
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	if (old)
		file_put(old);
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = fd_file(t, fd);
	if (!f)
		return -EBADF;
	t->fd[fd] = NULL;
	t->cloexec[fd] = false;
	file_put(f);
	return 0;
}

/* ---- path lookup ---- */

int file_user_path(struct kernel *k, char path[PATH_MAX], uint64_t va, bool empty_ok)
{
	int64_t n = strncpy_from_user(k, path, va, PATH_MAX);
	if (n < 0)
		return (int)n;
	return n == 0 && !empty_ok ? -ENOENT : 0;
}

int file_open_root(const char *root)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* open(2) ignores flag bits it does not know, openat2(2) rejects them:
 * keep only the ones open(2) acts on, as its build_open_how() does. */
#define OPEN_FLAGS_KNOWN                                                             \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK |  \
	 O_DSYNC | O_SYNC | O_ASYNC | O_DIRECT | KERNEL_O_LARGEFILE | O_DIRECTORY |   \
	 O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE)

/* What open(2) keeps of the flags with O_PATH. */
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)

int path_openat(int root_fd, int dir_fd, const char *path, int flags, unsigned mode)
{
	flags &= flags & O_PATH ? O_PATH_FLAGS : OPEN_FLAGS_KNOWN;
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC)};
	/* openat2 refuses a mode unless a file may be created. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode & 07777;
	if (root_fd >= 0) {
		/* AT_FDCWD: file_openat has made the path absolute. */
		if (path[0] == '/' || dir_fd == AT_FDCWD)
			dir_fd = root_fd;
		/* A guest dirfd is itself inside the root; ".." stops at it,
		 * which is stricter than Linux but never leaves the root. */
		how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	}
	long fd;
	do
		fd = syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

int file_openat(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode)
{
	int host_dir = AT_FDCWD;
	if (dirfd == AT_FDCWD && path[0] != '/') {
		char abs[PATH_MAX];
		int err = cwd_join(k->current, path, abs);
		return err ? err : path_openat(k->root_fd, AT_FDCWD, abs, flags, mode);
	}
	if (dirfd != AT_FDCWD && path[0] != '/') {
		struct file *dir = fd_file(k->current->files, dirfd);
		if (!dir)
			return -EBADF;
		if (dir->host_fd < 0)
			return -ENOTDIR; /* a pipe */
		host_dir = dir->host_fd;
	}
	return path_openat(k->root_fd, host_dir, path, flags, mode);
}

/* "", "." or ".." as a last component (trailing slashes allowed). */
static bool is_dot_name(const char *name)
{
	size_t n = strcspn(name, "/");
	return n == 0 || (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.');
}

int file_open_parent(struct kernel *k, int dirfd, const char *path, const char **base,
		     int dot_err)
{
	/* The last component starts after the last '/' that is followed by
	 * something other than '/': "a/b/" gives "a" and "b/". */
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = memrchr(path, '/', len);
	*base = slash ? slash + 1 : path;
	/* These name no entry of the parent; and "/.." must not reach the
	 * root's real parent through the host call. */
	if (is_dot_name(*base))
		return -dot_err;
	if (!slash)
		return file_openat(k, dirfd, ".", O_PATH | O_DIRECTORY, 0);
	char dir[PATH_MAX];
	size_t dlen = slash == path ? 1 : (size_t)(slash - path);
	memcpy(dir, path, dlen);
	dir[dlen] = 0;
	return file_openat(k, dirfd, dir, O_PATH | O_DIRECTORY, 0);
}
