/* proc_files.c - the /proc files programs read at start (uptime, df, ps,
 * free, prlimit, sysconf): their formats as Linux writes them, and their
 * values against what the program can learn otherwise: the clocks,
 * uname(2), CPUID, sched_getaffinity, getrlimit, getauxval, its own
 * environment, stat(2) of the mount points, and values it set itself
 * (comm, prctl names, oom_score_adj). Nothing here changes the host:
 * the files written are the program's own /proc/self ones. */
#include <cpuid.h>
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define BIG 65536

/* The whole file into a static buffer (NUL-terminated); its length. */
static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	return len;
}

static void write_file(const char *path, const char *text, size_t len, int want_errno)
{
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0, "open %s for writing: %s", path, strerror(errno));
	ssize_t n = write(fd, text, len);
	if (want_errno)
		CHECK_ERRNO(n, want_errno, path);
	else
		CHECK(n == (ssize_t)len, "write %zu bytes to %s: %zd (%s)", len, path, n,
		      n < 0 ? strerror(errno) : "short");
	close(fd);
}

static double now_s(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The value after "name\t...: " in /proc/cpuinfo's first processor. */
static const char *cpuinfo_field(const char *text, const char *name)
{
	static char value[4096];
	size_t n = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, name, n) && (l[n] == '\t' || l[n] == ':')) {
			const char *v = strchr(l, ':');
			CHECK(v, "cpuinfo line %s without ':'", name);
			v += v[1] == ' ' ? 2 : 1;
			size_t len = strcspn(v, "\n");
			snprintf(value, sizeof(value), "%.*s", (int)len, v);
			return value;
		}
	}
	fail("no '%s' in /proc/cpuinfo", name);
}

static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *f = flags; (f = strstr(f, flag)); f += n)
		if ((f == flags || f[-1] == ' ') && (f[n] == 0 || f[n] == ' '))
			return true;
	return false;
}

static int cpu_count(void)
{
	cpu_set_t set;
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0, "sched_getaffinity: %s", strerror(errno));
	return CPU_COUNT(&set);
}

static void check_uptime_stat(void)
{
	static char buf[BIG];
	slurp("/proc/uptime", buf, sizeof(buf));
	unsigned long up, up_c, idle, idle_c;
	char end;
	CHECK(sscanf(buf, "%lu.%2lu %lu.%2lu%c", &up, &up_c, &idle, &idle_c, &end) == 5 && end == '\n',
	      "/proc/uptime '%s'", buf);
	double boot = now_s(CLOCK_BOOTTIME);
	CHECK(up + up_c / 100.0 <= boot + 0.01 && up + up_c / 100.0 > boot - 2,
	      "/proc/uptime %lu.%02lu, CLOCK_BOOTTIME %.2f", up, up_c, boot);

	slurp("/proc/loadavg", buf, sizeof(buf));
	int running, total, last;
	unsigned a[6];
	CHECK(sscanf(buf, "%u.%2u %u.%2u %u.%2u %d/%d %d%c", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5],
		     &running, &total, &last, &end) == 10 && end == '\n',
	      "/proc/loadavg '%s'", buf);
	CHECK(running >= 1 && running <= total && last > 0, "/proc/loadavg '%s'", buf);

	slurp("/proc/stat", buf, sizeof(buf));
	unsigned long long v[10];
	CHECK(sscanf(buf, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", &v[0], &v[1],
		     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10,
	      "/proc/stat's first line: %.80s", buf);
	int cpus = 0;
	for (const char *l = buf; (l = strstr(l, "\ncpu")); l++)
		cpus++;
	CHECK(cpus == cpu_count(), "/proc/stat has %d cpuN lines, sched_getaffinity %d CPUs", cpus,
	      cpu_count());
	static const char *const keys[] = {"\nintr ", "\nctxt ", "\nbtime ", "\nprocesses ",
					   "\nprocs_running ", "\nprocs_blocked ", "\nsoftirq "};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK(strstr(buf, keys[i]), "/proc/stat without '%s'", keys[i] + 1);
	double btime = strtod(strstr(buf, "\nbtime ") + 7, NULL);
	double want = now_s(CLOCK_REALTIME) - now_s(CLOCK_BOOTTIME);
	CHECK(btime > want - 2 && btime < want + 2, "btime %.0f, boot at %.0f", btime, want);
}

