/* capability.c - each process's capabilities (capabilities(7)): the
 * effective, permitted, inheritable and ambient sets and the bounding set, with
 * capget(2) and capset(2) and their rules from Linux's kernel/capability.c
 * and security/commoncap.c.
 *
 * The first process has vmemu's own sets, as the host gave them; fork
 * copies them; execve recomputes them as for a file without capabilities:
 * a real or effective uid 0 gets its bounding set (and its inheritable
 * one) as permitted, effective too if the effective uid is 0; anyone else
 * its ambient set (prctl's PR_CAP_AMBIENT, prctl.c). Uid changes drop and
 * raise them as Linux's cap_task_fix_setuid. The kernel's checks ask capable(). */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define CAP_VALID_MASK ((1ULL << (CAP_LAST_CAP + 1)) - 1)

void cap_init(struct process *p)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};
	if (syscall(SYS_capget, &h, d) == 0) {
		p->cap.effective = d[0].effective | (uint64_t)d[1].effective << 32;
		p->cap.permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
		p->cap.inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	}
	p->cap.bounding = p->cap.ambient = 0;
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			p->cap.bounding |= 1ULL << c;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			p->cap.ambient |= 1ULL << c;
	}
}

/* cap_bprm_creds_from_file for a file without capabilities: root's
 * (handle_privileged_root) or the ambient set, which stays. */
void cap_exec(struct process *p)
{
	const struct cred *c = &p->cred;
	if (c->euid == 0 || c->uid == 0)
		p->cap.permitted = (p->cap.inheritable | p->cap.bounding) & CAP_VALID_MASK;
	else
		p->cap.permitted = 0;
	p->cap.permitted |= p->cap.ambient;
	p->cap.effective = c->euid == 0 ? p->cap.permitted : p->cap.ambient;
}

/* cap_task_fix_setuid: leaving uid 0 in all of real, effective and saved
 * drops the permitted and effective sets (unless SECBIT_KEEP_CAPS);
 * effective uid 0 lost clears the effective set, gained restores it from
 * the permitted one. An fs uid change (fs_only) moves CAP_FS_SET alone. */
void cap_fix_setuid(struct process *p, const struct cred *old, bool fs_only)
{
	const struct cred *c = &p->cred;
	if (p->cred.securebits & SECBIT_NO_SETUID_FIXUP)
		return;
	if (fs_only) {
		if (old->fsuid == 0 && c->fsuid != 0)
			p->cap.effective &= ~CAP_FS_SET;
		if (old->fsuid != 0 && c->fsuid == 0)
			p->cap.effective |= p->cap.permitted & CAP_FS_SET;
		return;
	}
	bool was_root = old->uid == 0 || old->euid == 0 || old->suid == 0;
	bool is_root = c->uid == 0 || c->euid == 0 || c->suid == 0;
	if (was_root && !is_root) {
		if (!(c->securebits & SECBIT_KEEP_CAPS))
			p->cap.permitted = p->cap.effective = 0;
		p->cap.ambient = 0; /* so that an exec after it has none */
	}
	if (old->euid == 0 && c->euid != 0)
		p->cap.effective = 0;
	if (old->euid != 0 && c->euid == 0)
		p->cap.effective = p->cap.permitted;
}

bool capable(struct kernel *k, int cap)
{
	return k->current && (k->current->cap.effective >> cap & 1);
}

/* The version in the header: the number of 32-bit sets it carries, or
 * -EINVAL after the kernel's preferred version is written back. */
static int cap_validate_magic(struct kernel *k, uint64_t uhdr)
{
	uint32_t version;
	if (copy_from_user(k, &version, uhdr, sizeof(version)))
		return -EFAULT;
	switch (version) {
	case _LINUX_CAPABILITY_VERSION_1:
		return _LINUX_CAPABILITY_U32S_1;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		return _LINUX_CAPABILITY_U32S_3;
	default:
		version = _LINUX_CAPABILITY_VERSION_3;
		return copy_to_user(k, uhdr, &version, sizeof(version)) ? -EFAULT : -EINVAL;
	}
}

int64_t sys_capget(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int n = cap_validate_magic(k, a[0]);
	if (n < 0)
		return n == -EINVAL && !a[1] ? 0 : n; /* a NULL data pointer only asks the version */
	int32_t pid;
	if (copy_from_user(k, &pid, a[0] + 4, sizeof(pid)))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;
	if (!a[1])
		return 0;
	struct process *p = pid ? find_task_by_vpid(k, pid) : k->current;
	if (!p || p->exited)
		return -ESRCH;
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct __user_cap_data_struct){(uint32_t)(p->cap.effective >> 32 * i),
						       (uint32_t)(p->cap.permitted >> 32 * i),
						       (uint32_t)(p->cap.inheritable >> 32 * i)};
	return copy_to_user(k, a[1], d, (uint64_t)n * sizeof(d[0]));
}

int64_t sys_capset(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int n = cap_validate_magic(k, a[0]);
	if (n < 0)
		return n;
	int32_t pid;
	if (copy_from_user(k, &pid, a[0] + 4, sizeof(pid)))
		return -EFAULT;
	struct process *p = k->current;
	if (pid != 0 && pid != p->pid)
		return -EPERM; /* only a process's own */
	struct __user_cap_data_struct d[2] = {{0}};
	if (copy_from_user(k, d, a[1], (uint64_t)n * sizeof(d[0])))
		return -EFAULT;
	uint64_t eff = (d[0].effective | (uint64_t)d[1].effective << 32) & CAP_VALID_MASK;
	uint64_t prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAP_VALID_MASK;
	uint64_t inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAP_VALID_MASK;
	/* cap_capset: inheritable within the old inheritable and permitted
	 * sets (bounding, with CAP_SETPCAP), and the bounding set always;
	 * permitted only shrinks; effective within the new permitted. */
	uint64_t inh_room = p->cap.inheritable |
			    (p->cap.effective >> CAP_SETPCAP & 1 ? p->cap.bounding : p->cap.permitted);
	if ((inh & ~inh_room) || (inh & ~(p->cap.inheritable | p->cap.bounding)) ||
	    (prm & ~p->cap.permitted) || (eff & ~prm))
		return -EPERM;
	/* Capabilities gained make the process as if its ids changed. */
	bool gained = (eff & ~p->cap.effective) || (prm & ~p->cap.permitted) ||
		      (inh & ~p->cap.inheritable);
	p->cap.effective = eff;
	p->cap.permitted = prm;
	p->cap.inheritable = inh;
	p->cap.ambient &= prm & inh; /* ambient only within both */
	if (gained)
		task_cred_changed(p);
	return 0;
}
