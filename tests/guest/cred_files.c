/* cred_files.c - a process that gave up root is checked as the user it
 * became: in a scratch directory made by root, a child that takes uid and
 * gid 65534 (nobody) with no supplementary groups may not read a 0600
 * file, write a 0644 one, create or remove names in a 0755 directory, or
 * search a 0700 one; access(2) with the real ids and faccessat's
 * AT_EACCESS with the effective ones; what it creates (a file, a
 * directory, a pipe, a socket pair, a memfd) is owned by its fs ids;
 * setfsuid alone decides file access; a root process that dropped
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH is refused too. Without root
 * it prints one line and exits 0. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "proc_test.h"

#define NOBODY 65534

/* <linux/capability.h>'s, which musl's toolchain lacks. */
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
struct __user_cap_header_struct {
	uint32_t version;
	int pid;
};
struct __user_cap_data_struct {
	uint32_t effective, permitted, inheritable;
};

static char dir[256];

static void path(char *out, const char *name)
{
	snprintf(out, 512, "%s/%s", dir, name);
}

static void make(const char *name, mode_t mode, bool is_dir)
{
	char p[512];
	path(p, name);
	if (is_dir) {
		CHECK(mkdir(p, mode) == 0, "mkdir %s: %s", p, strerror(errno));
	} else {
		int fd = open(p, O_CREAT | O_WRONLY | O_EXCL, mode);
		CHECK(fd >= 0 && write(fd, "data\n", 5) == 5, "create %s: %s", p, strerror(errno));
		close(fd);
	}
	CHECK(chmod(p, mode) == 0, "chmod %s: %s", p, strerror(errno)); /* past the umask */
}

/* open(name, flags) fails with err (0: succeeds). */
static void expect_open(const char *name, int flags, int err)
{
	char p[512];
	path(p, name);
	int fd = open(p, flags, 0644);
	if (err) {
		CHECK(fd < 0 && errno == err, "open %s %#x: %s, expected %s", name, flags,
		      fd < 0 ? strerror(errno) : "success", strerror(err));
	} else {
		CHECK(fd >= 0, "open %s %#x: %s", name, flags, strerror(errno));
		close(fd);
	}
}

static void expect_owner(int fd, const char *what, unsigned uid, unsigned gid)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat %s: %s", what, strerror(errno));
	CHECK(st.st_uid == uid && st.st_gid == gid, "%s owned by %u:%u, expected %u:%u", what,
	      (unsigned)st.st_uid, (unsigned)st.st_gid, uid, gid);
}

static void as_nobody(void)
{
	CHECK(setgroups(0, NULL) == 0, "setgroups: %s", strerror(errno));
	CHECK(setresgid(NOBODY, NOBODY, NOBODY) == 0, "setresgid: %s", strerror(errno));
	CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0, "setresuid: %s", strerror(errno));
	expect_open("secret", O_RDONLY, EACCES);
	expect_open("public", O_RDONLY, 0);
	expect_open("public", O_WRONLY, EACCES);
	expect_open("closed/inner", O_RDONLY, EACCES);
	expect_open("rootdir/new", O_CREAT | O_WRONLY, EACCES);
	char p[512], q[512];
	path(p, "public");
	CHECK(unlink(p) < 0 && errno == EACCES, "unlink in a 0755 directory: %s", strerror(errno));
	path(p, "rootdir/sub");
	CHECK(mkdir(p, 0755) < 0 && errno == EACCES, "mkdir in a 0755 directory");
	path(p, "secret");
	CHECK(access(p, R_OK) < 0 && errno == EACCES, "access R_OK of a 0600 file");
	path(p, "public");
	CHECK(access(p, R_OK) == 0 && access(p, W_OK) < 0 && errno == EACCES, "access public");
	/* What it creates is its own. */
	path(p, "shared/mine");
	int fd = open(p, O_CREAT | O_RDWR | O_EXCL, 0600);
	CHECK(fd >= 0, "create in a 01777 directory: %s", strerror(errno));
	expect_owner(fd, "a new file", NOBODY, NOBODY);
	close(fd);
	path(q, "shared/mydir");
	CHECK(mkdir(q, 0700) == 0, "mkdir in a 01777 directory: %s", strerror(errno));
	struct stat st;
	CHECK(stat(q, &st) == 0 && st.st_uid == NOBODY && st.st_gid == NOBODY, "new directory owner");
	int pfd[2], sv[2];
	CHECK(pipe(pfd) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pipe, socketpair");
	expect_owner(pfd[0], "a pipe", NOBODY, NOBODY);
	expect_owner(sv[0], "a socket", NOBODY, NOBODY);
	int mfd = (int)syscall(SYS_memfd_create, "m", 0);
	CHECK(mfd >= 0, "memfd_create: %s", strerror(errno));
	expect_owner(mfd, "a memfd", NOBODY, NOBODY);
	printf("nobody: refused and owner as Linux\n");
}