static void check_cpuinfo(void)
{
	static char buf[BIG * 4];
	slurp("/proc/cpuinfo", buf, sizeof(buf));
	int n = 0;
	for (const char *l = buf; (l = strstr(l, "processor\t: ")); l++, n++)
		CHECK(l == buf || l[-1] == '\n', "'processor' inside a line");
	CHECK(n == cpu_count(), "/proc/cpuinfo lists %d processors, sched_getaffinity %d", n,
	      cpu_count());
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == n, "sysconf(_SC_NPROCESSORS_ONLN) %ld, cpuinfo %d",
	      sysconf(_SC_NPROCESSORS_ONLN), n);
	unsigned a, b, c, d;
	char vendor[13] = "";
	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	CHECK(!strcmp(cpuinfo_field(buf, "vendor_id"), vendor), "vendor_id %s, CPUID %s",
	      cpuinfo_field(buf, "vendor_id"), vendor);
	CHECK(atoi(cpuinfo_field(buf, "cpuid level")) == (int)a, "cpuid level %s, CPUID %u",
	      cpuinfo_field(buf, "cpuid level"), a);
	__cpuid(1, a, b, c, d);
	unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 6)
		model += ((a >> 16) & 0xf) << 4;
	CHECK(atoi(cpuinfo_field(buf, "cpu family")) == (int)family &&
		      atoi(cpuinfo_field(buf, "model")) == (int)model &&
		      atoi(cpuinfo_field(buf, "stepping")) == (int)(a & 0xf),
	      "family/model/stepping %s/%s/%s, CPUID %u/%u/%u", cpuinfo_field(buf, "cpu family"),
	      cpuinfo_field(buf, "model"), cpuinfo_field(buf, "stepping"), family, model, a & 0xf);
	CHECK(atoi(cpuinfo_field(buf, "clflush size")) == (int)((b >> 8) & 0xff) * 8,
	      "clflush size %s", cpuinfo_field(buf, "clflush size"));
	char flags[4096];
	snprintf(flags, sizeof(flags), "%s", cpuinfo_field(buf, "flags"));
	const struct {
		const char *name;
		unsigned reg, bit;
	} bits[] = {{"fpu", d, 0}, {"tsc", d, 4}, {"cx8", d, 8}, {"cmov", d, 15}, {"mmx", d, 23},
		    {"sse", d, 25}, {"sse2", d, 26}, {"pni", c, 0}, {"ssse3", c, 9}, {"cx16", c, 13},
		    {"sse4_1", c, 19}, {"sse4_2", c, 20}, {"popcnt", c, 23}, {"aes", c, 25},
		    {"xsave", c, 26}, {"avx", c, 28}, {"rdrand", c, 30}};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		CHECK(has_flag(flags, bits[i].name) == (bool)(bits[i].reg >> bits[i].bit & 1),
		      "flag %s %s in /proc/cpuinfo, CPUID bit %u", bits[i].name,
		      has_flag(flags, bits[i].name) ? "present" : "absent", bits[i].reg >> bits[i].bit & 1);
	__cpuid(0x80000001, a, b, c, d);
	CHECK(has_flag(flags, "lm") == (bool)(d >> 29 & 1) && has_flag(flags, "nx") == (bool)(d >> 20 & 1),
	      "flags lm/nx against CPUID 0x80000001 EDX %08x", d);
	__cpuid(0x80000008, a, b, c, d);
	char sizes[64];
	snprintf(sizes, sizeof(sizes), "%u bits physical, %u bits virtual", a & 0xff, (a >> 8) & 0xff);
	CHECK(!strcmp(cpuinfo_field(buf, "address sizes"), sizes), "address sizes '%s', CPUID '%s'",
	      cpuinfo_field(buf, "address sizes"), sizes);
	CHECK(strstr(buf, "\npower management:") && !strcmp(buf + strlen(buf) - 2, "\n\n"),
	      "/proc/cpuinfo does not end in 'power management:' and a blank line");
}

