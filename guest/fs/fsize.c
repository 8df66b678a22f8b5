/* fsize.c - RLIMIT_FSIZE: how far a process may write or grow a regular
 * file. Past the limit it gets SIGXFSZ and EFBIG; a write that starts
 * below it is cut short there (Linux's generic_write_check_limits and
 * inode_newsize_ok). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"

/* Linux's send_sig(SIGXFSZ, current, 0): to the thread, from itself. */
static int xfsz(struct kernel *k)
{
	struct ksiginfo info = {.signo = SIGXFSZ, .code = SI_USER, .pid = k->current->tgid,
				.uid = (int)k->current->cred.uid};
	signal_send(k, k->current, &info);
	return -EFBIG;
}

int generic_write_check_limits(struct kernel *k, uint64_t pos, uint64_t *count)
{
	uint64_t limit = rlimit(k, RLIMIT_FSIZE);
	if (limit == RLIM_INFINITY || !*count)
		return 0;
	if (pos >= limit)
		return xfsz(k);
	if (*count > limit - pos)
		*count = limit - pos;
	return 0;
}

int file_write_check_limits(struct kernel *k, struct file *f, int64_t pos, uint64_t *count)
{
	if (rlimit(k, RLIMIT_FSIZE) == RLIM_INFINITY || !*count || f->kind != FILE_REGULAR ||
	    f->host_fd < 0)
		return 0;
	struct stat st;
	if ((fcntl(f->host_fd, F_GETFL) & O_APPEND) && fstat(f->host_fd, &st) == 0)
		pos = st.st_size;
	else if (pos < 0)
		pos = lseek(f->host_fd, 0, SEEK_CUR);
	return pos < 0 ? 0 : generic_write_check_limits(k, (uint64_t)pos, count);
}

int inode_newsize_ok(struct kernel *k, uint64_t cur, uint64_t size)
{
	uint64_t limit = rlimit(k, RLIMIT_FSIZE);
	return size > cur && limit != RLIM_INFINITY && size > limit ? xfsz(k) : 0;
}
