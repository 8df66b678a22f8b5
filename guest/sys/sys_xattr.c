/* sys_xattr.c - extended attributes: getxattr, setxattr, listxattr and
 * removexattr, each by name (following a last symlink), by name of the
 * symlink itself (the l* calls) and by fd (the f* calls: fdget, so an
 * O_PATH fd is EBADF, as Linux's). The arguments are checked first, as
 * Linux 6.18 does (flags EINVAL, then the attribute name ERANGE, then
 * E2BIG), then the name is resolved by the kernel, as every path
 * (sys_path.c). A host file's attributes are the host's: the call goes to
 * the file through its /proc/self/fd magic link, or for a symlink itself
 * by its name in its directory, as a magic link cannot name a symlink
 * without following it; the host checks them with the guest's
 * credentials (cred_host_sync). The kernel's own files answer in
 * fs/xattr.c. A host file outside the root does not change (EROFS). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
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
#define XATTR_LIST_MAX 65536

enum xattr_op { XATTR_GET, XATTR_SET, XATTR_LIST, XATTR_REMOVE };
enum xattr_by { BY_NAME, BY_LNAME, BY_FD }; /* the x*, l* and f* calls */

/* One call: its attribute name (not for XATTR_LIST), and a kernel buffer
 * of size bytes: the value to set, or room for the value or list asked
 * (size 0: only the length is asked). */
struct xattr_call {
	enum xattr_op op;
	char name[XATTR_NAME_MAX + 1];
	char *buf;
	size_t size;
	int flags;
};

/* The attribute name at uname: 0, -ERANGE (empty or too long), -EFAULT. */
static int xattr_name(struct kernel *k, uint64_t uname, char name[XATTR_NAME_MAX + 1])
{
	int64_t n = strncpy_from_user(k, name, uname, XATTR_NAME_MAX + 1);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? (int)n : 0;
}

/* Checks and copies in a call's arguments (Linux's setxattr_copy and its
 * getxattr, listxattr and removexattr twins); the buffer is the caller's
 * to free. */