static void check_uname(void)
{
	static char buf[4096];
	struct utsname u;
	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	slurp("/proc/version", buf, sizeof(buf));
	char head[512];
	snprintf(head, sizeof(head), "%s version %s ", u.sysname, u.release);
	CHECK(!strncmp(buf, head, strlen(head)) && strstr(buf, u.version),
	      "/proc/version '%s', uname %s %s %s", buf, u.sysname, u.release, u.version);
	const struct {
		const char *file, *value;
	} uts[] = {{"ostype", u.sysname},     {"osrelease", u.release}, {"version", u.version},
		   {"hostname", u.nodename}, {"domainname", u.domainname}};
	for (size_t i = 0; i < sizeof(uts) / sizeof(uts[0]); i++) {
		char path[64], want[128];
		snprintf(path, sizeof(path), "/proc/sys/kernel/%s", uts[i].file);
		snprintf(want, sizeof(want), "%s\n", uts[i].value);
		slurp(path, buf, sizeof(buf));
		CHECK(!strcmp(buf, want), "%s '%s', uname '%s'", path, buf, uts[i].value);
	}
}

static void check_uuid(const char *text, const char *what)
{
	CHECK(strlen(text) == 37 && text[36] == '\n', "%s '%s'", what, text);
	for (int i = 0; i < 36; i++)
		CHECK(i == 8 || i == 13 || i == 18 || i == 23 ? text[i] == '-'
							      : isxdigit((unsigned char)text[i]) && !isupper((unsigned char)text[i]),
		      "%s '%s'", what, text);
	CHECK(text[14] == '4' && strchr("89ab", text[19]), "%s '%s' is not a version 4 UUID", what, text);
}

static long sysctl_long(const char *path)
{
	char buf[64];
	slurp(path, buf, sizeof(buf));
	char *end;
	long v = strtol(buf, &end, 10);
	CHECK(end != buf && !strcmp(end, "\n"), "%s '%s'", path, buf);
	return v;
}

static void check_sysctls(void)
{
	char a[64], b[64];
	slurp("/proc/sys/kernel/random/uuid", a, sizeof(a));
	slurp("/proc/sys/kernel/random/uuid", b, sizeof(b));
	check_uuid(a, "uuid");
	CHECK(strcmp(a, b), "two reads of uuid gave %s", a);
	slurp("/proc/sys/kernel/random/boot_id", a, sizeof(a));
	slurp("/proc/sys/kernel/random/boot_id", b, sizeof(b));
	check_uuid(a, "boot_id");
	CHECK(!strcmp(a, b), "boot_id changed: %s then %s", a, b);
	CHECK(sysctl_long("/proc/sys/kernel/ngroups_max") == 65536, "ngroups_max");
	long last = sysctl_long("/proc/sys/kernel/cap_last_cap");
	CHECK(last >= 37 && last < 64, "cap_last_cap %ld", last);
	CHECK(sysctl_long("/proc/sys/kernel/overflowuid") == 65534 &&
		      sysctl_long("/proc/sys/kernel/overflowgid") == 65534,
	      "overflowuid/gid");
	CHECK(sysctl_long("/proc/sys/kernel/threads-max") > 0, "threads-max");
	CHECK(sysctl_long("/proc/sys/fs/file-max") >= 8192, "file-max");
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	CHECK((rlim_t)sysctl_long("/proc/sys/fs/nr_open") >= r.rlim_max,
	      "nr_open below RLIMIT_NOFILE's hard limit %llu", (unsigned long long)r.rlim_max);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(sysctl_long("/proc/sys/fs/pipe-max-size") >= fcntl(p[0], F_GETPIPE_SZ),
	      "pipe-max-size below a new pipe's size");
	close(p[0]);
	close(p[1]);
	struct stat st;
	CHECK(stat("/proc/sys/kernel/random", &st) == 0 && S_ISDIR(st.st_mode), "kernel/random");
	CHECK(stat("/proc/sys/kernel/ostype", &st) == 0 && (st.st_mode & 07777) == 0444,
	      "kernel/ostype's mode %o", st.st_mode & 07777);
}

