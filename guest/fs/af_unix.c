/* af_unix.c - AF_UNIX sockets inside the guest kernel (unix(7)), for the
 * same reason pipes are in it: a process waiting on its socket must sleep
 * while the emulator runs the one that will answer. Names, listen,
 * connect and accept are in af_unix_bind.c, ancillary data in
 * af_unix_scm.c.
 *
 * Each socket has a receive queue of messages. SOCK_STREAM reads run
 * across message boundaries and may take part of one (but stop where
 * files were passed, and with SO_PASSCRED where the writer changes);
 * SOCK_DGRAM and SOCK_SEQPACKET read one message per call and drop what
 * does not fit. A queue holds at most UNIX_QUEUE_MAX bytes (Linux bounds
 * what a sender has in flight by its send buffer, net.core.wmem_default),
 * and a datagram socket that is not its sender's peer at most
 * max_dgram_qlen + 1 messages; a writer that finds no room blocks, or
 * gets EAGAIN. A stream write moves all its bytes, in as many turns as
 * the reader needs, as a pipe write does.
 *
 * shutdown(2) and close are Linux's: closing a stream or seqpacket
 * socket shuts its peer down both ways (reads then see end of file, or
 * ECONNRESET once if data was left unread, stream writes EPIPE and
 * SIGPIPE, seqpacket writes EPIPE alone); a datagram socket whose peer is
 * gone gets ECONNREFUSED on its next write and ENOTCONN after, and its
 * reads wait, since datagrams have no end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/af_unix.h"
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define SOCKFS_MINOR 0x8 /* st_dev 0:8, sockfs's anonymous device on Linux */
#define STREAM_CHUNK 65536 /* one message per 64 KiB of a stream write, as Linux's skbs */

static const struct file_ops unix_ops;
static const struct proto_ops unix_proto_ops;

void unix_sock_wake(struct unix_sock *s)
{
	file_wake(s->k, &s->wait, 0); /* its waiters, every poll, its epoll items */
}

static bool stream(const struct unix_sock *s)
{
	return s->type == SOCK_STREAM;
}

struct unix_cred unix_current_cred(struct kernel *k)
{
	const struct cred *c = &k->current->cred;
	return (struct unix_cred){k->current->tgid, c->uid, c->gid};
}

struct unix_cred unix_peer_cred(struct kernel *k)
{
	const struct cred *c = &k->current->cred;
	return (struct unix_cred){k->current->tgid, c->euid, c->egid};
}

static void release_sock(struct unix_sock *s, bool embryo);

static void msg_free(struct unix_msg *m)
{
	if (m->embryo)
		release_sock(m->embryo, true);
	scm_fp_free(m->fp);
	free(m);
}

static void msg_pop(struct unix_sock *s)
{
	struct unix_msg *m = s->head;
	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->queued -= m->len - m->off;
	s->qlen--;
	msg_free(m);
}

void unix_queue_tail(struct unix_sock *to, struct unix_msg *m)
{
	*(to->tail ? &to->tail->next : &to->head) = m;
	to->tail = m;
	to->queued += m->len;
	to->qlen++;
}

void unix_sock_put(struct unix_sock *s)
{
	if (--s->refs == 0)
		free(s);
}

/* Linux's unix_release_sock: the file is closed (or, embryo, a
 * connection nobody accepted goes with its listener). */
static void release_sock(struct unix_sock *s, bool embryo)
{
	unix_unbind(s);
	s->dead = true;
	s->state = UNIX_CLOSE;
	s->shutdown = SHUTDOWN_MASK;
	struct unix_sock *peer = s->peer;
	s->peer = NULL;
	if (peer) {
		if (s->type != SOCK_DGRAM) {
			if (s->head || embryo)
				peer->err = ECONNRESET;
			peer->shutdown = SHUTDOWN_MASK;
		}
		unix_sock_wake(peer);
		unix_sock_put(peer);
	}
	while (s->head) {
		struct unix_msg *m = s->head;
		s->head = m->next;
		msg_free(m);
	}
	s->tail = NULL;
	s->queued = s->qlen = 0;
	unix_sock_wake(s);
	unix_sock_put(s);
}

