/* fs_proc_locks.c - /proc/locks and fdinfo's "lock:" lines, compared with
 * Linux: POSIX locks merged, split and retyped (each keeps or takes its
 * place in the list as Linux's do: the newest first), an OFD lock (pid
 * -1), flock locks, and a request waiting for a lock ("-> " under it).
 * Natively /proc/locks lists the whole host's locks: only the lines of
 * this test's files are printed, with pids and inodes by name. The test
 * stays on CPU 0, since Linux keeps its list per CPU. */
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static char dir[] = "proc_locks.XXXXXX";
static char paths[2][64];
static char inode_id[2][64]; /* "MAJ:MIN:INO" as /proc/locks prints them */
static pid_t parent, child;

static int open_file(int n)
{
	snprintf(paths[n], sizeof(paths[n]), "%s/f%d", dir, n);
	int fd = open(paths[n], O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0, "open %s: %s", paths[n], strerror(errno));
	CHECK(ftruncate(fd, 4096) == 0, "ftruncate: %s", strerror(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	snprintf(inode_id[n], sizeof(inode_id[n]), "%02x:%02x:%llu", major(st.st_dev),
		 minor(st.st_dev), (unsigned long long)st.st_ino);
	return fd;
}

static void cleanup(void)
{
	if (getpid() != parent)
		return;
	for (int n = 0; n < 2; n++)
		if (paths[n][0])
			unlink(paths[n]);
	rmdir(dir);
}

/* Appends word w (its first len bytes) to out, naming pids and inodes. */
static void put_word(const char *w, size_t len, char *out)
{
	char word[128], num[32];
	snprintf(word, sizeof(word), "%.*s", (int)len, w);
	const char *put = word;
	snprintf(num, sizeof(num), "%d", parent);
	if (!strcmp(word, num))
		put = "PARENT";
	snprintf(num, sizeof(num), "%d", child);
	if (child && !strcmp(word, num))
		put = "CHILD";
	for (int n = 0; n < 2; n++)
		if (!strcmp(word, inode_id[n]))
			put = n ? "F1" : "F0";
	strcat(out, put);
}

/* The lines of text about this test's files, with their spacing, words
 * renamed and the ids renumbered in order (other processes' locks come
 * between natively). */
static void show(const char *title, const char *text, char *out, size_t size)
{
	char copy[16384];
	snprintf(copy, sizeof(copy), "%s", text);
	int last_id = -1, id = 0;
	size_t len = strlen(out);
	snprintf(out + len, size - len, "%s:\n", title);
	for (char *save, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strstr(l, inode_id[0]) && !strstr(l, inode_id[1]))
			continue;
		char line[512] = "";
		if (!strncmp(l, "lock:\t", 6)) {
			strcat(line, "lock:\t");
			l += 6;
		}
		int n = atoi(l);
		if (n != last_id)
			id++;
		last_id = n;
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%d", id);
		for (l += strspn(l, "0123456789"); *l;) {
			size_t blank = strspn(l, " \t"), word = strcspn(l + blank, " \t");
			strncat(line, l, blank);
			put_word(l + blank, word, line);
			l += blank + word;
		}
		len = strlen(out);
		snprintf(out + len, size - len, "  %s\n", line);
	}
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void print_locks(const char *title)
{
	static char out[16384];
	out[0] = 0;
	show(title, slurp("/proc/locks"), out, sizeof(out));
	fputs(out, stdout);
}

static void print_fdinfo(int fd)
{
	static char out[4096];
	char path[64], title[32];
	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(title, sizeof(title), "fdinfo of fd %d", fd);
	show(title, slurp(path), out, sizeof(out));
	fputs(out, stdout);
}

static void posix(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock l = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	CHECK(fcntl(fd, cmd, &l) == 0, "fcntl %d type %d [%lld, +%lld): %s", cmd, type,
	      (long long)start, (long long)len, strerror(errno));
}

int main(void)
{
	parent = getpid();
	cpu_set_t cpu0;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	CHECK(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0, "sched_setaffinity: %s",
	      strerror(errno));
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	int f0 = open_file(0), f1 = open_file(1);

	posix(f0, F_SETLK, F_WRLCK, 0, 10);
	posix(f0, F_SETLK, F_RDLCK, 20, 10);
	posix(f0, F_SETLK, F_WRLCK, 10, 10); /* merges with [0, 9]: that one's place */
	print_locks("merged");
	posix(f0, F_SETLK, F_RDLCK, 5, 5);   /* splits [0, 19]: the right part is new */
	posix(f0, F_SETLK, F_WRLCK, 100, 0); /* to the end of the file */
	print_locks("split, and to EOF");
	posix(f0, F_SETLK, F_RDLCK, 100, 0); /* retyped in place: a new lock */
	print_locks("retyped");
	print_fdinfo(f0);

	int ofd = open(paths[1], O_RDWR);
	CHECK(ofd >= 0, "open: %s", strerror(errno));
	posix(ofd, F_OFD_SETLK, F_WRLCK, 0, 1);
	CHECK(flock(f1, LOCK_SH) == 0, "flock: %s", strerror(errno));
	print_locks("OFD and flock");
	CHECK(flock(f1, LOCK_EX) == 0, "flock: %s", strerror(errno));
	print_locks("flock converted");
	print_fdinfo(f1);
	print_fdinfo(ofd);

	/* A child waits for the parent's write lock on [100, EOF). */
	posix(f0, F_SETLK, F_WRLCK, 100, 0);
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child == 0) {
		int fd = open(paths[0], O_RDWR);
		posix(fd, F_SETLKW, F_WRLCK, 200, 50);
		_exit(0);
	}
	bool seen = false;
	for (int i = 0; i < 500 && !seen; i++) {
		seen = strstr(slurp("/proc/locks"), "-> ") != NULL;
		if (!seen)
			nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	CHECK(seen, "the child's request never showed in /proc/locks");
	print_locks("a request waiting");
	posix(f0, F_SETLK, F_UNLCK, 100, 0);
	int status;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child status %#x", status);
	child = 0;
	print_locks("unlocked, the child gone");
	close(f0);
	close(ofd);
	close(f1);
	print_locks("closed");
	return 0;
}
