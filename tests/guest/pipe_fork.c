/* pipe_fork: pipes between processes.
 * The parent streams 1 MiB in writes of varying sizes to a child, which
 * checks the bytes and their checksum and exits with a status the parent
 * checks; the other way round a child writes while the parent waits in
 * read and in poll; a child reads the pipe as its stdin (dup2); and
 * across execve a close-on-exec end is closed while a plain one stays
 * open (the program runs itself again through /proc/self/exe). */
#include "guest_test.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#define STREAM_BYTES (1 << 20)

/* The stream's byte at offset i. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 12));
}

static unsigned long long fnv1a(unsigned long long h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV_START 0xcbf29ce484222325ULL

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		CHECK(w > 0, "write of %zu bytes: %s", n, w < 0 ? strerror(errno) : "returned 0");
		p += w;
		n -= (size_t)w;
	}
}

static pid_t start_child(void)
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	return pid;
}

static void wait_ok(pid_t pid, const char *what)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid (%s): %s", what, strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s child: status %#x", what, st);
}

/* Reads fd to its end, checking the bytes against the pattern; returns
 * the count and *sum the checksum. */
static size_t drain(int fd, unsigned long long *sum)
{
	static unsigned char buf[10000];
	size_t total = 0;
	*sum = FNV_START;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		CHECK(r >= 0, "read: %s", strerror(errno));
		if (r == 0)
			return total;
		for (ssize_t i = 0; i < r; i++)
			CHECK(buf[i] == pattern(total + (size_t)i), "byte %zu is %#x, expected %#x",
			      total + (size_t)i, buf[i], pattern(total + (size_t)i));
		*sum = fnv1a(*sum, buf, (size_t)r);
		total += (size_t)r;
	}
}

static unsigned long long expected_sum(void)
{
	unsigned long long h = FNV_START;
	for (size_t i = 0; i < STREAM_BYTES; i++) {
		unsigned char b = pattern(i);
		h = fnv1a(h, &b, 1);
	}
	return h;
}

/* Writes the stream in pieces of 1 to 70000 bytes (some above the pipe's
 * capacity, some under PIPE_BUF). */
static void send_stream(int fd)
{
	static unsigned char buf[STREAM_BYTES];
	for (size_t i = 0; i < STREAM_BYTES; i++)
		buf[i] = pattern(i);
	unsigned long long seed = 42;
	for (size_t off = 0; off < STREAM_BYTES;) {
		size_t n = 1 + rng_next(&seed) % 70000;
		if (n > STREAM_BYTES - off)
			n = STREAM_BYTES - off;
		write_all(fd, buf + off, n);
		off += n;
	}
}

static void parent_to_child(unsigned long long want)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t pid = start_child();
	if (pid == 0) {
		close(p[1]);
		unsigned long long sum;
		size_t n = drain(p[0], &sum);
		CHECK(n == STREAM_BYTES, "child read %zu bytes, expected %d", n, STREAM_BYTES);
		CHECK(sum == want, "child checksum %llx, expected %llx", sum, want);
		_exit(0);
	}
	close(p[0]);
	send_stream(p[1]);
	close(p[1]);
	wait_ok(pid, "stream reader");
	printf("1 MiB parent -> child ok, checksum %llx\n", want);
}

static void child_to_parent(unsigned long long want)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t pid = start_child();
	if (pid == 0) {
		close(p[0]);
		send_stream(p[1]);
		_exit(0);
	}
	close(p[1]);
	/* The parent waits for data in poll first, then in read. */
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	CHECK(poll(&pfd, 1, -1) == 1 && (pfd.revents & POLLIN), "poll: revents %#x", pfd.revents);
	unsigned long long sum;
	size_t n = drain(p[0], &sum);
	CHECK(n == STREAM_BYTES, "parent read %zu bytes, expected %d", n, STREAM_BYTES);
	CHECK(sum == want, "parent checksum %llx, expected %llx", sum, want);
	close(p[0]);
	wait_ok(pid, "stream writer");
	printf("1 MiB child -> parent ok\n");
}

static void pipe_as_stdin(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pid_t pid = start_child();
	if (pid == 0) {
		CHECK(dup2(p[0], 0) == 0, "dup2: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		char line[64];
		int lines = 0;
		while (fgets(line, sizeof(line), stdin)) {
			char want[64];
			snprintf(want, sizeof(want), "line %d\n", ++lines);
			CHECK(!strcmp(line, want), "stdin line '%s', expected '%s'", line, want);
		}
		CHECK(lines == 1000, "read %d lines on stdin, expected 1000", lines);
		_exit(0);
	}
	close(p[0]);
	FILE *out = fdopen(p[1], "w");
	CHECK(out != NULL, "fdopen: %s", strerror(errno));
	for (int i = 1; i <= 1000; i++)
		fprintf(out, "line %d\n", i);
	CHECK(fclose(out) == 0, "fclose: %s", strerror(errno));
	wait_ok(pid, "stdin reader");
	printf("pipe as stdin ok\n");
}

/* The program again after execve: fd gone must be closed, fd kept open. */
static int exec_child(int gone, int kept)
{
	CHECK(fcntl(gone, F_GETFD) == -1 && errno == EBADF, "close-on-exec fd %d still open",
	      gone);
	CHECK(fcntl(kept, F_GETFD) == 0, "fd %d closed by execve", kept);
	write_all(kept, (const unsigned char *)"exec ok", 7);
	return 0;
}

static void cloexec_across_exec(void)
{
	int c[2], k[2];
	CHECK(pipe2(c, O_CLOEXEC) == 0 && pipe(k) == 0, "pipe: %s", strerror(errno));
	pid_t pid = start_child();
	if (pid == 0) {
		char gone[16], kept[16];
		snprintf(gone, sizeof(gone), "%d", c[1]);
		snprintf(kept, sizeof(kept), "%d", k[1]);
		char *argv[] = {"pipe_fork", "exec-child", gone, kept, NULL};
		char *envp[] = {NULL};
		execve("/proc/self/exe", argv, envp);
		fail("execve: %s", strerror(errno));
	}
	close(c[1]);
	close(k[1]);
	/* End of file at once: execve closed the child's copy of c[1]. */
	char buf[16] = "";
	CHECK(read(c[0], buf, sizeof(buf)) == 0, "close-on-exec pipe: not at EOF");
	ssize_t n = read(k[0], buf, sizeof(buf) - 1);
	CHECK(n == 7 && !strcmp(buf, "exec ok"), "exec child said '%s'", n > 0 ? buf : "");
	wait_ok(pid, "exec");
	close(c[0]);
	close(k[0]);
	printf("close-on-exec across execve ok\n");
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exec-child"))
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	unsigned long long want = expected_sum();
	parent_to_child(want);
	child_to_parent(want);
	pipe_as_stdin();
	cloexec_across_exec();
	printf("pipe fork ok\n");
	return 0;
}
