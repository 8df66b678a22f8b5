/* proc_swaps.c - /proc/swaps: the swap space --swap gives the guest, one
 * file, in the table of Linux's swap_show: its name as the guest would
 * see it (a file outside the guest's root by its host name, an unnamed
 * one as "/tmp/#INO (deleted)"), size and use in KiB as /proc/meminfo
 * counts them, and priority -2,
 * the one Linux gives the first swap area enabled without one. Without
 * swap, the header alone. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

#define SWAP_PRIO (-2)

void proc_swaps_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	seq_printf(s, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	if (!k->swap.nslots)
		return;
	char name[PATH_MAX + 16] = "";
	bool deleted = false;
	int err = host_fd_name(k, k->swap.fd, name, &deleted);
	if (err && err != -EXDEV)
		snprintf(name, sizeof(name), "?");
	if (deleted)
		strcat(name, " (deleted)");
	size_t len = 0;
	for (const char *c = name; *c; c++) { /* seq_file_path's escapes */
		bool esc = strchr(" \t\n\\", *c);
		seq_printf(s, esc ? "\\%03o" : "%c", (unsigned char)*c);
		len += esc ? 4 : 1;
	}
	struct meminfo m; /* SwapTotal: the file less its header page, as Linux's */
	kernel_meminfo(k, &m);
	unsigned long size = m.swap_total, used = m.swap_total - m.swap_free;
	seq_printf(s, "%*s%s\t%lu\t%s%lu\t%s%d\n", len < 40 ? 40 - (int)len : 1, " ", "file\t", size,
		   size < 10000000 ? "\t" : "", used, used < 10000000 ? "\t" : "", SWAP_PRIO);
}
