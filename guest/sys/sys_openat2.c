/* sys_openat2.c - openat2(2): openat with a struct open_how whose every
 * field is checked (Linux's build_open_how and build_open_flags, in their
 * order), and RESOLVE_* flags that restrict the walk (fs/namei.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"

/* Linux's VALID_OPEN_FLAGS, O_PATH_FLAGS, O_TMPFILE_MASK (x86-64). */
#define VALID_OPEN_FLAGS                                                                    \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_SYNC |  \
	 O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |  \
	 O_CLOEXEC | O_PATH | O_TMPFILE)
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
/* Linux's __O_TMPFILE: O_TMPFILE without its O_DIRECTORY (glibc's
 * __O_TMPFILE has both). */
#define O_TMPFILE_BIT 020000000
#define O_TMPFILE_MASK (O_TMPFILE_BIT | O_DIRECTORY | O_CREAT)
#define VALID_RESOLVE_FLAGS                                                                 \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |    \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)
#define S_IALLUGO 07777
#define OPEN_HOW_SIZE_VER0 24 /* the first struct open_how */

/* copy_struct_from_user: a larger struct is fine if its tail is zero
 * (else E2BIG), a smaller one is zero-extended. */
static int copy_open_how(struct kernel *k, struct open_how *how, uint64_t uhow, uint64_t size)
{
	*how = (struct open_how){0};
	uint8_t buf[PAGE_SIZE];
	if (copy_from_user(k, buf, uhow, size))
		return -EFAULT;
	for (uint64_t i = sizeof(*how); i < size; i++)
		if (buf[i])
			return -E2BIG;
	memcpy(how, buf, size < sizeof(*how) ? size : sizeof(*how));
	return 0;
}

/* build_open_flags' checks of how. */
static int check_open_how(const struct open_how *how)
{
	uint64_t flags = how->flags;
	if (flags & ~(uint64_t)VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how->resolve & ~(uint64_t)VALID_RESOLVE_FLAGS)
		return -EINVAL;
	if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if (flags & (O_CREAT | O_TMPFILE_BIT)) {
		if (how->mode & ~(uint64_t)S_IALLUGO)
			return -EINVAL;
	} else if (how->mode) {
		return -EINVAL;
	}
	/* Linux 6.4+: O_DIRECTORY | O_CREAT never made a directory. */
	if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT))
		return -EINVAL;
	if (flags & O_TMPFILE_BIT) {
		if ((flags & O_TMPFILE_MASK) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
	}
	if ((flags & O_PATH) && (flags & ~(uint64_t)O_PATH_FLAGS))
		return -EINVAL;
	if ((how->resolve & RESOLVE_CACHED) && (flags & (O_TRUNC | O_CREAT | O_TMPFILE_BIT)))
		return -EAGAIN;
	return 0;
}

/* openat2(dirfd, path, how, size) */
int64_t sys_openat2(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	uint64_t size = a[3];
	if (size < OPEN_HOW_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	struct open_how how;
	int err = copy_open_how(k, &how, a[2], size);
	if (err)
		return err;
	/* 64-bit: O_LARGEFILE always, but O_PATH allows none of it. */
	if (!(how.flags & O_PATH))
		how.flags |= O_LARGEFILE;
	err = check_open_how(&how);
	if (err)
		return err;
	char path[PATH_MAX];
	err = file_user_path(k, path, a[1], false);
	struct file *f;
	if (!err)
		err = file_openat2(k, (int)a[0], path, (int)how.flags, (unsigned)how.mode,
				   (unsigned)how.resolve, &f);
	if (err)
		return err;
	return fd_install_new(k, f, how.flags & O_CLOEXEC);
}