static void unix_release(struct file *f)
{
	release_sock(f->private, false);
}

/* Writing where no reader will come: SIGPIPE (stream sockets, unless
 * MSG_NOSIGNAL) and EPIPE. */
static int64_t broken(struct kernel *k, const struct unix_sock *s, bool nosignal)
{
	if (stream(s) && !nosignal) {
		struct ksiginfo info = {.signo = SIGPIPE, .code = SI_USER, .pid = k->current->pid,
					.uid = (int)k->current->cred.uid};
		signal_send(k, k->current, &info);
	}
	return -EPIPE;
}

/* Linux's unix_maybe_add_creds: the sender's own, when either end asks
 * for them (or the receiver is a connection not accepted yet). */
static void maybe_add_creds(struct kernel *k, const struct unix_sock *s,
			    const struct unix_sock *other, struct scm_cookie *scm)
{
	if (!scm->has_creds && (s->passcred || other->passcred || !other->has_file)) {
		scm->creds = unix_current_cred(k);
		scm->has_creds = true;
	}
}

/* A message of the next n bytes of u, from s: NULL and *err (-ENOMEM,
 * -EFAULT) when it cannot be had. */
static struct unix_msg *msg_from_user(struct kernel *k, const struct unix_sock *s,
				      struct uio *u, uint64_t n, const struct scm_cookie *scm,
				      int *err)
{
	struct unix_msg *m = malloc(sizeof(*m) + (n ? n : 1));
	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	*m = (struct unix_msg){.from = s->addr, .cred = scm->creds, .len = (uint32_t)n};
	if (uio_copy(k, u, m->data, n, false) < n) {
		free(m);
		*err = -EFAULT;
		return NULL;
	}
	return m;
}

int64_t unix_wait(struct kernel *k, const void *chan, int64_t timeo, bool nonblock)
{
	if (nonblock || timeo == 0)
		return -EAGAIN;
	if (timeo < 0) {
		process_block(k, chan);
		return -ERESTARTSYS;
	}
	uint64_t ns = (uint64_t)timeo * (1000000000ULL / SOCK_HZ);
	return process_block_until(k, chan, kernel_now_ns() + ns) ? -ERESTARTSYS : -EAGAIN;
}

