/* userfaultfd.c - userfaultfd(2), USERFAULTFD_IOC_NEW of /dev/userfaultfd,
 * and the file they make, as Linux's fs/userfaultfd.c: the UFFDIO_API
 * handshake, read(2) of the messages of the faults that sleep (struct
 * uffd_msg), poll, the range ioctls (REGISTER, UNREGISTER, COPY,
 * ZEROPAGE, WAKE), /proc/PID/fdinfo. The faults themselves, the VMAs and
 * the filling are mm/'s (mm/userfaultfd.c, mm/mfill_atomic.c).
 *
 * Supported: anonymous private memory in UFFDIO_REGISTER_MODE_MISSING,
 * and the features UFFD_FEATURE_SIGBUS and THREAD_ID.
 * UFFDIO_API reports exactly those, so a program asking for another
 * (write-protection, shmem, hugetlbfs, the non-cooperative events) gets
 * EINVAL, as from a kernel built without it; REGISTER_MODE_WP and MINOR
 * are EINVAL, UFFDIO_WRITEPROTECT and CONTINUE too (unknown ioctls). */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* Not UFFD_FEATURE_EXACT_ADDRESS: Unicorn's TLB fill gives the page, not
 * the address the instruction touched. */
#define UFFD_FEATURES (UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID)
#define UFFD_IOCTLS (1ULL << _UFFDIO_REGISTER | 1ULL << _UFFDIO_UNREGISTER | 1ULL << _UFFDIO_API)
#define UFFD_RANGE_IOCTLS (1ULL << _UFFDIO_WAKE | 1ULL << _UFFDIO_COPY | 1ULL << _UFFDIO_ZEROPAGE)
/* ctx->features as fdinfo shows them: with Linux's UFFD_FEATURE_INITIALIZED. */
#define UFFD_FEATURE_INITIALIZED (1u << 31)

struct uffd_file {
	struct kernel *k; /* for release and poll, which get none */
	struct userfaultfd_ctx *ctx;
};

static struct userfaultfd_ctx *ctx_of(struct file *f)
{
	return ((struct uffd_file *)f->private)->ctx;
}

/* One message per 32 bytes; only the first may wait. A message taken is
 * gone even when the copy out fails, as on Linux. */
static int64_t userfaultfd_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct userfaultfd_ctx *ctx = ctx_of(f);
	uint8_t msg[sizeof(struct uffd_msg)];
	int64_t done = 0;
	if (!ctx->initialized)
		return -EINVAL;
	for (;;) {
		if (u->left < sizeof(msg))
			return done ? done : -EINVAL;
		if (!userfaultfd_take_msg(k, ctx, msg)) {
			if (done)
				return done;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			process_block(k, &ctx->fd_wqh);
			return -ERESTARTSYS;
		}
		if (uio_copy(k, u, msg, sizeof(msg), true) != sizeof(msg))
			return done ? done : -EFAULT;
		done += sizeof(msg);
	}
}

/* IN while a message is unread. Linux answers ERR for a blocking
 * userfaultfd, and before UFFDIO_API. */
static unsigned userfaultfd_poll(struct file *f)
{
	struct uffd_file *uf = f->private;
	unsigned pending;
	if (!uf->ctx->initialized || !(f->flags & O_NONBLOCK))
		return POLLERR;
	userfaultfd_count(uf->k, uf->ctx, &pending);
	return pending ? POLLIN : 0;
}

static int userfaultfd_chans(struct file *f, const void *chans[])
{
	chans[0] = &ctx_of(f)->fd_wqh;
	return 1;
}

static void userfaultfd_release(struct file *f)
{
	struct uffd_file *uf = f->private;
	userfaultfd_ctx_release(uf->k, uf->ctx);
	free(uf);
}

