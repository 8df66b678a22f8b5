/* test_guest_procfs.c - the guest's /proc and memory counters without a
 * CPU: kernel_meminfo against the frame allocator, /proc/meminfo,
 * /proc/self/status and /proc/self/maps read through the system calls
 * (Linux's line formats checked by regular expressions and exact text),
 * stat/readlink/lseek of /proc files, the /proc and /proc/PID
 * directories (getdents64, stat, the self link), /proc/PID/cmdline, and
 * sysinfo(2). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guest_fixture.h"
#include "unit.h"

#define BUF 0x10000ULL          /* 16 pages of scratch memory for the calls */
#define BUF_SIZE (16 * PAGE_SIZE)
#define PATH_VA BUF             /* a path argument */
#define DATA_VA (BUF + PAGE_SIZE) /* what read() and stat() fill */
#define DATA_MAX (BUF_SIZE - PAGE_SIZE)
#define RW (VM_READ | VM_WRITE)

static void setup(void)
{
	guest_setup(NULL);
	map(BUF, BUF_SIZE, RW);
}

static int64_t open_path(const char *path, int flags)
{
	ck_assert_int_eq(copy_to_user(k, PATH_VA, path, strlen(path) + 1), 0);
	return guest_syscall(SYS_openat, (uint64_t)AT_FDCWD, PATH_VA, (uint64_t)flags, 0);
}

/* The whole text of a /proc file, read in small pieces (malloc'ed). */
static char *slurp(const char *path)
{
	int64_t fd = open_path(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "open %s: %lld", path, (long long)fd);
	char *text = calloc(1, DATA_MAX + 1);
	size_t len = 0;
	for (;;) {
		int64_t n = guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, 1000, 0);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		ck_assert_uint_le(len + (size_t)n, DATA_MAX);
		ck_assert_int_eq(copy_from_user(k, text + len, DATA_VA, (uint64_t)n), 0);
		len += (size_t)n;
	}
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	return text;
}

/* The number after "name" at a line start in text ("name" includes the
 * colon), or -1. */
static long long field(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, name, n))
			return strtoll(l + n, NULL, 10);
	return -1;
}

static void touch(uint64_t va, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		ck_assert_int_eq(copy_to_user(k, va + i * PAGE_SIZE, "x", 1), 0);
}

START_TEST(meminfo_counts_frames)
{
	struct meminfo m;
	kernel_meminfo(k, &m);
	ck_assert_uint_eq(m.mem_total, kernel_stats(k)->frames_total * 4);
	ck_assert_uint_eq(m.mem_total, (GUEST_MEM_SIZE >> 10) - 8); /* frame 0, zero page */
	ck_assert_uint_eq(m.mem_free, frames_free(k) * 4);
	ck_assert_uint_eq(m.page_tables, kernel_stats(k)->page_table_pages * 4);
	ck_assert_uint_eq(m.swap_total, 0);
	/* N frames allocated: MemFree drops by N * 4 kB, and comes back. */
	enum { N = 100 };
	uint64_t pa[N];
	for (int i = 0; i < N; i++)
		ck_assert_uint_ne(pa[i] = frame_alloc(k, 0), FRAME_NONE);
	struct meminfo after;
	kernel_meminfo(k, &after);
	ck_assert_uint_eq(after.mem_free, m.mem_free - N * 4);
	ck_assert_uint_eq(after.mem_total, m.mem_total);
	for (int i = 0; i < N; i++)
		frame_put(k, pa[i], 0);
	kernel_meminfo(k, &after);
	ck_assert_uint_eq(after.mem_free, m.mem_free);
}
END_TEST

START_TEST(meminfo_anon_and_available)
{
	struct meminfo before, after;
	kernel_meminfo(k, &before);
	map(0x1000000, 64 * PAGE_SIZE, RW);
	touch(0x1000000, 64);
	kernel_meminfo(k, &after);
	ck_assert_uint_eq(after.anon_pages, before.anon_pages + 64 * 4);
	/* New pages join the inactive anonymous list. */
	ck_assert_uint_eq(after.inactive_anon, before.inactive_anon + 64 * 4);
	ck_assert_uint_eq(after.active_anon, before.active_anon);
	ck_assert_uint_le(after.mem_free, before.mem_free - 64 * 4);
	/* Nothing to reclaim without a page cache or swap: free minus the
	 * high watermark (si_mem_available's reserve). */
	ck_assert_uint_eq(after.mem_available, after.mem_free - k->wmark_high * 4);
	ck_assert_uint_eq(after.committed_as, before.committed_as + 64 * 4);
	/* Every frame in use is a page table or an anonymous page here. */
	ck_assert_uint_eq(after.mem_total - after.mem_free, after.anon_pages + after.page_tables);
}
END_TEST

