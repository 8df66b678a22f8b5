/* cwd.c - each process's working directory, kept as an absolute guest
 * path. A relative name is resolved as cwd + "/" + name, like an absolute
 * one: under --root the host resolves it inside the root, so ".." can
 * never climb out, and no host state per process is needed. chdir takes
 * the directory's real path (symlinks resolved, as Linux's getcwd shows). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

int cwd_join(const struct process *p, const char *path, char out[PATH_MAX])
{
	if (path[0] == '/')
		return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX ? 0 : -ENAMETOOLONG;
	const char *sep = strcmp(p->cwd, "/") ? "/" : "";
	return snprintf(out, PATH_MAX, "%s%s%s", p->cwd, sep, path) < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* The guest path of an open host directory: its real host path, without
 * the --root prefix. */
static int guest_path_of(struct kernel *k, int host_fd, char out[PATH_MAX])
{
	char proc[64], host[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", host_fd);
	ssize_t n = readlink(proc, host, sizeof(host) - 1);
	if (n < 0)
		return -errno;
	host[n] = 0;
	const char *path = host;
	if (k->root_fd >= 0) {
		size_t rlen = strlen(k->root_path);
		if (strncmp(host, k->root_path, rlen) || (host[rlen] && host[rlen] != '/'))
			return -ENOENT; /* cannot happen: resolution stays inside */
		path = host[rlen] ? host + rlen : "/";
	}
	return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX ? 0 : -ENAMETOOLONG;
}

int cwd_init(struct kernel *k, struct process *p)
{
	if (k->root_fd >= 0) {
		strcpy(p->cwd, "/");
		return 0;
	}
	return getcwd(p->cwd, sizeof(p->cwd)) ? 0 : -errno;
}

/* Makes the directory open as host_fd the cwd (chdir, fchdir). */
static int64_t cwd_set(struct kernel *k, int host_fd)
{
	char path[PATH_MAX];
	int err = guest_path_of(k, host_fd, path);
	if (!err)
		memcpy(k->current->cwd, path, sizeof(path));
	return err;
}

int64_t sys_chdir(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	char path[PATH_MAX];
	int err = file_user_path(k, path, a[0], false);
	if (err)
		return err;
	int fd = file_openat(k, AT_FDCWD, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	int64_t ret = cwd_set(k, fd);
	close(fd);
	return ret;
}

int64_t sys_fchdir(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg(k, a[0]);
	if (!f)
		return -EBADF;
	if (f->kind != FILE_DIRECTORY)
		return -ENOTDIR;
	return cwd_set(k, f->host_fd);
}

int64_t sys_getcwd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	const char *cwd = k->current->cwd;
	size_t len = strlen(cwd) + 1;
	if (a[1] < len)
		return -ERANGE;
	int err = copy_to_user(k, a[0], cwd, len);
	return err ? err : (int64_t)len;
}
