/* uio.c - the walk over the buffers of one read or write (struct uio,
 * Linux's iov_iter): guest iovecs page by page, so each kind of file can
 * stop at the first fault, or one kernel buffer. */
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

void uio_skip(struct uio *u, uint64_t n)
{
	if (n > u->left)
		n = u->left;
	u->left -= n;
	if (u->kbuf) {
		u->off += n;
		return;
	}
	while (n > 0 && u->idx < u->cnt) {
		uint64_t piece = u->iov[u->idx].len - u->off;
		if (piece > n) {
			u->off += n;
			return;
		}
		n -= piece;
		u->idx++;
		u->off = 0;
	}
}

size_t uio_copy(struct kernel *k, struct uio *u, void *buf, size_t n, bool to_uio)
{
	if (u->kbuf) {
		size_t c = n < u->left ? n : (size_t)u->left;
		if (to_uio)
			memcpy(u->kbuf + u->off, buf, c);
		else
			memcpy(buf, u->kbuf + u->off, c);
		u->off += c;
		u->left -= c;
		return c;
	}
	size_t done = 0;
	while (done < n && u->left > 0 && u->idx < u->cnt) {
		const struct user_iovec *v = &u->iov[u->idx];
		if (u->off == v->len) {
			u->idx++;
			u->off = 0;
			continue;
		}
		uint64_t va = v->base + u->off;
		uint64_t piece = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (piece > v->len - u->off)
			piece = v->len - u->off;
		if (piece > n - done)
			piece = n - done;
		if (piece > u->left)
			piece = u->left;
		char *p = (char *)buf + done;
		int err = to_uio ? copy_to_user(k, va, p, piece) : copy_from_user(k, p, va, piece);
		if (err) {
			u->fault = true;
			break;
		}
		done += piece;
		u->off += piece;
		u->left -= piece;
	}
	return done;
}

uint64_t copy_to_user_partial(struct kernel *k, uint64_t uva, const void *src, uint64_t n)
{
	struct user_iovec iov = {uva, n};
	struct uio u = {.iov = &iov, .cnt = 1, .left = n};
	return uio_copy(k, &u, (void *)src, n, true);
}
