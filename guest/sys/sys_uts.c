/* sys_uts.c - the guest's UTS names: uname(2) shows Linux on x86_64 with
 * the host's release and version, and the host and domain names of the
 * caller's UTS namespace (task/utsname.c), the host's until
 * sethostname(2) or setdomainname(2) changes them (for the guest only:
 * CAP_SYS_ADMIN in vmemu's guest does not rename the host). */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/utsname.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define UTS_FIELD 65 /* each field of struct new_utsname: 64 bytes and a NUL */

int64_t sys_uname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct utsname host;
	if (uname(&host) < 0)
		return -errno;
	struct uts_namespace *ns = current_uts(k);
	char u[6][UTS_FIELD] = {"Linux", "", "", "", "x86_64", ""};
	const char *from[6] = {NULL, ns->nodename, host.release, host.version, NULL,
			       ns->domainname};
	for (int i = 0; i < 6; i++)
		if (from[i])
			strncpy(u[i], from[i], UTS_FIELD - 1);
	return copy_to_user(k, a[0], u, sizeof(u));
}

/* sethostname and setdomainname: CAP_SYS_ADMIN, then a length of 0..64,
 * then the bytes (the name is those bytes, NUL-padded). */
static int64_t set_name(struct kernel *k, char *field, uint64_t uname_ptr, int len)
{
	char tmp[UTS_FIELD - 1];
	if (!capable(k, CAP_SYS_ADMIN))
		return -EPERM;
	if (len < 0 || len > UTS_FIELD - 1)
		return -EINVAL;
	if (copy_from_user(k, tmp, uname_ptr, (uint64_t)len))
		return -EFAULT;
	memset(field, 0, UTS_FIELD);
	memcpy(field, tmp, (size_t)len);
	return 0;
}

int64_t sys_sethostname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_name(k, current_uts(k)->nodename, a[0], (int)a[1]);
}

int64_t sys_setdomainname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_name(k, current_uts(k)->domainname, a[0], (int)a[1]);
}
