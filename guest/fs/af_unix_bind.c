/* af_unix_bind.c - AF_UNIX names and connections: bind(2) to a path,
 * an abstract name or an automatic one, listen(2), connect(2), accept(2)
 * and getsockname/getpeername, as Linux's net/unix/af_unix.c.
 *
 * A path name is a real socket file, made by mknod in the host directory
 * that --root resolution gives (guest's umask applied); the guest kernel
 * keeps the bound socket in a table under the host file's device and
 * inode, so connect and sendto find it by looking the path up and
 * stat'ing what they reach. The guest never reaches a host socket: a
 * socket file no guest socket is bound to refuses (ECONNREFUSED), as a
 * socket file without a listener does on Linux. Abstract names
 * (sun_path[0] == 0) live in the same table, by their bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/af_unix.h"
#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

#define SUN_PATH_OFF offsetof(struct sockaddr_un, sun_path)
#define SOMAXCONN_DEFAULT 4096 /* net.core.somaxconn */
#define AUTOBIND_NAMES 0x100000 /* "\0" and 5 hex digits */

/* Every bound socket of every guest kernel (a kernel's own are those
 * whose k is it). */
static struct unix_sock *bound_list;

int unix_validate_addr(const void *addr, int len)
{
	const struct sockaddr_un *sun = addr;
	if (len < (int)SUN_PATH_OFF || len > (int)sizeof(*sun) || sun->sun_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/* A path address as Linux's unix_mkname_bsd reads it: the name up to
 * its NUL or the end of len, into path; the address's length. */
static socklen_t mkname_bsd(const struct sockaddr_un *sun, int len, char path[sizeof(sun->sun_path) + 1])
{
	size_t n = (size_t)len - SUN_PATH_OFF;
	memcpy(path, sun->sun_path, n);
	path[n] = 0;
	return (socklen_t)(SUN_PATH_OFF + strlen(path) + 1);
}

/* Abstract names are per type, as Linux hashes them with it: a socket
 * of another type neither finds the name nor is kept from binding it. */
static struct unix_sock *find_abstract(struct kernel *k, const struct sockaddr_un *sun, int len,
				       int type)
{
	for (struct unix_sock *s = bound_list; s; s = s->next_bound)
		if (s->k == k && !s->ino_host && s->type == type && s->addr.len == (socklen_t)len &&
		    !memcmp(&s->addr.sun, sun, (size_t)len))
			return s;
	return NULL;
}

static struct unix_sock *find_inode(struct kernel *k, uint64_t dev, uint64_t ino)
{
	for (struct unix_sock *s = bound_list; s; s = s->next_bound)
		if (s->k == k && s->ino_host && s->dev == dev && s->ino_host == ino)
			return s;
	return NULL;
}

static void bind_table_add(struct unix_sock *s)
{
	s->bound = true;
	s->next_bound = bound_list;
	bound_list = s;
}

void unix_unbind(struct unix_sock *s)
{
	if (!s->bound)
		return;
	for (struct unix_sock **pp = &bound_list; *pp; pp = &(*pp)->next_bound)
		if (*pp == s) {
			*pp = s->next_bound;
			break;
		}
	s->bound = false;
}

int unix_autobind(struct unix_sock *s)
{
	static unsigned order;
	if (s->addr.len)
		return 0;
	if (!order)
		order = (unsigned)rand();
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t len = (socklen_t)(SUN_PATH_OFF + 6);
	for (unsigned tries = 0; tries < AUTOBIND_NAMES; tries++) {
		order = (order + 1) % AUTOBIND_NAMES;
		char name[8];
		snprintf(name, sizeof(name), "%05x", order);
		memcpy(sun.sun_path + 1, name, 5);
		if (!find_abstract(s->k, &sun, (int)len, s->type)) {
			s->addr = (struct unix_address){len, sun};
			bind_table_add(s);
			return 0;
		}
	}
	return -ENOSPC;
}

/* Linux's unix_bind_bsd: the socket file, then the name. */
static int bind_bsd(struct kernel *k, struct unix_sock *s, const struct sockaddr_un *sun, int len)
{
	char path[sizeof(sun->sun_path) + 1];
	socklen_t alen = mkname_bsd(sun, len, path);
	char last[NAME_MAX + 2];
	int dir = path_parent(k, AT_FDCWD, path, EEXIST, 0, last);
	if (dir < 0)
		return dir == -EEXIST ? -EADDRINUSE : dir;
	mode_t old = umask(current_umask(k));
	int err = mknodat(dir, last, S_IFSOCK | 0777, 0) < 0 ? -errno : 0;
	umask(old);
	struct stat st;
	if (!err && fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	if (!err && s->addr.len) {
		unlinkat(dir, last, 0); /* bound already: the new file goes */
		err = -EINVAL;
	}
	close(dir);
	if (err)
		return err == -EEXIST ? -EADDRINUSE : err;
	/* A socket still bound to an inode of that number had its file removed. */
	struct unix_sock *stale = find_inode(k, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
	if (stale)
		unix_unbind(stale);
	s->addr.len = alen;
	memset(&s->addr.sun, 0, sizeof(s->addr.sun));
	s->addr.sun.sun_family = AF_UNIX;
	memcpy(s->addr.sun.sun_path, path, strlen(path));
	s->dev = (uint64_t)st.st_dev;
	s->ino_host = (uint64_t)st.st_ino;
	bind_table_add(s);
	return 0;
}

int unix_bind(struct kernel *k, struct file *f, const void *addr, int len)
{
	struct unix_sock *s = f->private;
	const struct sockaddr_un *sun = addr;
	if (len == (int)SUN_PATH_OFF && sun->sun_family == AF_UNIX)
		return unix_autobind(s);
	int err = unix_validate_addr(addr, len);
	if (err)
		return err;
	if (sun->sun_path[0])
		return bind_bsd(k, s, sun, len);
	if (s->addr.len)
		return -EINVAL;
	if (find_abstract(k, sun, len, s->type))
		return -EADDRINUSE;
	s->addr.len = (socklen_t)len;
	memset(&s->addr.sun, 0, sizeof(s->addr.sun));
	memcpy(&s->addr.sun, sun, (size_t)len);
	bind_table_add(s);
	return 0;
}

/* Linux's unix_find_bsd: the path looked up (symlinks followed), and the
 * guest socket bound to the file it reaches. */
static struct unix_sock *find_bsd(struct kernel *k, const struct sockaddr_un *sun, int len,
				  int *err)
{
	char path[sizeof(sun->sun_path) + 1];
	mkname_bsd(sun, len, path);
	struct path p;
	*err = path_lookup(k, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
	if (*err)
		return NULL;
	struct stat st;
	*err = path_stat(k, &p, &st);
	bool host = path_host_fd(&p) >= 0;
	path_put(&p);
	if (*err)
		return NULL;
	struct unix_sock *s = NULL;
	if (host && S_ISSOCK(st.st_mode))
		s = find_inode(k, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
	*err = -ECONNREFUSED;
	return s;
}

struct unix_sock *unix_find_other(struct kernel *k, const void *addr, int len, int type,
				  int *err)
{
	const struct sockaddr_un *sun = addr;
	struct unix_sock *s;
	if (sun->sun_path[0]) {
		s = find_bsd(k, sun, len, err);
	} else {
		s = find_abstract(k, sun, len, type);
		*err = -ECONNREFUSED;
	}
	if (!s)
		return NULL;
	if (s->type != type) {
		*err = -EPROTOTYPE;
		return NULL;
	}
	*err = 0;
	s->refs++;
	return s;
}

int unix_listen(struct file *f, int backlog)
{
	struct unix_sock *s = f->private;
	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (!s->addr.len)
		return -EINVAL; /* no listening on an unbound socket */
	if (s->state != UNIX_CLOSE && s->state != UNIX_LISTEN)
		return -EINVAL;
	if ((unsigned)backlog > SOMAXCONN_DEFAULT)
		backlog = SOMAXCONN_DEFAULT;
	if (backlog > s->backlog)
		unix_sock_wake(s); /* connectors waiting for room */
	s->backlog = backlog;
	s->state = UNIX_LISTEN;
	s->peercred = unix_peer_cred(s->k);
	s->has_peercred = true;
	return 0;
}

/* Linux's unix_stream_connect: the server's end is made now and queued
 * on the listener, so connect needs no accept to return. */
static int stream_connect(struct kernel *k, struct file *f, const void *addr, int len)
{
	struct unix_sock *s = f->private;
	int err = unix_validate_addr(addr, len);
	if (err)
		return err;
	if (s->passcred && !s->addr.len && (err = unix_autobind(s)))
		return err;
	struct unix_sock *other = unix_find_other(k, addr, len, s->type, &err);
	if (!other)
		return err;
	if (other->state != UNIX_LISTEN || (other->shutdown & RCV_SHUTDOWN)) {
		err = -ECONNREFUSED;
	} else if (other->qlen > (unsigned)other->backlog) {
		err = (int)unix_wait(k, &other->wait, s->sndtimeo, f->flags & O_NONBLOCK);
	} else if (s->state != UNIX_CLOSE) {
		err = s->state == UNIX_ESTABLISHED ? -EISCONN : -EINVAL;
	}
	struct unix_sock *newsk = err ? NULL : unix_sock_alloc(k, s->type);
	struct unix_msg *m = newsk ? calloc(1, sizeof(*m)) : NULL;
	if (!err && !m) {
		free(newsk);
		err = -ENOMEM;
	}
	if (err) {
		unix_sock_put(other);
		return err;
	}
	newsk->peer = s;
	s->refs++;
	newsk->state = UNIX_ESTABLISHED;
	newsk->peercred = unix_peer_cred(k);
	newsk->has_peercred = true;
	newsk->addr = other->addr;
	s->peercred = other->peercred;
	s->has_peercred = true;
	s->state = UNIX_ESTABLISHED;
	s->peer = newsk;
	newsk->refs++;
	m->from = s->addr;
	m->embryo = newsk; /* the queue holds newsk's first reference */
	unix_queue_tail(other, m);
	unix_sock_wake(other);
	unix_sock_put(other);
	return 0;
}

/* Linux's unix_dgram_connect: the default peer (AF_UNSPEC: none). */
static int dgram_connect(struct kernel *k, struct unix_sock *s, const void *addr, int len)
{
	const struct sockaddr_un *sun = addr;
	if (len < (int)sizeof(sa_family_t))
		return -EINVAL;
	struct unix_sock *other = NULL;
	if (sun->sun_family != AF_UNSPEC) {
		int err = unix_validate_addr(addr, len);
		if (err)
			return err;
		if (s->passcred && !s->addr.len && (err = unix_autobind(s)))
			return err;
		if (!(other = unix_find_other(k, addr, len, s->type, &err)))
			return err;
		if (other->peer && other->peer != s) {
			unix_sock_put(other);
			return -EPERM;
		}
		s->state = UNIX_ESTABLISHED;
		other->state = UNIX_ESTABLISHED;
	}
	struct unix_sock *old = s->peer;
	s->peer = other; /* the lookup's reference */
	if (!other)
		s->state = UNIX_CLOSE;
	if (old) {
		unix_sock_wake(s);
		unix_sock_put(old);
	}
	return 0;
}

int unix_connect(struct kernel *k, struct file *f, const void *addr, int len)
{
	struct unix_sock *s = f->private;
	if (s->type == SOCK_DGRAM)
		return dgram_connect(k, s, addr, len);
	return stream_connect(k, f, addr, len);
}

int unix_accept(struct kernel *k, struct file *f, int flags, struct file **out)
{
	struct unix_sock *s = f->private;
	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (s->state != UNIX_LISTEN)
		return -EINVAL;
	struct unix_msg *m = s->head;
	if (!m) {
		if (s->shutdown & RCV_SHUTDOWN)
			return -EINVAL;
		return (int)unix_wait(k, &s->wait, s->rcvtimeo, f->flags & O_NONBLOCK);
	}
	*out = unix_file(m->embryo, flags);
	if (!*out)
		return -ENOMEM;
	s->head = m->next;
	if (!s->head)
		s->tail = NULL;
	s->qlen--;
	free(m);
	unix_sock_wake(s); /* connectors waiting for room in the backlog */
	return 0;
}

int unix_getname(struct file *f, void *out, bool peer)
{
	struct unix_sock *s = f->private;
	if (peer && !(s = s->peer))
		return -ENOTCONN;
	if (!s->addr.len) {
		sa_family_t family = AF_UNIX;
		memcpy(out, &family, sizeof(family));
		return (int)sizeof(family);
	}
	memcpy(out, &s->addr.sun, s->addr.len);
	return (int)s->addr.len;
}
