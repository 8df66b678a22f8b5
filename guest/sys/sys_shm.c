/* sys_shm.c - shmget, shmat, shmdt, shmctl: Linux's ipc/shm.c system
 * calls, their argument and permission checks (ipcperms against the
 * caller's credentials) in Linux's order, over mm/shm.c's segments. They
 * are here, not in mm/, because they need the credentials of task/. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define SHMLBA_X86 4096
#define IPC_64 0x0100 /* Linux's shmctl version flag */
#define S_IRWXUGO (S_IRWXU | S_IRWXG | S_IRWXO)
#define S_IRUGO (S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO (S_IWUSR | S_IWGRP | S_IWOTH)
#define S_IXUGO (S_IXUSR | S_IXGRP | S_IXOTH)

/* A segment's owner and rights, as task/ipc.c checks them. */
static struct kern_ipc_perm shm_perm(const struct shmid_kernel *shp)
{
	return (struct kern_ipc_perm){.key = shp->key, .id = shp->id, .uid = shp->uid,
				      .gid = shp->gid, .cuid = shp->cuid, .cgid = shp->cgid,
				      .mode = shp->mode, .seq = shp->seq};
}

static bool shm_ipcperms(struct kernel *k, const struct shmid_kernel *shp, unsigned flag)
{
	struct kern_ipc_perm perm = shm_perm(shp);
	return ipcperms(k, &perm, flag);
}

static bool shm_owner(struct kernel *k, const struct shmid_kernel *shp)
{
	struct kern_ipc_perm perm = shm_perm(shp);
	return ipc_owner(k, &perm);
}

static int64_t newseg(struct kernel *k, int32_t key, uint64_t size, int shmflg)
{
	if (shmflg & SHM_HUGETLB)
		return -EINVAL; /* no hugetlb segments here yet: as if no such page size */
	struct shmid_kernel *shp;
	int err = shm_newseg(k, key, size, &shp);
	if (err)
		return err;
	const struct cred *c = &k->current->cred;
	shp->uid = shp->cuid = c->euid;
	shp->gid = shp->cgid = c->egid;
	shp->mode = shmflg & S_IRWXUGO;
	return shp->id;
}

int64_t sys_shmget(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int32_t key = (int32_t)a[0];
	uint64_t size = a[1];
	int shmflg = (int)a[2];
	if (key == IPC_PRIVATE)
		return newseg(k, key, size, shmflg);
	struct shmid_kernel *shp = shm_find_key(k, key);
	if (!shp)
		return (shmflg & IPC_CREAT) ? newseg(k, key, size, shmflg) : -ENOENT;
	if ((shmflg & IPC_CREAT) && (shmflg & IPC_EXCL))
		return -EEXIST;
	if (shp->segsz < size)
		return -EINVAL;
	if (!shm_ipcperms(k, shp, (unsigned)shmflg))
		return -EACCES;
	return shp->id;
}

int64_t sys_shmat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int shmid = (int)a[0], shmflg = (int)a[2];
	uint64_t addr = a[1];
	if (shmid < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (SHMLBA_X86 - 1)) {
			if (!(shmflg & SHM_RND))
				return -EINVAL;
			addr &= ~(uint64_t)(SHMLBA_X86 - 1);
			if (!addr && (shmflg & SHM_REMAP))
				return -EINVAL;
		}
	} else if (shmflg & SHM_REMAP) {
		return -EINVAL;
	}
	unsigned vm_flags = VM_READ, acc_mode = S_IRUGO;
	if (!(shmflg & SHM_RDONLY)) {
		vm_flags |= VM_WRITE;
		acc_mode |= S_IWUGO;
	}
	if (shmflg & SHM_EXEC) {
		vm_flags |= VM_EXEC;
		acc_mode |= S_IXUGO;
	}
	struct shmid_kernel *shp = shm_obtain_object_check(k, shmid);
	if (!shp)
		return -EINVAL;
	if (!shm_ipcperms(k, shp, acc_mode))
		return -EACCES;
	return do_shmat(k, k->current->mm, shp, addr, vm_flags, shmflg & SHM_REMAP);
}

int64_t sys_shmdt(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return shm_detach(k, k->current->mm, a[0]);
}

