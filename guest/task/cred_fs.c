/* cred_fs.c - the credentials a file access is checked with: the task's
 * fs uid and gid, supplementary groups and effective capabilities
 * (struct fs_cred), Linux's generic_permission over them, and the same
 * credentials lent to the host.
 *
 * vmemu opens, creates, removes and checks host files for the guest, and
 * the host checks those calls with the credentials of vmemu's thread.
 * So before each system call the thread takes the current task's fs ids,
 * groups and file capabilities (CAP_FS_SET; only when they changed: a
 * compare per call), and gets its own back when the kernel is destroyed.
 * A file a guest creates is then owned by its fs ids, and a guest that
 * gave up root is refused what Linux would refuse it. The calls are the
 * raw system calls, which change the calling thread alone (glibc's
 * wrappers change every thread); the host job threads (hostjob.c), made
 * during a call, start with the caller's. A non-root vmemu cannot take
 * other ids, but its guest cannot have them either: the guest's
 * credentials start from vmemu's and change only as the host lets vmemu
 * change its own. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

struct fs_cred current_fs_cred(const struct kernel *k)
{
	const struct process *p = k->current;
	return (struct fs_cred){p->cred.fsuid, p->cred.fsgid, p->cap.effective, p->cred.groups};
}

/* access(2) and faccessat(2) without AT_EACCESS check with the real ids,
 * and with the permitted capabilities for a real uid 0, none for any
 * other (Linux's access_override_creds). */
struct fs_cred access_fs_cred(const struct kernel *k)
{
	const struct process *p = k->current;
	uint64_t caps = p->cap.effective;
	if (!(p->cred.securebits & (1u << SECURE_NO_SETUID_FIXUP)))
		caps = p->cred.uid == 0 ? p->cap.permitted : 0;
	return (struct fs_cred){p->cred.uid, p->cred.gid, caps, p->cred.groups};
}

bool fs_in_group(const struct fs_cred *c, uint32_t gid)
{
	if (gid == c->fsgid)
		return true;
	for (int i = 0; c->groups && i < c->groups->ngroups; i++)
		if (c->groups->gid[i] == gid)
			return true;
	return false;
}

int fs_permission(const struct fs_cred *c, const struct stat *st, int mask)
{
	unsigned mode = st->st_mode;
	unsigned bits = st->st_uid == c->fsuid		   ? mode >> 6
			: fs_in_group(c, (uint32_t)st->st_gid) ? mode >> 3
								   : mode;
	if (!((unsigned)mask & ~bits & 7))
		return 0;
	bool override = c->caps >> CAP_DAC_OVERRIDE & 1;
	bool read_search = c->caps >> CAP_DAC_READ_SEARCH & 1;
	if (S_ISDIR(mode))
		return (read_search && !(mask & W_OK)) || override ? 0 : -EACCES;
	if (read_search && mask == R_OK)
		return 0;
	/* Root may execute only what someone may execute. */
	return override && (!(mask & X_OK) || (mode & 0111)) ? 0 : -EACCES;
}

/* The thread's credentials as the kernel holds them now. */
static void host_cred_read(struct host_cred *h)
{
	h->fsuid = (uint32_t)syscall(SYS_setfsuid, -1);
	h->fsgid = (uint32_t)syscall(SYS_setfsgid, -1);
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};
	if (syscall(SYS_capget, &hdr, d) == 0) {
		h->effective = d[0].effective | (uint64_t)d[1].effective << 32;
		h->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
		h->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	}
	int n = getgroups(0, NULL);
	h->groups = n > 0 ? malloc((size_t)n * sizeof(*h->groups)) : NULL;
	h->ngroups = h->groups ? getgroups(n, (gid_t *)h->groups) : 0;
	if (h->ngroups < 0)
		h->ngroups = 0;
}

static bool same_groups(const struct host_cred *h, int n, const uint32_t *gid)
{
	return h->ngroups == n && (n == 0 || memcmp(h->groups, gid, (size_t)n * sizeof(*gid)) == 0);
}

/* Makes the thread's credentials want's: fs ids, groups, then the
 * effective set (last: a change of fs uid moves CAP_FS_SET itself). */
static void host_cred_set(struct host_cred *h, const struct host_cred *want)
{
	bool caps = h->effective != want->effective;
	if (h->fsuid != want->fsuid) {
		syscall(SYS_setfsuid, want->fsuid);
		h->fsuid = want->fsuid;
		caps = true;
	}
	if (h->fsgid != want->fsgid) {
		syscall(SYS_setfsgid, want->fsgid);
		h->fsgid = want->fsgid;
	}
	if (!same_groups(h, want->ngroups, want->groups)) {
		/* Recorded even when the host refuses (vmemu without
		 * CAP_SETGID): it would refuse again at every call. */
		syscall(SYS_setgroups, want->ngroups, want->groups);
		size_t size = (size_t)want->ngroups * sizeof(*want->groups);
		free(h->groups);
		h->groups = size ? malloc(size) : NULL;
		h->ngroups = h->groups || !size ? want->ngroups : -1; /* -1: compare again */
		if (h->groups)
			memcpy(h->groups, want->groups, size);
	}
	if (caps) {
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct d[2] = {
			{(uint32_t)want->effective, (uint32_t)h->permitted, (uint32_t)h->inheritable},
			{(uint32_t)(want->effective >> 32), (uint32_t)(h->permitted >> 32),
			 (uint32_t)(h->inheritable >> 32)}};
		syscall(SYS_capset, &hdr, d);
		h->effective = want->effective;
	}
}

void cred_host_init(struct kernel *k)
{
	host_cred_read(&k->host_cred_own);
	host_cred_read(&k->host_cred);
}

void cred_host_apply(struct kernel *k, const struct fs_cred *c)
{
	const struct host_cred *own = &k->host_cred_own;
	struct host_cred want = {
		.fsuid = c->fsuid, .fsgid = c->fsgid,
		/* vmemu's own capabilities but for the file ones, which are
		 * the guest's as far as vmemu has them. */
		.effective = (own->effective & ~CAP_FS_SET) | (c->caps & CAP_FS_SET & own->permitted),
		.ngroups = c->groups ? c->groups->ngroups : 0,
		.groups = c->groups ? c->groups->gid : NULL,
	};
	host_cred_set(&k->host_cred, &want);
}

void cred_host_sync(struct kernel *k)
{
	struct fs_cred c = current_fs_cred(k);
	cred_host_apply(k, &c);
}

void cred_host_own(struct kernel *k)
{
	host_cred_set(&k->host_cred, &k->host_cred_own);
}

void cred_host_restore(struct kernel *k)
{
	host_cred_set(&k->host_cred, &k->host_cred_own);
	free(k->host_cred.groups);
	free(k->host_cred_own.groups);
	k->host_cred.groups = k->host_cred_own.groups = NULL;
}
