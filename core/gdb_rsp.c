/* gdb_rsp.c - the remote serial protocol's transport (gdb_rsp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb_rsp.h"

#define MAX_PACKET 65536

struct rsp {
	int listen_fd, fd;
	bool noack;
	char buf[MAX_PACKET + 1]; /* the packet being returned */
	char in[4096];            /* bytes read, not yet parsed */
	size_t in_len, in_pos;
	char *out;                /* the packet being sent, framed */
	size_t out_cap;
};

struct rsp *rsp_listen(int port, char *err, size_t errlen)
{
	struct rsp *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	r->fd = -1;
	r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (r->listen_fd < 0 ||
	    setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(r->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(r->listen_fd, 1) < 0) {
		snprintf(err, errlen, "--gdb %d: cannot listen on localhost:%d: %s", port, port,
			 strerror(errno));
		rsp_close(r);
		return NULL;
	}
	return r;
}

bool rsp_accept(struct rsp *r, char *err, size_t errlen)
{
	do
		r->fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (r->fd < 0 && errno == EINTR);
	if (r->fd < 0) {
		snprintf(err, errlen, "--gdb: accept: %s", strerror(errno));
		return false;
	}
	int one = 1;
	setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r->noack = false;
	r->in_len = r->in_pos = 0;
	return true;
}

bool rsp_connected(const struct rsp *r)
{
	return r->fd >= 0;
}

void rsp_hangup(struct rsp *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void rsp_close(struct rsp *r)
{
	if (!r)
		return;
	rsp_hangup(r);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	free(r->out);
	free(r);
}

/* The next byte from gdb, or -1 when it is gone. */
static int next_byte(struct rsp *r)
{
	if (r->in_pos == r->in_len) {
		ssize_t n;
		do
			n = r->fd < 0 ? 0 : read(r->fd, r->in, sizeof(r->in));
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			rsp_hangup(r);
			return -1;
		}
		r->in_len = (size_t)n;
		r->in_pos = 0;
	}
	return (unsigned char)r->in[r->in_pos++];
}

static bool write_all(struct rsp *r, const char *p, size_t n)
{
	while (n > 0 && r->fd >= 0) {
		ssize_t w = write(r->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rsp_hangup(r);
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return r->fd >= 0;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *rsp_recv(struct rsp *r)
{
	for (;;) {
		int c = next_byte(r);
		if (c < 0)
			return NULL;
		if (c == 0x03) {
			strcpy(r->buf, "\x03");
			return r->buf;
		}
		if (c != '$')
			continue; /* '+' and '-' acknowledgments, noise */
		size_t n = 0;
		unsigned sum = 0;
		while ((c = next_byte(r)) >= 0 && c != '#') {
			sum += (unsigned)c;
			if (n < MAX_PACKET)
				r->buf[n++] = (char)c;
		}
		int h = next_byte(r), l = next_byte(r);
		if (c < 0 || h < 0 || l < 0)
			return NULL;
		r->buf[n] = 0;
		bool good = hex_digit(h) >= 0 && hex_digit(l) >= 0 &&
			    (unsigned)(hex_digit(h) << 4 | hex_digit(l)) == (sum & 0xff);
		if (!r->noack && !write_all(r, good ? "+" : "-", 1))
			return NULL;
		if (good || r->noack)
			return r->buf;
	}
}

bool rsp_send(struct rsp *r, const char *data, size_t len)
{
	if (r->out_cap < len + 5) { /* '$', data, '#', two digits and snprintf's NUL */
		char *o = realloc(r->out, len + 5);
		if (!o)
			return false;
		r->out = o;
		r->out_cap = len + 5;
	}
	unsigned sum = 0;
	r->out[0] = '$';
	for (size_t i = 0; i < len; i++) {
		r->out[1 + i] = data[i];
		sum += (unsigned char)data[i];
	}
	snprintf(r->out + 1 + len, 4, "#%02x", sum & 0xff);
	for (;;) {
		if (!write_all(r, r->out, len + 4))
			return false;
		if (r->noack)
			return true;
		int c;
		while ((c = next_byte(r)) >= 0 && c != '+' && c != '-')
			;
		if (c < 0)
			return false;
		if (c == '+')
			return true; /* '-': send it again */
	}
}

bool rsp_send_str(struct rsp *r, const char *s)
{
	return rsp_send(r, s, strlen(s));
}

void rsp_no_ack(struct rsp *r)
{
	r->noack = true;
}

bool rsp_interrupted(struct rsp *r, bool *gone)
{
	*gone = false;
	if (r->fd < 0)
		return false;
	if (r->in_pos < r->in_len)
		return r->in[r->in_pos] == 0x03 && ++r->in_pos;
	struct pollfd p = {.fd = r->fd, .events = POLLIN};
	if (poll(&p, 1, 0) <= 0)
		return false;
	int c = next_byte(r);
	if (c < 0) {
		*gone = true;
		return false;
	}
	if (c == 0x03)
		return true;
	r->in_pos--; /* a packet: the next rsp_recv reads it */
	return false;
}

void hex_encode(char *out, const void *data, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

long hex_decode(void *out, const char *hex, size_t max)
{
	unsigned char *p = out;
	size_t n = 0;
	while (n < max && hex[0] && hex[1]) {
		int h = hex_digit(hex[0]), l = hex_digit(hex[1]);
		if (h < 0 || l < 0)
			return -1;
		p[n++] = (unsigned char)(h << 4 | l);
		hex += 2;
	}
	return (long)n;
}
