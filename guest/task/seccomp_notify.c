/* seccomp_notify.c - seccomp user notification (Linux's kernel/seccomp.c):
 * a filter made with SECCOMP_FILTER_FLAG_NEW_LISTENER comes with a
 * listener fd ("anon_inode:seccomp notify"). A call its SECCOMP_RET_USER_NOTIF
 * stops becomes a notification (an id, the task, its seccomp_data) and
 * the task sleeps until the supervisor holding the listener answers:
 *   - SECCOMP_IOCTL_NOTIF_RECV takes the oldest one not yet taken (it
 *     waits for one); SECCOMP_IOCTL_NOTIF_ID_VALID says whether one taken
 *     is still waiting; SECCOMP_IOCTL_NOTIF_SEND answers it (a value or an
 *     error, or SECCOMP_USER_NOTIF_FLAG_CONTINUE: the call runs);
 *     SECCOMP_IOCTL_NOTIF_ADDFD puts a copy of one of the supervisor's
 *     files into the task's table (at the lowest fd, or at newfd with
 *     SETFD; with SEND, that fd is also the answer);
 *   - poll: IN while one waits to be taken, OUT while one taken waits for
 *     its answer, HUP once no task uses the filter.
 * A signal ends the task's wait (the call is made again after the
 * handler, SA_RESTART or not as for any sleep, and notifies anew) unless
 * the answer came first; with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV only
 * a fatal signal ends it once the notification was taken. Closing the
 * listener answers every waiting call ENOSYS, as does a USER_NOTIF with no
 * listener. vmemu installs ADDFD's file from the supervisor's call,
 * with the task's table and limit (Linux lets the task do it). */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define ID_VALID_WRONG_DIR _IOR(SECCOMP_IOC_MAGIC, 2, uint64_t) /* Linux takes both */

enum notify_state { NOTIFY_INIT, NOTIFY_SENT, NOTIFY_REPLIED };

/* One notification (Linux's seccomp_knotif). */
struct seccomp_knotif {
	struct seccomp_knotif *next;
	struct process *task;
	uint64_t id;
	struct seccomp_data data;
	enum notify_state state;
	int error;
	int64_t val;
	uint32_t flags;
	struct seccomp_notification *notif; /* NULL once the listener is gone */
};

/* A filter's listener side (Linux's struct notification). */
struct seccomp_notification {
	struct kernel *k;
	struct seccomp_filter *filter; /* a reference: the listener's */
	uint64_t next_id;
	struct seccomp_knotif *head;   /* in arrival order */
	char wait;                     /* RECV and poll wait here */
};

static struct seccomp_notification *notif_of(const struct file *f)
{
	return f->private;
}

static struct seccomp_knotif *find_notification(const struct seccomp_notification *n, uint64_t id)
{
	struct seccomp_knotif *kn = n->head;
	while (kn && kn->id != id)
		kn = kn->next;
	return kn;
}

static void unlink_knotif(struct seccomp_knotif *kn)
{
	if (!kn->notif)
		return;
	struct seccomp_knotif **pp = &kn->notif->head;
	while (*pp != kn)
		pp = &(*pp)->next;
	*pp = kn->next;
	kn->notif = NULL;
}

/* The answer is in: the task wakes, and it may not wait killable. */
static void reply(struct kernel *k, struct seccomp_knotif *kn, int error, int64_t val,
		  uint32_t flags)
{
	kn->state = NOTIFY_REPLIED;
	kn->error = error;
	kn->val = val;
	kn->flags = flags;
	kn->task->wait_killable = false;
	kernel_wake(k, kn);
	if (kn->notif)
		file_wake(k, &kn->notif->wait, 0);
}

/* ---- the task's side ---- */

enum seccomp_verdict seccomp_notify(struct kernel *k, struct process *p, struct cpu_context *ctx,
				    struct seccomp_filter *f, const struct seccomp_data *sd)
{
	struct seccomp_notification *n = f->notif;
	struct seccomp_knotif *kn = n ? calloc(1, sizeof(*kn)) : NULL;
	if (!kn) { /* no listener (any more): as Linux without one */
		ctx->rax = (uint64_t)-ENOSYS;
		return SECCOMP_SKIP;
	}
	*kn = (struct seccomp_knotif){.task = p, .id = n->next_id++, .data = *sd, .notif = n};
	struct seccomp_knotif **tail = &n->head;
	while (*tail)
		tail = &(*tail)->next;
	*tail = kn;
	p->seccomp.knotif = kn;
	file_wake(k, &n->wait, POLLIN | POLLRDNORM);
	process_block(k, kn);
	return SECCOMP_WAIT;
}

