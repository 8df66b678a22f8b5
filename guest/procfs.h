/* procfs.h - the guest's /proc inside guest/: the text buffer its files
 * are generated into (Linux's seq_file, reduced), the generators
 * (proc_meminfo.c, proc_pid.c, proc_maps.c) that procfs.c serves, and
 * procfs.c's entry points for path lookup. */
#ifndef VMEMU_PROCFS_H
#define VMEMU_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct kernel;
struct process;
struct stat;

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

/* ---- the guest's /proc (procfs.c) ----
 * Paths under /proc are the kernel's, with or without --root; they are
 * recognised by name (".", ".." and "//" resolved) before any host
 * lookup. */
bool procfs_match(const char *path); /* an absolute path under /proc */
/* open(2) of such a path (a file, or a directory to list with the
 * file_ops getdents): 0 and the new file in *out, or -errno. */
int procfs_open(struct kernel *k, const char *path, int flags, struct file **out);
/* stat(2) of it (follow: through the self and exe links): 0 or -errno. */
int procfs_stat(struct kernel *k, const char *path, bool follow, struct stat *st);
/* readlink(2) of it: the target's length (cut to size), or -errno. */
int64_t procfs_readlink(struct kernel *k, const char *path, char *buf, size_t size);

#endif
