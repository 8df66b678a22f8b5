/* af_unix.c - socketpair(AF_UNIX) inside the guest kernel (unix(7)), for
 * the same reason pipes are in it: a process waiting on its socket must
 * sleep while the emulator runs the one that will answer.
 *
 * A pair is two sockets, each the other's peer, each with a receive
 * queue of messages. SOCK_STREAM reads run across message boundaries
 * and may take part of one; SOCK_DGRAM and SOCK_SEQPACKET read one
 * message per call and drop what does not fit. A queue holds at most
 * UNIX_QUEUE_MAX bytes (Linux bounds what a sender has in flight by its
 * send buffer, net.core.wmem_default); a writer that finds no room
 * blocks, or gets EAGAIN. A stream write moves all its bytes, in as many
 * turns as the reader needs, as a pipe write does.
 *
 * shutdown(2) and close are Linux's: closing a stream or seqpacket
 * socket shuts its peer down both ways (reads then see end of file,
 * stream writes EPIPE and SIGPIPE, seqpacket writes EPIPE alone); a
 * datagram socket whose peer is gone gets ECONNREFUSED on its next write
 * and ENOTCONN after, and its reads wait, since datagrams have no end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define UNIX_QUEUE_MAX 212992 /* net.core.wmem_default */
#define SOCKFS_MINOR 0x8      /* st_dev 0:8, sockfs's anonymous device on Linux */
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

struct unix_msg {
	struct unix_msg *next;
	uint32_t len, off; /* off: bytes a stream read took already */
	char data[];
};

struct unix_sock {
	struct kernel *k;
	int type;
	struct unix_sock *peer; /* NULL once it is closed */
	bool refused;           /* a datagram write saw the peer gone */
	int shutdown;           /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	struct unix_msg *head, *tail;
	uint64_t queued;        /* bytes in the queue */
	uint64_t ino;
	struct timespec created;
	char wait;              /* readers of this queue and writers to it */
};

/* Wakes s's waiters, every poll, and the epoll items on s. */
static void sock_wake(struct unix_sock *s)
{
	file_wake(s->k, &s->wait, 0);
}

static bool stream(const struct unix_sock *s)
{
	return s->type == SOCK_STREAM;
}

static void msg_pop(struct unix_sock *s)
{
	struct unix_msg *m = s->head;
	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->queued -= m->len - m->off;
	free(m);
}

int64_t unix_recv(struct kernel *k, struct file *f, struct uio *u, bool nonblock)
{
	struct unix_sock *s = f->private;
	if (!s->head) {
		/* End of file once nothing more can come; datagrams have none. */
		if ((s->shutdown & RCV_SHUTDOWN) && s->type != SOCK_DGRAM)
			return 0;
		if (u->left == 0 && stream(s))
			return 0;
		if (nonblock || (f->flags & O_NONBLOCK))
			return -EAGAIN;
		process_block(k, &s->wait);
		return -ERESTARTSYS;
	}
	int64_t done = 0;
	if (!stream(s)) {
		struct unix_msg *m = s->head;
		done = (int64_t)uio_copy(k, u, m->data, m->len, true);
		if (u->fault && done == 0)
			return -EFAULT; /* the message stays */
		msg_pop(s);
	} else {
		while (s->head && u->left > 0) {
			struct unix_msg *m = s->head;
			size_t c = uio_copy(k, u, m->data + m->off, m->len - m->off, true);
			m->off += (uint32_t)c;
			s->queued -= c;
			done += (int64_t)c;
			if (m->off == m->len)
				msg_pop(s);
			if (u->fault)
				break;
		}
		if (done == 0 && u->fault)
			return -EFAULT;
	}
	if (s->peer)
		sock_wake(s->peer); /* writers wait for room on s's queue */
	sock_wake(s);
	return done;
}

/* Writing where no reader will come: SIGPIPE (stream sockets, unless
 * MSG_NOSIGNAL) and EPIPE. */
