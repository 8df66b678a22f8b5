/* procfs.c - the guest's /proc: in-kernel files whose text is generated
 * from the kernel's state, as Linux's seq_file files are.
 *
 * /proc is the kernel's own, with or without --root: a guest never sees
 * the host's processes. It holds /proc/meminfo, the "self" link (to the
 * caller's PID, as Linux's) and a directory for every PID not yet reaped
 * with status, stat, statm, maps, cmdline and the exe link (to the
 * program's host file for open and stat, to its guest path for
 * readlink). "thread-self" (one thread per process) names the caller's
 * PID directory too, but is not listed. /proc/sys/vm holds the vm
 * sysctls the kernel has (mm/sysctl.c), one value per file, which root
 * may write. Any other name under /proc does not exist (ENOENT). /proc,
 * /proc/PID, /proc/sys and /proc/sys/vm are directories: they open
 * (O_DIRECTORY), stat as S_IFDIR 0555 and list through getdents64.
 *
 * The text is made when a read starts at offset 0, so a reader that
 * seeks back to 0 and reads again (top, procps) sees fresh numbers. */
#include <dirent.h>
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

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

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

/* What kind of object a /proc path names. */
enum proc_kind { PROC_ROOT, PROC_PID_DIR, PROC_SELF, PROC_FILE, PROC_EXE, PROC_SYS_DIR,
		 PROC_SYSCTL };

static const struct proc_entry global_entries[] = {
	{"meminfo", proc_meminfo_show},
};

static const struct proc_entry pid_entries[] = {
	{"status", proc_status_show}, {"stat", proc_stat_show}, {"statm", proc_statm_show},
	{"maps", proc_maps_show},     {"exe", NULL}, {"cmdline", proc_cmdline_show},
};

#define NGLOBAL (sizeof(global_entries) / sizeof(global_entries[0]))
#define NPID (sizeof(pid_entries) / sizeof(pid_entries[0]))

/* What a /proc path names. */
struct proc_ref {
	enum proc_kind kind;
	const struct proc_entry *e; /* PROC_FILE and PROC_EXE */
	int pid;      /* 0 for /proc itself and system-wide files */
	int sysctl;   /* PROC_SYSCTL: its index; PROC_SYS_DIR: 0 /proc/sys, 1 /proc/sys/vm */
	uint64_t ino;
};

#define PROC_ROOT_INO 1
#define PROC_SELF_INO (PROC_INO_FIRST + NGLOBAL)
/* /proc/sys, /proc/sys/vm, then the sysctls. */
#define PROC_SYS_INO(depth) (PROC_SELF_INO + 1 + (uint64_t)(depth))
#define SYSCTL_INO(i) (PROC_SYS_INO(2) + (uint64_t)(i))
/* A PID directory's inode; its files follow it. */
#define PID_INO(pid) ((uint64_t)(pid) << 8)

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

/* "self" followed: the caller's PID directory. */
static void follow_self(struct proc_ref *ref)
{
	*ref = (struct proc_ref){.kind = PROC_PID_DIR, .pid = ref->pid, .ino = PID_INO(ref->pid)};
}

/* 0, -ENOENT, or -ENOTDIR (a file named with a trailing slash). A
 * trailing "self" is the link itself; "self" inside a path is followed. */