static void check_links_and_lists(void)
{
	static char buf[BIG];
	ssize_t n = readlink("/proc/mounts", buf, sizeof(buf));
	CHECK(n == 11 && !memcmp(buf, "self/mounts", 11), "/proc/mounts -> '%.*s'", (int)n, buf);
	char want[64];
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	n = readlink("/proc/thread-self", buf, sizeof(buf));
	CHECK(n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n), "/proc/thread-self -> '%.*s'",
	      (int)n, buf);
	slurp("/proc/filesystems", buf, sizeof(buf));
	CHECK(strstr(buf, "nodev\tproc\n") && strstr(buf, "nodev\tsysfs\n"), "/proc/filesystems:\n%s",
	      buf);
	slurp("/proc/swaps", buf, sizeof(buf));
	const char *head = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
	CHECK(!strncmp(buf, head, strlen(head)), "/proc/swaps: %s", buf);
	unsigned long long total = 0, size, used;
	int prio;
	char type[16];
	for (const char *l = buf + strlen(head); *l; l = strchr(l, '\n') + 1) {
		CHECK(sscanf(l, "%*s %15s %llu %llu %d", type, &size, &used, &prio) == 4 && used <= size,
		      "/proc/swaps line '%s'", l);
		total += size << 10;
	}
	struct sysinfo si;
	CHECK(sysinfo(&si) == 0, "sysinfo");
	CHECK(total == (unsigned long long)si.totalswap * si.mem_unit,
	      "/proc/swaps sizes add up to %llu bytes, sysinfo's totalswap %llu", total,
	      (unsigned long long)si.totalswap * si.mem_unit);
}

/* Each mount point of mountinfo appears in mounts, in the same order;
 * "/" and "/proc" are there with the devices stat gives. */
static void check_mounts(void)
{
	static char info[BIG * 4], mounts[BIG * 4];
	slurp("/proc/self/mountinfo", info, sizeof(info));
	slurp("/proc/self/mounts", mounts, sizeof(mounts));
	const char *m = mounts;
	bool root = false, proc = false;
	for (char *l = info; *l; l = strchr(l, '\n') + 1) {
		unsigned maj, min;
		char point[4096], mpoint[4096], type[64], mtype[64];
		int id, parent, off;
		CHECK(sscanf(l, "%d %d %u:%u %*s %4095s %*s%n", &id, &parent, &maj, &min, point, &off) == 5,
		      "mountinfo line '%.80s'", l);
		const char *dash = strstr(l, " - ");
		CHECK(dash && dash < strchr(l, '\n') && sscanf(dash, " - %63s", type) == 1,
		      "mountinfo line without ' - TYPE': '%.80s'", l);
		CHECK(sscanf(m, "%*s %4095s %63s", mpoint, mtype) == 2 && !strcmp(mpoint, point) &&
			      !strcmp(mtype, type),
		      "mounts '%.80s' against mountinfo '%.80s'", m, l);
		CHECK(strstr(m, " 0 0\n") && strstr(m, " 0 0\n") < strchr(m, '\n') + 1, "mounts line '%.80s'", m);
		m = strchr(m, '\n') + 1;
		struct stat st;
		if (!strcmp(point, "/") || (!strcmp(point, "/proc") && !strcmp(type, "proc"))) {
			CHECK(stat(point, &st) == 0, "stat %s", point);
			if (major(st.st_dev) == maj && minor(st.st_dev) == min)
				*(point[1] ? &proc : &root) = true;
		}
	}
	CHECK(!*m, "mounts has more lines than mountinfo: '%.80s'", m);
	CHECK(root && proc, "no mount of / (%d) or /proc (%d) with stat's device", root, proc);
}