static int64_t shm_stat(struct kernel *k, const struct shmid_kernel *shp, uint64_t buf)
{
	struct shmid_ds ds;
	memset(&ds, 0, sizeof(ds));
	struct kern_ipc_perm perm = shm_perm(shp);
	ipc_perm_to_user(&perm, &ds.shm_perm);
	ds.shm_segsz = shp->segsz;
	ds.shm_atime = shp->atime;
	ds.shm_dtime = shp->dtime;
	ds.shm_ctime = shp->ctime;
	ds.shm_cpid = shp->cpid;
	ds.shm_lpid = shp->lpid;
	ds.shm_nattch = shp->nattch;
	return copy_to_user(k, buf, &ds, sizeof(ds)) ? -EFAULT : 0;
}

static int64_t shm_info(struct kernel *k, int cmd, uint64_t buf)
{
	int max = shm_max_idx(k);
	if (cmd == IPC_INFO) {
		struct shminfo in = {
			.shmmax = k->ksys.shmmax,
			.shmmin = 1,
			.shmmni = k->ksys.shmmni,
			.shmseg = k->ksys.shmmni, /* Linux's SHMSEG */
			.shmall = k->ksys.shmall,
		};
		if (copy_to_user(k, buf, &in, sizeof(in)))
			return -EFAULT;
	} else {
		struct shm_info in = {.used_ids = k->shm_ids.in_use, .shm_tot = k->shm_ids.shm_tot};
		for (int i = 0; i <= max; i++) {
			const struct shmid_kernel *shp = shm_obtain_object(k, i);
			if (shp)
				in.shm_rss += shp->mapping->npages;
		}
		if (copy_to_user(k, buf, &in, sizeof(in)))
			return -EFAULT;
	}
	return max < 0 ? 0 : max;
}

/* IPC_SET and IPC_RMID; IPC_SET's buffer is read first, as Linux does. */
static int64_t shm_set_or_rmid(struct kernel *k, int shmid, int cmd, uint64_t buf)
{
	struct shmid_ds ds;
	if (cmd == IPC_SET && copy_from_user(k, &ds, buf, sizeof(ds)))
		return -EFAULT;
	struct shmid_kernel *shp = shm_obtain_object_check(k, shmid);
	if (!shp)
		return -EINVAL;
	if (!shm_owner(k, shp))
		return -EPERM;
	if (cmd == IPC_RMID) {
		shm_rmid(k, shp);
		return 0;
	}
	shp->uid = ds.shm_perm.uid;
	shp->gid = ds.shm_perm.gid;
	shp->mode = (shp->mode & ~(unsigned)S_IRWXUGO) | (ds.shm_perm.mode & S_IRWXUGO);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	shp->ctime = ts.tv_sec;
	return 0;
}

/* SHM_LOCK and SHM_UNLOCK (Linux's shmctl_do_lock): without
 * CAP_IPC_LOCK, the owner's or creator's, and SHM_LOCK needs an
 * RLIMIT_MEMLOCK above 0. */
static int64_t shm_do_lock(struct kernel *k, int shmid, int cmd)
{
	struct shmid_kernel *shp = shm_obtain_object_check(k, shmid);
	if (!shp)
		return -EINVAL;
	uint32_t euid = k->current->cred.euid;
	if (!capable(k, CAP_IPC_LOCK)) {
		if (euid != shp->uid && euid != shp->cuid)
			return -EPERM;
		if (cmd == SHM_LOCK && !mlock_limit(k))
			return -EPERM;
	}
	/* Counted against the real user, as Linux's ucounts. */
	return shm_lock(k, shp, cmd == SHM_LOCK, k->current->cred.uid);
}

int64_t sys_shmctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int shmid = (int)a[0], cmd = (int)a[1];
	if (cmd < 0 || shmid < 0)
		return -EINVAL;
	cmd &= ~IPC_64; /* Linux's ipc_parse_version: x86-64 has the 64-bit layout only */
	struct shmid_kernel *shp;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info(k, cmd, a[2]);
	case SHM_STAT:
	case SHM_STAT_ANY:
	case IPC_STAT:
		shp = cmd == IPC_STAT ? shm_obtain_object_check(k, shmid) : shm_obtain_object(k, shmid);
		if (!shp)
			return -EINVAL;
		if (cmd != SHM_STAT_ANY && !shm_ipcperms(k, shp, S_IRUGO))
			return -EACCES;
		int64_t err = shm_stat(k, shp, a[2]);
		return err ? err : cmd == IPC_STAT ? 0 : shp->id;
	case IPC_SET:
	case IPC_RMID:
		return shm_set_or_rmid(k, shmid, cmd, a[2]);
	case SHM_LOCK:
	case SHM_UNLOCK:
		return shm_do_lock(k, shmid, cmd);
	default:
		return -EINVAL;
	}
}