static int64_t broken(struct kernel *k, const struct unix_sock *s, bool nosignal)
{
	if (stream(s) && !nosignal) {
		struct ksiginfo info = {.signo = SIGPIPE, .code = SI_USER, .pid = k->current->pid,
					.uid = (int)getuid()};
		signal_send(k, k->current, &info);
	}
	return -EPIPE;
}

static int queue_msg(struct unix_sock *to, struct kernel *k, struct uio *u, uint64_t n)
{
	struct unix_msg *m = malloc(sizeof(*m) + (n ? n : 1));
	if (!m)
		return -ENOMEM;
	*m = (struct unix_msg){.len = (uint32_t)n};
	size_t c = uio_copy(k, u, m->data, n, false);
	if (c < n) {
		free(m);
		return -EFAULT;
	}
	*(to->tail ? &to->tail->next : &to->head) = m;
	to->tail = m;
	to->queued += n;
	return 0;
}

static int64_t dgram_send(struct kernel *k, struct unix_sock *s, struct uio *u, bool nonblock)
{
	struct unix_sock *to = s->peer;
	if (s->type == SOCK_SEQPACKET && (!to || (s->shutdown & SEND_SHUTDOWN)))
		return -EPIPE;
	if (!to) {
		bool first = !s->refused;
		s->refused = true;
		return first ? -ECONNREFUSED : -ENOTCONN;
	}
	if (to->shutdown & RCV_SHUTDOWN)
		return -EPIPE;
	uint64_t n = u->left;
	if (n > UNIX_QUEUE_MAX - 32)
		return -EMSGSIZE;
	if (to->queued + n > UNIX_QUEUE_MAX) {
		if (nonblock)
			return -EAGAIN;
		process_block(k, &to->wait);
		return -ERESTARTSYS;
	}
	int err = queue_msg(to, k, u, n);
	if (err)
		return err;
	sock_wake(to);
	return (int64_t)n;
}

int64_t unix_send(struct kernel *k, struct file *f, struct uio *u, bool nonblock, bool nosignal)
{
	struct unix_sock *s = f->private;
	nonblock |= f->flags & O_NONBLOCK;
	if (!stream(s))
		return dgram_send(k, s, u, nonblock);
	struct process *p = k->current;
	/* A blocking write moves everything; io_done counts earlier turns. */
	uint64_t before = nonblock || u->kbuf ? 0 : p->io_done;
	uio_skip(u, before);
	struct unix_sock *to = s->peer;
	if (!to || (s->shutdown & SEND_SHUTDOWN) || (to->shutdown & RCV_SHUTDOWN)) {
		int64_t err = broken(k, s, nosignal);
		return before ? (int64_t)before : err;
	}
	if (u->left == 0)
		return (int64_t)before;
	uint64_t done = 0;
	while (u->left > 0 && to->queued < UNIX_QUEUE_MAX) {
		uint64_t n = UNIX_QUEUE_MAX - to->queued;
		n = n < u->left ? n : u->left;
		n = n < 65536 ? n : 65536; /* one message per 64 KiB, as Linux's skbs */
		int err = queue_msg(to, k, u, n);
		if (err) {
			if (before + done)
				break;
			return err;
		}
		done += n;
	}
	if (done)
		sock_wake(to);
	if (u->left > 0 && !nonblock && !u->kbuf) {
		p->io_done = before + done;
		process_block(k, &to->wait);
		return -ERESTARTSYS;
	}
	if (before + done == 0)
		return -EAGAIN;
	return (int64_t)(before + done);
}

static int64_t unix_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	return unix_recv(k, f, u, false);
}

static int64_t unix_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	return unix_send(k, f, u, false, false);
}

