/* signalfd.c - signalfd(2) and signalfd4(2): a file that reads the
 * signals of its mask that are pending for the reading thread, from its
 * own set and then its process's, each as a struct signalfd_siginfo, as
 * Linux's fs/signalfd.c. A read takes as many as fit (EINVAL below one),
 * waiting for the first unless SFD_NONBLOCK; poll says IN while one is
 * pending. The signals are taken as delivery would take them (Linux's
 * dequeue_signal), so they are usually blocked, or they would be
 * delivered first. SIGKILL and SIGSTOP never join a mask. Every queued
 * signal wakes the signalfd readers and polls (signalfd_notify). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

struct signalfd_ctx {
	struct kernel *k; /* for the current thread, whose signals poll looks at */
	uint64_t mask;    /* the signals it reads, bit sig-1 */
};

/* Readers and polls of every signalfd wait here (Linux's per-sighand
 * signalfd_wqh); signalfds that exist, so that no signal wakes anyone
 * when there are none. */
static const char signalfd_wait;
static int signalfd_count;

void signalfd_notify(struct kernel *k)
{
	if (signalfd_count)
		file_wake(k, &signalfd_wait, POLLIN);
}

/* What the siginfo's layout gives a reader (Linux's signalfd_copyinfo
 * over siginfo_layout): the sender for signals sent by a process, the
 * status for a child's SIGCHLD, the address for a fault. */
static void copyinfo(const struct ksiginfo *info, struct signalfd_siginfo *ssi)
{
	memset(ssi, 0, sizeof(*ssi));
	ssi->ssi_signo = (uint32_t)info->signo;
	ssi->ssi_errno = info->errnum;
	ssi->ssi_code = info->code;
	bool kernel_code = info->code > SI_USER && info->code < SI_KERNEL;
	int sig = info->signo;
	if (kernel_code && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
			    sig == SIGTRAP)) {
		ssi->ssi_addr = info->addr;
		return;
	}
	if (info->code == SI_TIMER) {
		ssi->ssi_tid = (uint32_t)info->timerid;
		ssi->ssi_overrun = (uint32_t)info->overrun;
		ssi->ssi_ptr = info->value;
		ssi->ssi_int = (int32_t)info->value;
		return;
	}
	ssi->ssi_pid = (uint32_t)info->pid;
	ssi->ssi_uid = (uint32_t)info->uid;
	if (kernel_code && sig == SIGCHLD)
		ssi->ssi_status = info->status;
	if (info->code < 0) { /* sigqueue and the like carry a value */
		ssi->ssi_ptr = info->value;
		ssi->ssi_int = (int32_t)info->value;
	}
}

static int64_t signalfd_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct signalfd_ctx *ctx = f->private;
	uint64_t count = u->left / sizeof(struct signalfd_siginfo);
	if (!count)
		return -EINVAL;
	int64_t done = 0;
	struct ksiginfo info;
	while (count-- && signal_dequeue(k->current, ctx->mask, &info)) {
		struct signalfd_siginfo ssi;
		copyinfo(&info, &ssi);
		if (uio_copy(k, u, &ssi, sizeof(ssi), true) != sizeof(ssi))
			return done ? done : -EFAULT;
		done += sizeof(ssi);
	}
	if (done)
		return done;
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	process_block(k, &signalfd_wait);
	return -ERESTARTSYS;
}

/* IN while a signal of the mask is pending for the thread that asks. */
static unsigned signalfd_poll(struct file *f)
{
	const struct signalfd_ctx *ctx = f->private;
	const struct process *p = ctx->k->current;
	uint64_t pending = p->sig.pending.signal | p->signal->shared_pending.signal;
	return pending & ctx->mask ? POLLIN | POLLRDNORM : 0;
}

static int signalfd_chans(struct file *f, const void *chans[])
{
	(void)f;
	chans[0] = &signalfd_wait;
	return 1;
}

static void signalfd_release(struct file *f)
{
	signalfd_count--;
	free(f->private);
}

/* sigmask: the signals it reads, in the kernel's sigset layout. */
static void signalfd_show_fdinfo(struct file *f, struct seq *s)
{
	seq_printf(s, "sigmask:\t%016llx\n",
		   (unsigned long long)((struct signalfd_ctx *)f->private)->mask);
}

static const struct file_ops signalfd_ops = {
	.read = signalfd_read,
	.write = file_rw_einval,
	.poll = signalfd_poll,
	.stat = anon_inode_stat,
	.release = signalfd_release,
	.poll_chans = signalfd_chans,
	.anon_name = "[signalfd]",
	.show_fdinfo = signalfd_show_fdinfo,
};

/* do_signalfd4: ufd -1 makes a signalfd, another fd names one whose mask
 * changes (its flags are then not used). */
static int64_t do_signalfd4(struct kernel *k, int ufd, uint64_t mask, int flags)
{
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	mask = signal_blockable(mask);
	if (ufd != -1) {
		struct file *f = fd_arg(k, (uint64_t)(uint32_t)ufd);
		if (!f)
			return -EBADF;
		if (f->ops != &signalfd_ops)
			return -EINVAL;
		((struct signalfd_ctx *)f->private)->mask = mask;
		file_wake(k, &signalfd_wait, 0);
		return ufd;
	}
	struct signalfd_ctx *ctx = malloc(sizeof(*ctx));
	struct file *f = ctx ? file_alloc(&signalfd_ops, FILE_ANON, O_RDWR | (flags & O_NONBLOCK), ctx)
			     : NULL;
	if (!f) {
		free(ctx);
		return -ENOMEM;
	}
	*ctx = (struct signalfd_ctx){.k = k, .mask = mask};
	signalfd_count++;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	return fd_install_new(k, f, flags & SFD_CLOEXEC);
}

/* signalfd4(ufd, mask, sizemask, flags): the size first, then the copy. */
int64_t sys_signalfd4(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t mask;
	if (a[2] != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(k, &mask, a[1], sizeof(mask)))
		return -EFAULT;
	return do_signalfd4(k, (int)a[0], mask, (int)a[3]);
}

int64_t sys_signalfd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	const uint64_t b[6] = {a[0], a[1], a[2], 0};
	return sys_signalfd4(k, ctx, b);
}
