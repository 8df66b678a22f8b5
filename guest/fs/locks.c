/* locks.c - record locks, as Linux's fs/locks.c: POSIX locks (fcntl
 * F_SETLK, F_SETLKW, F_GETLK) owned by a process, OFD locks (F_OFD_*)
 * owned by an open file description, and flock(2).
 *
 * Each host file's locks hang on its struct inode, in start order, each
 * owner's ranges disjoint: setting a range cuts the owner's older locks
 * there (splitting one that spans it), then merges it with adjacent ones
 * of the same type, as posix_lock_inode does. Different owners conflict
 * when their ranges overlap and one is a write lock; flock(2) locks are
 * whole-file and conflict only with each other. A POSIX owner is the fd
 * table: a process's locks go when it closes any fd of the file (and at
 * exit); an OFD or flock owner's go with the description's last close.
 *
 * F_SETLKW and a blocking flock wait as a sleeping task on the lock in
 * the way (process_block; a change to it wakes them and the call starts
 * again); a signal interrupts them (EINTR, or a restart with SA_RESTART).
 * A POSIX wait that would close a cycle of processes each waiting for the
 * next fails with EDEADLK (posix_locks_deadlock, 10 steps deep).
 *
 * The host sees the guest's locks: one host description per file
 * (inode->lock_fd) holds, as OFD locks and a flock, what all guest locks
 * there add up to (a write lock where any guest one writes, a read lock
 * where one reads). A lock a host process holds refuses a guest's as
 * another owner would; the guest then polls for it every HOST_POLL_NS. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "fs/locks.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define MAX_DEADLK_ITERATIONS 10
#define HOST_POLL_NS 10000000ULL /* 10 ms */

static bool same_class(const struct file_lock *a, const struct file_lock *b)
{
	return (a->flags & FL_FLOCK) == (b->flags & FL_FLOCK);
}

static bool overlap(const struct file_lock *a, const struct file_lock *b)
{
	return a->start <= b->end && b->start <= a->end;
}

static bool conflicts(const struct file_lock *l, const struct file_lock *req)
{
	return l->owner != req->owner && same_class(l, req) && overlap(l, req) &&
	       (l->type == F_WRLCK || req->type == F_WRLCK);
}

static struct file_lock *find_conflict(struct inode *i, const struct file_lock *req)
{
	for (struct file_lock *l = i->locks; l; l = l->next)
		if (conflicts(l, req))
			return l;
	return NULL;
}

/* The lock changed or went: whoever waits for it tries again. */
static void lock_wake(struct kernel *k, struct file_lock *l)
{
	kernel_wake(k, l);
	kernel_wake(k, &l->ofd_wait);
	while (l->blocked) {
		struct file_lock *w = l->blocked;
		l->blocked = w->next;
		free(w);
	}
}

bool lock_waiter_live(struct kernel *k, const struct file_lock *l, const struct file_lock *w)
{
	const void *chan = l->flags & FL_POSIX ? (const void *)l : &l->ofd_wait;
	for (struct process *p = k->procs; p; p = p->next)
		if (p == w->waiter)
			return p->state == PROC_BLOCKED && p->wait_chan == chan;
	return false;
}

/* The current task waits for c with req: its request goes last in c's
 * line (out of memory, it waits unlisted). */
