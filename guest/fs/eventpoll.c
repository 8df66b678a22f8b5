/* eventpoll.c - epoll_create(2), epoll_create1(2), epoll_ctl(2), and the
 * ready list epoll_wait(2) reads (sys/sys_poll.c sleeps), as Linux's
 * fs/eventpoll.c.
 *
 * An item watches one (file, fd) pair. When the file's state changes its
 * kind calls file_wake with a wait channel; the items watching that
 * channel (the file's poll_chans) get Linux's ep_poll_callback: onto the
 * ready list, unless disabled (a one-shot item that fired) or the change
 * is about other events. epoll_wait polls the items of the ready list:
 * one that is ready is reported, and a level-triggered item stays on the
 * list to be polled again next time, while an edge-triggered one waits
 * for the next change. Files the host keeps (ttys, host pipes and
 * sockets, timerfds) tell their changes through a host epoll of each
 * instance, in which they are edge-triggered: its events are the host's
 * callbacks, so edge and level work alike for every kind of file. A
 * nested epoll file is watched both ways: its own readiness channel and
 * its host epoll. Closing an fd leaves its item alone; the item goes
 * when the file's last reference does (eventpoll_release).
 *
 * EPOLLEXCLUSIVE is checked as Linux checks it, but every instance
 * watching a file hears of its changes (Linux wakes one exclusive
 * waiter): a difference only in how many sleepers wake. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* The bits epoll keeps for itself (EP_PRIVATE_BITS): an item whose other
 * events are all clear is disabled. */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
/* What an EPOLLEXCLUSIVE item may ask for (EPOLLEXCLUSIVE_OK_BITS). */
#define EPOLLEXCLUSIVE_OK_BITS                                                              \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4 /* epolls inside epolls, at most */
#define CAP_BLOCK_SUSPEND 36

struct eventpoll;

struct epitem {
	struct eventpoll *ep;
	struct file *file;
	int fd;
	uint32_t events; /* with EPOLLERR and EPOLLHUP, which are always watched */
	uint64_t data;
	bool ready;      /* on the ready list */
	struct epitem *next;         /* ep's items */
	struct epitem *rdnext;       /* the ready list */
	struct epitem *next_of_file; /* file->f_ep */
};

struct eventpoll {
	struct kernel *k;
	struct file *file;
	struct epitem *items;
	struct epitem *rdhead, *rdtail;
	int host_ep;    /* host epoll of the host files watched */
	char poll_wait; /* the channel its own readiness changes on */
	struct eventpoll *next; /* every instance */
};

static struct eventpoll *all_eps;

static const struct file_ops eventpoll_ops;

bool file_is_epoll(const struct file *f)
{
	return f->ops == &eventpoll_ops;
}

static int watch_fd(const struct file *f);

int eventpoll_host_fd(const struct file *f)
{
	const struct eventpoll *ep = f->private;
	for (const struct epitem *epi = ep->items; epi; epi = epi->next)
		if (watch_fd(epi->file) >= 0)
			return ep->host_ep;
	return -1;
}

/* ---- the ready list ---- */

static void rdlist_append(struct eventpoll *ep, struct epitem *epi)
{
	epi->ready = true;
	epi->rdnext = NULL;
	*(ep->rdtail ? &ep->rdtail->rdnext : &ep->rdhead) = epi;
	ep->rdtail = epi;
}

static void rdlist_remove(struct eventpoll *ep, struct epitem *epi)
{
	if (!epi->ready)
		return;
	struct epitem **pp = &ep->rdhead, *prev = NULL;
	while (*pp != epi) {
		prev = *pp;
		pp = &(*pp)->rdnext;
	}
	*pp = epi->rdnext;
	if (ep->rdtail == epi)
		ep->rdtail = prev;
	epi->ready = false;
}

/* Linux's ep_poll_callback: f's state changed as key says (0: any). */
static void ep_poll_callback(struct epitem *epi, unsigned key)
{
	struct eventpoll *ep = epi->ep;
	if (!(epi->events & ~EP_PRIVATE_BITS))
		return; /* a one-shot item that fired: off until EPOLL_CTL_MOD */
	if (key && !(key & epi->events))
		return;
	if (!epi->ready)
		rdlist_append(ep, epi);
	/* Its sleepers wait on file_poll_chan, which this wakes too. */
	file_wake(ep->k, &ep->poll_wait, POLLIN);
}

