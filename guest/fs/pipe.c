/* pipe.c - pipes inside the guest kernel (pipe(7)).
 *
 * A pipe is a ring of PIPE_SIZE bytes in host memory with two ends, each
 * a struct file. A reader of an empty pipe, or a writer of a full one,
 * blocks (process_block) and its call starts again when the other side
 * changes the pipe; host pipes could not do this, since a guest waiting
 * on one would stop the whole emulator while the process that would fill
 * it never runs.
 *
 * The capacity is counted in bytes; Linux counts page slots, so there
 * many small writes (not merged into one page) fill a pipe sooner.
 *
 * A blocking write of more than PIPE_BUF bytes moves them all, as on
 * Linux, in as many turns as the readers need: between turns the call
 * blocks and starts again, and p->io_done says how much it has written.
 * A signal that interrupts it then makes it return that count (signal.c),
 * and so does the last reader going away (with SIGPIPE). pipe2's O_DIRECT
 * is kept in the write end's flags, but writes are not packets. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define PIPE_SIZE (16 * PAGE_SIZE) /* Linux's default capacity */
#define PIPEFS_MINOR 0xf           /* st_dev 0:15, the anonymous device pipefs gets on Linux */

struct pipe {
	struct kernel *k;     /* to wake waiters when an end is closed */
	char *buf;            /* the ring */
	uint32_t head, len;   /* first unread byte, bytes unread */
	int readers, writers; /* open ends */
	int paths;            /* O_PATH files naming it (/proc/PID/fd/N) */
	uint64_t ino;
	struct timespec created;
	uint32_t uid, gid;    /* its creator's fs ids */
	/* Wait channels: readers wait on read_wait, writers on write_wait. */
	char read_wait, write_wait;
};

/* Wakes the waiters of one side, every poll, and the epoll items on it. */
static void pipe_wake(struct pipe *pp, const char *chan)
{
	file_wake(pp->k, chan, 0);
}

static int64_t pipe_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct pipe *pp = f->private;
	if (u->left == 0)
		return 0;
	if (pp->len == 0) {
		if (!pp->writers)
			return 0; /* end of file */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		process_block(k, &pp->read_wait);
		return -ERESTARTSYS;
	}
	/* Writers wait only when less than PIPE_BUF bytes are free (what
	 * poll calls not writable): only then does a read wake them and tell
	 * epoll, as Linux's was_full. */
	bool was_full = PIPE_SIZE - pp->len < PIPE_BUF;
	int64_t done = 0;
	while (pp->len > 0 && u->left > 0) {
		uint32_t n = PIPE_SIZE - pp->head < pp->len ? PIPE_SIZE - pp->head : pp->len;
		size_t c = uio_copy(k, u, pp->buf + pp->head, n, true);
		pp->head = (pp->head + (uint32_t)c) % PIPE_SIZE;
		pp->len -= (uint32_t)c;
		done += (int64_t)c;
		if (u->fault)
			break; /* what was not copied stays in the pipe */
	}
	if (done == 0)
		return -EFAULT;
	if (was_full)
		pipe_wake(pp, &pp->write_wait);
	return done;
}

/* Writing with no reader: SIGPIPE to the writer, as Linux's send_sig(...,
 * 0) (si_code SI_USER, the writer as sender), and EPIPE. */
static int64_t broken_pipe(struct kernel *k)
{
	struct ksiginfo info = {.signo = SIGPIPE, .code = SI_USER, .pid = k->current->tgid,
				.uid = (int)k->current->cred.uid};
	signal_send(k, k->current, &info);
	return -EPIPE;
}