static int proc_lookup(struct kernel *k, const char *path, struct proc_ref *ref)
{
	struct component c[PATH_DEPTH_MAX];
	int n = split_path(path, c);
	bool found = false;
	*ref = (struct proc_ref){0};
	if (n == 1) {
		*ref = (struct proc_ref){.kind = PROC_ROOT, .ino = PROC_ROOT_INO};
		return 0;
	}
	if (n == 2 && is(&c[1], "self")) {
		*ref = (struct proc_ref){.kind = PROC_SELF, .pid = k->current->pid,
					 .ino = PROC_SELF_INO};
		size_t len = strlen(path);
		if (len < 4 || strcmp(path + len - 4, "self"))
			follow_self(ref); /* "self/" and "self/." name the directory */
		return 0;
	}
	if (n >= 2 && is(&c[1], "sys")) {
		if (n == 2 || (n == 3 && is(&c[2], "vm"))) {
			*ref = (struct proc_ref){.kind = PROC_SYS_DIR, .sysctl = n - 2,
						 .ino = PROC_SYS_INO(n - 2)};
			return 0;
		}
		ref->sysctl = n == 4 && is(&c[2], "vm") ? vm_sysctl_find(c[3].s, c[3].len) : -1;
		if (ref->sysctl >= 0) {
			ref->kind = PROC_SYSCTL;
			ref->ino = SYSCTL_INO(ref->sysctl);
			found = true;
		}
	} else if (n == 2 && (ref->e = find_entry(global_entries, NGLOBAL, &c[1]))) {
		ref->kind = PROC_FILE;
		ref->ino = PROC_INO_FIRST + (uint64_t)(ref->e - global_entries);
		found = true;
	} else if (n >= 2 && n <= 3 && (ref->pid = lookup_pid(k, &c[1]))) {
		if (n == 2) {
			ref->kind = PROC_PID_DIR;
			ref->ino = PID_INO(ref->pid);
			return 0;
		}
		ref->e = find_entry(pid_entries, NPID, &c[2]);
		if (ref->e) {
			ref->kind = ref->e->show ? PROC_FILE : PROC_EXE;
			ref->ino = PID_INO(ref->pid) + (uint64_t)(ref->e - pid_entries) + 1;
			found = true;
		}
	}
	if (!found)
		return -ENOENT;
	return path[strlen(path) - 1] == '/' ? -ENOTDIR : 0;
}

static bool is_dir(const struct proc_ref *ref)
{
	return ref->kind == PROC_ROOT || ref->kind == PROC_PID_DIR || ref->kind == PROC_SYS_DIR;
}

/* ---- the files ---- */

struct proc_file {
	struct proc_ref ref;
	struct kernel *k; /* for fstat, which gets no kernel */
	struct seq text;
	uint64_t pos;     /* a directory's: where getdents64 goes on (its d_off) */
};

static int64_t proc_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos; /* pread never comes here: in-kernel files have no positions */
	struct proc_file *pf = f->private;
	if (is_dir(&pf->ref))
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (pf->pos == 0) {
		struct process *p = pf->ref.pid ? process_find(k, pf->ref.pid) : NULL;
		if (pf->ref.pid && !p)
			return -ESRCH; /* reaped since the open */
		seq_free(&pf->text);
		if (pf->ref.kind == PROC_SYSCTL) {
			char value[32];
			vm_sysctl_read(k, pf->ref.sysctl, value, sizeof(value));
			seq_printf(&pf->text, "%s", value);
		} else {
			pf->ref.e->show(k, p, &pf->text);
		}
		if (pf->text.failed)
			return -ENOMEM;
	}
	if (pf->pos >= pf->text.len || u->left == 0)
		return 0;
	size_t n = uio_copy(k, u, pf->text.buf + pf->pos, pf->text.len - pf->pos, true);
	pf->pos += n;
	return n ? (int64_t)n : -EFAULT;
}

/* A sysctl takes the bytes of one write (only sysctls open for writing). */
static int64_t proc_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	(void)pos;
	struct proc_file *pf = f->private;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	char buf[64];
	size_t n = u->left < sizeof(buf) ? (size_t)u->left : sizeof(buf);
	if (uio_copy(k, u, buf, n, false) < n)
		return -EFAULT;
	int err = u->left ? -EINVAL : vm_sysctl_write(k, pf->ref.sysctl, buf, n);
	return err ? err : (int64_t)n;
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

/* As Linux shows what this kernel has: regular files of size 0, mode
 * 0444 (sysctls 0644), and directories of mode 0555, owned by the user
 * (/proc itself, the self link and /proc/sys by root); nlink 2 plus the
 * subdirectories. */
