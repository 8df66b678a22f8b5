/* procfs.c - the guest's /proc: read-only in-kernel files whose text is
 * generated from the kernel's state, as Linux's seq_file files are.
 *
 * /proc is the kernel's own, with or without --root: a guest never sees
 * the host's processes. It holds /proc/meminfo and, for "self",
 * "thread-self" (one thread per process) and every PID not yet reaped,
 * status, stat, statm, maps and the exe link (to the program's host file
 * for open and stat, to its guest path for readlink). Any other name
 * under /proc does not exist (ENOENT); the directories themselves are
 * not modelled (no stat, no listing).
 *
 * The text is made when a read starts at offset 0, so a reader that
 * seeks back to 0 and reads again (top, procps) sees fresh numbers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kern.h"
#include "procfs.h"

#define PROC_MINOR 0x15          /* st_dev 0:21, an anonymous device as Linux's proc */
#define PROC_INO_FIRST 0xf0000000ULL /* Linux's PROC_DYNAMIC_FIRST */
#define PROC_BLKSIZE 1024
#define PATH_DEPTH_MAX 16

/* ---- the text buffer ---- */

void seq_printf(struct seq *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = s->cap - s->len;
		va_start(ap, fmt);
		int n = vsnprintf(s->buf ? s->buf + s->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0 || s->failed)
			return;
		if ((size_t)n < room) {
			s->len += (size_t)n;
			return;
		}
		size_t cap = s->cap ? 2 * s->cap : 4096;
		while (cap - s->len <= (size_t)n)
			cap *= 2;
		char *buf = realloc(s->buf, cap);
		if (!buf) {
			s->failed = true;
			return;
		}
		s->buf = buf;
		s->cap = cap;
	}
}

void seq_pad(struct seq *s, size_t col)
{
	size_t line = s->len;
	while (line > 0 && s->buf[line - 1] != '\n')
		line--;
	size_t used = s->len - line;
	seq_printf(s, "%*s", (int)(col > used ? col - used + 1 : 1), "");
}

void seq_free(struct seq *s)
{
	free(s->buf);
	*s = (struct seq){0};
}

/* ---- names ---- */

struct proc_entry {
	const char *name;
	proc_show_fn *show; /* NULL: the exe link */
};

static const struct proc_entry global_entries[] = {
	{"meminfo", proc_meminfo_show},
};

static const struct proc_entry pid_entries[] = {
	{"status", proc_status_show}, {"stat", proc_stat_show}, {"statm", proc_statm_show},
	{"maps", proc_maps_show},     {"exe", NULL},
};

#define NGLOBAL (sizeof(global_entries) / sizeof(global_entries[0]))
#define NPID (sizeof(pid_entries) / sizeof(pid_entries[0]))

/* What a /proc path names. */
struct proc_ref {
	const struct proc_entry *e;
	int pid;      /* 0 for a system-wide file */
	uint64_t ino;
};

struct component {
	const char *s;
	size_t len;
};

/* The components of an absolute path with ".", ".." and repeated
 * slashes resolved by name, as RESOLVE_IN_ROOT does ("/.." is "/").
 * Returns how many, or -1 for a relative or too deep path. */
static int split_path(const char *path, struct component c[PATH_DEPTH_MAX])
{
	if (path[0] != '/')
		return -1;
	int n = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.')
			n -= n > 0;
		else if (!(len == 1 && p[0] == '.')) {
			if (n == PATH_DEPTH_MAX)
				return -1;
			c[n++] = (struct component){p, len};
		}
		p += len;
	}
	return n;
}

static bool is(const struct component *c, const char *name)
{
	return c->len == strlen(name) && !memcmp(c->s, name, c->len);
}

bool procfs_match(const char *path)
{
	struct component c[PATH_DEPTH_MAX];
	int n = split_path(path, c);
	return n > 0 && is(&c[0], "proc");
}

/* The pid "self", "thread-self" or a number names, if it exists; else 0. */
static int lookup_pid(struct kernel *k, const struct component *c)
{
	if (is(c, "self") || is(c, "thread-self"))
		return k->current->pid;
	int pid = 0;
	for (size_t i = 0; i < c->len; i++) {
		if (c->s[i] < '0' || c->s[i] > '9' || pid > 99999999)
			return 0;
		pid = pid * 10 + (c->s[i] - '0');
	}
	return process_find(k, pid) ? pid : 0;
}

static const struct proc_entry *find_entry(const struct proc_entry *t, size_t n,
					   const struct component *c)
{
	for (size_t i = 0; i < n; i++)
		if (is(c, t[i].name))
			return &t[i];
	return NULL;
}

