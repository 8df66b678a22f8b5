/* namei.c - guest path names, resolved by the kernel (Linux's fs/namei.c,
 * in small).
 *
 * A walk starts at the guest's root (an absolute name), the working
 * directory or a dirfd, and looks up one component at a time with a host
 * call on a directory the kernel holds open (openat of a single name,
 * never following a symlink on the host). So no name can lead outside the
 * root, whatever the guest or a race makes of the tree:
 *
 * - a symlink's text is read and walked as a guest name: an absolute one
 *   from the guest's root, a relative one from where the link is;
 * - ".." drops the last name the walk came down by and walks the rest
 *   again from where it started; above its start it asks where the start
 *   is (its guest path) and goes on from the root, where ".." stays. A
 *   start outside the root (a directory among vmemu's stdio) is as far up
 *   as the guest may go;
 * - /proc is the kernel's (procfs.c); its links to open files (exe, cwd,
 *   root, fd/N) lead to the file itself, as Linux's magic links, not to
 *   a name looked up again;
 * - /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr, when the guest's
 *   /dev has none, are the kernel's symlinks into /proc/self/fd.
 *
 * Without --root the guest's root is the host's "/", opened when the
 * first process is made (fs_struct.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

#define MAXSYMLINKS 40 /* Linux's limit on the symlinks one lookup follows */

enum last_type { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT };

struct nameidata {
	struct kernel *k;
	struct path base;      /* where names starts: the root, the cwd, a dirfd, a /proc link's target */
	int base_root;         /* base is the guest's root: 1, 0, or -1 when not known yet */
	struct path cur;       /* the directory reached: base, then names */
	char names[PATH_MAX];  /* the components from base to cur: "a/b", "" at base */
	int links;             /* symlinks followed */
	char *text;            /* the name being walked (its own copy) */
	const char *rest;      /* what is left of it */
	/* The last component, once walk_to_last has returned. */
	enum last_type last_type;
	char last[NAME_MAX + 1];
	bool trailing_slash;   /* the name ended in "/": it must be a directory */
	unsigned resolve;      /* openat2's RESOLVE_* flags */
	struct path scope;     /* RESOLVE_BENEATH, RESOLVE_IN_ROOT: the walk's root */
};

#define RESOLVE_SCOPED (RESOLVE_BENEATH | RESOLVE_IN_ROOT)

/* What one component names. */
struct lookup {
	struct path path; /* the object (a symlink itself when it could be had) */
	char *link;       /* a symlink's text (malloc'd), or NULL */
	bool magic;       /* a /proc link to an open file: followed by procfs_get_link */
};

/* ---- places ---- */

void path_put(struct path *p)
{
	if (p->kind == PATH_HOST)
		close(p->fd);
	else if (p->kind == PATH_FILE)
		file_put(p->file);
	*p = (struct path){0};
}

int path_copy(struct path *to, const struct path *from)
{
	*to = *from;
	if (from->kind == PATH_HOST) {
		to->fd = fcntl(from->fd, F_DUPFD_CLOEXEC, 0);
		if (to->fd < 0) {
			*to = (struct path){0};
			return -errno;
		}
	} else if (from->kind == PATH_FILE) {
		file_get(from->file);
	}
	return 0;
}

int path_host_fd(const struct path *p)
{
	switch (p->kind) {
	case PATH_ROOT:
	case PATH_HOST:
		return p->fd;
	case PATH_FILE:
		return p->file->host_fd;
	default:
		return -1;
	}
}

static void path_root(struct kernel *k, struct path *p)
{
	*p = (struct path){.kind = PATH_ROOT, .fd = k->root_fd};
}

void path_from_file(struct file *f, struct path *p)
{
	*p = (struct path){0};
	if (procfs_file_ref(f, &p->proc)) {
		p->kind = PATH_PROC;
		return;
	}
	file_get(f);
	*p = (struct path){.kind = PATH_FILE, .file = f,
			   .outside_root = f->f_mode & FMODE_OUTSIDE_ROOT};
}

bool path_is_dir(const struct path *p)
{
	struct stat st;
	switch (p->kind) {
	case PATH_ROOT:
		return true;
	case PATH_PROC:
		return procfs_is_dir(&p->proc);
	case PATH_FILE:
		return p->file->kind == FILE_DIRECTORY;
	case PATH_HOST:
		return fstat(p->fd, &st) == 0 && S_ISDIR(st.st_mode);
	default:
		return false;
	}
}

