/* sys_path.c - system calls on path names: stat, access, readlink,
 * truncate, unlink, mkdir, rename and renameat2, symlink, utimensat and
 * the older utime, utimes and futimesat, chmod.
 *
 * A name is resolved by the kernel (fs/namei.c: inside --root, /proc the
 * kernel's) to what it names, then the host call acts on that: on its
 * O_PATH fd with an empty name (AT_EMPTY_PATH), or through the host's
 * /proc/self/fd/N of it, so the host never resolves a guest name by
 * itself. The calls that make or remove a name act on the directory it
 * is in and its last component. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

/* Resolves a (dirfd, name in guest memory, AT_* flags) triple; "" only
 * with AT_EMPTY_PATH, a last symlink followed unless AT_SYMLINK_NOFOLLOW
 * (or follow is false). */
int user_path_at(struct kernel *k, uint64_t dirfd, uint64_t upath, int at_flags, bool follow,
		 struct path *p)
{
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, at_flags & AT_EMPTY_PATH);
	if (err)
		return err;
	unsigned flags = (at_flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0) |
			 (follow && !(at_flags & AT_SYMLINK_NOFOLLOW) ? LOOKUP_FOLLOW : 0);
	return path_lookup(k, (int)dirfd, path, flags, p);
}

/* fstat of guest fd arg into ubuf, whatever its kind (a pipe has no host
 * fd, an O_PATH fd serves too). struct stat is the x86-64 kernel layout
 * on the host too. */
