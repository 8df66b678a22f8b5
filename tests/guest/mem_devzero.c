/* mem_devzero: mmap of character devices. /dev/zero maps are anonymous
 * memory: a private map reads zeroes and keeps a forked child's stores
 * to itself, a shared map is one memory for parent and child; a shared
 * writable map needs the device open for reading and writing (EACCES);
 * /dev/null has no mmap (ENODEV). Printed and compared with the native
 * run. */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static const char *res(const void *p)
{
	static char buf[32];
	if (p != MAP_FAILED)
		return "mapped";
	snprintf(buf, sizeof(buf), "errno %d", errno);
	return buf;
}

static void child_stores(char *p)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		p[0] = 'c';
		_exit(0);
	}
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
}

int main(void)
{
	int ro = open("/dev/zero", O_RDONLY), rw = open("/dev/zero", O_RDWR);
	CHECK(ro >= 0 && rw >= 0, "open /dev/zero: %s", strerror(errno));
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, PAGE);
	CHECK(p != MAP_FAILED, "private map of /dev/zero: %s", strerror(errno));
	bool zero = true;
	for (unsigned long i = 0; i < 4 * PAGE; i++)
		zero &= p[i] == 0;
	printf("private: zeroes %d\n", zero);
	p[0] = 'p';
	child_stores(p);
	printf("private after the child's store: %c\n", p[0]);
	munmap(p, 4 * PAGE);

	char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	CHECK(s != MAP_FAILED, "shared map of /dev/zero: %s", strerror(errno));
	printf("shared: first byte %d\n", s[0]);
	child_stores(s);
	printf("shared after the child's store: %c\n", s[0]);
	munmap(s, 2 * PAGE);

	printf("shared writable, read-only fd: %s\n",
	       res(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)));
	int null = open("/dev/null", O_RDWR);
	CHECK(null >= 0, "open /dev/null");
	printf("/dev/null: %s\n", res(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, null, 0)));
	close(null);
	close(ro);
	close(rw);
	return 0;
}
