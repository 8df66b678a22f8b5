/* af_unix.h - what the files of AF_UNIX sockets share: the socket and its
 * queue (af_unix.c: sockets, socketpair, send and receive), names and
 * connections (af_unix_bind.c: bind, listen, connect, accept), ancillary
 * data (af_unix_scm.c: SCM_RIGHTS, SCM_CREDENTIALS) and socket options
 * (af_unix_opt.c). fs/ only. */
#ifndef VMEMU_FS_AF_UNIX_H
#define VMEMU_FS_AF_UNIX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "fs/fs.h"

#define UNIX_QUEUE_MAX 212992 /* net.core.wmem_default: what one queue holds */
#define UNIX_MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */
#define SCM_MAX_FD 253
#define SOCK_HZ 250 /* the kernel's HZ: socket timeouts count its ticks (this host's CONFIG_HZ) */
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

/* Linux's sk_state for AF_UNIX: TCP_CLOSE, TCP_LISTEN, TCP_ESTABLISHED. */
enum unix_state { UNIX_CLOSE, UNIX_LISTEN, UNIX_ESTABLISHED };

/* A socket's name: len 0 when it has none. */
struct unix_address {
	socklen_t len;
	struct sockaddr_un sun;
};

struct unix_cred {
	int pid;
	unsigned uid, gid;
};

/* Files in flight (Linux's scm_fp_list): a reference each. */
struct scm_fp_list {
	int count;
	struct file *fp[SCM_MAX_FD];
};

/* What a sendmsg's control data says, and what a receive hands over:
 * creds are none (pid 0, the overflow uid and gid) unless SCM_CREDENTIALS
 * gave them or a socket with SO_PASSCRED is at either end. */
struct scm_cookie {
	struct unix_cred creds;
	bool has_creds;
	struct scm_fp_list *fp;
};

#define OVERFLOW_ID 65534 /* /proc/sys/kernel/overflowuid */

struct unix_sock;

/* One message (Linux's skb) on a receive queue. On a listener's queue
 * each is a connection: embryo, the server's end, waiting for accept. */
struct unix_msg {
	struct unix_msg *next;
	struct unix_address from; /* the sender's name */
	struct unix_cred cred;
	struct scm_fp_list *fp;
	struct unix_sock *embryo;
	uint32_t len, off; /* off: bytes a stream read took already */
	char data[];
};

struct unix_sock {
	struct kernel *k;
	int refs;               /* its file (or a listener's queue), and each socket whose peer it is */
	bool dead;              /* its file is closed (SOCK_DEAD) */
	int type;
	enum unix_state state;
	struct unix_sock *peer; /* a reference; a stream peer stays when it closes */
	int shutdown;           /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;                /* sk_err: ECONNRESET, given once */
	struct unix_msg *head, *tail;
	uint64_t queued;        /* bytes in the queue */
	unsigned qlen;          /* messages in the queue */
	int backlog;            /* sk_max_ack_backlog */
	struct unix_address addr;
	bool bound;             /* in the table of names (af_unix_bind.c) */
	uint64_t dev, ino_host; /* bound to a path: the host's socket file */
	struct unix_sock *next_bound;
	bool passcred;          /* SO_PASSCRED */
	bool has_file;          /* accepted, or made by socket(2) or socketpair(2) */
	bool reuse;             /* SO_REUSEADDR */
	struct unix_cred peercred;
	bool has_peercred;
	int sndbuf, rcvbuf;
	int64_t rcvtimeo, sndtimeo; /* SO_RCVTIMEO, SO_SNDTIMEO in ticks; -1: none, 0: never wait */
	uint64_t ino;
	struct timespec created;
	uint32_t uid, gid;      /* its creator's fs ids */
	char wait;              /* readers of this queue, writers to it, connectors */
};

/* af_unix.c */
struct unix_sock *unix_sock_alloc(struct kernel *k, int type);
void unix_sock_put(struct unix_sock *s);
/* A file for s, taking its reference; NULL when out of memory. */
struct file *unix_file(struct unix_sock *s, int flags);
void unix_sock_wake(struct unix_sock *s);
void unix_queue_tail(struct unix_sock *to, struct unix_msg *m);
/* Sleeps on chan for at most timeo ticks (Linux's sock_rcvtimeo and
 * sock_sndtimeo): -ERESTARTSYS, or -EAGAIN when nonblock or the time is up. */
int64_t unix_wait(struct kernel *k, const void *chan, int64_t timeo, bool nonblock);
/* The end of a stream send that queued done bytes on top of the before a
 * blocking call had moved (whole: it moves every byte): with bytes left
 * it sleeps on chan for room (p->io_done keeps the count), else the
 * count, or -errno when nothing moved (AF_UNIX and TCP share it). */
int64_t stream_send_end(struct kernel *k, const void *chan, int64_t sndtimeo, bool nonblock,
			bool whole, uint64_t before, uint64_t done, uint64_t left);
/* read(2) and write(2) of a socket: its family's recvmsg and sendmsg
 * with no flags (Linux's sock_read_iter and sock_write_iter). */
int64_t sock_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
int64_t sock_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos);
/* fstat of a socket: sockfs's device, S_IFSOCK | 0777, its creator's ids. */
void sock_stat(struct stat *st, uint64_t ino, uint32_t uid, uint32_t gid,
	       const struct timespec *created);
/* The current process's credentials as SCM_CREDENTIALS carries them (its
 * real ids), and as SO_PEERCRED shows them (its effective ids). */
struct unix_cred unix_current_cred(struct kernel *k);
struct unix_cred unix_peer_cred(struct kernel *k);

/* af_unix_bind.c */
int unix_autobind(struct unix_sock *s);
void unix_unbind(struct unix_sock *s);
/* Checks an address (unix_validate_addr): 0 or -EINVAL. */
int unix_validate_addr(const void *addr, int len);
/* The socket named addr, with a reference: NULL and *err (ENOENT,
 * ECONNREFUSED, EPROTOTYPE...) when there is none of that type. */
struct unix_sock *unix_find_other(struct kernel *k, const void *addr, int len, int type,
				  int *err);

/* af_unix_opt.c: SO_RCVTIMEO and SO_SNDTIMEO of any socket (Linux's
 * sock_get_timeout, sock_set_timeout): ticks (-1 none) to and from a
 * struct timeval; set: 0, -EINVAL (short) or -EDOM. */
struct timeval;
void sock_get_timeout(int64_t timeo, struct timeval *tv);
int sock_set_timeout(int64_t *timeo, const void *val, int len);

/* af_unix_scm.c */
int scm_send(struct kernel *k, const char *control, size_t len, struct scm_cookie *scm);
void scm_destroy(struct scm_cookie *scm);
void scm_fp_free(struct scm_fp_list *fp);
struct scm_fp_list *scm_fp_dup(const struct scm_fp_list *fp); /* NULL: out of memory */
/* The control data of a receive into m, as Linux's scm_recv_unix. */
void scm_recv(struct kernel *k, const struct unix_sock *s, struct unix_msghdr *m,
	      struct scm_cookie *scm, int flags);

#endif
