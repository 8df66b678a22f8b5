/* mqueue.c - POSIX message queues (mq_overview(7)): the names of the
 * guest's queues (Linux's mqueue file system, one per guest: an IPC
 * namespace), mq_open and mq_unlink with Linux's checks in its order,
 * and the file a queue descriptor is: read(2) gives its status line,
 * poll says IN while a message waits and OUT while one fits, fstat shows
 * a regular file of 80 bytes on the mqueue mount, and /proc/PID/fd names
 * it "/NAME" as Linux's d_path does there. A queue lives while it has a
 * name or an open file. Every descriptor is close-on-exec: Linux's
 * do_mq_open takes its fd with O_CLOEXEC whatever the flags say. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/mqueue.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* st_dev of the mqueue mount: Linux gives it an anonymous device, 0:19
 * on the 6.1 host this was measured on. */
#define MQUEUE_MINOR 0x13
/* What Linux charges per message and per priority used (sizeof struct
 * msg_msg and struct posix_msg_tree_node on x86-64). */
#define MSG_MSG_SIZE 48
#define TREE_NODE_SIZE 48

struct mq_file {
	struct mqueue *q;
	int64_t pos; /* read(2) and lseek(2) of the status line */
};

struct mqueue *mqueue_of(const struct file *f)
{
	return f->ops == &mqueue_fops ? ((struct mq_file *)f->private)->q : NULL;
}

void mqueue_touch(struct timespec *t)
{
	clock_gettime(CLOCK_REALTIME, t);
}

void mqueue_wake(struct kernel *k, struct mqueue *q, unsigned key)
{
	file_wake(k, &q->wait, key);
}

/* ---- the namespace ---- */

int mqueue_init_ns(struct kernel *k)
{
	struct mq_namespace *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->refs = 1;
	ns->next_ino = 1;
	mqueue_sysctl_defaults(&ns->sysctl);
	k->mq_ns = ns;
	return 0;
}

static void ns_put(struct mq_namespace *ns)
{
	if (--ns->refs)
		return;
	while (ns->users) {
		struct mq_user *u = ns->users;
		ns->users = u->next;
		free(u);
	}
	free(ns);
}

static void queue_put(struct mqueue *q)
{
	if (--q->refs)
		return;
	struct mq_namespace *ns = q->ns;
	for (struct mq_user *u = ns->users; u; u = u->next)
		if (u->uid == q->charge_uid)
			u->bytes -= q->charged;
	ns->queues_count--;
	while (q->msgs) {
		struct mq_msg *m = q->msgs;
		q->msgs = m->next;
		free(m);
	}
	struct mq_waiter *lists[2] = {q->senders, q->receivers};
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct mq_waiter *w = lists[i];
			lists[i] = w->next;
			free(w);
		}
	free(q);
	ns_put(ns);
}

static void unlink_queue(struct mqueue *q)
{
	for (struct mqueue **pp = &q->ns->queues; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	q->linked = false;
	mqueue_touch(&q->ctime);
	queue_put(q);
}

void mqueue_exit_ns(struct kernel *k)
{
	struct mq_namespace *ns = k->mq_ns;
	if (!ns)
		return;
	while (ns->queues)
		unlink_queue(ns->queues);
	k->mq_ns = NULL;
	ns_put(ns); /* open files may still hold queues, and so it */
}

/* Linux's lookup_one_len on the mqueue root: no "/" inside, not "." or
 * "..", at most NAME_MAX bytes. The queue, NULL when there is none. */
static int lookup(struct mq_namespace *ns, const char *name, struct mqueue **out)
{
	size_t len = strlen(name);
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EACCES;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	*out = NULL;
	for (struct mqueue *q = ns->queues; q; q = q->next)
		if (!strcmp(q->name, name))
			*out = q;
	return 0;
}

/* Linux's generic_permission on the queue's inode (mask: R_OK, W_OK). */
static int permission(struct kernel *k, const struct mqueue *q, int mask)
{
	struct fs_cred c = current_fs_cred(k);
	struct stat st = {.st_mode = q->mode, .st_uid = q->uid, .st_gid = q->gid};
	return fs_permission(&c, &st, mask);
}

/* Linux's mqueue_get_inode checks and RLIMIT_MSGQUEUE charge. */
static int charge(struct kernel *k, struct mq_namespace *ns, struct mqueue *q)
{
	const struct mq_sysctl *s = &ns->sysctl;
	if (q->maxmsg <= 0 || q->msgsize <= 0)
		return -EINVAL;
	bool privileged = capable(k, CAP_SYS_RESOURCE);
	if (q->maxmsg > (privileged ? HARD_MSGMAX : s->msg_max) ||
	    q->msgsize > (privileged ? HARD_MSGSIZEMAX : s->msgsize_max))
		return -EINVAL;
	uint64_t nodes = q->maxmsg < MQ_PRIO_MAX ? (uint64_t)q->maxmsg : MQ_PRIO_MAX;
	uint64_t bytes = (uint64_t)q->maxmsg * (MSG_MSG_SIZE + (uint64_t)q->msgsize) +
			 nodes * TREE_NODE_SIZE;
	uint32_t uid = k->current->cred.uid;
	struct mq_user *u = ns->users;
	while (u && u->uid != uid)
		u = u->next;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		u->uid = uid;
		u->next = ns->users;
		ns->users = u;
	}
	if (u->bytes + bytes > rlimit(k, RLIMIT_MSGQUEUE))
		return -EMFILE;
	u->bytes += bytes;
	q->charged = bytes;
	q->charge_uid = uid;
	return 0;
}

