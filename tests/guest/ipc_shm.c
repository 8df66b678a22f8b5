/* ipc_shm.c - System V shared memory: private and keyed segments, two
 * attaches that see one memory, fork (shared, counted in shm_nattch, let
 * go at exit), IPC_STAT's fields, IPC_RMID with attachments (usable
 * until the last shmdt), the errnos a root run can check (EACCES and
 * EPERM as an unprivileged child), shmdt's rules, the segment's line in
 * /proc/self/maps. Every segment made is removed before exit, also on
 * failure, so a native run leaves the host as it was. */
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static int made[16], nmade;
static pid_t owner;

static void remove_all(void)
{
	if (getpid() != owner)
		return;
	for (int i = 0; i < nmade; i++)
		shmctl(made[i], IPC_RMID, NULL);
}

static int get(key_t key, size_t size, int flags)
{
	int id = shmget(key, size, flags);
	CHECK(id >= 0, "shmget(%#x, %zu, %#o): %s", key, size, flags, strerror(errno));
	if (nmade < 16)
		made[nmade++] = id;
	return id;
}

static struct shmid_ds stat_of(int id)
{
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT %d: %s", id, strerror(errno));
	return ds;
}

static char *at(int id, const void *addr, int flags)
{
	char *p = shmat(id, addr, flags);
	CHECK(p != (char *)-1, "shmat(%d, %p, %#x): %s", id, addr, flags, strerror(errno));
	return p;
}

/* The /proc/self/maps line of the map at p (without its address range). */
static void maps_line(const void *p, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f, "open maps: %s", strerror(errno));
	char line[512];
	unsigned long start;
	out[0] = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-", &start) == 1 && start == (unsigned long)p)
			snprintf(out, n, "%s", strchr(line, ' ') + 1);
	fclose(f);
}

/* /proc/sysvipc/shm: Linux's header, and the line of segment id as
 * IPC_STAT describes it, with rss bytes resident. */
static void check_sysvipc(int id, unsigned long rss)
{
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	CHECK(f, "open /proc/sysvipc/shm: %s", strerror(errno));
	char line[512], want[512], found[512] = "";
	CHECK(fgets(line, sizeof(line), f), "/proc/sysvipc/shm is empty");
	printf("sysvipc header: %s", line);
	int key, shmid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d", &key, &shmid) == 2 && shmid == id)
			snprintf(found, sizeof(found), "%s", line);
	fclose(f);
	struct shmid_ds ds = stat_of(id);
	snprintf(want, sizeof(want),
		 "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
		 ds.shm_perm.__key, id, ds.shm_perm.mode, (unsigned long)ds.shm_segsz, ds.shm_cpid,
		 ds.shm_lpid, (unsigned long)ds.shm_nattch, ds.shm_perm.uid, ds.shm_perm.gid,
		 ds.shm_perm.cuid, ds.shm_perm.cgid, (long)ds.shm_atime, (long)ds.shm_dtime,
		 (long)ds.shm_ctime, rss, 0UL);
	CHECK(!strcmp(found, want), "/proc/sysvipc/shm line:\n%s, expected\n%s", found, want);
}

