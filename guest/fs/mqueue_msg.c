/* mqueue_msg.c - mq_timedsend(2) and mq_timedreceive(2): messages kept
 * highest priority first, in arrival order within one priority, with
 * Linux's checks in its order (the timeout, the priority, the fd, its
 * access, the size, the copy; then EAGAIN or the wait).
 *
 * Linux hands a message straight to the receiver that has waited
 * longest (pipelined_send), and a freed slot to the first waiting
 * sender. Here a task that must wait takes a place in a line, and a
 * change wakes the whole line: each call starts again, and only the
 * first task of the line still in its call may act, so messages and
 * slots go in Linux's order. One difference shows: until that task has
 * run, the message it will get still counts in mq_curmsgs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "fs/mqueue.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* Whether w's task is still in the call nr on q (asleep, or woken and
 * not yet run again). */
static bool in_line(struct kernel *k, const struct mq_waiter *w, uint64_t nr,
		    const struct mqueue *q)
{
	struct process *t = process_find(k, w->pid);
	if (!t || t->serial != w->serial || t->exited || !t->restart_syscall || t->ctx.rax != nr)
		return false;
	struct file *f = fd_file(t->files, (int)(uint32_t)t->ctx.rdi);
	return f && mqueue_of(f) == q;
}

static void drop(struct mq_waiter **pp)
{
	struct mq_waiter *w = *pp;
	*pp = w->next;
	free(w);
}

/* The current task's turn in *line: 0 when ready (the queue can serve
 * it) and no task before it in the line is still waiting (1 when it had
 * waited in the line); else -EAGAIN
 * (nonblock), -ETIMEDOUT (deadline passed), -ENOMEM, or it takes its
 * place and sleeps (-ERESTARTSYS). Stale places are dropped. */
static int64_t take_turn(struct kernel *k, struct mqueue *q, struct mq_waiter **line,
			 uint64_t nr, bool ready, bool nonblock, uint64_t deadline)
{
	struct process *me = k->current;
	struct mq_waiter **mine = NULL;
	bool ahead = false;
	for (struct mq_waiter **pp = line; *pp;) {
		if ((*pp)->pid == me->pid && (*pp)->serial == me->serial && !mine) {
			mine = pp;
		} else if (!in_line(k, *pp, nr, q)) {
			drop(pp);
			continue;
		} else if (!mine) {
			ahead = true;
		}
		pp = &(*pp)->next;
	}
	if (ready && !ahead) {
		if (!mine)
			return 0;
		drop(mine);
		return 1;
	}
	int64_t ret = -EAGAIN;
	if (!nonblock) {
		if (!mine) {
			struct mq_waiter *w = calloc(1, sizeof(*w));
			if (!w)
				return -ENOMEM;
			*w = (struct mq_waiter){.pid = me->pid, .serial = me->serial};
			for (mine = line; *mine; mine = &(*mine)->next)
				;
			*mine = w;
		}
		if (!deadline) {
			process_block(k, &q->wait);
			return -ERESTARTSYS;
		}
		ret = process_block_until(k, &q->wait, deadline);
		if (ret == -ERESTARTSYS)
			return ret;
		ret = -ETIMEDOUT;
	}
	if (mine)
		drop(mine);
	return ret;
}

/* Whether a receiver is waiting in line for a message. */
static bool receiver_waits(struct kernel *k, struct mqueue *q)
{
	for (struct mq_waiter *w = q->receivers; w; w = w->next)
		if (in_line(k, w, SYS_mq_timedreceive, q))
			return true;
	return false;
}

static void insert(struct mqueue *q, struct mq_msg *m)
{
	struct mq_msg **pp = &q->msgs;
	if (q->tail && q->tail->prio >= m->prio)
		pp = &q->tail->next;
	else
		while (*pp && (*pp)->prio >= m->prio)
			pp = &(*pp)->next;
	m->next = *pp;
	*pp = m;
	if (!m->next)
		q->tail = m;
	q->curmsgs++;
	q->qsize += m->len;
}