int path_stat(struct kernel *k, const struct path *p, struct stat *st)
{
	switch (p->kind) {
	case PATH_PROC:
		procfs_stat(k, &p->proc, st);
		return 0;
	case PATH_SYMLINK:
		*st = (struct stat){.st_mode = S_IFLNK | 0777, .st_nlink = 1,
				    .st_size = (off_t)strlen(p->link)};
		return 0;
	case PATH_FILE:
		return file_stat(p->file, st);
	default:
		return fstat(path_host_fd(p), st) < 0 ? -errno : 0;
	}
}

int64_t path_readlink(struct kernel *k, const struct path *p, char *buf, size_t size)
{
	if (p->kind == PATH_PROC)
		return procfs_is_link(&p->proc) || procfs_is_magic(&p->proc)
			       ? procfs_readlink(k, &p->proc, buf, size)
			       : -EINVAL;
	if (p->kind == PATH_SYMLINK) {
		size_t n = strlen(p->link) < size ? strlen(p->link) : size;
		memcpy(buf, p->link, n);
		return (int64_t)n;
	}
	if (p->kind != PATH_HOST)
		return -EINVAL;
	ssize_t n = readlinkat(p->fd, "", buf, size);
	/* The host says ENOENT when the fd is no symlink. */
	return n >= 0 ? n : errno == ENOENT ? -EINVAL : -errno;
}

/* ---- the guest's name of a place ---- */

#define DELETED_SUFFIX " (deleted)"