static int64_t pipe_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct pipe *pp = f->private;
	struct process *p = k->current;
	uint64_t total = u->left;
	/* Data from another file (sendfile) is not read again on a restart. */
	bool whole = !(f->flags & O_NONBLOCK) && !u->kbuf && total > PIPE_BUF;
	uint64_t before = whole ? p->io_done : 0;
	uio_skip(u, before);
	if (u->left == 0)
		return (int64_t)before;
	if (!pp->readers) {
		int64_t err = broken_pipe(k);
		return before ? (int64_t)before : err;
	}
	/* Up to PIPE_BUF bytes go in at once or not at all. */
	uint64_t need = total <= PIPE_BUF ? total : 1;
	if (PIPE_SIZE - pp->len < need) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		process_block(k, &pp->write_wait);
		return -ERESTARTSYS;
	}
	uint64_t done = 0;
	while (pp->len < PIPE_SIZE && u->left > 0) {
		uint32_t tail = (pp->head + pp->len) % PIPE_SIZE;
		uint32_t room = PIPE_SIZE - pp->len;
		uint32_t n = PIPE_SIZE - tail < room ? PIPE_SIZE - tail : room;
		size_t c = uio_copy(k, u, pp->buf + tail, n, false);
		pp->len += (uint32_t)c;
		done += c;
		if (u->fault)
			break;
	}
	if (done)
		pipe_wake(pp, &pp->read_wait);
	if (whole && u->left > 0 && !u->fault) {
		p->io_done = before + done;
		process_block(k, &pp->write_wait);
		return -ERESTARTSYS;
	}
	if (before + done == 0)
		return -EFAULT;
	return (int64_t)(before + done);
}

/* Linux's pipe_poll: POLLHUP once no writer is left, POLLERR once no
 * reader is; POLLOUT while a PIPE_BUF write would not block. */
static unsigned pipe_read_poll(struct file *f)
{
	struct pipe *pp = f->private;
	return (pp->len ? POLLIN | POLLRDNORM : 0) | (pp->writers ? 0 : POLLHUP);
}

static unsigned pipe_write_poll(struct file *f)
{
	struct pipe *pp = f->private;
	return (PIPE_SIZE - pp->len >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0) |
	       (pp->readers ? 0 : POLLERR);
}

/* As Linux shows a pipe: a FIFO of size 0 (whatever it holds), both ends
 * one inode, owned by its creator. */
static int pipe_stat(struct file *f, struct stat *st)
{
	struct pipe *pp = f->private;
	*st = (struct stat){
		.st_dev = makedev(0, PIPEFS_MINOR),
		.st_ino = pp->ino,
		.st_mode = S_IFIFO | 0600,
		.st_nlink = 1,
		.st_uid = pp->uid,
		.st_gid = pp->gid,
		.st_blksize = PAGE_SIZE,
		.st_atim = pp->created,
		.st_mtim = pp->created,
		.st_ctim = pp->created,
	};
	return 0;
}

static void pipe_free(struct pipe *pp)
{
	free(pp->buf);
	free(pp);
}

static void pipe_free_unused(struct pipe *pp)
{
	if (!pp->readers && !pp->writers && !pp->paths)
		pipe_free(pp);
}

static void pipe_release_read(struct file *f)
{
	struct pipe *pp = f->private;
	if (--pp->readers == 0)
		pipe_wake(pp, &pp->write_wait);
	pipe_free_unused(pp);
}

static void pipe_release_write(struct file *f)
{
	struct pipe *pp = f->private;
	if (--pp->writers == 0)
		pipe_wake(pp, &pp->read_wait);
	pipe_free_unused(pp);
}

/* Both ends at once: a pipe opened O_RDWR through /proc/PID/fd/N, as a
 * FIFO is (fifo_open). */
static unsigned pipe_rdwr_poll(struct file *f)
{
	return pipe_read_poll(f) | pipe_write_poll(f);
}

static void pipe_release_rdwr(struct file *f)
{
	struct pipe *pp = f->private;
	if (--pp->readers == 0)
		pipe_wake(pp, &pp->write_wait);
	if (--pp->writers == 0)
		pipe_wake(pp, &pp->read_wait);
	pipe_free_unused(pp);
}

static void pipe_release_path(struct file *f)
{
	struct pipe *pp = f->private;
	pp->paths--;
	pipe_free_unused(pp);
}

