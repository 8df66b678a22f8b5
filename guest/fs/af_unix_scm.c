/* af_unix_scm.c - ancillary data of AF_UNIX messages, as Linux's
 * net/core/scm.c: SCM_RIGHTS passes open files (the sender's fds are
 * looked up when it sends, the message holds a reference to each file,
 * and the receiver gets new fds for the same open file descriptions;
 * files in a message nobody receives are put when it is dropped), and
 * SCM_CREDENTIALS passes the sender's pid, uid and gid (checked as Linux
 * checks them; every message carries the sender's, and a receiver with
 * SO_PASSCRED gets them). */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs/af_unix.h"
#include "fs/internal.h"
#include "kern.h"
#include "task/task.h"


void scm_fp_free(struct scm_fp_list *fp)
{
	if (!fp)
		return;
	for (int i = 0; i < fp->count; i++)
		file_put(fp->fp[i]);
	free(fp);
}

void scm_destroy(struct scm_cookie *scm)
{
	scm_fp_free(scm->fp);
	scm->fp = NULL;
}

struct scm_fp_list *scm_fp_dup(const struct scm_fp_list *fp)
{
	struct scm_fp_list *n = malloc(sizeof(*n));
	if (!n)
		return NULL;
	*n = *fp;
	for (int i = 0; i < n->count; i++)
		file_get(n->fp[i]);
	return n;
}

/* Linux's scm_fp_copy: the fds of one SCM_RIGHTS message. */
static int fp_copy(struct kernel *k, const struct cmsghdr *cmsg, struct scm_fp_list **fpp)
{
	int num = (int)((cmsg->cmsg_len - sizeof(*cmsg)) / sizeof(int));
	if (num <= 0)
		return 0;
	if (num > SCM_MAX_FD)
		return -EINVAL;
	if (!*fpp) {
		*fpp = calloc(1, sizeof(**fpp));
		if (!*fpp)
			return -ENOMEM;
	}
	struct scm_fp_list *fp = *fpp;
	if (fp->count + num > SCM_MAX_FD)
		return -EINVAL;
	const unsigned char *data = CMSG_DATA(cmsg);
	for (int i = 0; i < num; i++) {
		int fd;
		memcpy(&fd, data + i * sizeof(int), sizeof(fd));
		struct file *f = fd < 0 ? NULL : fd_file(k->current->files, fd);
		if (!f)
			return -EBADF;
		file_get(f);
		fp->fp[fp->count++] = f;
	}
	return 0;
}

/* Linux's scm_check_creds: one's own pid, and a uid and gid one has,
 * unless capable of more. */
static int check_creds(struct kernel *k, const struct ucred *c)
{
	bool pid_ok = c->pid == k->current->tgid || capable(k, CAP_SYS_ADMIN);
	const struct cred *me = &k->current->cred;
	bool uid_ok = c->uid == me->uid || c->uid == me->euid || c->uid == me->suid ||
		      capable(k, CAP_SETUID);
	bool gid_ok = c->gid == me->gid || c->gid == me->egid || c->gid == me->sgid ||
		      capable(k, CAP_SETGID);
	return pid_ok && uid_ok && gid_ok ? 0 : -EPERM;
}

static int creds_copy(struct kernel *k, const struct cmsghdr *cmsg, struct unix_cred *out,
		      bool *has)
{
	if (cmsg->cmsg_len != CMSG_LEN(sizeof(struct ucred)))
		return -EINVAL;
	struct ucred c;
	memcpy(&c, CMSG_DATA(cmsg), sizeof(c));
	int err = check_creds(k, &c);
	if (err)
		return err;
	if (c.pid != k->current->tgid && !process_find(k, c.pid))
		return -ESRCH;
	if (c.uid == (uid_t)-1 || c.gid == (gid_t)-1)
		return -EINVAL;
	*out = (struct unix_cred){c.pid, c.uid, c.gid};
	*has = true;
	return 0;
}

