/* vdso.c - the vDSO and the vsyscall page, natively and under vmemu:
 * the maps Linux shows for them, the image at AT_SYSINFO_EHDR (an ELF
 * shared object exporting Linux's symbols in version LINUX_2.6), its
 * functions against the system calls, that libc calls into it, what
 * mprotect, munmap and mremap do to it, fork, and the vsyscall page's
 * emulated calls and refused reads. Prints what does not depend on the
 * kernel's version or the CPU. */
#include <elf.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static uintptr_t vdso_base, vdso_end;

/* ---- the image ---- */

/* The address of the exported symbol name in version LINUX_2.6, or 0
 * (the lookup of Linux's parse_vdso.c, written anew: DT_HASH's symbols,
 * DT_VERSYM's index into DT_VERDEF). */
static void *vdso_sym(const char *name)
{
	const Elf64_Ehdr *eh = (const void *)vdso_base;
	const Elf64_Phdr *ph = (const void *)(vdso_base + eh->e_phoff);
	uintptr_t load = 0;
	const Elf64_Dyn *dyn = NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD)
			load = vdso_base + ph[i].p_offset - ph[i].p_vaddr;
		else if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(vdso_base + ph[i].p_offset);
	}
	CHECK(dyn != NULL, "the vDSO has no PT_DYNAMIC");
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf64_Word *hash = NULL;
	const Elf64_Versym *versym = NULL;
	const Elf64_Verdef *verdef = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(load + dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_SYMTAB: sym = p; break;
		case DT_STRTAB: str = p; break;
		case DT_HASH: hash = p; break;
		case DT_VERSYM: versym = p; break;
		case DT_VERDEF: verdef = p; break;
		}
	}
	CHECK(sym && str && hash && versym && verdef, "the vDSO lacks a dynamic table");
	for (Elf64_Word i = 0; i < hash[1]; i++) {
		if (strcmp(str + sym[i].st_name, name) || sym[i].st_shndx == SHN_UNDEF)
			continue;
		const Elf64_Verdef *d = verdef;
		while (d->vd_ndx != (versym[i] & 0x7fff) && d->vd_next)
			d = (const void *)((const char *)d + d->vd_next);
		const Elf64_Verdaux *aux = (const void *)((const char *)d + d->vd_aux);
		if (d->vd_ndx == (versym[i] & 0x7fff) && !strcmp(str + aux->vda_name, "LINUX_2.6"))
			return (void *)(load + sym[i].st_value);
	}
	return NULL;
}

static void check_image(void)
{
	const Elf64_Ehdr *eh = (const void *)vdso_base;
	CHECK(!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	      eh->e_type == ET_DYN && eh->e_machine == EM_X86_64,
	      "AT_SYSINFO_EHDR is no x86-64 ELF shared object");
	static const char *const names[] = {
		"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
		"__vdso_clock_getres", "clock_gettime", "gettimeofday", "time", "getcpu",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uintptr_t a = (uintptr_t)vdso_sym(names[i]);
		CHECK(a >= vdso_base && a < vdso_end, "%s@LINUX_2.6 not in the vDSO", names[i]);
	}
	printf("image: an ELF shared object exporting the clocks and getcpu in LINUX_2.6\n");
}

/* ---- maps ---- */

/* The [vvar]... lines and [vdso]: the data maps right below the text,
 * read-only, the text r-x; [vsyscall] as it is. */
static void show_maps(const char *when)
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL, "open /proc/self/maps: %s", strerror(errno));
	char line[512];
	unsigned long data_lo = 0, data_hi = 0;
	bool data_ro = true;
	printf("%s:", when);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off, ino;
		char perms[5], dev[16], name[64] = "";
		if (sscanf(line, "%lx-%lx %4s %lx %15s %lu %63s", &lo, &hi, perms, &off, dev, &ino,
			   name) < 6)
			fail("a line of /proc/self/maps: %s", line);
		if (!strncmp(name, "[vvar", 5)) {
			data_lo = data_lo ? data_lo : lo;
			data_hi = hi;
			data_ro &= !strcmp(perms, "r--p") && off == 0 && ino == 0;
		} else if (!strcmp(name, "[vdso]")) {
			CHECK(lo == vdso_base, "[vdso] at %#lx, AT_SYSINFO_EHDR %#lx", lo, vdso_base);
			printf(" [vdso] %s %08lx %s %lu, %lu pages;", perms, off, dev, ino, (hi - lo) / PAGE);
			printf(" data %s below it;", data_hi == lo && data_ro ? "read-only right" : "NOT");
			vdso_end = hi;
		} else if (!strcmp(name, "[vsyscall]")) {
			printf(" %.*s", (int)strcspn(line, "\n"), line);
		}
	}
	fclose(f);
	CHECK(vdso_end, "no [vdso] in /proc/self/maps");
	printf("\n");
}

