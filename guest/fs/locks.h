/* locks.h - a record lock as fs/locks.c keeps it, for the files that show
 * them (/proc/locks: proc_locks.c; /proc/PID/fdinfo's "lock:" lines).
 * fs/ only. */
#ifndef VMEMU_FS_LOCKS_H
#define VMEMU_FS_LOCKS_H

#include <stdint.h>

#include "fs/internal.h"

#define OFFSET_MAX INT64_MAX

/* fl_flags: which kind of lock. */
#define FL_POSIX 1u
#define FL_FLOCK 2u
#define FL_OFDLCK 4u

struct file_lock {
	const void *owner; /* POSIX: the fd table; OFD and flock: the struct file */
	const struct file *file; /* the description it was set through */
	int pid;           /* who set it: F_GETLK's l_pid for a POSIX lock */
	unsigned flags;    /* FL_* */
	short type;        /* F_RDLCK or F_WRLCK (F_UNLCK in a request) */
	int64_t start, end;/* bytes, end included; OFFSET_MAX: to the end of the file */
	char ofd_wait;     /* OFD and flock waiters sleep here, POSIX ones on the lock */
	uint64_t seq;      /* when it was set (k->file_lock_seq): /proc/locks' order */
	/* The requests waiting for it, in the order they came, each with its
	 * task (waiter); a wake-up of the lock empties the list (they try
	 * again, and those still in the way line up anew). */
	struct file_lock *blocked;
	struct process *waiter;
	struct file_lock *next;
};

/* Whether w, a request on l's blocked list, still waits for l (its task
 * may have been interrupted, or have ended, since). */
bool lock_waiter_live(struct kernel *k, const struct file_lock *l, const struct file_lock *w);

/* One line of /proc/locks or fdinfo, from its "id: " on (Linux's
 * lock_get_status); a waiting request's has "-> " after the id. */
void lock_show_status(struct seq *s, long long id, const struct inode *i,
		      const struct file_lock *l, bool waiting);

#endif