/* Linux's unix_poll and unix_dgram_poll. */
static unsigned unix_poll_events(struct file *f)
{
	struct unix_sock *s = f->private;
	unsigned ev = 0;
	if (s->head)
		ev |= POLLIN | POLLRDNORM;
	if (s->shutdown & RCV_SHUTDOWN)
		ev |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (s->shutdown == SHUTDOWN_MASK || (!s->peer && s->type != SOCK_DGRAM))
		ev |= POLLHUP;
	bool room = !s->peer || s->peer->queued * 4 <= UNIX_QUEUE_MAX;
	if (!stream(s) && s->peer && s->peer->queued >= UNIX_QUEUE_MAX)
		room = false;
	if (room)
		ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return ev;
}

static int unix_stat(struct file *f, struct stat *st)
{
	struct unix_sock *s = f->private;
	*st = (struct stat){
		.st_dev = makedev(0, SOCKFS_MINOR),
		.st_ino = s->ino,
		.st_mode = S_IFSOCK | 0777,
		.st_nlink = 1,
		.st_uid = getuid(),
		.st_gid = getgid(),
		.st_blksize = PAGE_SIZE,
		.st_atim = s->created,
		.st_mtim = s->created,
		.st_ctim = s->created,
	};
	return 0;
}

static void unix_release(struct file *f)
{
	struct unix_sock *s = f->private;
	struct unix_sock *peer = s->peer;
	if (peer) {
		peer->peer = NULL;
		if (s->type != SOCK_DGRAM)
			peer->shutdown = SHUTDOWN_MASK;
		sock_wake(peer);
	}
	while (s->head)
		msg_pop(s);
	free(s);
}

/* Every change of what poll says of s comes with sock_wake(s). */
static int unix_poll_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct unix_sock *)f->private)->wait;
	return 1;
}

static const struct file_ops unix_ops = {
	.read = unix_read,
	.write = unix_write,
	.poll = unix_poll_events,
	.stat = unix_stat,
	.release = unix_release,
	.poll_chans = unix_poll_chans,
};

int unix_shutdown(struct file *f, int how)
{
	if (f->kind != FILE_SOCKET)
		return -ENOTSOCK;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	struct unix_sock *s = f->private;
	int mode = how + 1; /* SHUT_RD: RCV_SHUTDOWN, SHUT_WR: SEND_SHUTDOWN */
	s->shutdown |= mode;
	if (s->peer && s->type != SOCK_DGRAM) {
		s->peer->shutdown |= (mode & RCV_SHUTDOWN ? SEND_SHUTDOWN : 0) |
				     (mode & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0);
		sock_wake(s->peer);
	}
	sock_wake(s);
	return 0;
}

uint64_t unix_ino(struct file *f)
{
	return ((struct unix_sock *)f->private)->ino;
}

static struct unix_sock *sock_alloc(struct kernel *k, int type)
{
	/* Inode numbers of sockfs: a counter of their own here. */
	static uint64_t next_ino = 1;
	struct unix_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->k = k;
	s->type = type;
	s->ino = next_ino++;
	clock_gettime(CLOCK_REALTIME, &s->created);
	return s;
}

int unix_socketpair(struct kernel *k, int type, int flags, struct file *ends[2])
{
	struct unix_sock *s[2] = {sock_alloc(k, type), sock_alloc(k, type)};
	ends[0] = s[0] ? file_alloc(&unix_ops, FILE_SOCKET, O_RDWR | flags, s[0]) : NULL;
	ends[1] = s[1] && ends[0] ? file_alloc(&unix_ops, FILE_SOCKET, O_RDWR | flags, s[1]) : NULL;
	if (!ends[1]) {
		if (ends[0])
			file_put(ends[0]);
		else
			free(s[0]);
		free(s[1]);
		return -ENOMEM;
	}
	s[0]->peer = s[1];
	s[1]->peer = s[0];
	for (int i = 0; i < 2; i++)
		ends[i]->f_mode = FMODE_READ | FMODE_WRITE;
	return 0;
}