int host_fd_name(struct kernel *k, int fd, char out[PATH_MAX], bool *deleted)
{
	char proc[64], host[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, host, sizeof(host) - 1);
	if (n < 0)
		return -errno;
	host[n] = 0;
	/* Linux's d_path adds the suffix to a file that is gone; a name may
	 * end so too, so the link count says which. */
	size_t slen = strlen(DELETED_SUFFIX);
	struct stat st;
	bool gone = (size_t)n > slen && !strcmp(host + n - slen, DELETED_SUFFIX) &&
		    fstat(fd, &st) == 0 && st.st_nlink == 0;
	if (gone)
		host[n - slen] = 0;
	if (deleted)
		*deleted = gone;
	const char *root = k->root_path; /* "" without --root */
	size_t rlen = strlen(root);
	int err = 0;
	const char *name = host;
	if (host[0] != '/' || strncmp(host, root, rlen) || (host[rlen] && host[rlen] != '/'))
		err = -EXDEV; /* not a path (a socket), or not under the root */
	else if (rlen)
		name = host[rlen] ? host + rlen : "/";
	if (snprintf(out, PATH_MAX, "%s", name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return err;
}

int path_name(struct kernel *k, const struct path *p, char out[PATH_MAX], bool *deleted)
{
	if (deleted)
		*deleted = false;
	switch (p->kind) {
	case PATH_ROOT:
		strcpy(out, "/");
		return 0;
	case PATH_PROC:
		return procfs_name(k, &p->proc, out);
	case PATH_FILE:
		if (p->file->host_fd < 0)
			return -ENOENT; /* a pipe has no place in the tree */
		return host_fd_name(k, p->file->host_fd, out, deleted);
	default:
		return host_fd_name(k, p->fd, out, deleted);
	}
}

int64_t file_readlink(struct kernel *k, struct file *f, char *buf, size_t size)
{
	char text[PATH_MAX + sizeof(DELETED_SUFFIX)];
	struct proc_ref ref;
	if (f->kind == FILE_PIPE) {
		snprintf(text, sizeof(text), "pipe:[%llu]", (unsigned long long)pipe_ino(f));
	} else if (f->kind == FILE_MEMFD) {
		memfd_name(f, text, sizeof(text));
	} else if (f->kind == FILE_MQUEUE) {
		mqueue_name(f, text, sizeof(text));
	} else if (nsfs_file_ns(f, NULL)) {
		nsfs_name(f, text, sizeof(text));
	} else if (f->kind == FILE_SOCKET) {
		snprintf(text, sizeof(text), "socket:[%llu]", (unsigned long long)sock_ops(f)->ino(f));
	} else if (f->ops->anon_name) {
		snprintf(text, sizeof(text), "anon_inode:%s", f->ops->anon_name);
	} else if (f->kind == FILE_PTY) {
		pty_name(f, text, sizeof(text));
	} else if (procfs_file_ref(f, &ref)) {
		procfs_name(k, &ref, text);
	} else {
		/* Outside the root: the host's name, as Linux's d_path gives. */
		bool deleted;
		int err = host_fd_name(k, f->host_fd, text, &deleted);
		if (err && err != -EXDEV)
			return err;
		if (deleted)
			strcat(text, DELETED_SUFFIX);
	}
	size_t n = strlen(text) < size ? strlen(text) : size;
	memcpy(buf, text, n);
	return (int64_t)n;
}

/* ---- the walk ---- */

static int nd_init(struct nameidata *nd, struct kernel *k, int dirfd, const char *name,
		   unsigned resolve)
{
	*nd = (struct nameidata){.k = k, .base_root = -1, .resolve = resolve};
	nd->text = strdup(name);
	if (!nd->text)
		return -ENOMEM;
	nd->rest = nd->text;
	if (name[0] == '/' && (resolve & RESOLVE_BENEATH))
		return -EXDEV;
	if (name[0] == '/' && !(resolve & RESOLVE_IN_ROOT)) {
		path_root(k, &nd->base);
		nd->base_root = 1;
	} else if (dirfd == AT_FDCWD) {
		path_from_file(k->current->fs->pwd, &nd->base);
	} else {
		struct file *f = fd_arg_raw(k, (uint64_t)(uint32_t)dirfd);
		if (!f)
			return -EBADF;
		path_from_file(f, &nd->base);
	}
	int err = resolve & RESOLVE_SCOPED ? path_copy(&nd->scope, &nd->base) : 0;
	return err ? err : path_copy(&nd->cur, &nd->base);
}

static void nd_free(struct nameidata *nd)
{
	path_put(&nd->cur);
	path_put(&nd->base);
	path_put(&nd->scope);
	free(nd->text);
}

/* The mount p is on, for RESOLVE_NO_XDEV: the host's mount id; the
 * kernel's /proc and /sys are one mount of their own (1 << 63). */
static uint64_t path_mnt(const struct path *p)
{
	if (p->kind == PATH_PROC)
		return 1ULL << 63;
	struct statx stx;
	int fd = path_host_fd(p);
	if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return 0;
	return stx.stx_mnt_id;
}

/* RESOLVE_NO_XDEV: -EXDEV when to is on another mount than nd->cur. */
static int xdev_check(const struct nameidata *nd, const struct path *to)
{
	if (!(nd->resolve & RESOLVE_NO_XDEV) || path_mnt(&nd->cur) == path_mnt(to))
		return 0;
	return -EXDEV;
}

/* A /proc link to an open file may be followed (Linux's nd_jump_link
 * checks): not with RESOLVE_NO_SYMLINKS or RESOLVE_NO_MAGICLINKS
 * (-ELOOP), not to another mount with RESOLVE_NO_XDEV, never in a scoped
 * walk (-EXDEV). */
static int magic_check(const struct nameidata *nd, const struct path *target)
{
	if (nd->resolve & (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS))
		return -ELOOP;
	int err = xdev_check(nd, target);
	if (err)
		return err;
	return nd->resolve & RESOLVE_SCOPED ? -EXDEV : 0;
}

/* Starts again from p (taken over): a /proc link's target, or the root. */
static int nd_jump(struct nameidata *nd, struct path *p)
{
	path_put(&nd->base);
	path_put(&nd->cur);
	nd->base = *p;
	*p = (struct path){0};
	nd->base_root = nd->base.kind == PATH_ROOT ? 1 : -1;
	nd->names[0] = 0;
	return path_copy(&nd->cur, &nd->base);
}

/* To "/" (Linux's nd_jump_root): the walk's own root in a scoped walk. */
static int nd_jump_root(struct nameidata *nd)
{
	if (nd->resolve & RESOLVE_BENEATH)
		return -EXDEV;
	struct path root;
	if (nd->resolve & RESOLVE_IN_ROOT) {
		int err = path_copy(&root, &nd->scope);
		if (err)
			return err;
	} else {
		path_root(nd->k, &root);
	}
	int err = xdev_check(nd, &root);
	if (err) {
		path_put(&root);
		return err;
	}
	return nd_jump(nd, &root);
}

/* Whether base is the guest's root (found out once, by the inode). */
static bool base_is_root(struct nameidata *nd)
{
	if (nd->base_root < 0) {
		struct stat a, b;
		int fd = path_host_fd(&nd->base);
		nd->base_root = fd >= 0 && fstat(fd, &a) == 0 && fstat(nd->k->root_fd, &b) == 0 &&
				a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	}
	return nd->base_root;
}

static bool at_root(struct nameidata *nd)
{
	return !nd->names[0] && base_is_root(nd);
}

/* name in the guest's / is where the kernel's own files are mounted:
 * /proc (procfs.c) or /sys (sysfs.c); *ref gets the top of it. */
static bool kernel_mount(struct nameidata *nd, const char *name, struct proc_ref *ref)
{
	return at_root(nd) && procfs_mount(name, ref);
}

/* The kernel's /dev entries, for a /dev that has none of its own. */
static const char *const dev_links[][2] = {
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
};

static const char *dev_link(struct nameidata *nd, const char *name)
{
	const char *text = NULL;
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (!strcmp(name, dev_links[i][0]))
			text = dev_links[i][1];
	if (!text)
		return NULL;
	if (!strcmp(nd->names, "dev") && base_is_root(nd))
		return text;
	char where[PATH_MAX];
	return path_name(nd->k, &nd->cur, where, NULL) == 0 && !strcmp(where, "/dev") ? text
										: NULL;
}

/* /dev/ptmx, /dev/tty and /dev/pts/N are the kernel's (pty.c): 1 when
 * name in nd->cur is none of them. */
static int dev_tty_node(struct nameidata *nd, const char *name, bool open, struct path *out)
{
	if (!tty_dev_name(name))
		return 1;
	char where[PATH_MAX];
	if (base_is_root(nd) && (!strcmp(nd->names, "dev") || !strcmp(nd->names, "dev/pts")))
		strcpy(where, nd->names[4] ? "/dev/pts" : "/dev");
	else if (path_name(nd->k, &nd->cur, where, NULL))
		return 1;
	return tty_dev_lookup(nd->k, where, name, open, out);
}

static int read_link(int dir_fd, const char *name, char **text)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dir_fd, name, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (n == sizeof(buf))
		return -ENAMETOOLONG;
	buf[n] = 0;
	*text = strdup(buf);
	return *text ? 0 : -ENOMEM;
}

/* name in a host directory. want_dir: an inner component, which must be a
 * directory or a symlink (its text then, and no object). */
static int lookup_host(struct nameidata *nd, const char *name, bool want_dir, struct lookup *lk)
{
	int dir = path_host_fd(&nd->cur);
	int flags = O_PATH | O_NOFOLLOW | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0);
	int fd = openat(dir, name, flags);
	if (fd < 0) {
		int err = errno;
		const char *text;
		if (err == ENOTDIR && want_dir) /* a symlink, or not a directory */
			return read_link(dir, name, &lk->link) == 0 ? 0 : -ENOTDIR;
		if (err == ENOENT && (text = dev_link(nd, name))) {
			lk->path = (struct path){.kind = PATH_SYMLINK, .link = text};
			return (lk->link = strdup(text)) ? 0 : -ENOMEM;
		}
		return -err;
	}
	lk->path = (struct path){.kind = PATH_HOST, .fd = fd, .outside_root = nd->cur.outside_root};
	struct stat st;
	if (!want_dir && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode))
		return read_link(fd, "", &lk->link);
	return 0;
}