/* MAP_SHARED anonymous memory is Shmem, inside Cached, as on Linux. */
START_TEST(meminfo_shmem)
{
	struct meminfo before, after;
	kernel_meminfo(k, &before);
	ck_assert_int_eq(
		mm_map_pages(k, mm, 0x1000000, 8 * PAGE_SIZE, RW | VM_SHARED, true, NULL, 0, NULL),
		0x1000000);
	touch(0x1000000, 8);
	kernel_meminfo(k, &after);
	ck_assert_uint_eq(after.shmem, before.shmem + 32);
	ck_assert_uint_eq(after.cached, before.cached + 32);
	ck_assert_uint_eq(after.mapped, before.mapped + 32);
	ck_assert_uint_eq(after.anon_pages, before.anon_pages);
	/* vmemu cannot swap shared memory: on no LRU list, Unevictable. */
	ck_assert_uint_eq(after.unevictable, before.unevictable + 32);
	ck_assert_uint_eq(after.inactive_anon + after.active_anon,
			  before.inactive_anon + before.active_anon);
	char *text = slurp("/proc/self/maps");
	ck_assert_ptr_nonnull(strstr(text, "\n01000000-01008000 rw-s 00000000 00:01 "));
	ck_assert_ptr_nonnull(strstr(text, "/dev/zero (deleted)\n"));
	free(text);
	text = slurp("/proc/self/status");
	ck_assert_int_eq(field(text, "RssShmem:"), 32);
	free(text);
}
END_TEST

START_TEST(meminfo_swap)
{
	guest_teardown();
	struct kernel_config cfg = {.mem_size = GUEST_MEM_SIZE, .swap_size = 4 << 20};
	guest_setup(&cfg);
	struct meminfo m;
	kernel_meminfo(k, &m);
	ck_assert_uint_eq(m.swap_total, 4096 - 4); /* slot 0 is the header */
	ck_assert_uint_eq(m.swap_free, m.swap_total);
	ck_assert_uint_eq(m.commit_limit, m.mem_total / 2 + m.swap_total);
}
END_TEST

/* Every line as Linux prints it: "Label:" padded to 16 columns, the value
 * right-aligned in 8, " kB"; HugePages_* counts without a unit. */
START_TEST(meminfo_text_format)
{
	char *text = slurp("/proc/meminfo");
	regex_t kb_line, count_line;
	ck_assert_int_eq(regcomp(&kb_line, "^[A-Za-z_()0-9]+: +[0-9]+ kB$", REG_EXTENDED), 0);
	ck_assert_int_eq(regcomp(&count_line, "^HugePages_[A-Za-z]+: +[0-9]+$", REG_EXTENDED), 0);
	int lines = 0;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"), lines++) {
		bool kb = !regexec(&kb_line, l, 0, NULL, 0);
		ck_assert_msg(kb || !regexec(&count_line, l, 0, NULL, 0), "bad line '%s'", l);
		size_t colon = (size_t)(strchr(l, ':') - l);
		const char *value = l + strspn(l + colon + 1, " ") + colon + 1;
		/* The value ends at column 24 unless it is wider than 8 digits. */
		size_t digits = strspn(value, "0123456789");
		if (digits <= 8)
			ck_assert_msg((size_t)(value - l) + digits == 24, "misaligned '%s'", l);
		else
			ck_assert_msg((size_t)(value - l) == 16, "misaligned '%s'", l);
	}
	regfree(&kb_line);
	regfree(&count_line);
	ck_assert_int_ge(lines, 40);
	free(text);

	text = slurp("/proc/meminfo");
	ck_assert(!strncmp(text, "MemTotal:       ", 16));
	ck_assert_ptr_nonnull(strstr(text, "\nMemFree:        "));
	ck_assert_ptr_nonnull(strstr(text, "\nMemAvailable:   "));
	ck_assert_ptr_nonnull(strstr(text, "\nHugePages_Total:       0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nHugepagesize:       2048 kB\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nVmallocTotal:   34359738367 kB\n"));
	struct meminfo m;
	kernel_meminfo(k, &m);
	ck_assert_int_eq(field(text, "MemTotal:"), (long long)m.mem_total);
	ck_assert_int_eq(field(text, "MemFree:"), (long long)m.mem_free);
	ck_assert_int_eq(field(text, "PageTables:"), (long long)m.page_tables);
	ck_assert_int_eq(field(text, "Active:"), field(text, "Active(anon):") + field(text, "Active(file):"));
	free(text);
}
END_TEST

START_TEST(status_rss_grows)
{
	char *text = slurp("/proc/self/status");
	ck_assert(!strncmp(text, "Name:\t", 6));
	ck_assert_ptr_nonnull(strstr(text, "\nState:\tR (running)\n"));
	char want[64];
	snprintf(want, sizeof(want), "\nPid:\t%d\nPPid:\t%d\n", p->pid, task_ppid(p));
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_nonnull(strstr(text, "\nThreads:\t1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nSigBlk:\t0000000000000000\n"));
	regex_t vm;
	ck_assert_int_eq(regcomp(&vm, "^(Vm[A-Za-z]+|Rss[A-Za-z]+|HugetlbPages):\t[ 0-9]{8,} kB$",
				 REG_EXTENDED | REG_NEWLINE), 0);
	int nvm = 0;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, "Vm", 2) || !strncmp(l, "Rss", 3)) {
			ck_assert_msg(!regexec(&vm, l, 0, NULL, 0), "bad line '%s'", l);
			nvm++;
		}
	regfree(&vm);
	ck_assert_int_eq(nvm, 15);
	free(text);

	text = slurp("/proc/self/status");
	long long rss = field(text, "VmRSS:"), anon = field(text, "RssAnon:");
	long long size = field(text, "VmSize:");
	ck_assert_int_eq(rss, (long long)mm->rss_pages * 4);
	free(text);
	map(0x2000000, 32 * PAGE_SIZE, RW);
	touch(0x2000000, 32);
	text = slurp("/proc/self/status");
	ck_assert_int_eq(field(text, "VmRSS:"), rss + 128);
	ck_assert_int_eq(field(text, "RssAnon:"), anon + 128);
	ck_assert_int_eq(field(text, "VmSize:"), size + 128);
	ck_assert_int_eq(field(text, "VmSwap:"), 0);
	ck_assert_int_eq(field(text, "VmPTE:"), (long long)mm->pt_pages * 4);
	free(text);
}
END_TEST