static void check_environ_auxv(char **envp)
{
	static char buf[BIG], want[BIG];
	size_t len = 0;
	for (char **e = envp; *e && len + strlen(*e) + 1 < sizeof(want); e++) {
		memcpy(want + len, *e, strlen(*e) + 1);
		len += strlen(*e) + 1;
	}
	size_t n = slurp("/proc/self/environ", buf, sizeof(buf));
	CHECK(n == len && !memcmp(buf, want, n), "/proc/self/environ: %zu bytes, envp %zu", n, len);
	if (envp[0]) { /* read from memory: a change shows */
		char c = envp[0][0];
		envp[0][0] = '#';
		slurp("/proc/self/environ", buf, sizeof(buf));
		envp[0][0] = c;
		CHECK(buf[0] == '#', "/proc/self/environ does not show a change to envp[0]");
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/environ", (long)syscall(SYS_gettid));
	n = slurp(path, buf, sizeof(buf));
	CHECK(n == len && !memcmp(buf, want, n), "%s: %zu bytes, envp %zu", path, n, len);

	unsigned long aux[512];
	n = slurp("/proc/self/auxv", (char *)aux, sizeof(aux));
	CHECK(n % 16 == 0 && n >= 16, "/proc/self/auxv: %zu bytes", n);
	size_t pairs = n / 16;
	CHECK(aux[2 * (pairs - 1)] == AT_NULL, "auxv does not end with AT_NULL");
	const unsigned long types[] = {AT_PAGESZ, AT_PHDR, AT_ENTRY, AT_RANDOM, AT_EXECFN, AT_UID, AT_CLKTCK};
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		size_t i = 0;
		while (i < pairs && aux[2 * i] != types[t])
			i++;
		CHECK(i < pairs, "auxv without type %lu", types[t]);
		CHECK(aux[2 * i + 1] == getauxval(types[t]), "auxv type %lu: %#lx, getauxval %#lx", types[t],
		      aux[2 * i + 1], getauxval(types[t]));
	}
	struct stat st;
	CHECK(stat("/proc/self/environ", &st) == 0 && (st.st_mode & 0777) == 0400 &&
		      stat("/proc/self/auxv", &st) == 0 && (st.st_mode & 0777) == 0400,
	      "environ/auxv mode %o", st.st_mode & 0777);
}

static void check_name(const char *want)
{
	char buf[4096], name[32] = "", line[64];
	slurp("/proc/self/comm", buf, sizeof(buf));
	snprintf(line, sizeof(line), "%s\n", want);
	CHECK(!strcmp(buf, line), "/proc/self/comm '%s', expected '%s'", buf, want);
	CHECK(prctl(PR_GET_NAME, name) == 0 && !strcmp(name, want), "PR_GET_NAME '%s', expected '%s'",
	      name, want);
	slurp("/proc/self/stat", buf, sizeof(buf));
	snprintf(line, sizeof(line), "%d (%s) ", getpid(), want);
	CHECK(!strncmp(buf, line, strlen(line)), "/proc/self/stat '%.40s', expected '%s'", buf, line);
	snprintf(line, sizeof(line), "Name:\t%s\n", want);
	slurp("/proc/self/status", buf, sizeof(buf));
	CHECK(!strncmp(buf, line, strlen(line)) || strchr(want, '\n'), "status '%.40s', expected '%s'",
	      buf, line);
}

