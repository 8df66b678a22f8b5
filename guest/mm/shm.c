/* shm.c - System V shared memory segments at the memory level, as Linux's
 * ipc/shm.c keeps them: a segment is a shared anonymous mapping (shmem)
 * that the kernel holds in a table until IPC_RMID; shmat maps it, and
 * every VMA mapping it is an attachment (shm_nattch), made by shmat,
 * fork or a split and let go by munmap, shmdt, exec or exit. Permission
 * checks on the caller's credentials are sys_shm.c's. */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <time.h>

#include "kern.h"
#include "mm/internal.h"

static int64_t shm_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static int shm_idx(int id)
{
	return id % SHM_SEQ_MULTIPLIER;
}

struct shmid_kernel *shm_obtain_object(struct kernel *k, int idx)
{
	struct shm_ids *ids = &k->shm_ids;
	if (!ids->segs || idx < 0 || idx >= SHM_SEQ_MULTIPLIER)
		return NULL;
	return ids->segs[idx];
}

struct shmid_kernel *shm_obtain_object_check(struct kernel *k, int id)
{
	struct shmid_kernel *shp = id < 0 ? NULL : shm_obtain_object(k, shm_idx(id));
	return shp && shp->id == id ? shp : NULL;
}

struct shmid_kernel *shm_find_key(struct kernel *k, int32_t key)
{
	struct shm_ids *ids = &k->shm_ids;
	for (int i = 0; ids->segs && i < SHM_SEQ_MULTIPLIER; i++)
		if (ids->segs[i] && ids->segs[i]->key == key)
			return ids->segs[i];
	return NULL;
}

int shm_max_idx(struct kernel *k)
{
	struct shm_ids *ids = &k->shm_ids;
	for (int i = SHM_SEQ_MULTIPLIER - 1; ids->segs && i >= 0; i--)
		if (ids->segs[i])
			return i;
	return -1;
}

/* Linux's ipc_idr_alloc: the next free index after the last one given,
 * cyclically; the sequence number goes up when the index wraps. */
static int shm_idr_alloc(struct kernel *k, int max_idx)
{
	struct shm_ids *ids = &k->shm_ids;
	for (int n = 0; n < max_idx; n++) {
		int idx = (ids->last_idx + 1 + n) % max_idx;
		if (ids->segs[idx])
			continue;
		if (idx <= ids->last_idx && ++ids->seq >= INT32_MAX / SHM_SEQ_MULTIPLIER)
			ids->seq = 0;
		ids->last_idx = idx;
		return idx;
	}
	return -1;
}

int shm_newseg(struct kernel *k, int32_t key, uint64_t size, struct shmid_kernel **out)
{
	struct shm_ids *ids = &k->shm_ids;
	uint64_t numpages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (size < 1 || size > k->ksys.shmmax)
		return -EINVAL;
	if (numpages << PAGE_SHIFT < size)
		return -ENOSPC;
	if (ids->shm_tot + numpages < ids->shm_tot || ids->shm_tot + numpages > k->ksys.shmall)
		return -ENOSPC;
	if (!ids->segs) {
		ids->segs = calloc(SHM_SEQ_MULTIPLIER, sizeof(*ids->segs));
		if (!ids->segs)
			return -ENOMEM;
		ids->last_idx = -1;
	}
	struct shmid_kernel *shp = calloc(1, sizeof(*shp));
	struct mapping *m = shp ? shmem_create(k, size) : NULL;
	if (!m) {
		free(shp);
		return -ENOMEM;
	}
	int max_idx = k->ksys.shmmni ? (int)k->ksys.shmmni : 1;
	int idx = ids->in_use < max_idx ? shm_idr_alloc(k, max_idx) : -1;
	if (idx < 0) {
		mapping_put(m);
		free(shp);
		return -ENOSPC;
	}
	shp->key = key;
	shp->seq = ids->seq;
	shp->id = idx + ids->seq * SHM_SEQ_MULTIPLIER;
	shp->segsz = size;
	shp->ctime = shm_now();
	shp->cpid = current_tgid(k);
	shp->mapping = m;
	m->shm = shp;
	ids->segs[idx] = shp;
	ids->in_use++;
	ids->shm_tot += numpages;
	*out = shp;
	return 0;
}

/* The segment goes: out of the table, and its memory with the table's
 * reference to it (the last, but while a dying VMA still holds one). */
static void shm_destroy(struct kernel *k, struct shmid_kernel *shp)
{
	struct shm_ids *ids = &k->shm_ids;
	ids->segs[shm_idx(shp->id)] = NULL;
	ids->in_use--;
	ids->shm_tot -= (shp->segsz + PAGE_SIZE - 1) >> PAGE_SHIFT;
	shp->mapping->shm = NULL;
	mapping_put(shp->mapping);
	free(shp);
}