START_TEST(maps_layout)
{
	map(0x400000, 2 * PAGE_SIZE, VM_READ | VM_EXEC);
	map(0x600000, PAGE_SIZE, RW | VM_HEAP);
	map(0x7ffffffde000, 0x21000, RW | VM_GROWSDOWN | VM_STACK);
	char *text = slurp("/proc/self/maps");
	ck_assert_str_eq(text,
		"00010000-00020000 rw-p 00000000 00:00 0 \n"
		"00400000-00402000 r-xp 00000000 00:00 0 \n"
		"00600000-00601000 rw-p 00000000 00:00 0                                  [heap]\n"
		"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
	free(text);
	/* The name starts at column 73, as on Linux. */
	ck_assert_uint_eq(strlen("00600000-00601000 rw-p 00000000 00:00 0                                  "), 73);
}
END_TEST

START_TEST(proc_names)
{
	char *t1 = slurp("/proc/self/../meminfo"), *t2 = slurp("//proc/./meminfo");
	ck_assert(!strncmp(t1, "MemTotal:", 9) && !strncmp(t2, "MemTotal:", 9));
	free(t1);
	free(t2);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", p->pid);
	free(slurp(path));
	free(slurp("/proc/thread-self/stat"));
	ck_assert_int_eq(open_path("/proc/99999/status", O_RDONLY), -ENOENT);
	ck_assert_int_eq(open_path("/proc/self/nonesuch", O_RDONLY), -ENOENT);
	ck_assert_int_eq(open_path("/proc/kallsyms", O_RDONLY), -ENOENT);
	ck_assert_int_eq(open_path("/proc/meminfo/", O_RDONLY), -ENOTDIR);
	ck_assert_int_eq(open_path("/proc/meminfo", O_WRONLY), -EACCES);
	ck_assert_int_eq(open_path("/proc/meminfo", O_RDONLY | O_DIRECTORY), -ENOTDIR);
}
END_TEST

START_TEST(stat_and_readlink)
{
	struct stat st;
	ck_assert_int_eq(copy_to_user(k, PATH_VA, "/proc/self/maps", 16), 0);
	ck_assert_int_eq(guest_syscall(SYS_newfstatat, (uint64_t)AT_FDCWD, PATH_VA, DATA_VA, 0), 0);
	ck_assert_int_eq(copy_from_user(k, &st, DATA_VA, sizeof(st)), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0444);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_uint_eq(st.st_nlink, 1);
	/* fstat of an open /proc file says the same. */
	int64_t fd = open_path("/proc/meminfo", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(guest_syscall(SYS_fstat, (uint64_t)fd, DATA_VA, 0, 0), 0);
	ck_assert_int_eq(copy_from_user(k, &st, DATA_VA, sizeof(st)), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0444);
	/* readlink of the exe link gives the guest path of the program. */
	guest_set_exe();
	size_t len = strlen(guest_exe_path);
	ck_assert_int_eq(copy_to_user(k, PATH_VA, "/proc/self/exe", 15), 0);
	ck_assert_int_eq(guest_syscall(SYS_readlink, PATH_VA, DATA_VA, 100, 0), (int64_t)len);
	char target[64] = "";
	ck_assert_int_eq(copy_from_user(k, target, DATA_VA, len), 0);
	ck_assert_str_eq(target, guest_exe_path);
	ck_assert_int_eq(copy_to_user(k, PATH_VA, "/proc/meminfo", 14), 0);
	ck_assert_int_eq(guest_syscall(SYS_readlink, PATH_VA, DATA_VA, 100, 0), -EINVAL);
}
END_TEST

/* A reader that seeks back to 0 gets fresh numbers (procps, top). */
START_TEST(lseek_rereads)
{
	int64_t fd = open_path("/proc/self/status", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	int64_t n1 = guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, DATA_MAX, 0);
	ck_assert_int_gt(n1, 0);
	ck_assert_int_eq(guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, DATA_MAX, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 10, SEEK_SET, 0), 10);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 5, SEEK_CUR, 0), 15);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_END, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, -1, SEEK_SET, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, DATA_MAX, 0), n1 - 15);
	map(0x3000000, 4 * PAGE_SIZE, RW);
	touch(0x3000000, 4);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	int64_t n2 = guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, DATA_MAX, 0);
	ck_assert_int_gt(n2, 0);
	char *text = calloc(1, (size_t)n2 + 1);
	ck_assert_int_eq(copy_from_user(k, text, DATA_VA, (uint64_t)n2), 0);
	ck_assert_int_eq(field(text, "VmRSS:"), (long long)mm->rss_pages * 4);
	free(text);
}
END_TEST

/* The names and types getdents64 gives for the open directory fd, read
 * with count bytes a call, as "name/type " in order (malloc'ed). */
static char *list_dir(int64_t fd, uint64_t count)
{
	char *out = calloc(1, 4096), *buf = malloc(DATA_MAX);
	for (;;) {
		int64_t n = guest_syscall(SYS_getdents64, (uint64_t)fd, DATA_VA, count, 0);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		ck_assert_int_eq(copy_from_user(k, buf, DATA_VA, (uint64_t)n), 0);
		for (int64_t off = 0; off < n;) {
			uint16_t reclen;
			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			ck_assert_uint_eq(reclen % 8, 0);
			char entry[64];
			snprintf(entry, sizeof(entry), "%s/%d ", buf + off + 19, buf[off + 18]);
			ck_assert_uint_lt(strlen(out) + strlen(entry), 4096);
			strcat(out, entry);
			off += reclen;
		}
	}
	free(buf);
	return out;
}

