/* uffd_api: userfaultfd(2) without faults. Flags (EINVAL for unknown
 * ones, O_NONBLOCK in F_GETFL, O_CLOEXEC in F_GETFD); the UFFDIO_API
 * handshake (EINVAL for another api or an unknown feature, with the
 * structure written back zeroed; EINVAL the second time; every ioctl but
 * UFFDIO_API, and read, EINVAL before it; the features this test uses
 * are reported); read of nothing (EAGAIN, and EINVAL for a buffer under
 * 32 bytes); poll (ERR on a blocking userfaultfd, nothing pending on a
 * nonblocking one); UFFDIO_REGISTER's checks (alignment, length, an
 * unmapped range or a hole at the start EINVAL, a file map EINVAL,
 * unknown modes EINVAL) and what it returns (the range ioctls); the VMA
 * split and merged back, VmFlags "um" in smaps; UNREGISTER; COPY and
 * ZEROPAGE outside a registered range (ENOENT), onto a present page
 * (EEXIST, with -EEXIST written back), and a bad mode (EINVAL); fdinfo's
 * pending and total lines; readlink of /proc/self/fd/N; /dev/userfaultfd. */
#include <fcntl.h>
#include <poll.h>

#include "uffd_test.h"

static void flags(void)
{
	CHECK_ERRNO(uffd_new(0x1000), EINVAL, "userfaultfd(unknown flag)");
	int fd = uffd_new(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	CHECK(fd >= 0, "userfaultfd: %s", strerror(errno));
	int fl = fcntl(fd, F_GETFL);
	printf("F_GETFL: accmode %d nonblock %d\n", fl & O_ACCMODE, !!(fl & O_NONBLOCK));
	printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s: %s", path, strerror(errno));
	link[n] = 0;
	printf("fd link: %s\n", link);
	close(fd);
}

static void handshake(void)
{
	int fd = uffd_new(O_NONBLOCK);
	CHECK(fd >= 0, "userfaultfd: %s", strerror(errno));
	struct uffdio_range r = {0, PAGE};
	CHECK_ERRNO(ioctl(fd, UFFDIO_WAKE, &r), EINVAL, "UFFDIO_WAKE before UFFDIO_API");
	char buf[32];
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EINVAL, "read before UFFDIO_API");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLERR, "poll before UFFDIO_API: %#x", p.revents);
	struct uffdio_api api = {.api = 0xAB, .features = 0, .ioctls = 7};
	CHECK_ERRNO(ioctl(fd, UFFDIO_API, &api), EINVAL, "UFFDIO_API api 0xAB");
	CHECK(api.api == 0 && api.features == 0 && api.ioctls == 0, "refused api not zeroed");
	api = (struct uffdio_api){.api = UFFD_API, .features = 1ULL << 62};
	CHECK_ERRNO(ioctl(fd, UFFDIO_API, &api), EINVAL, "UFFDIO_API unknown feature");
	CHECK(api.api == 0 && api.features == 0, "refused features not zeroed");
	CHECK_ERRNO(ioctl(fd, UFFDIO_API, NULL), EFAULT, "UFFDIO_API NULL");
	api = (struct uffdio_api){.api = UFFD_API};
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
	uint64_t used = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID;
	CHECK((api.features & used) == used, "features %#llx lack %#llx",
	      (unsigned long long)api.features, (unsigned long long)used);
	printf("api %#llx ioctls %#llx\n", (unsigned long long)api.api,
	       (unsigned long long)api.ioctls);
	api = (struct uffdio_api){.api = UFFD_API};
	CHECK_ERRNO(ioctl(fd, UFFDIO_API, &api), EINVAL, "UFFDIO_API twice");
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EAGAIN, "read of nothing");
	CHECK_ERRNO(read(fd, buf, 31), EINVAL, "read of 31 bytes");
	CHECK(poll(&p, 1, 0) == 0, "poll of nothing: %#x", p.revents);
	CHECK_ERRNO(ioctl(fd, 0xAA99, 0), EINVAL, "unknown ioctl");
	close(fd);
	fd = uffd_new(0);
	api = (struct uffdio_api){.api = UFFD_API};
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLERR, "poll of a blocking uffd: %#x",
	      p.revents);
	close(fd);
}

static int unreg(int fd, void *start, uint64_t len)
{
	struct uffdio_range r = {(uintptr_t)start, len};
	return ioctl(fd, UFFDIO_UNREGISTER, &r);
}

/* The VMAs of [a, a + 8 pages) as maps shows them, relative to a, with
 * smaps' "um". */
