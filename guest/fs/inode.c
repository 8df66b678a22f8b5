/* inode.c - the kernel's record of a host file: one struct inode per host
 * file (device and inode number) that an open file description names.
 *
 * It counts writers and executors as Linux's i_writecount: an open for
 * writing (or truncating) fails with ETXTBSY while some process executes
 * the file, and an exec fails with ETXTBSY while the file is open for
 * writing (get_write_access, deny_write_access). The guest's record locks
 * hang on it too (locks.c). Host processes are not counted: the host
 * kernel knows nothing of the guest's executables. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"

static struct inode *inode_find(struct kernel *k, uint64_t dev, uint64_t ino)
{
	for (struct inode *i = k->inodes; i; i = i->next)
		if (i->dev == dev && i->ino == ino)
			return i;
	return NULL;
}

struct inode *inode_get(struct kernel *k, const struct stat *st)
{
	struct inode *i = inode_find(k, st->st_dev, st->st_ino);
	if (i) {
		i->refcount++;
		return i;
	}
	i = calloc(1, sizeof(*i));
	if (!i)
		return NULL;
	*i = (struct inode){.k = k, .dev = st->st_dev, .ino = st->st_ino, .refcount = 1,
			    .lock_fd = -1, .next = k->inodes};
	k->inodes = i;
	return i;
}

void inode_put(struct inode *i)
{
	if (--i->refcount > 0)
		return;
	struct inode **pp = &i->k->inodes;
	while (*pp != i)
		pp = &(*pp)->next;
	*pp = i->next;
	/* Every lock went with the fds and descriptions that held it. */
	if (i->lock_fd >= 0)
		close(i->lock_fd);
	free(i);
}

int get_write_access(struct inode *i)
{
	if (i->writecount < 0)
		return -ETXTBSY;
	i->writecount++;
	return 0;
}

void put_write_access(struct inode *i)
{
	i->writecount--;
}

int deny_write_access(struct inode *i)
{
	if (i->writecount > 0)
		return -ETXTBSY;
	i->writecount--;
	return 0;
}

void allow_write_access(struct inode *i)
{
	i->writecount++;
}

bool inode_write_denied(struct kernel *k, const struct stat *st)
{
	const struct inode *i = inode_find(k, st->st_dev, st->st_ino);
	return i && i->writecount < 0;
}