void file_wake(struct kernel *k, const void *chan, unsigned key)
{
	kernel_wake(k, chan);
	kernel_wake(k, &file_poll_chan);
	for (struct eventpoll *ep = all_eps; ep; ep = ep->next)
		for (struct epitem *epi = ep->items; epi; epi = epi->next) {
			const void *chans[FILE_POLL_CHANS];
			int n = epi->file->ops->poll_chans ? epi->file->ops->poll_chans(epi->file, chans) : 0;
			for (int i = 0; i < n; i++)
				if (chans[i] == chan)
					ep_poll_callback(epi, key);
		}
}

/* ---- host files: their changes come through ep->host_ep ---- */

/* The host fd whose changes f's items hear of: a host file's own, or a
 * nested epoll's host epoll; -1 for none. */
static int watch_fd(const struct file *f)
{
	if (file_is_epoll(f))
		return ((const struct eventpoll *)f->private)->host_ep;
	return f->ops->poll ? -1 : f->host_fd;
}

/* Makes the host epoll's entry for f (one per file: dup'ed fds are two
 * items of one file) watch what ep's items on f watch, or drops it when
 * none is left; existed: whether it had one. 0 or -errno (the host's
 * EPERM for a regular file or a directory). */
static int host_update(struct eventpoll *ep, struct file *f, bool existed)
{
	int fd = watch_fd(f);
	if (fd < 0)
		return 0;
	uint32_t events = 0;
	int count = 0;
	for (struct epitem *epi = ep->items; epi; epi = epi->next)
		if (epi->file == f) {
			events |= epi->events & ~EP_PRIVATE_BITS;
			count++;
		}
	int op = !count ? EPOLL_CTL_DEL : existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	struct epoll_event ev = {.events = events | EPOLLET, .data.ptr = f};
	if (file_is_epoll(f))
		ev.events = EPOLLIN | EPOLLET;
	return epoll_ctl(ep->host_ep, op, fd, &ev) < 0 ? -errno : 0;
}

/* The host's news since the last look: callbacks of the items on the
 * files it names. */
static void ep_scan_host(struct eventpoll *ep)
{
	struct epoll_event evs[64];
	int n;
	do {
		n = epoll_wait(ep->host_ep, evs, 64, 0);
		for (int i = 0; i < n; i++)
			for (struct epitem *epi = ep->items; epi; epi = epi->next)
				if (epi->file == evs[i].data.ptr)
					ep_poll_callback(epi, evs[i].events);
	} while (n == 64);
}

/* ---- polling the items ---- */

/* The POLL* events of f now. */
static unsigned file_poll_now(struct file *f)
{
	if (f->ops->poll)
		return f->ops->poll(f);
	struct pollfd p = {.fd = f->host_fd,
			   .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM |
				     POLLRDBAND | POLLWRNORM | POLLWRBAND};
	return poll(&p, 1, 0) > 0 ? (unsigned)p.revents : 0;
}

static uint32_t ep_item_poll(const struct epitem *epi)
{
	return file_poll_now(epi->file) & epi->events;
}

/* An epoll file polls IN while an item of its ready list is ready; the
 * others leave the list (Linux's ep_read_events_proc). */
static unsigned eventpoll_poll(struct file *f)
{
	struct eventpoll *ep = f->private;
	ep_scan_host(ep);
	for (struct epitem *epi = ep->rdhead, *next; epi; epi = next) {
		next = epi->rdnext;
		if (ep_item_poll(epi))
			return POLLIN | POLLRDNORM;
		rdlist_remove(ep, epi);
	}
	return 0;
}

int eventpoll_send_events(struct kernel *k, struct file *f, uint64_t uevents, int max)
{
	struct eventpoll *ep = f->private;
	ep_scan_host(ep);
	/* Linux's ep_send_events: the list is taken whole; level-triggered
	 * items reported go to the new list's tail, what was not looked at
	 * (max reached, or a fault) stays at its head. */
	struct epitem *tx = ep->rdhead;
	ep->rdhead = ep->rdtail = NULL;
	int n = 0;
	bool fault = false;
	while (tx && n < max) {
		struct epitem *epi = tx;
		uint32_t revents = ep_item_poll(epi);
		if (revents) {
			struct epoll_event ev = {.events = revents, .data.u64 = epi->data};
			if (copy_to_user(k, uevents + (uint64_t)n * sizeof(ev), &ev, sizeof(ev))) {
				fault = true;
				break;
			}
			n++;
		}
		tx = epi->rdnext;
		epi->ready = false;
		if (!revents)
			continue;
		if (epi->events & EPOLLONESHOT)
			epi->events &= EP_PRIVATE_BITS;
		else if (!(epi->events & EPOLLET))
			rdlist_append(ep, epi);
	}
	if (tx) {
		struct epitem *last = tx;
		for (struct epitem *e = tx; e; e = e->rdnext)
			last = e;
		last->rdnext = ep->rdhead;
		if (!ep->rdhead)
			ep->rdtail = last;
		ep->rdhead = tx;
	}
	return fault && !n ? -EFAULT : n;
}

