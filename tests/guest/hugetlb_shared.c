/* hugetlb_shared: shared hugetlb memory, as Linux serves it through
 * hugetlbfs: MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB, and memfd_create with
 * MFD_HUGETLB (Documentation/admin-guide/mm/hugetlbpage.rst, the
 * hugetlbfs code of fs/hugetlbfs/inode.c).
 *
 * usage: hugetlb_shared         (natively and under vmemu; changes nothing)
 *        hugetlb_shared shared  (vmemu only: sets vm.nr_hugepages)
 *        hugetlb_shared memfd   (vmemu only: sets vm.nr_hugepages)
 *        hugetlb_shared 1g      (vmemu only: needs a 1 GiB pool of one page)
 *
 * Without arguments the pool must be empty: a shared map is ENOMEM (its
 * reservation fails), MAP_NORESERVE maps but the first touch is SIGBUS; a
 * MFD_HUGETLB memfd is made, sized in huge pages only, has st_blksize
 * 2 MiB, reads its holes as zeroes and refuses write(2).
 *
 * "shared" prints the pool's counts through a shared map, a touch, a
 * fork whose child and parent see each other's writes, and the unmap.
 * "memfd" does the same for a memfd: two maps see the same bytes, a
 * private map's write stays its own, read(2) gives the bytes, fallocate
 * and punching a hole, a seal, and close plus unmap give every page back.
 * "1g" maps a memfd of 1 GiB pages. The harness compares the vmemu run's
 * output with the values Linux gives for the same sequence. */
#include "guest_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_GROW 4
#endif
#define MFD_HUGE_2MB (21U << 26)
#define MFD_HUGE_1GB (30U << 26)
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2
#endif

#define HUGE (2UL << 20)
#define GIG (1UL << 30)

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

static void counts(const char *when)
{
	printf("%-24s Total %ld Free %ld Rsvd %ld\n", when, proc_kb("/proc/meminfo", "HugePages_Total"),
	       proc_kb("/proc/meminfo", "HugePages_Free"), proc_kb("/proc/meminfo", "HugePages_Rsvd"));
}

/* Writes to p: "ok", or "SIGBUS" when the page cannot be had. */
static const char *touch(char *p)
{
	if (sigsetjmp(bus_env, 1))
		return "SIGBUS";
	*(volatile char *)p = 1;
	return "ok";
}

/* 0, or the errno's name (libcs word strerror differently). */
static const char *err_name(long r)
{
	if (r >= 0)
		return "0";
	return errno == ENOMEM ? "ENOMEM" : errno == EINVAL ? "EINVAL" : errno == EPERM ? "EPERM"
	       : errno == ENOSPC ? "ENOSPC" : strerror(errno);
}

static const char *outcome(void *p)
{
	return p != MAP_FAILED ? "mapped" : err_name(-1);
}

static void set_pool(const char *n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
	CHECK(f, "open nr_hugepages: %s", strerror(errno));
	CHECK(fputs(n, f) >= 0 && fclose(f) == 0, "write nr_hugepages: %s", strerror(errno));
}

static char *map_shared(size_t len, int extra)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | extra, -1, 0);
}

static int memfd(const char *name, unsigned flags)
{
	int fd = (int)syscall(SYS_memfd_create, name, flags);
	CHECK(fd >= 0, "memfd_create(%s, %#x): %s", name, flags, strerror(errno));
	return fd;
}

/* The name /proc/self/maps gives the map at p (after the inode). */
static const char *maps_name(const void *p)
{
	static char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f, "open maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strtoull(line, NULL, 16) != (uintptr_t)p)
			continue;
		fclose(f);
		line[strcspn(line, "\n")] = 0;
		char *name = strchr(line, '/');
		return name ? name : "(none)";
	}
	fail("no map at %p", p);
}

