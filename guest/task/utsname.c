/* utsname.c - UTS namespaces (Linux's kernel/utsname.c): each holds a
 * host and a domain name, which sethostname(2) and setdomainname(2) set
 * for the caller's namespace only (sys/sys_uts.c). The initial one
 * starts as the host's names, copied at first use; vmemu never renames
 * the host. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kern.h"
#include "task/internal.h"

#define PROC_UTS_INIT_INO 0xEFFFFFFEU /* Linux's initial uts namespace inode */

/* The host's names, once (Linux's init_uts_ns is the running kernel's). */
static void uts_copy_host(struct uts_namespace *ns)
{
	struct utsname host;
	if (ns->copied || uname(&host) < 0)
		return;
	memcpy(ns->nodename, host.nodename, sizeof(ns->nodename));
	memcpy(ns->domainname, host.domainname, sizeof(ns->domainname));
	ns->copied = true;
}

struct uts_namespace *init_uts_ns(struct kernel *k)
{
	if (!k->init_uts_ns && (k->init_uts_ns = calloc(1, sizeof(*k->init_uts_ns)))) {
		k->init_uts_ns->refs = 1;
		k->init_uts_ns->inum = PROC_UTS_INIT_INO;
	}
	return k->init_uts_ns;
}

struct uts_namespace *uts_ns_copy(struct uts_namespace *parent)
{
	struct uts_namespace *ns = malloc(sizeof(*ns));
	if (!ns)
		return NULL;
	uts_copy_host(parent);
	*ns = *parent;
	ns->refs = 1;
	ns->inum = ns_alloc_inum();
	return ns;
}

struct uts_namespace *get_uts_ns(struct uts_namespace *ns)
{
	if (ns)
		ns->refs++;
	return ns;
}

void put_uts_ns(struct uts_namespace *ns)
{
	if (ns && --ns->refs == 0)
		free(ns);
}

struct uts_namespace *current_uts(struct kernel *k)
{
	struct uts_namespace *ns = k->current ? k->current->uts_ns : init_uts_ns(k);
	if (ns)
		uts_copy_host(ns);
	return ns;
}