static void *thread_comm(void *arg)
{
	(void)arg;
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", (long)syscall(SYS_gettid));
	write_file(path, "worker", 6, 0);
	char name[32] = "";
	prctl(PR_GET_NAME, name);
	slurp(path, buf, sizeof(buf));
	return (void *)(uintptr_t)(!strcmp(name, "worker") && !strcmp(buf, "worker\n"));
}

static void check_comm(const char *argv0)
{
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	char first[16];
	snprintf(first, sizeof(first), "%s", base);
	check_name(first);
	write_file("/proc/self/comm", "renamed", 7, 0);
	check_name("renamed");
	write_file("/proc/self/comm", "a-name-of-twenty-chr", 20, 0); /* all taken, 15 kept */
	check_name("a-name-of-twent");
	CHECK(prctl(PR_SET_NAME, "by-prctl") == 0, "PR_SET_NAME");
	check_name("by-prctl");
	pthread_t t;
	void *ok;
	CHECK(pthread_create(&t, NULL, thread_comm, NULL) == 0 && pthread_join(t, &ok) == 0 && ok,
	      "a thread renaming itself through task/TID/comm");
	check_name("by-prctl");
	CHECK(prctl(PR_SET_NAME, first) == 0, "PR_SET_NAME");
}

static void check_limits(void)
{
	static char buf[BIG];
	slurp("/proc/self/limits", buf, sizeof(buf));
	const char *head = "Limit                     Soft Limit           Hard Limit           Units     \n";
	CHECK(!strncmp(buf, head, strlen(head)), "limits header '%.80s'", buf);
	const char *l = buf + strlen(head);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit r;
		CHECK(getrlimit(i, &r) == 0, "getrlimit %d", i);
		char soft[32], hard[32], want[128];
		snprintf(soft, sizeof(soft), r.rlim_cur == RLIM_INFINITY ? "unlimited" : "%llu",
			 (unsigned long long)r.rlim_cur);
		snprintf(hard, sizeof(hard), r.rlim_max == RLIM_INFINITY ? "unlimited" : "%llu",
			 (unsigned long long)r.rlim_max);
		snprintf(want, sizeof(want), "%-20s %-20s ", soft, hard);
		CHECK(strlen(l) > 26 + strlen(want) && !strncmp(l + 26, want, strlen(want)) && l[25] == ' ',
		      "limits line %d '%.80s', getrlimit '%s'", i, l, want);
		l = strchr(l, '\n') + 1;
	}
	CHECK(!*l, "limits has more lines than RLIM_NLIMITS: '%s'", l);
	CHECK(strstr(buf, "\nMax open files            ") && strstr(buf, "\nMax nice priority         "),
	      "limits names");
}

static long oom_value(const char *file)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", file);
	return sysctl_long(path);
}

static void check_oom(void)
{
	long adj = oom_value("oom_score_adj");
	CHECK(adj >= -1000 && adj <= 1000 && oom_value("oom_score") >= 0, "oom_score_adj %ld", adj);
	write_file("/proc/self/oom_score_adj", "500\n", 4, 0);
	CHECK(oom_value("oom_score_adj") == 500 && oom_value("oom_adj") == 8,
	      "after 500: oom_score_adj %ld, oom_adj %ld", oom_value("oom_score_adj"), oom_value("oom_adj"));
	write_file("/proc/self/oom_adj", "15", 2, 0);
	CHECK(oom_value("oom_score_adj") == 1000 && oom_value("oom_adj") == 15,
	      "after oom_adj 15: oom_score_adj %ld", oom_value("oom_score_adj"));
	CHECK(oom_value("oom_score") >= 1330, "oom_score %ld at oom_score_adj 1000", oom_value("oom_score"));
	write_file("/proc/self/oom_score_adj", "1001", 4, EINVAL);
	write_file("/proc/self/oom_score_adj", "12x", 3, EINVAL);
	write_file("/proc/self/oom_adj", "16", 2, EINVAL);
	char back[16];
	snprintf(back, sizeof(back), "%ld", adj);
	write_file("/proc/self/oom_score_adj", back, strlen(back), 0);
	CHECK(oom_value("oom_score_adj") == adj, "oom_score_adj not back at %ld", adj);
	CHECK(oom_value("oom_score") <= 1000 + adj * 2 / 3 + 10, "oom_score %ld", oom_value("oom_score"));
}

