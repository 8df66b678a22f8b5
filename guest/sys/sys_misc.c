/* sys_misc.c - process-level system calls a C runtime makes at start and
 * exit: exit, arch_prctl, set_tid_address, resource
 * limits, ids, personality, times, CPU affinity, getrandom,
 * sysinfo. */
#include <asm/prctl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "task/task.h"

/* times(2) counts clock ticks of USER_HZ (100) from jiffies' start, 5
 * minutes before the 32-bit wrap: INITIAL_JIFFIES of a 250 Hz kernel. */
#define USER_HZ 100
#define INITIAL_TICKS ((uint64_t)(uint32_t)(-300 * 250) * USER_HZ / 250)
#define RANDOM_CHUNK (64 * 1024) /* a longer request gets a short count */

/* exit(2) ends the calling thread, exit_group(2) its whole process. */
int64_t sys_exit(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	process_exit(k, k->current, (int)a[0]);
	return 0;
}

int64_t sys_exit_group(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	process_exit_group(k, k->current, (int)a[0]);
	return 0;
}

int64_t sys_arch_prctl(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (a[1] >= task_size_max(k))
			return -EPERM;
		*(a[0] == ARCH_SET_FS ? &ctx->fs_base : &ctx->gs_base) = a[1];
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(k, a[1], &ctx->fs_base, sizeof(ctx->fs_base));
	case ARCH_GET_GS:
		return copy_to_user(k, a[1], &ctx->gs_base, sizeof(ctx->gs_base));
	default:
		return -EINVAL;
	}
}

int64_t sys_set_tid_address(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	k->current->clear_child_tid = a[0];
	return k->current->pid;
}

/* ---- identity ---- */

int64_t sys_getpid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return task_tgid_vnr(k, k->current);
}

int64_t sys_gettid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	return task_pid_vnr(k, k->current);
}

int64_t sys_getppid(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	(void)a;
	/* 0 for a parent outside the caller's PID namespace */
	const struct signal_struct *parent = k->current->signal->parent;
	return parent ? task_tgid_vnr(k, parent->leader) : 0;
}

/* personality(2): any value is kept (Linux looks up no execution
 * domain any more); 0xffffffff only asks. vmemu lays out memory without
 * randomisation either way, so ADDR_NO_RANDOMIZE changes nothing here. */
int64_t sys_personality(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct process *p = k->current;
	unsigned old = p->personality;
	if ((uint32_t)a[0] != 0xffffffff)
		p->personality = (uint32_t)a[0];
	return old;
}

/* times(2): the CPU times getrusage reports (vmemu's own for the
 * process, none for its children), in clock ticks; the return value is
 * ticks since boot, from Linux's jiffies epoch. */
int64_t sys_times(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[0]) {
		struct rusage host = {0};
		getrusage(RUSAGE_SELF, &host);
		struct tms t = {
			.tms_utime = host.ru_utime.tv_sec * USER_HZ + host.ru_utime.tv_usec / (1000000 / USER_HZ),
			.tms_stime = host.ru_stime.tv_sec * USER_HZ + host.ru_stime.tv_usec / (1000000 / USER_HZ),
		};
		if (copy_to_user(k, a[0], &t, sizeof(t)))
			return -EFAULT;
	}
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	return (int64_t)(INITIAL_TICKS + (uint64_t)now.tv_sec * USER_HZ +
			 (uint64_t)now.tv_nsec / (1000000000 / USER_HZ));
}

/* ---- scheduling ---- */

/* The guest has one CPU, CPU 0. */
int64_t sys_sched_getaffinity(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	if (a[0] != 0 && !find_task_by_vpid(k, (int)a[0]))
		return -ESRCH;
	uint64_t mask = 1;
	if (a[1] == 0 || (a[1] & (sizeof(mask) - 1)))
		return -EINVAL;
	int err = copy_to_user(k, a[2], &mask, sizeof(mask));
	return err ? err : (int64_t)sizeof(mask);
}

int64_t sys_sched_yield(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)k;
	(void)ctx;
	(void)a;
	return 0;
}

/* ---- randomness ---- */

int64_t sys_getrandom(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	unsigned flags = (unsigned)a[2];
	if (a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))
		return -EINVAL;
	size_t n = a[1] < RANDOM_CHUNK ? (size_t)a[1] : RANDOM_CHUNK;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	ssize_t r = getrandom(buf, n, flags);
	int64_t ret = r < 0 ? -errno : (int64_t)copy_to_user_partial(k, a[0], buf, (uint64_t)r);
	if (r > 0 && ret == 0)
		ret = -EFAULT;
	free(buf);
	return ret;
}

/* ---- sysinfo ---- */

/* Memory from the guest kernel, in bytes (mem_unit 1, as Linux on 64-bit
 * machines); uptime is the host's (CLOCK_BOOTTIME, as /proc/uptime). The
 * load averages are 0, as /proc/loadavg shows them: one view, as Linux's
 * avenrun feeds both, and the guest scheduler keeps none. */
int64_t sys_sysinfo(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	struct sysinfo host, si;
	if (sysinfo(&host) < 0)
		return -errno;
	struct meminfo m;
	kernel_meminfo(k, &m);
	/* The boot time the caller's time namespace sees, rounded up (Linux's
	 * do_sysinfo). */
	struct timespec up;
	clock_gettime(CLOCK_BOOTTIME, &up);
	timens_add(k->current, CLOCK_BOOTTIME, &up);
	si = (struct sysinfo){
		.uptime = up.tv_sec + (up.tv_nsec ? 1 : 0),
		.totalram = m.mem_total << 10,
		.freeram = m.mem_free << 10,
		.sharedram = m.shmem << 10,
		.bufferram = m.buffers << 10,
		.totalswap = m.swap_total << 10,
		.freeswap = m.swap_free << 10,
		.procs = (unsigned short)k->nprocs, /* tasks, threads too, as Linux's nr_threads */
		.mem_unit = 1,
	};
	return copy_to_user(k, a[0], &si, sizeof(si));
}
