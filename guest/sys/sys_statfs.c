/* sys_statfs.c - statfs(2) and fstatfs(2): the file system a file lies
 * on. Host files answer with the host's statfs; the guest's /proc is the
 * host's /proc mount as the guest sees it, so it answers with that
 * mount's (PROC_SUPER_MAGIC, its flags and fsid); a pipe lies on pipefs
 * and a socket on sockfs, which Linux shows as below (their fsid, a
 * device number of the host's internal mount, is 0 here). struct statfs is the x86-64 kernel layout
 * on the host too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

/* f_flags is valid (Linux's include/linux/statfs.h; no header exports it). */
#define ST_VALID 0x20

/* pipefs and sockfs, kernel-internal file systems. */
static int pipefs_statfs(struct statfs *st, long magic)
{
	*st = (struct statfs){.f_type = magic, .f_bsize = PAGE_SIZE, .f_namelen = NAME_MAX,
			      .f_frsize = PAGE_SIZE, .f_flags = ST_VALID};
	return 0;
}

static int host_statfs(int fd, struct statfs *st)
{
	return fstatfs(fd, st) < 0 ? -errno : 0;
}

static int proc_statfs(struct statfs *st)
{
	return statfs("/proc", st) < 0 ? -errno : 0;
}

static int file_statfs(struct file *f, struct statfs *st)
{
	if (f->host_fd >= 0)
		return host_statfs(f->host_fd, st);
	if (f->kind == FILE_PIPE)
		return pipefs_statfs(st, PIPEFS_MAGIC);
	if (f->kind == FILE_MEMFD)
		return pipefs_statfs(st, TMPFS_MAGIC);
	return f->kind == FILE_SOCKET ? pipefs_statfs(st, SOCKFS_MAGIC) : proc_statfs(st);
}

int64_t sys_statfs(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	char name[PATH_MAX];
	int err = file_user_path(k, name, a[0], false);
	if (err)
		return err;
	struct path p;
	err = path_lookup(k, AT_FDCWD, name, LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	struct statfs st;
	if (p.kind == PATH_PROC)
		err = proc_statfs(&st);
	else if (p.kind == PATH_FILE)
		err = file_statfs(p.file, &st);
	else
		err = host_statfs(path_host_fd(&p), &st);
	path_put(&p);
	return err ? err : copy_to_user(k, a[1], &st, sizeof(st));
}

int64_t sys_fstatfs(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg_raw(k, a[0]); /* an O_PATH fd names its file system too */
	if (!f)
		return -EBADF;
	struct statfs st;
	int err = file_statfs(f, &st);
	return err ? err : copy_to_user(k, a[1], &st, sizeof(st));
}
