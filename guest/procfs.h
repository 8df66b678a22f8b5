/* procfs.h - the guest's /proc inside guest/: the text buffer its files
 * are generated into (Linux's seq_file, reduced), and the generators
 * (proc_meminfo.c, proc_pid.c, proc_maps.c) that procfs.c serves. */
#ifndef VMEMU_PROCFS_H
#define VMEMU_PROCFS_H

#include <stdbool.h>
#include <stddef.h>

#include "kern.h"

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
proc_show_fn proc_maps_show;                                       /* proc_maps.c */

#endif