static void proc_stat_ref(struct kernel *k, const struct proc_ref *ref, struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	bool by_root = ref->kind == PROC_ROOT || ref->kind == PROC_SELF ||
		       ref->kind == PROC_SYS_DIR || ref->kind == PROC_SYSCTL;
	*st = (struct stat){
		.st_dev = makedev(0, PROC_MINOR),
		.st_ino = ref->ino,
		.st_mode = S_IFREG | 0444,
		.st_nlink = 1,
		.st_uid = by_root ? 0 : geteuid(),
		.st_gid = by_root ? 0 : getegid(),
		.st_blksize = PROC_BLKSIZE,
		.st_atim = now,
		.st_mtim = now,
		.st_ctim = now,
	};
	if (ref->kind == PROC_ROOT) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 3 + (nlink_t)k->nprocs;
	} else if (ref->kind == PROC_SYS_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = ref->sysctl == 0 ? 3 : 2;
	} else if (ref->kind == PROC_SYSCTL) {
		st->st_mode = S_IFREG | 0644;
	} else if (ref->kind == PROC_PID_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else if (ref->kind == PROC_SELF || ref->kind == PROC_EXE) {
		st->st_mode = S_IFLNK | 0777;
	}
}

static int proc_fstat(struct file *f, struct stat *st)
{
	struct proc_file *pf = f->private;
	proc_stat_ref(pf->k, &pf->ref, st);
	return 0;
}

static void proc_release(struct file *f)
{
	struct proc_file *pf = f->private;
	seq_free(&pf->text);
	free(pf);
}

/* ---- directories ----
 * A directory's offsets, as Linux's proc_readdir: 0 ".", 1 "..", then
 * its fixed entries; in /proc (meminfo, sys, self), the PIDs come last,
 * each at PID_POS + pid, so a listing goes on correctly when processes
 * come and go. */

#define SYS_POS (2 + NGLOBAL)
#define PID_POS (SYS_POS + 2)

struct dir_entry {
	char name[24];
	uint64_t ino;
	unsigned char type;
	uint64_t next; /* the offset after it */
};

/* The smallest pid >= from not yet reaped, or 0. */
static int pid_from(struct kernel *k, uint64_t from)
{
	int best = 0;
	for (struct process *p = k->procs; p; p = p->next)
		if ((uint64_t)p->pid >= from && (!best || p->pid < best))
			best = p->pid;
	return best;
}

/* The entry at offset pos or the first after it; false at the end. */
static bool dir_entry_at(struct kernel *k, const struct proc_ref *dir, uint64_t pos,
			 struct dir_entry *d)
{
	*d = (struct dir_entry){.type = DT_DIR, .next = pos + 1};
	if (pos < 2) {
		snprintf(d->name, sizeof(d->name), "%s", pos ? ".." : ".");
		d->ino = !pos ? dir->ino
			 : dir->kind == PROC_SYS_DIR && dir->sysctl ? PROC_SYS_INO(0)
								       : PROC_ROOT_INO;
		return true;
	}
	if (dir->kind == PROC_SYS_DIR) {
		/* /proc/sys holds vm, /proc/sys/vm the sysctls. */
		int i = (int)(pos - 2), n = dir->sysctl ? vm_sysctl_count() : 1;
		if (pos - 2 >= (uint64_t)n)
			return false;
		snprintf(d->name, sizeof(d->name), "%s", dir->sysctl ? vm_sysctl_name(i) : "vm");
		d->ino = dir->sysctl ? SYSCTL_INO(i) : PROC_SYS_INO(1);
		d->type = dir->sysctl ? DT_REG : DT_DIR;
		return true;
	}
	if (dir->kind == PROC_PID_DIR) {
		if (pos - 2 >= NPID)
			return false;
		const struct proc_entry *e = &pid_entries[pos - 2];
		snprintf(d->name, sizeof(d->name), "%s", e->name);
		d->ino = dir->ino + (pos - 2) + 1;
		d->type = e->show ? DT_REG : DT_LNK;
		return true;
	}
	if (pos - 2 < NGLOBAL) {
		snprintf(d->name, sizeof(d->name), "%s", global_entries[pos - 2].name);
		d->ino = PROC_INO_FIRST + (pos - 2);
		d->type = DT_REG;
		return true;
	}
	if (pos == SYS_POS) {
		snprintf(d->name, sizeof(d->name), "sys");
		d->ino = PROC_SYS_INO(0);
		return true;
	}
	if (pos < PID_POS) {
		snprintf(d->name, sizeof(d->name), "self");
		d->ino = PROC_SELF_INO;
		d->type = DT_LNK;
		return true;
	}
	int pid = pid_from(k, pos - PID_POS);
	if (!pid)
		return false;
	snprintf(d->name, sizeof(d->name), "%d", pid);
	d->ino = PID_INO(pid);
	d->next = PID_POS + (uint64_t)pid + 1;
	return true;
}

