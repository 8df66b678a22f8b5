/* exec.c - execve: the guest path is opened like any other (inside
 * --root; /proc/self/exe is the running program's file), the loader builds
 * the new image from that very file, and what exec resets is reset. The
 * file becomes the process's exe_file, which denies writing to it while
 * it runs (ETXTBSY), as Linux's deny_write_access. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
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

/* Appends a copy of str (size bytes with its NUL) to s: 0, -E2BIG or -ENOMEM. */
static int strings_add(struct strings *s, const char *str, size_t size)
{
	s->bytes += size + sizeof(char *);
	if (s->bytes > EXEC_MAX_BYTES)
		return -E2BIG;
	char *copy = strdup(str);
	char **v = realloc(s->v, (s->n + 2) * sizeof(char *));
	if (v)
		s->v = v;
	if (!copy || !v) {
		free(copy);
		return -ENOMEM;
	}
	s->v[s->n++] = copy;
	s->v[s->n] = NULL;
	return 0;
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
		int err = strings_add(s, scratch, (size_t)len + 1);
		if (err)
			return err;
	}
	return 0;
}

/* Opens the file to execute (Linux's do_open_execat): a regular file that
 * may be executed, its writing denied while the exec runs (ETXTBSY when
 * it is open for writing). Its host name for the loader is the host's
 * magic link of the open fd, which names exactly that file. */
static int open_exe(struct kernel *k, const char *path, struct file **out, char host[PATH_MAX])
{
	struct file *f;
	/* O_NONBLOCK: a FIFO's open does not wait (and is no program). */
	int err = file_open(k, AT_FDCWD, path, O_RDONLY | O_NONBLOCK, 0, &f);
	if (err)
		return err;
	if (file_kind(f) != FILE_REGULAR ||
	    syscall(SYS_faccessat2, f->host_fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0)
		err = -EACCES;
	else
		err = file_open_exe(k, f->host_fd, out);
	file_put(f);
	if (!err)
		snprintf(host, PATH_MAX, "/proc/self/fd/%d", (*out)->host_fd);
	return err;
}

/* Linux's de_thread: the other threads of the process end (at once: none
 * of them runs while the kernel does), and a thread other than the leader
 * takes the leader's place and pid, so the process keeps its id. */
static void de_thread(struct kernel *k, struct process *p)
{
	struct signal_struct *s = p->signal;
	for (struct process *t = k->procs; t; t = t->next)
		if (t->signal == s && t != p && !t->exited)
			process_exit(k, t, 0);
	struct process *leader = s->leader;
	if (leader == p)
		return;
	leader->pid = p->pid; /* Linux's exchange_tids, at every PID namespace level */
	p->pid = p->tgid;
	int nr[MAX_PID_NS_LEVEL + 1];
	memcpy(nr, leader->nr, sizeof(nr));
	memcpy(leader->nr, p->nr, sizeof(nr));
	memcpy(p->nr, nr, sizeof(nr));
	if (p->pid_ns->child_reaper == leader)
		p->pid_ns->child_reaper = p;
	p->exit_signal = SIGCHLD;
	leader->exit_signal = -1;
	leader->autoreap = true;
	s->leader = p;
	if (k->init == leader)
		k->init = p;
}

/* What exec shares with no one any more: files and handlers another
 * process uses too (CLONE_FILES, CLONE_SIGHAND without CLONE_THREAD) are
 * copied. 0, or -ENOMEM. */
static int unshare_for_exec(struct process *p)
{
	if (p->files->users > 1) {
		struct fdtable *t = fdtable_fork(p->files);
		if (!t)
			return -ENOMEM;
		fdtable_put(p->files);
		p->files = t;
	}
	if (p->sighand->refs > 1) {
		struct sighand_struct *h = sighand_alloc();
		if (!h)
			return -ENOMEM;
		memcpy(h->action, p->sighand->action, sizeof(h->action));
		sighand_put(p->sighand);
		p->sighand = h;
	}
	return 0;
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
	/* An empty argv gets {""}, as Linux's since 5.18: argv[0] exists. */
	if (!err && argv.n == 0) {
		strcpy(scratch, "");
		err = strings_add(&argv, scratch, 1);
	}
	if (!err)
		err = strings_copy(k, a[2], &envp, scratch);
	free(scratch);
	struct file *f = NULL;
	if (!err)
		err = open_exe(k, path, &f, host);
	struct mm *old_mm = p->mm;
	if (f) {
		/* The old memory stays until this thread's robust futexes and
		 * clear-TID word are released, after the others have gone. */
		old_mm->users++;
		int r = k->cfg.exec(k, p, host, path, argv.v, envp.v, msg, sizeof(msg));
		file_put(f);
		err = r == 0 ? 0 : r == 127 ? -ENOENT : -ENOEXEC;
		if (err)
			mm_put(k, old_mm);
		else
			process_set_cmdline(p, argv.v);
	}
	strings_free(&argv);
	strings_free(&envp);
	if (err)
		return err;
	/* The point of no return (Linux's begin_new_exec). The old address
	 * space is still the one loaded. */
	de_thread(k, p);
	struct mm *new_mm = p->mm;
	p->mm = old_mm;
	exit_mm_release(k, p);
	p->mm = new_mm;
	mm_put(k, old_mm);
	switch_mm(k, p->mm);
	if (unshare_for_exec(p)) {
		force_fatal_sig(p, SIGSEGV); /* as Linux's bprm_execve past that point */
		return 0;
	}
	fdtable_exec(p->files);
	signal_exec(p);
	cred_exec(p);
	cap_exec(p);
	p->personality &= ~(unsigned)READ_IMPLIES_EXEC; /* SET_PERSONALITY of a 64-bit ELF */
	p->signal->membarrier_state = 0;
	process_vfork_done(k, p);
	k->stats.execs++;
	return 0;
}

int exec_lookup_host(struct kernel *k, const char *name)
{
	struct path where;
	int err = path_lookup(k, AT_FDCWD, name, LOOKUP_FOLLOW, &where);
	if (err)
		return err;
	int fd = path_host_fd(&where);
	fd = fd < 0 ? -EACCES : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (fd == -1)
		fd = -errno;
	path_put(&where);
	return fd;
}

int process_set_exe_file(struct kernel *k, struct process *p, int host_fd)
{
	struct file *f;
	int err = file_open_exe(k, host_fd, &f);
	if (err)
		return err;
	struct signal_struct *s = p->signal;
	if (s->exe_file)
		file_put(s->exe_file);
	s->exe_file = f;
	return 0;
}
