/* af_unix_opt.c - getsockopt(2) and setsockopt(2) of AF_UNIX sockets:
 * the SOL_SOCKET options Linux's sk_getsockopt and sk_setsockopt give
 * them that mean something here, the timeouts included (ENOPROTOOPT for
 * the rest; AF_UNIX has no options of other levels: EOPNOTSUPP). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "fs/af_unix.h"
#include "kern.h"

#define WMEM_MAX 212992        /* net.core.wmem_max, rmem_max: Linux's defaults */
#define SOCK_MIN_SNDBUF 4608   /* 2 * (2048 + the sk_buff), measured */
#define SOCK_MIN_RCVBUF 2304

#define USEC_PER_TICK (1000000 / SOCK_HZ)

/* Linux's sock_get_timeout: no limit reads as 0. */
void sock_get_timeout(int64_t timeo, struct timeval *tv)
{
	*tv = (struct timeval){0, 0};
	if (timeo > 0)
		*tv = (struct timeval){timeo / SOCK_HZ, (timeo % SOCK_HZ) * USEC_PER_TICK};
}

/* Linux's sock_set_timeout: ticks rounded up; 0 s 0 us is no limit, and
 * a negative time is "never wait". 0 or -errno. */
int sock_set_timeout(int64_t *timeo, const void *val, int len)
{
	struct timeval tv;
	if (len < (int)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*timeo = 0;
		return 0;
	}
	*timeo = -1;
	if ((tv.tv_sec || tv.tv_usec) && tv.tv_sec < INT64_MAX / SOCK_HZ - 1)
		*timeo = tv.tv_sec * SOCK_HZ + (tv.tv_usec + USEC_PER_TICK - 1) / USEC_PER_TICK;
	return 0;
}

int unix_getsockopt(struct kernel *k, struct file *f, int level, int name, void *val, int *len)
{
	(void)k;
	struct unix_sock *s = f->private;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (*len < 0)
		return -EINVAL;
	int v;
	struct timeval tv;
	switch (name) {
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		sock_get_timeout(name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW ? s->rcvtimeo
									    : s->sndtimeo,
			    &tv);
		if (*len > (int)sizeof(tv))
			*len = (int)sizeof(tv);
		memcpy(val, &tv, (size_t)*len);
		return 0;
	case SO_TYPE:
		v = s->type;
		break;
	case SO_PROTOCOL:
		v = 0; /* PF_UNIX or 0, Linux answers 0 */
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_ERROR:
		v = s->err;
		s->err = 0;
		break;
	case SO_ACCEPTCONN:
		v = s->state == UNIX_LISTEN;
		break;
	case SO_PASSCRED:
		v = s->passcred;
		break;
	case SO_REUSEADDR:
		v = s->reuse;
		break;
	case SO_SNDBUF:
		v = s->sndbuf;
		break;
	case SO_RCVBUF:
		v = s->rcvbuf;
		break;
	case SO_PEERCRED: {
		/* No peer: pid 0, uid and gid -1 (Linux's cred_to_ucred). */
		struct ucred c = {0, (uid_t)-1, (gid_t)-1};
		if (s->has_peercred)
			c = (struct ucred){s->peercred.pid, s->peercred.uid, s->peercred.gid};
		if (*len > (int)sizeof(c))
			*len = (int)sizeof(c);
		memcpy(val, &c, (size_t)*len);
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	if (*len > (int)sizeof(v))
		*len = (int)sizeof(v);
	memcpy(val, &v, (size_t)*len);
	return 0;
}

int unix_setsockopt(struct file *f, int level, int name, const void *val, int len)
{
	struct unix_sock *s = f->private;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (len < (int)sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof(v));
	unsigned u = (unsigned)v < WMEM_MAX ? (unsigned)v : WMEM_MAX;
	switch (name) {
	case SO_REUSEADDR:
		s->reuse = v != 0;
		return 0;
	case SO_PASSCRED:
		s->passcred = v != 0;
		return 0;
	case SO_SNDBUF: /* Linux doubles it, for its own overhead */
		s->sndbuf = (int)u * 2 > SOCK_MIN_SNDBUF ? (int)u * 2 : SOCK_MIN_SNDBUF;
		return 0;
	case SO_RCVBUF:
		s->rcvbuf = (int)u * 2 > SOCK_MIN_RCVBUF ? (int)u * 2 : SOCK_MIN_RCVBUF;
		return 0;
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return sock_set_timeout(&s->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return sock_set_timeout(&s->sndtimeo, val, len);
	default:
		return -ENOPROTOOPT;
	}
}