static void check_private(void)
{
	time_t t0 = time(NULL);
	int id = get(IPC_PRIVATE, 10000, 0600);
	struct shmid_ds ds = stat_of(id);
	CHECK(ds.shm_perm.__key == IPC_PRIVATE && ds.shm_segsz == 10000 && ds.shm_nattch == 0 &&
		      ds.shm_perm.mode == 0600 && ds.shm_cpid == getpid() && ds.shm_lpid == 0 &&
		      ds.shm_atime == 0 && ds.shm_dtime == 0 && ds.shm_ctime >= t0 &&
		      ds.shm_perm.uid == geteuid() && ds.shm_perm.cgid == getegid(),
	      "IPC_STAT of a new segment: key %d size %zu nattch %lu mode %o cpid %d lpid %d",
	      ds.shm_perm.__key, ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_perm.mode,
	      ds.shm_cpid, ds.shm_lpid);
	char *a = at(id, NULL, 0), *b = at(id, NULL, 0);
	CHECK(a != b, "two attaches at one address");
	strcpy(a + 9000, "one memory");
	CHECK(!strcmp(b + 9000, "one memory"), "the second attach does not see the first's store");
	ds = stat_of(id);
	CHECK(ds.shm_nattch == 2 && ds.shm_lpid == getpid() && ds.shm_atime >= t0,
	      "after two attaches: nattch %lu lpid %d", (unsigned long)ds.shm_nattch, ds.shm_lpid);
	printf("two attaches: nattch %lu\n", (unsigned long)ds.shm_nattch);

	char line[512], want[512];
	maps_line(a, line, sizeof(line));
	snprintf(want, sizeof(want), "rw-s 00000000 00:01 %d", id);
	CHECK(!strncmp(line, want, strlen(want)) && strstr(line, " /SYSV00000000 (deleted)\n"),
	      "maps line: %s", line);
	printf("maps: %s", strstr(line, "/SYSV"));

	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct shmid_ds cds;
		int ok = shmctl(id, IPC_STAT, &cds) == 0 && cds.shm_nattch == 4;
		strcpy(b, "from the child");
		_exit(ok ? 0 : 2);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "child saw the wrong nattch (status %#x)", st);
	CHECK(!strcmp(a, "from the child"), "the child's store is not shared");
	ds = stat_of(id);
	CHECK(ds.shm_nattch == 2 && ds.shm_lpid == pid && ds.shm_dtime >= t0,
	      "after the child's exit: nattch %lu lpid %d (child %d)", (unsigned long)ds.shm_nattch,
	      ds.shm_lpid, pid);
	printf("fork: shared, nattch 4 in the child, 2 after its exit\n");

	/* IPC_RMID with attachments: marked, still usable, gone with the last. */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
	ds = stat_of(id);
	CHECK((ds.shm_perm.mode & SHM_DEST) && ds.shm_nattch == 2, "after IPC_RMID: mode %o nattch %lu",
	      ds.shm_perm.mode, (unsigned long)ds.shm_nattch);
	char *c = at(id, NULL, SHM_RDONLY);
	CHECK(!strcmp(c, "from the child"), "an attach after IPC_RMID sees other memory");
	maps_line(c, line, sizeof(line));
	CHECK(!strncmp(line, "r--s ", 5), "SHM_RDONLY map: %s", line);
	CHECK(shmdt(a) == 0 && shmdt(b) == 0, "shmdt: %s", strerror(errno));
	CHECK_ERRNO(shmdt(a), EINVAL, "shmdt of a detached address");
	CHECK(stat_of(id).shm_nattch == 1, "nattch after two shmdt");
	CHECK(shmdt(c) == 0, "shmdt: %s", strerror(errno));
	struct shmid_ds gone;
	CHECK_ERRNO(shmctl(id, IPC_STAT, &gone), EINVAL, "IPC_STAT of a removed segment");
	printf("IPC_RMID: usable until the last shmdt\n");
}