/* What epoll watches: readers' changes for a read end, writers' for a
 * write end (Linux's rd_wait and wr_wait). */
static int pipe_read_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct pipe *)f->private)->read_wait;
	return 1;
}

static int pipe_write_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct pipe *)f->private)->write_wait;
	return 1;
}

static int pipe_rdwr_chans(struct file *f, const void *chans[])
{
	pipe_read_chans(f, chans);
	pipe_write_chans(f, chans + 1);
	return 2;
}

static const struct file_ops pipe_read_ops = {
	.read = pipe_read,
	.poll = pipe_read_poll,
	.stat = pipe_stat,
	.release = pipe_release_read,
	.poll_chans = pipe_read_chans,
};

static const struct file_ops pipe_write_ops = {
	.write = pipe_write,
	.poll = pipe_write_poll,
	.stat = pipe_stat,
	.release = pipe_release_write,
	.poll_chans = pipe_write_chans,
};

static const struct file_ops pipe_rdwr_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_rdwr_poll,
	.stat = pipe_stat,
	.release = pipe_release_rdwr,
	.poll_chans = pipe_rdwr_chans,
};

static const struct file_ops pipe_path_ops = {
	.stat = pipe_stat,
	.release = pipe_release_path,
};

int pipe_create(struct kernel *k, int flags, struct file *ends[2])
{
	/* Inode numbers as Linux's get_next_ino(): one counter for all. */
	static uint64_t next_ino = 1;
	struct pipe *pp = calloc(1, sizeof(*pp));
	char *buf = malloc(PIPE_SIZE);
	if (!pp || !buf) {
		free(pp);
		free(buf);
		return -ENOMEM;
	}
	pp->k = k;
	pp->buf = buf;
	pp->ino = next_ino++;
	clock_gettime(CLOCK_REALTIME, &pp->created);
	pp->uid = current_fs_cred(k).fsuid;
	pp->gid = current_fs_cred(k).fsgid;
	pp->readers = 1;
	ends[0] = file_alloc(&pipe_read_ops, FILE_PIPE, O_RDONLY | (flags & O_NONBLOCK), pp);
	if (!ends[0]) {
		pipe_free(pp);
		return -ENOMEM;
	}
	ends[0]->f_mode = FMODE_READ;
	pp->writers = 1;
	ends[1] = file_alloc(&pipe_write_ops, FILE_PIPE,
			     O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)), pp);
	if (!ends[1]) {
		pp->writers = 0;
		file_put(ends[0]);
		return -ENOMEM;
	}
	ends[1]->f_mode = FMODE_WRITE;
	return 0;
}

int pipe_reopen(struct file *f, int flags, struct file **out)
{
	static const struct file_ops *const ops[4] = {&pipe_read_ops, &pipe_write_ops,
						      &pipe_rdwr_ops, &pipe_path_ops};
	struct pipe *pp = f->private;
	int acc = flags & O_PATH ? 3 : flags & O_ACCMODE;
	if (acc == 3 && !(flags & O_PATH))
		return -EINVAL;
	*out = file_alloc(ops[acc], FILE_PIPE, flags & (O_ACCMODE | O_NONBLOCK | O_PATH), pp);
	if (!*out)
		return -ENOMEM;
	(*out)->f_mode = open_fmode(flags);
	pp->readers += acc == O_RDONLY || acc == O_RDWR;
	pp->writers += acc == O_WRONLY || acc == O_RDWR;
	pp->paths += acc == 3;
	return 0;
}

uint64_t pipe_ino(struct file *f)
{
	return ((struct pipe *)f->private)->ino;
}

int pipe_capacity(struct file *f)
{
	return f->kind == FILE_PIPE ? (int)PIPE_SIZE : -EBADF;
}

int pipe_nread(struct file *f)
{
	if (f->kind != FILE_PIPE)
		return -ENOTTY;
	return (int)((struct pipe *)f->private)->len;
}
