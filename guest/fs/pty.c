/* pty.c - Unix 98 pseudo-terminals inside the guest kernel (Linux's
 * drivers/tty/pty.c and fs/devpts): each open of /dev/ptmx makes a pair,
 * numbered with the lowest free index, its slave locked until TIOCSPTLCK
 * unlocks it; /dev/pts/N names the slave (a character device 136:N).
 * Never the host's: the guest's /dev/ptmx, /dev/pts/N and /dev/tty are
 * looked up here (tty_dev_lookup) before the host is asked; only vmemu's
 * own terminal, when it is a host pty, keeps its number and host node.
 *
 * Hangup as Linux's: when the master closes, the slave's files are hung
 * up (read 0, write and most ioctls EIO, poll IN|OUT|ERR|HUP) and the
 * node goes away; when every slave is closed, the master reads what is
 * left, then EIO, and polls POLLHUP. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "fs/internal.h"
#include "fs/tty.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define UNIX98_PTY_SLAVE_MAJOR 136
#define TTYAUX_MAJOR 5 /* /dev/tty 5:0, /dev/ptmx 5:2 */

static const struct file_ops ptm_ops, pts_ops, devtty_ops, pts_node_ops, ptmx_node_ops,
	devtty_node_ops;

struct tty_struct *tty_of(struct file *f)
{
	return f->kind == FILE_PTY ? f->private : NULL;
}

bool tty_is_master(struct file *f)
{
	return f->ops == &ptm_ops;
}

void tty_wake(struct tty_struct *t)
{
	kernel_wake(t->k, &t->write_wait);
	kernel_wake(t->k, &t->mread_wait);
	kernel_wake(t->k, &t->swrite_wait);
	/* read_wait, every poll and the epoll items on either end */
	file_wake(t->k, &t->read_wait, 0);
}

/* Every change of what poll says of either end comes with tty_wake. */
static int tty_poll_chans(struct file *f, const void *chans[])
{
	chans[0] = &tty_of(f)->read_wait;
	return 1;
}

void pty_flush_write(struct tty_struct *t)
{
	if (t->packet) {
		t->pktstatus |= TIOCPKT_FLUSHWRITE;
		tty_wake(t);
	}
}

static void tty_put(struct tty_struct *t)
{
	if (--t->refs > 0)
		return;
	for (struct tty_struct **pp = &t->k->ttys; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	free(t);
}

/* ---- the master ---- */

static int64_t ptm_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct tty_struct *t = f->private;
	if (u->left == 0)
		return 0;
	if (t->packet && t->pktstatus) { /* a status byte alone */
		uint8_t st = t->pktstatus;
		if (!uio_copy(k, u, &st, 1, true))
			return -EFAULT;
		t->pktstatus = 0;
		return 1;
	}
	if (t->olen) {
		uint64_t done = 0;
		if (t->packet) {
			uint8_t data = TIOCPKT_DATA;
			done = uio_copy(k, u, &data, 1, true);
		}
		while (t->olen && u->left && !u->fault) {
			uint32_t run = PTY_OUT_SIZE - t->ohead < t->olen ? PTY_OUT_SIZE - t->ohead : t->olen;
			size_t c = uio_copy(k, u, t->obuf + t->ohead, run, true);
			t->ohead = (t->ohead + (uint32_t)c) % PTY_OUT_SIZE;
			t->olen -= (uint32_t)c;
			done += c;
		}
		if (done == 0)
			return -EFAULT;
		tty_wake(t);
		return (int64_t)done;
	}
	if (t->other_closed)
		return -EIO;
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	process_block(k, &t->mread_wait);
	return -ERESTARTSYS;
}

/* What n_tty takes now (Linux's flow control): in raw mode what the read
 * buffer holds; in canonical mode all of it while no line is complete
 * (what finds no room is dropped: the line must end), else the room left. */