static int lookup_proc(struct nameidata *nd, const char *name, struct lookup *lk)
{
	struct proc_ref ref;
	int err = procfs_lookup(nd->k, &nd->cur.proc, name, &ref);
	if (err)
		return err;
	lk->path = (struct path){.kind = PATH_PROC, .proc = ref};
	if (procfs_is_magic(&ref)) {
		lk->magic = true;
		return 0;
	}
	if (!procfs_is_link(&ref))
		return 0;
	char text[PATH_MAX];
	int64_t n = procfs_readlink(nd->k, &ref, text, sizeof(text) - 1);
	if (n < 0)
		return (int)n;
	text[n] = 0;
	return (lk->link = strdup(text)) ? 0 : -ENOMEM;
}

/* Whether nd->cur is a directory: a host one was opened as one, unless
 * it is the file of a dirfd. */
static bool cur_is_dir(const struct nameidata *nd)
{
	const struct path *c = &nd->cur;
	return c->kind == PATH_FILE ? c->file->kind == FILE_DIRECTORY
	       : c->kind == PATH_PROC ? procfs_is_dir(&c->proc)
				      : c->kind != PATH_NONE;
}

/* One component below nd->cur (not "." or ".."). */
static int lookup_one(struct nameidata *nd, const char *name, bool want_dir, struct lookup *lk)
{
	*lk = (struct lookup){0};
	if (!cur_is_dir(nd))
		return -ENOTDIR; /* a dirfd on a file or a pipe */
	if (nd->cur.kind == PATH_PROC)
		return lookup_proc(nd, name, lk);
	if (kernel_mount(nd, name, &lk->path.proc)) {
		lk->path.kind = PATH_PROC;
		return 0;
	}
	int err = dev_tty_node(nd, name, false, &lk->path);
	return err <= 0 ? err : lookup_host(nd, name, want_dir, lk);
}

