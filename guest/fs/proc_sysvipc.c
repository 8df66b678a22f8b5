/* proc_sysvipc.c - /proc/sysvipc/shm: a header and one line per System V
 * shared memory segment, in the format of Linux's sysvipc_shm_proc_show
 * (64-bit widths); rss is the bytes of its pages in memory. */
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

void proc_sysvipc_shm_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	seq_printf(s, "       key      shmid perms                  size  cpid  lpid nattch   uid   gid"
		      "  cuid  cgid      atime      dtime      ctime                   rss"
		      "                  swap\n");
	for (int i = 0, max = shm_max_idx(k); i <= max; i++) {
		const struct shmid_kernel *shp = shm_obtain_object(k, i);
		if (!shp)
			continue;
		seq_printf(s,
			   "%10d %10d  %4o %21llu %5d %5d  %5llu %5u %5u %5u %5u %10lld %10lld %10lld "
			   "%21llu %21llu\n",
			   shp->key, shp->id, shp->mode, (unsigned long long)shp->segsz, shp->cpid,
			   shp->lpid, (unsigned long long)shp->nattch, shp->uid, shp->gid, shp->cuid,
			   shp->cgid, (long long)shp->atime, (long long)shp->dtime,
			   (long long)shp->ctime,
			   (unsigned long long)(shp->mapping->npages * PAGE_SIZE), 0ULL);
	}
}