/* ---- items ---- */

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	for (struct epitem *epi = ep->items; epi; epi = epi->next)
		if (epi->file == f && epi->fd == fd)
			return epi;
	return NULL;
}

int eventpoll_target(struct file *f, int tfd, uint64_t toff, struct file **out)
{
	if (!file_is_epoll(f))
		return -EINVAL;
	const struct eventpoll *ep = f->private;
	for (const struct epitem *epi = ep->items; epi; epi = epi->next)
		if (epi->fd == tfd && !toff--) {
			*out = epi->file;
			return 0;
		}
	return -ENOENT;
}

static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	rdlist_remove(ep, epi);
	struct epitem **pp = &ep->items;
	while (*pp != epi)
		pp = &(*pp)->next;
	*pp = epi->next;
	pp = &epi->file->f_ep;
	while (*pp != epi)
		pp = &(*pp)->next_of_file;
	*pp = epi->next_of_file;
	host_update(ep, epi->file, true);
	free(epi);
}

void eventpoll_release(struct file *f)
{
	while (f->f_ep)
		ep_remove(f->f_ep->ep, f->f_ep);
}

/* The longest chain of epolls below ep (0: none inside it); -1 when
 * target is among them, which would close a loop. */
static int depth_below(const struct eventpoll *ep, const struct eventpoll *target)
{
	int depth = 0;
	for (const struct epitem *epi = ep->items; epi; epi = epi->next) {
		if (!file_is_epoll(epi->file))
			continue;
		const struct eventpoll *sub = epi->file->private;
		int d = sub == target ? -1 : depth_below(sub, target);
		if (d < 0)
			return -1;
		if (d + 1 > depth)
			depth = d + 1;
	}
	return depth;
}

/* The longest chain of epolls ep is inside. */
static int depth_above(const struct eventpoll *ep)
{
	int depth = 0;
	for (const struct epitem *epi = ep->file->f_ep; epi; epi = epi->next_of_file) {
		int d = depth_above(epi->ep) + 1;
		if (d > depth)
			depth = d;
	}
	return depth;
}

/* Adding the epoll file f to ep: ELOOP when it would close a loop or
 * nest more than EP_MAX_NESTS deep (Linux's ep_loop_check). */
static int ep_loop_check(struct eventpoll *ep, struct file *f)
{
	const struct eventpoll *to = f->private;
	int below = depth_below(to, ep);
	if (below < 0 || below + 1 + depth_above(ep) > EP_MAX_NESTS)
		return -ELOOP;
	return 0;
}

static bool ep_watches(const struct eventpoll *ep, const struct file *f)
{
	for (const struct epitem *epi = ep->items; epi; epi = epi->next)
		if (epi->file == f)
			return true;
	return false;
}

static int ep_insert(struct eventpoll *ep, const struct epoll_event *ev, struct file *f, int fd)
{
	struct epitem *epi = malloc(sizeof(*epi));
	if (!epi)
		return -ENOMEM;
	*epi = (struct epitem){.ep = ep, .file = f, .fd = fd, .events = ev->events,
			       .data = ev->data.u64, .next = ep->items, .next_of_file = f->f_ep};
	bool existed = ep_watches(ep, f);
	ep->items = epi;
	f->f_ep = epi;
	int err = host_update(ep, f, existed);
	if (err) {
		ep->items = epi->next;
		f->f_ep = epi->next_of_file;
		free(epi);
		return err;
	}
	if (ep_item_poll(epi))
		ep_poll_callback(epi, 0);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *epi, const struct epoll_event *ev)
{
	epi->events = ev->events;
	epi->data = ev->data.u64;
	int err = host_update(ep, epi->file, true);
	if (!err && ep_item_poll(epi))
		ep_poll_callback(epi, 0);
	return err;
}

/* ---- the epoll file ---- */

static int eventpoll_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct eventpoll *)f->private)->poll_wait;
	return 1;
}

static void eventpoll_free(struct file *f)
{
	struct eventpoll *ep = f->private;
	while (ep->items)
		ep_remove(ep, ep->items);
	struct eventpoll **pp = &all_eps;
	while (*pp != ep)
		pp = &(*pp)->next;
	*pp = ep->next;
	close(ep->host_ep);
	free(ep);
}