static void userfaultfd_show_fdinfo(struct file *f, struct seq *s)
{
	struct uffd_file *uf = f->private;
	unsigned pending, total = userfaultfd_count(uf->k, uf->ctx, &pending);
	unsigned features = uf->ctx->features | (uf->ctx->initialized ? UFFD_FEATURE_INITIALIZED : 0);
	seq_printf(s, "pending:\t%u\ntotal:\t%u\nAPI:\t%llx:%x:%llx\n", pending, total,
		   (unsigned long long)UFFD_API, features,
		   (unsigned long long)(UFFD_IOCTLS | UFFD_RANGE_IOCTLS));
}

/* UFFDIO_API: once, with api 0xAA and known features; a refusal writes
 * the structure back zeroed. */
static int userfaultfd_api(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t arg)
{
	struct uffdio_api api;
	if (copy_from_user(k, &api, arg, sizeof(api)))
		return -EFAULT;
	uint64_t want = api.features;
	int err = api.api != UFFD_API || (want & ~(uint64_t)UFFD_FEATURES) ? -EINVAL : 0;
	if (!err) {
		api.features = UFFD_FEATURES;
		api.ioctls = UFFD_IOCTLS;
		if (copy_to_user(k, arg, &api, sizeof(api)))
			return -EFAULT;
		if (!ctx->initialized) {
			ctx->features = (uint32_t)want;
			ctx->initialized = true;
			return 0;
		}
		err = -EINVAL;
	}
	memset(&api, 0, sizeof(api));
	return copy_to_user(k, arg, &api, sizeof(api)) ? -EFAULT : err;
}

static int userfaultfd_register_ioctl(struct kernel *k, struct userfaultfd_ctx *ctx, uint64_t arg)
{
	struct uffdio_register reg;
	if (copy_from_user(k, &reg, arg, offsetof(struct uffdio_register, ioctls)))
		return -EFAULT;
	/* Only MISSING: WP and MINOR are EINVAL, as where the kernel lacks them. */
	if (reg.mode != UFFDIO_REGISTER_MODE_MISSING)
		return -EINVAL;
	uint64_t ioctls;
	int err = userfaultfd_register(k, ctx, reg.range.start, reg.range.len, VM_UFFD_MISSING,
				       &ioctls);
	if (!err && copy_to_user(k, arg + offsetof(struct uffdio_register, ioctls), &ioctls,
				 sizeof(ioctls)))
		err = -EFAULT;
	return err;
}

static int userfaultfd_range_ioctl(struct kernel *k, struct userfaultfd_ctx *ctx, unsigned cmd,
				   uint64_t arg)
{
	struct uffdio_range r;
	if (copy_from_user(k, &r, arg, sizeof(r)))
		return -EFAULT;
	if (cmd == UFFDIO_UNREGISTER)
		return userfaultfd_unregister(k, ctx, r.start, r.len);
	int err = userfaultfd_validate_range(ctx, r.start, r.len);
	if (!err)
		userfaultfd_wake_range(k, ctx, r.start, r.len);
	return err;
}

/* COPY and ZEROPAGE: the bytes filled (or -errno) go back to the last
 * field; the faults there are woken unless DONTWAKE; a range filled in
 * part is EAGAIN. */
static int userfaultfd_fill(struct kernel *k, struct userfaultfd_ctx *ctx, unsigned cmd,
			    uint64_t arg)
{
	bool copy = cmd == UFFDIO_COPY;
	struct uffdio_copy c = {0};
	struct uffdio_zeropage z;
	uint64_t dst, len, mode, dontwake;
	size_t out;
	if (copy) {
		if (copy_from_user(k, &c, arg, offsetof(struct uffdio_copy, copy)))
			return -EFAULT;
		dst = c.dst, len = c.len, mode = c.mode, dontwake = UFFDIO_COPY_MODE_DONTWAKE;
		out = offsetof(struct uffdio_copy, copy);
	} else {
		if (copy_from_user(k, &z, arg, offsetof(struct uffdio_zeropage, zeropage)))
			return -EFAULT;
		dst = z.range.start, len = z.range.len, mode = z.mode;
		dontwake = UFFDIO_ZEROPAGE_MODE_DONTWAKE;
		out = offsetof(struct uffdio_zeropage, zeropage);
	}
	int err = userfaultfd_validate_range(ctx, dst, len);
	if (err)
		return err;
	if (copy && c.src + len <= c.src)
		return -EINVAL;
	if (mode & ~(dontwake | (copy ? UFFDIO_COPY_MODE_WP : 0)))
		return -EINVAL;
	int64_t done = copy ? mfill_atomic_copy(k, ctx, dst, c.src, len, mode & UFFDIO_COPY_MODE_WP)
			    : mfill_atomic_zeropage(k, ctx, dst, len);
	if (copy_to_user(k, arg + out, &done, sizeof(done)))
		return -EFAULT;
	if (done < 0)
		return (int)done;
	if (!(mode & dontwake))
		userfaultfd_wake_range(k, ctx, dst, (uint64_t)done);
	return (uint64_t)done == len ? 0 : -EAGAIN;
}