static void lookup_free(struct lookup *lk)
{
	path_put(&lk->path);
	free(lk->link);
}

/* Walks the symlink text next: then rest (after a "/"), or, for the last
 * component, nothing more (but a trailing slash). */
static int follow_link(struct nameidata *nd, const char *text, bool last)
{
	if (++nd->links > MAXSYMLINKS || (nd->resolve & RESOLVE_NO_SYMLINKS))
		return -ELOOP;
	if (!text[0])
		return -ENOENT;
	const char *rest = last ? (nd->trailing_slash ? "/" : "") : nd->rest;
	size_t n = strlen(text) + 1 + strlen(rest) + 1;
	char *s = malloc(n);
	if (!s)
		return -ENOMEM;
	snprintf(s, n, "%s%s%s", text, !last && rest[0] ? "/" : "", rest);
	free(nd->text);
	nd->text = s;
	nd->rest = s;
	return text[0] == '/' ? nd_jump_root(nd) : 0;
}

/* Follows a /proc link to the open file it names. */
static int follow_magic(struct nameidata *nd, const struct proc_ref *ref)
{
	if (++nd->links > MAXSYMLINKS)
		return -ELOOP;
	struct path target;
	int err = procfs_get_link(nd->k, ref, &target);
	if (!err)
		err = magic_check(nd, &target);
	if (err) {
		path_put(&target);
		return err;
	}
	err = nd_jump(nd, &target);
	path_put(&target);
	return err;
}

/* Walks names again from base: after "..", each was a directory. */
static int rewalk(struct nameidata *nd)
{
	path_put(&nd->cur);
	int err = path_copy(&nd->cur, &nd->base);
	char names[PATH_MAX];
	strcpy(names, nd->names);
	nd->names[0] = 0;
	for (char *save, *c = strtok_r(names, "/", &save); c && !err; c = strtok_r(NULL, "/", &save)) {
		struct lookup lk;
		err = lookup_one(nd, c, true, &lk);
		if (!err && (lk.link || lk.magic))
			err = -ENOENT; /* it is no longer the directory we came by */
		if (!err) {
			path_put(&nd->cur);
			nd->cur = lk.path;
			lk.path = (struct path){0};
			snprintf(nd->names + strlen(nd->names), PATH_MAX - strlen(nd->names), "%s%s",
				 nd->names[0] ? "/" : "", c);
		}
		lookup_free(&lk);
	}
	return err;
}

static int go_up_walk(struct nameidata *nd);

/* ".." (Linux's follow_dotdot): at a scoped walk's root, -EXDEV beneath
 * it, no move in it; with RESOLVE_NO_XDEV not out of a mount. */
static int go_up(struct nameidata *nd)
{
	if (!cur_is_dir(nd))
		return -ENOTDIR;
	if ((nd->resolve & RESOLVE_SCOPED) && !nd->names[0])
		return nd->resolve & RESOLVE_BENEATH ? -EXDEV : 0;
	if (!(nd->resolve & RESOLVE_NO_XDEV))
		return go_up_walk(nd);
	uint64_t from = path_mnt(&nd->cur);
	int err = go_up_walk(nd);
	return err ? err : path_mnt(&nd->cur) == from ? 0 : -EXDEV;
}