enum seccomp_verdict seccomp_notify_wait(struct kernel *k, struct process *p,
					 struct cpu_context *ctx)
{
	struct seccomp_knotif *kn = p->seccomp.knotif;
	if (kn->state != NOTIFY_REPLIED) {
		process_block(k, kn);
		return SECCOMP_WAIT;
	}
	unlink_knotif(kn);
	p->seccomp.knotif = NULL;
	bool run = kn->flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (!run) /* CONTINUE: rax is still the call's number */
		ctx->rax = (uint64_t)(kn->error ? kn->error : kn->val);
	free(kn);
	return run ? SECCOMP_RUN : SECCOMP_SKIP;
}

bool seccomp_notify_killable(const struct process *p)
{
	const struct seccomp_knotif *kn = p->seccomp.knotif;
	return kn && kn->state == NOTIFY_SENT && kn->notif && kn->notif->filter->wait_killable_recv;
}

int64_t seccomp_notify_end_wait(struct process *p)
{
	struct seccomp_knotif *kn = p->seccomp.knotif;
	if (!kn)
		return -ERESTARTSYS;
	p->seccomp.knotif = NULL;
	p->wait_killable = false;
	unlink_knotif(kn);
	enum notify_state state = kn->state;
	uint32_t flags = kn->flags;
	int64_t ret = kn->error ? kn->error : kn->val;
	free(kn);
	if (state != NOTIFY_REPLIED)
		return -ERESTARTSYS; /* a new notification when made again */
	if (flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) {
		p->seccomp.notif_continue = true; /* the call runs after the handler */
		return -ERESTARTNOINTR;
	}
	return ret;
}

/* ---- the listener ---- */

static int64_t notif_recv(struct kernel *k, struct seccomp_notification *n, uint64_t arg)
{
	struct seccomp_notif req;
	if (copy_from_user(k, &req, arg, sizeof(req)))
		return -EFAULT;
	static const struct seccomp_notif zero;
	if (memcmp(&req, &zero, sizeof(req)))
		return -EINVAL; /* room for later fields, which must come zeroed */
	struct seccomp_knotif *kn = n->head;
	while (kn && kn->state != NOTIFY_INIT)
		kn = kn->next;
	if (!kn) {
		process_block(k, &n->wait);
		return -ERESTARTSYS;
	}
	req = (struct seccomp_notif){.id = kn->id, .pid = (uint32_t)task_pid_vnr(k, kn->task),
				     .data = kn->data};
	if (copy_to_user(k, arg, &req, sizeof(req)))
		return -EFAULT; /* it stays to be taken */
	kn->state = NOTIFY_SENT;
	file_wake(k, &n->wait, POLLOUT | POLLWRNORM);
	return 0;
}

static int64_t notif_send(struct kernel *k, struct seccomp_notification *n, uint64_t arg)
{
	struct seccomp_notif_resp resp;
	if (copy_from_user(k, &resp, arg, sizeof(resp)))
		return -EFAULT;
	if (resp.flags & ~(uint32_t)SECCOMP_USER_NOTIF_FLAG_CONTINUE)
		return -EINVAL;
	if ((resp.flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) && (resp.error || resp.val))
		return -EINVAL;
	struct seccomp_knotif *kn = find_notification(n, resp.id);
	if (!kn)
		return -ENOENT;
	if (kn->state != NOTIFY_SENT)
		return -EINPROGRESS;
	reply(k, kn, resp.error, resp.val, resp.flags);
	return 0;
}

static int64_t notif_id_valid(struct kernel *k, struct seccomp_notification *n, uint64_t arg)
{
	uint64_t id;
	if (copy_from_user(k, &id, arg, sizeof(id)))
		return -EFAULT;
	struct seccomp_knotif *kn = find_notification(n, id);
	return kn && kn->state == NOTIFY_SENT ? 0 : -ENOENT;
}

/* A copy of the supervisor's file into the task's table, as the task
 * would install it: with its RLIMIT_NOFILE. */
static int install_in_task(struct kernel *k, struct process *t, const struct seccomp_notif_addfd *a,
			   struct file *f)
{
	bool cloexec = a->newfd_flags & O_CLOEXEC;
	file_get(f);
	if (a->flags & SECCOMP_ADDFD_FLAG_SETFD) {
		int err = a->newfd >= task_rlimit(t, RLIMIT_NOFILE)
				  ? -EBADF
				  : fd_install_at(t->files, (int)a->newfd, f, cloexec);
		if (err)
			file_put(f);
		return err ? err : (int)a->newfd;
	}
	struct process *self = k->current;
	k->current = t;
	int fd = fd_install_new(k, f, cloexec);
	k->current = self;
	return fd;
}