/* A tfd line per item (Linux's ep_show_fdinfo): the fd, the events
 * watched, the data, and the target's offset, inode and device (the
 * kernel's dev_t layout, major << 20 | minor). */
static void eventpoll_show_fdinfo(struct file *f, struct seq *s)
{
	const struct eventpoll *ep = f->private;
	for (const struct epitem *epi = ep->items; epi; epi = epi->next) {
		struct stat st = {0};
		if (epi->file->ops->stat)
			epi->file->ops->stat(epi->file, &st);
		seq_printf(s, "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x\n",
			   epi->fd, epi->events, (unsigned long long)epi->data,
			   (long long)fdinfo_pos(epi->file), (unsigned long)st.st_ino,
			   major(st.st_dev) << 20 | minor(st.st_dev));
	}
}

static const struct file_ops eventpoll_ops = {
	.read = file_rw_einval,
	.write = file_rw_einval,
	.poll = eventpoll_poll,
	.stat = anon_inode_stat,
	.release = eventpoll_free,
	.poll_chans = eventpoll_chans,
	.anon_name = "[eventpoll]",
	.show_fdinfo = eventpoll_show_fdinfo,
};

static int64_t do_epoll_create(struct kernel *k, int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	struct eventpoll *ep = calloc(1, sizeof(*ep));
	int host_ep = ep ? epoll_create1(EPOLL_CLOEXEC) : -1;
	struct file *f = host_ep >= 0 ? file_alloc(&eventpoll_ops, FILE_ANON, O_RDWR, ep) : NULL;
	if (!f) {
		if (host_ep >= 0)
			close(host_ep);
		free(ep);
		return -ENOMEM;
	}
	ep->k = k;
	ep->file = f;
	ep->host_ep = host_ep;
	ep->next = all_eps;
	all_eps = ep;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	return fd_install_new(k, f, flags & EPOLL_CLOEXEC);
}

int64_t sys_epoll_create1(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_epoll_create(k, (int)a[0]);
}

int64_t sys_epoll_create(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if ((int)a[0] <= 0)
		return -EINVAL;
	return do_epoll_create(k, 0);
}

/* Whether f can be polled (Linux's file_can_poll): an in-kernel file
 * with a poll op, or a host file the host lets an epoll watch (not a
 * regular file or a directory), asked of a scratch host epoll. */
static bool file_can_poll(const struct file *f)
{
	static int probe = -1;
	if (f->host_fd < 0 || f->ops->poll)
		return f->ops->poll != NULL;
	if (probe < 0)
		probe = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	if (epoll_ctl(probe, EPOLL_CTL_ADD, f->host_fd, &ev) < 0)
		return errno != EPERM;
	epoll_ctl(probe, EPOLL_CTL_DEL, f->host_fd, NULL);
	return true;
}

/* epoll_ctl(epfd, op, fd, event), in Linux's order of checks. */
int64_t sys_epoll_ctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int op = (int)a[1], fd = (int)a[2];
	bool has_event = op != EPOLL_CTL_DEL;
	struct epoll_event ev = {0};
	if (has_event && copy_from_user(k, &ev, a[3], sizeof(ev)))
		return -EFAULT;
	struct file *f = fd_arg(k, a[0]), *tf = fd_arg(k, a[2]);
	if (!f || !tf)
		return -EBADF;
	if (!file_can_poll(tf))
		return -EPERM;
	if (has_event && (ev.events & EPOLLWAKEUP) && !capable(k, CAP_BLOCK_SUSPEND))
		ev.events &= ~EPOLLWAKEUP;
	if (f == tf || !file_is_epoll(f))
		return -EINVAL;
	if (has_event && (ev.events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD &&
		    (file_is_epoll(tf) || (ev.events & ~EPOLLEXCLUSIVE_OK_BITS)))
			return -EINVAL;
	}
	struct eventpoll *ep = f->private;
	if (op == EPOLL_CTL_ADD && file_is_epoll(tf)) {
		int err = ep_loop_check(ep, tf);
		if (err)
			return err;
	}
	struct epitem *epi = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (epi)
			return -EEXIST;
		ev.events |= EPOLLERR | EPOLLHUP;
		return ep_insert(ep, &ev, tf, fd);
	case EPOLL_CTL_DEL:
		if (!epi)
			return -ENOENT;
		ep_remove(ep, epi);
		return 0;
	case EPOLL_CTL_MOD:
		if (!epi)
			return -ENOENT;
		if (epi->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		ev.events |= EPOLLERR | EPOLLHUP;
		return ep_modify(ep, epi, &ev);
	default:
		return -EINVAL;
	}
}
