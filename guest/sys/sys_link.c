/* sys_link.c - hard links and owners: link, linkat, chown, fchown,
 * lchown, fchownat.
 *
 * Names are resolved by the kernel inside --root (fs/namei.c), as for the
 * other calls on names (sys_path.c): the host then acts on the O_PATH fd
 * of what a name leads to (AT_EMPTY_PATH) and, for a new link, on the
 * directory it goes in and its last component.
 *
 * vmemu runs as root on the host, so the host says yes to what the guest
 * may not do: the guest's own rules are checked here first, with the
 * guest's capabilities (task/capability.c) and its ids (the host's, as
 * getuid(2) gives them): chown without CAP_CHOWN as Linux's chown_ok and
 * chgrp_ok, a hard link to another's file without CAP_FOWNER as
 * fs.protected_hardlinks, linkat(AT_EMPTY_PATH) of a file another task
 * opened only with CAP_DAC_READ_SEARCH. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

/* in_group_p: gid is the caller's fs group or a supplementary one. */
static bool in_group(struct kernel *k, uint32_t gid)
{
	struct fs_cred c = current_fs_cred(k);
	return fs_in_group(&c, gid);
}

static uint32_t fsuid(struct kernel *k)
{
	return current_fs_cred(k).fsuid;
}

/* ---- link(2), linkat(2) ---- */

/* The host's fs.protected_hardlinks (Debian's default is 1). */
static bool protected_hardlinks(void)
{
	FILE *f = fopen("/proc/sys/fs/protected_hardlinks", "re");
	int v = 1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1;
		fclose(f);
	}
	return v != 0;
}

/* Linux's may_linkat: with fs.protected_hardlinks, a file the caller does
 * not own (and has no CAP_FOWNER for) must be a safe source: a regular
 * file, not set-user-ID nor executable set-group-ID, that it may read
 * and write. */
static int may_linkat(struct kernel *k, const struct stat *st)
{
	struct fs_cred c = current_fs_cred(k);
	if (!protected_hardlinks() || st->st_uid == c.fsuid || capable(k, CAP_FOWNER))
		return 0;
	bool safe = S_ISREG(st->st_mode) && !(st->st_mode & S_ISUID) &&
		    (st->st_mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) &&
		    fs_permission(&c, st, R_OK | W_OK) == 0;
	return safe ? 0 : -EPERM;
}

/* LOOKUP_LINKAT_EMPTY (Linux 6.10+): with AT_EMPTY_PATH a lookup from a
 * dirfd needs CAP_DAC_READ_SEARCH unless the task's credentials opened it. */
static int linkat_empty_ok(struct kernel *k, uint64_t dirfd, const char *name)
{
	if ((int)dirfd == AT_FDCWD || name[0] == '/')
		return 0;
	struct file *f = fd_arg_raw(k, dirfd);
	if (!f)
		return -EBADF;
	return f->f_cred == current_cred_token(k) || capable(k, CAP_DAC_READ_SEARCH) ? 0 : -ENOENT;
}

static int64_t do_linkat(struct kernel *k, uint64_t olddirfd, uint64_t uold, uint64_t newdirfd,
			 uint64_t unew, uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	char oldpath[PATH_MAX], newpath[PATH_MAX], last[NAME_MAX + 2];
	int64_t err = file_user_path(k, oldpath, uold, flags & AT_EMPTY_PATH);
	if (!err && (flags & AT_EMPTY_PATH))
		err = linkat_empty_ok(k, olddirfd, oldpath);
	struct path old;
	if (!err)
		err = path_lookup(k, (int)olddirfd, oldpath,
				  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0) |
					  (flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0),
				  &old);
	if (err)
		return err;
	/* The new name: in /proc EEXIST or ENOENT, as Linux's lookup there. */
	err = file_user_path(k, newpath, unew, false);
	int dir = err ? (int)err : path_parent(k, (int)newdirfd, newpath, EEXIST, PROC_ERR_EXISTS, last);
	if (dir < 0) {
		path_put(&old);
		return dir;
	}
	int fd = path_host_fd(&old);
	struct stat st;
	char name[NAME_MAX + 2];
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(last, "/"), last);
	/* Linux's filename_create: a name that is there is EEXIST first. */
	bool taken = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (fd < 0 || old.outside_root) {
		/* /proc, a pipe, a socket, a memfd, a file outside the root: on
		 * another mount. */
		err = taken ? -EEXIST : -EXDEV;
	} else if (taken) {
		err = -EEXIST;
	} else if (fstat(fd, &st) < 0) {
		err = -errno;
	} else if (!(err = may_linkat(k, &st))) {
		err = linkat(fd, "", dir, last, AT_EMPTY_PATH) < 0 ? -errno : 0;
	}
	close(dir);
	path_put(&old);
	return err;
}