/* Linux's mqueue_create_attr: queues_max (ENOSPC), then the attributes. */
static int create(struct kernel *k, const char *name, unsigned mode,
		  const struct k_mq_attr *attr, struct mqueue **out)
{
	struct mq_namespace *ns = k->mq_ns;
	if (ns->queues_count >= ns->sysctl.queues_max && !capable(k, CAP_SYS_RESOURCE))
		return -ENOSPC;
	struct mqueue *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	const struct cred *c = &k->current->cred;
	*q = (struct mqueue){
		.ns = ns, .refs = 1, .linked = true, .ino = ns->next_ino++,
		.uid = c->fsuid, .gid = c->fsgid, .mode = S_IFREG | (mode & 07777),
	};
	/* Without attributes: the defaults, but no more than the maximums. */
	const struct mq_sysctl *s = &ns->sysctl;
	q->maxmsg = attr ? attr->mq_maxmsg
			 : s->msg_default < s->msg_max ? s->msg_default : s->msg_max;
	q->msgsize = attr ? attr->mq_msgsize
			  : s->msgsize_default < s->msgsize_max ? s->msgsize_default : s->msgsize_max;
	snprintf(q->name, sizeof(q->name), "%s", name);
	mqueue_touch(&q->ctime);
	q->atime = q->mtime = q->ctime;
	int err = charge(k, ns, q);
	if (err) {
		free(q);
		return err;
	}
	ns->refs++;
	ns->queues_count++;
	q->next = ns->queues;
	ns->queues = q;
	*out = q;
	return 0;
}

/* Whether the process may open one more fd (below its RLIMIT_NOFILE). */
static bool fd_free_slot(struct kernel *k)
{
	const struct fdtable *t = k->current->files;
	uint64_t end = task_rlimit(k->current, RLIMIT_NOFILE);
	for (int fd = 0; (uint64_t)fd < end; fd++)
		if (fd >= t->max_fds || !t->fd[fd])
			return true;
	return false;
}

/* A new file on q (a reference taken) as mq_open with oflag opens it. */
static int new_file(struct mqueue *q, int oflag, struct file **out)
{
	struct mq_file *mf = calloc(1, sizeof(*mf));
	int flags = oflag & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	struct file *f = mf ? file_alloc(&mqueue_fops, FILE_MQUEUE, flags, mf) : NULL;
	if (!f) {
		free(mf);
		return -ENOMEM;
	}
	mf->q = q;
	q->refs++;
	f->f_mode = open_fmode(oflag);
	*out = f;
	return 0;
}

int mqueue_reopen(struct kernel *k, struct file *f, int flags, struct file **out)
{
	static const int want[4] = {R_OK, W_OK, R_OK | W_OK, 0};
	struct mqueue *q = mqueue_of(f);
	int err = permission(k, q, want[flags & O_ACCMODE]);
	return err ? err : new_file(q, flags, out);
}

