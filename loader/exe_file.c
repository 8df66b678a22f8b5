/* exe_file.c - reads the program file from the host, with the exit statuses
 * of a shell: 127 when it does not exist, 126 when it cannot be executed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader_int.h"

static int fail_errno(const char *path, int e, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	return e == ENOENT ? 127 : 126;
}

/* Reads the whole file: the bytes are copied, so a file that shrinks later
 * cannot fault the host (as a mapping would). A short read leaves a shorter
 * image, which validation then rejects. */
static int read_all(int fd, size_t size, struct exe_file *f)
{
	f->data = malloc(size);
	if (!f->data)
		return ENOMEM;
	while (f->len < size) {
		ssize_t n = pread(fd, f->data + f->len, size - f->len, (off_t)f->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	return 0;
}

int exe_file_read(const char *path, struct exe_file *f, char *err, size_t errlen)
{
	struct stat st;
	int fd, e = 0;

	f->data = NULL;
	f->len = 0;
	f->fd = -1;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail_errno(path, errno, err, errlen);
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	else if (!S_ISREG(st.st_mode))
		e = EACCES; /* what execve(2) says for a device or FIFO */
	else if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		e = errno;
	else if (st.st_size > 0)
		e = read_all(fd, (size_t)st.st_size, f);
	f->fd = fd;
	if (e) {
		exe_file_free(f);
		return fail_errno(path, e, err, errlen);
	}
	return 0;
}

void exe_file_free(struct exe_file *f)
{
	free(f->data);
	f->data = NULL;
	f->len = 0;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}
