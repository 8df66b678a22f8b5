/* ipc_sem: System V semaphores, printed and compared with the native run:
 * semget's checks (EINVAL, ENOENT, EEXIST), SETVAL/GETVAL, SETALL/GETALL,
 * GETPID, semop's results (EAGAIN with IPC_NOWAIT, ERANGE, EFBIG, E2BIG,
 * EINVAL), several operations on one semaphore in one call, semtimedop's
 * timeout (EAGAIN) and bad timespec, a child sleeping for a decrement and
 * for zero (GETNCNT, GETZCNT) woken by the parent, SEM_UNDO undone at a
 * child's exit and cleared by SETVAL, IPC_RMID under a sleeper (EIDRM), a
 * handler with SA_RESTART ending a sleep with EINTR, IPC_STAT and
 * IPC_SET, the set's line in /proc/sysvipc/sem. Its sets have keys of its
 * own and are removed at the end (the native run uses the host's). */
#include <signal.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int op(int id, unsigned short num, short sem_op, short flg)
{
	struct sembuf b = {num, sem_op, flg};
	return semop(id, &b, 1);
}

/* Waits until count (GETNCNT or GETZCNT) of semaphore num is want. */
static void wait_count(int id, int num, int cmd, int want)
{
	for (int i = 0; i < 2000 && semctl(id, num, cmd) != want; i++)
		usleep(1000);
	CHECK(semctl(id, num, cmd) == want, "count %d never reached %d", cmd, want);
}

static int set_id = -1;

/* A failed check exits: the set must not stay behind in the host's
 * namespace. */