static void lock_block(struct kernel *k, struct file_lock *c, const struct file_lock *req)
{
	struct file_lock **pp = &c->blocked;
	while (*pp) {
		struct file_lock *w = *pp;
		if (w->waiter == k->current) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	struct file_lock *w = malloc(sizeof(*w));
	if (w) {
		*w = *req;
		w->waiter = k->current;
		w->next = NULL;
		*pp = w;
	}
	process_block(k, req->flags & FL_POSIX ? (const void *)c : &c->ofd_wait);
}

/* ---- the host's view ---- */

static void host_open(struct inode *i, struct file *f)
{
	if (i->lock_fd >= 0 || f->host_fd < 0)
		return;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->host_fd);
	static const int modes[] = {O_RDWR, O_RDONLY, O_WRONLY};
	for (size_t m = 0; m < 3 && i->lock_fd < 0; m++)
		i->lock_fd = open(proc, modes[m] | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

/* Once the guest holds no lock on the file, neither does the host. */
static void host_release(struct inode *i)
{
	if (!i->locks && i->lock_fd >= 0) {
		close(i->lock_fd);
		i->lock_fd = -1;
	}
}

/* The host locks [start, end] with type for the guest: 0, or -EAGAIN when
 * a host process holds a conflicting lock. Other failures (a description
 * that cannot write) leave the lock to the guest alone. */
static int host_lock(struct inode *i, unsigned flags, short type, int64_t start, int64_t end)
{
	if (i->lock_fd < 0)
		return 0;
	int r;
	if (flags & FL_FLOCK) {
		int op = type == F_WRLCK ? LOCK_EX : type == F_RDLCK ? LOCK_SH : LOCK_UN;
		r = flock(i->lock_fd, op | LOCK_NB);
	} else {
		struct flock hl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start,
				   .l_len = end == OFFSET_MAX ? 0 : end - start + 1};
		r = fcntl(i->lock_fd, F_OFD_SETLK, &hl);
	}
	return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN : 0;
}

/* The strongest type of the guest's locks of a class at byte off. */
static short union_type(const struct inode *i, unsigned flags, int64_t off)
{
	short t = F_UNLCK;
	const struct file_lock probe = {.flags = flags, .start = off, .end = off};
	for (const struct file_lock *l = i->locks; l; l = l->next)
		if (same_class(l, &probe) && overlap(l, &probe) && (t == F_UNLCK || l->type == F_WRLCK))
			t = l->type;
	return t;
}

/* After locks went or shrank in [start, end]: the host keeps just what
 * the guest's still add up to there (only ever less: it cannot fail). */
static void host_sync(struct inode *i, unsigned flags, int64_t start, int64_t end)
{
	while (i->lock_fd >= 0 && start <= end) {
		/* The piece from start on where the union does not change. */
		short t = union_type(i, flags, start);
		int64_t piece_end = end;
		for (const struct file_lock *l = i->locks; l; l = l->next) {
			if (l->start > start && l->start - 1 < piece_end)
				piece_end = l->start - 1;
			if (l->end >= start && l->end < piece_end)
				piece_end = l->end;
		}
		host_lock(i, flags, t, start, piece_end);
		if (piece_end == OFFSET_MAX)
			break;
		start = piece_end + 1;
	}
	host_release(i);
}

/* ---- the list ---- */

static void insert_sorted(struct inode *i, struct file_lock *n)
{
	struct file_lock **pp = &i->locks;
	while (*pp && (*pp)->start <= n->start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
}

static void unlink_lock(struct inode *i, struct file_lock *l)
{
	struct file_lock **pp = &i->locks;
	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
}

/* A lock of req's owner and class that req changes nothing in. */
static bool holds_already(const struct inode *i, const struct file_lock *req)
{
	for (const struct file_lock *l = i->locks; l; l = l->next)
		if (l->owner == req->owner && same_class(l, req) && l->type == req->type &&
		    l->start <= req->start && l->end >= req->end)
			return true;
	return false;
}

/* Gives req's owner exactly req's type on its range (none for F_UNLCK):
 * cuts what the owner held there, then adds and merges (posix_lock_inode).
 * spare holds two nodes: for req itself and for a lock split in two.
 *
 * Each lock keeps its place in /proc/locks' order (seq) as Linux's does:
 * a lock cut short keeps it; where req merges with locks of its type, the
 * result is the lowest of them, extended; otherwise req is new, and the
 * left part of a lock it splits in two is newer still. */
static void apply(struct kernel *k, struct inode *i, const struct file_lock *req,
		  struct file_lock *spare[2])
{
	if (req->type != F_UNLCK && holds_already(i, req))
		return;
	struct file_lock *left = NULL;
	bool inherit = false;
	uint64_t inherit_seq = 0;
	for (struct file_lock *l = i->locks, *next; l; l = next) {
		next = l->next;
		if (l->owner != req->owner || !same_class(l, req) || !overlap(l, req))
			continue;
		lock_wake(k, l);
		if (l->type == req->type && !inherit) {
			inherit = true;
			inherit_seq = l->seq;
		}
		if (l->start < req->start && l->end > req->end) {
			left = spare[1];
			spare[1] = NULL;
			*left = *l;
			left->end = req->start - 1;
			unlink_lock(i, l);
			l->start = req->end + 1;
			insert_sorted(i, l);
			insert_sorted(i, left);
		} else if (l->start < req->start) {
			l->end = req->start - 1;
		} else if (l->end > req->end) {
			unlink_lock(i, l);
			l->start = req->end + 1;
			insert_sorted(i, l);
		} else {
			unlink_lock(i, l);
			free(l);
		}
	}
	if (req->type != F_UNLCK) {
		struct file_lock *n = spare[0];
		spare[0] = NULL;
		*n = *req;
		for (struct file_lock *l = i->locks, *next; l; l = next) {
			next = l->next;
			if (l->owner != n->owner || !same_class(l, n) || l->type != n->type)
				continue;
			bool before = n->start > 0 && l->end == n->start - 1;
			bool after = n->end < OFFSET_MAX && l->start == n->end + 1;
			if (!before && !after)
				continue;
			if (before || !inherit) /* a lower start than any overlapping one */
				inherit_seq = l->seq;
			inherit = true;
			if (before)
				n->start = l->start;
			else
				n->end = l->end;
			lock_wake(k, l);
			unlink_lock(i, l);
			free(l);
		}
		n->seq = inherit ? inherit_seq : ++k->file_lock_seq;
		insert_sorted(i, n);
	}
	if (left)
		left->seq = ++k->file_lock_seq;
}

/* ---- waiting ---- */

/* The lock a process owning owner (an fd table) waits for in F_SETLKW. */
static const struct file_lock *blocked_on(struct kernel *k, const void *owner)
{
	for (struct process *p = k->procs; p; p = p->next) {
		if ((const void *)p->files != owner || p->state != PROC_BLOCKED)
			continue;
		for (struct inode *i = k->inodes; i; i = i->next)
			for (struct file_lock *l = i->locks; l; l = l->next)
				if (p->wait_chan == l)
					return l;
	}
	return NULL;
}

/* Whether waiting for blocker's lock would close a cycle of waits. */
static bool posix_locks_deadlock(struct kernel *k, const void *caller, const void *blocker)
{
	for (int n = 0; n < MAX_DEADLK_ITERATIONS; n++) {
		const struct file_lock *l = blocked_on(k, blocker);
		if (!l)
			return false;
		blocker = l->owner;
		if (blocker == caller)
			return true;
	}
	return false;
}

/* Sets req (a lock or F_UNLCK) on f's file, waiting when wait says so. */
static int64_t lock_file(struct kernel *k, struct file *f, const struct file_lock *req, bool wait)
{
	struct inode *i = f->inode;
	struct file_lock *c = req->type == F_UNLCK ? NULL : find_conflict(i, req);
	if (c) {
		if (!wait)
			return -EAGAIN;
		if ((req->flags & FL_POSIX) && posix_locks_deadlock(k, req->owner, c->owner))
			return -EDEADLK;
		lock_block(k, c, req);
		return -ERESTARTSYS;
	}
	struct file_lock *spare[2] = {malloc(sizeof(struct file_lock)),
				      malloc(sizeof(struct file_lock))};
	int64_t err = spare[0] && spare[1] ? 0 : -ENOLCK;
	if (!err && req->type != F_UNLCK) {
		host_open(i, f);
		err = host_lock(i, req->flags, req->type, req->start, req->end);
		if (err && wait) {
			k->current->wake_at = 0; /* try again in a while */
			err = process_block_until(k, i, kernel_now_ns() + HOST_POLL_NS);
		}
	}
	if (!err) {
		apply(k, i, req, spare);
		if (req->type == F_UNLCK)
			host_sync(i, req->flags, req->start, req->end);
	}
	host_release(i);
	free(spare[0]);
	free(spare[1]);
	return err;
}

/* Removes the locks of owner of the classes in flags from f's file. */
static void remove_locks(struct file *f, const void *owner, unsigned flags)
{
	struct inode *i = f->inode;
	if (!i)
		return;
	for (struct file_lock *l = i->locks, *next; l; l = next) {
		next = l->next;
		if (l->owner != owner || !(l->flags & flags))
			continue;
		lock_wake(i->k, l);
		unlink_lock(i, l);
		host_sync(i, l->flags, l->start, l->end);
		free(l);
	}
}

void locks_remove_posix(struct fdtable *owner, struct file *f)
{
	if (f->inode && f->inode->locks)
		remove_locks(f, owner, FL_POSIX);
}

void locks_remove_file(struct file *f)
{
	if (f->inode && f->inode->locks)
		remove_locks(f, f, FL_OFDLCK | FL_FLOCK);
}

/* ---- fcntl ---- */

/* struct flock as the x86-64 kernel takes it. */
struct k_flock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};

/* flock_to_posix_lock: the byte range of l, from l_whence. */
static int to_range(struct file *f, const struct k_flock *l, struct file_lock *req)
{
	int64_t base = 0;
	struct stat st;
	switch (l->l_whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		base = lseek(f->host_fd, 0, SEEK_CUR);
		break;
	case SEEK_END:
		base = fstat(f->host_fd, &st) < 0 ? -1 : st.st_size;
		break;
	default:
		return -EINVAL;
	}
	if (base < 0)
		return -EINVAL;
	if (l->l_start > OFFSET_MAX - base)
		return -EOVERFLOW;
	int64_t start = base + l->l_start;
	if (start < 0)
		return -EINVAL;
	if (l->l_len > 0) {
		if (l->l_len - 1 > OFFSET_MAX - start)
			return -EOVERFLOW;
		req->start = start;
		req->end = start + l->l_len - 1;
	} else if (l->l_len < 0) {
		if (start + l->l_len < 0)
			return -EINVAL;
		req->start = start + l->l_len;
		req->end = start - 1;
	} else {
		req->start = start;
		req->end = OFFSET_MAX;
	}
	return 0;
}

/* F_GETLK: the first lock in the way, or F_UNLCK. One a host process
 * holds shows pid 0, as a process outside one's PID namespace. */
static int test_lock(struct file *f, const struct file_lock *req, struct k_flock *l)
{
	const struct file_lock *c = find_conflict(f->inode, req);
	if (c) {
		l->l_type = c->type;
		l->l_pid = c->flags & FL_OFDLCK ? -1 : c->pid;
		l->l_start = c->start;
		l->l_len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
		l->l_whence = SEEK_SET;
		return 0;
	}
	int fd = f->inode->lock_fd >= 0 ? f->inode->lock_fd : f->host_fd;
	struct flock hl = {.l_type = req->type, .l_whence = SEEK_SET, .l_start = req->start,
			   .l_len = req->end == OFFSET_MAX ? 0 : req->end - req->start + 1};
	if (fd >= 0 && fcntl(fd, F_OFD_GETLK, &hl) == 0 && hl.l_type != F_UNLCK) {
		*l = (struct k_flock){.l_type = hl.l_type, .l_whence = SEEK_SET,
				      .l_start = hl.l_start, .l_len = hl.l_len,
				      .l_pid = hl.l_pid > 0 ? 0 : hl.l_pid};
		return 0;
	}
	l->l_type = F_UNLCK;
	return 0;
}

int64_t fcntl_lock(struct kernel *k, struct file *f, int cmd, uint64_t uflock)
{
	struct k_flock l;
	if (copy_from_user(k, &l, uflock, sizeof(l)))
		return -EFAULT;
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	if (ofd && l.l_pid != 0)
		return -EINVAL;
	if (!f->inode)
		return -EINVAL; /* a pipe or a /proc file: no locks here */
	if (l.l_type != F_RDLCK && l.l_type != F_WRLCK && l.l_type != F_UNLCK)
		return -EINVAL;
	struct file_lock req = {.owner = ofd ? (const void *)f : k->current->files, .file = f,
				.pid = k->current->tgid, .flags = ofd ? FL_OFDLCK : FL_POSIX,
				.type = l.l_type};
	int err = to_range(f, &l, &req);
	if (err)
		return err;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		if (l.l_type == F_UNLCK)
			return -EINVAL;
		test_lock(f, &req, &l);
		return copy_to_user(k, uflock, &l, sizeof(l));
	}
	/* check_fmode_for_setlk */
	if ((l.l_type == F_RDLCK && !(f->f_mode & FMODE_READ)) ||
	    (l.l_type == F_WRLCK && !(f->f_mode & FMODE_WRITE)))
		return -EBADF;
	return lock_file(k, f, &req, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

/* ---- flock(2) ---- */

#define LOCK_MAND_BIT 32 /* LOCK_MAND: ignored since Linux 5.15 */

int64_t sys_flock(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	unsigned op = (unsigned)a[1];
	if (op & LOCK_MAND_BIT)
		return 0;
	short type = (op & ~LOCK_NB) == LOCK_SH ? F_RDLCK
		     : (op & ~LOCK_NB) == LOCK_EX ? F_WRLCK
		     : (op & ~LOCK_NB) == LOCK_UN ? F_UNLCK
						  : -1;
	if (type < 0)
		return -EINVAL;
	struct file *f = fd_arg(k, a[0]);
	if (!f || (type != F_UNLCK && !(f->f_mode & (FMODE_READ | FMODE_WRITE))))
		return -EBADF;
	if (!f->inode)
		return -EINVAL; /* a pipe or a /proc file: no locks here */
	struct file_lock req = {.owner = f, .file = f, .pid = k->current->tgid, .flags = FL_FLOCK,
				.type = type, .start = 0, .end = OFFSET_MAX};
	/* A conversion drops the old lock first, and may then wait without
	 * one, as Linux's flock_lock_inode. */
	const struct file_lock unlock = {.owner = f, .flags = FL_FLOCK, .type = F_UNLCK,
					 .start = 0, .end = OFFSET_MAX};
	for (struct file_lock *l = f->inode->locks; l; l = l->next)
		if (l->owner == f && (l->flags & FL_FLOCK) && l->type != type) {
			lock_file(k, f, &unlock, false);
			break;
		}
	int64_t r = lock_file(k, f, &req, !(op & LOCK_NB));
	return r == -EAGAIN ? -EWOULDBLOCK : r;
}