START_TEST(proc_dir_listing)
{
	struct process *other = guest_new_process();
	int64_t fd = open_path("/proc", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	char want[512];
	snprintf(want, sizeof(want),
		 "./%d ../%d meminfo/%d vmstat/%d buddyinfo/%d zoneinfo/%d locks/%d kpagecount/%d "
		 "kpageflags/%d stat/%d uptime/%d loadavg/%d "
		 "cpuinfo/%d version/%d filesystems/%d swaps/%d mounts/%d sysvipc/%d net/%d sys/%d "
		 "self/%d thread-self/%d %d/%d %d/%d ",
		 DT_DIR, DT_DIR, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_LNK, DT_DIR, DT_DIR, DT_DIR, DT_LNK,
		 DT_LNK,
		 p->pid, DT_DIR, other->pid, DT_DIR);
	char *got = list_dir(fd, DATA_MAX);
	ck_assert_str_eq(got, want);
	free(got);
	/* Rewound, one entry a call: the offsets carry the listing on. */
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	got = list_dir(fd, 32);
	ck_assert_str_eq(got, want);
	free(got);
	/* Too small for one entry: EINVAL, as Linux. */
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_getdents64, (uint64_t)fd, DATA_VA, 8, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, 100, 0), -EISDIR);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	/* A reaped process is gone from the listing. */
	process_reap(k, other);
	fd = open_path("/proc/", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	got = list_dir(fd, DATA_MAX);
	snprintf(want, sizeof(want), "mounts/%d sysvipc/%d net/%d sys/%d self/%d thread-self/%d %d/%d ",
		 DT_LNK, DT_DIR, DT_DIR, DT_DIR, DT_LNK, DT_LNK, p->pid, DT_DIR);
	ck_assert_ptr_nonnull(strstr(got, want));
	ck_assert_int_eq(strlen(strstr(got, want)), strlen(want));
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	/* /proc/self (followed) lists the PID's files. */
	fd = open_path("/proc/self", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	got = list_dir(fd, DATA_MAX);
	snprintf(want, sizeof(want),
		 "./%d ../%d task/%d fd/%d map_files/%d fdinfo/%d ns/%d environ/%d auxv/%d status/%d "
		 "personality/%d limits/%d timens_offsets/%d comm/%d cmdline/%d stat/%d statm/%d maps/%d "
		 "mem/%d cwd/%d root/%d exe/%d mounts/%d mountinfo/%d clear_refs/%d smaps/%d "
		 "smaps_rollup/%d pagemap/%d wchan/%d syscall/%d cpuset/%d cgroup/%d oom_score/%d "
		 "oom_adj/%d oom_score_adj/%d loginuid/%d sessionid/%d coredump_filter/%d io/%d "
		 "uid_map/%d gid_map/%d projid_map/%d setgroups/%d timerslack_ns/%d ",
		 DT_DIR, DT_DIR, DT_DIR, DT_DIR, DT_DIR, DT_DIR, DT_DIR, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_LNK, DT_LNK, DT_LNK, DT_REG, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_REG, DT_REG, DT_REG, DT_REG);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	ck_assert_int_eq(open_path("/proc/self", O_RDONLY | O_NOFOLLOW), -ELOOP);
	ck_assert_int_eq(open_path("/proc", O_WRONLY), -EISDIR);
	ck_assert_int_eq(open_path("/proc/99999", O_RDONLY), -ENOENT);
	/* A file is no directory. */
	fd = open_path("/proc/meminfo", O_RDONLY);
	ck_assert_int_eq(guest_syscall(SYS_getdents64, (uint64_t)fd, DATA_VA, 4096, 0), -ENOTDIR);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
}
END_TEST

static struct stat stat_path(const char *path, int flags)
{
	struct stat st;
	ck_assert_int_eq(copy_to_user(k, PATH_VA, path, strlen(path) + 1), 0);
	ck_assert_int_eq(
		guest_syscall(SYS_newfstatat, (uint64_t)AT_FDCWD, PATH_VA, DATA_VA, (uint64_t)flags), 0);
	ck_assert_int_eq(copy_from_user(k, &st, DATA_VA, sizeof(st)), 0);
	return st;
}

START_TEST(proc_dir_stat)
{
	struct stat st = stat_path("/proc", 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0555);
	ck_assert_uint_eq(st.st_ino, 1);
	ck_assert_uint_eq(st.st_nlink, 6); /* ".", "..", sys, sysvipc, net, one PID */
	ck_assert_uint_eq(st.st_uid, 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/", p->pid);
	struct stat pid_st = stat_path(path, 0);
	ck_assert_uint_eq(pid_st.st_mode, S_IFDIR | 0555);
	/* ".", its entry in /proc, "fd/..", "fdinfo/..", "map_files/..", "task/.." */
	ck_assert_uint_eq(pid_st.st_nlink, 7);
	ck_assert_uint_eq(pid_st.st_dev, st.st_dev);
	/* self: a link to the PID directory. */
	st = stat_path("/proc/self", AT_SYMLINK_NOFOLLOW);
	ck_assert_uint_eq(st.st_mode, S_IFLNK | 0777);
	st = stat_path("/proc/self", 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0555);
	ck_assert_uint_eq(st.st_ino, pid_st.st_ino);
	st = stat_path("/proc/self/", AT_SYMLINK_NOFOLLOW);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0555);
	ck_assert_int_eq(copy_to_user(k, PATH_VA, "/proc/self", 11), 0);
	snprintf(path, sizeof(path), "%d", p->pid);
	ck_assert_int_eq(guest_syscall(SYS_readlink, PATH_VA, DATA_VA, 100, 0), (int64_t)strlen(path));
	char target[16] = "";
	ck_assert_int_eq(copy_from_user(k, target, DATA_VA, strlen(path)), 0);
	ck_assert_str_eq(target, path);
	ck_assert_int_eq(copy_to_user(k, PATH_VA, "/proc", 6), 0);
	ck_assert_int_eq(guest_syscall(SYS_readlink, PATH_VA, DATA_VA, 100, 0), -EINVAL);
	/* fstat of an open directory says the same. */
	int64_t fd = open_path("/proc", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(guest_syscall(SYS_fstat, (uint64_t)fd, DATA_VA, 0, 0), 0);
	ck_assert_int_eq(copy_from_user(k, &st, DATA_VA, sizeof(st)), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0555);
	ck_assert_uint_eq(st.st_ino, 1);
}
END_TEST

/* /proc/PID/cmdline: argv as NUL-terminated strings. */
/* /proc/sys/vm: the vm sysctls, read as Linux prints them, written by
 * root with proc_dointvec_minmax's rules; the watermarks follow. */
START_TEST(proc_sys_vm)
{
	int64_t fd = open_path("/proc/sys/vm", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	char *got = list_dir(fd, DATA_MAX);
	char want[400];
	snprintf(want, sizeof(want), "./%d ../%d admin_reserve_kbytes/%d compact_memory/%d "
		 "drop_caches/%d max_map_count/%d min_free_kbytes/%d mmap_min_addr/%d "
		 "nr_hugepages/%d overcommit_kbytes/%d overcommit_memory/%d overcommit_ratio/%d "
		 "swappiness/%d user_reserve_kbytes/%d watermark_scale_factor/%d ",
		 DT_DIR, DT_DIR, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG, DT_REG,
		 DT_REG, DT_REG, DT_REG, DT_REG, DT_REG);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	fd = open_path("/proc/sys", O_RDONLY | O_DIRECTORY);
	got = list_dir(fd, DATA_MAX);
	snprintf(want, sizeof(want), "./%d ../%d fs/%d kernel/%d vm/%d ", DT_DIR, DT_DIR, DT_DIR,
		 DT_DIR, DT_DIR);
	ck_assert_str_eq(got, want);
	free(got);
	struct stat st = stat_path("/proc/sys/vm/max_map_count", 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0644);
	ck_assert_uint_eq(st.st_uid, 0);
	st = stat_path("/proc/sys/vm/drop_caches", 0); /* a trigger: write-only */
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0200);
	char *text = slurp("/proc/sys/vm/max_map_count");
	ck_assert_str_eq(text, "65530\n");
	free(text);
	text = slurp("/proc/sys/vm/watermark_scale_factor");
	ck_assert_str_eq(text, "10\n");
	free(text);
	ck_assert_int_eq(open_path("/proc/sys/vm/nonesuch", O_RDONLY), -ENOENT);
	text = slurp("/proc/sys/vm/mmap_min_addr");
	ck_assert_str_eq(text, "65536\n");
	free(text);
	text = slurp("/proc/sys/kernel/pid_max");
	ck_assert_str_eq(text, "32768\n");
	free(text);
	ck_assert_int_eq(open_path("/proc/sys/kernel/nonesuch", O_RDONLY), -ENOENT);
	ck_assert_int_eq(open_path("/proc/sys/net", O_RDONLY), -ENOENT);
	if (geteuid() != 0) {
		ck_assert_int_eq(open_path("/proc/sys/vm/max_map_count", O_WRONLY), -EACCES);
		return;
	}
	fd = open_path("/proc/sys/vm/max_map_count", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, " 1000\n", 6), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 6, 0), 6);
	ck_assert_int_eq(k->vm.max_map_count, 1000);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "-1", 2), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 2, 0), -EINVAL);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "12x", 3), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 3, 0), -EINVAL);
	ck_assert_int_eq(guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, 10, 0), -EBADF);
	ck_assert_int_eq(k->vm.max_map_count, 1000);
	/* watermark_scale_factor: 1..3000, and low/high move with it. */
	uint64_t min = k->wmark_min, low = k->wmark_low;
	fd = open_path("/proc/sys/vm/watermark_scale_factor", O_WRONLY);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "3001", 4), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 4, 0), -EINVAL);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "1000", 4), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 4, 0), 4);
	ck_assert_uint_eq(k->wmark_min, min);
	ck_assert_uint_gt(k->wmark_low, low);
	ck_assert_uint_eq(k->wmark_high - k->wmark_min, 2 * (k->wmark_low - k->wmark_min));
}
END_TEST

