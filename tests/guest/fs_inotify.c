/* fs_inotify: inotify(7) in the scratch folder, its output compared with
 * the native run. The argument errors of inotify_init1, inotify_add_watch
 * and inotify_rm_watch and which comes first; a directory's events
 * (create, open, modify, close_write, attrib, access, close_nowrite,
 * moved_from and moved_to with one cookie, a subdirectory's IN_ISDIR,
 * delete) and a file's (delete_self, then IN_IGNORED); identical events
 * in a row coalesced; IN_ONESHOT; IN_IGNORED after inotify_rm_watch;
 * IN_MASK_ADD and IN_MASK_CREATE (EEXIST) as fdinfo's mask shows them;
 * IN_ONLYDIR (ENOTDIR) and IN_DONT_FOLLOW; nonblocking EAGAIN, FIONREAD,
 * a buffer too small for the next event (EINVAL), a buffer that faults
 * (EFAULT); poll and epoll
 * readiness; a blocking read woken by a child's write; IN_Q_OVERFLOW at
 * max_queued_events; /proc/sys/fs/inotify and the fd's name. Cookies and
 * inode numbers differ between runs: only their equality is printed. */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#define BUF_SIZE 65536

static const struct {
	uint32_t bit;
	const char *name;
} masks[] = {
	{IN_ACCESS, "ACCESS"},       {IN_MODIFY, "MODIFY"},         {IN_ATTRIB, "ATTRIB"},
	{IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"},
	{IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},   {IN_CREATE, "CREATE"},
	{IN_DELETE, "DELETE"},       {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
	{IN_UNMOUNT, "UNMOUNT"},     {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_IGNORED, "IGNORED"},
	{IN_ISDIR, "ISDIR"},
};

static void print_mask(uint32_t m)
{
	const char *sep = "";
	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++)
		if (m & masks[i].bit) {
			printf("%s%s", sep, masks[i].name);
			sep = "|";
			m &= ~masks[i].bit;
		}
	if (m)
		printf("%s%#x", sep, m);
}

static char buf[BUF_SIZE] __attribute__((aligned(8)));

/* Prints the events in n bytes of buf; a moved_from/moved_to pair must
 * share a nonzero cookie. */
static void print_events(ssize_t n)
{
	uint32_t cookie = 0;
	for (ssize_t off = 0; off < n;) {
		struct inotify_event *e = (struct inotify_event *)(buf + off);
		printf("  wd=%d ", e->wd);
		print_mask(e->mask);
		printf(" len=%u name=%s", e->len, e->len ? e->name : "-");
		if (e->mask & IN_MOVED_FROM)
			cookie = e->cookie;
		if (e->mask & IN_MOVED_TO)
			printf(" cookie:%s", e->cookie && e->cookie == cookie ? "same" : "DIFFERENT");
		else if (e->cookie && !(e->mask & IN_MOVED_FROM))
			printf(" cookie:unexpected");
		printf("\n");
		off += (ssize_t)sizeof(*e) + e->len;
	}
}

/* Reads and prints what is queued on the nonblocking fd in. */
static void drain(int in, const char *what)
{
	printf("%s:\n", what);
	ssize_t n = read(in, buf, sizeof buf);
	if (n < 0) {
		printf("  read: %s\n", strerror(errno));
		return;
	}
	print_events(n);
}

static void err(const char *what, long r)
{
	printf("%s = %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void write_file(const char *name, const char *text, int flags)
{
	int fd = open(name, O_WRONLY | O_CREAT | flags, 0644);
	CHECK(fd >= 0, "open %s: %s", name, strerror(errno));
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write: %s", strerror(errno));
	close(fd);
}

static void errors(void)
{
	int in = inotify_init1(IN_NONBLOCK);
	int p[2];
	CHECK(in >= 0 && pipe(p) == 0, "inotify_init1, pipe: %s", strerror(errno));
	err("inotify_init1(0x1)", inotify_init1(1));
	err("inotify_init1(IN_CLOEXEC|O_APPEND)", inotify_init1(IN_CLOEXEC | O_APPEND));
	err("add_watch(bad fd, mask 0)", inotify_add_watch(99, ".", 0));
	err("add_watch(in, mask 0)", inotify_add_watch(in, ".", 0));
	err("add_watch(in, 0x1000|IN_MODIFY)", inotify_add_watch(in, ".", 0x1000 | IN_MODIFY));
	err("add_watch(bad fd, IN_MODIFY)", inotify_add_watch(99, ".", IN_MODIFY));
	err("add_watch(bad fd, MASK_ADD|MASK_CREATE)",
	    inotify_add_watch(99, ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	err("add_watch(pipe, MASK_ADD|MASK_CREATE)",
	    inotify_add_watch(p[0], ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	err("add_watch(pipe, missing)", inotify_add_watch(p[0], "missing", IN_MODIFY));
	err("add_watch(in, missing, MASK_ADD|MASK_CREATE)",
	    inotify_add_watch(in, "missing", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	err("add_watch(in, missing)", inotify_add_watch(in, "missing", IN_MODIFY));
	err("add_watch(in, \"\")", inotify_add_watch(in, "", IN_MODIFY));
	err("add_watch(in, NULL)", inotify_add_watch(in, NULL, IN_MODIFY));
	write_file("plain", "x", O_TRUNC);
	err("add_watch(plain, IN_ONLYDIR)", inotify_add_watch(in, "plain", IN_MODIFY | IN_ONLYDIR));
	err("add_watch(plain/, IN_MODIFY)", inotify_add_watch(in, "plain/", IN_MODIFY));
	CHECK(symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0, "symlink: %s",
	      strerror(errno));
	err("add_watch(loop1)", inotify_add_watch(in, "loop1", IN_MODIFY));
	err("add_watch(loop1, IN_DONT_FOLLOW)", inotify_add_watch(in, "loop1", IN_MODIFY | IN_DONT_FOLLOW));
	err("add_watch(.)", inotify_add_watch(in, ".", IN_ONESHOT));
	err("rm_watch(in, 12345)", inotify_rm_watch(in, 12345));
	err("rm_watch(pipe, 1)", inotify_rm_watch(p[0], 1));
	err("rm_watch(bad fd, 1)", inotify_rm_watch(99, 1));
	int path = open(".", O_PATH);
	err("add_watch(O_PATH fd)", inotify_add_watch(path, ".", IN_MODIFY));
	err("rm_watch(O_PATH fd)", inotify_rm_watch(path, 1));
	err("write(in)", write(in, "x", 1));
	close(path);
	unlink("loop1");
	unlink("loop2");
	/* Read access is needed: a file of mode 0 for a user other than root. */
	write_file("secret", "s", O_TRUNC);
	chmod("secret", 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (getuid() == 0 && setuid(65534) != 0)
			_exit(2);
		_exit(inotify_add_watch(in, "secret", IN_MODIFY) < 0 ? errno : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("add_watch(secret) as a user: %s\n",
	       WIFEXITED(status) && WEXITSTATUS(status) == EACCES ? "EACCES" : "other");
	unlink("secret");
	drain(in, "errors' events");
	close(in);
	close(p[0]);
	close(p[1]);
}

static void dir_events(void)
{
	CHECK(mkdir("d", 0755) == 0, "mkdir d: %s", strerror(errno));
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int wd = inotify_add_watch(in, "d", IN_ALL_EVENTS);
	printf("watch d: %d\n", wd);
	write_file("d/a", "hello", 0);
	drain(in, "create a");
	chmod("d/a", 0600);
	int fd = open("d/a", O_RDONLY);
	char c[8];
	CHECK(read(fd, c, sizeof c) == 5, "read d/a");
	close(fd);
	drain(in, "chmod, open, read, close");
	write_file("d/a", "1", O_APPEND);
	write_file("d/a", "2", O_APPEND);
	drain(in, "two appends");
	fd = open("d/a", O_WRONLY | O_APPEND);
	CHECK(write(fd, "3", 1) == 1 && write(fd, "4", 1) == 1, "write");
	close(fd);
	drain(in, "two writes in a row (one MODIFY)");
	CHECK(rename("d/a", "d/b") == 0, "rename: %s", strerror(errno));
	drain(in, "rename a b");
	CHECK(mkdir("d/sub", 0755) == 0 && rmdir("d/sub") == 0, "mkdir/rmdir d/sub");
	drain(in, "mkdir, rmdir sub");
	int wf = inotify_add_watch(in, "d/b", IN_ALL_EVENTS);
	printf("watch d/b: %d\n", wf);
	CHECK(unlink("d/b") == 0, "unlink: %s", strerror(errno));
	drain(in, "unlink b");
	CHECK(rmdir("d") == 0, "rmdir d: %s", strerror(errno));
	drain(in, "rmdir d");
	close(in);
}

/* The wd, mask and ignored_mask of each watch in fdinfo. */
static void show_fdinfo(int in)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", in);
	FILE *fp = fopen(path, "r");
	CHECK(fp != NULL, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, fp)) {
		int wd;
		unsigned mask, ignored;
		char *m = strstr(line, " mask:"), *i = strstr(line, "ignored_mask:");
		if (!strncmp(line, "flags:", 6))
			printf("  %s", line);
		if (sscanf(line, "inotify wd:%d", &wd) == 1 && m && i &&
		    sscanf(m, " mask:%x", &mask) == 1 && sscanf(i, "ignored_mask:%x", &ignored) == 1)
			printf("  wd:%d mask:%x ignored_mask:%x ino:%s sdev:%s\n", wd, mask, ignored,
			       strstr(line, " ino:") ? "yes" : "no", strstr(line, " sdev:") ? "yes" : "no");
	}
	fclose(fp);
}

static void watch_flags(void)
{
	write_file("f", "", O_TRUNC);
	int in = inotify_init1(IN_NONBLOCK);
	int wd = inotify_add_watch(in, "f", IN_MODIFY | IN_ONESHOT);
	printf("oneshot wd: %d\n", wd);
	write_file("f", "a", O_APPEND);
	write_file("f", "b", O_APPEND);
	drain(in, "oneshot: two appends");
	err("rm_watch(oneshot wd)", inotify_rm_watch(in, wd));
	wd = inotify_add_watch(in, "f", IN_MODIFY);
	err("add_watch(f, IN_ATTRIB|IN_MASK_ADD)", inotify_add_watch(in, "f", IN_ATTRIB | IN_MASK_ADD));
	err("add_watch(f, IN_OPEN|IN_MASK_CREATE)", inotify_add_watch(in, "f", IN_OPEN | IN_MASK_CREATE));
	err("add_watch(., IN_CREATE|IN_MASK_CREATE)", inotify_add_watch(in, ".", IN_CREATE | IN_MASK_CREATE));
	err("add_watch(., IN_DELETE|IN_EXCL_UNLINK)", inotify_add_watch(in, ".", IN_DELETE | IN_EXCL_UNLINK));
	show_fdinfo(in);
	chmod("f", 0600);
	write_file("f", "c", O_APPEND);
	drain(in, "attrib, modify");
	err("add_watch(f, IN_OPEN) (replaces)", inotify_add_watch(in, "f", IN_OPEN));
	show_fdinfo(in);
	err("rm_watch(f)", inotify_rm_watch(in, wd));
	err("rm_watch(f) again", inotify_rm_watch(in, wd));
	drain(in, "after rm_watch");
	CHECK(symlink("f", "lnk") == 0, "symlink: %s", strerror(errno));
	int wl = inotify_add_watch(in, "lnk", IN_ATTRIB | IN_MODIFY | IN_DONT_FOLLOW);
	int wt = inotify_add_watch(in, "lnk", IN_ATTRIB | IN_MODIFY);
	printf("lnk DONT_FOLLOW wd %d, followed wd %d\n", wl, wt);
	write_file("lnk", "d", O_APPEND);
	drain(in, "write through lnk");
	err("add_watch(., IN_ONLYDIR)", inotify_add_watch(in, ".", IN_ATTRIB | IN_ONLYDIR));
	unlink("lnk");
	unlink("f");
	drain(in, "unlink lnk, f");
	/* fdinfo has a line for each of many watches. */
	CHECK(mkdir("many", 0755) == 0, "mkdir many: %s", strerror(errno));
	for (int i = 0; i < 100; i++) {
		char name[32];
		snprintf(name, sizeof name, "many/%d", i);
		write_file(name, "", 0);
		CHECK(inotify_add_watch(in, name, IN_MODIFY) > 0, "add_watch %s", name);
	}
	char line[512], link[64], path[64];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", in);
	FILE *fp = fopen(path, "r");
	CHECK(fp != NULL, "open %s: %s", path, strerror(errno));
	int lines = 0;
	while (fgets(line, sizeof line, fp))
		lines += !strncmp(line, "inotify wd:", 11);
	fclose(fp);
	printf("fdinfo lines of 101 watches: %d\n", lines);
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof line, "many/%d", i);
		unlink(line);
	}
	rmdir("many");
	snprintf(path, sizeof path, "/proc/self/fd/%d", in);
	ssize_t n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("fd name: %s\n", link);
	close(in);
}

static void reading(void)
{
	write_file("r", "", O_TRUNC);
	int in = inotify_init1(IN_NONBLOCK);
	CHECK(inotify_add_watch(in, ".", IN_CREATE | IN_MODIFY) == 1, "add_watch .");
	int avail = -1;
	err("read(empty, nonblocking)", read(in, buf, sizeof buf));
	CHECK(ioctl(in, FIONREAD, &avail) == 0, "FIONREAD: %s", strerror(errno));
	printf("FIONREAD empty: %d\n", avail);
	struct pollfd pfd = {.fd = in, .events = POLLIN};
	printf("poll empty: %d\n", poll(&pfd, 1, 0));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, got;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev) == 0, "epoll_ctl: %s", strerror(errno));
	printf("epoll empty: %d\n", epoll_wait(ep, &got, 1, 0));
	write_file("a-longer-name", "x", 0);
	CHECK(ioctl(in, FIONREAD, &avail) == 0, "FIONREAD: %s", strerror(errno));
	printf("FIONREAD after create and write: %d\n", avail);
	int ready = poll(&pfd, 1, 0);
	printf("poll: %d revents %#x\n", ready, pfd.revents);
	int n = epoll_wait(ep, &got, 1, 0);
	printf("epoll: %d events %#x data %u\n", n, n > 0 ? got.events : 0, n > 0 ? got.data.u32 : 0);
	err("read(16 bytes)", read(in, buf, sizeof(struct inotify_event)));
	err("read(0 bytes)", read(in, buf, 0));
	err("read(first event's size)", read(in, buf, sizeof(struct inotify_event) + 16));
	print_events(sizeof(struct inotify_event) + 16);
	drain(in, "the rest");
	/* A buffer whose second event would cross into an unmapped page:
	 * EFAULT, both events gone; one into an unmapped page: the same. */
	write_file("f1-------------", "", 0);
	write_file("f2-------------", "", 0);
	char *pages = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(pages != MAP_FAILED && munmap(pages + PAGE, PAGE) == 0, "mmap: %s", strerror(errno));
	err("read(an event, then a fault)", read(in, pages + PAGE - 40, 4096));
	drain(in, "after it");
	write_file("f3-------------", "", 0);
	err("read(a fault)", read(in, pages + PAGE, 4096));
	drain(in, "after it");
	munmap(pages, PAGE);
	unlink("f1-------------");
	unlink("f2-------------");
	unlink("f3-------------");
	/* Blocking: woken by a child's write. */
	int fl = fcntl(in, F_GETFL);
	CHECK(fcntl(in, F_SETFL, fl & ~O_NONBLOCK) == 0, "F_SETFL");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(200000);
		write_file("r", "child", O_APPEND);
		_exit(0);
	}
	ssize_t r = read(in, buf, sizeof buf);
	printf("blocking read woken by the child's write:\n");
	print_events(r);
	waitpid(pid, NULL, 0);
	close(ep);
	close(in);
	unlink("r");
	unlink("a-longer-name");
}

static long sysctl(const char *name)
{
	char path[80];
	snprintf(path, sizeof path, "/proc/sys/fs/inotify/%s", name);
	FILE *fp = fopen(path, "r");
	long v = -1;
	if (fp) {
		if (fscanf(fp, "%ld", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

/* Open and close alternate (nothing coalesces) until the queue is full. */
static void overflow(void)
{
	long max = sysctl("max_queued_events");
	printf("sysctls readable: %d %d %d\n", max > 0, sysctl("max_user_instances") > 0,
	       sysctl("max_user_watches") > 0);
	if (max <= 0 || max > 100000) {
		printf("overflow: skipped\n");
		return;
	}
	write_file("o", "", O_TRUNC);
	int in = inotify_init1(IN_NONBLOCK);
	CHECK(inotify_add_watch(in, "o", IN_OPEN | IN_CLOSE_NOWRITE) == 1, "add_watch o");
	for (long i = 0; i < max / 2 + 2; i++)
		close(open("o", O_RDONLY));
	long events = 0, overflows = 0, last_wd = 0;
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		for (ssize_t off = 0; off < n;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);
			events++;
			overflows += (e->mask & IN_Q_OVERFLOW) != 0;
			last_wd = e->wd;
			off += (ssize_t)sizeof(*e) + e->len;
		}
	printf("overflow: %s events, %ld overflow, last wd %ld\n",
	       events == max + 1 ? "max_queued_events + 1" : "OTHER", overflows, last_wd);
	close(in);
	unlink("o");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A folder of its own: the variants run at once in one folder, and
	 * their events would mix. */
	char dir[] = "fs_inotify.XXXXXX";
	CHECK(mkdtemp(dir) && chdir(dir) == 0, "mkdtemp: %s", strerror(errno));
	errors();
	dir_events();
	watch_flags();
	reading();
	overflow();
	int in = inotify_init();
	printf("inotify_init: flags %#x\n", in >= 0 ? fcntl(in, F_GETFL) & ~O_LARGEFILE : -1);
	unlink("plain");
	CHECK(chdir("..") == 0 && rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}
