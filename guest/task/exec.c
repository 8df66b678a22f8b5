/* exec.c - execve: the guest path is resolved like any open (inside
 * --root), the loader builds the new image, and what exec resets is reset. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

/* Linux's limits on execve's arguments: one string (MAX_ARG_STRLEN), the
 * total (a quarter of the 8 MiB stack limit). */
#define EXEC_MAX_STRLEN (32 * 4096)
#define EXEC_MAX_BYTES (2 << 20)

struct strings {
	char **v;
	size_t n, bytes;
};

static void strings_free(struct strings *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Copies a NULL-terminated array of string pointers from the guest;
 * scratch holds EXEC_MAX_STRLEN bytes. */
static int strings_copy(struct kernel *k, uint64_t uva, struct strings *s, char *scratch)
{
	memset(s, 0, sizeof(*s));
	s->v = calloc(1, sizeof(char *));
	if (!s->v)
		return -ENOMEM;
	for (; uva; uva += sizeof(uint64_t)) {
		uint64_t ptr;
		if (copy_from_user(k, &ptr, uva, sizeof(ptr)))
			return -EFAULT;
		if (!ptr)
			break;
		int64_t len = strncpy_from_user(k, scratch, ptr, EXEC_MAX_STRLEN);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : (int)len;
		s->bytes += (size_t)len + 1 + sizeof(char *);
		if (s->bytes > EXEC_MAX_BYTES)
			return -E2BIG;
		char *str = strdup(scratch);
		char **v = realloc(s->v, (s->n + 2) * sizeof(char *));
		if (v)
			s->v = v;
		if (!str || !v) {
			free(str);
			return -ENOMEM;
		}
		s->v[s->n++] = str;
		s->v[s->n] = NULL;
	}
	return 0;
}

/* The host file for a guest path; "/proc/self/exe" is our own image. */
static int open_exe(struct kernel *k, const char *path, char host[PATH_MAX])
{
	struct process *p = k->current;
	int fd = strcmp(path, "/proc/self/exe") == 0
			 ? open(p->host_exe, O_RDONLY | O_CLOEXEC)
			 : file_openat(k, AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd == -1 ? -errno : fd;
	struct stat st;
	int err = 0;
	if (fstat(fd, &st))
		err = -errno;
	else if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		err = -EACCES;
	if (err) {
		close(fd);
		return err;
	}
	/* The loader opens by path: this one names exactly the file we
	 * resolved, so a rename meanwhile cannot swap it. */
	snprintf(host, PATH_MAX, "/proc/self/fd/%d", fd);
	return fd;
}

int64_t sys_execve(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	char path[PATH_MAX], host[PATH_MAX], msg[512];
	struct strings argv = {0}, envp = {0};
	int err = file_user_path(k, path, a[0], false);
	if (err)
		return err;
	char *scratch = malloc(EXEC_MAX_STRLEN);
	if (!scratch)
		return -ENOMEM;
	err = strings_copy(k, a[1], &argv, scratch);
	if (!err)
		err = strings_copy(k, a[2], &envp, scratch);
	free(scratch);
	int fd = err ? err : open_exe(k, path, host);
	if (fd >= 0) {
		char exe[PATH_MAX];
		memcpy(exe, p->exe, sizeof(exe));
		int r = k->cfg.exec(k, p, host, path, argv.v, envp.v, msg, sizeof(msg));
		close(fd);
		err = r == 0 ? 0 : r == 127 ? -ENOENT : -ENOEXEC;
		if (!err)
			process_set_cmdline(p, argv.v);
		/* Running our own image again: /proc/self/exe still names it. */
		if (!err && strcmp(path, "/proc/self/exe") == 0)
			memcpy(p->exe, exe, sizeof(exe));
	} else {
		err = fd;
	}
	strings_free(&argv);
	strings_free(&envp);
	if (err)
		return err;
	/* The old address space is gone: load the new one. */
	switch_mm(k, p->mm);
	fdtable_exec(p->files);
	signal_exec(p);
	process_vfork_done(k, p);
	k->stats.execs++;
	return 0;
}