static void empty_pool(void)
{
	CHECK(proc_kb("/proc/meminfo", "HugePages_Total") == 0, "the hugetlb pool is not empty (%ld "
	      "pages): this test needs vm.nr_hugepages 0", proc_kb("/proc/meminfo", "HugePages_Total"));
	printf("shared MAP_HUGETLB: %s\n", outcome(map_shared(HUGE, 0)));
	char *q = map_shared(HUGE, MAP_NORESERVE);
	CHECK(q != MAP_FAILED, "shared MAP_HUGETLB|MAP_NORESERVE: %s", strerror(errno));
	printf("shared MAP_NORESERVE: mapped, first touch %s\n", touch(q));
	int fd = memfd("empty", MFD_HUGETLB | MFD_HUGE_2MB);
	printf("ftruncate 2 MiB + 4 KiB: %s\n", err_name(ftruncate(fd, HUGE + 4096)));
	printf("ftruncate 4 MiB: %s\n", err_name(ftruncate(fd, 2 * HUGE)));
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	printf("st_size %lld st_blksize %ld st_blocks %lld\n", (long long)st.st_size,
	       (long)st.st_blksize, (long long)st.st_blocks);
	printf("memfd shared map: %s\n",
	       outcome(mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
	char buf[8] = "xxxxxxx";
	ssize_t n = read(fd, buf, sizeof(buf));
	printf("read: %zd, zeroes %s\n", n, buf[0] || buf[7] ? "no" : "yes");
	printf("write: %s\n", err_name(write(fd, "x", 1)));
	counts("after");
}

/* smaps_hugetlb_range: a page mapped by one process is private, by two
 * shared. */
static void hugetlb_smaps(const char *who, const void *p)
{
	printf("%s smaps: Private_Hugetlb %ld Shared_Hugetlb %ld\n", who,
	       smaps_kb(p, "Private_Hugetlb"), smaps_kb(p, "Shared_Hugetlb"));
}

static void shared(void)
{
	set_pool("4\n");
	counts("nr_hugepages 4");
	char *a = map_shared(2 * HUGE, 0);
	CHECK(a != MAP_FAILED, "map 2 shared pages: %s", strerror(errno));
	counts("2 shared pages mapped");
	printf("maps: %s\n", maps_name(a));
	printf("KernelPageSize %ld\n", smaps_kb(a, "KernelPageSize"));
	strcpy(a, "parent");
	counts("page 1 touched");
	hugetlb_smaps("parent", a);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		hugetlb_smaps("child", a);
		printf("child sees: %s\n", a);
		strcpy(a + HUGE, "child");
		strcpy(a, "child too");
		hugetlb_smaps("child", a);
		fflush(stdout);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child failed (status %#x)", status);
	printf("parent sees: %s, %s\n", a, a + HUGE);
	counts("child touched page 2");
	CHECK(munmap(a, 2 * HUGE) == 0, "munmap: %s", strerror(errno));
	counts("unmapped");
	set_pool("0\n");
	char *q = map_shared(HUGE, MAP_NORESERVE);
	CHECK(q != MAP_FAILED, "shared MAP_NORESERVE: %s", strerror(errno));
	printf("empty pool, MAP_NORESERVE touch: %s\n", touch(q));
	printf("empty pool, shared map: %s\n", outcome(map_shared(HUGE, 0)));
}

static void memfd_maps(void)
{
	set_pool("4\n");
	int fd = memfd("huge", MFD_HUGETLB | MFD_HUGE_2MB);
	printf("ftruncate 2 MiB + 4 KiB: %s\n", err_name(ftruncate(fd, HUGE + 4096)));
	printf("ftruncate 4 MiB: %s\n", err_name(ftruncate(fd, 2 * HUGE)));
	counts("sized");
	char *a = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED, "map a: %s", strerror(errno));
	counts("map a");
	char *b = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(b != MAP_FAILED, "map b: %s", strerror(errno));
	counts("map b");
	printf("maps: %s\n", maps_name(a));
	printf("KernelPageSize %ld\n", smaps_kb(a, "KernelPageSize"));
	strcpy(a, "hello");
	printf("b sees: %s\n", b);
	counts("a written");
	char *c = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(c != MAP_FAILED, "map c: %s", strerror(errno));
	counts("private map c");
	printf("c sees: %s\n", c);
	counts("c read");
	strcpy(c, "private");
	printf("c has: %s, a has: %s\n", c, a);
	counts("c written");
	char buf[8] = "xxxxxxx";
	ssize_t n = pread(fd, buf, 6, 0);
	printf("pread at 0: %zd \"%s\"\n", n, buf);
	memset(buf, 'x', 7);
	n = pread(fd, buf, 7, HUGE);
	printf("pread at 2 MiB: %zd, zeroes %s\n", n, buf[0] || buf[6] ? "no" : "yes");
	printf("write: %s\n", err_name(write(fd, "x", 1)));
	printf("fallocate page 2: %s\n", err_name(fallocate(fd, 0, HUGE, HUGE)));
	counts("page 2 allocated");
	printf("punch page 2: %s\n",
	       err_name(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, HUGE, HUGE)));
	counts("page 2 punched");
	printf("fallocate 4 pages: %s\n", err_name(fallocate(fd, 0, 0, 4 * HUGE)));
	counts("pool used up");
	CHECK(ftruncate(fd, 2 * HUGE) == 0, "ftruncate again: %s", strerror(errno));
	counts("ftruncate 4 MiB again"); /* page 3, past the size, goes */
	CHECK(munmap(c, HUGE) == 0 && munmap(b, 2 * HUGE) == 0 && munmap(a, 2 * HUGE) == 0,
	      "munmap: %s", strerror(errno));
	counts("unmapped, fd open");
	CHECK(close(fd) == 0, "close: %s", strerror(errno));
	counts("closed");
	int s = memfd("sealed", MFD_HUGETLB | MFD_ALLOW_SEALING);
	CHECK(fcntl(s, F_ADD_SEALS, F_SEAL_GROW) == 0, "F_ADD_SEALS: %s", strerror(errno));
	printf("sealed against growing, ftruncate: %s\n", err_name(ftruncate(s, HUGE)));
	close(s);
}

static void one_gig(void)
{
	const char *dir = "/sys/kernel/mm/hugepages/hugepages-1048576kB/";
	char path[128];
	snprintf(path, sizeof(path), "%sfree_hugepages", dir);
	int fd = memfd("gig", MFD_HUGETLB | MFD_HUGE_1GB);
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	printf("st_blksize %ld\n", (long)st.st_blksize);
	printf("ftruncate 2 MiB: %s\n", err_name(ftruncate(fd, HUGE)));
	CHECK(ftruncate(fd, GIG) == 0, "ftruncate 1 GiB: %s", strerror(errno));
	char *a = mmap(NULL, GIG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED, "map: %s", strerror(errno));
	printf("aligned to 1 GiB: %s\n", (uintptr_t)a % GIG ? "no" : "yes");
	printf("KernelPageSize %ld\n", smaps_kb(a, "KernelPageSize"));
	a[GIG - 1] = 7;
	char *b = mmap(NULL, GIG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(b != MAP_FAILED, "map b: %s", strerror(errno));
	printf("b sees: %d\n", b[GIG - 1]);
	FILE *f = fopen(path, "r");
	long free_pages = -1;
	CHECK(f && fscanf(f, "%ld", &free_pages) == 1, "read %s", path);
	fclose(f);
	printf("1 GiB pages free: %ld\n", free_pages);
	counts("2 MiB pool");
	CHECK(munmap(a, GIG) == 0 && munmap(b, GIG) == 0 && close(fd) == 0, "unmap, close: %s",
	      strerror(errno));
	f = fopen(path, "r");
	CHECK(f && fscanf(f, "%ld", &free_pages) == 1, "read %s", path);
	fclose(f);
	printf("1 GiB pages free after close: %ld\n", free_pages);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_sigbus};
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	if (argc > 1 && !strcmp(argv[1], "shared"))
		shared();
	else if (argc > 1 && !strcmp(argv[1], "memfd"))
		memfd_maps();
	else if (argc > 1 && !strcmp(argv[1], "1g"))
		one_gig();
	else
		empty_pool();
	return 0;
}
