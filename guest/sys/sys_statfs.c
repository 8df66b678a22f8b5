/* sys_statfs.c - statfs and fstatfs: the file system a file is on. A
 * host file answers for itself (through its fd: an O_PATH one serves, as
 * on Linux); /proc and pipes are the kernel's own and answer as Linux's
 * procfs and pipefs do. struct statfs is the x86-64 kernel layout on the
 * host too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define PIPEFS_MAGIC 0x50495045
#define KERNEL_FS_BLOCK 4096

/* A file system with no blocks: procfs (mounted nosuid, nodev, noexec,
 * relatime, as distributions mount /proc) or pipefs. */
static void kernel_fs(struct statfs *st, bool proc)
{
	*st = (struct statfs){
		.f_type = proc ? PROC_SUPER_MAGIC : PIPEFS_MAGIC,
		.f_bsize = KERNEL_FS_BLOCK,
		.f_namelen = NAME_MAX,
		.f_frsize = KERNEL_FS_BLOCK,
		.f_flags = proc ? ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME : 0,
	};
}

static int64_t statfs_path(struct kernel *k, const struct path *p, uint64_t ubuf)
{
	struct statfs st;
	int fd = path_host_fd(p);
	if (fd >= 0) {
		if (fstatfs(fd, &st) < 0)
			return -errno;
	} else {
		kernel_fs(&st, p->kind == PATH_PROC || (p->kind == PATH_FILE &&
							file_kind(p->file) == FILE_PROC));
	}
	return copy_to_user(k, ubuf, &st, sizeof(st));
}

int64_t sys_statfs(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	char path[PATH_MAX];
	int err = file_user_path(k, path, a[0], false);
	if (err)
		return err;
	struct path p;
	if ((err = path_lookup(k, AT_FDCWD, path, LOOKUP_FOLLOW, &p)))
		return err;
	int64_t r = statfs_path(k, &p, a[1]);
	path_put(&p);
	return r;
}

int64_t sys_fstatfs(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg_raw(k, a[0]);
	if (!f)
		return -EBADF;
	struct path p;
	path_from_file(f, &p);
	int64_t r = statfs_path(k, &p, a[1]);
	path_put(&p);
	return r;
}