static void check_keyed(key_t key)
{
	int id = get(key, 8192, IPC_CREAT | IPC_EXCL | 0640);
	CHECK_ERRNO(shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "shmget IPC_EXCL");
	CHECK(shmget(key, 8192, 0) == id && shmget(key, 0, IPC_CREAT) == id,
	      "shmget of the key gives another id");
	CHECK_ERRNO(shmget(key, 8193, 0), EINVAL, "shmget larger than the segment");
	CHECK_ERRNO(shmget(key ^ 0x5a5a0000, 1, 0), ENOENT, "shmget of no key");
	CHECK(stat_of(id).shm_perm.__key == key, "IPC_STAT key");

	char *p = at(id, NULL, 0);
	char line[512], want[64];
	maps_line(p, line, sizeof(line));
	snprintf(want, sizeof(want), " /SYSV%08x (deleted)\n", key);
	CHECK(strstr(line, want), "maps line of a keyed segment: %s", line);
	p[5000] = 1;
	check_sysvipc(id, 4096);
	printf("/proc/sysvipc/shm: the segment's line\n");

	/* shmat's address rules. */
	CHECK_ERRNO(shmat(id, p + 1, 0), EINVAL, "shmat unaligned");
	CHECK_ERRNO(shmat(id, p, 0), EINVAL, "shmat over a map");
	CHECK_ERRNO(shmat(id, NULL, SHM_REMAP), EINVAL, "shmat NULL SHM_REMAP");
	CHECK_ERRNO(shmat(-1, NULL, 0), EINVAL, "shmat -1");
	CHECK(at(id, p + 100, SHM_RND | SHM_REMAP) == p, "SHM_RND does not round down");
	CHECK(stat_of(id).shm_nattch == 1, "SHM_REMAP over itself: nattch");
	/* shmdt's rules: a start only; the pieces of a split attachment. */
	CHECK_ERRNO(shmdt(p + 4096), EINVAL, "shmdt inside");
	CHECK_ERRNO(shmdt(p + 1), EINVAL, "shmdt unaligned");
	CHECK(munmap(p, 4096) == 0, "munmap: %s", strerror(errno));
	CHECK(shmdt(p) == 0 && stat_of(id).shm_nattch == 0, "shmdt after a munmap of its start");
	char *q = at(id, NULL, 0);
	CHECK(mprotect(q + 4096, 4096, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	CHECK(stat_of(id).shm_nattch == 2, "a split counts its VMAs: nattch %lu",
	      (unsigned long)stat_of(id).shm_nattch);
	/* Linux never merges them again (shm's vm_ops have a close). */
	CHECK(mprotect(q + 4096, 4096, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
	CHECK(stat_of(id).shm_nattch == 2, "the pieces merged again: nattch %lu",
	      (unsigned long)stat_of(id).shm_nattch);
	CHECK(shmdt(q) == 0, "shmdt of a split attachment: %s", strerror(errno));
	CHECK(stat_of(id).shm_nattch == 0, "after shmdt of a split one: nattch %lu",
	      (unsigned long)stat_of(id).shm_nattch);
	printf("keyed: EEXIST, EINVAL, ENOENT; shmat and shmdt rules\n");

	/* SHM_LOCK and SHM_UNLOCK: the SHM_LOCKED bit of the mode. */
	CHECK(shmctl(id, SHM_LOCK, NULL) == 0 && shmctl(id, SHM_LOCK, NULL) == 0 &&
		      stat_of(id).shm_perm.mode == (SHM_LOCKED | 0640),
	      "SHM_LOCK: mode %o", stat_of(id).shm_perm.mode);
	check_sysvipc(id, 4096);
	CHECK(shmctl(id, SHM_UNLOCK, NULL) == 0 && stat_of(id).shm_perm.mode == 0640,
	      "SHM_UNLOCK: mode %o", stat_of(id).shm_perm.mode);
	CHECK_ERRNO(shmctl(-1, SHM_LOCK, NULL), EINVAL, "SHM_LOCK of -1");
	printf("SHM_LOCK, SHM_UNLOCK\n");

	/* IPC_SET, and what another user may do. */
	struct shmid_ds ds = stat_of(id);
	ds.shm_perm.mode = 01777;
	CHECK(shmctl(id, IPC_SET, &ds) == 0 && stat_of(id).shm_perm.mode == 0777,
	      "IPC_SET mode: %o", stat_of(id).shm_perm.mode);
	ds.shm_perm.mode = 0600;
	CHECK(shmctl(id, IPC_SET, &ds) == 0, "IPC_SET: %s", strerror(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct shmid_ds cds;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			fail("setresuid: %s", strerror(errno));
		CHECK_ERRNO(shmget(key, 0, 0400), EACCES, "shmget by another user");
		CHECK(shmget(key, 0, 0) == id, "shmget asking nothing by another user");
		CHECK_ERRNO(shmat(id, NULL, SHM_RDONLY), EACCES, "shmat by another user");
		CHECK_ERRNO(shmctl(id, IPC_STAT, &cds), EACCES, "IPC_STAT by another user");
		CHECK(shmctl(id % 32768, SHM_STAT_ANY, &cds) == id,
		      "SHM_STAT_ANY by another user: %s", strerror(errno));
		CHECK_ERRNO(shmctl(id, IPC_SET, &cds), EPERM, "IPC_SET by another user");
		CHECK_ERRNO(shmctl(id, IPC_RMID, NULL), EPERM, "IPC_RMID by another user");
		CHECK_ERRNO(shmctl(id, SHM_LOCK, NULL), EPERM, "SHM_LOCK by another user");
		CHECK_ERRNO(shmctl(id, SHM_UNLOCK, NULL), EPERM, "SHM_UNLOCK by another user");
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the other user's child failed");
	printf("another user: EACCES, EPERM\n");
}

static void check_errors(void)
{
	struct shmid_ds ds;
	CHECK_ERRNO(shmget(IPC_PRIVATE, 0, 0600), EINVAL, "shmget size 0");
	CHECK_ERRNO(shmget(IPC_PRIVATE, (size_t)-1, 0600), EINVAL, "shmget above shmmax");
	CHECK_ERRNO(shmctl(-1, IPC_STAT, &ds), EINVAL, "shmctl -1");
	CHECK_ERRNO(shmctl(0, -1, &ds), EINVAL, "shmctl cmd -1");
	CHECK_ERRNO(shmctl(0, 99, &ds), EINVAL, "shmctl cmd 99");
	struct shminfo in;
	CHECK(shmctl(0, IPC_INFO, (struct shmid_ds *)&in) >= 0, "IPC_INFO: %s", strerror(errno));
	printf("IPC_INFO: shmmax %lu shmmin %lu shmmni %lu shmseg %lu shmall %lu\n", in.shmmax,
	       in.shmmin, in.shmmni, in.shmseg, in.shmall);
	printf("errors: EINVAL\n");
}

int main(void)
{
	owner = getpid();
	atexit(remove_all);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	key_t key = (key_t)(0x10000000 | (rand() & 0x0fffffff));
	check_errors();
	check_private();
	check_keyed(key);
	return 0;
}
