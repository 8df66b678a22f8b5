/* sys_xattr.c - reading extended attributes: getxattr, lgetxattr and
 * fgetxattr (ls -l asks for ACLs and security labels). The name is
 * resolved by the kernel, as every path (sys_path.c); the host reads the
 * attribute of the file that names: through its /proc/self/fd magic link,
 * or, for a symlink itself (lgetxattr), by its name in its directory, as
 * a magic link cannot name a symlink without following it. The kernel's
 * own files have none, and answer as Linux's (measured on 6.18): /proc
 * EOPNOTSUPP for every name; a pipe ENODATA for a user.* name (a pipe may
 * hold those there), EOPNOTSUPP for the others. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536

/* The attribute name at uname: 0, -ERANGE (empty or too long), -EFAULT. */
static int xattr_name(struct kernel *k, uint64_t uname, char name[XATTR_NAME_MAX + 1])
{
	int64_t n = strncpy_from_user(k, name, uname, XATTR_NAME_MAX + 1);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? (int)n : 0;
}

/* Reads the attribute with get (a host call on host_name) into the
 * user's buffer of size bytes (0: only the size is asked). */
static int64_t get_value(struct kernel *k, const char *host_name, const char *name,
			 uint64_t ubuf, uint64_t size, bool follow)
{
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	char *buf = size ? malloc(size) : NULL;
	if (size && !buf)
		return -ENOMEM;
	ssize_t n = follow ? getxattr(host_name, name, buf, size)
			   : lgetxattr(host_name, name, buf, size);
	int64_t r = n < 0 ? -errno : n;
	if (n > 0 && size && copy_to_user(k, ubuf, buf, (uint64_t)n))
		r = -EFAULT;
	free(buf);
	return r;
}

/* The host file behind p, through its magic link; or the kernel's answer
 * for its own files. */
static int64_t get_path(struct kernel *k, const struct path *p, const char *name, uint64_t ubuf,
			uint64_t size)
{
	int fd = path_host_fd(p);
	bool proc = p->kind == PATH_PROC || (p->kind == PATH_FILE && file_kind(p->file) == FILE_PROC);
	if (proc)
		return -EOPNOTSUPP;
	if (fd < 0)
		return strncmp(name, "user.", 5) ? -EOPNOTSUPP : -ENODATA;
	char host_name[64];
	snprintf(host_name, sizeof(host_name), "/proc/self/fd/%d", fd);
	return get_value(k, host_name, name, ubuf, size, true);
}

static int64_t do_getxattr(struct kernel *k, uint64_t upath, uint64_t uname, uint64_t ubuf,
			   uint64_t size, bool follow)
{
	char path[PATH_MAX], name[XATTR_NAME_MAX + 1];
	int err = file_user_path(k, path, upath, false);
	if (!err)
		err = xattr_name(k, uname, name);
	if (err)
		return err;
	struct path p;
	if ((err = path_lookup(k, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &p)))
		return err;
	struct stat st;
	int64_t r = path_stat(k, &p, &st);
	if (!r && S_ISLNK(st.st_mode) && p.kind != PATH_PROC && path_host_fd(&p) >= 0) {
		/* The symlink itself: by its name in the directory it is in. */
		char last[NAME_MAX + 2], host_name[PATH_MAX + 32];
		int dir = path_parent(k, AT_FDCWD, path, EINVAL, EOPNOTSUPP, last);
		if (dir < 0) {
			r = dir;
		} else {
			snprintf(host_name, sizeof(host_name), "/proc/self/fd/%d/%s", dir, last);
			r = get_value(k, host_name, name, ubuf, size, false);
			close(dir);
		}
	} else if (!r) {
		r = get_path(k, &p, name, ubuf, size);
	}
	path_put(&p);
	return r;
}

int64_t sys_getxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_getxattr(k, a[0], a[1], a[2], a[3], true);
}

int64_t sys_lgetxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_getxattr(k, a[0], a[1], a[2], a[3], false);
}

/* fgetxattr(2): fdget, so an O_PATH fd is EBADF, as Linux's. */
int64_t sys_fgetxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	char name[XATTR_NAME_MAX + 1];
	int err = xattr_name(k, a[1], name);
	if (err)
		return err;
	struct path p;
	path_from_file(f, &p);
	int64_t r = get_path(k, &p, name, a[2], a[3]);
	path_put(&p);
	return r;
}