static int64_t userfaultfd_ioctl(struct kernel *k, struct file *f, unsigned cmd, uint64_t arg)
{
	struct userfaultfd_ctx *ctx = ctx_of(f);
	if (cmd == UFFDIO_API)
		return userfaultfd_api(k, ctx, arg);
	if (!ctx->initialized)
		return -EINVAL;
	switch (cmd) {
	case UFFDIO_REGISTER:
		return userfaultfd_register_ioctl(k, ctx, arg);
	case UFFDIO_UNREGISTER:
	case UFFDIO_WAKE:
		return userfaultfd_range_ioctl(k, ctx, cmd, arg);
	case UFFDIO_COPY:
	case UFFDIO_ZEROPAGE:
		return userfaultfd_fill(k, ctx, cmd, arg);
	default:
		return -EINVAL;
	}
}

static const struct file_ops userfaultfd_ops = {
	.read = userfaultfd_read,
	.poll = userfaultfd_poll,
	.stat = anon_inode_stat,
	.release = userfaultfd_release,
	.poll_chans = userfaultfd_chans,
	.anon_name = "[userfaultfd]",
	.show_fdinfo = userfaultfd_show_fdinfo,
	.ioctl = userfaultfd_ioctl,
};

/* new_userfaultfd: read-only, with O_NONBLOCK from flags. */
static int64_t new_userfaultfd(struct kernel *k, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY))
		return -EINVAL;
	struct uffd_file *uf = malloc(sizeof(*uf));
	struct userfaultfd_ctx *ctx = uf ? userfaultfd_ctx_create(k, flags) : NULL;
	struct file *f = ctx ? file_alloc(&userfaultfd_ops, FILE_ANON, O_RDONLY | (flags & O_NONBLOCK), uf)
			     : NULL;
	if (!f) {
		if (ctx)
			userfaultfd_ctx_release(k, ctx);
		free(uf);
		return -ENOMEM;
	}
	*uf = (struct uffd_file){.k = k, .ctx = ctx};
	f->f_mode = FMODE_READ;
	return fd_install_new(k, f, flags & O_CLOEXEC);
}

/* Faults of the kernel's own accesses need CAP_SYS_PTRACE, or the sysctl
 * vm.unprivileged_userfaultfd, which is 0 here (Debian's default). */
int64_t sys_userfaultfd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags = (int)a[0];
	if (!(flags & UFFD_USER_MODE_ONLY) && !capable(k, CAP_SYS_PTRACE))
		return -EPERM;
	return new_userfaultfd(k, flags);
}

bool file_is_dev_userfaultfd(struct file *f)
{
	struct stat st;
	return f->kind == FILE_OTHER && file_stat(f, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(10, 257);
}

/* /dev/userfaultfd's USERFAULTFD_IOC_NEW: a userfaultfd without the
 * syscall's permission check (the device's mode is that check). */
int64_t userfaultfd_dev_ioctl(struct kernel *k, unsigned cmd, uint64_t flags)
{
	if (cmd != (unsigned)USERFAULTFD_IOC_NEW)
		return -EINVAL;
	return new_userfaultfd(k, (int)flags);
}
