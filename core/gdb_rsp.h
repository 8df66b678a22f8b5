/* gdb_rsp.h - the GDB remote serial protocol's transport over TCP:
 * $packet#checksum framing, acknowledgments (until QStartNoAckMode), the
 * interrupt byte 0x03, and hex helpers. */
#ifndef VMEMU_GDB_RSP_H
#define VMEMU_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rsp;

/* Listens on 127.0.0.1:port. NULL with a message in err (the port in use). */
struct rsp *rsp_listen(int port, char *err, size_t errlen);
/* Waits for gdb to connect. false with a message in err. */
bool rsp_accept(struct rsp *r, char *err, size_t errlen);
/* The next packet's data, NUL-terminated (valid until the next call), or
 * "\x03" for an interrupt; NULL once gdb is gone. */
const char *rsp_recv(struct rsp *r);
/* Sends data (len bytes) as one packet; false once gdb is gone. */
bool rsp_send(struct rsp *r, const char *data, size_t len);
bool rsp_send_str(struct rsp *r, const char *s);
/* From now on, no '+' acknowledgments either way. */
void rsp_no_ack(struct rsp *r);
/* Without waiting: true when gdb sent the interrupt byte; *gone when the
 * connection is closed. */
bool rsp_interrupted(struct rsp *r, bool *gone);
bool rsp_connected(const struct rsp *r);
/* Closes the connection (the listening socket stays until rsp_close). */
void rsp_hangup(struct rsp *r);
void rsp_close(struct rsp *r);

/* Hex text of n bytes into out (2n + 1 bytes). */
void hex_encode(char *out, const void *data, size_t n);
/* Decodes up to max bytes of hex; returns how many, or -1 on a bad digit. */
long hex_decode(void *out, const char *hex, size_t max);

#endif