/* struct linux_dirent64, as getdents64 fills it. */
struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	unsigned char d_type;
} __attribute__((packed));

static int64_t proc_getdents(struct kernel *k, struct file *f, char *buf, size_t size)
{
	struct proc_file *pf = f->private;
	if (!is_dir(&pf->ref))
		return -ENOTDIR;
	if (pf->ref.kind == PROC_PID_DIR && !process_find(k, pf->ref.pid))
		return -ENOENT; /* reaped since the open */
	size_t used = 0;
	struct dir_entry d;
	while (dir_entry_at(k, &pf->ref, pf->pos, &d)) {
		size_t namelen = strlen(d.name) + 1;
		size_t reclen = (sizeof(struct dirent64_head) + namelen + 7) & ~(size_t)7;
		if (used + reclen > size)
			return used ? (int64_t)used : -EINVAL; /* result buffer too small */
		struct dirent64_head h = {.d_ino = d.ino, .d_off = (int64_t)d.next,
					  .d_reclen = (uint16_t)reclen, .d_type = d.type};
		memset(buf + used, 0, reclen);
		memcpy(buf + used, &h, sizeof(h));
		memcpy(buf + used + sizeof(h), d.name, namelen);
		used += reclen;
		pf->pos = d.next;
	}
	return (int64_t)used;
}

static const struct file_ops proc_file_ops = {
	.read = proc_read,
	.write = proc_write,
	.poll = proc_poll,
	.stat = proc_fstat,
	.llseek = proc_llseek,
	.getdents = proc_getdents,
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
	bool nofollow = (flags & O_NOFOLLOW) && !(flags & O_PATH);
	if ((ref.kind == PROC_SELF || ref.kind == PROC_EXE) && nofollow)
		return -ELOOP;
	if (ref.kind == PROC_SELF)
		follow_self(&ref);
	if (ref.kind == PROC_EXE) {
		int fd = open(host_exe(k, &ref), (flags & (O_ACCMODE | O_PATH)) | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		*out = file_create(fd);
		return *out ? 0 : -ENOMEM;
	}
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if ((flags & O_DIRECTORY) && !is_dir(&ref))
		return -ENOTDIR;
	/* Only root may write a sysctl (mode 0644, owned by root). */
	bool writable = ref.kind == PROC_SYSCTL && geteuid() == 0;
	if ((flags & O_ACCMODE) != O_RDONLY && !(flags & O_PATH) && !writable)
		return is_dir(&ref) ? -EISDIR : -EACCES;
	struct proc_file *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->ref = ref;
	pf->k = k;
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
	if (follow && ref.kind == PROC_EXE)
		return stat(host_exe(k, &ref), st) < 0 ? -errno : 0;
	if (follow && ref.kind == PROC_SELF)
		follow_self(&ref);
	proc_stat_ref(k, &ref, st);
	return 0;
}

int64_t procfs_readlink(struct kernel *k, const char *path, char *buf, size_t size)
{
	struct proc_ref ref;
	int err = proc_lookup(k, path, &ref);
	if (err)
		return err;
	char pid[16];
	const char *target;
	if (ref.kind == PROC_SELF) {
		snprintf(pid, sizeof(pid), "%d", ref.pid);
		target = pid;
	} else if (ref.kind == PROC_EXE) {
		target = process_find(k, ref.pid)->exe;
	} else {
		return -EINVAL; /* not a link */
	}
	size_t n = strlen(target) < size ? strlen(target) : size;
	memcpy(buf, target, n);
	return (int64_t)n;
}