static int go_up_walk(struct nameidata *nd)
{
	if (!nd->names[0]) {
		if (base_is_root(nd))
			return 0; /* ".." of the root is the root */
		char where[PATH_MAX];
		int err = path_name(nd->k, &nd->base, where, NULL);
		if (err == -EXDEV)
			return 0; /* outside the root: the guest goes no higher */
		if (err)
			return err;
		err = nd_jump_root(nd);
		if (err)
			return err;
		snprintf(nd->names, sizeof(nd->names), "%s", where + 1);
		if (!nd->names[0])
			return 0;
	}
	char *slash = strrchr(nd->names, '/');
	*(slash ? slash : nd->names) = 0;
	return rewalk(nd);
}

/* One inner component: down into a directory, or along a link. */
static int step(struct nameidata *nd, const char *name)
{
	if (!strcmp(name, "."))
		return cur_is_dir(nd) ? 0 : -ENOTDIR;
	if (!strcmp(name, ".."))
		return go_up(nd);
	struct lookup lk;
	int err = lookup_one(nd, name, true, &lk);
	if (!err && lk.link)
		err = follow_link(nd, lk.link, false);
	else if (!err && lk.magic)
		err = follow_magic(nd, &lk.path.proc);
	else if (!err && !(err = xdev_check(nd, &lk.path))) {
		size_t used = strlen(nd->names);
		if (used + 1 + strlen(name) >= sizeof(nd->names)) {
			err = -ENAMETOOLONG;
		} else {
			snprintf(nd->names + used, sizeof(nd->names) - used, "%s%s",
				 used ? "/" : "", name);
			path_put(&nd->cur);
			nd->cur = lk.path;
			lk.path = (struct path){0};
		}
	}
	lookup_free(&lk);
	return err;
}

/* Walks nd->rest up to its last component, left in nd->last. */
static int walk_to_last(struct nameidata *nd)
{
	for (;;) {
		const char *p = nd->rest;
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		const char *after = p + len;
		while (*after == '/')
			after++;
		if (!*after) {
			memcpy(nd->last, p, len);
			nd->last[len] = 0;
			nd->trailing_slash = p[len] == '/';
			nd->rest = after;
			nd->last_type = len == 0			      ? LAST_ROOT
					: !strcmp(nd->last, ".")	      ? LAST_DOT
					: !strcmp(nd->last, "..")	      ? LAST_DOTDOT
									      : LAST_NORM;
			return 0;
		}
		char name[NAME_MAX + 1];
		memcpy(name, p, len);
		name[len] = 0;
		nd->rest = after;
		int err = step(nd, name);
		if (err)
			return err;
	}
}

/* The last component, when it is ".", ".." or none ("/", "a/."). */
static int last_dir(struct nameidata *nd)
{
	if (nd->last_type == LAST_DOTDOT)
		return go_up(nd);
	return cur_is_dir(nd) ? 0 : -ENOTDIR;
}

/* The start of a name that is "": dirfd itself (AT_EMPTY_PATH). */
static int empty_path(struct kernel *k, int dirfd, struct path *out)
{
	struct file *f = dirfd == AT_FDCWD ? k->current->fs->pwd
					   : fd_arg_raw(k, (uint64_t)(uint32_t)dirfd);
	if (!f)
		return -EBADF;
	path_from_file(f, out);
	return 0;
}

int path_lookup(struct kernel *k, int dirfd, const char *name, unsigned flags, struct path *out)
{
	*out = (struct path){0};
	if (!name[0])
		return flags & LOOKUP_EMPTY ? empty_path(k, dirfd, out) : -ENOENT;
	struct nameidata nd;
	int err = nd_init(&nd, k, dirfd, name, 0);
	while (!err && !(err = walk_to_last(&nd))) {
		if (nd.last_type != LAST_NORM) {
			err = last_dir(&nd);
			if (!err) {
				*out = nd.cur;
				nd.cur = (struct path){0};
			}
			break;
		}
		struct lookup lk;
		bool follow = (flags & LOOKUP_FOLLOW) || nd.trailing_slash;
		err = lookup_one(&nd, nd.last, nd.trailing_slash, &lk);
		if (!err && lk.link && follow) {
			err = follow_link(&nd, lk.link, true);
			lookup_free(&lk);
			continue;
		}
		if (!err && lk.magic && follow) {
			err = procfs_get_link(k, &lk.path.proc, out);
			if (!err && nd.trailing_slash && !path_is_dir(out)) {
				path_put(out);
				err = -ENOTDIR;
			}
		} else if (!err) {
			*out = lk.path;
			lk.path = (struct path){0};
		}
		lookup_free(&lk);
		break;
	}
	nd_free(&nd);
	return err;
}

