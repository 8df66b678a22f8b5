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
 * it is open for writing); readable tells whether the caller could read
 * it too. The name is looked up with the caller's rights (O_PATH), but
 * the program is read with vmemu's own: Linux asks for execute
 * permission alone. Its host name for the loader is the host's magic
 * link of the open fd, which names exactly that file. */
static int open_exe(struct kernel *k, int dirfd, const char *path, int flags, struct file **out,
		    char host[PATH_MAX], bool *readable)
{
	struct file *f;
	int oflags = O_PATH | (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0);
	int err;
	if (!path[0] && (flags & AT_EMPTY_PATH)) { /* execveat of dirfd itself */
		struct path p;
		err = path_lookup(k, dirfd, "", LOOKUP_EMPTY, &p);
		if (!err) {
			err = path_open(k, &p, oflags, &f);
			path_put(&p);
		}
	} else {
		err = file_open(k, dirfd, path, oflags, 0, &f);
	}
	if (err)
		return err;
	struct stat st;
	if ((flags & AT_SYMLINK_NOFOLLOW) && file_stat(f, &st) == 0 && S_ISLNK(st.st_mode)) {
		err = -ELOOP; /* O_PATH | O_NOFOLLOW opened the link itself */
	} else if (file_kind(f) != FILE_REGULAR ||
		   syscall(SYS_faccessat2, f->host_fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0) {
		err = -EACCES;
	} else {
		*readable = syscall(SYS_faccessat2, f->host_fd, "", R_OK,
				    AT_EMPTY_PATH | AT_EACCESS) == 0;
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", f->host_fd);
		cred_host_own(k);
		int fd = open(self, O_RDONLY | O_CLOEXEC);
		err = fd < 0 ? -errno : 0;
		cred_host_sync(k);
		if (fd >= 0) {
			err = file_open_exe(k, fd, out);
			close(fd);
		}
	}
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
	/* The process's struct pid goes with its id: pidfds of the process
	 * name p now, and the old leader's exit is a thread's, not the
	 * process's. */
	uint64_t serial = leader->serial;
	leader->serial = p->serial;
	p->serial = serial;
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

#define BINPRM_BUF_SIZE 256 /* what Linux reads of a file to know its format */
#define INTERP_MAX_DEPTH 5  /* scripts run by scripts: exec_binprm gives up at the sixth */

static bool spacetab(char c)
{
	return c == ' ' || c == '\t';
}

/* Linux's load_script: a file that starts with "#!" names an interpreter
 * and at most one argument on its first line (which must end within
 * BINPRM_BUF_SIZE bytes, or at least the interpreter's name must). argv
 * becomes: interpreter, [argument], name (the file's name: the one run,
 * or the interpreter that is itself a script), argv[1]...; interp gets
 * the interpreter. 1 when the file (fd) is no script, 0, or -errno. */
static int script_args(int fd, const char *name, struct strings *argv, char interp[PATH_MAX])
{
	char buf[BINPRM_BUF_SIZE + 1] = {0};
	ssize_t n = pread(fd, buf, BINPRM_BUF_SIZE, 0);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 1;
	/* The buffer's last byte is its terminator, as Linux's. */
	char *end = memchr(buf, '\n', BINPRM_BUF_SIZE), *buf_end = buf + BINPRM_BUF_SIZE - 1;
	if (!end) {
		char *p = buf + 2;
		while (p < buf_end && spacetab(*p))
			p++;
		while (p < buf_end && *p && !spacetab(*p))
			p++;
		if (p == buf_end)
			return -ENOEXEC; /* the interpreter's name may go on */
		end = buf_end;
	}
	while (end > buf + 2 && spacetab(end[-1]))
		end--;
	*end = 0;
	char *i_name = buf + 2;
	while (spacetab(*i_name))
		i_name++;
	if (!*i_name)
		return -ENOEXEC;
	char *i_arg = i_name;
	while (*i_arg && !spacetab(*i_arg))
		i_arg++;
	if (*i_arg) {
		*i_arg++ = 0;
		while (spacetab(*i_arg))
			i_arg++;
	}
	struct strings v = {0};
	int err = strings_add(&v, i_name, strlen(i_name) + 1);
	if (!err && *i_arg)
		err = strings_add(&v, i_arg, strlen(i_arg) + 1);
	if (!err)
		err = strings_add(&v, name, strlen(name) + 1);
	for (size_t i = 1; !err && i < argv->n; i++)
		err = strings_add(&v, argv->v[i], strlen(argv->v[i]) + 1);
	if (err) {
		strings_free(&v);
		return err;
	}
	strings_free(argv);
	*argv = v;
	snprintf(interp, PATH_MAX, "%s", i_name);
	return 0;
}

/* Linux's load_script, over and over: while f (named name, depth scripts
 * down) is a "#!" script, argv becomes its interpreter's and f the
 * interpreter, opened as execve opens a program (host gets its name for
 * the loader), up to INTERP_MAX_DEPTH scripts deep. readable stays true
 * only if each could be read (Linux's would_dump). 0, or -errno with f
 * put and NULL. */
static int follow_scripts(struct kernel *k, struct file **f, const char *name, int depth,
			  struct strings *argv, char host[PATH_MAX], bool *readable)
{
	char cur[PATH_MAX + 32]; /* the name of the file f is (Linux's bprm->interp) */
	snprintf(cur, sizeof(cur), "%s", name);
	for (;; depth++) {
		char interp[PATH_MAX];
		int r = script_args((*f)->host_fd, cur, argv, interp);
		if (r > 0)
			return 0; /* no script: the loader judges it */
		file_put(*f);
		*f = NULL;
		bool interp_readable = false;
		r = r < 0 ? r : depth == INTERP_MAX_DEPTH ? -ELOOP
							: open_exe(k, AT_FDCWD, interp, 0, f, host, &interp_readable);
		if (r)
			return r;
		*readable = *readable && interp_readable;
		snprintf(cur, sizeof(cur), "%s", interp);
	}
}

/* Whether a script run by execveat could not be opened again by its
 * interpreter: its name is /dev/fd/N/..., and fd N closes on exec
 * (Linux's BINPRM_FLAGS_PATH_INACCESSIBLE: then a script is ENOENT). */
static bool script_inaccessible(struct kernel *k, int dirfd, const char *path, struct file *f)
{
	if (dirfd == AT_FDCWD || path[0] == '/' || !fd_cloexec(k->current->files, dirfd))
		return false;
	char magic[2];
	return pread(f->host_fd, magic, 2, 0) == 2 && magic[0] == '#' && magic[1] == '!';
}

/* execveat(dirfd, path, argv, envp, flags); execve is execveat of
 * AT_FDCWD. The name the new program is run by (AT_EXECFN, a script's
 * argument to its interpreter) is Linux's bprm->filename: path, or for a
 * path relative to a dirfd /dev/fd/N/path (/dev/fd/N with AT_EMPTY_PATH). */
static int64_t do_execveat(struct kernel *k, int dirfd, uint64_t upath, uint64_t uargv,
			   uint64_t uenvp, int flags)
{
	struct process *p = k->current;
	char path[PATH_MAX], host[PATH_MAX], msg[512], name[PATH_MAX + 32];
	struct strings argv = {0}, envp = {0};
	int err = file_user_path(k, path, upath, flags & AT_EMPTY_PATH);
	if (err)
		return err;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (dirfd == AT_FDCWD || path[0] == '/')
		snprintf(name, sizeof(name), "%s", path);
	else
		snprintf(name, sizeof(name), "/dev/fd/%d%s%s", dirfd, path[0] ? "/" : "", path);
	char *scratch = malloc(EXEC_MAX_STRLEN);
	if (!scratch)
		return -ENOMEM;
	err = strings_copy(k, uargv, &argv, scratch);
	/* An empty argv gets {""}, as Linux's since 5.18: argv[0] exists. */
	if (!err && argv.n == 0) {
		strcpy(scratch, "");
		err = strings_add(&argv, scratch, 1);
	}
	if (!err)
		err = strings_copy(k, uenvp, &envp, scratch);
	free(scratch);
	struct file *f = NULL;
	bool readable = false;
	if (!err)
		err = open_exe(k, dirfd, path, flags, &f, host, &readable);
	if (f && script_inaccessible(k, dirfd, path, f)) {
		file_put(f);
		f = NULL;
		err = -ENOENT;
	}
	if (f)
		err = follow_scripts(k, &f, name, 0, &argv, host, &readable);
	struct mm *old_mm = p->mm;
	if (f) {
		/* The old memory stays until this thread's robust futexes and
		 * clear-TID word are released, after the others have gone. */
		old_mm->users++;
		int r = k->cfg.exec(k, p, host, name, argv.v, envp.v, msg, sizeof(msg));
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
	new_mm->thp_disabled = old_mm->thp_disabled; /* kept, as Linux's MMF_INIT_MASK */
	new_mm->coredump_filter = old_mm->coredump_filter;
	maxrss_mm_gone(p, old_mm);
	mm_put(k, old_mm);
	switch_mm(k, p->mm);
	if (unshare_for_exec(p)) {
		force_fatal_sig(p, SIGSEGV); /* as Linux's bprm_execve past that point */
		return 0;
	}
	fdtable_exec(p->files);
	signal_exec(p);
	rseq_execve(p);
	timens_enter(p, p->time_ns_for_children); /* Linux's exec_task_namespaces */
	p->sud = (struct syscall_user_dispatch){0};
	cred_exec(p);
	cap_exec(p);
	task_exec_dumpable(p, readable);
	p->personality &= ~(unsigned)READ_IMPLIES_EXEC; /* SET_PERSONALITY of a 64-bit ELF */
	p->signal->membarrier_state = 0;
	process_vfork_done(k, p);
	ptrace_event_exec(k, p);
	k->stats.execs++;
	return 0;
}

int64_t sys_execve(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_execveat(k, AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t sys_execveat(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	return do_execveat(k, (int)a[0], a[1], a[2], a[3], (int)a[4]);
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

/* Copies a NULL-terminated argv into s: 0, -E2BIG or -ENOMEM. */
static int strings_from(struct strings *s, char *const v[])
{
	memset(s, 0, sizeof(*s));
	for (; *v; v++) {
		int err = strings_add(s, *v, strlen(*v) + 1);
		if (err)
			return err;
	}
	return 0;
}

/* The name a script given to vmemu as PROG has for its interpreter: with
 * --root, a PROG inside the root goes by its path there; else, and for a
 * PROG outside the root (which the guest cannot name), the name given. */
static void first_script_name(struct kernel *k, const char *prog, char name[PATH_MAX])
{
	char real[PATH_MAX], root[PATH_MAX];
	snprintf(name, PATH_MAX, "%s", prog);
	if (!k->cfg.root || !realpath(prog, real) || !realpath(k->cfg.root, root))
		return;
	size_t n = strlen(root);
	if (!strncmp(real, root, n) && real[n] == '/')
		snprintf(name, PATH_MAX, "%s", real + n);
}

/* The first program runs as Linux runs init: an ELF file as it is, a
 * "#!" script through its interpreter, which is looked up as p's execve
 * would look it up (inside --root, as PT_INTERP). */
int kernel_exec_first(struct kernel *k, struct process *p, const char *prog, char *const argv[],
		      char *const envp[], char *err, size_t errlen)
{
	struct strings args;
	char interp[PATH_MAX], host[PATH_MAX], name[PATH_MAX];
	int fd = open(prog, O_RDONLY | O_CLOEXEC), r = 1;
	if (fd >= 0) {
		first_script_name(k, prog, name);
		r = strings_from(&args, argv);
		if (!r)
			r = script_args(fd, name, &args, interp);
		close(fd);
		if (r > 0)
			strings_free(&args);
	}
	if (r > 0) { /* no script, or unreadable: the loader says which */
		r = k->cfg.exec(k, p, prog, prog, argv, envp, err, errlen);
		if (!r)
			process_set_cmdline(p, argv);
		return r;
	}
	struct process *was = k->current;
	k->current = p; /* the lookup is p's: its root, cwd and credentials */
	struct file *f = NULL;
	bool readable = true;
	if (!r)
		r = open_exe(k, AT_FDCWD, interp, 0, &f, host, &readable);
	if (!r)
		r = follow_scripts(k, &f, interp, 1, &args, host, &readable);
	k->current = was;
	if (r) {
		snprintf(err, errlen, "%s: %s%s: %s", prog, r == -ENOEXEC ? "" : "interpreter ",
			 r == -ENOEXEC ? "bad #! line" : interp, strerror(-r));
		strings_free(&args);
		return r == -ENOENT ? 127 : 126;
	}
	r = k->cfg.exec(k, p, host, prog, args.v, envp, err, errlen);
	file_put(f);
	if (!r)
		process_set_cmdline(p, args.v);
	strings_free(&args);
	return r;
}
