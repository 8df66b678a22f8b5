/* sys_path.c - system calls on path names: stat, access, readlink,
 * getcwd, unlink, mkdir, rename, symlink, utimensat.
 *
 * A path is first opened with O_PATH through file_openat (confined to
 * --root), then the host call acts on that fd with an empty path
 * (AT_EMPTY_PATH), so the host never resolves a guest path by itself. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

/* Opens the file a (dirfd, path, AT_* flags) triple names, as O_PATH; an
 * empty path names dirfd itself. Host fd or -errno. */
static int open_path(struct kernel *k, uint64_t dirfd, const char *path, int at_flags)
{
	if (!path[0]) {
		if ((int)dirfd == AT_FDCWD)
			return file_openat(k, AT_FDCWD, ".", O_PATH, 0);
		struct file *f = fd_arg(k, dirfd);
		if (!f)
			return -EBADF;
		int fd = fcntl(file_host_fd(f), F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	int oflags = O_PATH | (at_flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0);
	return file_openat(k, (int)dirfd, path, oflags, 0);
}

/* The same for a path in guest memory ("" only with AT_EMPTY_PATH). */
static int open_user_path(struct kernel *k, uint64_t dirfd, uint64_t upath, int at_flags)
{
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, at_flags & AT_EMPTY_PATH);
	return err ? err : open_path(k, dirfd, path, at_flags);
}

/* fstat of guest fd arg into ubuf, whatever its kind (a pipe has no host
 * fd). struct stat is the x86-64 kernel layout on the host too. */
static int64_t stat_fd(struct kernel *k, uint64_t arg, uint64_t ubuf)
{
	struct file *f = fd_arg(k, arg);
	if (!f)
		return -EBADF;
	struct stat st;
	int err = file_stat(f, &st);
	return err ? err : copy_to_user(k, ubuf, &st, sizeof(st));
}

static int64_t do_stat(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t ubuf,
		       uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, flags & AT_EMPTY_PATH);
	if (err)
		return err;
	/* An fd itself (fstat through newfstatat). */
	if (!path[0] && (int)dirfd != AT_FDCWD)
		return stat_fd(k, dirfd, ubuf);
	struct stat st;
	if (procfs_match(path)) {
		err = procfs_stat(k, path, !(flags & AT_SYMLINK_NOFOLLOW), &st);
		return err ? err : copy_to_user(k, ubuf, &st, sizeof(st));
	}
	int fd = open_path(k, dirfd, path, (int)flags);
	if (fd < 0)
		return fd;
	int64_t ret = fstat(fd, &st) < 0 ? -errno : copy_to_user(k, ubuf, &st, sizeof(st));
	close(fd);
	return ret;
}

int64_t sys_stat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_stat(k, (uint64_t)AT_FDCWD, a[0], a[1], 0);
}

int64_t sys_lstat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_stat(k, (uint64_t)AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

int64_t sys_newfstatat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_stat(k, a[0], a[1], a[2], a[3]);
}

int64_t sys_fstat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return stat_fd(k, a[0], a[1]);
}

int64_t sys_statx(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags = (int)a[2];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	int fd = open_user_path(k, a[0], a[1], flags);
	if (fd < 0)
		return fd;
	struct statx stx;
	int64_t ret = statx(fd, "", AT_EMPTY_PATH | (flags & AT_STATX_SYNC_TYPE), (unsigned)a[3],
			    &stx) < 0
			      ? -errno
			      : copy_to_user(k, a[4], &stx, sizeof(stx));
	close(fd);
	return ret;
}

static int64_t do_access(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t mode,
			 uint64_t flags)
{
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	int fd = open_user_path(k, dirfd, upath, (int)flags);
	if (fd < 0)
		return fd;
	long r = syscall(SYS_faccessat2, fd, "", (int)mode, AT_EMPTY_PATH | (int)(flags & AT_EACCESS));
	int64_t ret = r < 0 ? -errno : 0;
	close(fd);
	return ret;
}

int64_t sys_access(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_access(k, (uint64_t)AT_FDCWD, a[0], a[1], 0);
}

int64_t sys_faccessat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_access(k, a[0], a[1], a[2], 0);
}

int64_t sys_faccessat2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_access(k, a[0], a[1], a[2], a[3]);
}

static int64_t do_readlink(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t ubuf,
			   uint64_t size)
{
	if ((int)size <= 0)
		return -EINVAL;
	char path[PATH_MAX], target[PATH_MAX];
	int err = file_user_path(k, path, upath, true);
	if (err)
		return err;
	ssize_t n;
	/* /proc/PID/exe gives the guest path of the program (busybox's sh
	 * runs its applets through /proc/self/exe). */
	if (procfs_match(path)) {
		n = procfs_readlink(k, path, target, sizeof(target));
		if (n < 0)
			return n;
	} else {
		int fd = open_path(k, dirfd, path, AT_SYMLINK_NOFOLLOW);
		if (fd < 0)
			return fd;
		n = readlinkat(fd, "", target, sizeof(target));
		/* The host says ENOENT for an fd that is no symlink; Linux says
		 * EINVAL when the guest gave a name. */
		err = n < 0 ? (errno == ENOENT && path[0] ? EINVAL : errno) : 0;
		close(fd);
		if (err)
			return -err;
	}
	if ((size_t)n > (uint32_t)size)
		n = (ssize_t)(uint32_t)size;
	err = copy_to_user(k, ubuf, target, (uint64_t)n);
	return err ? err : n;
}