/* /proc/buddyinfo: Linux's frag_show line, orders 0 to 10, the blocks
 * above order 10 counted as the order-10 blocks they hold: all free
 * frames add up. */
START_TEST(buddyinfo_format)
{
	touch(BUF, BUF_SIZE / PAGE_SIZE); /* reading allocates nothing more */
	char *t = slurp("/proc/buddyinfo");
	uint64_t c[FRAME_MAX_ORDER + 1];
	frame_free_blocks(k, c);
	uint64_t free_frames = 0;
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
		free_frames += c[o] << o;
	ck_assert_uint_eq(free_frames, frames_free(k));
	ck_assert_uint_eq(strncmp(t, "Node 0, zone   Normal ", 22), 0);
	const char *at = t + 22;
	uint64_t shown = 0;
	for (unsigned o = 0; o <= 10; o++) {
		char *end;
		uint64_t n = strtoull(at, &end, 10);
		ck_assert_ptr_ne(end, at);
		ck_assert_int_eq(end - at, 6); /* "%6lu" */
		ck_assert_int_eq(*end, ' ');
		if (o < 10)
			ck_assert_uint_eq(n, c[o]);
		shown += n << o;
		at = end + 1;
	}
	ck_assert_str_eq(at, "\n");
	ck_assert_uint_eq(shown, free_frames);
	free(t);
}
END_TEST

