/* fs_procfd_proc: readlink of /proc/self/fd/N when fd N is open on one of
 * /proc's or /sys's own files or directories gives that file's name
 * (/proc, /proc/PID for /proc/self, /proc/PID/status, /proc/PID/fd,
 * /sys/kernel), as ls -l /proc/self/fd shows the directory it reads. */
#include "guest_test.h"

#include <fcntl.h>
#include <unistd.h>

static void check(const char *open_name, const char *want)
{
	int fd = open(open_name, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", open_name, strerror(errno));
	char link[64], got[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, got, sizeof(got) - 1);
	CHECK(n >= 0, "readlink %s (%s): %s", link, open_name, strerror(errno));
	got[n] = 0;
	CHECK(strcmp(got, want) == 0, "readlink of an fd on %s: \"%s\", expected \"%s\"", open_name,
	      got, want);
	close(fd);
}

int main(void)
{
	char pid_dir[32], status[64], fd_dir[64];
	snprintf(pid_dir, sizeof(pid_dir), "/proc/%d", (int)getpid());
	snprintf(status, sizeof(status), "%s/status", pid_dir);
	snprintf(fd_dir, sizeof(fd_dir), "%s/fd", pid_dir);
	check("/proc", "/proc");
	check("/proc/self", pid_dir);
	check("/proc/self/status", status);
	check("/proc/self/fd", fd_dir);
	check("/sys/kernel", "/sys/kernel");
	printf("fs_procfd_proc: ok\n");
	return 0;
}
