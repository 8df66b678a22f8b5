/* proc_ns.c - /proc/PID/ns (Linux's fs/proc/namespaces.c) and the nsfs
 * files its links open (fs/nsfs.c): one link per namespace type, whose
 * text is "TYPE:[INODE]" and which opens to a file that holds the
 * namespace (a reference, as Linux's nsfs inode) for setns(2)
 * (task/nsproxy.c). The files stat as Linux's: regular, empty, mode
 * 0444, on nsfs's device 0:4 with the namespace's inode number. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

#define NSFS_MINOR 4

static int nsfs_stat(struct file *f, struct stat *st)
{
	const struct ns_ref *r = f->private;
	*st = (struct stat){.st_dev = makedev(0, NSFS_MINOR), .st_ino = r->inum,
			    .st_mode = S_IFREG | 0444, .st_nlink = 1, .st_blksize = PAGE_SIZE};
	return 0;
}

static void nsfs_release(struct file *f)
{
	ns_ref_put(f->private);
	free(f->private);
}

static const struct file_ops nsfs_ops = {
	.read = file_rw_einval,
	.write = file_rw_einval,
	.stat = nsfs_stat,
	.release = nsfs_release,
};

/* A new nsfs file holding r (a reference of its own). */
static int nsfs_open(const struct ns_ref *r, int flags, struct file **out)
{
	struct ns_ref *copy = malloc(sizeof(*copy));
	struct file *f = copy ? file_alloc(&nsfs_ops, FILE_OTHER, flags & ~O_CREAT, copy) : NULL;
	if (!f) {
		free(copy);
		return -ENOMEM;
	}
	*copy = *r;
	ns_ref_get(copy);
	*out = f;
	return 0;
}

bool nsfs_file_ns(const struct file *f, struct ns_ref *out)
{
	if (f->ops != &nsfs_ops)
		return false;
	if (out)
		*out = *(const struct ns_ref *)f->private;
	return true;
}

int nsfs_reopen(struct file *f, int flags, struct file **out)
{
	return nsfs_open(f->private, flags, out);
}

void nsfs_name(const struct file *f, char *buf, size_t size)
{
	const struct ns_ref *r = f->private;
	snprintf(buf, size, "%s:[%u]", ns_type_name(r->type), r->inum);
}

int proc_ns_link(struct kernel *k, struct process *p, int type, struct path *target)
{
	(void)k;
	struct ns_ref r;
	struct file *f = NULL;
	int err = ns_get(p, (enum ns_type)type, &r);
	if (!err) {
		err = nsfs_open(&r, O_RDONLY, &f);
		ns_ref_put(&r);
	}
	if (err)
		return err;
	path_from_file(f, target);
	file_put(f);
	return 0;
}