/* /proc/vmstat: "name value" lines; the THP counters follow the kernel's. */
START_TEST(vmstat_counters)
{
	touch(BUF, BUF_SIZE / PAGE_SIZE); /* reading allocates nothing more */
	char *t = slurp("/proc/vmstat");
	ck_assert_int_eq(field(t, "nr_free_pages "), (long long)frames_free(k));
	ck_assert_int_eq(field(t, "thp_fault_alloc "), 0);
	free(t);
	map(0x40000000, PAGE_SIZE_2M, RW | VM_HUGEPAGE);
	touch(0x40000000, 1);
	t = slurp("/proc/vmstat");
	ck_assert_int_eq(field(t, "thp_fault_alloc "), 1);
	ck_assert_int_eq(field(t, "nr_anon_transparent_hugepages "), 1);
	free(t);
	t = slurp("/proc/meminfo");
	ck_assert_int_eq(field(t, "AnonHugePages:"), 2048);
	free(t);
}
END_TEST

/* /sys is the kernel's: transparent_hugepage/enabled and the hugetlb
 * pools' files, as Linux's sysfs shows them; root may write the mode and
 * the pool sizes; nothing else is there. */
START_TEST(sys_kernel_mm)
{
	char *t = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
	ck_assert_str_eq(t, "always [madvise] never\n");
	free(t);
	int64_t fd = open_path("/sys/kernel/mm/hugepages", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	char *got = list_dir(fd, DATA_MAX);
	char want[128];
	snprintf(want, sizeof(want), "./%d ../%d hugepages-2048kB/%d hugepages-1048576kB/%d ", DT_DIR,
		 DT_DIR, DT_DIR, DT_DIR);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	ck_assert_int_eq(open_path("/sys/kernel/debug", O_RDONLY), -ENOENT);
	struct stat st = stat_path("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0444);
	if (geteuid() != 0)
		return; /* writes need root */
	fd = open_path("/sys/kernel/mm/transparent_hugepage/enabled", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "sometimes", 9), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 9, 0), -EINVAL);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "always\n", 7), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 7, 0), 7);
	ck_assert_int_eq(k->thp, THP_ALWAYS);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	fd = open_path("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(copy_to_user(k, DATA_VA, "2\n", 2), 0);
	ck_assert_int_eq(guest_syscall(SYS_write, (uint64_t)fd, DATA_VA, 2, 0), 2);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	t = slurp("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
	ck_assert_str_eq(t, "2\n");
	free(t);
	t = slurp("/proc/sys/vm/nr_hugepages");
	ck_assert_str_eq(t, "2\n");
	free(t);
}
END_TEST

START_TEST(proc_cmdline)
{
	char *argv[] = {"/bin/busybox", "ps", "-o", "pid", NULL};
	process_set_cmdline(p, argv);
	int64_t fd = open_path("/proc/self/cmdline", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	static const char want[] = "/bin/busybox\0ps\0-o\0pid";
	ck_assert_int_eq(guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, 100, 0), sizeof(want));
	char got[sizeof(want)];
	ck_assert_int_eq(copy_from_user(k, got, DATA_VA, sizeof(got)), 0);
	ck_assert_mem_eq(got, want, sizeof(want));
	/* Cut at PROC_CMDLINE_MAX bytes. */
	static char big[PROC_CMDLINE_MAX + 100];
	memset(big, 'a', sizeof(big) - 1);
	char *long_argv[] = {big, NULL};
	process_set_cmdline(p, long_argv);
	ck_assert_uint_eq(p->signal->cmdline_len, PROC_CMDLINE_MAX);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_read, (uint64_t)fd, DATA_VA, DATA_MAX, 0),
			 PROC_CMDLINE_MAX);
}
END_TEST

START_TEST(sysinfo_call)
{
	touch(DATA_VA, 1); /* so the copy-out allocates nothing after the count */
	ck_assert_int_eq(guest_syscall(SYS_sysinfo, DATA_VA, 0, 0, 0), 0);
	struct sysinfo si;
	ck_assert_int_eq(copy_from_user(k, &si, DATA_VA, sizeof(si)), 0);
	struct meminfo m;
	kernel_meminfo(k, &m);
	ck_assert_uint_eq(si.mem_unit, 1);
	ck_assert_uint_eq(si.totalram, m.mem_total << 10);
	ck_assert_uint_eq(si.freeram, m.mem_free << 10);
	ck_assert_uint_eq(si.totalswap, 0);
	ck_assert_uint_eq(si.procs, 1);
	ck_assert_int_eq(guest_syscall(SYS_sysinfo, 0x40000000, 0, 0, 0), -EFAULT);
}
END_TEST

