/* ipc.c - what System V semaphores and message queues share (Linux's
 * ipc/util.c): the table of objects by id, the lookup by key, and the
 * permission checks every IPC call makes against the caller's
 * credentials (shared memory's calls use them too). */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/stat.h>

#include "kern.h"
#include "task/internal.h"

static bool in_group_p(const struct cred *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->groups->ngroups; i++)
		if (c->groups->gid[i] == gid)
			return true;
	return false;
}

bool ipcperms(struct kernel *k, const struct kern_ipc_perm *perm, unsigned flag)
{
	const struct cred *c = &k->current->cred;
	unsigned requested = (flag >> 6) | (flag >> 3) | flag, granted = perm->mode;
	if (c->euid == perm->cuid || c->euid == perm->uid)
		granted >>= 6;
	else if (in_group_p(c, perm->cgid) || in_group_p(c, perm->gid))
		granted >>= 3;
	return !((requested & ~granted & 0007) && !capable(k, CAP_IPC_OWNER));
}

bool ipc_owner(struct kernel *k, const struct kern_ipc_perm *perm)
{
	uint32_t euid = k->current->cred.euid;
	return euid == perm->cuid || euid == perm->uid || capable(k, CAP_SYS_ADMIN);
}

struct kern_ipc_perm *ipcctl_obtain_check(struct kernel *k, const struct ipc_ids *ids, int id,
					  int64_t *err)
{
	struct kern_ipc_perm *perm = ipc_obtain_object_check(ids, id);
	*err = !perm ? -EINVAL : !ipc_owner(k, perm) ? -EPERM : 0;
	return *err ? NULL : perm;
}

int ipc_addid(struct kernel *k, struct ipc_ids *ids, struct kern_ipc_perm *perm, int32_t key,
	      unsigned mode, int mni)
{
	if (!ids->entries) {
		ids->entries = calloc(IPCMNI, sizeof(*ids->entries));
		if (!ids->entries)
			return -ENOMEM;
		ids->last_idx = -1;
	}
	/* Linux's ipc_idr_alloc: the next free index after the last one
	 * given, cyclically within max(in_use * 3/2, 64) (at most mni); the
	 * sequence number goes up when the index wraps. */
	int max_idx = ids->in_use * 3 / 2 > IPC_MIN_CYCLE ? ids->in_use * 3 / 2 : IPC_MIN_CYCLE;
	if (max_idx > mni)
		max_idx = mni;
	if (ids->in_use >= mni)
		return -ENOSPC;
	for (int n = 0; n < max_idx; n++) {
		int idx = (ids->last_idx + 1 + n) % max_idx;
		if (ids->entries[idx])
			continue;
		if (idx <= ids->last_idx && ++ids->seq >= INT32_MAX / IPCMNI)
			ids->seq = 0;
		ids->last_idx = idx;
		const struct cred *c = &k->current->cred;
		perm->key = key;
		perm->uid = perm->cuid = c->euid;
		perm->gid = perm->cgid = c->egid;
		perm->mode = mode & (S_IRWXU | S_IRWXG | S_IRWXO);
		perm->seq = (uint16_t)ids->seq;
		perm->id = idx + ids->seq * IPCMNI;
		ids->entries[idx] = perm;
		ids->in_use++;
		return perm->id;
	}
	return -ENOSPC;
}

struct kern_ipc_perm *ipc_obtain_object_idr(const struct ipc_ids *ids, int idx)
{
	return ids->entries && idx >= 0 && idx < IPCMNI ? ids->entries[idx] : NULL;
}

struct kern_ipc_perm *ipc_obtain_object_check(const struct ipc_ids *ids, int id)
{
	struct kern_ipc_perm *perm = id < 0 ? NULL : ipc_obtain_object_idr(ids, id % IPCMNI);
	return perm && perm->id == id ? perm : NULL;
}

struct kern_ipc_perm *ipc_findkey(const struct ipc_ids *ids, int32_t key)
{
	for (int i = 0; ids->entries && i < IPCMNI; i++)
		if (ids->entries[i] && ids->entries[i]->key == key)
			return ids->entries[i];
	return NULL;
}

/* A task woken by the removal of the object it slept on: its call,
 * made again, ends with EIDRM. */
struct ipc_removed {
	const struct ipc_ids *ids;
	int pid, id;
	struct ipc_removed *next;
};

void ipc_rmid(struct kernel *k, struct ipc_ids *ids, struct kern_ipc_perm *perm, const void *chan)
{
	for (struct process *p = k->procs; p; p = p->next) {
		if (p->state != PROC_BLOCKED || p->wait_chan != chan)
			continue;
		struct ipc_removed *r = malloc(sizeof(*r));
		if (r) {
			*r = (struct ipc_removed){ids, p->pid, perm->id, k->ipc_removed};
			k->ipc_removed = r;
		}
	}
	kernel_wake(k, chan);
	ids->entries[perm->id % IPCMNI] = NULL;
	ids->in_use--;
}

bool ipc_take_removed(struct kernel *k, const struct ipc_ids *ids, int pid, int id)
{
	for (struct ipc_removed **link = &k->ipc_removed; *link; link = &(*link)->next) {
		struct ipc_removed *r = *link;
		if (r->ids == ids && r->pid == pid && r->id == id) {
			*link = r->next;
			free(r);
			return true;
		}
	}
	return false;
}

void ipc_ids_destroy(struct kernel *k, struct ipc_ids *ids)
{
	free(ids->entries);
	*ids = (struct ipc_ids){0};
	for (struct ipc_removed **link = &k->ipc_removed; *link;) {
		struct ipc_removed *r = *link;
		if (r->ids == ids) {
			*link = r->next;
			free(r);
		} else {
			link = &r->next;
		}
	}
}

int ipc_get_maxidx(const struct ipc_ids *ids)
{
	for (int i = IPCMNI - 1; ids->entries && i >= 0; i--)
		if (ids->entries[i])
			return i;
	return -1;
}

void ipc_perm_to_user(const struct kern_ipc_perm *perm, struct ipc_perm *out)
{
	out->__key = perm->key;
	out->uid = perm->uid;
	out->gid = perm->gid;
	out->cuid = perm->cuid;
	out->cgid = perm->cgid;
	out->mode = (unsigned short)perm->mode;
	out->__seq = perm->seq;
}

void ipc_set_perm(struct kern_ipc_perm *perm, uint32_t uid, uint32_t gid, unsigned mode)
{
	perm->uid = uid;
	perm->gid = gid;
	perm->mode = (perm->mode & ~(unsigned)(S_IRWXU | S_IRWXG | S_IRWXO)) |
		     (mode & (S_IRWXU | S_IRWXG | S_IRWXO));
}
