/* mqueue.h - what the files of POSIX message queues share (Linux's
 * ipc/mqueue.c): the namespace of queue names (mqueue.c), a queue and
 * its messages, the open files on it, the senders and receivers waiting
 * in line (mqueue_msg.c), notification (mqueue_notify.c) and the
 * /proc/sys/fs/mqueue values (mqueue_sysctl.c). fs/ only. */
#ifndef VMEMU_FS_MQUEUE_H
#define VMEMU_FS_MQUEUE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fs/internal.h"

#define MQ_PRIO_MAX 32768
#define HARD_MSGMAX 65536
#define HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define MQ_FILENT_SIZE 80 /* a queue file's size, and the most its line may be */

struct mq_msg {
	struct mq_msg *next;
	unsigned prio;
	size_t len;
	char data[];
};

/* A task waiting in line to send or receive: the one it names acts first
 * while it is still in that call (checked when the line is looked at:
 * a task interrupted or gone leaves a stale entry, dropped then). */
struct mq_waiter {
	int pid;
	uint64_t serial;
	struct mq_waiter *next;
};

struct mq_namespace;

struct mqueue {
	struct mq_namespace *ns;
	int refs;          /* open files, and 1 while it has a name */
	bool linked;
	struct mqueue *next; /* ns->queues, while linked */
	char name[NAME_MAX + 1];
	uint64_t ino;
	uint32_t uid, gid;
	unsigned mode;     /* S_IFREG and the permission bits */
	struct timespec atime, mtime, ctime;
	int64_t maxmsg, msgsize, curmsgs;
	uint64_t qsize;    /* bytes of the messages it holds */
	struct mq_msg *msgs, *tail; /* highest priority first, FIFO within one */
	uint64_t charged;  /* bytes counted against charge_uid's RLIMIT_MSGQUEUE */
	uint32_t charge_uid;
	struct mq_waiter *senders, *receivers;
	char wait;         /* senders, receivers and poll wait here */
	/* mq_notify's registration: the owner process (0: none), its fd
	 * table (a close there removes it, as Linux's mqueue_flush_file),
	 * SIGEV_NONE or SIGEV_SIGNAL with signo and value. */
	int notify_owner;
	uint64_t notify_serial;
	const struct fdtable *notify_files;
	int notify, notify_signo;
	uint64_t notify_value;
};

/* The values of /proc/sys/fs/mqueue (Linux's ipc_namespace mq_*). */
struct mq_sysctl {
	int msg_default, msg_max, msgsize_default, msgsize_max, queues_max;
};

struct mq_user {
	uint32_t uid;
	uint64_t bytes;
	struct mq_user *next;
};

struct mq_namespace {
	int refs;          /* the kernel's, and one per queue that lives */
	struct mqueue *queues; /* those with a name */
	int queues_count;  /* queues that live, named or not */
	struct mq_sysctl sysctl;
	struct mq_user *users; /* bytes charged per real uid */
	uint64_t next_ino;
};

extern const struct file_ops mqueue_fops;

void mqueue_sysctl_defaults(struct mq_sysctl *s);

/* The queue an open file is on, or NULL for any other file. */
struct mqueue *mqueue_of(const struct file *f);
/* A file changed the queue's state: wakes its waiters and pollers. */
void mqueue_wake(struct kernel *k, struct mqueue *q, unsigned key);
/* The queue became non-empty by a send nobody in line takes: the
 * registered process is told, and the registration goes (mqueue_notify.c). */
void mqueue_do_notify(struct kernel *k, struct mqueue *q);
void mqueue_touch(struct timespec *t);

#endif
