/* fs_struct.c - each process's umask and working directory (Linux's struct
 * fs_struct), and the system calls on them: umask, chdir, fchdir, getcwd.
 *
 * The working directory is an open directory, as Linux keeps a reference
 * to it rather than a name: it follows renames, and a deleted one stays
 * where it was (getcwd then says ENOENT, /proc/PID/cwd "... (deleted)").
 * The first process starts in vmemu's own (deleted or not), or at the
 * root with --root; its umask is vmemu's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

struct fs_struct *fs_struct_create(struct kernel *k)
{
	/* Without --root the guest's / is the host's. */
	if (k->root_fd < 0 && (k->root_fd = file_open_root("/")) < 0) {
		errno = -k->root_fd;
		return NULL;
	}
	struct fs_struct *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	mode_t mask = umask(0);
	umask(mask);
	fs->users = 1;
	fs->umask = mask;
	/* O_PATH opens the working directory even when it is deleted. */
	int fd = k->cfg.root ? openat(k->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
			     : open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err = fd < 0 ? -errno : file_create(k, fd, O_PATH | O_DIRECTORY, &fs->pwd);
	if (err) {
		free(fs);
		errno = -err;
		return NULL;
	}
	return fs;
}

struct fs_struct *fs_struct_copy(const struct fs_struct *fs)
{
	struct fs_struct *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *fs;
	c->users = 1;
	file_get(c->pwd);
	return c;
}

void fs_struct_get(struct fs_struct *fs)
{
	fs->users++;
}

void fs_struct_put(struct fs_struct *fs)
{
	if (!fs || --fs->users)
		return;
	file_put(fs->pwd);
	free(fs);
}

unsigned current_umask(struct kernel *k)
{
	return k->current->fs->umask;
}

int64_t sys_umask(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct fs_struct *fs = k->current->fs;
	unsigned old = fs->umask;
	fs->umask = (unsigned)a[0] & 0777;
	return old;
}

/* Makes the directory f the working directory, if the process may search
 * it (chdir, fchdir). */
static int64_t set_pwd(struct kernel *k, struct file *f)
{
	struct path p;
	path_from_file(f, &p);
	int64_t err = 0;
	if (!path_is_dir(&p))
		err = -ENOTDIR;
	else if (path_host_fd(&p) >= 0 &&
		 syscall(SYS_faccessat2, path_host_fd(&p), "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0)
		err = -errno;
	path_put(&p);
	if (err)
		return err;
	struct fs_struct *fs = k->current->fs;
	file_get(f);
	file_put(fs->pwd);
	fs->pwd = f;
	return 0;
}

int64_t sys_chdir(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	char name[PATH_MAX];
	int err = file_user_path(k, name, a[0], false);
	struct path p;
	if (!err)
		err = path_lookup(k, AT_FDCWD, name, LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	struct file *f;
	err = path_is_dir(&p) ? path_open(k, &p, O_PATH | O_DIRECTORY, &f) : -ENOTDIR;
	path_put(&p);
	if (err)
		return err;
	int64_t ret = set_pwd(k, f);
	file_put(f);
	return ret;
}

int64_t sys_fchdir(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct file *f = fd_arg_raw(k, a[0]);
	return f ? set_pwd(k, f) : -EBADF;
}

/* Linux's getcwd(2): ENOENT once the directory is deleted; one outside
 * the root is "(unreachable)" and its host name. */
int64_t sys_getcwd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct path p;
	path_from_file(k->current->fs->pwd, &p);
	char name[PATH_MAX], out[PATH_MAX + 16];
	bool deleted;
	int err = path_name(k, &p, name, &deleted);
	path_put(&p);
	if (err && err != -EXDEV)
		return err;
	if (deleted)
		return -ENOENT;
	snprintf(out, sizeof(out), "%s%s", err ? "(unreachable)" : "", name);
	size_t len = strlen(out) + 1;
	if (len > PATH_MAX)
		return -ENAMETOOLONG;
	if (a[1] < len)
		return -ERANGE;
	int cerr = copy_to_user(k, a[0], out, len);
	return cerr ? cerr : (int64_t)len;
}