/* The VmFlags line of smaps for the map at addr. */
static void show_vmflags(const char *what, uintptr_t addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	CHECK(f != NULL, "open /proc/self/smaps: %s", strerror(errno));
	char line[512];
	bool in = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ' ') - line > 8)
			in = lo <= addr && addr < hi;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			/* Without "sd": a kernel with CONFIG_MEM_SOFT_DIRTY marks every map. */
			char *sd = strstr(line, " sd ");
			if (sd)
				memmove(sd, sd + 3, strlen(sd + 3) + 1);
			printf("%s %s", what, line);
		}
	}
	fclose(f);
}

/* ---- the clocks ---- */

typedef int (*cgt_fn)(clockid_t, struct timespec *);

static long long ns_of(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void check_clocks(void)
{
	cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
	cgt_fn getres = (cgt_fn)vdso_sym("__vdso_clock_getres");
	static const clockid_t clocks[] = {
		CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
		CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_TAI,
	};
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec s1, v, s2, rs, rv;
		CHECK(syscall(SYS_clock_gettime, clocks[i], &s1) == 0, "clock_gettime(%d)", clocks[i]);
		CHECK(cgt(clocks[i], &v) == 0, "vDSO clock_gettime(%d)", clocks[i]);
		CHECK(syscall(SYS_clock_gettime, clocks[i], &s2) == 0, "clock_gettime(%d)", clocks[i]);
		CHECK(ns_of(s1) <= ns_of(v) && ns_of(v) <= ns_of(s2),
		      "clock %d: the vDSO's %lld not between the calls' %lld and %lld", clocks[i],
		      ns_of(v), ns_of(s1), ns_of(s2));
		CHECK(syscall(SYS_clock_getres, clocks[i], &rs) == 0 && getres(clocks[i], &rv) == 0 &&
		      ns_of(rs) == ns_of(rv), "clock_getres(%d): %lld, the vDSO %lld", clocks[i],
		      ns_of(rs), ns_of(rv));
	}
	/* Errors as the call's: a bad clock id. */
	struct timespec ts;
	CHECK(cgt(-1000, &ts) == -EINVAL, "vDSO clock_gettime of a bad clock is not -EINVAL");

	int (*gtod)(struct timeval *, struct timezone *) = vdso_sym("__vdso_gettimeofday");
	struct timeval t1, tv, t2;
	struct timezone tz = {1, 1};
	syscall(SYS_gettimeofday, &t1, NULL);
	CHECK(gtod(&tv, &tz) == 0, "vDSO gettimeofday");
	syscall(SYS_gettimeofday, &t2, NULL);
	CHECK(timercmp(&t1, &tv, <=) && timercmp(&tv, &t2, <=), "vDSO gettimeofday out of order");
	CHECK(tz.tz_minuteswest == 0 && tz.tz_dsttime == 0, "vDSO gettimeofday's timezone");

	time_t (*vtime)(time_t *) = vdso_sym("__vdso_time");
	time_t a = syscall(SYS_time, NULL), out = 0, b = vtime(&out), c = syscall(SYS_time, NULL);
	CHECK(a <= b && b <= c && out == b, "vDSO time %ld out, %ld between %ld and %ld", (long)out,
	      (long)b, (long)a, (long)c);

	long (*vgetcpu)(unsigned *, unsigned *, void *) = vdso_sym("__vdso_getcpu");
	unsigned cpu = ~0u, node = ~0u, scpu = ~1u, snode = ~1u;
	CHECK(syscall(SYS_getcpu, &scpu, &snode, NULL) == 0, "getcpu");
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(scpu, &one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == 0, "sched_setaffinity");
	CHECK(vgetcpu(&cpu, &node, NULL) == 0 && cpu == scpu && node == snode,
	      "vDSO getcpu %u/%u, the call %u/%u", cpu, node, scpu, snode);
	printf("clocks: the vDSO's readings lie between the calls'; getres, gettimeofday, time, getcpu agree\n");
}

/* ---- libc uses it; changes to the maps ---- */

static sigjmp_buf jump;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(jump, 1);
}

/* With the text not executable, libc's clock_gettime faults in it. */
static void check_libc_calls_it(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
		sigaction(SIGSEGV, &sa, NULL);
		CHECK(mprotect((void *)vdso_base, vdso_end - vdso_base, PROT_READ) == 0,
		      "mprotect of the vDSO: %s", strerror(errno));
		struct timespec ts;
		if (!sigsetjmp(jump, 1))
			clock_gettime(CLOCK_MONOTONIC, &ts);
		_exit(fault_addr >= vdso_base && fault_addr < vdso_end ? 0 : 3);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "libc's clock_gettime did not run in the vDSO (status %#x)", status);
	printf("libc: clock_gettime runs in the vDSO\n");
}

