/* test_guest_file.c - guest path names under --root (fs/namei.c) and the
 * fd table.
 *
 * A temporary directory tree stands for the guest's /: it holds etc/passwd
 * ("inside"), a symlink to "/", one to "../..", one to the host's
 * /etc/hostname and a plain directory. Every way out (.., absolute
 * symlinks, relative symlinks, dirfds, /proc's links) must end inside the
 * tree or fail. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define UBUF 0x10000000ULL /* a page of guest memory for system call arguments */

static char root[] = "/tmp/vmemu-root-XXXXXX";

static void make(const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (!text) {
		ck_assert_int_eq(mkdir(path, 0755), 0);
		return;
	}
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void setup(void)
{
	strcpy(root, "/tmp/vmemu-root-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	make("etc", NULL);
	make("etc/passwd", "inside\n");
	make("dir", NULL);
	link_to("escape", "/");
	link_to("up", "../..");
	link_to("dir/up", "../../../../..");
	link_to("hostname", "/etc/hostname");
	const struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .root = root};
	guest_setup(&cfg);
	map(UBUF, PAGE_SIZE, VM_READ | VM_WRITE);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	guest_teardown();
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens path as the guest (dirfd a guest fd or AT_FDCWD) and returns what
 * the file says ("" if empty), or the error as "-ENOENT"-like text. */
static const char *read_in_root(int dirfd, const char *path)
{
	static char buf[256];
	struct file *f;
	int err = file_open(k, dirfd, path, O_RDONLY, 0, &f);
	if (err) {
		snprintf(buf, sizeof(buf), "-%s", strerrorname_np(-err));
		return buf;
	}
	ssize_t n = pread(f->host_fd, buf, sizeof(buf) - 1, 0);
	file_put(f);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* A guest fd on path (flags as open(2)). */
static int guest_open(const char *path, int flags)
{
	struct file *f;
	ck_assert_int_eq(file_open(k, AT_FDCWD, path, flags, 0, &f), 0);
	int fd = fd_install(k, 0, f, false);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(plain_paths)
{
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/passwd"), "inside\n");
	/* Relative paths start at the cwd, the guest's / at first. */
	ck_assert_str_eq(read_in_root(AT_FDCWD, "etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/nothing"), "-ENOENT");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/passwd/"), "-ENOTDIR");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/passwd/x"), "-ENOTDIR");
	ck_assert_str_eq(read_in_root(AT_FDCWD, ""), "-ENOENT");
}
END_TEST

START_TEST(dotdot_stays_inside)
{
	ck_assert_str_eq(read_in_root(AT_FDCWD, "../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/../../../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/dir/../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/../etc/./passwd"), "inside\n");
}
END_TEST

START_TEST(symlinks_stay_inside)
{
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/escape/etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/up/etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/dir/up/etc/passwd"), "inside\n");
	/* An absolute link names the guest's file, which does not exist. */
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/hostname"), "-ENOENT");
	/* "/" through a link is the root itself. */
	struct path at;
	ck_assert_int_eq(path_lookup(k, AT_FDCWD, "/escape", LOOKUP_FOLLOW, &at), 0);
	struct stat a, b;
	ck_assert_int_eq(path_stat(k, &at, &a), 0);
	ck_assert_int_eq(fstat(k->root_fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	path_put(&at);
	/* Without following, the link itself. */
	ck_assert_int_eq(path_lookup(k, AT_FDCWD, "/escape", 0, &at), 0);
	ck_assert_int_eq(path_stat(k, &at, &a), 0);
	ck_assert(S_ISLNK(a.st_mode));
	char text[16];
	ck_assert_int_eq(path_readlink(k, &at, text, sizeof(text)), 1);
	path_put(&at);
}
END_TEST

START_TEST(symlink_loops)
{
	link_to("loop1", "loop2");
	link_to("loop2", "loop1");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/loop1"), "-ELOOP");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/loop1/x"), "-ELOOP");
}
END_TEST

START_TEST(created_inside)
{
	struct file *f;
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/../../new", O_WRONLY | O_CREAT | O_EXCL, 0600, &f),
			 0);
	/* Host fds never leak into children of vmemu. */
	ck_assert_int_eq(fcntl(f->host_fd, F_GETFD), FD_CLOEXEC);
	file_put(f);
	struct stat st;
	ck_assert_int_eq(fstatat(k->root_fd, "new", &st, 0), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600 & ~current_umask(k));
	/* A dangling absolute link creates its target inside. */
	link_to("dangling", "/made");
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/dangling", O_WRONLY | O_CREAT, 0644, &f), 0);
	file_put(f);
	ck_assert_int_eq(fstatat(k->root_fd, "made", &st, 0), 0);
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/escape", O_WRONLY | O_CREAT | O_EXCL, 0644, &f),
			 -EEXIST);
}
END_TEST