static int64_t stat_fd(struct kernel *k, uint64_t arg, uint64_t ubuf)
{
	struct file *f = fd_arg_raw(k, arg);
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
	struct path p;
	int err = user_path_at(k, dirfd, upath, (int)flags, true, &p);
	if (err)
		return err;
	struct stat st;
	err = path_stat(k, &p, &st);
	path_put(&p);
	return err ? err : copy_to_user(k, ubuf, &st, sizeof(st));
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

/* A struct statx from a struct stat, for what the host cannot statx
 * (/proc, pipes): the basic fields. */
static void statx_from_stat(const struct stat *st, struct statx *stx)
{
	*stx = (struct statx){
		.stx_mask = STATX_BASIC_STATS,
		.stx_blksize = (uint32_t)st->st_blksize,
		.stx_nlink = (uint32_t)st->st_nlink,
		.stx_uid = st->st_uid,
		.stx_gid = st->st_gid,
		.stx_mode = (uint16_t)st->st_mode,
		.stx_ino = st->st_ino,
		.stx_size = (uint64_t)st->st_size,
		.stx_blocks = (uint64_t)st->st_blocks,
		.stx_atime = {.tv_sec = st->st_atim.tv_sec, .tv_nsec = (uint32_t)st->st_atim.tv_nsec},
		.stx_ctime = {.tv_sec = st->st_ctim.tv_sec, .tv_nsec = (uint32_t)st->st_ctim.tv_nsec},
		.stx_mtime = {.tv_sec = st->st_mtim.tv_sec, .tv_nsec = (uint32_t)st->st_mtim.tv_nsec},
		.stx_rdev_major = major(st->st_rdev),
		.stx_rdev_minor = minor(st->st_rdev),
		.stx_dev_major = major(st->st_dev),
		.stx_dev_minor = minor(st->st_dev),
	};
}

int64_t sys_statx(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags = (int)a[2];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	struct path p;
	int err = user_path_at(k, a[0], a[1], flags, true, &p);
	if (err)
		return err;
	struct statx stx;
	struct stat st;
	int fd = path_host_fd(&p);
	if (fd >= 0)
		err = statx(fd, "", AT_EMPTY_PATH | (flags & AT_STATX_SYNC_TYPE), (unsigned)a[3],
			    &stx) < 0
			      ? -errno
			      : 0;
	else if (!(err = path_stat(k, &p, &st)))
		statx_from_stat(&st, &stx);
	path_put(&p);
	return err ? err : copy_to_user(k, a[4], &stx, sizeof(stx));
}

static int64_t do_access(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t mode,
			 uint64_t flags)
{
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int64_t err = user_path_at(k, dirfd, upath, (int)flags, true, &p);
	if (err)
		return err;
	/* Without AT_EACCESS the real ids decide; the host is asked with
	 * AT_EACCESS and given those ids for the call. */
	struct fs_cred c = flags & AT_EACCESS ? current_fs_cred(k) : access_fs_cred(k);
	int fd = path_host_fd(&p);
	struct stat st;
	if (fd >= 0) {
		cred_host_apply(k, &c);
		err = syscall(SYS_faccessat2, fd, "", (int)mode, AT_EMPTY_PATH | AT_EACCESS) < 0
			      ? -errno
			      : 0;
		cred_host_sync(k);
	} else if (!(err = path_stat(k, &p, &st))) {
		err = fs_permission(&c, &st, (int)mode);
	}
	path_put(&p);
	return err;
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
	int64_t n = file_user_path(k, path, upath, true);
	struct path p;
	if (!n)
		n = path_lookup(k, (int)dirfd, path, LOOKUP_EMPTY, &p);
	if (n)
		return n;
	n = path_readlink(k, &p, target, sizeof(target));
	path_put(&p);
	if (n == -EINVAL && !path[0])
		return -ENOENT; /* the fd itself is no symlink */
	if (n < 0)
		return n;
	if ((size_t)n > (uint32_t)size)
		n = (int64_t)(uint32_t)size;
	int err = copy_to_user(k, ubuf, target, (uint64_t)n);
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

/* truncate(2): as opening the file for writing and ftruncate. */
int64_t sys_truncate(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct path p;
	int64_t err = user_path_at(k, AT_FDCWD, a[0], 0, true, &p);
	if (err)
		return err;
	struct stat st;
	struct file *f = NULL;
	err = path_stat(k, &p, &st);
	if (!err && S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if (!err && !S_ISREG(st.st_mode))
		err = -EINVAL;
	else if (!err)
		err = path_open(k, &p, O_WRONLY, &f);
	path_put(&p);
	if (err)
		return err;
	err = inode_newsize_ok(k, (uint64_t)st.st_size, a[1]);
	if (!err)
		err = ftruncate(file_host_fd(f), (off_t)a[1]) < 0 ? -errno : 0;
	struct mapping *m = err ? NULL : filemap_of(k, f);
	if (m)
		filemap_resize(k, m, a[1]); /* the page cache follows */
	file_put(f);
	return err;
}

/* The calls that make or remove a name: a host call on the directory it
 * is in and its last component; dot_err is Linux's answer when that is
 * "." or "..". */
static int64_t do_unlink(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t flags)
{
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	char path[PATH_MAX], last[NAME_MAX + 2];
	int err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	int dir = path_parent(k, (int)dirfd, path, flags ? EINVAL : EISDIR, 0, last);
	if (dir < 0)
		return dir;
	int64_t ret = unlinkat(dir, last, (int)flags) < 0 ? -errno : 0;
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
	char path[PATH_MAX], last[NAME_MAX + 2];
	int err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	int dir = path_parent(k, (int)dirfd, path, EEXIST, 0, last);
	if (dir < 0)
		return dir;
	/* The host applies the guest's umask (or a default ACL instead). */
	mode_t old = umask(current_umask(k));
	int64_t ret = mkdirat(dir, last, (mode_t)mode & 07777) < 0 ? -errno : 0;
	umask(old);
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

/* rename(2), renameat(2), renameat2(2): Linux's flag checks, then the
 * host renames in the two directories (RENAME_WHITEOUT and
 * RENAME_EXCHANGE as its file system can; EINVAL where it cannot). */
static int64_t do_rename(struct kernel *k, uint64_t olddirfd, uint64_t uold, uint64_t newdirfd,
			 uint64_t unew, uint64_t flags)
{
	if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	char oldpath[PATH_MAX], newpath[PATH_MAX], oldlast[NAME_MAX + 2], newlast[NAME_MAX + 2];
	int err = file_user_path(k, oldpath, uold, false);
	if (!err)
		err = file_user_path(k, newpath, unew, false);
	if (err)
		return err;
	/* /proc is another mount: EXDEV. */
	int olddir = path_parent(k, (int)olddirfd, oldpath, EBUSY, EXDEV, oldlast);
	if (olddir < 0)
		return olddir;
	int newdir = path_parent(k, (int)newdirfd, newpath,
				 flags & RENAME_NOREPLACE ? EEXIST : EBUSY, EXDEV, newlast);
	int64_t ret = newdir;
	if (newdir >= 0) {
		ret = (flags ? syscall(SYS_renameat2, olddir, oldlast, newdir, newlast, (unsigned)flags)
			     : renameat(olddir, oldlast, newdir, newlast)) < 0
			      ? -errno
			      : 0;
		close(newdir);
	}
	close(olddir);
	return ret;
}

int64_t sys_rename(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_rename(k, (uint64_t)AT_FDCWD, a[0], (uint64_t)AT_FDCWD, a[1], 0);
}

int64_t sys_renameat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_rename(k, a[0], a[1], a[2], a[3], 0);
}

int64_t sys_renameat2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_rename(k, a[0], a[1], a[2], a[3], (uint32_t)a[4]);
}

static int64_t do_symlink(struct kernel *k, uint64_t utarget, uint64_t dirfd, uint64_t upath)
{
	char target[PATH_MAX], path[PATH_MAX], last[NAME_MAX + 2];
	int err = file_user_path(k, target, utarget, false);
	if (!err)
		err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	int dir = path_parent(k, (int)dirfd, path, EEXIST, 0, last);
	if (dir < 0)
		return dir;
	/* The target is stored as given: it is a guest name when followed. */
	int64_t ret = symlinkat(target, dir, last) < 0 ? -errno : 0;
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

/* What an attribute change may not touch: /proc (EPERM), a pipe
 * (no_host), and host files the guest did not reach through the root
 * (EROFS, as on a read-only mount). 0 when p's host file may change. */
int may_change(const struct path *p, int no_host)
{
	if (p->outside_root)
		return -EROFS;
	if (p->kind == PATH_PROC)
		return -EPERM;
	return path_host_fd(p) < 0 ? -no_host : 0;
}

/* Linux's nsec_valid: a time's nanoseconds, or UTIME_NOW / UTIME_OMIT. */
static bool nsec_valid(long nsec)
{
	return nsec == UTIME_OMIT || nsec == UTIME_NOW || (nsec >= 0 && nsec <= 999999999);
}

/* Linux's vfs_utimes: t NULL (or both UTIME_NOW) is now. */
static int64_t utimes_path(const struct path *p, const struct timespec *t)
{
	if (t) {
		if (!nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec))
			return -EINVAL;
		if (t[0].tv_nsec == UTIME_NOW && t[1].tv_nsec == UTIME_NOW)
			t = NULL;
	}
	/* A pipe's or socket's times are the kernel's, which keeps none. */
	int64_t err = may_change(p, 0);
	if (!err && path_host_fd(p) >= 0)
		err = utimensat(path_host_fd(p), "", t, AT_EMPTY_PATH) < 0 ? -errno : 0;
	return err;
}

/* Linux's do_utimes, which utimensat, futimesat, utimes and utime share:
 * no name and a dirfd is the file dirfd is open on (futimens: not
 * O_PATH, no flags); else the name (a NULL one is EFAULT). */
static int64_t do_utimes(struct kernel *k, uint64_t dirfd, uint64_t upath,
			 const struct timespec *t, uint64_t flags)
{
	struct path p;
	int64_t err;
	if (!upath && (int)dirfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		struct file *f = fd_arg(k, dirfd);
		if (!f)
			return -EBADF;
		path_from_file(f, &p);
	} else {
		if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return -EINVAL;
		if ((err = user_path_at(k, dirfd, upath, (int)flags, true, &p)))
			return err;
	}
	err = utimes_path(&p, t);
	path_put(&p);
	return err;
}

int64_t sys_utimensat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct timespec times[2];
	if (a[2]) {
		if (copy_from_user(k, times, a[2], sizeof(times)))
			return -EFAULT;
		/* Nothing to do: the name is not even looked up. */
		if (times[0].tv_nsec == UTIME_OMIT && times[1].tv_nsec == UTIME_OMIT)
			return 0;
	}
	return do_utimes(k, a[0], a[1], a[2] ? times : NULL, a[3]);
}

/* futimesat(2) and utimes(2): struct timeval pairs, microseconds checked
 * here (UTIME_NOW and UTIME_OMIT are no microseconds). */
static int64_t do_futimesat(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t utv)
{
	struct timeval tv[2];
	struct timespec t[2];
	if (utv) {
		if (copy_from_user(k, tv, utv, sizeof(tv)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			t[i] = (struct timespec){tv[i].tv_sec, tv[i].tv_usec * 1000};
		}
	}
	return do_utimes(k, dirfd, upath, utv ? t : NULL, 0);
}

int64_t sys_futimesat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_futimesat(k, a[0], a[1], a[2]);
}

int64_t sys_utimes(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_futimesat(k, (uint64_t)AT_FDCWD, a[0], a[1]);
}

/* utime(2): a struct utimbuf of whole seconds (access, modification). */
int64_t sys_utime(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int64_t buf[2];
	struct timespec t[2];
	if (a[1]) {
		if (copy_from_user(k, buf, a[1], sizeof(buf)))
			return -EFAULT;
		t[0] = (struct timespec){buf[0], 0};
		t[1] = (struct timespec){buf[1], 0};
	}
	return do_utimes(k, (uint64_t)AT_FDCWD, a[0], a[1] ? t : NULL, 0);
}

/* chmod of what p names, through the host's magic link of its fd. */
static int64_t chmod_path(const struct path *p, uint64_t mode)
{
	/* A pipe's or socket's mode is the kernel's: Linux lets it change. */
	int64_t err = may_change(p, 0);
	if (err || path_host_fd(p) < 0)
		return err;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_host_fd(p));
	return chmod(proc, (mode_t)(mode & 07777)) < 0 ? -errno : 0;
}

static int64_t do_chmod(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	struct path p;
	int64_t err = user_path_at(k, dirfd, upath, 0, true, &p);
	if (err)
		return err;
	err = chmod_path(&p, mode);
	path_put(&p);
	return err;
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

/* fchmod(2): fdget, so an O_PATH fd is EBADF, as Linux's. */
int64_t sys_fchmod(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct path p;
	path_from_file(f, &p);
	int64_t err = chmod_path(&p, a[1]);
	path_put(&p);
	return err;
}