int path_parent(struct kernel *k, int dirfd, const char *name, int dot_err, int proc_err,
		char last[NAME_MAX + 2])
{
	if (!name[0])
		return -ENOENT;
	struct nameidata nd;
	int err = nd_init(&nd, k, dirfd, name, 0);
	if (!err)
		err = walk_to_last(&nd);
	if (!err && nd.last_type != LAST_NORM)
		err = -dot_err; /* names no entry of a directory */
	else if (!err && kernel_mount(&nd, nd.last, &(struct proc_ref){0}))
		err = -dot_err; /* /proc and /sys are where the kernel's files are mounted */
	else if (!err && nd.cur.kind == PATH_PROC) {
		/* Nothing is made or removed in /proc. */
		struct proc_ref ref;
		bool exists = !procfs_lookup(k, &nd.cur.proc, nd.last, &ref);
		if (proc_err == PROC_ERR_EXISTS)
			err = exists ? -EEXIST : -ENOENT;
		else
			err = proc_err ? -proc_err : exists ? -EPERM : -ENOENT;
	} else if (!err && !cur_is_dir(&nd)) {
		err = -ENOTDIR;
	}
	int fd = err;
	if (!err) {
		snprintf(last, NAME_MAX + 2, "%s%s", nd.last, nd.trailing_slash ? "/" : "");
		fd = fcntl(path_host_fd(&nd.cur), F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			fd = -errno;
	}
	nd_free(&nd);
	return fd;
}

/* ---- open ---- */

/* open(2) of the host name nd->last in nd->cur: 0 with *out, a symlink
 * to follow in *link, or -errno. */
static int open_last_host(struct nameidata *nd, int flags, unsigned mode, struct file **out,
			  char **link)
{
	int dir = path_host_fd(&nd->cur);
	const char *name = nd->last;
	bool nofollow = flags & O_NOFOLLOW;
	int acc = flags & O_ACCMODE;
	if (nd->trailing_slash) {
		if (flags & O_CREAT)
			return -EISDIR;
		flags |= O_DIRECTORY;
	}
	/* What is there decides two things before the open: an executed
	 * file may not be written (ETXTBSY), and a FIFO's open may wait. */
	bool writes = !(flags & O_PATH) && (acc != O_RDONLY || (flags & O_TRUNC));
	bool waits = fifo_open_waits(flags);
	struct stat st;
	bool fifo = false;
	if ((writes || waits) && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (writes && S_ISREG(st.st_mode) && inode_write_denied(nd->k, &st))
			return -ETXTBSY;
		fifo = waits && S_ISFIFO(st.st_mode);
	}
	int fd;
	if (fifo) {
		int path_fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		fd = path_fd < 0 ? -errno : fifo_open_start(nd->k, path_fd, flags);
	} else {
		fd = host_openat(nd->k, dir, name, flags | O_NOFOLLOW, mode);
	}
	if (fd == -ELOOP || fd == -ENOTDIR) {
		/* A symlink, which the host did not follow (or not one). */
		return nofollow || read_link(dir, name, link) ? fd : 0;
	}
	if (fd == -ENOENT) {
		const char *text = dev_link(nd, name);
		if (!text)
			return fd;
		return (*link = strdup(text)) ? 0 : -ENOMEM;
	}
	if (fd < 0)
		return fd;
	if ((flags & O_PATH) && !nofollow && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
		int err = read_link(fd, "", link);
		close(fd);
		return err;
	}
	int err = file_create(nd->k, fd, flags, out);
	if (!err && nd->cur.outside_root)
		(*out)->f_mode |= FMODE_OUTSIDE_ROOT;
	return err;
}

/* open(2) of a name in /proc. */
static int open_last_proc(struct nameidata *nd, int flags, struct file **out, char **link,
			  struct path *target)
{
	struct proc_ref ref;
	int err = procfs_lookup(nd->k, &nd->cur.proc, nd->last, &ref);
	if (err)
		return err == -ENOENT && (flags & O_CREAT) ? -ENOENT : err;
	bool is_link = procfs_is_link(&ref) || procfs_is_magic(&ref);
	if (is_link && !(flags & O_PATH && flags & O_NOFOLLOW)) {
		if (flags & O_NOFOLLOW)
			return -ELOOP;
		if (procfs_is_magic(&ref)) {
			int err = procfs_get_link(nd->k, &ref, target);
			if (!err && (err = magic_check(nd, target)))
				path_put(target);
			return err;
		}
		char text[PATH_MAX];
		int64_t n = procfs_readlink(nd->k, &ref, text, sizeof(text) - 1);
		if (n < 0)
			return (int)n;
		text[n] = 0;
		return (*link = strdup(text)) ? 0 : -ENOMEM;
	}
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (nd->trailing_slash && !procfs_is_dir(&ref))
		return -ENOTDIR;
	return procfs_open(nd->k, &ref, flags, out);
}

int path_open(struct kernel *k, const struct path *p, int flags, struct file **out)
{
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if ((flags & O_CREAT) && path_is_dir(p))
		return -EISDIR;
	switch (p->kind) {
	case PATH_PROC:
		return procfs_open(k, &p->proc, flags, out);
	case PATH_FILE:
		return file_reopen(k, p->file, flags, out);
	default: {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
		int fd = host_openat(k, AT_FDCWD, proc, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), 0);
		if (fd < 0)
			return fd;
		int err = file_create(k, fd, flags, out);
		if (!err && p->outside_root)
			(*out)->f_mode |= FMODE_OUTSIDE_ROOT;
		return err;
	}
	}
}