/* Linux's unix_dgram_sendmsg (seqpacket sockets come through it too). */
static int64_t dgram_sendmsg(struct kernel *k, struct unix_sock *s, struct unix_msghdr *msg,
			     struct scm_cookie *scm, int flags)
{
	bool nonblock = flags & MSG_DONTWAIT;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	struct unix_sock *other = NULL;
	if (msg->namelen) {
		int err = unix_validate_addr(msg->name, msg->namelen);
		if (err)
			return err;
	} else if (!(other = s->peer)) {
		return -ENOTCONN;
	}
	if (s->passcred && !s->addr.len) {
		int err = unix_autobind(s);
		if (err)
			return err;
	}
	uint64_t n = msg->u->left;
	if (n > (uint64_t)s->sndbuf - 32)
		return -EMSGSIZE;
	if (s->shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	int err = 0;
	struct unix_msg *m = msg_from_user(k, s, msg->u, n, scm, &err);
	if (!m)
		return err; /* the data is read before the receiver is looked for */
	if (other) {
		other->refs++;
	} else if (!(other = unix_find_other(k, msg->name, msg->namelen, s->type, &err))) {
		free(m);
		return err;
	}
	int64_t ret;
	if (other->peer && other->peer != s) {
		ret = -EPERM; /* it is connected to another socket */
	} else if (other->dead) {
		ret = -ECONNREFUSED;
		if (s->type == SOCK_SEQPACKET) {
			ret = -EPIPE;
		} else if (s->peer == other) {
			s->peer = NULL;
			s->state = UNIX_CLOSE;
			other->refs--; /* s's reference; the lookup's keeps it */
		}
	} else if (other->shutdown & RCV_SHUTDOWN) {
		ret = -EPIPE;
	} else if ((other != s && other->peer != s && other->qlen > (unsigned)other->backlog) ||
		   other->queued + n > UNIX_QUEUE_MAX) {
		ret = unix_wait(k, &other->wait, s->sndtimeo, nonblock);
	} else {
		maybe_add_creds(k, s, other, scm);
		m->cred = scm->creds;
		m->fp = scm->fp;
		scm->fp = NULL;
		unix_queue_tail(other, m);
		unix_sock_wake(other);
		m = NULL;
		ret = (int64_t)n;
	}
	free(m);
	unix_sock_put(other);
	return ret;
}

/* Linux's unix_stream_sendmsg: all of it, in turns when the reader is
 * slow (a blocking call that restarts resumes after p->io_done bytes). */
static int64_t stream_sendmsg(struct kernel *k, struct unix_sock *s, struct unix_msghdr *msg,
			      struct scm_cookie *scm, int flags)
{
	bool nonblock = flags & MSG_DONTWAIT, nosignal = flags & MSG_NOSIGNAL;
	struct uio *u = msg->u;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (msg->namelen)
		return s->state == UNIX_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
	struct unix_sock *to = s->peer;
	if (!to)
		return -ENOTCONN;
	struct process *p = k->current;
	bool whole = !nonblock && msg->restart;
	uint64_t before = whole ? p->io_done : 0;
	uio_skip(u, before);
	if ((s->shutdown & SEND_SHUTDOWN) || to->dead || (to->shutdown & RCV_SHUTDOWN)) {
		int64_t err = broken(k, s, nosignal);
		return before ? (int64_t)before : err;
	}
	if (u->left == 0)
		return (int64_t)before;
	maybe_add_creds(k, s, to, scm);
	uint64_t done = 0;
	while (u->left > 0 && to->queued < UNIX_QUEUE_MAX) {
		uint64_t n = UNIX_QUEUE_MAX - to->queued;
		n = n < u->left ? n : u->left;
		n = n < STREAM_CHUNK ? n : STREAM_CHUNK;
		int err;
		struct unix_msg *m = msg_from_user(k, s, u, n, scm, &err);
		if (!m) {
			if (before + done)
				break;
			return err;
		}
		if (before + done == 0) { /* files go with the first part */
			m->fp = scm->fp;
			scm->fp = NULL;
		}
		unix_queue_tail(to, m);
		done += n;
	}
	if (done)
		unix_sock_wake(to);
	return stream_send_end(k, &to->wait, s->sndtimeo, nonblock, whole, before, done, u->left);
}

int64_t stream_send_end(struct kernel *k, const void *chan, int64_t sndtimeo, bool nonblock,
			bool whole, uint64_t before, uint64_t done, uint64_t left)
{
	if (left > 0 && (whole || before + done == 0)) {
		int64_t err = unix_wait(k, chan, sndtimeo, nonblock);
		if (err == -ERESTARTSYS)
			k->current->io_done = before + done;
		if (err == -ERESTARTSYS || before + done == 0)
			return err;
	}
	return (int64_t)(before + done);
}

int64_t unix_sendmsg(struct kernel *k, struct file *f, struct unix_msghdr *msg, int flags)
{
	struct unix_sock *s = f->private;
	struct scm_cookie scm = {.creds = {0, OVERFLOW_ID, OVERFLOW_ID}};
	int64_t ret = scm_send(k, msg->control, msg->controllen, &scm);
	if (ret)
		return ret;
	if (f->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	if (stream(s)) {
		ret = stream_sendmsg(k, s, msg, &scm, flags);
	} else if (s->type == SOCK_SEQPACKET) {
		if (s->err) {
			ret = -s->err;
			s->err = 0;
		} else if (s->state != UNIX_ESTABLISHED) {
			ret = -ENOTCONN;
		} else {
			msg->namelen = 0; /* a seqpacket socket sends to its peer alone */
			ret = dgram_sendmsg(k, s, msg, &scm, flags);
		}
	} else {
		ret = dgram_sendmsg(k, s, msg, &scm, flags);
	}
	scm_destroy(&scm);
	return ret;
}

/* The sender's name into msg (unix_copy_addr): none leaves namelen 0. */
static void copy_addr(struct unix_msghdr *msg, const struct unix_msg *m)
{
	if (!msg->name)
		return;
	msg->namelen = (int)m->from.len;
	memcpy(msg->name, &m->from.sun, m->from.len);
}

static int sock_error(struct unix_sock *s)
{
	int err = s->err;
	s->err = 0;
	return -err;
}

/* Linux's __unix_dgram_recvmsg: one message, the rest of it dropped
 * (MSG_TRUNC says so; as a flag it makes the call return its length). */
static int64_t dgram_recvmsg(struct kernel *k, struct unix_sock *s, struct unix_msghdr *msg,
			     int flags)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int err = sock_error(s);
	if (err)
		return err;
	struct unix_msg *m = s->head;
	if (!m) {
		if (s->shutdown & RCV_SHUTDOWN)
			return s->type == SOCK_SEQPACKET ? 0 : -EAGAIN;
		return unix_wait(k, &s->wait, s->rcvtimeo, flags & MSG_DONTWAIT);
	}
	uint64_t size = msg->u->left;
	if (size > m->len)
		size = m->len;
	else if (size < m->len)
		msg->flags |= MSG_TRUNC;
	if (uio_copy(k, msg->u, m->data, size, true) < size && size) {
		if (!(flags & MSG_PEEK))
			msg_pop(s); /* taken off the queue before the copy, as Linux */
		unix_sock_wake(s);
		return -EFAULT;
	}
	copy_addr(msg, m);
	struct scm_cookie scm = {.creds = m->cred};
	int64_t ret = flags & MSG_TRUNC ? m->len : (int64_t)size;
	if (flags & MSG_PEEK) {
		scm.fp = m->fp ? scm_fp_dup(m->fp) : NULL;
	} else {
		scm.fp = m->fp;
		m->fp = NULL;
		msg_pop(s);
		if (s->peer)
			unix_sock_wake(s->peer);
		unix_sock_wake(s); /* writers wait for room on s's queue */
	}
	scm_recv(k, s, msg, &scm, flags);
	return ret;
}

static bool cred_eq(const struct unix_cred *a, const struct unix_cred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* Linux's unix_stream_read_generic: bytes across messages, up to the
 * first that carries files; a blocking MSG_WAITALL read sleeps for the
 * rest and resumes after p->io_done bytes. */
static int64_t stream_recvmsg(struct kernel *k, struct unix_sock *s, struct unix_msghdr *msg,
			      int flags)
{
	if (s->state != UNIX_ESTABLISHED)
		return -EINVAL;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	struct uio *u = msg->u;
	struct process *p = k->current;
	bool nonblock = flags & MSG_DONTWAIT, peek = flags & MSG_PEEK;
	bool whole = (flags & MSG_WAITALL) && !nonblock && msg->restart && !peek;
	uint64_t before = whole ? p->io_done : 0;
	uio_skip(u, before);
	uint64_t target = whole ? u->left : 1, copied = 0;
	struct scm_cookie scm = {0};
	bool check_creds = false, named = false;
	int64_t err = 0;
	struct unix_msg *m = s->head;
	while (u->left > 0 || !copied) {
		if (!m) {
			if (copied >= target)
				break;
			if ((err = sock_error(s)) || (s->shutdown & RCV_SHUTDOWN))
				break;
			/* Here nothing was copied, or a MSG_WAITALL read wants more. */
			err = unix_wait(k, &s->wait, s->rcvtimeo, nonblock);
			if (err == -ERESTARTSYS)
				p->io_done = before + copied;
			break;
		}
		if (check_creds) {
			if (!cred_eq(&m->cred, &scm.creds))
				break; /* never glue messages from different writers */
		} else if (s->passcred) {
			scm.creds = m->cred;
			check_creds = true;
		}
		if (!named) {
			copy_addr(msg, m);
			named = true;
		}
		size_t c = uio_copy(k, u, m->data + m->off, m->len - m->off, true);
		if (u->fault && c == 0) {
			if (copied == 0)
				err = -EFAULT;
			break;
		}
		copied += c;
		if (peek) {
			if (m->fp && !scm.fp)
				scm.fp = scm_fp_dup(m->fp);
			if (m->fp)
				break;
			m = m->next;
			continue;
		}
		m->off += (uint32_t)c;
		s->queued -= c;
		if (m->fp) {
			scm.fp = m->fp;
			m->fp = NULL;
		}
		if (m->off < m->len)
			break;
		msg_pop(s);
		m = s->head;
		if (scm.fp || u->fault)
			break;
	}
	if (copied && !peek) {
		if (s->peer)
			unix_sock_wake(s->peer);
		unix_sock_wake(s);
	}
	if (err == -ERESTARTSYS || (!copied && !before && err)) {
		scm_destroy(&scm);
		return err;
	}
	scm_recv(k, s, msg, &scm, flags);
	return (int64_t)(before + copied);
}

int64_t unix_recvmsg(struct kernel *k, struct file *f, struct unix_msghdr *msg, int flags)
{
	struct unix_sock *s = f->private;
	if (f->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	msg->flags = 0;
	if (stream(s))
		return stream_recvmsg(k, s, msg, flags);
	if (s->type == SOCK_SEQPACKET && s->state != UNIX_ESTABLISHED)
		return -ENOTCONN;
	return dgram_recvmsg(k, s, msg, flags);
}

int64_t sock_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct unix_msghdr msg = {.u = u, .restart = !u->kbuf};
	return sock_ops(f)->recvmsg(k, f, &msg, 0);
}

int64_t sock_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct unix_msghdr msg = {.u = u, .restart = !u->kbuf};
	return sock_ops(f)->sendmsg(k, f, &msg, 0);
}

/* Linux's unix_poll and unix_dgram_poll. */
static unsigned unix_poll_events(struct file *f)
{
	struct unix_sock *s = f->private;
	unsigned ev = 0;
	if (s->err)
		ev |= POLLERR;
	if (s->head)
		ev |= POLLIN | POLLRDNORM;
	if (s->shutdown & RCV_SHUTDOWN)
		ev |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (s->shutdown == SHUTDOWN_MASK || (s->type != SOCK_DGRAM && s->state == UNIX_CLOSE))
		ev |= POLLHUP;
	if (s->state == UNIX_LISTEN)
		return ev;
	struct unix_sock *to = s->peer && !s->peer->dead ? s->peer : NULL;
	bool room = !to || to->queued * 4 <= UNIX_QUEUE_MAX;
	if (!stream(s) && to &&
	    (to->queued >= UNIX_QUEUE_MAX || (to->peer != s && to->qlen > (unsigned)to->backlog)))
		room = false;
	if (room)
		ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return ev;
}

void sock_stat(struct stat *st, uint64_t ino, uint32_t uid, uint32_t gid,
	       const struct timespec *created)
{
	*st = (struct stat){
		.st_dev = makedev(0, SOCKFS_MINOR),
		.st_ino = ino,
		.st_mode = S_IFSOCK | 0777,
		.st_nlink = 1,
		.st_uid = uid,
		.st_gid = gid,
		.st_blksize = PAGE_SIZE,
		.st_atim = *created,
		.st_mtim = *created,
		.st_ctim = *created,
	};
}

static int unix_stat(struct file *f, struct stat *st)
{
	struct unix_sock *s = f->private;
	sock_stat(st, s->ino, s->uid, s->gid, &s->created);
	return 0;
}

/* Every change of what poll says of s comes with unix_sock_wake(s). */
static int unix_poll_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct unix_sock *)f->private)->wait;
	return 1;
}