/* /sys is the kernel's table: directories, the CPU lists, no host files. */
START_TEST(sys_tree)
{
	char *text = slurp("/sys/devices/system/cpu/online");
	ck_assert_str_eq(text, "0\n");
	free(text);
	int64_t fd = open_path("/sys", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	char want[128];
	snprintf(want, sizeof(want), "./%d ../%d devices/%d kernel/%d ", DT_DIR, DT_DIR, DT_DIR,
		 DT_DIR);
	char *got = list_dir(fd, DATA_MAX);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	fd = open_path("/sys/devices/system/cpu", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	snprintf(want, sizeof(want), "./%d ../%d online/%d possible/%d present/%d ", DT_DIR, DT_DIR,
		 DT_REG, DT_REG, DT_REG);
	got = list_dir(fd, DATA_MAX);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	ck_assert_int_eq(open_path("/sys/block", O_RDONLY), -ENOENT);
	ck_assert_int_eq(open_path("/sys/kernel/mm/nonesuch", O_RDONLY), -ENOENT);
	ck_assert_int_eq(open_path("/sys/devices/system/cpu/online/x", O_RDONLY), -ENOTDIR);
	ck_assert_int_eq(open_path("/sys/devices/system/cpu/online", O_WRONLY), -EACCES);
	ck_assert_int_eq(open_path("/sys/kernel/mm", O_RDONLY | O_DIRECTORY) >= 0, 1);
	ck_assert_int_eq(copy_to_user(k, PATH_VA, "/sys/kernel", 12), 0);
	ck_assert_int_eq(guest_syscall(SYS_stat, PATH_VA, DATA_VA, 0, 0), 0);
	struct stat st;
	ck_assert_int_eq(copy_from_user(k, &st, DATA_VA, sizeof(st)), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0755);
	ck_assert_uint_eq(st.st_nlink, 3);
	ck_assert_uint_eq(st.st_uid, 0);
}
END_TEST

/* ---- /proc/PID/map_files ---- */

#define MAP_VA 0x2000000ULL

/* mmap(va, len, prot, flags, fd, 0) by the current process. */
static int64_t mmap_fd(uint64_t va, uint64_t len, int prot, int flags, int64_t fd)
{
	const uint64_t a[6] = {va, len, (uint64_t)prot, (uint64_t)flags, (uint64_t)fd, 0};
	return sys_mmap(k, kernel_current_context(k), a);
}

/* readlink(path): the target, or "-ERRNO" (a static buffer). */
static const char *read_link(const char *path)
{
	static char text[PATH_MAX];
	ck_assert_int_eq(copy_to_user(k, PATH_VA, path, strlen(path) + 1), 0);
	int64_t n = guest_syscall(SYS_readlink, PATH_VA, DATA_VA, PATH_MAX - 1, 0);
	if (n < 0) {
		snprintf(text, sizeof(text), "-%s", strerrorname_np((int)-n));
		return text;
	}
	ck_assert_int_eq(copy_from_user(k, text, DATA_VA, (uint64_t)n), 0);
	text[n] = 0;
	return text;
}

static int64_t stat_at(const char *path, int flags, struct stat *st)
{
	ck_assert_int_eq(copy_to_user(k, PATH_VA, path, strlen(path) + 1), 0);
	int64_t r = guest_syscall(SYS_newfstatat, (uint64_t)AT_FDCWD, PATH_VA, DATA_VA,
				  (uint64_t)flags);
	if (r == 0)
		ck_assert_int_eq(copy_from_user(k, st, DATA_VA, sizeof(*st)), 0);
	return r;
}

/* One entry per VMA mapped through a file (a private map of /dev/zero
 * here; the anonymous scratch map has none), named "start-end" and
 * looked up only by that exact name, as Linux's dname_to_vma_addr. */
START_TEST(map_files_lookup)
{
	int64_t zero = open_path("/dev/zero", O_RDONLY);
	ck_assert_int_ge(zero, 0);
	ck_assert_int_eq(mmap_fd(MAP_VA, 2 * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_FIXED, zero),
			 (int64_t)MAP_VA);
	map(MAP_VA + 4 * PAGE_SIZE, PAGE_SIZE, RW);
	int64_t fd = open_path("/proc/self/map_files", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	char want[96];
	snprintf(want, sizeof(want), "./%d ../%d 2000000-2002000/%d ", DT_DIR, DT_DIR, DT_LNK);
	char *got = list_dir(fd, DATA_MAX);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	got = list_dir(fd, 40); /* one entry a call */
	ck_assert_str_eq(got, want);
	free(got);

	ck_assert_str_eq(read_link("/proc/self/map_files/2000000-2002000"), "/dev/zero");
	ck_assert_str_eq(read_link("/proc/self/map_files/2000000-2002000/"), "-ENOTDIR");
	const char *bad[] = {" 2000000-2002000", "2000000 -2002000", "2000000- 2002000",
			     "2000000-2002000 ", "02000000-2002000", "2000000-02002000",
			     "10000000000000000002000000-2002000", "2000000-2001000",
			     "2001000-2002000", "2004000-2005000" /* anonymous */, "-2002000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[96];
		snprintf(path, sizeof(path), "/proc/self/map_files/%s", bad[i]);
		ck_assert_msg(!strcmp(read_link(path), "-ENOENT"), "%s: %s", path, read_link(path));
	}

	struct stat st;
	ck_assert_int_eq(stat_at("/proc/self/map_files", 0, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0500);
	ck_assert_int_eq(stat_at("/proc/self/map_files/2000000-2002000", AT_SYMLINK_NOFOLLOW, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFLNK | 0400); /* /dev/zero was opened for reading */
	ck_assert_uint_eq(st.st_size, 64);
	/* Followed: the file itself, for CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE only. */
	ck_assert_int_eq(stat_at("/proc/self/map_files/2000000-2002000", 0, &st), 0);
	ck_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5));
	uint64_t caps = p->cap.effective;
	p->cap.effective &= ~(1ULL << CAP_SYS_ADMIN);
	ck_assert_int_eq(stat_at("/proc/self/map_files/2000000-2002000", 0, &st), 0);
	p->cap.effective &= ~(1ULL << CAP_CHECKPOINT_RESTORE);
	ck_assert_int_eq(stat_at("/proc/self/map_files/2000000-2002000", 0, &st), -EPERM);
	ck_assert_str_eq(read_link("/proc/self/map_files/2000000-2002000"), "/dev/zero");
	p->cap.effective = caps;

	/* Split by mprotect: two entries; unmapped: none. */
	ck_assert_int_eq(guest_syscall(SYS_mprotect, MAP_VA, PAGE_SIZE, PROT_READ, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	got = list_dir(fd, DATA_MAX);
	snprintf(want, sizeof(want), "./%d ../%d 2000000-2001000/%d 2001000-2002000/%d ", DT_DIR,
		 DT_DIR, DT_LNK, DT_LNK);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(guest_syscall(SYS_munmap, MAP_VA, 2 * PAGE_SIZE, 0, 0), 0);
	ck_assert_int_eq(guest_syscall(SYS_lseek, (uint64_t)fd, 0, SEEK_SET, 0), 0);
	got = list_dir(fd, DATA_MAX);
	snprintf(want, sizeof(want), "./%d ../%d ", DT_DIR, DT_DIR);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_str_eq(read_link("/proc/self/map_files/2000000-2001000"), "-ENOENT");
}
END_TEST

/* The VMAs hold the file they were mapped through, as Linux's vm_file:
 * one reference each (a split adds one, fork copies them), kept after
 * the fd is closed, let go by munmap and by exit; the last one closes
 * the file. */
START_TEST(map_files_reference)
{
	int64_t zero = open_path("/dev/zero", O_RDONLY);
	ck_assert_int_ge(zero, 0);
	struct file *f = fd_file(p->files, (int)zero);
	int host = f->host_fd;
	ck_assert_int_eq(mmap_fd(MAP_VA, 3 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, zero),
			 (int64_t)MAP_VA);
	ck_assert_int_eq(f->refcount, 2);
	ck_assert_int_eq(guest_syscall(SYS_mprotect, MAP_VA + PAGE_SIZE, PAGE_SIZE, PROT_NONE, 0), 0);
	ck_assert_int_eq(f->refcount, 4);
	ck_assert_int_eq(guest_syscall(SYS_close, (uint64_t)zero, 0, 0, 0), 0);
	ck_assert_int_eq(f->refcount, 3);
	/* Merged back: one VMA, one reference. */
	ck_assert_int_eq(guest_syscall(SYS_mprotect, MAP_VA + PAGE_SIZE, PAGE_SIZE, PROT_READ, 0), 0);
	ck_assert_int_eq(f->refcount, 1);
	struct cpu_context ctx = p->ctx;
	const uint64_t a[6] = {0};
	int64_t pid = sys_fork(k, &ctx, a);
	struct process *c = process_find(k, (int)pid);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(f->refcount, 2);
	ck_assert_int_eq(guest_syscall(SYS_munmap, MAP_VA, 3 * PAGE_SIZE, 0, 0), 0);
	ck_assert_int_eq(f->refcount, 1);
	ck_assert_int_ge(fcntl(host, F_GETFD), 0);
	process_exit(k, c, 0);
	ck_assert_int_eq(fcntl(host, F_GETFD), -1); /* the child's exit let the last one go */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_procfs");
	TCase *tc = unit_tcase(s, "meminfo", setup, guest_teardown);
	tcase_add_test(tc, meminfo_counts_frames);
	tcase_add_test(tc, meminfo_anon_and_available);
	tcase_add_test(tc, meminfo_shmem);
	tcase_add_test(tc, meminfo_swap);
	tcase_add_test(tc, meminfo_text_format);
	tc = unit_tcase(s, "proc", setup, guest_teardown);
	tcase_add_test(tc, status_rss_grows);
	tcase_add_test(tc, maps_layout);
	tcase_add_test(tc, proc_names);
	tcase_add_test(tc, stat_and_readlink);
	tcase_add_test(tc, lseek_rereads);
	tcase_add_test(tc, proc_dir_listing);
	tcase_add_test(tc, proc_dir_stat);
	tcase_add_test(tc, proc_sys_vm);
	tcase_add_test(tc, proc_cmdline);
	tcase_add_test(tc, buddyinfo_format);
	tcase_add_test(tc, vmstat_counters);
	tcase_add_test(tc, sys_kernel_mm);
	tcase_add_test(tc, sysinfo_call);
	tcase_add_test(tc, sys_tree);
	tcase_add_test(tc, map_files_lookup);
	tcase_add_test(tc, map_files_reference);
	return unit_run(s);
}
