/* eventfd.c - eventfd(2) and eventfd2(2): a 64-bit counter in the kernel
 * that read(2) takes (all of it, or 1 with EFD_SEMAPHORE) and write(2)
 * adds to, each moving exactly 8 bytes, as Linux's fs/eventfd.c. A read
 * of 0 and a write that would pass the ceiling 0xfffffffffffffffe wait
 * (or EAGAIN with EFD_NONBLOCK); poll says IN while the counter is not 0
 * and OUT while 1 more fits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define EVENTFD_MAX (UINT64_MAX - 1)

struct eventfd_ctx {
	uint64_t count;
	bool semaphore;
	int id;    /* fdinfo's eventfd-id: the smallest free, as Linux's ida */
	char wait; /* readers and writers wait here, as on Linux's one queue */
};

/* The ids in use, a bit each. */
static uint64_t *eventfd_ids;
static size_t eventfd_id_words;

static int eventfd_id_alloc(void)
{
	size_t w = 0;
	while (w < eventfd_id_words && eventfd_ids[w] == UINT64_MAX)
		w++;
	if (w == eventfd_id_words) {
		uint64_t *ids = realloc(eventfd_ids, (w + 1) * sizeof(*ids));
		if (!ids)
			return -1;
		ids[w] = 0;
		eventfd_ids = ids;
		eventfd_id_words = w + 1;
	}
	int bit = __builtin_ctzll(~eventfd_ids[w]);
	eventfd_ids[w] |= 1ULL << bit;
	return (int)(w * 64) + bit;
}

static int64_t eventfd_read_iter(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct eventfd_ctx *ctx = f->private;
	if (u->left < sizeof(uint64_t))
		return -EINVAL;
	if (ctx->count == 0) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		process_block(k, &ctx->wait);
		return -ERESTARTSYS;
	}
	uint64_t value = ctx->semaphore ? 1 : ctx->count;
	ctx->count -= value;
	file_wake(k, &ctx->wait, POLLOUT);
	/* Taken even when the copy fails, as on Linux. */
	if (uio_copy(k, u, &value, sizeof(value), true) != sizeof(value))
		return -EFAULT;
	return sizeof(value);
}

static int64_t eventfd_write_iter(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct eventfd_ctx *ctx = f->private;
	uint64_t value;
	if (u->left < sizeof(value))
		return -EINVAL;
	if (uio_copy(k, u, &value, sizeof(value), false) != sizeof(value))
		return -EFAULT;
	if (value == UINT64_MAX)
		return -EINVAL;
	if (EVENTFD_MAX - ctx->count < value) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		process_block(k, &ctx->wait);
		return -ERESTARTSYS;
	}
	ctx->count += value;
	file_wake(k, &ctx->wait, POLLIN);
	return sizeof(value);
}

static unsigned eventfd_poll(struct file *f)
{
	struct eventfd_ctx *ctx = f->private;
	unsigned ev = 0;
	if (ctx->count > 0)
		ev |= POLLIN | POLLRDNORM;
	if (ctx->count < EVENTFD_MAX)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static int eventfd_chans(struct file *f, const void *chans[])
{
	chans[0] = &((struct eventfd_ctx *)f->private)->wait;
	return 1;
}

static void eventfd_release(struct file *f)
{
	struct eventfd_ctx *ctx = f->private;
	eventfd_ids[ctx->id / 64] &= ~(1ULL << (ctx->id % 64));
	free(ctx);
}

/* As Linux 6.18's eventfd_show_fdinfo (6.1 had no eventfd-semaphore). */
static void eventfd_show_fdinfo(struct file *f, struct seq *s)
{
	struct eventfd_ctx *ctx = f->private;
	seq_printf(s, "eventfd-count: %16llx\neventfd-id: %d\neventfd-semaphore: %d\n",
		   (unsigned long long)ctx->count, ctx->id, ctx->semaphore);
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read_iter,
	.write = eventfd_write_iter,
	.poll = eventfd_poll,
	.stat = anon_inode_stat,
	.release = eventfd_release,
	.poll_chans = eventfd_chans,
	.anon_name = "[eventfd]",
	.show_fdinfo = eventfd_show_fdinfo,
};

int64_t sys_eventfd2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags = (int)a[1];
	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	struct eventfd_ctx *e = malloc(sizeof(*e));
	int id = e ? eventfd_id_alloc() : -1;
	struct file *f = id >= 0 ? file_alloc(&eventfd_ops, FILE_ANON, O_RDWR | (flags & O_NONBLOCK), e)
			   : NULL;
	if (!f) {
		if (id >= 0)
			eventfd_ids[id / 64] &= ~(1ULL << (id % 64));
		free(e);
		return -ENOMEM;
	}
	*e = (struct eventfd_ctx){.count = (uint32_t)a[0], .semaphore = flags & EFD_SEMAPHORE,
				  .id = id};
	f->f_mode = FMODE_READ | FMODE_WRITE;
	return fd_install_new(k, f, flags & EFD_CLOEXEC);
}

int64_t sys_eventfd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	const uint64_t b[6] = {a[0], 0};
	return sys_eventfd2(k, ctx, b);
}
