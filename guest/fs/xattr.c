/* xattr.c - extended attributes of the kernel's own files (the files with
 * no host file behind them), as Linux's filesystems of the same files keep
 * them: Linux's xattr_permission first, then the filesystem's handlers.
 * tmpfs (a memfd) holds security.*, trusted.* and user.* in memory
 * (Linux's simple_xattr); sockfs answers system.sockprotoname; procfs,
 * pipefs, hugetlbfs, the anonymous inode and the others have no handlers
 * (EOPNOTSUPP, and an empty list). Host files keep theirs on the host
 * (sys/sys_xattr.c). Names and sizes were checked by the caller. */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

struct simple_xattr {
	struct simple_xattr *next;
	char *name;
	size_t size;
	char value[];
};

static bool has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* Linux's xattr_permission: 0 or -errno (write: set or remove). */
static int xattr_permission(struct kernel *k, const struct stat *st, const char *name, bool write)
{
	if (has_prefix(name, "security.") || has_prefix(name, "system."))
		return 0;
	if (has_prefix(name, "trusted."))
		return capable(k, CAP_SYS_ADMIN) ? 0 : write ? -EPERM : -ENODATA;
	if (has_prefix(name, "user.") && !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return write ? -EPERM : -ENODATA;
	struct fs_cred c = current_fs_cred(k);
	return fs_permission(&c, st, write ? W_OK : R_OK);
}

/* The in-memory attributes of the file behind p, or NULL when its
 * filesystem keeps none. */
static struct simple_xattr **simple_xattrs_of(const struct path *p)
{
	return p->kind == PATH_FILE ? memfd_xattrs(p->file) : NULL;
}

/* tmpfs's handlers: security, trusted and user (Linux 6.6 and later). */
static bool simple_xattr_handled(const char *name)
{
	return has_prefix(name, "security.") || has_prefix(name, "trusted.") ||
	       has_prefix(name, "user.");
}

static struct simple_xattr **simple_xattr_find(struct simple_xattr **list, const char *name)
{
	for (; *list; list = &(*list)->next)
		if (strcmp((*list)->name, name) == 0)
			return list;
	return NULL;
}

void simple_xattrs_free(struct simple_xattr *list)
{
	while (list) {
		struct simple_xattr *next = list->next;
		free(list->name);
		free(list);
		list = next;
	}
}

/* Copies n bytes of src into buf of size bytes (0: only the size is
 * asked): n, or -ERANGE when it does not fit. */
static int64_t copy_value(void *buf, size_t size, const void *src, size_t n)
{
	if (size && n > size)
		return -ERANGE;
	if (size)
		memcpy(buf, src, n);
	return (int64_t)n;
}

/* sockfs's one attribute: the protocol's name (Linux's sk_prot->name). */
static const char *sock_proto_name(struct kernel *k, struct file *f)
{
	const struct proto_ops *ops = sock_ops(f);
	int type = 0, domain = 0, len = sizeof(int);
	ops->getsockopt(k, f, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof(int);
	ops->getsockopt(k, f, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	bool stream = type == SOCK_STREAM;
	switch (domain) {
	case AF_INET:
		return stream ? "TCP" : "UDP";
	case AF_INET6:
		return stream ? "TCPv6" : "UDPv6";
	default:
		return stream ? "UNIX-STREAM" : "UNIX";
	}
}

static bool is_socket(const struct path *p)
{
	return p->kind == PATH_FILE && file_kind(p->file) == FILE_SOCKET;
}

int64_t kernel_getxattr(struct kernel *k, const struct path *p, const struct stat *st,
			const char *name, void *buf, size_t size)
{
	int err = xattr_permission(k, st, name, false);
	if (err)
		return err;
	struct simple_xattr **list = simple_xattrs_of(p), **x;
	if (list && simple_xattr_handled(name)) {
		if (!(x = simple_xattr_find(list, name)))
			return -ENODATA;
		return copy_value(buf, size, (*x)->value, (*x)->size);
	}
	if (is_socket(p) && strcmp(name, "system.sockprotoname") == 0) {
		const char *proto = sock_proto_name(k, p->file);
		return copy_value(buf, size, proto, strlen(proto) + 1);
	}
	return -EOPNOTSUPP;
}

int64_t kernel_listxattr(struct kernel *k, const struct path *p, char *buf, size_t size)
{
	struct simple_xattr **list = simple_xattrs_of(p);
	size_t n = 0;
	if (is_socket(p)) {
		static const char sock_names[] = "system.sockprotoname";
		return copy_value(buf, size, sock_names, sizeof(sock_names));
	}
	/* tmpfs lists trusted.* only to CAP_SYS_ADMIN (simple_xattr_list). */
	bool trusted = capable(k, CAP_SYS_ADMIN);
	for (struct simple_xattr *x = list ? *list : NULL; x; x = x->next) {
		if (has_prefix(x->name, "trusted.") && !trusted)
			continue;
		size_t len = strlen(x->name) + 1;
		if (size && n + len > size)
			return -ERANGE;
		if (size)
			memcpy(buf + n, x->name, len);
		n += len;
	}
	return (int64_t)n;
}

int kernel_setxattr(struct kernel *k, const struct path *p, const struct stat *st,
		    const char *name, const void *value, size_t size, int flags)
{
	int err = xattr_permission(k, st, name, true);
	if (err)
		return err;
	struct simple_xattr **list = simple_xattrs_of(p);
	if (!list || !simple_xattr_handled(name))
		return -EOPNOTSUPP;
	struct simple_xattr **old = simple_xattr_find(list, name);
	if (old && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!old && (flags & XATTR_REPLACE))
		return -ENODATA;
	struct simple_xattr *x = malloc(sizeof(*x) + size);
	char *copy = x ? strdup(name) : NULL;
	if (!copy) {
		free(x);
		return -ENOMEM;
	}
	*x = (struct simple_xattr){.name = copy, .size = size};
	memcpy(x->value, value, size);
	if (old) { /* replaced in place: the list keeps its order */
		x->next = (*old)->next;
		(*old)->next = NULL;
		simple_xattrs_free(*old);
		*old = x;
	} else { /* listed in the order they were made */
		while (*list)
			list = &(*list)->next;
		*list = x;
	}
	return 0;
}

int kernel_removexattr(struct kernel *k, const struct path *p, const struct stat *st,
		       const char *name)
{
	int err = xattr_permission(k, st, name, true);
	if (err)
		return err;
	struct simple_xattr **list = simple_xattrs_of(p), **x;
	if (!list || !simple_xattr_handled(name))
		return -EOPNOTSUPP;
	if (!(x = simple_xattr_find(list, name)))
		return -ENODATA;
	struct simple_xattr *gone = *x;
	*x = gone->next;
	gone->next = NULL;
	simple_xattrs_free(gone);
	return 0;
}
