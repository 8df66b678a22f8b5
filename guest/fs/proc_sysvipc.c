/* proc_sysvipc.c - /proc/sysvipc/msg, sem and shm: a header and one line
 * per System V message queue, semaphore set or shared memory segment, in
 * the formats of Linux's sysvipc_msg_proc_show, sysvipc_sem_proc_show and
 * sysvipc_shm_proc_show (64-bit widths); a segment's rss is the bytes of
 * its pages in memory. */
#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

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

void proc_sysvipc_sem_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	seq_printf(s, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
	struct sem_proc_info si;
	for (int i = 0, max = sem_max_idx(k); i <= max; i++)
		if (sem_proc_info(k, i, &si))
			seq_printf(s, "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n", si.perm.key,
				   si.perm.id, si.perm.mode, (unsigned)si.nsems, si.perm.uid, si.perm.gid,
				   si.perm.cuid, si.perm.cgid, (long long)si.otime, (long long)si.ctime);
}

void proc_sysvipc_msg_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	seq_printf(s, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
		      "      stime      rtime      ctime\n");
	struct msg_proc_info mi;
	for (int i = 0, max = msg_max_idx(k); i <= max; i++)
		if (msg_proc_info(k, i, &mi))
			seq_printf(s, "%10d %10d  %4o  %10llu %10llu %5d %5d %5u %5u %5u %5u %10lld %10lld %10lld\n",
				   mi.perm.key, mi.perm.id, mi.perm.mode, (unsigned long long)mi.cbytes,
				   (unsigned long long)mi.qnum, mi.lspid, mi.lrpid, mi.perm.uid, mi.perm.gid,
				   mi.perm.cuid, mi.perm.cgid, (long long)mi.stime, (long long)mi.rtime,
				   (long long)mi.ctime);
}