static void check_changes(void)
{
	CHECK_ERRNO(mprotect((void *)vdso_base, PAGE, PROT_READ), EINVAL, "mprotect of half the vDSO");
	CHECK_ERRNO(munmap((void *)vdso_base, PAGE), EINVAL, "munmap of half the vDSO");
	CHECK_ERRNO(mremap((void *)vdso_base, vdso_end - vdso_base, vdso_end - vdso_base + PAGE, 0),
		    EFAULT, "mremap growing the vDSO");
	CHECK_ERRNO(mprotect((void *)(vdso_base - PAGE), PAGE, PROT_READ | PROT_WRITE), EACCES,
		    "mprotect of a data page writable");

	/* A breakpoint's way: the text made writable gets a private copy. */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		CHECK(mprotect((void *)vdso_base, vdso_end - vdso_base, PROT_READ | PROT_WRITE | PROT_EXEC) == 0,
		      "mprotect rwx of the vDSO: %s", strerror(errno));
		((volatile char *)vdso_base)[EI_PAD] = 1;
		/* Moved whole, what needs no data page still works
		 * (test_mremap_vdso; Linux's clocks read [vvar] at a fixed
		 * distance, which the move broke). */
		uintptr_t getcpu_off = (uintptr_t)vdso_sym("__vdso_getcpu") - vdso_base;
		void *to = mmap(NULL, vdso_end - vdso_base + PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(to != MAP_FAILED, "mmap: %s", strerror(errno));
		CHECK_ERRNO(mremap((void *)vdso_base, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to), EINVAL,
			    "mremap of half the vDSO");
		void *moved = mremap((void *)vdso_base, vdso_end - vdso_base, vdso_end - vdso_base,
				     MREMAP_MAYMOVE | MREMAP_FIXED, to);
		CHECK(moved == to, "mremap of the vDSO: %s", strerror(errno));
		long (*vgetcpu)(unsigned *, unsigned *, void *) = (void *)((uintptr_t)to + getcpu_off);
		unsigned cpu;
		CHECK(vgetcpu(&cpu, NULL, NULL) == 0, "the moved vDSO's getcpu");
		vdso_base = (uintptr_t)to;
		vdso_end = 0;
		show_maps("moved");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "the child's status %#x", status);
	CHECK(((volatile char *)vdso_base)[EI_PAD] == 0, "the child's write reached the parent");
	printf("changes: no part of it alone, no growth, data never writable; a write copies\n");
}

/* ---- the vsyscall page ---- */

static void check_vsyscall(void)
{
	time_t (*vtime)(time_t *) = (void *)0xffffffffff600400;
	long (*vgtod)(struct timeval *, struct timezone *) = (void *)0xffffffffff600000;
	long (*vgetcpu)(unsigned *, unsigned *, void *) = (void *)0xffffffffff600800;
	time_t out = 0, a = time(NULL), t = vtime(&out), b = time(NULL);
	CHECK(a <= t && t <= b && out == t, "vsyscall time %ld, between %ld and %ld", (long)t, (long)a,
	      (long)b);
	struct timeval tv;
	CHECK(vgtod(&tv, NULL) == 0 && tv.tv_sec >= a, "vsyscall gettimeofday");
	unsigned cpu = ~0u, node = ~0u;
	CHECK(vgetcpu(&cpu, &node, NULL) == 0 && cpu == (unsigned)sched_getcpu() && node == 0,
	      "vsyscall getcpu %u %u", cpu, node);
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
	sigaction(SIGSEGV, &sa, NULL);
	fault_addr = 1;
	if (!sigsetjmp(jump, 1))
		fail("a read of the vsyscall page worked: %d", *(volatile int *)0xffffffffff600000);
	printf("vsyscall: read faults at %#lx;", (unsigned long)fault_addr);
	if (!sigsetjmp(jump, 1)) {
		vtime((time_t *)0xffffffffff600000);
		fail("vsyscall time with a kernel pointer returned");
	}
	printf(" a kernel pointer faults at %#lx;", (unsigned long)fault_addr);
	if (!sigsetjmp(jump, 1))
		vtime((time_t *)8);
	printf(" a bad pointer faults at %#lx;", (unsigned long)fault_addr);
	if (!sigsetjmp(jump, 1))
		((void (*)(void))0xffffffffff600100)();
	printf(" a call between entries faults at %#lx\n", (unsigned long)fault_addr);
	signal(SIGSEGV, SIG_DFL);
}

/* The vDSO's pages are the kernel's: no shared memory of the process. */
static void show_rss_shmem(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f != NULL, "open /proc/self/status: %s", strerror(errno));
	char line[256];
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "RssShmem:", 9))
			printf("status %s", line);
	fclose(f);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	vdso_base = getauxval(AT_SYSINFO_EHDR);
	CHECK(vdso_base != 0, "no AT_SYSINFO_EHDR");
	show_maps("maps");
	show_vmflags("[vdso]", vdso_base);
	show_vmflags("[vvar]", vdso_base - PAGE);
	show_vmflags("[vsyscall]", 0xffffffffff600000);
	check_image();
	check_clocks();
	show_rss_shmem();
	check_libc_calls_it();
	check_changes();
	check_vsyscall();
	/* fork keeps it where it is. */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		CHECK(getauxval(AT_SYSINFO_EHDR) == vdso_base, "the child's AT_SYSINFO_EHDR");
		vdso_end = 0;
		show_maps("child");
		check_clocks();
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "the child's status %#x", status);
	return 0;
}