/* Files in flight in the messages queued on s. */
static unsigned queued_fds(const struct unix_sock *s)
{
	unsigned n = 0;
	for (const struct unix_msg *m = s->head; m; m = m->next)
		n += m->fp ? (unsigned)m->fp->count : 0;
	return n;
}

/* scm_fds: the files in flight to s (Linux's unix_show_fdinfo): in its
 * own queue when connected or a datagram socket, in its embryos' when
 * listening. */
static void unix_show_fdinfo(struct file *f, struct seq *seq)
{
	const struct unix_sock *s = f->private;
	unsigned n = 0;
	if (s->type == SOCK_DGRAM || s->state == UNIX_ESTABLISHED)
		n = queued_fds(s);
	else if (s->state == UNIX_LISTEN)
		for (const struct unix_msg *m = s->head; m; m = m->next)
			n += m->embryo ? queued_fds(m->embryo) : 0;
	seq_printf(seq, "scm_fds: %u\n", n);
}

static const struct file_ops unix_ops = {
	.read = sock_read,
	.write = sock_write,
	.poll = unix_poll_events,
	.stat = unix_stat,
	.release = unix_release,
	.poll_chans = unix_poll_chans,
	.show_fdinfo = unix_show_fdinfo,
	.sock = &unix_proto_ops,
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
	struct unix_sock *peer = s->peer;
	if (peer && s->type != SOCK_DGRAM) {
		peer->shutdown |= (mode & RCV_SHUTDOWN ? SEND_SHUTDOWN : 0) |
				  (mode & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0);
		unix_sock_wake(peer);
	}
	unix_sock_wake(s);
	return 0;
}