/* The file opened as nd's last component: -EXDEV (and put) when it is on
 * another mount than nd->cur under RESOLVE_NO_XDEV. */
static int xdev_check_file(const struct nameidata *nd, struct file **out)
{
	if (!(nd->resolve & RESOLVE_NO_XDEV))
		return 0;
	struct path p;
	path_from_file(*out, &p);
	int err = xdev_check(nd, &p);
	path_put(&p);
	if (err) {
		file_put(*out);
		*out = NULL;
	}
	return err;
}

int file_open(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode,
	      struct file **out)
{
	return file_openat2(k, dirfd, path, flags, mode, 0, out);
}

int file_openat2(struct kernel *k, int dirfd, const char *path, int flags, unsigned mode,
		 unsigned resolve, struct file **out)
{
	if (host_job_pending(k)) { /* the open of a FIFO, woken */
		int fd = fifo_open_finish(k);
		return fd < 0 ? fd : file_create(k, fd, flags, out);
	}
	if (!path[0])
		return -ENOENT;
	struct nameidata nd;
	int err = nd_init(&nd, k, dirfd, path, resolve);
	while (!err && !(err = walk_to_last(&nd))) {
		if (nd.last_type != LAST_NORM) {
			err = last_dir(&nd);
			if (!err)
				err = path_open(k, &nd.cur, flags, out);
			break;
		}
		char *link = NULL;
		struct path target = {0}, mnt = {.kind = PATH_PROC};
		if (nd.cur.kind == PATH_PROC)
			err = open_last_proc(&nd, flags, out, &link, &target);
		else if (!cur_is_dir(&nd))
			err = -ENOTDIR;
		else if (kernel_mount(&nd, nd.last, &mnt.proc))
			err = xdev_check(&nd, &mnt) ? -EXDEV : path_open(k, &mnt, flags, out);
		else if ((err = dev_tty_node(&nd, nd.last, true, &target)) > 0 &&
			 !(err = open_last_host(&nd, flags, mode, out, &link)) && !link)
			err = xdev_check_file(&nd, out);
		if (!err && target.kind) {
			err = nd.trailing_slash && !path_is_dir(&target) ? -ENOTDIR
									   : path_open(k, &target, flags, out);
			path_put(&target);
		}
		if (!err && link) {
			err = follow_link(&nd, link, true);
			free(link);
			continue;
		}
		break;
	}
	nd_free(&nd);
	return err;
}
