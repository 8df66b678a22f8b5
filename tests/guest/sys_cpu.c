/* sys_cpu: the guest's /sys. /sys/devices/system/cpu/online is a CPU list
 * that get_nprocs() and sysconf(_SC_NPROCESSORS_ONLN) agree with (glibc
 * and musl read it or count the affinity mask), possible and present too;
 * those files cannot be opened for writing (EACCES); /sys/kernel/mm is a
 * directory; /sys lists devices and kernel. With --vmemu (only under
 * vmemu, whose machine is its own): the list is "0", one CPU. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guest_test.h"

/* The CPUs in a cpulist ("0-3,5"), or -1 if it is none. */
static int cpulist_count(const char *s)
{
	int n = 0;
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s)
			return -1;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += (int)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static char *read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "open %s: %s", path, strerror(errno));
	CHECK(fgets(buf, (int)size, f) != NULL, "%s is empty", path);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char online[256], possible[256], present[256];
	read_text("/sys/devices/system/cpu/online", online, sizeof(online));
	read_text("/sys/devices/system/cpu/possible", possible, sizeof(possible));
	read_text("/sys/devices/system/cpu/present", present, sizeof(present));
	int n = cpulist_count(online);
	printf("online is a cpu list: %s\n", n > 0 ? "yes" : "no");
	printf("possible and present are cpu lists: %s\n",
	       cpulist_count(possible) >= n && cpulist_count(present) >= n ? "yes" : "no");
	printf("get_nprocs agrees: %s\n", get_nprocs() == n ? "yes" : "no");
	printf("sysconf agrees: %s\n", sysconf(_SC_NPROCESSORS_ONLN) == n ? "yes" : "no");
	int fd = open("/sys/devices/system/cpu/online", O_WRONLY);
	printf("open for writing: %s\n", fd < 0 && errno == EACCES ? "EACCES" : "other");
	struct stat st;
	CHECK(stat("/sys/kernel/mm", &st) == 0, "stat /sys/kernel/mm: %s", strerror(errno));
	printf("/sys/kernel/mm is a directory: %s\n", S_ISDIR(st.st_mode) ? "yes" : "no");
	DIR *d = opendir("/sys");
	CHECK(d != NULL, "opendir /sys: %s", strerror(errno));
	int seen = 0;
	for (struct dirent *e; (e = readdir(d));)
		seen |= (!strcmp(e->d_name, "devices") ? 1 : 0) | (!strcmp(e->d_name, "kernel") ? 2 : 0);
	closedir(d);
	printf("/sys lists devices and kernel: %s\n", seen == 3 ? "yes" : "no");
	if (argc > 1 && !strcmp(argv[1], "--vmemu")) {
		CHECK(!strcmp(online, "0\n") && !strcmp(possible, "0\n") && !strcmp(present, "0\n"),
		      "vmemu's CPU lists are not \"0\": %s", online);
		CHECK(stat("/sys/block", &st) == -1 && errno == ENOENT,
		      "the host's /sys shows through: /sys/block");
	}
	return 0;
}