static void show_vmas(const char *what, char *a)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	CHECK(f, "smaps: %s", strerror(errno));
	char line[512];
	unsigned long lo = 0, hi = 0;
	bool in = false;
	printf("%s:", what);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = s < (uintptr_t)a + 8 * PAGE && e > (uintptr_t)a;
			lo = s, hi = e;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			printf(" [%ld,%ld)%s", (long)(lo - (uintptr_t)a) / (long)PAGE,
			       (long)(hi - (uintptr_t)a) / (long)PAGE, strstr(line, " um") ? " um" : "");
		}
	}
	printf("\n");
	fclose(f);
}

/* The end of the highest VMA of user space. */
static void *top_of_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f, "maps: %s", strerror(errno));
	char line[512];
	unsigned long s, e, top = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && e <= 0x7ffffffff000UL && e > top)
			top = e;
	fclose(f);
	return (void *)top;
}

static void registers(void)
{
	int fd = uffd_ready(O_NONBLOCK, 0);
	/* Eight pages between two holes. */
	char *a = mmap(NULL, 10 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
	munmap(a, PAGE);
	munmap(a + 9 * PAGE, PAGE);
	a += PAGE;
	/* An anon_vma from the start: which VMAs merge back after
	 * UNREGISTER is then the same on 6.18, which keeps a VMA without
	 * one apart from the parts that got theirs while registered. */
	a[0] = 1;
	uint64_t ioctls = 0;
	CHECK_ERRNO(uffd_register(fd, a + 1, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL), EINVAL, "unaligned start");
	CHECK_ERRNO(uffd_register(fd, a, PAGE + 1, UFFDIO_REGISTER_MODE_MISSING, NULL), EINVAL, "unaligned len");
	CHECK_ERRNO(uffd_register(fd, a, 0, UFFDIO_REGISTER_MODE_MISSING, NULL), EINVAL, "len 0");
	CHECK_ERRNO(uffd_register(fd, a, PAGE, 0, NULL), EINVAL, "mode 0");
	CHECK_ERRNO(uffd_register(fd, a, PAGE, 1 << 5, NULL), EINVAL, "unknown mode");
	CHECK_ERRNO(uffd_register(fd, (void *)0x7ffffffff000, 2 * PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL),
		    EINVAL, "past user space");
	/* Nothing mapped at or above, or the range ends before the next VMA:
	 * EINVAL (Linux 6.1 said ENOMEM for the first). */
	CHECK_ERRNO(uffd_register(fd, top_of_maps(), PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL), EINVAL,
		    "above every VMA");
	CHECK_ERRNO(uffd_register(fd, a - PAGE, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL), EINVAL,
		    "a hole before the VMA");
	int file = open("/proc/self/exe", O_RDONLY);
	void *text = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, file, 0);
	CHECK(text != MAP_FAILED, "mmap exe: %s", strerror(errno));
	CHECK_ERRNO(uffd_register(fd, text, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL), EINVAL, "a file map");
	munmap(text, PAGE);
	close(file);
	show_vmas("before", a);
	CHECK(uffd_register(fd, a + 2 * PAGE, 3 * PAGE, UFFDIO_REGISTER_MODE_MISSING, &ioctls) == 0,
	      "register: %s", strerror(errno));
	/* WAKE, COPY and ZEROPAGE at least (6.18 adds MOVE and POISON). */
	CHECK((ioctls & 0x1c) == 0x1c && !(ioctls & (1 << 6)), "register ioctls %#llx",
	      (unsigned long long)ioctls);
	show_vmas("registered [2,5)", a);
	/* Again over it and beyond: one VMA. */
	CHECK(uffd_register(fd, a + 2 * PAGE, 4 * PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register again: %s", strerror(errno));
	show_vmas("registered [2,6)", a);
	/* Another userfaultfd may not have them. */
	int other = uffd_ready(O_NONBLOCK, 0);
	CHECK_ERRNO(uffd_register(other, a, 8 * PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL), EBUSY,
		    "register by another userfaultfd");
	close(other);
	/* A present page is EEXIST for COPY and ZEROPAGE; -EEXIST goes back. */
	char src[PAGE] __attribute__((aligned(4096)));
	memset(src, 'x', sizeof(src));
	struct uffdio_copy c = {(uintptr_t)a + 3 * PAGE, (uintptr_t)src, PAGE, 0, 0};
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == 0, "COPY: %s", strerror(errno));
	printf("copy field: %lld, page 3 '%c'\n", (long long)c.copy, a[3 * PAGE]);
	CHECK_ERRNO(ioctl(fd, UFFDIO_COPY, &c), EEXIST, "COPY onto a present page");
	printf("copy field: %lld\n", (long long)c.copy);
	struct uffdio_zeropage z = {{(uintptr_t)a + 3 * PAGE, PAGE}, 0, 0};
	CHECK_ERRNO(ioctl(fd, UFFDIO_ZEROPAGE, &z), EEXIST, "ZEROPAGE onto a present page");
	printf("zeropage field: %lld\n", (long long)z.zeropage);
	/* Two pages, the second present: the first is filled, EAGAIN. */
	c = (struct uffdio_copy){(uintptr_t)a + 2 * PAGE, (uintptr_t)src, 2 * PAGE, 0, 0};
	CHECK_ERRNO(ioctl(fd, UFFDIO_COPY, &c), EAGAIN, "COPY of two, the second present");
	printf("copy field: %lld, page 2 '%c'\n", (long long)c.copy, a[2 * PAGE]);
	c = (struct uffdio_copy){(uintptr_t)a + 4 * PAGE, (uintptr_t)src, PAGE, 1 << 7, 0};
	CHECK_ERRNO(ioctl(fd, UFFDIO_COPY, &c), EINVAL, "COPY with an unknown mode");
	c = (struct uffdio_copy){(uintptr_t)a, (uintptr_t)src, PAGE, 0, 0};
	CHECK_ERRNO(ioctl(fd, UFFDIO_COPY, &c), ENOENT, "COPY outside the registered range");
	printf("copy field: %lld\n", (long long)c.copy);
	c = (struct uffdio_copy){(uintptr_t)a + 5 * PAGE, (uintptr_t)src, 2 * PAGE, 0, 0};
	CHECK_ERRNO(ioctl(fd, UFFDIO_COPY, &c), ENOENT, "COPY across the registered range's end");
	z = (struct uffdio_zeropage){{(uintptr_t)a + 4 * PAGE, PAGE}, 0, 0};
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == 0, "ZEROPAGE: %s", strerror(errno));
	printf("zeropage field: %lld, page 4 %d\n", (long long)z.zeropage, a[4 * PAGE]);
	struct uffdio_range w = {(uintptr_t)a + 2 * PAGE, PAGE};
	CHECK(ioctl(fd, UFFDIO_WAKE, &w) == 0, "WAKE of nothing: %s", strerror(errno));
	w.len = 1;
	CHECK_ERRNO(ioctl(fd, UFFDIO_WAKE, &w), EINVAL, "WAKE of 1 byte");
	/* Unregister the middle, then the rest. */
	CHECK(unreg(fd, a + 3 * PAGE, PAGE) == 0, "unregister: %s", strerror(errno));
	show_vmas("unregistered [3,4)", a);
	CHECK_ERRNO(unreg(fd, a - PAGE, PAGE), EINVAL, "unregister a hole before the VMA");
	CHECK(unreg(fd, a, 8 * PAGE) == 0, "unregister all: %s", strerror(errno));
	show_vmas("unregistered", a);
	/* Registered again, then closed: the VMAs are free of it. */
	CHECK(uffd_register(fd, a + PAGE, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0, "register: %s",
	      strerror(errno));
	show_vmas("registered [1,2)", a);
	close(fd);
	show_vmas("closed", a);
	a[PAGE] = 5; /* faults as without a userfaultfd */
	printf("page 1 %d\n", a[PAGE]);
	munmap(a, 8 * PAGE);
}

/* fdinfo's lines of the userfaultfd's own: pending and total. */
static void fdinfo(void)
{
	int fd = uffd_ready(O_NONBLOCK, 0);
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "r");
	CHECK(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "pending:", 8) || !strncmp(line, "total:", 6) ||
		    !strncmp(line, "API:\taa:", 8))
			printf("fdinfo %s", !strncmp(line, "API", 3) ? "API:\taa:...\n" : line);
	fclose(f);
	close(fd);
}

/* /dev/userfaultfd: USERFAULTFD_IOC_NEW makes one; other ioctls EINVAL. */
static void dev(void)
{
	int d = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	CHECK(d >= 0, "open /dev/userfaultfd: %s", strerror(errno));
	CHECK_ERRNO(ioctl(d, _IO(0xAA, 0x01), 0), EINVAL, "another ioctl of /dev/userfaultfd");
	CHECK_ERRNO(ioctl(d, USERFAULTFD_IOC_NEW, 0x1000), EINVAL, "USERFAULTFD_IOC_NEW bad flags");
	int fd = ioctl(d, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	CHECK(fd >= 0, "USERFAULTFD_IOC_NEW: %s", strerror(errno));
	close(d);
	struct uffdio_api api = {.api = UFFD_API};
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
	printf("/dev/userfaultfd: cloexec %d nonblock %d\n", fcntl(fd, F_GETFD),
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	flags();
	handshake();
	registers();
	fdinfo();
	dev();
	printf("ok\n");
	return 0;
}