static void remove_set(void)
{
	if (set_id >= 0)
		semctl(set_id, 0, IPC_RMID);
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	key_t key = 0x7e5e0000 | (getpid() & 0xffff);
	printf("semget nsems -1: %s\n", ret_str(semget(IPC_PRIVATE, -1, 0600)));
	printf("semget nsems 32001: %s\n", ret_str(semget(IPC_PRIVATE, 32001, 0600)));
	printf("semget private 0: %s\n", ret_str(semget(IPC_PRIVATE, 0, 0600)));
	printf("semget no key: %s\n", ret_str(semget(key, 1, 0600)));
	int id = set_id = semget(key, 3, IPC_CREAT | 0640);
	CHECK(id >= 0, "semget: %s", strerror(errno));
	atexit(remove_set);
	printf("semget again: %s\n", semget(key, 2, 0) == id ? "same id" : "other");
	printf("semget excl: %s\n", ret_str(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600)));
	printf("semget more: %s\n", ret_str(semget(key, 4, 0)));

	printf("setval 5: %s\n", ret_str(semctl(id, 0, SETVAL, (union semun){.val = 5})));
	printf("setval 32768: %s\n", ret_str(semctl(id, 0, SETVAL, (union semun){.val = 32768})));
	printf("setval semnum 3: %s\n", ret_str(semctl(id, 3, SETVAL, (union semun){.val = 1})));
	printf("getval: %s", ret_str(semctl(id, 0, GETVAL)));
	printf(" getpid is me: %d\n", semctl(id, 0, GETPID) == getpid());
	unsigned short all[3] = {1, 2, 3}, got[3];
	printf("setall: %s\n", ret_str(semctl(id, 0, SETALL, (union semun){.array = all})));
	printf("getall: %s", ret_str(semctl(id, 0, GETALL, (union semun){.array = got})));
	printf(" = %u %u %u\n", got[0], got[1], got[2]);

	printf("op -1: %s\n", ret_str(op(id, 0, -1, 0)));
	printf("op -1 nowait at 0: %s\n", ret_str(op(id, 0, -1, IPC_NOWAIT)));
	printf("op wait-zero nowait at 2: %s\n", ret_str(op(id, 1, 0, IPC_NOWAIT)));
	printf("op +32767: %s\n", ret_str(op(id, 2, 32767, 0)));
	printf("op num 3: %s\n", ret_str(op(id, 3, 1, 0)));
	struct sembuf many[501] = {{0}};
	printf("501 ops: %s\n", ret_str(semop(id, many, 501)));
	printf("0 ops: %s\n", ret_str(semop(id, many, 0)));
	struct sembuf twice[2] = {{1, -2, 0}, {1, 1, 0}};
	printf("-2 then +1 on one: %s", ret_str(semop(id, twice, 2)));
	printf(" val %d\n", semctl(id, 1, GETVAL));
	struct sembuf blocks[2] = {{2, -3, IPC_NOWAIT}, {2, -1, IPC_NOWAIT}};
	printf("-3 then -1 at 3 nowait: %s", ret_str(semop(id, blocks, 2)));
	printf(" val %d\n", semctl(id, 2, GETVAL));

	struct timespec t = {0, 50 * 1000 * 1000}, bad = {0, 1000000000};
	struct sembuf dec = {0, -1, 0};
	printf("semtimedop 50 ms: %s\n", ret_str(semtimedop(id, &dec, 1, &t)));
	printf("semtimedop bad: %s\n", ret_str(semtimedop(id, &dec, 1, &bad)));

	/* A child sleeps for a decrement; the parent sees GETNCNT and gives. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(op(id, 0, -1, 0) == 0 && semctl(id, 0, GETVAL) == 0 ? 0 : 1);
	wait_count(id, 0, GETNCNT, 1);
	printf("ncnt while child sleeps: 1\n");
	op(id, 0, 1, 0);
	printf("child woken by +1: %d", child_exit_status(pid));
	printf(", ncnt %d\n", semctl(id, 0, GETNCNT));

	/* ... and for zero. */
	pid = fork();
	if (pid == 0)
		_exit(op(id, 1, 0, 0) == 0 ? 0 : 1);
	wait_count(id, 1, GETZCNT, 1);
	semctl(id, 1, SETVAL, (union semun){.val = 0});
	printf("child waiting for zero: %d\n", child_exit_status(pid));

	/* SEM_UNDO: a child's +2 goes back at its exit. */
	pid = fork();
	if (pid == 0)
		_exit(op(id, 0, 2, SEM_UNDO) == 0 ? 0 : 1);
	printf("undo child: %d", child_exit_status(pid));
	printf(", val after its exit %d\n", semctl(id, 0, GETVAL));
	/* ... unless SETVAL cleared it. */
	int pipefd[2];
	CHECK(pipe(pipefd) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		char c;
		op(id, 0, 2, SEM_UNDO);
		_exit(read(pipefd[0], &c, 1) == 1 ? 0 : 1);
	}
	while (semctl(id, 0, GETVAL) != 2)
		usleep(1000);
	semctl(id, 0, SETVAL, (union semun){.val = 7});
	CHECK(write(pipefd[1], "x", 1) == 1, "write: %s", strerror(errno));
	printf("undo cleared by setval: %d", child_exit_status(pid));
	printf(", val %d\n", semctl(id, 0, GETVAL));

	/* A signal ends a sleep with EINTR, SA_RESTART or not. */
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	semctl(id, 2, SETVAL, (union semun){.val = 0});
	pid = fork();
	if (pid == 0) {
		int r = op(id, 2, -1, 0);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	wait_count(id, 2, GETNCNT, 1);
	kill(pid, SIGUSR1);
	printf("sleep ended by a handler: %d\n", child_exit_status(pid));

	struct semid_ds ds;
	printf("ipc_stat: %s", ret_str(semctl(id, 0, IPC_STAT, (union semun){.buf = &ds})));
	printf(" nsems %lu mode %o mine %d otime set %d\n", (unsigned long)ds.sem_nsems,
	       ds.sem_perm.mode & 0777, ds.sem_perm.uid == geteuid(), ds.sem_otime != 0);
	ds.sem_perm.mode = 0600;
	printf("ipc_set: %s", ret_str(semctl(id, 0, IPC_SET, (union semun){.buf = &ds})));
	semctl(id, 0, IPC_STAT, (union semun){.buf = &ds});
	printf(" mode %o\n", ds.sem_perm.mode & 0777);
	FILE *f = fopen("/proc/sysvipc/sem", "r");
	CHECK(f != NULL, "open /proc/sysvipc/sem: %s", strerror(errno));
	char line[256];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		int k, sid;
		unsigned mode, nsems;
		if (sscanf(line, "%d %d %o %u", &k, &sid, &mode, &nsems) == 4 && sid == id)
			found = printf("proc line: key ok %d perms %o nsems %u\n", k == key, mode, nsems);
	}
	fclose(f);
	CHECK(found, "no line for the set in /proc/sysvipc/sem");

	/* IPC_RMID under a sleeper: EIDRM. */
	pid = fork();
	if (pid == 0) {
		int r = op(id, 2, -1, 0);
		_exit(r == -1 && errno == EIDRM ? 0 : 1);
	}
	wait_count(id, 2, GETNCNT, 1);
	printf("rmid: %s\n", ret_str(semctl(id, 0, IPC_RMID)));
	printf("sleeper of a removed set: %d\n", child_exit_status(pid));
	printf("getval removed: %s\n", ret_str(semctl(id, 0, GETVAL)));
	printf("semop removed: %s\n", ret_str(op(id, 0, 1, 0)));
	return 0;
}