static void check_small_files(void)
{
	static char buf[BIG];
	slurp("/proc/self/cgroup", buf, sizeof(buf));
	CHECK(strstr(buf, "0::/") && (buf == strstr(buf, "0::/") || strstr(buf, "\n0::/")) &&
		      buf[strlen(buf) - 1] == '\n',
	      "/proc/self/cgroup has no '0::' line: '%s'", buf);
	slurp("/proc/self/io", buf, sizeof(buf));
	static const char *const io[] = {"rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes",
					 "cancelled_write_bytes"};
	const char *l = buf;
	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
		char want[64];
		snprintf(want, sizeof(want), "%s: ", io[i]);
		CHECK(!strncmp(l, want, strlen(want)) && isdigit((unsigned char)l[strlen(want)]),
		      "/proc/self/io line %zu '%.40s'", i, l);
		l = strchr(l, '\n') + 1;
	}
	CHECK(!*l, "/proc/self/io has more lines");
	slurp("/proc/self/personality", buf, sizeof(buf));
	CHECK(strlen(buf) == 9 && buf[8] == '\n' && strspn(buf, "0123456789abcdef") == 8,
	      "/proc/self/personality '%s'", buf);
	const char *ids[] = {"/proc/self/loginuid", "/proc/self/sessionid"};
	for (int i = 0; i < 2; i++) {
		slurp(ids[i], buf, sizeof(buf));
		CHECK(buf[0] && strspn(buf, "0123456789") == strlen(buf), "%s '%s'", ids[i], buf);
	}
	slurp("/proc/self/wchan", buf, sizeof(buf));
	CHECK(buf[0] && !strchr(buf, '\n'), "/proc/self/wchan '%s'", buf);
}

/* timerslack_ns and PR_SET/GET_TIMERSLACK: the same value; 0 is the
 * default (what the program started with); none in a thread's directory. */
static void check_timerslack(void)
{
	long first = oom_value("timerslack_ns");
	CHECK(prctl(PR_GET_TIMERSLACK) == first, "PR_GET_TIMERSLACK %d, timerslack_ns %ld",
	      prctl(PR_GET_TIMERSLACK), first);
	write_file("/proc/self/timerslack_ns", "123456\n", 7, 0);
	CHECK(prctl(PR_GET_TIMERSLACK) == 123456, "PR_GET_TIMERSLACK %d after writing 123456",
	      prctl(PR_GET_TIMERSLACK));
	CHECK(prctl(PR_SET_TIMERSLACK, 777UL) == 0 && oom_value("timerslack_ns") == 777,
	      "timerslack_ns %ld after PR_SET_TIMERSLACK 777", oom_value("timerslack_ns"));
	write_file("/proc/self/timerslack_ns", " 5", 2, EINVAL);
	write_file("/proc/self/timerslack_ns", "0", 1, 0);
	CHECK(oom_value("timerslack_ns") == first, "timerslack_ns %ld after 0, started at %ld",
	      oom_value("timerslack_ns"), first);
	struct stat st;
	CHECK(stat("/proc/self/timerslack_ns", &st) == 0 && (st.st_mode & 0777) == 0666,
	      "timerslack_ns mode %o", st.st_mode & 0777);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/timerslack_ns", (long)syscall(SYS_gettid));
	CHECK_ERRNO(stat(path, &st), ENOENT, path);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	check_uptime_stat();
	check_cpuinfo();
	check_uname();
	check_sysctls();
	check_links_and_lists();
	check_mounts();
	check_environ_auxv(envp);
	check_comm(argv[0]);
	check_limits();
	check_oom();
	check_small_files();
	check_timerslack();
	return 0;
}
