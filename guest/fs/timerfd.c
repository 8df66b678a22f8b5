/* timerfd.c - timerfd_create(2), timerfd_settime(2), timerfd_gettime(2).
 *
 * A guest timerfd is a host timerfd: the guest's clocks (CLOCK_REALTIME,
 * CLOCK_MONOTONIC, CLOCK_BOOTTIME) are the host's, so the host keeps the
 * timer, counts its expirations and checks the arguments as Linux does
 * (TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, interval timers). What the
 * guest must not do is wait in the host: a blocking read of a timer that
 * has not expired sleeps as a guest process until the host fd is
 * readable (task/hostwait.c), and poll and epoll watch it as they watch
 * any host fd, so other processes, signals and timers go on meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define NSEC_PER_SEC 1000000000L

/* read(2): the expirations since the last read, 8 bytes (EINVAL for a
 * shorter buffer, before any wait, as Linux's timerfd_read). */
static int64_t timerfd_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	uint64_t ticks;
	if (u->left < sizeof(ticks))
		return -EINVAL;
	int fl = fcntl(f->host_fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK) && !host_fd_ready(f->host_fd, POLLIN)) {
		struct pollfd pfd = {.fd = f->host_fd, .events = POLLIN};
		return process_block_host(k, &pfd, 1, NULL);
	}
	if (read(f->host_fd, &ticks, sizeof(ticks)) < 0)
		return -errno; /* EAGAIN, ECANCELED */
	if (uio_copy(k, u, &ticks, sizeof(ticks), true) != sizeof(ticks))
		return -EFAULT; /* the count is gone, as on Linux */
	return sizeof(ticks);
}

static int timerfd_stat(struct file *f, struct stat *st)
{
	return fstat(f->host_fd, st) < 0 ? -errno : 0;
}

static void timerfd_release(struct file *f)
{
	close(f->host_fd);
}

/* clockid, ticks, settime flags, it_value, it_interval: the host's
 * timer's own lines. */
static void timerfd_show_fdinfo(struct file *f, struct seq *s)
{
	host_fdinfo_tail(f->host_fd, s);
}

/* poll is NULL: poll and epoll ask the host about host_fd. */
static const struct file_ops timerfd_ops = {
	.read = timerfd_read,
	.write = file_rw_einval,
	.stat = timerfd_stat,
	.release = timerfd_release,
	.anon_name = "[timerfd]",
	.show_fdinfo = timerfd_show_fdinfo,
};

int64_t sys_timerfd_create(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int flags = (int)a[1];
	int host_fd = timerfd_create((int)a[0], flags | TFD_CLOEXEC);
	if (host_fd < 0)
		return -errno; /* EINVAL for the flags or clock, EPERM for an alarm clock */
	struct file *f = file_alloc(&timerfd_ops, FILE_ANON, O_RDWR | (flags & O_NONBLOCK), NULL);
	if (!f) {
		close(host_fd);
		return -ENOMEM;
	}
	f->host_fd = host_fd;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	f->private = (void *)(uintptr_t)a[0]; /* its clock, for TFD_TIMER_ABSTIME */
	return fd_install_new(k, f, flags & TFD_CLOEXEC);
}

/* The host timerfd behind guest fd: -EBADF, or -EINVAL for another file. */
static int timerfd_host(struct kernel *k, uint64_t fd)
{
	struct file *f = fd_arg(k, fd);
	if (!f)
		return -EBADF;
	return f->ops == &timerfd_ops ? f->host_fd : -EINVAL;
}

static bool timespec_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NSEC_PER_SEC;
}

/* timerfd_settime(fd, flags, new, old), in Linux's order of checks: the
 * new value's copy, its flags and times, the fd, the old value's copy. */
int64_t sys_timerfd_settime(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct itimerspec new, old;
	if (copy_from_user(k, &new, a[2], sizeof(new)))
		return -EFAULT;
	if ((a[1] & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    !timespec_valid(&new.it_value) || !timespec_valid(&new.it_interval))
		return -EINVAL;
	int host_fd = timerfd_host(k, a[0]);
	if (host_fd < 0)
		return host_fd;
	if ((a[1] & TFD_TIMER_ABSTIME) && (new.it_value.tv_sec || new.it_value.tv_nsec)) {
		/* A time on the caller's namespace's clock, on the host's. */
		clockid_t clock = (clockid_t)(uintptr_t)fd_arg(k, a[0])->private;
		uint64_t ns = (uint64_t)new.it_value.tv_sec * NSEC_PER_SEC + (uint64_t)new.it_value.tv_nsec;
		ns = timens_to_host(k->current, clock, ns);
		new.it_value = ns ? (struct timespec){(time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC)}
				  : (struct timespec){0, 1}; /* already past: at once, not disarmed */
	}
	if (timerfd_settime(host_fd, (int)a[1], &new, &old) < 0)
		return -errno;
	if (a[3] && copy_to_user(k, a[3], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

int64_t sys_timerfd_gettime(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int host_fd = timerfd_host(k, a[0]);
	if (host_fd < 0)
		return host_fd;
	struct itimerspec cur;
	if (timerfd_gettime(host_fd, &cur) < 0)
		return -errno;
	return copy_to_user(k, a[1], &cur, sizeof(cur)) ? -EFAULT : 0;
}
