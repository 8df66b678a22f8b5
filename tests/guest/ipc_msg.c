/* ipc_msg: System V message queues, printed and compared with the native
 * run: msgget's checks, msgsnd's (EINVAL for a bad type or size, EAGAIN
 * on a full queue with IPC_NOWAIT), msgrcv's searches (any, a type, below
 * a type with the lowest first, MSG_EXCEPT, MSG_COPY), E2BIG and
 * MSG_NOERROR, ENOMSG, a receiver sleeping until a child sends, a sender
 * sleeping on a full queue until the parent receives, a handler with
 * SA_RESTART ending a sleep with EINTR, IPC_STAT (counts, pids), IPC_SET
 * (a smaller queue; a larger one EPERM without CAP_SYS_RESOURCE is not
 * tried: the test runs as root), the queue's line in /proc/sysvipc/msg,
 * EIDRM for a sleeper of a removed queue. */
#include <signal.h>
#include <sys/msg.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct msg {
	long mtype;
	char text[64];
};

static int send(int id, long type, const char *text, int flg)
{
	struct msg m = {.mtype = type};
	snprintf(m.text, sizeof(m.text), "%s", text);
	return msgsnd(id, &m, strlen(text), flg);
}

/* Receives and prints what came: "type text". */
static void recv_show(const char *what, int id, size_t size, long type, int flg)
{
	struct msg m = {0};
	long n = msgrcv(id, &m, size, type, flg);
	printf("%s: %s", what, ret_str(n));
	if (n >= 0)
		printf(" type %ld '%.*s'", m.mtype, (int)n, m.text);
	printf("\n");
}

static struct msqid_ds stat_of(int id)
{
	struct msqid_ds ds;
	CHECK(msgctl(id, IPC_STAT, &ds) == 0, "IPC_STAT: %s", strerror(errno));
	return ds;
}

/* Waits until the child pid sleeps (its state in /proc is S). */
static void wait_sleeping(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		char *close_paren = f && fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		if (f)
			fclose(f);
		if (close_paren && close_paren[2] == 'S')
			return;
		usleep(1000);
	}
	fail("child %d never slept", (int)pid);
}

static int queue_id = -1;

/* A failed check exits: the queue must not stay behind in the host's
 * namespace. */
static void remove_queue(void)
{
	if (queue_id >= 0)
		msgctl(queue_id, IPC_RMID, NULL);
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	key_t key = 0x7e5f0000 | (getpid() & 0xffff);
	printf("msgget no key: %s\n", ret_str(msgget(key, 0600)));
	int id = queue_id = msgget(key, IPC_CREAT | 0640);
	CHECK(id >= 0, "msgget: %s", strerror(errno));
	atexit(remove_queue);
	printf("msgget again: %s\n", msgget(key, 0) == id ? "same id" : "other");
	printf("msgget excl: %s\n", ret_str(msgget(key, IPC_CREAT | IPC_EXCL | 0600)));

	printf("send type 0: %s\n", ret_str(send(id, 0, "x", 0)));
	struct msg big = {.mtype = 1};
	printf("send 8193 bytes: %s\n", ret_str(msgsnd(id, &big, 8193, 0)));
	send(id, 3, "three", 0);
	send(id, 1, "one", 0);
	send(id, 2, "two", 0);
	send(id, 1, "uno", 0);
	struct msqid_ds ds = stat_of(id);
	printf("qnum %lu cbytes %lu lspid mine %d\n", (unsigned long)ds.msg_qnum,
	       (unsigned long)ds.__msg_cbytes, ds.msg_lspid == getpid());
	recv_show("copy #2", id, 64, 2, MSG_COPY | IPC_NOWAIT);
	recv_show("copy #9", id, 64, 9, MSG_COPY | IPC_NOWAIT);
	recv_show("copy waiting", id, 64, 0, MSG_COPY);
	recv_show("type 2", id, 64, 2, 0);
	recv_show("<= 3, lowest first", id, 64, -3, 0);
	recv_show("except 1", id, 64, 1, MSG_EXCEPT);
	recv_show("too small", id, 2, 0, 0);
	recv_show("noerror", id, 2, 0, MSG_NOERROR);
	recv_show("empty nowait", id, 64, 0, IPC_NOWAIT);
	recv_show("negative size", id, (size_t)-1, 0, IPC_NOWAIT);

	/* A receiver sleeps until a child sends. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(send(id, 7, "late", 0) == 0 ? 0 : 1);
	}
	recv_show("slept for", id, 64, 7, 0);
	printf("sender: %d\n", child_exit_status(pid));

	/* A full queue: 16 bytes, a sender sleeps until the parent receives. */
	ds = stat_of(id);
	ds.msg_qbytes = 16;
	printf("ipc_set qbytes 16: %s\n", ret_str(msgctl(id, IPC_SET, &ds)));
	send(id, 1, "0123456789abcdef", 0);
	printf("send to a full queue nowait: %s\n", ret_str(send(id, 1, "x", IPC_NOWAIT)));
	pid = fork();
	if (pid == 0)
		_exit(send(id, 5, "waited", 0) == 0 ? 0 : 1);
	wait_sleeping(pid);
	recv_show("made room", id, 64, 0, 0);
	printf("blocked sender: %d\n", child_exit_status(pid));
	recv_show("its message", id, 64, 0, 0);

	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		struct msg m;
		long r = msgrcv(id, &m, sizeof(m.text), 0, 0);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	wait_sleeping(pid);
	kill(pid, SIGUSR1);
	printf("sleep ended by a handler: %d\n", child_exit_status(pid));

	send(id, 4, "four", 0);
	FILE *f = fopen("/proc/sysvipc/msg", "r");
	CHECK(f != NULL, "open /proc/sysvipc/msg: %s", strerror(errno));
	char line[256];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		int k, qid;
		unsigned mode;
		unsigned long cbytes, qnum;
		if (sscanf(line, "%d %d %o %lu %lu", &k, &qid, &mode, &cbytes, &qnum) == 5 && qid == id)
			found = printf("proc line: key ok %d perms %o cbytes %lu qnum %lu\n", k == key,
				       mode, cbytes, qnum);
	}
	fclose(f);
	CHECK(found, "no line for the queue in /proc/sysvipc/msg");
	recv_show("four", id, 64, 0, 0);

	pid = fork();
	if (pid == 0) {
		struct msg m;
		long r = msgrcv(id, &m, sizeof(m.text), 0, 0);
		_exit(r == -1 && errno == EIDRM ? 0 : 1);
	}
	wait_sleeping(pid);
	printf("rmid: %s\n", ret_str(msgctl(id, IPC_RMID, NULL)));
	printf("sleeper of a removed queue: %d\n", child_exit_status(pid));
	printf("send to removed: %s\n", ret_str(send(id, 1, "x", 0)));
	return 0;
}