static bool shm_may_destroy(struct kernel *k, const struct shmid_kernel *shp)
{
	return shp->nattch == 0 && (k->ksys.shm_rmid_forced || (shp->mode & SHM_DEST));
}

void shm_rmid(struct kernel *k, struct shmid_kernel *shp)
{
	if (shp->nattch) {
		shp->mode |= SHM_DEST;
		shp->key = IPC_PRIVATE; /* no longer found by its key */
	} else {
		shm_destroy(k, shp);
	}
}

void shm_vm_open(struct kernel *k, struct shmid_kernel *shp)
{
	shp->atime = shm_now();
	shp->lpid = current_tgid(k);
	shp->nattch++;
}

void shm_vm_close(struct kernel *k, struct shmid_kernel *shp)
{
	shp->dtime = shm_now();
	shp->lpid = current_tgid(k);
	shp->nattch--;
	if (shm_may_destroy(k, shp))
		shm_destroy(k, shp);
}

int64_t do_shmat(struct kernel *k, struct mm *mm, struct shmid_kernel *shp, uint64_t addr,
		 unsigned vm_flags, bool remap)
{
	uint64_t size = (shp->mapping->size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (addr && !remap) {
		if (addr + size < addr || vma_overlaps(mm, addr, addr + size))
			return -EINVAL;
	}
	if (addr) {
		if (addr + size < addr || addr + size > task_size_max(k))
			return -ENOMEM;
		if (addr < (uint64_t)k->vm.mmap_min_addr)
			return -EPERM;
	} else {
		addr = mm_get_unmapped_area(k, mm, 0, size);
		if (!addr)
			return -ENOMEM;
	}
	/* Held across the map: a segment marked for removal stays. */
	shp->nattch++;
	int64_t ret = mm_map_pages(k, mm, addr, size, vm_flags | VM_SHARED, addr != 0, shp->mapping,
				   0, NULL);
	tlb_gather_finish(k);
	shp->nattch--;
	if (shm_may_destroy(k, shp))
		shm_destroy(k, shp);
	return ret;
}

/* Whether v maps a segment from its start at addr (Linux's test in
 * ksys_shmdt: the page offset equals the distance from addr). */
static bool shm_vma_at(const struct vma *v, uint64_t addr, const struct mapping *m)
{
	return v->mapping && v->mapping->shm && (!m || v->mapping == m) &&
	       (v->start - addr) / PAGE_SIZE == v->pgoff;
}

int shm_detach(struct kernel *k, struct mm *mm, uint64_t addr)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	struct vma *v = vma_first_after(mm, addr);
	struct mapping *m = NULL;
	uint64_t size = 0;
	for (; v; v = v->next) {
		if (shm_vma_at(v, addr, NULL)) {
			m = v->mapping;
			size = m->size;
			struct vma *next = v->next;
			mm_unmap(k, mm, v->start, v->end - v->start);
			v = next;
			break;
		}
	}
	if (!m)
		return -EINVAL;
	/* The other pieces of that attachment (after a partial munmap or
	 * mremap), no farther than the segment's size from addr. */
	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	while (v && v->end - addr <= size) {
		struct vma *next = v->next;
		if (shm_vma_at(v, addr, m))
			mm_unmap(k, mm, v->start, v->end - v->start);
		v = next;
	}
	tlb_gather_finish(k);
	return 0;
}

void shm_exit_ns(struct kernel *k)
{
	struct shm_ids *ids = &k->shm_ids;
	for (int i = 0; ids->segs && i < SHM_SEQ_MULTIPLIER; i++)
		if (ids->segs[i])
			shm_rmid(k, ids->segs[i]);
	if (ids->segs && !ids->in_use) {
		free(ids->segs);
		ids->segs = NULL;
	}
}

static uint64_t shm_pages(const struct shmid_kernel *shp)
{
	return (shp->segsz + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

int shm_lock(struct kernel *k, struct shmid_kernel *shp, bool lock, uint32_t uid)
{
	if (!lock) {
		shp->mode &= ~(unsigned)SHM_LOCKED;
		return 0;
	}
	if (shp->mode & SHM_LOCKED)
		return 0;
	struct shm_ids *ids = &k->shm_ids;
	uint64_t locked = shm_pages(shp);
	for (int i = 0; i < SHM_SEQ_MULTIPLIER; i++)
		if (ids->segs[i] && (ids->segs[i]->mode & SHM_LOCKED) && ids->segs[i]->mlock_uid == uid)
			locked += shm_pages(ids->segs[i]);
	if (mlock_limit(k) != UINT64_MAX && locked > mlock_limit(k) && !capable(k, CAP_IPC_LOCK))
		return -ENOMEM;
	shp->mode |= SHM_LOCKED;
	shp->mlock_uid = uid;
	return 0;
}