int64_t sys_readlink(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_readlink(k, (uint64_t)AT_FDCWD, a[0], a[1], a[2]);
}

int64_t sys_readlinkat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_readlink(k, a[0], a[1], a[2], a[3]);
}

/* unlinkat, mkdirat: a host call on the parent directory and the last
 * name; dot_err is Linux's answer when that name is "." or "..". */
static int64_t do_unlink(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t flags)
{
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	const char *base;
	int dir = file_open_parent(k, (int)dirfd, path, &base, flags ? EINVAL : EISDIR);
	if (dir < 0)
		return dir;
	int64_t ret = unlinkat(dir, base, (int)flags) < 0 ? -errno : 0;
	close(dir);
	return ret;
}

int64_t sys_unlink(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_unlink(k, (uint64_t)AT_FDCWD, a[0], 0);
}

int64_t sys_unlinkat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_unlink(k, a[0], a[1], a[2]);
}

int64_t sys_rmdir(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_unlink(k, (uint64_t)AT_FDCWD, a[0], AT_REMOVEDIR);
}

static int64_t do_mkdir(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	const char *base;
	int dir = file_open_parent(k, (int)dirfd, path, &base, EEXIST);
	if (dir < 0)
		return dir;
	int64_t ret = mkdirat(dir, base, (mode_t)mode & 07777) < 0 ? -errno : 0;
	close(dir);
	return ret;
}

int64_t sys_mkdir(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_mkdir(k, (uint64_t)AT_FDCWD, a[0], a[1]);
}

int64_t sys_mkdirat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_mkdir(k, a[0], a[1], a[2]);
}

static int64_t do_rename(struct kernel *k, uint64_t olddirfd, uint64_t uold, uint64_t newdirfd,
			 uint64_t unew)
{
	char oldpath[PATH_MAX], newpath[PATH_MAX];
	int err = file_user_path(k, oldpath, uold, false);
	if (!err)
		err = file_user_path(k, newpath, unew, false);
	if (err)
		return err;
	const char *oldbase, *newbase;
	int olddir = file_open_parent(k, (int)olddirfd, oldpath, &oldbase, EBUSY);
	if (olddir < 0)
		return olddir;
	int newdir = file_open_parent(k, (int)newdirfd, newpath, &newbase, EBUSY);
	int64_t ret = newdir;
	if (newdir >= 0) {
		ret = renameat(olddir, oldbase, newdir, newbase) < 0 ? -errno : 0;
		close(newdir);
	}
	close(olddir);
	return ret;
}

int64_t sys_rename(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_rename(k, (uint64_t)AT_FDCWD, a[0], (uint64_t)AT_FDCWD, a[1]);
}

int64_t sys_renameat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_rename(k, a[0], a[1], a[2], a[3]);
}

static int64_t do_symlink(struct kernel *k, uint64_t utarget, uint64_t dirfd, uint64_t upath)
{
	char target[PATH_MAX], path[PATH_MAX];
	int err = file_user_path(k, target, utarget, false);
	if (!err)
		err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	const char *base;
	int dir = file_open_parent(k, (int)dirfd, path, &base, EEXIST);
	if (dir < 0)
		return dir;
	/* The target is stored as given: under --root it is resolved inside
	 * the root when followed. */
	int64_t ret = symlinkat(target, dir, base) < 0 ? -errno : 0;
	close(dir);
	return ret;
}

int64_t sys_symlink(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_symlink(k, a[0], (uint64_t)AT_FDCWD, a[1]);
}

int64_t sys_symlinkat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_symlink(k, a[0], a[1], a[2]);
}

int64_t sys_utimensat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct timespec times[2];
	if (a[2] && copy_from_user(k, times, a[2], sizeof(times)))
		return -EFAULT;
	const struct timespec *t = a[2] ? times : NULL;
	/* No path: the times of the file dirfd is open on (futimens). */
	if (!a[1]) {
		struct file *f = fd_arg(k, a[0]);
		if (!f)
			return -EBADF;
		return futimens(file_host_fd(f), t) < 0 ? -errno : 0;
	}
	int fd = open_user_path(k, a[0], a[1], (int)a[3]);
	if (fd < 0)
		return fd;
	int64_t ret = utimensat(fd, "", t, AT_EMPTY_PATH) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* chmod through an O_PATH fd: the magic link names exactly that file. */
static int64_t chmod_fd(int fd, uint64_t mode)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, (mode_t)(mode & 07777)) < 0 ? -errno : 0;
}

static int64_t do_chmod(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	int fd = open_user_path(k, dirfd, upath, 0);
	if (fd < 0)
		return fd;
	int64_t ret = chmod_fd(fd, mode);
	close(fd);
	return ret;
}

int64_t sys_chmod(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_chmod(k, AT_FDCWD, a[0], a[1]);
}

int64_t sys_fchmodat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_chmod(k, a[0], a[1], a[2]);
}

int64_t sys_fchmod(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	int fd = file_host_fd(f);
	return fd < 0 ? -EINVAL : chmod_fd(fd, a[1]);
}
