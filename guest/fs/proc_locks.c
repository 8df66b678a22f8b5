/* proc_locks.c - the guest's record locks as Linux shows them: /proc/locks
 * (every lock held, the newest first, as Linux's global list is kept on
 * one CPU; under each, the requests waiting for it, in the order they
 * came) and the "lock:" lines of /proc/PID/fdinfo/N (the locks set
 * through that description by the fd table that holds it, or by the
 * description itself). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "fs/locks.h"
#include "kern.h"
#include "task/task.h"

void lock_show_status(struct seq *s, long long id, const struct inode *i,
		      const struct file_lock *l, bool waiting)
{
	const char *kind = l->flags & FL_FLOCK    ? "FLOCK  ADVISORY  "
			   : l->flags & FL_OFDLCK ? "OFDLCK ADVISORY  "
						  : "POSIX  ADVISORY  ";
	seq_printf(s, "%lld: %s%s%s %d %02x:%02x:%llu ", id, waiting ? "-> " : "", kind,
		   l->type == F_WRLCK ? "WRITE" : l->type == F_RDLCK ? "READ" : "UNLCK",
		   l->flags & FL_OFDLCK ? -1 : l->pid, major(i->dev), minor(i->dev),
		   (unsigned long long)i->ino);
	if (l->flags & FL_FLOCK)
		seq_printf(s, "0 EOF\n");
	else if (l->end == OFFSET_MAX)
		seq_printf(s, "%lld EOF\n", (long long)l->start);
	else
		seq_printf(s, "%lld %lld\n", (long long)l->start, (long long)l->end);
}

struct held {
	const struct inode *inode;
	const struct file_lock *lock;
};

static int newest_first(const void *a, const void *b)
{
	uint64_t x = ((const struct held *)a)->lock->seq, y = ((const struct held *)b)->lock->seq;
	return x < y ? 1 : x > y ? -1 : 0;
}

void proc_locks_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	size_t n = 0;
	for (struct inode *i = k->inodes; i; i = i->next)
		for (struct file_lock *l = i->locks; l; l = l->next)
			n++;
	struct held *all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		return;
	n = 0;
	for (struct inode *i = k->inodes; i; i = i->next)
		for (struct file_lock *l = i->locks; l; l = l->next)
			all[n++] = (struct held){i, l};
	qsort(all, n, sizeof(*all), newest_first);
	for (size_t id = 1; id <= n; id++) {
		const struct held *h = &all[id - 1];
		lock_show_status(s, (long long)id, h->inode, h->lock, false);
		for (const struct file_lock *w = h->lock->blocked; w; w = w->next)
			if (lock_waiter_live(k, h->lock, w))
				lock_show_status(s, (long long)id, h->inode, w, true);
	}
	free(all);
}

void locks_show_fd(struct seq *s, const struct file *f, const struct fdtable *files)
{
	const struct inode *i = f->inode;
	long long id = 0;
	for (const struct file_lock *l = i ? i->locks : NULL; l; l = l->next) {
		if (l->file != f || (l->owner != files && l->owner != f))
			continue;
		seq_printf(s, "lock:\t");
		lock_show_status(s, ++id, i, l, false);
	}
}