static int xattr_call_init(struct kernel *k, struct xattr_call *x, enum xattr_op op,
			   uint64_t uname, uint64_t uvalue, uint64_t size, uint64_t flags)
{
	*x = (struct xattr_call){.op = op};
	if (op == XATTR_SET && (flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	x->flags = (int)flags;
	int err = op == XATTR_LIST ? 0 : xattr_name(k, uname, x->name);
	if (err || op == XATTR_REMOVE)
		return err;
	if (op == XATTR_SET && size > XATTR_SIZE_MAX)
		return -E2BIG;
	/* A get or list larger than the limit asks for at most the limit. */
	x->size = size > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : size;
	if (x->size && !(x->buf = malloc(x->size)))
		return -ENOMEM;
	if (op == XATTR_SET && x->size && copy_from_user(k, x->buf, uvalue, x->size))
		return -EFAULT;
	return 0;
}

/* Hands a get's value or a list's names (n bytes) to the user. */
static int64_t xattr_call_finish(struct kernel *k, const struct xattr_call *x, uint64_t uvalue,
				 int64_t n)
{
	if (n > 0 && x->size && (x->op == XATTR_GET || x->op == XATTR_LIST) &&
	    copy_to_user(k, uvalue, x->buf, (uint64_t)n))
		return -EFAULT;
	/* A list that does not fit even the largest buffer is E2BIG. */
	if (n == -ERANGE && x->op == XATTR_LIST && x->size >= XATTR_LIST_MAX)
		return -E2BIG;
	return n;
}

/* The host's list of names, without trusted.* for a guest without
 * CAP_SYS_ADMIN (Linux lists those to it alone): the whole list is read,
 * then as much as fits handed over. */
static int64_t host_list(struct kernel *k, const char *host_name, bool follow,
			 const struct xattr_call *x)
{
	if (capable(k, CAP_SYS_ADMIN)) {
		ssize_t n = follow ? listxattr(host_name, x->buf, x->size)
				   : llistxattr(host_name, x->buf, x->size);
		return n < 0 ? -errno : n;
	}
	char *all = malloc(XATTR_LIST_MAX);
	if (!all)
		return -ENOMEM;
	ssize_t n = follow ? listxattr(host_name, all, XATTR_LIST_MAX)
			   : llistxattr(host_name, all, XATTR_LIST_MAX);
	int64_t len = n < 0 ? -errno : 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(all + i) + 1) {
		size_t one = strlen(all + i) + 1;
		if (strncmp(all + i, "trusted.", 8) == 0)
			continue;
		if (x->size && (size_t)len + one > x->size) {
			len = -ERANGE;
			break;
		}
		if (x->size)
			memcpy(x->buf + len, all + i, one);
		len += (int64_t)one;
	}
	free(all);
	return len;
}

/* The call on a host file by a host name (follow: a last symlink too).
 * vmemu's host thread keeps CAP_SYS_ADMIN whatever the guest's
 * credentials, so trusted.* is checked here (Linux's xattr_permission):
 * the host checks the rest with the guest's fs ids. */
static int64_t host_xattr(struct kernel *k, const char *host_name, bool follow,
			  const struct xattr_call *x)
{
	if (x->op != XATTR_LIST && strncmp(x->name, "trusted.", 8) == 0 &&
	    !capable(k, CAP_SYS_ADMIN))
		return x->op == XATTR_GET ? -ENODATA : -EPERM;
	ssize_t n;
	switch (x->op) {
	case XATTR_GET:
		n = follow ? getxattr(host_name, x->name, x->buf, x->size)
			   : lgetxattr(host_name, x->name, x->buf, x->size);
		break;
	case XATTR_SET:
		n = follow ? setxattr(host_name, x->name, x->buf, x->size, x->flags)
			   : lsetxattr(host_name, x->name, x->buf, x->size, x->flags);
		break;
	case XATTR_LIST:
		return host_list(k, host_name, follow, x);
	default:
		n = follow ? removexattr(host_name, x->name) : lremovexattr(host_name, x->name);
		break;
	}
	return n < 0 ? -errno : n;
}

static bool changes(const struct xattr_call *x)
{
	return x->op == XATTR_SET || x->op == XATTR_REMOVE;
}

/* The kernel's own file p names, with attributes st. */
static int64_t kernel_xattr(struct kernel *k, const struct path *p, const struct stat *st,
			    struct xattr_call *x)
{
	switch (x->op) {
	case XATTR_GET:
		return kernel_getxattr(k, p, st, x->name, x->buf, x->size);
	case XATTR_SET:
		return kernel_setxattr(k, p, st, x->name, x->buf, x->size, x->flags);
	case XATTR_LIST:
		return kernel_listxattr(k, p, x->buf, x->size);
	default:
		return kernel_removexattr(k, p, st, x->name);
	}
}

/* The file p names: the host's through its magic link, or the kernel's. */
static int64_t path_xattr(struct kernel *k, const struct path *p, struct xattr_call *x)
{
	if (changes(x) && p->outside_root)
		return -EROFS;
	int fd = path_host_fd(p);
	if (fd < 0) {
		struct stat st;
		int err = path_stat(k, p, &st);
		return err ? err : kernel_xattr(k, p, &st, x);
	}
	char host_name[64];
	snprintf(host_name, sizeof(host_name), "/proc/self/fd/%d", fd);
	return host_xattr(k, host_name, true, x);
}

/* The l* calls on a host symlink: by its name in the directory it is in. */
static int64_t symlink_xattr(struct kernel *k, const char *path, const struct xattr_call *x)
{
	char last[NAME_MAX + 2], host_name[PATH_MAX + 32];
	int dir = path_parent(k, AT_FDCWD, path, EINVAL, EOPNOTSUPP, last);
	if (dir < 0)
		return dir;
	snprintf(host_name, sizeof(host_name), "/proc/self/fd/%d/%s", dir, last);
	int64_t r = host_xattr(k, host_name, false, x);
	close(dir);
	return r;
}

static int64_t name_xattr(struct kernel *k, uint64_t upath, bool follow, struct xattr_call *x)
{
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	struct path p;
	if ((err = path_lookup(k, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &p)))
		return err;
	struct stat st;
	int64_t r = path_stat(k, &p, &st);
	if (!r && S_ISLNK(st.st_mode) && p.kind != PATH_PROC && path_host_fd(&p) >= 0)
		r = changes(x) && p.outside_root ? -EROFS : symlink_xattr(k, path, x);
	else if (!r)
		r = path_xattr(k, &p, x);
	path_put(&p);
	return r;
}

static int64_t fd_xattr(struct kernel *k, uint64_t fd, struct xattr_call *x)
{
	struct file *f = fd_arg(k, fd);
	if (!f)
		return -EBADF;
	struct path p;
	path_from_file(f, &p);
	int64_t r = path_xattr(k, &p, x);
	path_put(&p);
	return r;
}

/* One system call of the twelve: target is an fd or a name. */
static int64_t do_xattr(struct kernel *k, enum xattr_op op, enum xattr_by by, uint64_t target,
			uint64_t uname, uint64_t uvalue, uint64_t size, uint64_t flags)
{
	struct xattr_call x;
	int64_t r = xattr_call_init(k, &x, op, uname, uvalue, size, flags);
	if (!r) {
		r = by == BY_FD ? fd_xattr(k, target, &x) : name_xattr(k, target, by == BY_NAME, &x);
		r = xattr_call_finish(k, &x, uvalue, r);
	}
	free(x.buf);
	return r;
}

int64_t sys_getxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_GET, BY_NAME, a[0], a[1], a[2], a[3], 0);
}

int64_t sys_lgetxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_GET, BY_LNAME, a[0], a[1], a[2], a[3], 0);
}

int64_t sys_fgetxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_GET, BY_FD, a[0], a[1], a[2], a[3], 0);
}

int64_t sys_setxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_SET, BY_NAME, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_lsetxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_SET, BY_LNAME, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_fsetxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_SET, BY_FD, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_listxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_LIST, BY_NAME, a[0], 0, a[1], a[2], 0);
}

int64_t sys_llistxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_LIST, BY_LNAME, a[0], 0, a[1], a[2], 0);
}

int64_t sys_flistxattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_LIST, BY_FD, a[0], 0, a[1], a[2], 0);
}

int64_t sys_removexattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_REMOVE, BY_NAME, a[0], a[1], 0, 0, 0);
}

int64_t sys_lremovexattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_REMOVE, BY_LNAME, a[0], a[1], 0, 0, 0);
}

int64_t sys_fremovexattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_xattr(k, XATTR_REMOVE, BY_FD, a[0], a[1], 0, 0, 0);
}