/* 0, -ENOENT, or -ENOTDIR (a file named with a trailing slash). */
static int proc_lookup(struct kernel *k, const char *path, struct proc_ref *ref)
{
	struct component c[PATH_DEPTH_MAX];
	int n = split_path(path, c);
	*ref = (struct proc_ref){0};
	if (n == 2) {
		ref->e = find_entry(global_entries, NGLOBAL, &c[1]);
		if (ref->e)
			ref->ino = PROC_INO_FIRST + (uint64_t)(ref->e - global_entries);
	} else if (n == 3 && (ref->pid = lookup_pid(k, &c[1]))) {
		ref->e = find_entry(pid_entries, NPID, &c[2]);
		if (ref->e)
			ref->ino = ((uint64_t)ref->pid << 8) + (uint64_t)(ref->e - pid_entries) + 1;
	}
	if (!ref->e)
		return -ENOENT;
	return path[strlen(path) - 1] == '/' ? -ENOTDIR : 0;
}

/* ---- the files ---- */

struct proc_file {
	struct proc_ref ref;
	struct seq text;
	uint64_t pos;
};

static int64_t proc_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos; /* pread never comes here: in-kernel files have no positions */
	struct proc_file *pf = f->private;
	if (pf->pos == 0) {
		struct process *p = pf->ref.pid ? process_find(k, pf->ref.pid) : NULL;
		if (pf->ref.pid && !p)
			return -ESRCH; /* reaped since the open */
		seq_free(&pf->text);
		pf->ref.e->show(k, p, &pf->text);
		if (pf->text.failed)
			return -ENOMEM;
	}
	if (pf->pos >= pf->text.len || u->left == 0)
		return 0;
	size_t n = uio_copy(k, u, pf->text.buf + pf->pos, pf->text.len - pf->pos, true);
	pf->pos += n;
	return n ? (int64_t)n : -EFAULT;
}

/* seq_lseek(): SEEK_SET and SEEK_CUR, never below 0. */
static int64_t proc_llseek(struct file *f, int64_t off, int whence)
{
	struct proc_file *pf = f->private;
	if (whence == SEEK_CUR)
		off += (int64_t)pf->pos;
	else if (whence != SEEK_SET)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	pf->pos = (uint64_t)off;
	return off;
}

/* Linux's DEFAULT_POLLMASK: a file without a poll op is always ready. */
static unsigned proc_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

/* A regular file of size 0 owned by the user, mode 0444, as Linux shows
 * every file of /proc this kernel has. */
static void proc_stat_ref(const struct proc_ref *ref, struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	*st = (struct stat){
		.st_dev = makedev(0, PROC_MINOR),
		.st_ino = ref->ino,
		.st_mode = S_IFREG | 0444,
		.st_nlink = 1,
		.st_uid = geteuid(),
		.st_gid = getegid(),
		.st_blksize = PROC_BLKSIZE,
		.st_atim = now,
		.st_mtim = now,
		.st_ctim = now,
	};
}

static int proc_fstat(struct file *f, struct stat *st)
{
	proc_stat_ref(&((struct proc_file *)f->private)->ref, st);
	return 0;
}

static void proc_release(struct file *f)
{
	struct proc_file *pf = f->private;
	seq_free(&pf->text);
	free(pf);
}

static const struct file_ops proc_file_ops = {
	.read = proc_read,
	.poll = proc_poll,
	.stat = proc_fstat,
	.llseek = proc_llseek,
	.release = proc_release,
};

/* The exe link's target on the host. */
static const char *host_exe(struct kernel *k, const struct proc_ref *ref)
{
	return process_find(k, ref->pid)->host_exe;
}

int procfs_open(struct kernel *k, const char *path, int flags, struct file **out)
{
	struct proc_ref ref;
	int err = proc_lookup(k, path, &ref);
	if (err)
		return err;
	if (!ref.e->show) {
		if ((flags & O_NOFOLLOW) && !(flags & O_PATH))
			return -ELOOP;
		int fd = open(host_exe(k, &ref), (flags & (O_ACCMODE | O_PATH)) | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		*out = file_create(fd);
		return *out ? 0 : -ENOMEM;
	}
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((flags & O_ACCMODE) != O_RDONLY && !(flags & O_PATH))
		return -EACCES;
	struct proc_file *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->ref = ref;
	*out = file_alloc(&proc_file_ops, FILE_PROC, flags & (O_ACCMODE | O_NONBLOCK), pf);
	if (!*out) {
		free(pf);
		return -ENOMEM;
	}
	return 0;
}

int procfs_stat(struct kernel *k, const char *path, bool follow, struct stat *st)
{
	struct proc_ref ref;
	int err = proc_lookup(k, path, &ref);
	if (err)
		return err;
	if (ref.e->show) {
		proc_stat_ref(&ref, st);
		return 0;
	}
	if (follow)
		return stat(host_exe(k, &ref), st) < 0 ? -errno : 0;
	proc_stat_ref(&ref, st);
	st->st_mode = S_IFLNK | 0777;
	return 0;
}

int64_t procfs_readlink(struct kernel *k, const char *path, char *buf, size_t size)
{
	struct proc_ref ref;
	int err = proc_lookup(k, path, &ref);
	if (err)
		return err;
	if (ref.e->show)
		return -EINVAL; /* not a link */
	const char *exe = process_find(k, ref.pid)->exe;
	size_t n = strlen(exe) < size ? strlen(exe) : size;
	memcpy(buf, exe, n);
	return (int64_t)n;
}
