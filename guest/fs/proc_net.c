/* proc_net.c - /proc/net/tcp, tcp6, udp and udp6: a header and one line
 * per socket of the loopback network (af_inet.c), in the formats of
 * Linux's tcp4_seq_show, tcp6_seq_show, udp4_seq_show and
 * udp6_seq_show, which netstat reads. tcp lists listeners first, then
 * connections (the ends a connect or an accept made, and those not yet
 * accepted); udp every bound socket. Addresses are printed as Linux does,
 * the network-order words as host-order hexadecimal (127.0.0.1 is
 * 0100007F). What vmemu has no counterpart of is printed as an idle
 * socket shows it: no timer, no retransmits, a pointer of zeros (as an
 * unprivileged reader sees it), Linux's usual rto/ato/cwnd numbers; a
 * UDP line's bucket is its port. */
#include <arpa/inet.h>
#include <string.h>

#include "fs/af_inet.h"
#include "fs/af_unix.h" /* SEND_SHUTDOWN */
#include "fs/internal.h"
#include "kern.h"

#define TCP_STATE_FIN_WAIT2 5
#define TCP_STATE_LAST_ACK 9

/* A word of the address as Linux prints it: the network-order bytes
 * read as a host-order integer. */
static unsigned word(const struct in6_addr *a, int i)
{
	uint32_t w;
	memcpy(&w, &a->s6_addr[4 * i], 4);
	return w;
}

static int shown_state(const struct inet_sock *s)
{
	if (s->protocol == IPPROTO_UDP)
		return s->state;
	if ((s->shutdown & SEND_SHUTDOWN) && s->state == TCPS_ESTABLISHED)
		return TCP_STATE_FIN_WAIT2;
	if ((s->shutdown & SEND_SHUTDOWN) && s->state == TCPS_CLOSE_WAIT)
		return TCP_STATE_LAST_ACK;
	return s->state;
}

static bool listed(struct kernel *k, const struct inet_sock *s, int family, int protocol,
		   bool listeners)
{
	if (s->k != k || s->family != family || s->protocol != protocol || s->dead)
		return false;
	if (protocol == IPPROTO_UDP)
		return s->bound && !listeners;
	if (listeners)
		return s->state == TCPS_LISTEN;
	return s->state == TCPS_ESTABLISHED || s->state == TCPS_CLOSE_WAIT ||
	       s->state == TCPS_SYN_SENT;
}

static void show_addr(struct seq *seq, int family, const struct inet_addr *a)
{
	if (family == AF_INET)
		seq_printf(seq, "%08X:%04X", word(&a->a, 3), a->port);
	else
		seq_printf(seq, "%08X%08X%08X%08X:%04X", word(&a->a, 0), word(&a->a, 1),
			   word(&a->a, 2), word(&a->a, 3), a->port);
}

static void show_line(struct seq *seq, int sl, const struct inet_sock *s)
{
	bool tcp = s->protocol == IPPROTO_TCP, listen = s->state == TCPS_LISTEN;
	struct inet_addr remote = s->remote;
	if (s->state != TCPS_ESTABLISHED && s->state != TCPS_CLOSE_WAIT && s->state != TCPS_SYN_SENT)
		remote = (struct inet_addr){{{{0}}}, 0};
	seq_printf(seq, tcp ? "%4d: " : "%5d: ", tcp ? sl : s->local.port);
	show_addr(seq, s->family, &s->local);
	seq_printf(seq, " ");
	show_addr(seq, s->family, &remote);
	unsigned rx = listen ? (unsigned)s->acc_len : (unsigned)s->queued;
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %016lx", shown_state(s), 0u,
		   rx, 0, 0UL, 0u, s->uid, 0, (unsigned long)s->ino, tcp ? 1 : 2, 0UL);
	if (!tcp)
		seq_printf(seq, " %u", 0u);
	else if (listen)
		seq_printf(seq, " %lu %lu %u %u %d", 100UL, 0UL, 0u, 10u, 0);
	else
		seq_printf(seq, " %lu %lu %u %u %d", 20UL, 4UL, 1u, 10u, -1);
}

static void show(struct kernel *k, struct seq *seq, int family, int protocol)
{
	bool tcp = protocol == IPPROTO_TCP;
	if (family == AF_INET)
		seq_printf(seq, "%s  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
				"retrnsmt   uid  timeout inode%s",
			   tcp ? "" : " ", tcp ? "" : " ref pointer drops");
	else
		seq_printf(seq, "  sl  local_address                         remote_address        "
				"                st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
				"inode%s",
			   tcp ? "" : " ref pointer drops");
	/* IPv4 lines are padded to a fixed width (seq_setwidth), IPv6 ones not. */
	size_t width = family == AF_INET ? (tcp ? 149 : 127) : 0;
	if (width)
		seq_pad(seq, width - 1);
	seq_printf(seq, "\n");
	int sl = 0;
	for (int pass = 0; pass < (tcp ? 2 : 1); pass++) {
		/* The list is newest first: print it oldest first. */
		int n = 0;
		for (const struct inet_sock *s = inet_sock_first(); s; s = s->next)
			n++;
		for (int i = n - 1; i >= 0; i--) {
			const struct inet_sock *s = inet_sock_first();
			for (int j = 0; j < i; j++)
				s = s->next;
			if (!listed(k, s, family, protocol, tcp && pass == 0))
				continue;
			show_line(seq, sl++, s);
			if (width)
				seq_pad(seq, width - 1);
			seq_printf(seq, "\n");
		}
	}
}

void proc_net_tcp_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	show(k, s, AF_INET, IPPROTO_TCP);
}

void proc_net_tcp6_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	show(k, s, AF_INET6, IPPROTO_TCP);
}

void proc_net_udp_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	show(k, s, AF_INET, IPPROTO_UDP);
}

void proc_net_udp6_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	show(k, s, AF_INET6, IPPROTO_UDP);
}
