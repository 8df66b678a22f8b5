/* internal.h - what the files of fs/ share and no other subsystem calls:
 * in-kernel files, host path lookup, and the text buffer the /proc files
 * are generated into (Linux's seq_file, reduced) with their generators
 * (proc_meminfo.c, proc_pid.c, proc_maps.c) that procfs.c serves. */
#ifndef VMEMU_FS_INTERNAL_H
#define VMEMU_FS_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"

struct kernel;
struct process;

/* An in-kernel file with one reference; NULL when out of memory. */
struct file *file_alloc(const struct file_ops *ops, enum file_kind kind, int flags,
			void *private);
/* Opens path like openat(2) on the host, confined to root_fd when it is
 * >= 0 (RESOLVE_IN_ROOT: ".." and symlinks cannot leave it). dir_fd is a
 * host directory fd or AT_FDCWD. Returns a host fd (O_CLOEXEC) or -errno. */
int path_openat(int root_fd, int dir_fd, const char *path, int flags, unsigned mode);
/* Host fds a call may wait for (stream.c): whether f is a pipe, FIFO,
 * socket or terminal in blocking mode; 0 when it has events now, else the
 * current process sleeps until it has (-ERESTARTSYS); a blocking write. */
bool stream_blocking(const struct file *f);
int64_t stream_wait(struct kernel *k, struct file *f, short events);
int64_t stream_write(struct kernel *k, struct file *f, struct uio *u);

/* path made absolute against p's cwd; 0 or -ENAMETOOLONG (cwd.c). */
int cwd_join(const struct process *p, const char *path, char out[PATH_MAX]);

struct seq {
	char *buf;
	size_t len, cap;
	size_t line;  /* where the current line starts, for seq_pad */
	bool failed;  /* out of host memory: the text is incomplete */
};

__attribute__((format(printf, 2, 3)))
void seq_printf(struct seq *s, const char *fmt, ...);
/* Spaces up to column col of the current line, then one more (Linux's
 * seq_setwidth + seq_pad(m, ' ') as /proc/PID/maps uses them). */
void seq_pad(struct seq *s, size_t col);
void seq_free(struct seq *s);

/* A generator: the text of one file; p is the process of /proc/PID/...
 * (NULL for system-wide files). */
typedef void proc_show_fn(struct kernel *k, struct process *p, struct seq *s);

proc_show_fn proc_meminfo_show;                                    /* proc_meminfo.c */
proc_show_fn proc_status_show, proc_stat_show, proc_statm_show;    /* proc_pid.c */
proc_show_fn proc_cmdline_show;                                    /* proc_pid.c */
proc_show_fn proc_maps_show;                                       /* proc_maps.c */

#endif
