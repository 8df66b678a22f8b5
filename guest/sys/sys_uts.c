/* sys_uts.c - the guest's UTS names: uname(2) shows Linux on x86_64 with
 * the host's release and version, and the host and domain names the
 * guest has, the host's until sethostname(2) or setdomainname(2) changes
 * them (for the guest only: CAP_SYS_ADMIN in vmemu's guest does not
 * rename the host). */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/utsname.h>

#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

#define UTS_FIELD 65 /* each field of struct new_utsname: 64 bytes and a NUL */

/* The names start as the host's (Linux's init_uts_ns copied at boot). */
static void uts_copy_host(struct kernel *k, const struct utsname *host)
{
	if (k->uts.copied)
		return;
	memcpy(k->uts.nodename, host->nodename, UTS_FIELD);
	memcpy(k->uts.domainname, host->domainname, UTS_FIELD);
	k->uts.copied = true;
}

int64_t sys_uname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct utsname host;
	if (uname(&host) < 0)
		return -errno;
	uts_copy_host(k, &host);
	char u[6][UTS_FIELD] = {"Linux", "", "", "", "x86_64", ""};
	const char *from[6] = {NULL, k->uts.nodename, host.release, host.version, NULL,
			       k->uts.domainname};
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
	struct utsname host;
	if (uname(&host) == 0)
		uts_copy_host(k, &host);
	memset(field, 0, UTS_FIELD);
	memcpy(field, tmp, (size_t)len);
	return 0;
}

int64_t sys_sethostname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_name(k, k->uts.nodename, a[0], (int)a[1]);
}

int64_t sys_setdomainname(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return set_name(k, k->uts.domainname, a[0], (int)a[1]);
}