int64_t mqueue_open(struct kernel *k, const char *name, int oflag, unsigned mode,
		    const struct k_mq_attr *attr)
{
	if (!fd_free_slot(k))
		return -EMFILE;
	struct mqueue *q;
	int err = lookup(k->mq_ns, name, &q);
	if (err)
		return err;
	if (!q) {
		if (!(oflag & O_CREAT))
			return -ENOENT;
		err = create(k, name, mode & ~current_umask(k), attr, &q);
	} else if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		err = -EEXIST;
	} else if ((oflag & O_ACCMODE) == O_ACCMODE) {
		err = -EINVAL;
	} else {
		static const int want[3] = {R_OK, W_OK, R_OK | W_OK};
		err = permission(k, q, want[oflag & O_ACCMODE]);
	}
	struct file *f;
	if (!err)
		err = new_file(q, oflag, &f);
	if (err)
		return err;
	return fd_install_new(k, f, true);
}

/* Linux's vfs_unlink in the sticky mqueue root: only the queue's owner
 * (or CAP_FOWNER) removes another's queue. */
int64_t mqueue_unlink(struct kernel *k, const char *name)
{
	struct mqueue *q;
	int err = lookup(k->mq_ns, name, &q);
	if (err)
		return err;
	if (!q)
		return -ENOENT;
	if (k->current->cred.fsuid != q->uid && k->current->cred.fsuid != 0 &&
	    !capable(k, CAP_FOWNER))
		return -EPERM;
	unlink_queue(q);
	return 0;
}

/* ---- the file ---- */

static int64_t mq_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct mq_file *mf = f->private;
	struct mqueue *q = mf->q;
	bool sig = q->notify_owner && q->notify == SIGEV_SIGNAL;
	char line[MQ_FILENT_SIZE];
	int len = snprintf(line, sizeof(line), "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
			   (unsigned long long)q->qsize, q->notify_owner ? q->notify : 0,
			   sig ? q->notify_signo : 0, q->notify_owner);
	if (len >= (int)sizeof(line))
		len = sizeof(line) - 1;
	if (mf->pos >= len || u->left == 0)
		return 0;
	size_t n = uio_copy(k, u, line + mf->pos, (size_t)(len - mf->pos), true);
	if (n == 0)
		return -EFAULT;
	mf->pos += (int64_t)n;
	mqueue_touch(&q->atime);
	q->ctime = q->atime;
	return (int64_t)n;
}

/* Linux's default_llseek over a file of MQ_FILENT_SIZE bytes. */
static int64_t mq_llseek(struct file *f, int64_t off, int whence)
{
	struct mq_file *mf = f->private;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? mf->pos
		     : whence == SEEK_END ? MQ_FILENT_SIZE : -1;
	if (base < 0 || base + off < 0)
		return -EINVAL;
	mf->pos = base + off;
	return mf->pos;
}

static unsigned mq_poll(struct file *f)
{
	struct mqueue *q = mqueue_of(f);
	unsigned ev = q->curmsgs ? POLLIN | POLLRDNORM : 0;
	if (q->curmsgs < q->maxmsg)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static int mq_poll_chans(struct file *f, const void *chans[])
{
	chans[0] = &mqueue_of(f)->wait;
	return 1;
}

static int mq_stat(struct file *f, struct stat *st)
{
	struct mqueue *q = mqueue_of(f);
	*st = (struct stat){
		.st_dev = makedev(0, MQUEUE_MINOR), .st_ino = q->ino, .st_mode = q->mode,
		.st_nlink = q->linked, .st_uid = q->uid, .st_gid = q->gid,
		.st_size = MQ_FILENT_SIZE, .st_blksize = PAGE_SIZE,
		.st_atim = q->atime, .st_mtim = q->mtime, .st_ctim = q->ctime,
	};
	return 0;
}

/* A close by the registered process removes its notification. */
static void mq_flush(struct file *f, const struct fdtable *owner)
{
	struct mqueue *q = mqueue_of(f);
	if (q->notify_owner && q->notify_files == owner)
		q->notify_owner = 0;
}

static void mq_release(struct file *f)
{
	struct mq_file *mf = f->private;
	queue_put(mf->q);
	free(mf);
}

const struct file_ops mqueue_fops = {
	.read = mq_read,
	.write = file_rw_einval,
	.poll = mq_poll,
	.stat = mq_stat,
	.llseek = mq_llseek,
	.release = mq_release,
	.poll_chans = mq_poll_chans,
	.flush = mq_flush,
};

void mqueue_name(struct file *f, char *buf, size_t size)
{
	struct mqueue *q = mqueue_of(f);
	snprintf(buf, size, "/%s%s", q->name, q->linked ? "" : " (deleted)");
}