int64_t sys_link(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_linkat(k, (uint64_t)AT_FDCWD, a[0], (uint64_t)AT_FDCWD, a[1], 0);
}

int64_t sys_linkat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_linkat(k, a[0], a[1], a[2], a[3], (uint32_t)a[4]);
}

/* ---- chown(2) and its kin ---- */

/* Linux's chown_ok and chgrp_ok for a guest without CAP_CHOWN, and
 * setattr_prepare's rule for the set-user-ID bit that a chown of a
 * file (not a directory) clears: only its owner or CAP_FOWNER. */
static int may_chown(struct kernel *k, const struct stat *st, uint32_t uid, uint32_t gid)
{
	bool owner = st->st_uid == fsuid(k);
	if (!capable(k, CAP_CHOWN)) {
		if (uid != (uint32_t)-1 && !(owner && uid == st->st_uid))
			return -EPERM;
		if (gid != (uint32_t)-1 && !(owner && (gid == st->st_gid || in_group(k, gid))))
			return -EPERM;
	}
	bool kills_mode = !S_ISDIR(st->st_mode) &&
			  ((st->st_mode & S_ISUID) ||
			   ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP)));
	if (kills_mode && !owner && !capable(k, CAP_FOWNER))
		return -EPERM;
	return 0;
}

/* The set-group-ID bit Linux clears for a caller without CAP_FSETID that
 * is not in the file's group (setattr_should_drop_sgid), or not in the
 * new group when the mode changes anyway: the host, as root, keeps it. */
static void drop_sgid(struct kernel *k, int fd, const struct stat *before, uint32_t gid)
{
	if (S_ISDIR(before->st_mode) || !(before->st_mode & S_ISGID) || capable(k, CAP_FSETID))
		return;
	bool drop = !in_group(k, before->st_gid) ||
		    ((before->st_mode & S_ISUID) && !in_group(k, gid != (uint32_t)-1 ? gid : before->st_gid));
	struct stat now;
	if (!drop || fstat(fd, &now) < 0 || !(now.st_mode & S_ISGID))
		return;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (chmod(proc, now.st_mode & 07777 & ~S_ISGID) < 0)
		return; /* the owner changed already; the bit stays */
}

static int64_t chown_path(struct kernel *k, const struct path *p, uint64_t uid, uint64_t gid)
{
	uint32_t u = (uint32_t)uid, g = (uint32_t)gid;
	struct stat st;
	int64_t err;
	int fd = path_host_fd(p);
	if (p->kind == PATH_PROC || (fd < 0 && p->kind == PATH_FILE)) {
		/* /proc and pipes: the kernel's files, whose owner it keeps
		 * itself; Linux lets the change be made (by whom may). */
		err = path_stat(k, p, &st);
		return err ? err : may_chown(k, &st, u, g);
	}
	if ((err = may_change(p, EPERM)))
		return err;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((err = may_chown(k, &st, u, g)))
		return err;
	if (fchownat(fd, "", u, g, AT_EMPTY_PATH) < 0)
		return -errno;
	drop_sgid(k, fd, &st, g);
	return 0;
}

static int64_t do_fchownat(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t uid,
			   uint64_t gid, uint64_t flags)
{
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int64_t err = user_path_at(k, dirfd, upath, (int)flags, true, &p);
	if (err)
		return err;
	err = chown_path(k, &p, uid, gid);
	path_put(&p);
	return err;
}

int64_t sys_chown(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_fchownat(k, (uint64_t)AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t sys_lchown(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_fchownat(k, (uint64_t)AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}

int64_t sys_fchownat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_fchownat(k, a[0], a[1], a[2], a[3], (uint32_t)a[4]);
}

/* fchown(2): fdget, so an O_PATH fd is EBADF. */
int64_t sys_fchown(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	struct path p;
	path_from_file(f, &p);
	int64_t err = chown_path(k, &p, a[1], a[2]);
	path_put(&p);
	return err;
}