static uint32_t receive_room(const struct tty_struct *t)
{
	uint32_t room = N_TTY_BUF_SIZE - t->rlen;
	if (!(t->termios.c_lflag & ICANON))
		return room;
	if (!t->lines)
		return PTY_FLIP_SIZE;
	return room > 1 ? room - 1 : 0;
}

void pty_push(struct tty_struct *t)
{
	uint32_t room;
	while (t->flen && (room = receive_room(t))) {
		uint32_t run = PTY_FLIP_SIZE - t->fhead < t->flen ? PTY_FLIP_SIZE - t->fhead : t->flen;
		run = run < room ? run : room;
		n_tty_receive(t, t->flip + t->fhead, run);
		t->fhead = (t->fhead + run) % PTY_FLIP_SIZE;
		t->flen -= run;
	}
}

/* Into the flip buffer, and on to the line discipline; a writer waits
 * while the flip buffer is full. */
static int64_t ptm_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct tty_struct *t = f->private;
	struct process *p = k->current;
	bool block = !(f->flags & O_NONBLOCK) && !u->kbuf;
	uint64_t before = block ? p->io_done : 0;
	uio_skip(u, before);
	if (u->left == 0)
		return (int64_t)before;
	if (t->flen == PTY_FLIP_SIZE) {
		if (!block)
			return before ? (int64_t)before : -EAGAIN;
		process_block(k, &t->write_wait);
		return -ERESTARTSYS;
	}
	uint64_t done = 0;
	while (t->flen < PTY_FLIP_SIZE && u->left && !u->fault) {
		uint32_t tail = (t->fhead + t->flen) % PTY_FLIP_SIZE;
		uint32_t room = PTY_FLIP_SIZE - t->flen;
		uint32_t n = PTY_FLIP_SIZE - tail < room ? PTY_FLIP_SIZE - tail : room;
		size_t c = uio_copy(k, u, t->flip + tail, n, false);
		t->flen += (uint32_t)c;
		done += c;
		pty_push(t);
	}
	tty_wake(t);
	if (block && u->left && !u->fault) {
		p->io_done = before + done;
		process_block(k, &t->write_wait);
		return -ERESTARTSYS;
	}
	if (before + done == 0)
		return -EFAULT;
	return (int64_t)(before + done);
}

static unsigned ptm_poll(struct file *f)
{
	struct tty_struct *t = f->private;
	unsigned mask = t->flen < PTY_FLIP_SIZE ? POLLOUT | POLLWRNORM : 0;
	if (t->olen)
		mask |= POLLIN | POLLRDNORM;
	if (t->packet && t->pktstatus)
		mask |= POLLPRI | POLLIN | POLLRDNORM;
	if (t->other_closed)
		mask |= POLLHUP;
	return mask;
}

static void dev_stat(struct stat *st, unsigned mode, dev_t rdev)
{
	*st = (struct stat){.st_mode = S_IFCHR | mode, .st_nlink = 1, .st_rdev = rdev,
			    .st_blksize = 1024};
}

static int ptmx_stat(struct file *f, struct stat *st)
{
	(void)f;
	dev_stat(st, 0666, makedev(TTYAUX_MAJOR, 2));
	return 0;
}

static void ptm_release(struct file *f)
{
	struct tty_struct *t = f->private;
	if (--t->masters == 0) {
		t->hungup = true;
		t->flen = 0;
		t->rlen = t->canon_len = 0;
		t->lines = 0;
		t->olen = 0;
		tty_hangup_session(t->k, t);
		tty_wake(t);
	}
	tty_put(t);
}

/* ---- the slave ---- */

static int64_t pts_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct tty_struct *t = f->private;
	return t->hungup ? 0 : n_tty_read(k, t, f, u);
}

static int64_t pts_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct tty_struct *t = f->private;
	return t->hungup ? -EIO : n_tty_write(k, t, f, u);
}