/* A dirfd is where a relative name starts; ".." climbs from it to the
 * root as on Linux, and no further. */
START_TEST(guest_dirfd)
{
	int dir = guest_open("/dir", O_RDONLY | O_DIRECTORY);
	ck_assert_str_eq(read_in_root(dir, "/etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(dir, "../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(dir, "../../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(dir, "up/etc/passwd"), "inside\n");
	int file = guest_open("/etc/passwd", O_RDONLY);
	ck_assert_str_eq(read_in_root(file, "x"), "-ENOTDIR");
	ck_assert_str_eq(read_in_root(99, "x"), "-EBADF");
}
END_TEST

/* /proc's links lead to the file itself and on from there, inside. */
START_TEST(proc_links)
{
	int dir = guest_open("/dir", O_PATH);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/../etc/passwd", dir);
	ck_assert_str_eq(read_in_root(AT_FDCWD, path), "inside\n");
	snprintf(path, sizeof(path), "/proc/%d/fd/%d/up/etc/passwd", p->pid, dir);
	ck_assert_str_eq(read_in_root(AT_FDCWD, path), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/proc/self/root/../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/proc/self/cwd/etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/proc/self/fd/99"), "-ENOENT");
	/* The fd's file, not a name looked up again: still there renamed. */
	int file = guest_open("/etc/passwd", O_RDONLY);
	ck_assert_int_eq(renameat(k->root_fd, "etc/passwd", k->root_fd, "etc/moved"), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", file);
	ck_assert_str_eq(read_in_root(AT_FDCWD, path), "inside\n");
	struct path at;
	ck_assert_int_eq(path_lookup(k, AT_FDCWD, path, 0, &at), 0);
	char text[64] = "";
	ck_assert_int_eq(path_readlink(k, &at, text, sizeof(text)), 10);
	ck_assert_str_eq(text, "/etc/moved");
	path_put(&at);
	/* A relative name from a /proc directory. */
	int proc = guest_open("/proc/self", O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "fd/%d/../etc/moved", dir);
	ck_assert_str_eq(read_in_root(proc, path), "inside\n");
	ck_assert_str_eq(read_in_root(proc, "../../etc/moved"), "inside\n");
}
END_TEST

/* The kernel's /dev/fd and /dev/stdin, in a /dev that has none. */
START_TEST(dev_fd)
{
	make("dev", NULL);
	int file = guest_open("/etc/passwd", O_RDONLY);
	char path[64];
	snprintf(path, sizeof(path), "/dev/fd/%d", file);
	ck_assert_str_eq(read_in_root(AT_FDCWD, path), "inside\n");
	fd_install_at(p->files, 0, fd_file(p->files, file), false);
	file_get(fd_file(p->files, 0));
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/dev/stdin"), "inside\n");
	struct path at;
	ck_assert_int_eq(path_lookup(k, AT_FDCWD, "/dev/stdout", 0, &at), 0);
	char text[64] = "";
	ck_assert_int_eq(path_readlink(k, &at, text, sizeof(text)), 15);
	ck_assert_str_eq(text, "/proc/self/fd/1");
	path_put(&at);
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/dev/nothing"), "-ENOENT");
}
END_TEST

/* chdir and getcwd of a guest under --root, through the system calls. */
static int64_t chdir_to(const char *path)
{
	ck_assert_int_eq(copy_to_user(k, UBUF, path, strlen(path) + 1), 0);
	return guest_syscall(SYS_chdir, UBUF, 0, 0, 0);
}

static const char *cwd(void)
{
	static char buf[PATH_MAX];
	int64_t n = guest_syscall(SYS_getcwd, UBUF, PAGE_SIZE, 0, 0);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(copy_from_user(k, buf, UBUF, (uint64_t)n), 0);
	return buf;
}

START_TEST(cwd_inside_root)
{
	ck_assert_str_eq(cwd(), "/");
	ck_assert_int_eq(chdir_to("dir"), 0);
	ck_assert_str_eq(cwd(), "/dir");
	/* Relative names follow the cwd. */
	ck_assert_str_eq(read_in_root(AT_FDCWD, "../etc/passwd"), "inside\n");
	/* No way up and out: "..", a relative link, an absolute link. */
	ck_assert_int_eq(chdir_to("../../.."), 0);
	ck_assert_str_eq(cwd(), "/");
	ck_assert_int_eq(chdir_to("dir/up"), 0);
	ck_assert_str_eq(cwd(), "/");
	ck_assert_int_eq(chdir_to("/escape"), 0);
	ck_assert_str_eq(cwd(), "/");
	ck_assert_int_eq(chdir_to("etc/passwd"), -ENOTDIR);
	ck_assert_int_eq(chdir_to("nothing"), -ENOENT);
	ck_assert_int_eq(guest_syscall(SYS_getcwd, UBUF, 1, 0, 0), -ERANGE);
	/* The cwd is the directory, not its name: it follows a rename. */
	ck_assert_int_eq(chdir_to("dir"), 0);
	ck_assert_int_eq(renameat(k->root_fd, "dir", k->root_fd, "moved"), 0);
	ck_assert_str_eq(cwd(), "/moved");
	/* /proc/self/cwd is a directory too. */
	ck_assert_int_eq(chdir_to("/proc/self"), 0);
	ck_assert_str_eq(cwd(), "/proc/1");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "cwd/../etc/passwd"), "-ENOENT");
	ck_assert_int_eq(chdir_to("cwd"), 0);
	ck_assert_str_eq(cwd(), "/proc/1");
}
END_TEST

/* A deleted working directory: getcwd says ENOENT, nothing can be made
 * in it, ".." still leads to where it was. */
START_TEST(cwd_deleted)
{
	make("gone", NULL);
	ck_assert_int_eq(chdir_to("/gone"), 0);
	char host[PATH_MAX];
	snprintf(host, sizeof(host), "%s/gone", root);
	ck_assert_int_eq(rmdir(host), 0);
	ck_assert_int_eq(guest_syscall(SYS_getcwd, UBUF, PAGE_SIZE, 0, 0), -ENOENT);
	struct file *f;
	ck_assert_int_eq(file_open(k, AT_FDCWD, "new", O_WRONLY | O_CREAT, 0600, &f), -ENOENT);
	ck_assert_str_eq(read_in_root(AT_FDCWD, "../etc/passwd"), "inside\n");
	struct path at;
	ck_assert_int_eq(path_lookup(k, AT_FDCWD, "/proc/self/cwd", 0, &at), 0);
	char text[64] = "";
	ck_assert_int_eq(path_readlink(k, &at, text, sizeof(text)), 15);
	ck_assert_str_eq(text, "/gone (deleted)");
	path_put(&at);
}
END_TEST

/* The umask is the process's, applied by the host to what it creates. */
START_TEST(umask_applies)
{
	int64_t old = current_umask(k);
	ck_assert_int_eq(guest_syscall(SYS_umask, 077, 0, 0, 0), old);
	ck_assert_int_eq(guest_syscall(SYS_umask, 027, 0, 0, 0), 077);
	struct file *f;
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/m", O_WRONLY | O_CREAT, 0666, &f), 0);
	file_put(f);
	struct stat st;
	ck_assert_int_eq(fstatat(k->root_fd, "m", &st, 0), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	/* vmemu's own umask is left as it was. */
	mode_t host = umask(0);
	umask(host);
	ck_assert_uint_ne(host, 027);
}
END_TEST

START_TEST(without_root)
{
	guest_teardown();
	guest_setup(NULL);
	map(UBUF, PAGE_SIZE, VM_READ | VM_WRITE);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/escape/etc/passwd", root);
	/* The guest's / is the host's: the link to / leads to the host's file. */
	struct file *f;
	ck_assert_int_eq(file_open(k, AT_FDCWD, path, O_RDONLY, 0, &f), 0);
	file_put(f);
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/nonexistent/x", O_RDONLY, 0, &f), -ENOENT);
	/* Flags open(2) ignores are ignored. */
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	ck_assert_int_eq(file_open(k, AT_FDCWD, path, O_RDONLY | 0x40000000, 0777, &f), 0);
	file_put(f);
	/* With O_PATH, open(2) drops all but O_DIRECTORY and O_NOFOLLOW. */
	ck_assert_int_eq(file_open(k, AT_FDCWD, root, O_PATH | O_DIRECTORY | O_APPEND | FASYNC, 0,
				   &f),
			 0);
	ck_assert_uint_eq(f->f_mode, FMODE_PATH);
	file_put(f);
	/* The host's /proc is never reached: /proc is the guest's, and the
	 * guest has no fd where vmemu holds the root. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/tmp", k->root_fd);
	ck_assert_str_eq(read_in_root(AT_FDCWD, path), "-ENOENT");
}
END_TEST

static struct file *host_file(const char *path, int flags)
{
	return guest_host_file(open(path, flags | O_CLOEXEC));
}

/* A new table for the current process (fd_install fills the current
 * one); put_table gives its own back and lets go of it. */
static struct fdtable *own_files;

static struct fdtable *new_table(void)
{
	struct fdtable *t = fdtable_create_inherited(k);
	ck_assert_ptr_nonnull(t);
	own_files = p->files;
	p->files = t;
	return t;
}

static void put_table(struct fdtable *t)
{
	p->files = own_files;
	fdtable_put(t);
}

START_TEST(fd_table)
{
	struct fdtable *t = new_table();
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			ck_assert_ptr_nonnull(fd_file(t, fd));
	ck_assert_ptr_null(fd_file(t, 3));
	ck_assert_ptr_null(fd_file(t, -1));
	ck_assert_ptr_null(fd_file(t, t->max_fds));

	struct file *f = host_file("/dev/null", O_RDONLY);
	int host = f->host_fd;
	ck_assert_int_eq(file_kind(f), FILE_OTHER);
	ck_assert_int_eq(fd_install(k, 0, f, false), 3);
	/* A dup shares the file; it stays open until the last fd closes. */
	file_get(f);
	ck_assert_int_eq(fd_install(k, 10, f, true), 10);
	ck_assert(t->cloexec[10] && !t->cloexec[3]);
	ck_assert_int_eq(fd_close(t, 3), 0);
	ck_assert_int_eq(fd_close(t, 3), -EBADF);
	ck_assert_int_eq(fcntl(host, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(fd_install(k, 0, host_file("/", O_RDONLY), false), 3);
	ck_assert_int_eq(file_kind(fd_file(t, 3)), FILE_DIRECTORY);
	/* dup2 over an open fd closes what was there. */
	file_get(f);
	fd_install_at(t, 3, f, false);
	ck_assert_ptr_eq(fd_file(t, 3), f);
	ck_assert_int_eq(fd_close(t, 10), 0);
	ck_assert_int_eq(fcntl(host, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(fd_close(t, 3), 0);
	ck_assert_int_eq(fcntl(host, F_GETFD), -1);

	/* The table fills up at RLIMIT_NOFILE, growing past its first 64. */
	p->signal->rlim[RLIMIT_NOFILE].rlim_cur = 100;
	f = host_file("/dev/null", O_RDONLY);
	int last = 0, n = 0;
	while (last >= 0) {
		file_get(f);
		last = fd_install(k, 0, f, false);
		if (last < 0)
			file_put(f);
		else
			n = last;
	}
	ck_assert_int_eq(last, -EMFILE);
	ck_assert_int_eq(n, 99);
	ck_assert_int_eq(t->max_fds, 128);
	file_put(f);
	put_table(t);
}
END_TEST

/* The table grows as Linux's expand_files (powers of two of 128 slots);
 * a fork's copy is as big as its open fds need. */
START_TEST(fd_table_grows)
{
	struct fdtable *t = new_table();
	ck_assert_int_eq(t->max_fds, 64);
	p->signal->rlim[RLIMIT_NOFILE].rlim_cur = 5000;
	struct file *f = host_file("/dev/null", O_RDONLY);
	ck_assert_int_eq(fd_install(k, 1000, f, true), 1000);
	ck_assert_int_eq(t->max_fds, 1024);
	file_get(f);
	ck_assert_int_eq(fd_install_at(t, 4100, f, false), 0);
	ck_assert_int_eq(t->max_fds, 8192);
	ck_assert(fd_cloexec(t, 1000) && !fd_cloexec(t, 4100) && !fd_cloexec(t, 9000));
	struct fdtable *c = fdtable_fork(t);
	ck_assert_int_eq(c->max_fds, 8192);
	ck_assert_ptr_eq(fd_file(c, 4100), f);
	fdtable_put(c);
	ck_assert_int_eq(fd_close(t, 4100), 0);
	c = fdtable_fork(t);
	ck_assert_int_eq(c->max_fds, 1024);
	fdtable_put(c);
	ck_assert_int_eq(fd_close(t, 1000), 0);
	c = fdtable_fork(t);
	ck_assert_int_eq(c->max_fds, 64);
	fdtable_put(c);
	put_table(t);
}
END_TEST

START_TEST(fd_table_fork_exec)
{
	struct fdtable *t = new_table();
	struct file *f = host_file("/dev/null", O_RDONLY);
	int host = f->host_fd;
	ck_assert_int_eq(fd_install(k, 0, f, true), 3);
	f = host_file("/", O_RDONLY);
	int host2 = f->host_fd;
	ck_assert_int_eq(fd_install(k, 0, f, false), 4);
	/* fork: the same open files (so the same offsets), the same flags. */
	struct fdtable *c = fdtable_fork(t);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(fd_file(c, 3), fd_file(t, 3));
	ck_assert_ptr_eq(fd_file(c, 4), fd_file(t, 4));
	ck_assert(c->cloexec[3] && !c->cloexec[4]);
	ck_assert_int_eq(fd_file(t, 3)->refcount, 2);
	/* exec in the child closes its close-on-exec fds only. */
	fdtable_exec(c);
	ck_assert_ptr_null(fd_file(c, 3));
	ck_assert_ptr_nonnull(fd_file(c, 4));
	ck_assert_ptr_nonnull(fd_file(t, 3));
	ck_assert_int_eq(fcntl(host, F_GETFD), FD_CLOEXEC);
	put_table(t);
	ck_assert_int_eq(fcntl(host, F_GETFD), -1);
	ck_assert_int_eq(fcntl(host2, F_GETFD), FD_CLOEXEC);
	fdtable_put(c);
	ck_assert_int_eq(fcntl(host2, F_GETFD), -1);
}
END_TEST

/* An executed file cannot be opened for writing, by any name, and a file
 * open for writing cannot be executed (Linux's i_writecount). */
START_TEST(write_denied_while_executed)
{
	make("prog", "#!\n");
	char host[PATH_MAX];
	snprintf(host, sizeof(host), "%s/prog", root);
	int fd = open(host, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(process_set_exe_file(k, p, fd), 0);
	close(fd);
	struct file *f;
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/prog", O_WRONLY, 0, &f), -ETXTBSY);
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/prog", O_RDONLY | O_TRUNC, 0, &f), -ETXTBSY);
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/proc/self/exe", O_RDWR, 0, &f), -ETXTBSY);
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/proc/self/exe"), "#!\n");
	struct stat st;
	ck_assert_int_eq(stat(host, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	/* Once no process runs it, it can be written, and then not run. */
	file_put(p->signal->exe_file);
	p->signal->exe_file = NULL;
	ck_assert_int_eq(file_open(k, AT_FDCWD, "/prog", O_WRONLY, 0, &f), 0);
	fd = open(host, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(process_set_exe_file(k, p, fd), -ETXTBSY);
	close(fd);
	file_put(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_file");
	TCase *tc = unit_tcase(s, "root", setup, teardown);
	tcase_add_test(tc, plain_paths);
	tcase_add_test(tc, dotdot_stays_inside);
	tcase_add_test(tc, symlinks_stay_inside);
	tcase_add_test(tc, symlink_loops);
	tcase_add_test(tc, created_inside);
	tcase_add_test(tc, guest_dirfd);
	tcase_add_test(tc, proc_links);
	tcase_add_test(tc, dev_fd);
	tcase_add_test(tc, cwd_inside_root);
	tcase_add_test(tc, cwd_deleted);
	tcase_add_test(tc, umask_applies);
	tcase_add_test(tc, without_root);
	tcase_add_test(tc, write_denied_while_executed);
	TCase *tf = unit_tcase(s, "fdtable", setup, teardown);
	tcase_add_test(tf, fd_table);
	tcase_add_test(tf, fd_table_grows);
	tcase_add_test(tf, fd_table_fork_exec);
	return unit_run(s);
}
