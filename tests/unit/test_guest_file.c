/* test_guest_file.c - guest paths under --root and the fd table.
 *
 * A temporary directory tree stands for the guest's /: it holds etc/passwd
 * ("inside"), a symlink to "/", one to "../..", one to the host's
 * /etc/hostname and a plain directory. Every way out (.., absolute
 * symlinks, relative symlinks) must end inside the tree or fail. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

static char root[] = "/tmp/vmemu-root-XXXXXX";
static int root_fd = -1;

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
	root_fd = file_open_root(root);
	ck_assert_int_ge(root_fd, 0);
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
	close(root_fd);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens path under the root and returns what the file says ("" if empty),
 * or the error as "-ENOENT"-like text. */
static const char *read_in_root(int dir_fd, const char *path)
{
	static char buf[256];
	int fd = path_openat(root_fd, dir_fd, path, O_RDONLY, 0);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "-%s", strerrorname_np(-fd));
		return buf;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

START_TEST(plain_paths)
{
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/passwd"), "inside\n");
	/* Relative paths start at the guest's / too. */
	ck_assert_str_eq(read_in_root(AT_FDCWD, "etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/etc/nothing"), "-ENOENT");
}
END_TEST

START_TEST(dotdot_stays_inside)
{
	ck_assert_str_eq(read_in_root(AT_FDCWD, "../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/../../../../etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(AT_FDCWD, "/dir/../../etc/passwd"), "inside\n");
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
	int fd = path_openat(root_fd, AT_FDCWD, "/escape", O_PATH, 0);
	ck_assert_int_ge(fd, 0);
	struct stat a, b;
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(fstat(root_fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(fd);
}
END_TEST

START_TEST(created_inside)
{
	int fd = path_openat(root_fd, AT_FDCWD, "/../../new", O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct stat st;
	ck_assert_int_eq(fstatat(root_fd, "new", &st, 0), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* Host fds never leak into children of vmemu. */
	fd = path_openat(root_fd, AT_FDCWD, "/new", O_RDONLY, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
}
END_TEST

START_TEST(guest_dirfd)
{
	int dir = path_openat(root_fd, AT_FDCWD, "/dir", O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(dir, 0);
	/* An absolute path ignores the dirfd; ".." stops at it (stricter
	 * than Linux) but never leaves the root. */
	ck_assert_str_eq(read_in_root(dir, "/etc/passwd"), "inside\n");
	ck_assert_str_eq(read_in_root(dir, "up/etc/passwd"), "-ENOENT");
	close(dir);
}
END_TEST

/* chdir and getcwd of a guest under --root, through the system calls. */
#define UBUF 0x10000000ULL

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
	struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .root = root};
	guest_setup(&cfg);
	map(UBUF, PAGE_SIZE, VM_READ | VM_WRITE);
	ck_assert_str_eq(cwd(), "/");
	ck_assert_int_eq(chdir_to("dir"), 0);
	ck_assert_str_eq(cwd(), "/dir");
	/* Relative names follow the cwd. */
	int fd = file_openat(k, AT_FDCWD, "../etc/passwd", O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
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
	guest_teardown();
}
END_TEST

START_TEST(without_root)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/escape/etc/passwd", root);
	/* Host paths as they are: the link to / leads to the host's file. */
	int fd = path_openat(-1, AT_FDCWD, path, O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(path_openat(-1, AT_FDCWD, "/nonexistent/x", O_RDONLY, 0), -ENOENT);
	/* Flags open(2) ignores do not make openat2(2) fail. */
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	fd = path_openat(-1, AT_FDCWD, path, O_RDONLY | 0x40000000, 0777);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* With O_PATH, open(2) drops all but O_DIRECTORY and O_NOFOLLOW. */
	fd = path_openat(-1, AT_FDCWD, root, O_PATH | O_DIRECTORY | O_APPEND | FASYNC, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
}
END_TEST

START_TEST(fd_table)
{
	struct fdtable *t = fdtable_create_stdio();
	ck_assert_ptr_nonnull(t);
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			ck_assert_ptr_nonnull(fd_file(t, fd));
	ck_assert_ptr_null(fd_file(t, 3));
	ck_assert_ptr_null(fd_file(t, -1));
	ck_assert_ptr_null(fd_file(t, MAX_FDS));

	int host = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct file *f = file_create(host);
	ck_assert_int_eq(file_kind(f), FILE_OTHER);
	ck_assert_int_eq(fd_install(t, 0, f, false), 3);
	/* A dup shares the file; it stays open until the last fd closes. */
	file_get(f);
	ck_assert_int_eq(fd_install(t, 10, f, true), 10);
	ck_assert(t->cloexec[10] && !t->cloexec[3]);
	ck_assert_int_eq(fd_close(t, 3), 0);
	ck_assert_int_eq(fd_close(t, 3), -EBADF);
	ck_assert_int_eq(fcntl(host, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(fd_install(t, 0, file_create(open("/", O_RDONLY | O_CLOEXEC)), false), 3);
	ck_assert_int_eq(file_kind(fd_file(t, 3)), FILE_DIRECTORY);
	/* dup2 over an open fd closes what was there. */
	file_get(f);
	fd_install_at(t, 3, f, false);
	ck_assert_ptr_eq(fd_file(t, 3), f);
	ck_assert_int_eq(fd_close(t, 10), 0);
	ck_assert_int_eq(fcntl(host, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(fd_close(t, 3), 0);
	ck_assert_int_eq(fcntl(host, F_GETFD), -1);

	/* The table fills up at MAX_FDS. */
	f = file_create(open("/dev/null", O_RDONLY | O_CLOEXEC));
	int last = 0;
	for (int i = 0; i <= MAX_FDS && last >= 0; i++) {
		file_get(f);
		last = fd_install(t, 0, f, false);
		if (last < 0)
			file_put(f);
	}
	ck_assert_int_eq(last, -EMFILE);
	file_put(f);
	fdtable_destroy(t);
}
END_TEST

START_TEST(fd_table_fork_exec)
{
	struct fdtable *t = fdtable_create_stdio();
	ck_assert_ptr_nonnull(t);
	int host = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(fd_install(t, 0, file_create(host), true), 3);
	int host2 = open("/", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(fd_install(t, 0, file_create(host2), false), 4);
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
	fdtable_destroy(t);
	ck_assert_int_eq(fcntl(host, F_GETFD), -1);
	ck_assert_int_eq(fcntl(host2, F_GETFD), FD_CLOEXEC);
	fdtable_destroy(c);
	ck_assert_int_eq(fcntl(host2, F_GETFD), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_file");
	TCase *tc = unit_tcase(s, "root", setup, teardown);
	tcase_add_test(tc, plain_paths);
	tcase_add_test(tc, dotdot_stays_inside);
	tcase_add_test(tc, symlinks_stay_inside);
	tcase_add_test(tc, created_inside);
	tcase_add_test(tc, guest_dirfd);
	tcase_add_test(tc, cwd_inside_root);
	tcase_add_test(tc, without_root);
	TCase *tf = unit_tcase(s, "fdtable", NULL, NULL);
	tcase_add_test(tf, fd_table);
	tcase_add_test(tf, fd_table_fork_exec);
	return unit_run(s);
}
