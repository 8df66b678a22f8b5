/* sys_mknod.c - mknod and mknodat: FIFOs, regular files and sockets'
 * names, in a directory confined to --root like every path, less the
 * process's umask. Device nodes
 * are refused with EPERM, as Linux refuses them to a process without
 * CAP_MKNOD: a guest that could make one could open the host's disks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "sys/sys.h"

static int64_t do_mknod(struct kernel *k, uint64_t dirfd, uint64_t upath, uint64_t mode,
			uint64_t dev)
{
	mode_t type = (mode_t)mode & S_IFMT;
	switch (type) {
	case 0:
		type = S_IFREG; /* as Linux: no type is a regular file */
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		return -EPERM;
	default:
		return -EINVAL;
	}
	char path[PATH_MAX];
	int err = file_user_path(k, path, upath, false);
	if (err)
		return err;
	char last[NAME_MAX + 2];
	int dir = path_parent(k, (int)dirfd, path, EEXIST, 0, last);
	if (dir < 0)
		return dir;
	/* The host applies the guest's umask (or a default ACL instead). */
	mode_t old = umask(current_umask(k));
	int64_t ret = mknodat(dir, last, type | ((mode_t)mode & 07777), (dev_t)dev) < 0 ? -errno : 0;
	umask(old);
	close(dir);
	return ret;
}

/* mknod(path, mode, dev) */
int64_t sys_mknod(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_mknod(k, (uint64_t)AT_FDCWD, a[0], a[1], a[2]);
}

/* mknodat(dirfd, path, mode, dev) */
int64_t sys_mknodat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_mknod(k, a[0], a[1], a[2], a[3]);
}