static uint64_t unix_ino(struct file *f)
{
	return ((struct unix_sock *)f->private)->ino;
}

static const struct proto_ops unix_proto_ops = {
	.family = AF_UNIX,
	.bind = unix_bind,
	.listen = unix_listen,
	.connect = unix_connect,
	.accept = unix_accept,
	.getname = unix_getname,
	.shutdown = unix_shutdown,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.getsockopt = unix_getsockopt,
	.setsockopt = unix_setsockopt,
	.ino = unix_ino,
};

uint64_t sockfs_new_ino(void)
{
	/* Inode numbers of sockfs: a counter of their own here, for every family. */
	static uint64_t next_ino = 1;
	return next_ino++;
}

struct unix_sock *unix_sock_alloc(struct kernel *k, int type)
{
	struct unix_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->k = k;
	s->refs = 1;
	s->type = type;
	s->backlog = UNIX_MAX_DGRAM_QLEN;
	s->sndbuf = s->rcvbuf = UNIX_QUEUE_MAX;
	s->rcvtimeo = s->sndtimeo = -1;
	s->ino = sockfs_new_ino();
	clock_gettime(CLOCK_REALTIME, &s->created);
	s->uid = current_fs_cred(k).fsuid;
	s->gid = current_fs_cred(k).fsgid;
	return s;
}