/* Real uid 0, effective 65534: access(2) answers for the real ids,
 * faccessat(AT_EACCESS) for the effective ones; a file made is owned by
 * the fs ids, which follow the effective ones until setfsuid. */
static void effective_nobody(void)
{
	CHECK(setresuid(0, NOBODY, 0) == 0, "setresuid: %s", strerror(errno));
	char p[512];
	path(p, "secret");
	CHECK(access(p, R_OK) == 0, "access as real root: %s", strerror(errno));
	CHECK(faccessat(AT_FDCWD, p, R_OK, AT_EACCESS) < 0 && errno == EACCES,
	      "faccessat AT_EACCESS as effective nobody");
	expect_open("secret", O_RDONLY, EACCES);
	/* setfsuid back to 0 (allowed: 0 is the real uid) opens it. */
	syscall(SYS_setfsuid, 0);
	expect_open("secret", O_RDONLY, 0);
	syscall(SYS_setfsuid, NOBODY);
	expect_open("secret", O_RDONLY, EACCES);
	printf("effective nobody: access by real ids, opens by fs ids\n");
}

/* uid 0 without the file capabilities: the mode bits decide. */
static void root_without_dac(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget: %s", strerror(errno));
	d[0].effective &= ~(1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH);
	CHECK(syscall(SYS_capset, &h, d) == 0, "capset: %s", strerror(errno));
	char p[512];
	path(p, "theirs");
	CHECK(open(p, O_RDONLY) < 0 && errno == EACCES, "root without CAP_DAC_OVERRIDE read 0600 of another");
	expect_open("secret", O_RDONLY, 0); /* its own file, mode 0600 */
	printf("root without DAC capabilities: mode bits decide\n");
}

/* Every directory on the way to path lets others search it. */
static bool searchable_by_others(const char *path)
{
	char p[512];
	snprintf(p, sizeof(p), "%s", path);
	for (char *slash = p + strlen(p); slash > p; slash = strrchr(p, '/')) {
		*slash = 0;
		struct stat st;
		if (*p && (stat(p, &st) < 0 || !(st.st_mode & S_IXOTH)))
			return false;
	}
	struct stat st;
	return stat(path, &st) == 0 && (st.st_mode & S_IXOTH);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("not root: nothing to check\n");
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || !searchable_by_others(tmp))
		tmp = "/tmp"; /* nobody must reach the scratch directory */
	snprintf(dir, sizeof(dir), "%s/cred_files.XXXXXX", tmp);
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	CHECK(chmod(dir, 0755) == 0, "chmod: %s", strerror(errno));
	make("secret", 0600, false);
	make("public", 0644, false);
	make("rootdir", 0755, true);
	make("closed", 0700, true);
	make("closed/inner", 0644, false);
	make("shared", 01777, true);
	make("theirs", 0600, false);
	char p[512];
	path(p, "theirs");
	CHECK(chown(p, NOBODY, NOBODY) == 0, "chown: %s", strerror(errno));
	run_in_child(as_nobody);
	run_in_child(effective_nobody);
	run_in_child(root_without_dac);
	/* Root again: everything the children left can go. */
	const char *names[] = {"shared/mine", "shared/mydir", "shared", "closed/inner", "closed",
			       "rootdir", "public", "secret", "theirs"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path(p, names[i]);
		CHECK(remove(p) == 0, "remove %s: %s", p, strerror(errno));
	}
	CHECK(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}