static unsigned pts_poll(struct file *f)
{
	struct tty_struct *t = f->private;
	if (t->hungup)
		return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
	unsigned mask = 0;
	if (n_tty_input_available(t, true))
		mask |= POLLIN | POLLRDNORM;
	if (t->olen < PTY_OUT_SIZE && !t->stopped)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/* devpts' default mode for a new slave, owned by its creator. */
static int pts_stat(struct file *f, struct stat *st)
{
	struct tty_struct *t = f->private;
	dev_stat(st, 0600, makedev(UNIX98_PTY_SLAVE_MAJOR, t->index));
	st->st_ino = (ino_t)t->index + 3; /* devpts: 1 is its root, 2 ptmx */
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	return 0;
}

static int devtty_stat(struct file *f, struct stat *st)
{
	(void)f;
	dev_stat(st, 0666, makedev(TTYAUX_MAJOR, 0));
	return 0;
}

static void pts_release(struct file *f)
{
	struct tty_struct *t = f->private;
	if (--t->slaves == 0) {
		t->other_closed = true;
		tty_wake(t);
	}
	tty_put(t);
}

static void node_release(struct file *f)
{
	if (f->private)
		tty_put(f->private);
}

static const struct file_ops ptm_ops = {
	.read = ptm_read, .write = ptm_write, .poll = ptm_poll, .stat = ptmx_stat,
	.release = ptm_release, .poll_chans = tty_poll_chans,
};
static const struct file_ops pts_ops = {
	.read = pts_read, .write = pts_write, .poll = pts_poll, .stat = pts_stat,
	.release = pts_release, .poll_chans = tty_poll_chans,
};
/* The slave as /dev/tty opened it: its name and node are /dev/tty's. */
static const struct file_ops devtty_ops = {
	.read = pts_read, .write = pts_write, .poll = pts_poll, .stat = devtty_stat,
	.release = pts_release, .poll_chans = tty_poll_chans,
};
/* What a name leads to before it is opened (and O_PATH opens). */
static const struct file_ops pts_node_ops = {.stat = pts_stat, .release = node_release};
static const struct file_ops ptmx_node_ops = {.stat = ptmx_stat, .release = node_release};
static const struct file_ops devtty_node_ops = {.stat = devtty_stat, .release = node_release};

/* ---- opening ---- */

static int node_file(const struct file_ops *ops, struct tty_struct *t, struct file **out)
{
	*out = file_alloc(ops, FILE_PTY, O_PATH, t);
	if (!*out)
		return -ENOMEM;
	(*out)->f_mode = FMODE_PATH;
	if (t)
		t->refs++;
	return 0;
}

#define OPEN_FLAGS (O_ACCMODE | O_NONBLOCK | O_APPEND | KERNEL_O_LARGEFILE)

/* The number vmemu's own terminal has in the host's /dev/pts, or -1: the
 * guest's /dev/pts/N leads there, and no pty of the guest's takes it. */
static int host_pts_index(struct kernel *k)
{
	struct tty_struct *h = host_tty(k);
	return h && h->host_rdev && major(h->host_rdev) == UNIX98_PTY_SLAVE_MAJOR
		       ? (int)minor(h->host_rdev)
		       : -1;
}

/* ptmx_open: a new pair, its slave locked. */
static int ptmx_open(struct kernel *k, int flags, struct file **out)
{
	if (flags & O_PATH)
		return node_file(&ptmx_node_ops, NULL, out);
	int index = 0, host = host_pts_index(k);
	for (bool used = true; used; index += used) {
		used = index == host;
		for (struct tty_struct *t = k->ttys; t; t = t->next)
			used |= t->index == index;
	}
	struct tty_struct *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*out = file_alloc(&ptm_ops, FILE_PTY, flags & OPEN_FLAGS, t);
	if (!*out) {
		free(t);
		return -ENOMEM;
	}
	(*out)->f_mode = open_fmode(flags);
	t->k = k;
	t->index = index;
	t->uid = current_fs_cred(k).fsuid;
	t->gid = current_fs_cred(k).fsgid;
	t->locked = true;
	t->refs = t->masters = 1;
	n_tty_init(t);
	t->next = k->ttys;
	k->ttys = t;
	return 0;
}

int pty_open_slave(struct kernel *k, struct tty_struct *t, int flags, bool devtty,
		   struct file **out)
{
	if (flags & O_PATH)
		return node_file(devtty ? &devtty_node_ops : &pts_node_ops, t, out);
	if (!t->masters || t->locked)
		return -EIO;
	*out = file_alloc(devtty ? &devtty_ops : &pts_ops, FILE_PTY, flags & OPEN_FLAGS, t);
	if (!*out)
		return -ENOMEM;
	(*out)->f_mode = open_fmode(flags);
	t->refs++;
	t->slaves++;
	t->other_closed = false;
	if (!devtty && !(flags & O_NOCTTY))
		tty_open_set_ctty(k, t, *out);
	return 0;
}

/* An open(2) by name: O_LARGEFILE is forced on 64-bit (TIOCGPTPEER's
 * open has only the flags it was given). */
int pty_reopen(struct kernel *k, struct file *f, int flags, struct file **out)
{
	flags |= KERNEL_O_LARGEFILE;
	if (f->ops == &ptm_ops || f->ops == &ptmx_node_ops)
		return ptmx_open(k, flags, out); /* the node is /dev/ptmx's */
	bool devtty = f->ops == &devtty_ops || f->ops == &devtty_node_ops;
	return pty_open_slave(k, f->private, flags, devtty, out);
}

void pty_name(struct file *f, char *buf, size_t size)
{
	struct tty_struct *t = f->private;
	if (f->ops == &ptm_ops || f->ops == &ptmx_node_ops)
		snprintf(buf, size, "/dev/ptmx");
	else if (f->ops == &devtty_ops || f->ops == &devtty_node_ops)
		snprintf(buf, size, "/dev/tty");
	else
		snprintf(buf, size, "/dev/pts/%d", t->index);
}

bool tty_dev_name(const char *name)
{
	if (!strcmp(name, "ptmx") || !strcmp(name, "tty"))
		return true;
	return name[0] && strspn(name, "0123456789") == strlen(name);
}

static struct tty_struct *devpts_find(struct kernel *k, const char *name)
{
	if (strspn(name, "0123456789") != strlen(name) || strlen(name) > 9 ||
	    (name[0] == '0' && name[1]))
		return NULL;
	for (struct tty_struct *t = k->ttys; t; t = t->next)
		if (t->index == atoi(name) && t->masters)
			return t;
	return NULL;
}

int tty_dev_lookup(struct kernel *k, const char *dir, const char *name, bool open,
		   struct path *out)
{
	struct file *f;
	int err;
	if (!strcmp(dir, "/dev/pts")) {
		if (!strcmp(name, "ptmx")) {
			err = node_file(&ptmx_node_ops, NULL, &f);
		} else {
			struct tty_struct *t = devpts_find(k, name);
			if (!t && host_pts_index(k) >= 0 && atoi(name) == host_pts_index(k))
				return 1; /* vmemu's own terminal */
			if (!t)
				return -ENOENT; /* the host's other ptys are not the guest's */
			err = node_file(&pts_node_ops, t, &f);
		}
	} else if (strcmp(dir, "/dev") || (strcmp(name, "ptmx") && strcmp(name, "tty"))) {
		return 1;
	} else if (!strcmp(name, "ptmx")) {
		err = node_file(&ptmx_node_ops, NULL, &f);
	} else {
		/* /dev/tty: the node is the host's; its open is the session's. */
		struct tty_struct *t = open ? tty_of_session(k, k->current->signal->sid) : NULL;
		if (!t || t->index < 0) {
			if (!open || (t && t->index < 0))
				return 1;
			return -ENXIO;
		}
		err = node_file(&devtty_node_ops, t, &f);
	}
	if (err)
		return err;
	*out = (struct path){.kind = PATH_FILE, .file = f};
	return 0;
}
