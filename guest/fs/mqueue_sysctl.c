/* mqueue_sysctl.c - /proc/sys/fs/mqueue: the guest's own limits of
 * POSIX message queues (Linux's ipc/mq_sysctl.c), which root may write;
 * the host's values are never read nor changed. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/mqueue.h"
#include "kern.h"
#include "mm/mm.h"

#define MIN_MSGMAX 1
#define MIN_MSGSIZEMAX 128

struct mq_sysctl_entry {
	const char *name;
	size_t offset; /* of the int in struct mq_sysctl */
	int min, max;
};

/* In the order Linux lists them (by name). */
static const struct mq_sysctl_entry table[] = {
	{"msg_default", offsetof(struct mq_sysctl, msg_default), MIN_MSGMAX, HARD_MSGMAX},
	{"msg_max", offsetof(struct mq_sysctl, msg_max), MIN_MSGMAX, HARD_MSGMAX},
	{"msgsize_default", offsetof(struct mq_sysctl, msgsize_default), MIN_MSGSIZEMAX,
	 HARD_MSGSIZEMAX},
	{"msgsize_max", offsetof(struct mq_sysctl, msgsize_max), MIN_MSGSIZEMAX, HARD_MSGSIZEMAX},
	{"queues_max", offsetof(struct mq_sysctl, queues_max), INT_MIN, INT_MAX}, /* proc_dointvec */
};

#define NTABLE ((int)(sizeof(table) / sizeof(table[0])))

void mqueue_sysctl_defaults(struct mq_sysctl *s)
{
	*s = (struct mq_sysctl){.msg_default = 10, .msg_max = 10, .msgsize_default = 8192,
				.msgsize_max = 8192, .queues_max = 256};
}

static int *value(struct kernel *k, int i)
{
	return (int *)((char *)&k->mq_ns->sysctl + table[i].offset);
}

int mqueue_sysctl_count(void)
{
	return NTABLE;
}

const char *mqueue_sysctl_name(int i)
{
	return table[i].name;
}

int mqueue_sysctl_find(const char *name, size_t len)
{
	for (int i = 0; i < NTABLE; i++)
		if (strlen(table[i].name) == len && !memcmp(table[i].name, name, len))
			return i;
	return -1;
}

int mqueue_sysctl_read(struct kernel *k, int i, char *buf, size_t size)
{
	return snprintf(buf, size, "%d\n", *value(k, i));
}

/* proc_dointvec_minmax's rules: a number, blanks around it, in range. */
int mqueue_sysctl_write(struct kernel *k, int i, const char *text, size_t len)
{
	return sysctl_parse_int(text, len, table[i].min, table[i].max, value(k, i));
}

unsigned mqueue_sysctl_mode(int i)
{
	(void)i;
	return 0644;
}
