/* msg.c - System V message queues (Linux's ipc/msg.c): msgget, msgsnd,
 * msgrcv (every search mode, MSG_NOERROR, MSG_EXCEPT, MSG_COPY) and
 * msgctl, their checks in Linux's order, and /proc/sysvipc/msg.
 *
 * A sender that finds the queue full, or a receiver that finds no message
 * it wants, sleeps on the queue and is made again from the start when the
 * queue changes: it then finds what Linux's pipelined_send and
 * ss_wakeup would have given it, but a newcomer may be served first. One
 * woken by IPC_RMID gets EIDRM (ipc.c). Linux's limits (MSGMAX, MSGMNB,
 * MSGMNI) are fixed at their defaults. */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <time.h>

#include "kern.h"
#include "mm/mm.h"
#include "task/internal.h"

#define MSGSSZ 16
#define MSGSEG 0xffff
#define IPC_64 0x0100
#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#define S_IRUGO (S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO (S_IWUSR | S_IWGRP | S_IWOTH)

struct msg_msg {
	long mtype;
	size_t size;
	struct msg_msg *next;
	char text[];
};

struct msg_queue {
	struct kern_ipc_perm perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct msg_msg *first, **last;
};

enum search_mode { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

static int64_t now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static struct msg_queue *msq_obtain_check(struct kernel *k, int id)
{
	return (struct msg_queue *)ipc_obtain_object_check(&k->msg_ids, id);
}

static struct msg_queue *msq_obtain_idx(struct kernel *k, int idx)
{
	return (struct msg_queue *)ipc_obtain_object_idr(&k->msg_ids, idx);
}

/* ---- msgget ---- */

static int64_t newque(struct kernel *k, int32_t key, int msgflg)
{
	struct msg_queue *msq = calloc(1, sizeof(*msq));
	if (!msq)
		return -ENOMEM;
	msq->ctime = now_real();
	msq->qbytes = MSGMNB;
	msq->last = &msq->first;
	int id = ipc_addid(k, &k->msg_ids, &msq->perm, key, (unsigned)msgflg, MSGMNI);
	if (id < 0)
		free(msq);
	return id;
}

int64_t sys_msgget(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int32_t key = (int32_t)a[0];
	int msgflg = (int)a[1];
	if (key == IPC_PRIVATE)
		return newque(k, key, msgflg);
	struct msg_queue *msq = (struct msg_queue *)ipc_findkey(&k->msg_ids, key);
	if (!msq)
		return (msgflg & IPC_CREAT) ? newque(k, key, msgflg) : -ENOENT;
	if ((msgflg & IPC_CREAT) && (msgflg & IPC_EXCL))
		return -EEXIST;
	if (!ipcperms(k, &msq->perm, (unsigned)msgflg))
		return -EACCES;
	return msq->perm.id;
}

/* ---- msgsnd ---- */

int64_t sys_msgsnd(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int msqid = (int)a[0], msgflg = (int)a[3];
	uint64_t umsg = a[1], msgsz = a[2];
	long mtype;
	if (copy_from_user(k, &mtype, umsg, sizeof(mtype)))
		return -EFAULT;
	if (msgsz > MSGMAX || (int64_t)msgsz < 0 || msqid < 0)
		return -EINVAL;
	if (mtype < 1)
		return -EINVAL;
	struct msg_msg *m = malloc(sizeof(*m) + msgsz);
	if (!m)
		return -ENOMEM;
	if (copy_from_user(k, m->text, umsg + sizeof(long), msgsz)) {
		free(m);
		return -EFAULT;
	}
	int64_t err = 0;
	struct process *p = k->current;
	struct msg_queue *msq = msq_obtain_check(k, msqid);
	if (ipc_take_removed(k, &k->msg_ids, p->pid, msqid))
		err = -EIDRM;
	else if (!msq)
		err = -EINVAL;
	else if (!ipcperms(k, &msq->perm, S_IWUGO))
		err = -EACCES;
	else if (msq->cbytes + msgsz > msq->qbytes || msq->qnum + 1 > msq->qbytes)
		err = (msgflg & IPC_NOWAIT) ? -EAGAIN : (process_block(k, msq), -ERESTARTSYS);
	if (err) {
		free(m);
		return err;
	}
	*m = (struct msg_msg){.mtype = mtype, .size = msgsz};
	*msq->last = m;
	msq->last = &m->next;
	msq->lspid = p->tgid;
	msq->stime = now_real();
	msq->cbytes += msgsz;
	msq->qnum++;
	kernel_wake(k, msq);
	return 0;
}

/* ---- msgrcv ---- */

/* Linux's convert_mode: the search, and the type it compares with. */
static enum search_mode convert_mode(long *msgtyp, int msgflg)
{
	if (msgflg & MSG_COPY)
		return SEARCH_NUMBER;
	if (*msgtyp == 0)
		return SEARCH_ANY;
	if (*msgtyp < 0) {
		*msgtyp = *msgtyp == LONG_MIN ? LONG_MAX : -*msgtyp;
		return SEARCH_LESSEQUAL;
	}
	return (msgflg & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

/* find_msg: the link to the message the search takes (the first of the
 * lowest type for SEARCH_LESSEQUAL), or NULL. */
static struct msg_msg **find_msg(struct msg_queue *msq, long msgtyp, enum search_mode mode)
{
	struct msg_msg **found = NULL;
	long n = 0;
	for (struct msg_msg **link = &msq->first; *link; link = &(*link)->next) {
		long t = (*link)->mtype;
		bool match = mode == SEARCH_ANY || (mode == SEARCH_EQUAL && t == msgtyp) ||
			     (mode == SEARCH_NOTEQUAL && t != msgtyp) ||
			     (mode == SEARCH_LESSEQUAL && t <= msgtyp) ||
			     (mode == SEARCH_NUMBER && n++ == msgtyp);
		if (!match)
			continue;
		if (mode != SEARCH_LESSEQUAL)
			return link;
		if (!found || t < (*found)->mtype)
			found = link;
		if (t == 1)
			break; /* none can be lower */
	}
	return found;
}

int64_t sys_msgrcv(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int msqid = (int)a[0], msgflg = (int)a[4];
	uint64_t umsg = a[1];
	int64_t bufsz = (int64_t)a[2];
	long msgtyp = (long)a[3];
	if (msqid < 0 || bufsz < 0)
		return -EINVAL;
	if ((msgflg & MSG_COPY) && ((msgflg & MSG_EXCEPT) || !(msgflg & IPC_NOWAIT)))
		return -EINVAL;
	enum search_mode mode = convert_mode(&msgtyp, msgflg);
	struct process *p = k->current;
	if (ipc_take_removed(k, &k->msg_ids, p->pid, msqid))
		return -EIDRM;
	struct msg_queue *msq = msq_obtain_check(k, msqid);
	if (!msq)
		return -EINVAL;
	if (!ipcperms(k, &msq->perm, S_IRUGO))
		return -EACCES;
	struct msg_msg **link = find_msg(msq, msgtyp, mode);
	if (!link) {
		if (msgflg & IPC_NOWAIT)
			return -ENOMSG;
		process_block(k, msq);
		return -ERESTARTSYS;
	}
	struct msg_msg *m = *link;
	if ((uint64_t)bufsz < m->size && !(msgflg & MSG_NOERROR))
		return -E2BIG;
	if (mode == SEARCH_NUMBER && (uint64_t)bufsz < m->size)
		return -EINVAL; /* copy_msg: the copy is bufsz bytes */
	size_t n = (uint64_t)bufsz < m->size ? (size_t)bufsz : m->size;
	if (copy_to_user(k, umsg, &m->mtype, sizeof(m->mtype)) ||
	    copy_to_user(k, umsg + sizeof(long), m->text, n))
		return -EFAULT; /* the message stays, as Linux puts it back */
	if (mode == SEARCH_NUMBER)
		return (int64_t)n;
	*link = m->next;
	if (msq->last == &m->next)
		msq->last = link;
	msq->lrpid = p->tgid;
	msq->rtime = now_real();
	msq->cbytes -= m->size;
	msq->qnum--;
	free(m);
	kernel_wake(k, msq);
	return (int64_t)n;
}

/* ---- msgctl ---- */

static void freeque(struct kernel *k, struct msg_queue *msq)
{
	ipc_rmid(k, &k->msg_ids, &msq->perm, msq);
	while (msq->first) {
		struct msg_msg *m = msq->first;
		msq->first = m->next;
		free(m);
	}
	free(msq);
}

static int64_t msgctl_info(struct kernel *k, int cmd, uint64_t buf)
{
	struct msginfo mi = {
		.msgmni = MSGMNI, .msgmax = MSGMAX, .msgmnb = MSGMNB, .msgssz = MSGSSZ,
		.msgseg = MSGSEG, .msgpool = MSGMNI * MSGMNB / 1024, .msgmap = MSGMNB,
		.msgtql = MSGMNB,
	};
	int max = ipc_get_maxidx(&k->msg_ids);
	if (cmd == MSG_INFO) {
		mi.msgpool = k->msg_ids.in_use;
		mi.msgmap = mi.msgtql = 0;
		for (int i = 0; i <= max; i++) {
			const struct msg_queue *msq = msq_obtain_idx(k, i);
			if (msq) {
				mi.msgmap += (int)msq->qnum;
				mi.msgtql += (int)msq->cbytes;
			}
		}
	}
	if (copy_to_user(k, buf, &mi, sizeof(mi)))
		return -EFAULT;
	return max < 0 ? 0 : max;
}

static int64_t msgctl_stat(struct kernel *k, int msqid, int cmd, uint64_t buf)
{
	struct msg_queue *msq = cmd == IPC_STAT ? msq_obtain_check(k, msqid) : msq_obtain_idx(k, msqid);
	if (!msq)
		return -EINVAL;
	if (cmd != MSG_STAT_ANY && !ipcperms(k, &msq->perm, S_IRUGO))
		return -EACCES;
	struct msqid_ds ds;
	memset(&ds, 0, sizeof(ds));
	ipc_perm_to_user(&msq->perm, &ds.msg_perm);
	ds.msg_stime = msq->stime;
	ds.msg_rtime = msq->rtime;
	ds.msg_ctime = msq->ctime;
	ds.__msg_cbytes = msq->cbytes;
	ds.msg_qnum = msq->qnum;
	ds.msg_qbytes = msq->qbytes;
	ds.msg_lspid = msq->lspid;
	ds.msg_lrpid = msq->lrpid;
	if (copy_to_user(k, buf, &ds, sizeof(ds)))
		return -EFAULT;
	return cmd == IPC_STAT ? 0 : msq->perm.id;
}

/* IPC_SET and IPC_RMID; IPC_SET's buffer is read first, as Linux does.
 * A queue's size above MSGMNB needs CAP_SYS_RESOURCE. */
static int64_t msgctl_down(struct kernel *k, int msqid, int cmd, uint64_t buf)
{
	struct msqid_ds ds;
	if (cmd == IPC_SET && copy_from_user(k, &ds, buf, sizeof(ds)))
		return -EFAULT;
	int64_t err;
	struct msg_queue *msq = (struct msg_queue *)ipcctl_obtain_check(k, &k->msg_ids, msqid, &err);
	if (!msq)
		return err;
	if (cmd == IPC_RMID) {
		freeque(k, msq);
		return 0;
	}
	if (ds.msg_qbytes > MSGMNB && !capable(k, CAP_SYS_RESOURCE))
		return -EPERM;
	msq->qbytes = ds.msg_qbytes;
	ipc_set_perm(&msq->perm, ds.msg_perm.uid, ds.msg_perm.gid, ds.msg_perm.mode);
	msq->ctime = now_real();
	kernel_wake(k, msq); /* senders may fit now */
	return 0;
}

int64_t sys_msgctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int msqid = (int)a[0], cmd = (int)a[1];
	if (msqid < 0 || cmd < 0)
		return -EINVAL;
	cmd &= ~IPC_64;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return msgctl_info(k, cmd, a[2]);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		return msgctl_stat(k, msqid, cmd, a[2]);
	case IPC_SET:
	case IPC_RMID:
		return msgctl_down(k, msqid, cmd, a[2]);
	default:
		return -EINVAL;
	}
}

/* ---- the rest ---- */

bool msg_proc_info(struct kernel *k, int idx, struct msg_proc_info *out)
{
	const struct msg_queue *msq = msq_obtain_idx(k, idx);
	if (!msq)
		return false;
	*out = (struct msg_proc_info){
		.perm = msq->perm, .cbytes = msq->cbytes, .qnum = msq->qnum, .lspid = msq->lspid,
		.lrpid = msq->lrpid, .stime = msq->stime, .rtime = msq->rtime, .ctime = msq->ctime,
	};
	return true;
}

int msg_max_idx(struct kernel *k)
{
	return ipc_get_maxidx(&k->msg_ids);
}

void msg_exit_ns(struct kernel *k)
{
	for (int i = 0, max = ipc_get_maxidx(&k->msg_ids); i <= max; i++) {
		struct msg_queue *msq = msq_obtain_idx(k, i);
		if (msq)
			freeque(k, msq);
	}
	ipc_ids_destroy(k, &k->msg_ids);
}