/* Linux's __scm_send over the kernel's copy of the control data. */
int scm_send(struct kernel *k, const char *control, size_t len, struct scm_cookie *scm)
{
	size_t off = 0;
	int err;
	while (control && len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr cmsg;
		memcpy(&cmsg, control + off, sizeof(cmsg));
		err = -EINVAL;
		if (cmsg.cmsg_len < sizeof(cmsg) || cmsg.cmsg_len > len - off)
			goto error;
		if (cmsg.cmsg_level == SOL_SOCKET) {
			const struct cmsghdr *c = (const struct cmsghdr *)(control + off);
			if (cmsg.cmsg_type == SCM_RIGHTS)
				err = fp_copy(k, c, &scm->fp);
			else if (cmsg.cmsg_type == SCM_CREDENTIALS)
				err = creds_copy(k, c, &scm->creds, &scm->has_creds);
			if (err)
				goto error;
		}
		size_t next = CMSG_ALIGN(cmsg.cmsg_len);
		if (next > len - off)
			break;
		off += next;
	}
	if (scm->fp && !scm->fp->count) {
		free(scm->fp);
		scm->fp = NULL;
	}
	return 0;
error:
	scm_destroy(scm);
	return err;
}

/* Linux's put_cmsg: one control message, cut (MSG_CTRUNC) to the room. */
static void put_cmsg(struct unix_msghdr *m, size_t *used, int type, const void *data,
		     size_t len)
{
	size_t room = m->controllen - *used;
	if (!m->control || room < sizeof(struct cmsghdr)) {
		m->flags |= MSG_CTRUNC;
		return;
	}
	size_t cmlen = CMSG_LEN(len);
	if (room < cmlen) {
		m->flags |= MSG_CTRUNC;
		cmlen = room;
	}
	struct cmsghdr h = {.cmsg_len = cmlen, .cmsg_level = SOL_SOCKET, .cmsg_type = type};
	memcpy(m->control + *used, &h, sizeof(h));
	memcpy(m->control + *used + sizeof(h), data, cmlen - sizeof(h));
	size_t space = CMSG_SPACE(len);
	*used += space < room ? space : room;
}

/* Linux's scm_detach_fds: new fds for as many files as fit, the rest put. */
static void detach_fds(struct kernel *k, struct unix_msghdr *m, size_t *used,
		       struct scm_fp_list *fp, bool cloexec)
{
	size_t room = m->control ? m->controllen - *used : 0;
	int fdmax = room > sizeof(struct cmsghdr) ?
			    (int)((room - sizeof(struct cmsghdr)) / sizeof(int)) : 0;
	if (fdmax > fp->count)
		fdmax = fp->count;
	int fds[SCM_MAX_FD], i;
	for (i = 0; i < fdmax; i++) {
		int fd = fd_install(k, 0, fp->fp[i], cloexec);
		if (fd < 0)
			break;
		fp->fp[i] = NULL; /* the fd has its reference */
		fds[i] = fd;
	}
	if (i > 0) {
		struct cmsghdr h = {.cmsg_len = CMSG_LEN(i * sizeof(int)), .cmsg_level = SOL_SOCKET,
				    .cmsg_type = SCM_RIGHTS};
		memcpy(m->control + *used, &h, sizeof(h));
		memcpy(m->control + *used + sizeof(h), fds, i * sizeof(int));
		size_t space = CMSG_SPACE(i * sizeof(int));
		*used += space < room ? space : room;
	}
	if (i < fp->count || (fp->count && fdmax <= 0))
		m->flags |= MSG_CTRUNC;
	for (int j = i; j < fp->count; j++)
		file_put(fp->fp[j]);
	free(fp);
}

void scm_recv(struct kernel *k, const struct unix_sock *s, struct unix_msghdr *m,
	      struct scm_cookie *scm, int flags)
{
	size_t used = 0;
	if (s->passcred) {
		struct ucred c = {scm->creds.pid, scm->creds.uid, scm->creds.gid};
		put_cmsg(m, &used, SCM_CREDENTIALS, &c, sizeof(c));
	}
	if (scm->fp)
		detach_fds(k, m, &used, scm->fp, flags & MSG_CMSG_CLOEXEC);
	scm->fp = NULL;
	m->controllen = used;
}
