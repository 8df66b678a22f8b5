/* membarrier.c - membarrier(2). vmemu's guest has one CPU and every
 * system call is a full barrier on it, so each barrier command is done
 * once its rules are checked (Linux's kernel/sched/membarrier.c): the
 * private expedited ones need the process's registration first (EPERM).
 * The rseq command restarts the critical sections of the process's
 * threads running on other CPUs: with one CPU there are none (the others
 * were preempted, which restarts theirs). */
#include <errno.h>
#include <linux/membarrier.h>

#include "kern.h"
#include "task/task.h"

#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS /* Linux 6.3; older headers lack it */
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)
#endif

#define CMD_SUPPORTED                                                                             \
	(MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |                                 \
	 MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED |             \
	 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |                                               \
	 MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE |                                              \
	 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |                                     \
	 MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ |   \
	 MEMBARRIER_CMD_GET_REGISTRATIONS)

/* What each private command needs registered, and what registering sets;
 * GET_REGISTRATIONS answers with these bits, as Linux's state. */
#define STATE_PRIVATE MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
#define STATE_SYNC_CORE MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE
#define STATE_GLOBAL MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
#define STATE_RSEQ MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ

int64_t sys_membarrier(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	int cmd = (int)a[0];
	unsigned flags = (unsigned)a[1];
	unsigned *state = &k->current->signal->membarrier_state;
	/* Only the rseq command takes a flag: MEMBARRIER_CMD_FLAG_CPU, with
	 * a cpu_id (a CPU that does not exist is no error). */
	if (flags && (cmd != MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ || flags != MEMBARRIER_CMD_FLAG_CPU))
		return -EINVAL;
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY:
		return CMD_SUPPORTED;
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
		return 0;
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ:
		*state |= (unsigned)cmd;
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
		return *state & STATE_PRIVATE ? 0 : -EPERM;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
		return *state & STATE_SYNC_CORE ? 0 : -EPERM;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
		return *state & STATE_RSEQ ? 0 : -EPERM;
	case MEMBARRIER_CMD_GET_REGISTRATIONS:
		return *state;
	default:
		return -EINVAL;
	}
}