struct file *unix_file(struct unix_sock *s, int flags)
{
	struct file *f = file_alloc(&unix_ops, FILE_SOCKET, O_RDWR | flags, s);
	if (!f)
		return NULL;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	s->has_file = true;
	return f;
}

int unix_create(struct kernel *k, int type, int flags, struct file **out)
{
	struct unix_sock *s = unix_sock_alloc(k, type);
	*out = s ? unix_file(s, flags) : NULL;
	if (*out)
		return 0;
	free(s);
	return -ENOMEM;
}

int unix_socketpair(struct kernel *k, int type, int flags, struct file *ends[2])
{
	struct unix_sock *s[2] = {unix_sock_alloc(k, type), unix_sock_alloc(k, type)};
	if (!s[0] || !s[1]) {
		free(s[0]);
		free(s[1]);
		return -ENOMEM;
	}
	for (int i = 0; i < 2; i++) {
		s[i]->peer = s[1 - i];
		s[i]->refs++;
		s[i]->state = UNIX_ESTABLISHED;
		s[i]->peercred = unix_peer_cred(k);
		s[i]->has_peercred = true;
	}
	ends[0] = unix_file(s[0], flags);
	ends[1] = ends[0] ? unix_file(s[1], flags) : NULL;
	if (ends[1])
		return 0;
	if (ends[0])
		file_put(ends[0]);
	else
		release_sock(s[0], false);
	release_sock(s[1], false);
	return -ENOMEM;
}
