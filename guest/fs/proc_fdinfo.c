/* proc_fdinfo.c - /proc/PID/fdinfo/N, as Linux's seq_show (fs/proc/fd.c):
 * pos, flags (octal, with O_CLOEXEC when the fd has it), mnt_id and ino,
 * then the lines the kind of file adds (file_ops.show_fdinfo: eventfd,
 * epoll, timerfd, signalfd, pidfd).
 *
 * A host-backed file shows what the host's own fdinfo of its host fd
 * says (offset, mount, inode), with the guest's flags: not the O_CLOEXEC
 * and O_NOFOLLOW vmemu opens every host file with. An in-kernel file
 * shows its own offset, flags and inode (fstat's), on the host's mount
 * of the same kind of file (a host pipe's, eventfd's, socket's...), which
 * is where the native run finds it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

#define FDINFO_MAX 4096 /* the host's text for one fd: the four lines and a timer's */

/* The host's fdinfo of its fd host_fd into buf: false when unreadable. */
static bool host_fdinfo(int host_fd, char buf[FDINFO_MAX])
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", host_fd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, FDINFO_MAX - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0;
}

/* The number after "name:" in an fdinfo text, in base; 0 when missing. */
static long long host_field(const char *text, const char *name, int base)
{
	size_t len = strlen(name);
	for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, name, len) && line[len] == ':')
			return strtoll(line + len + 1, NULL, base);
	return 0;
}

/* The whole text, which may be longer than FDINFO_MAX (a line per
 * inotify watch): read to its end. */
void host_fdinfo_tail(int host_fd, struct seq *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", host_fd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < FDINFO_MAX) {
			char *grown = realloc(text, cap + 4 * FDINFO_MAX);
			if (!grown)
				break;
			text = grown;
			cap += 4 * FDINFO_MAX;
		}
		ssize_t n = read(fd, text + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!text)
		return;
	text[len] = 0;
	const char *rest = text;
	for (int i = 0; i < 4 && rest; i++) { /* pos, flags, mnt_id, ino */
		rest = strchr(rest, '\n');
		rest = rest ? rest + 1 : NULL;
	}
	if (rest)
		seq_printf(s, "%s", rest);
	free(text);
}

int64_t fdinfo_pos(struct file *f)
{
	int64_t pos = 0;
	if (f->host_fd >= 0)
		pos = lseek(f->host_fd, 0, SEEK_CUR);
	else if (f->ops->llseek)
		pos = f->ops->llseek(f, 0, SEEK_CUR);
	return pos > 0 ? pos : 0;
}

/* A host object of the kind's file system, whose mount id the kind
 * shows: an fd, or -1 (then mount id 0). */
static int kind_probe(enum file_kind kind)
{
	int fds[2];
	switch (kind) {
	case FILE_PIPE:
		if (pipe2(fds, O_CLOEXEC))
			return -1;
		close(fds[1]);
		return fds[0];
	case FILE_SOCKET:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
			return -1;
		close(fds[1]);
		return fds[0];
	case FILE_PIDFD: /* pidfs on the host's Linux, the anonymous inode on older ones */
		return (int)syscall(SYS_pidfd_open, getpid(), 0);
	case FILE_MEMFD:
		return memfd_create("fdinfo", MFD_CLOEXEC);
	case FILE_PROC:
		return open("/proc/self", O_PATH | O_CLOEXEC);
	case FILE_PTY:
		return open("/dev/pts", O_PATH | O_CLOEXEC);
	case FILE_ANON:
		return eventfd(0, EFD_CLOEXEC);
	default:
		return -1;
	}
}

/* The mount id an in-kernel file of kind shows (found once a kind). */
static int kind_mnt_id(enum file_kind kind)
{
	static int ids[FILE_PTY + 1];
	static bool known[FILE_PTY + 1];
	if ((size_t)kind >= sizeof(ids) / sizeof(ids[0]))
		return 0; /* a kind without a probe */
	if (!known[kind]) {
		char text[FDINFO_MAX];
		int fd = kind_probe(kind);
		ids[kind] = fd >= 0 && host_fdinfo(fd, text) ? (int)host_field(text, "mnt_id", 10) : 0;
		if (fd >= 0)
			close(fd);
		known[kind] = true;
	}
	return ids[kind];
}

static bool host_backed(const struct file *f)
{
	return f->host_fd >= 0 && (f->kind == FILE_REGULAR || f->kind == FILE_DIRECTORY ||
				   f->kind == FILE_TTY || f->kind == FILE_OTHER);
}

int proc_fdinfo_show(struct kernel *k, struct process *p, int fd, struct seq *s)
{
	(void)k;
	struct file *f = p->files ? fd_file(p->files, fd) : NULL;
	if (!f)
		return -ENOENT;
	long long pos, mnt_id, ino;
	int flags;
	if (host_backed(f)) {
		char text[FDINFO_MAX];
		if (!host_fdinfo(f->host_fd, text))
			return -ENOENT;
		pos = host_field(text, "pos", 10);
		flags = (int)host_field(text, "flags", 8) & ~(O_CLOEXEC | O_NOFOLLOW);
		mnt_id = host_field(text, "mnt_id", 10);
		ino = host_field(text, "ino", 10);
	} else {
		struct stat st = {0};
		if (f->ops->stat)
			f->ops->stat(f, &st);
		pos = fdinfo_pos(f);
		flags = f->flags;
		mnt_id = kind_mnt_id(f->kind);
		ino = (long long)st.st_ino;
	}
	if (fd_cloexec(p->files, fd))
		flags |= O_CLOEXEC;
	seq_printf(s, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%lld\nino:\t%llu\n", pos, (unsigned)flags,
		   mnt_id, (unsigned long long)ino);
	locks_show_fd(s, f, p->files);
	if (f->ops->show_fdinfo)
		f->ops->show_fdinfo(f, s);
	return 0;
}
