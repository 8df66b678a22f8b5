/* sem.c - System V semaphores (Linux's ipc/sem.c): semget, semop,
 * semtimedop and semctl, their checks in Linux's order, SEM_UNDO with the
 * undo lists of sem_undo.c, and /proc/sysvipc/sem.
 *
 * A semop that cannot complete sleeps on its set and is made again from
 * the start when the set changes (every change wakes every sleeper): the
 * values it sees are then as Linux's update_queue would find them, but a
 * newcomer may complete first where Linux would serve the sleeper in
 * line. Sleepers are remembered by pid for GETNCNT and GETZCNT; one woken
 * by IPC_RMID gets EIDRM (ipc.c). Linux's limits (SEMMSL, SEMMNS, SEMOPM, SEMMNI)
 * are fixed at their defaults. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define SEMVMX 32767
#define SEMAEM SEMVMX
#define SEMUSZ 20 /* seminfo's semusz of IPC_INFO */
#define IPC_64 0x0100
#define S_IRUGO (S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO (S_IWUSR | S_IWGRP | S_IWOTH)

struct sem {
	int semval;
	int sempid;
	int64_t otime;
};

/* A task sleeping in semop: which semaphore it waits on, and for what. */
struct sem_sleeper {
	int pid;
	int sem_num;
	bool zero; /* for the value to be 0, else to grow */
};

struct sem_array {
	struct kern_ipc_perm perm;
	int nsems;
	int64_t ctime;
	struct sem *sems;
	struct sem_sleeper *sleepers;
	int nsleepers, cap;
};


static int64_t now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static struct sem_array *sem_obtain_check(struct kernel *k, int semid)
{
	return (struct sem_array *)ipc_obtain_object_check(&k->sem_ids, semid);
}

static struct sem_array *sem_obtain_idx(struct kernel *k, int idx)
{
	return (struct sem_array *)ipc_obtain_object_idr(&k->sem_ids, idx);
}

/* The semaphores of every set (SEM_INFO's semaem, bounded by SEMMNS). */
static long used_sems(struct kernel *k)
{
	long n = 0;
	for (int i = 0, max = ipc_get_maxidx(&k->sem_ids); i <= max; i++) {
		const struct sem_array *sma = sem_obtain_idx(k, i);
		n += sma ? sma->nsems : 0;
	}
	return n;
}

/* ---- sleepers ---- */

static bool sleeps_on(struct kernel *k, const struct sem_array *sma, int pid)
{
	struct process *p = process_find(k, pid);
	return p && p->state == PROC_BLOCKED && p->wait_chan == sma;
}

/* Forgets pid's sleep on sma, and those of tasks that no longer sleep there. */
static void sleepers_prune(struct kernel *k, struct sem_array *sma, int pid)
{
	int n = 0;
	for (int i = 0; i < sma->nsleepers; i++)
		if (sma->sleepers[i].pid != pid && sleeps_on(k, sma, sma->sleepers[i].pid))
			sma->sleepers[n++] = sma->sleepers[i];
	sma->nsleepers = n;
}