static int64_t notif_addfd(struct kernel *k, struct seccomp_notification *n, uint64_t arg,
			   unsigned size)
{
	struct seccomp_notif_addfd a;
	if (size < sizeof(a) || size >= PAGE_SIZE)
		return -EINVAL;
	if (copy_from_user(k, &a, arg, sizeof(a)))
		return -EFAULT;
	/* A larger struct's fields beyond ours must be 0 (Linux's
	 * copy_struct_from_user). */
	for (unsigned i = sizeof(a); i < size; i++) {
		uint8_t b;
		if (copy_from_user(k, &b, arg + i, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (a.newfd_flags & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	if (a.flags & ~(uint32_t)(SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND))
		return -EINVAL;
	if (a.newfd && !(a.flags & SECCOMP_ADDFD_FLAG_SETFD))
		return -EINVAL;
	struct file *src = fd_arg(k, a.srcfd);
	if (!src)
		return -EBADF;
	struct seccomp_knotif *kn = find_notification(n, a.id);
	if (!kn)
		return -ENOENT;
	if (kn->state != NOTIFY_SENT)
		return -EINPROGRESS;
	int fd = install_in_task(k, kn->task, &a, src);
	if (fd >= 0 && (a.flags & SECCOMP_ADDFD_FLAG_SEND))
		reply(k, kn, 0, fd, 0);
	return fd;
}

static int64_t notify_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg)
{
	struct seccomp_notification *n = notif_of(f);
	switch (cmd) {
	case SECCOMP_IOCTL_NOTIF_RECV:
		return notif_recv(k, n, arg);
	case SECCOMP_IOCTL_NOTIF_SEND:
		return notif_send(k, n, arg);
	case SECCOMP_IOCTL_NOTIF_ID_VALID:
	case ID_VALID_WRONG_DIR:
		return notif_id_valid(k, n, arg);
	}
	/* ADDFD carries its struct's size, which may grow; its direction bits
	 * are not looked at (Linux's EA_IOCTL). */
	if (_IOC_TYPE(cmd) == SECCOMP_IOC_MAGIC && _IOC_NR(cmd) == _IOC_NR(SECCOMP_IOCTL_NOTIF_ADDFD))
		return notif_addfd(k, n, arg, _IOC_SIZE(cmd));
	return -EINVAL;
}

static unsigned notify_poll(struct file *f)
{
	const struct seccomp_notification *n = notif_of(f);
	unsigned events = 0;
	for (const struct seccomp_knotif *kn = n->head; kn; kn = kn->next) {
		if (kn->state == NOTIFY_INIT)
			events |= POLLIN | POLLRDNORM;
		if (kn->state == NOTIFY_SENT)
			events |= POLLOUT | POLLWRNORM;
	}
	if (n->filter->users == 0)
		events |= POLLHUP;
	return events;
}

static int notify_poll_chans(struct file *f, const void *chans[])
{
	chans[0] = &notif_of(f)->wait;
	return 1;
}

/* The listener closes: every waiting call gets ENOSYS (Linux's
 * seccomp_notify_detach), and the filter has no listener any more. */
static void notify_release(struct file *f)
{
	struct seccomp_notification *n = notif_of(f);
	struct kernel *k = n->k;
	while (n->head) {
		struct seccomp_knotif *kn = n->head;
		n->head = kn->next;
		kn->notif = NULL;
		if (kn->state != NOTIFY_REPLIED)
			reply(k, kn, -ENOSYS, 0, 0);
	}
	n->filter->notif = NULL;
	seccomp_filter_put(n->filter);
	free(n);
}

static const struct file_ops notify_ops = {
	.poll = notify_poll,
	.poll_chans = notify_poll_chans,
	.release = notify_release,
	.ioctl = notify_ioctl,
	.anon_name = "seccomp notify",
};

int seccomp_notify_listener(struct kernel *k, struct seccomp_filter *f)
{
	struct seccomp_notification *n = calloc(1, sizeof(*n));
	struct file *file = n ? anon_inode_file(&notify_ops, n) : NULL;
	if (!file) {
		free(n);
		return -ENOMEM;
	}
	n->k = k;
	n->filter = f;
	f->refcount++;
	f->notif = n;
	return fd_install_new(k, file, true);
}

void seccomp_notify_orphaned(struct seccomp_filter *f)
{
	if (f->notif)
		file_wake(f->notif->k, &f->notif->wait, POLLHUP);
}
