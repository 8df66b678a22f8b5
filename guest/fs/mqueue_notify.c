/* mqueue_notify.c - mq_notify(2) and mq_getsetattr(2), as Linux's
 * ipc/mqueue.c. One process at a time may ask to be told when a message
 * arrives in an empty queue that no receiver waits on: by a signal
 * (si_code SI_MESGQ, the sender's pid and real uid, the registered
 * value) or by nothing (SIGEV_NONE); either way the registration goes
 * once it has fired, and when the process closes a descriptor of the
 * queue. SIGEV_THREAD asks the kernel to send a cookie on a netlink
 * socket (glibc opens one, NETLINK_ROUTE, and starts the thread itself);
 * vmemu has no netlink sockets, so the kernel answers as Linux does for
 * an fd that is none (EBADF, ENOTSOCK, EINVAL), and glibc, unable
 * to open its socket, gives ENOSYS (musl: EAFNOSUPPORT). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include "fs/mqueue.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define NOTIFY_COOKIE_LEN 32

/* struct sigevent as the kernel takes it (64 bytes). */
struct k_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t pad[12];
};

void mqueue_do_notify(struct kernel *k, struct mqueue *q)
{
	if (!q->notify_owner)
		return;
	struct process *owner = process_find(k, q->notify_owner);
	if (q->notify == SIGEV_SIGNAL && q->notify_signo && owner &&
	    owner->serial == q->notify_serial && !process_dead(owner)) {
		struct ksiginfo info = {
			.signo = q->notify_signo, .code = SI_MESGQ, .pid = k->current->tgid,
			.uid = (int)k->current->cred.uid, .value = q->notify_value,
		};
		group_send_sig(k, owner, &info);
	}
	q->notify_owner = 0;
}

/* SIGEV_THREAD's checks of the cookie and of the socket fd sigev_signo
 * names: no file is a netlink socket here. */
static int notify_thread_check(struct kernel *k, const struct k_sigevent *ev)
{
	char cookie[NOTIFY_COOKIE_LEN];
	if (copy_from_user(k, cookie, ev->value, sizeof(cookie)))
		return -EFAULT;
	struct file *sock = fd_arg(k, (uint64_t)(uint32_t)ev->signo);
	if (!sock)
		return -EBADF;
	return file_kind(sock) == FILE_SOCKET ? -EINVAL : -ENOTSOCK; /* no AF_NETLINK one */
}

int64_t sys_mq_notify(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_sigevent ev;
	if (a[1]) {
		if (copy_from_user(k, &ev, a[1], sizeof(ev)))
			return -EFAULT;
		if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD)
			return -EINVAL;
		if (ev.notify == SIGEV_SIGNAL && (uint32_t)ev.signo > KSIG_MAX)
			return -EINVAL;
		if (ev.notify == SIGEV_THREAD)
			return notify_thread_check(k, &ev);
	}
	struct file *f = fd_arg(k, a[0]);
	struct mqueue *q = f ? mqueue_of(f) : NULL;
	if (!q)
		return -EBADF;
	struct process *p = k->current;
	if (!a[1]) {
		if (q->notify_owner == p->tgid)
			q->notify_owner = 0;
		return 0;
	}
	if (q->notify_owner)
		return -EBUSY;
	q->notify_owner = p->tgid;
	q->notify_serial = p->signal->leader->serial;
	q->notify_files = p->files;
	q->notify = ev.notify;
	q->notify_signo = ev.notify == SIGEV_SIGNAL ? ev.signo : 0;
	q->notify_value = ev.value;
	mqueue_touch(&q->atime);
	q->ctime = q->atime;
	return 0;
}

int64_t sys_mq_getsetattr(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_mq_attr new, old;
	if (a[1] && copy_from_user(k, &new, a[1], sizeof(new)))
		return -EFAULT;
	if (a[1] && (new.mq_flags & ~(int64_t)O_NONBLOCK))
		return -EINVAL;
	struct file *f = fd_arg(k, a[0]);
	struct mqueue *q = f ? mqueue_of(f) : NULL;
	if (!q)
		return -EBADF;
	old = (struct k_mq_attr){.mq_flags = f->flags & O_NONBLOCK, .mq_maxmsg = q->maxmsg,
				 .mq_msgsize = q->msgsize, .mq_curmsgs = q->curmsgs};
	if (a[1]) {
		f->flags = (f->flags & ~O_NONBLOCK) | (int)(new.mq_flags & O_NONBLOCK);
		mqueue_touch(&q->atime);
		q->ctime = q->atime;
	}
	return a[2] && copy_to_user(k, a[2], &old, sizeof(old)) ? -EFAULT : 0;
}