static int sleeper_add(struct sem_array *sma, int pid, int sem_num, bool zero)
{
	if (sma->nsleepers == sma->cap) {
		int cap = sma->cap ? 2 * sma->cap : 4;
		struct sem_sleeper *grown = realloc(sma->sleepers, (size_t)cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sma->sleepers = grown;
		sma->cap = cap;
	}
	sma->sleepers[sma->nsleepers++] = (struct sem_sleeper){pid, sem_num, zero};
	return 0;
}

/* GETNCNT and GETZCNT (count_semcnt): the tasks waiting on semnum. */
static int count_semcnt(struct kernel *k, struct sem_array *sma, int semnum, bool zero)
{
	sleepers_prune(k, sma, 0);
	int n = 0;
	for (int i = 0; i < sma->nsleepers; i++)
		n += sma->sleepers[i].sem_num == semnum && sma->sleepers[i].zero == zero;
	return n;
}

/* ---- undo lists ---- */

/* The caller's adjustments for sma, made on first use (find_alloc_undo). */
static struct sem_undo *find_alloc_undo(struct process *p, const struct sem_array *sma)
{
	if (!p->sysvsem) {
		p->sysvsem = calloc(1, sizeof(*p->sysvsem));
		if (!p->sysvsem)
			return NULL;
		p->sysvsem->refs = 1;
	}
	struct sem_undo **link = &p->sysvsem->undos;
	for (; *link; link = &(*link)->next)
		if ((*link)->semid == sma->perm.id)
			return *link;
	struct sem_undo *un = calloc(1, sizeof(*un));
	short *adj = calloc((size_t)sma->nsems, sizeof(*adj));
	if (!un || !adj) {
		free(un);
		free(adj);
		return NULL;
	}
	*un = (struct sem_undo){.semid = sma->perm.id, .nsems = sma->nsems, .semadj = adj};
	*link = un;
	return un;
}

/* SETVAL and SETALL clear the adjustments of the semaphores they set
 * (semnum -1: all), in every task's list. */
static void undo_clear(struct kernel *k, int semid, int semnum)
{
	for (struct process *p = k->procs; p; p = p->next)
		for (struct sem_undo *un = p->sysvsem ? p->sysvsem->undos : NULL; un; un = un->next)
			if (un->semid == semid) {
				if (semnum < 0)
					memset(un->semadj, 0, (size_t)un->nsems * sizeof(*un->semadj));
				else
					un->semadj[semnum] = 0;
			}
}

void exit_sem(struct kernel *k, struct sem_undo_list *ulp)
{
	for (struct sem_undo *un = ulp->undos; un; un = un->next) {
		struct sem_array *sma = sem_obtain_check(k, un->semid);
		if (!sma)
			continue; /* removed since */
		for (int i = 0; i < sma->nsems && i < un->nsems; i++) {
			if (!un->semadj[i])
				continue;
			int val = sma->sems[i].semval + un->semadj[i];
			sma->sems[i].semval = val < 0 ? 0 : val > SEMVMX ? SEMVMX : val;
			sma->sems[i].sempid = current_tgid(k);
		}
		kernel_wake(k, sma);
	}
}

/* ---- semget ---- */

static int64_t newary(struct kernel *k, int32_t key, int nsems, int semflg)
{
	if (!nsems)
		return -EINVAL;
	if (used_sems(k) + nsems > SEMMNS)
		return -ENOSPC;
	struct sem_array *sma = calloc(1, sizeof(*sma));
	struct sem *sems = calloc((size_t)nsems, sizeof(*sems));
	if (!sma || !sems) {
		free(sma);
		free(sems);
		return -ENOMEM;
	}
	sma->sems = sems;
	sma->nsems = nsems;
	sma->ctime = now_real();
	int id = ipc_addid(k, &k->sem_ids, &sma->perm, key, (unsigned)semflg, SEMMNI);
	if (id < 0) {
		free(sems);
		free(sma);
		return id;
	}
	return id;
}

int64_t sys_semget(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int32_t key = (int32_t)a[0];
	int nsems = (int)a[1], semflg = (int)a[2];
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	if (key == IPC_PRIVATE)
		return newary(k, key, nsems, semflg);
	struct sem_array *sma = (struct sem_array *)ipc_findkey(&k->sem_ids, key);
	if (!sma)
		return (semflg & IPC_CREAT) ? newary(k, key, nsems, semflg) : -ENOENT;
	if ((semflg & IPC_CREAT) && (semflg & IPC_EXCL))
		return -EEXIST;
	if (nsems > sma->nsems)
		return -EINVAL;
	if (!ipcperms(k, &sma->perm, (unsigned)semflg))
		return -EACCES;
	return sma->perm.id;
}

/* ---- semop ---- */

/* Linux's perform_atomic_semop, done on a copy so that several
 * operations on one semaphore see each other: 0 when all were done, 1
 * when one must wait (*blocking is it), or -EAGAIN (IPC_NOWAIT), -ERANGE. */
static int perform_atomic_semop(struct sem_array *sma, const struct sembuf *sops, int nsops,
				struct sem_undo *un, int *vals, int *blocking)
{
	for (int i = 0; i < sma->nsems; i++)
		vals[i] = sma->sems[i].semval;
	for (int i = 0; i < nsops; i++) {
		const struct sembuf *sop = &sops[i];
		int result = vals[sop->sem_num];
		if ((!sop->sem_op && result) || result + sop->sem_op < 0) {
			*blocking = i;
			return (sop->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
		}
		result += sop->sem_op;
		if (result > SEMVMX)
			return -ERANGE;
		if (sop->sem_flg & SEM_UNDO) {
			int undo = un->semadj[sop->sem_num] - sop->sem_op;
			if (undo < -SEMAEM - 1 || undo > SEMAEM)
				return -ERANGE;
		}
		vals[sop->sem_num] = result;
	}
	return 0;
}

static int64_t do_semtimedop(struct kernel *k, int semid, uint64_t usops, int nsops,
			     uint64_t utimeout)
{
	struct process *p = k->current;
	if (nsops < 1 || semid < 0)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	struct sembuf sops[SEMOPM];
	if (copy_from_user(k, sops, usops, (size_t)nsops * sizeof(*sops)))
		return -EFAULT;
	uint64_t timeout_ns = 0;
	if (utimeout) {
		struct timespec ts;
		if (copy_from_user(k, &ts, utimeout, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
			return -EINVAL;
		timespec_to_ns(&ts, &timeout_ns);
	}
	int max = 0;
	bool undos = false, alter = false;
	for (int i = 0; i < nsops; i++) {
		if (sops[i].sem_num >= max)
			max = sops[i].sem_num;
		undos |= (sops[i].sem_flg & SEM_UNDO) != 0;
		alter |= sops[i].sem_op != 0;
	}
	if (ipc_take_removed(k, &k->sem_ids, p->pid, semid))
		return -EIDRM;
	struct sem_array *sma = sem_obtain_check(k, semid);
	if (!sma)
		return -EINVAL;
	sleepers_prune(k, sma, p->pid);
	if (max >= sma->nsems)
		return -EFBIG;
	if (!ipcperms(k, &sma->perm, alter ? S_IWUGO : S_IRUGO))
		return -EACCES;
	struct sem_undo *un = undos ? find_alloc_undo(p, sma) : NULL;
	if (undos && !un)
		return -ENOMEM;
	int *vals = malloc((size_t)sma->nsems * sizeof(*vals)), blocking = 0;
	if (!vals)
		return -ENOMEM;
	int r = perform_atomic_semop(sma, sops, nsops, un, vals, &blocking);
	if (r == 0) {
		for (int i = 0; i < sma->nsems; i++)
			sma->sems[i].semval = vals[i];
		for (int i = 0; i < nsops; i++) {
			sma->sems[sops[i].sem_num].sempid = p->tgid;
			if (un && (sops[i].sem_flg & SEM_UNDO))
				un->semadj[sops[i].sem_num] -= sops[i].sem_op;
		}
		sma->sems[sops[0].sem_num].otime = now_real(); /* set_semotime */
		if (alter)
			kernel_wake(k, sma);
	}
	free(vals);
	if (r <= 0)
		return r;
	const struct sembuf *b = &sops[blocking];
	if (sleeper_add(sma, p->pid, b->sem_num, b->sem_op == 0))
		return -ENOMEM;
	if (!utimeout) {
		process_block(k, sma);
		return -ERESTARTSYS;
	}
	int64_t slept = process_block_until(k, sma, kernel_now_ns() + timeout_ns);
	if (slept == 0)
		sleepers_prune(k, sma, p->pid);
	return slept == 0 ? -EAGAIN : slept;
}

int64_t sys_semtimedop(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_semtimedop(k, (int)a[0], a[1], (int)a[2], a[3]);
}

int64_t sys_semop(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_semtimedop(k, (int)a[0], a[1], (int)a[2], 0);
}

/* ---- semctl ---- */

static void freeary(struct kernel *k, struct sem_array *sma)
{
	ipc_rmid(k, &k->sem_ids, &sma->perm, sma);
	free(sma->sleepers);
	free(sma->sems);
	free(sma);
}

static int64_t semctl_info(struct kernel *k, int cmd, uint64_t buf)
{
	struct seminfo si = {
		.semmni = SEMMNI, .semmns = SEMMNS, .semmsl = SEMMSL, .semopm = SEMOPM,
		.semvmx = SEMVMX, .semmnu = SEMMNS, .semmap = SEMMNS, .semume = SEMOPM,
		.semusz = SEMUSZ, .semaem = SEMAEM,
	};
	if (cmd == SEM_INFO) {
		si.semusz = k->sem_ids.in_use;
		si.semaem = (int)used_sems(k);
	}
	if (copy_to_user(k, buf, &si, sizeof(si)))
		return -EFAULT;
	int max = ipc_get_maxidx(&k->sem_ids);
	return max < 0 ? 0 : max;
}

static int64_t semctl_stat(struct kernel *k, int semid, int cmd, uint64_t buf)
{
	struct sem_array *sma = cmd == IPC_STAT ? sem_obtain_check(k, semid) : sem_obtain_idx(k, semid);
	if (!sma)
		return -EINVAL;
	if (cmd != SEM_STAT_ANY && !ipcperms(k, &sma->perm, S_IRUGO))
		return -EACCES;
	struct semid_ds ds;
	memset(&ds, 0, sizeof(ds));
	ipc_perm_to_user(&sma->perm, &ds.sem_perm);
	for (int i = 0; i < sma->nsems; i++) /* get_semotime: the latest */
		if (sma->sems[i].otime > ds.sem_otime)
			ds.sem_otime = sma->sems[i].otime;
	ds.sem_ctime = sma->ctime;
	ds.sem_nsems = (unsigned long)sma->nsems;
	if (copy_to_user(k, buf, &ds, sizeof(ds)))
		return -EFAULT;
	return cmd == IPC_STAT ? 0 : sma->perm.id;
}

static int64_t semctl_setval(struct kernel *k, int semid, int semnum, int val)
{
	if (val > SEMVMX || val < 0)
		return -ERANGE;
	struct sem_array *sma = sem_obtain_check(k, semid);
	if (!sma)
		return -EINVAL;
	if (semnum < 0 || semnum >= sma->nsems)
		return -EINVAL;
	if (!ipcperms(k, &sma->perm, S_IWUGO))
		return -EACCES;
	undo_clear(k, semid, semnum);
	sma->sems[semnum].semval = val;
	sma->sems[semnum].sempid = current_tgid(k);
	sma->ctime = now_real();
	kernel_wake(k, sma);
	return 0;
}

static int64_t semctl_main(struct kernel *k, int semid, int semnum, int cmd, uint64_t arg)
{
	struct sem_array *sma = sem_obtain_check(k, semid);
	if (!sma)
		return -EINVAL;
	if (!ipcperms(k, &sma->perm, cmd == SETALL ? S_IWUGO : S_IRUGO))
		return -EACCES;
	int n = sma->nsems;
	if (cmd == GETALL || cmd == SETALL) {
		unsigned short *io = calloc((size_t)n, sizeof(*io));
		if (!io)
			return -ENOMEM;
		int64_t err = 0;
		if (cmd == GETALL) {
			for (int i = 0; i < n; i++)
				io[i] = (unsigned short)sma->sems[i].semval;
			err = copy_to_user(k, arg, io, (size_t)n * sizeof(*io)) ? -EFAULT : 0;
		} else if (copy_from_user(k, io, arg, (size_t)n * sizeof(*io))) {
			err = -EFAULT;
		} else {
			for (int i = 0; i < n && !err; i++)
				if (io[i] > SEMVMX)
					err = -ERANGE;
			if (!err) {
				undo_clear(k, semid, -1);
				for (int i = 0; i < n; i++) {
					sma->sems[i].semval = io[i];
					sma->sems[i].sempid = current_tgid(k);
				}
				sma->ctime = now_real();
				kernel_wake(k, sma);
			}
		}
		free(io);
		return err;
	}
	if (semnum < 0 || semnum >= n)
		return -EINVAL;
	switch (cmd) {
	case GETVAL:
		return sma->sems[semnum].semval;
	case GETPID:
		return sma->sems[semnum].sempid;
	case GETNCNT:
		return count_semcnt(k, sma, semnum, false);
	default: /* GETZCNT */
		return count_semcnt(k, sma, semnum, true);
	}
}

/* IPC_SET and IPC_RMID; IPC_SET's buffer is read first, as Linux does. */
static int64_t semctl_down(struct kernel *k, int semid, int cmd, uint64_t buf)
{
	struct semid_ds ds;
	if (cmd == IPC_SET && copy_from_user(k, &ds, buf, sizeof(ds)))
		return -EFAULT;
	int64_t err;
	struct sem_array *sma = (struct sem_array *)ipcctl_obtain_check(k, &k->sem_ids, semid, &err);
	if (!sma)
		return err;
	if (cmd == IPC_RMID) {
		freeary(k, sma);
		return 0;
	}
	ipc_set_perm(&sma->perm, ds.sem_perm.uid, ds.sem_perm.gid, ds.sem_perm.mode);
	sma->ctime = now_real();
	return 0;
}

int64_t sys_semctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int semid = (int)a[0], semnum = (int)a[1], cmd = (int)a[2];
	if (semid < 0)
		return -EINVAL;
	cmd &= ~IPC_64; /* ipc_parse_version: x86-64 has the 64-bit layout only */
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return semctl_info(k, cmd, a[3]);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		return semctl_stat(k, semid, cmd, a[3]);
	case GETALL:
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
	case SETALL:
		return semctl_main(k, semid, semnum, cmd, a[3]);
	case SETVAL:
		return semctl_setval(k, semid, semnum, (int)a[3]);
	case IPC_SET:
	case IPC_RMID:
		return semctl_down(k, semid, cmd, a[3]);
	default:
		return -EINVAL;
	}
}

/* ---- the rest ---- */

bool sem_proc_info(struct kernel *k, int idx, struct sem_proc_info *out)
{
	const struct sem_array *sma = sem_obtain_idx(k, idx);
	if (!sma)
		return false;
	*out = (struct sem_proc_info){.perm = sma->perm, .nsems = sma->nsems, .ctime = sma->ctime};
	for (int j = 0; j < sma->nsems; j++)
		if (sma->sems[j].otime > out->otime)
			out->otime = sma->sems[j].otime;
	return true;
}

int sem_max_idx(struct kernel *k)
{
	return ipc_get_maxidx(&k->sem_ids);
}

void sem_exit_ns(struct kernel *k)
{
	for (int i = 0, max = ipc_get_maxidx(&k->sem_ids); i <= max; i++) {
		struct sem_array *sma = sem_obtain_idx(k, i);
		if (sma)
			freeary(k, sma);
	}
	ipc_ids_destroy(k, &k->sem_ids);
}
