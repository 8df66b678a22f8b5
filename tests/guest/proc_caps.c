/* proc_caps: capget(2) and capset(2). The sets capget gives (versions 3
 * and 1) against /proc/self/status; a bad version is EINVAL and the
 * header gets the kernel's (a NULL data pointer just asks); EINVAL for a
 * negative pid, ESRCH for a reaped one. capset drops a capability from
 * the effective set and takes it back from the permitted one, but not
 * once it left the permitted set (EPERM), nor for another process
 * (EPERM); a forked child has the parent's sets; with --vmemu (only under
 * vmemu: hosts set vm.mmap_min_addr differently) a map below
 * vm.mmap_min_addr needs CAP_SYS_RAWIO; execve recomputes the sets (a
 * root process gets its bounding set back). Printed and compared with
 * the native run. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

/* <linux/capability.h>'s, which musl's toolchain lacks. */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_SYS_RAWIO 17
struct __user_cap_header_struct {
	uint32_t version;
	int pid;
};
struct __user_cap_data_struct {
	uint32_t effective, permitted, inheritable;
};

extern char **environ;

struct caps {
	uint64_t eff, prm, inh;
};

static struct caps get(int pid)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget: %s", strerror(errno));
	return (struct caps){d[0].effective | (uint64_t)d[1].effective << 32,
			     d[0].permitted | (uint64_t)d[1].permitted << 32,
			     d[0].inheritable | (uint64_t)d[1].inheritable << 32};
}

static long set(struct caps c, int pid)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct __user_cap_data_struct){(uint32_t)(c.eff >> 32 * i),
						       (uint32_t)(c.prm >> 32 * i),
						       (uint32_t)(c.inh >> 32 * i)};
	return syscall(SYS_capset, &h, d);
}

static const char *res(long r)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), r == 0 ? "ok" : "errno %d", errno);
	return buf;
}

static uint64_t status_caps(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f != NULL, "open status");
	char line[256];
	unsigned long long v = ~0ULL;
	size_t n = strlen(field);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

static void show(const char *what)
{
	struct caps c = get(0);
	printf("%s: eff %llx prm %llx inh %llx\n", what, (unsigned long long)c.eff,
	       (unsigned long long)c.prm, (unsigned long long)c.inh);
	CHECK(status_caps("CapEff") == c.eff && status_caps("CapPrm") == c.prm &&
		      status_caps("CapInh") == c.inh,
	      "/proc/self/status differs from capget");
}

/* A map just below vm.mmap_min_addr (hosts set it differently, so only
 * under vmemu, whose is 64 KiB): allowed only with CAP_SYS_RAWIO. */
static void check_low_map(bool rawio)
{
	void *at = (void *)(65536 - 4096);
	void *p = mmap(at, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (rawio) {
		CHECK(p == at, "a map below mmap_min_addr with CAP_SYS_RAWIO: %s", strerror(errno));
		munmap(p, 4096);
	} else {
		CHECK(p == MAP_FAILED && errno == EPERM, "a map below mmap_min_addr without CAP_SYS_RAWIO");
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec")) { /* run by execve below */
		show("after execve");
		return 0;
	}
	show("start");
	struct __user_cap_header_struct h = {0x12345678, 0};
	struct __user_cap_data_struct d[2];
	printf("bad version: %s", res(syscall(SYS_capget, &h, d)));
	printf(", header now %x\n", h.version);
	h.version = 0x12345678;
	printf("bad version, no data: %s", res(syscall(SYS_capget, &h, NULL)));
	printf(", header now %x\n", h.version);
	h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_1, 0};
	memset(d, 0xff, sizeof(d));
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget v1: %s", strerror(errno));
	printf("version 1: eff %x, second set untouched %d\n", d[0].effective, d[1].effective == ~0U);
	h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, -1};
	printf("pid -1: %s\n", res(syscall(SYS_capget, &h, d)));

	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, pid};
	printf("reaped pid: %s\n", res(syscall(SYS_capget, &h, d)));

	bool vmemu = argc > 1 && !strcmp(argv[1], "--vmemu");
	struct caps c = get(0);
	if (vmemu)
		check_low_map(c.eff >> CAP_SYS_RAWIO & 1);
	const uint64_t rawio = 1ULL << CAP_SYS_RAWIO;
	struct caps dropped = {c.eff & ~rawio, c.prm, c.inh};
	printf("drop CAP_SYS_RAWIO from eff: %s\n", res(set(dropped, 0)));
	show("dropped");
	if (vmemu)
		check_low_map(false);
	printf("take it back: %s\n", res(set(c, 0)));
	dropped.prm &= ~rawio;
	printf("drop it from prm: %s\n", res(set(dropped, 0)));
	printf("take it back: %s\n", res(set(c, 0)));
	printf("eff beyond prm: %s\n", res(set((struct caps){rawio, 0, 0}, 0)));
	printf("another process: %s\n", res(set(dropped, pid)));
	show("now");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		show("forked child");
		fflush(stdout);
		char *args[] = {argv[0], "exec", NULL};
		execve("/proc/self/exe", args, environ);
		_exit(127);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %#x", st);
	return 0;
}
