/* fs_cwd: a program started in a deleted directory (run_guest.sh
 * --deleted-cwd), compared with Linux: it runs; getcwd says ENOENT and
 * /proc/self/cwd reads "<where it was> (deleted)"; "." still opens and
 * stats with no links left, nothing can be made in it (ENOENT), and ".."
 * leads to where it was. Then the same for a directory the program
 * deletes under itself, and a rename that the working directory
 * follows. The names themselves differ between runs: only their shape
 * is printed. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void deleted_cwd(const char *what)
{
	char buf[4200];
	CHECK(getcwd(buf, sizeof buf) == NULL && errno == ENOENT, "%s: getcwd: %s", what,
	      errno ? strerror(errno) : buf);
	ssize_t n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
	CHECK(n > 0, "%s: readlink /proc/self/cwd: %s", what, strerror(errno));
	buf[n] = 0;
	const char *suffix = " (deleted)";
	size_t len = strlen(buf), slen = strlen(suffix);
	CHECK(len > slen && buf[0] == '/' && !strcmp(buf + len - slen, suffix),
	      "%s: /proc/self/cwd is \"%s\"", what, buf);
	struct stat st;
	CHECK(stat(".", &st) == 0 && S_ISDIR(st.st_mode), "%s: stat .: %s", what, strerror(errno));
	printf("%s: getcwd ENOENT, /proc/self/cwd \"/... (deleted)\", . has %lu links\n", what,
	       (unsigned long)st.st_nlink);
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "%s: open .: %s", what, strerror(errno));
	close(fd);
	CHECK_ERRNO(open("new", O_WRONLY | O_CREAT, 0600), ENOENT, "creating a file in it");
	CHECK_ERRNO(mkdir("newdir", 0700), ENOENT, "mkdir in it");
	CHECK_ERRNO(open("missing", O_RDONLY), ENOENT, "opening a name in it");
	/* ".." is the directory it was in. */
	buf[len - slen] = 0;
	char *slash = strrchr(buf, '/');
	*(slash == buf ? slash + 1 : slash) = 0;
	struct stat up, parent;
	CHECK(stat("..", &up) == 0 && stat(buf, &parent) == 0, "stat ..: %s", strerror(errno));
	CHECK(up.st_ino == parent.st_ino && up.st_dev == parent.st_dev, "%s: .. is not %s", what,
	      buf);
	CHECK(chdir("..") == 0, "%s: chdir ..: %s", what, strerror(errno));
	CHECK(getcwd(buf, sizeof buf) != NULL, "%s: getcwd after chdir ..: %s", what,
	      strerror(errno));
	printf("%s: .. is where it was, getcwd works there\n", what);
}

int main(void)
{
	deleted_cwd("started in a deleted directory");

	char dir[4096], sub[4200], moved[4200], buf[4300];
	snprintf(dir, sizeof dir, "%s/vmemu-cwd-XXXXXX", tmp_dir());
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(sub, sizeof sub, "%s/sub", dir);
	snprintf(moved, sizeof moved, "%s/moved", dir);
	CHECK(mkdir(sub, 0700) == 0 && chdir(sub) == 0, "mkdir/chdir %s: %s", sub, strerror(errno));
	/* A rename: the working directory is the directory, not its name. */
	CHECK(rename(sub, moved) == 0, "rename: %s", strerror(errno));
	CHECK(getcwd(buf, sizeof buf) && !strcmp(buf, moved), "getcwd after rename: %s", buf);
	printf("renamed: getcwd follows\n");
	CHECK(rmdir(moved) == 0, "rmdir: %s", strerror(errno));
	deleted_cwd("deleted under it");
	CHECK(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}