static struct mq_msg *take_first(struct mqueue *q)
{
	struct mq_msg *m = q->msgs;
	q->msgs = m->next;
	if (!q->msgs)
		q->tail = NULL;
	q->curmsgs--;
	q->qsize -= m->len;
	return m;
}

/* The absolute CLOCK_REALTIME timeout at uts as a CLOCK_MONOTONIC
 * deadline (Linux's prepare_timeout): 0 with *deadline 0 for none. */
static int timeout_arg(struct kernel *k, uint64_t uts, uint64_t *deadline)
{
	struct timespec ts;
	uint64_t ns;
	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(k, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (!timespec_to_ns(&ts, &ns))
		return -EINVAL;
	*deadline = clock_deadline(CLOCK_REALTIME, ns);
	if (!*deadline)
		*deadline = 1;
	return 0;
}

/* The queue behind a call's fd, open for mode (FMODE_*): -EBADF else. */
static struct mqueue *queue_arg(struct kernel *k, uint64_t fd, unsigned mode, struct file **out)
{
	struct file *f = fd_arg(k, fd);
	struct mqueue *q = f ? mqueue_of(f) : NULL;
	if (!q || !(f->f_mode & mode))
		return NULL;
	*out = f;
	return q;
}

int64_t sys_mq_timedsend(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t len = a[2], deadline;
	unsigned prio = (unsigned)a[3];
	int err = timeout_arg(k, a[4], &deadline);
	if (err)
		return err;
	if (prio >= MQ_PRIO_MAX)
		return -EINVAL;
	struct file *f;
	struct mqueue *q = queue_arg(k, a[0], FMODE_WRITE, &f);
	if (!q)
		return -EBADF;
	if (len > (uint64_t)q->msgsize)
		return -EMSGSIZE;
	struct mq_msg *m = malloc(sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	*m = (struct mq_msg){.prio = prio, .len = len};
	if (copy_from_user(k, m->data, a[1], len)) {
		free(m);
		return -EFAULT;
	}
	int64_t ret = take_turn(k, q, &q->senders, SYS_mq_timedsend, q->curmsgs < q->maxmsg,
				f->flags & O_NONBLOCK, deadline);
	if (ret < 0) {
		free(m);
		return ret;
	}
	insert(q, m);
	mqueue_touch(&q->mtime);
	q->atime = q->ctime = q->mtime;
	/* Linux tells the registered process of a message no receiver takes
	 * at once, not of one a sender that waited for room puts in. */
	if (q->curmsgs == 1 && !ret && !receiver_waits(k, q))
		mqueue_do_notify(k, q);
	mqueue_wake(k, q, POLLIN | POLLRDNORM);
	return 0;
}

int64_t sys_mq_timedreceive(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t len = a[2], uprio = a[3], deadline;
	int err = timeout_arg(k, a[4], &deadline);
	if (err)
		return err;
	struct file *f;
	struct mqueue *q = queue_arg(k, a[0], FMODE_READ, &f);
	if (!q)
		return -EBADF;
	if (len < (uint64_t)q->msgsize)
		return -EMSGSIZE;
	int64_t ret = take_turn(k, q, &q->receivers, SYS_mq_timedreceive, q->curmsgs > 0,
				f->flags & O_NONBLOCK, deadline);
	if (ret < 0)
		return ret;
	struct mq_msg *m = take_first(q);
	mqueue_touch(&q->mtime);
	q->atime = q->ctime = q->mtime;
	mqueue_wake(k, q, POLLOUT | POLLWRNORM);
	/* Taken even when the copy fails, as on Linux. */
	uint32_t prio = m->prio;
	ret = (int64_t)m->len;
	if ((uprio && copy_to_user(k, uprio, &prio, sizeof(prio))) ||
	    copy_to_user(k, a[1], m->data, m->len))
		ret = -EFAULT;
	free(m);
	return ret;
}
