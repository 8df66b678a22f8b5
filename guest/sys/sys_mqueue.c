/* sys_mqueue.c - mq_open(2) and mq_unlink(2): their arguments copied in
 * Linux's order (the attributes, then the name: EFAULT, ENOENT for "",
 * ENAMETOOLONG) for fs/mqueue.c. */
#include <errno.h>
#include <limits.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

int64_t sys_mq_open(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct k_mq_attr attr;
	if (a[3] && copy_from_user(k, &attr, a[3], sizeof(attr)))
		return -EFAULT;
	char name[PATH_MAX];
	int err = file_user_path(k, name, a[0], false);
	if (err)
		return err;
	return mqueue_open(k, name, (int)a[1], (unsigned)(uint16_t)a[2], a[3] ? &attr : NULL);
}

int64_t sys_mq_unlink(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	char name[PATH_MAX];
	int err = file_user_path(k, name, a[0], false);
	return err ? err : mqueue_unlink(k, name);
}
