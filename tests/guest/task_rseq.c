/* task_rseq.c - rseq(2), compared with Linux: registration and its errors,
 * the CPU and node numbers written back, a critical section restarted at
 * its abort handler by a signal and by preemption (a second process
 * spinning on the same CPU), rseq_cs cleared outside a critical section,
 * SIGSEGV for a bad descriptor or an unwritable struct rseq, and what
 * fork, threads and exec keep. Runs with glibc's own registration off
 * (GLIBC_TUNABLES=glibc.pthread.rseq=0) and pinned to CPU 0.
 *
 * usage: task_rseq [exec]   ("exec": the re-executed image's check) */
#include "guest_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define RSEQ_SIG 0x53053053
#define FLAG_UNREGISTER 1

struct k_rseq {
	uint32_t cpu_id_start, cpu_id;
	uint64_t rseq_cs;
	uint32_t flags, node_id, mm_cid;
} __attribute__((aligned(32)));

struct k_rseq_cs {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));

/* spin_in_cs(stop, &rseq->rseq_cs, desc): enters the critical section
 * desc describes (spin_cs_start..spin_cs_post), where it spins until
 * *stop; 0 when it left it so, 1 from the abort handler (spin_cs_abort),
 * 2 from the one after a wrong signature (spin_cs_abort_badsig). */
int spin_in_cs(volatile int *stop, uint64_t *rseq_cs, const struct k_rseq_cs *desc);
extern const char spin_cs_start[], spin_cs_post[], spin_cs_abort[], spin_cs_abort_badsig[];
__asm__(".text\n"
	".globl spin_in_cs\n"
	".type spin_in_cs, @function\n"
	"spin_in_cs:\n"
	"	movq %rdx, (%rsi)\n"
	".globl spin_cs_start\n"
	"spin_cs_start:\n"
	"	cmpl $0, (%rdi)\n"
	"	je spin_cs_start\n"
	".globl spin_cs_post\n"
	"spin_cs_post:\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	"	.long 0x53053053\n"
	".globl spin_cs_abort\n"
	"spin_cs_abort:\n"
	"	movl $1, %eax\n"
	"	ret\n"
	"	.long 0x12345678\n"
	".globl spin_cs_abort_badsig\n"
	"spin_cs_abort_badsig:\n"
	"	movl $2, %eax\n"
	"	ret\n"
	".size spin_in_cs, . - spin_in_cs\n");

static struct k_rseq area, area2;
static volatile int stop;

static long sys_rseq(void *rseq, uint32_t len, int flags, uint32_t sig)
{
	return syscall(SYS_rseq, rseq, len, flags, sig);
}

static struct k_rseq_cs desc(const char *abort_ip)
{
	return (struct k_rseq_cs){.start_ip = (uint64_t)spin_cs_start,
				  .post_commit_offset = (uint64_t)(spin_cs_post - spin_cs_start),
				  .abort_ip = (uint64_t)abort_ip};
}

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

static void pin_cpu0(void)
{
	cpu_set_t cpu0;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	CHECK(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0, "sched_setaffinity: %s",
	      strerror(errno));
}

static void alarm_in(long us)
{
	struct itimerval it = {.it_value = {us / 1000000, us % 1000000}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer: %s", strerror(errno));
}

static void check_registration(void)
{
	CHECK_ERRNO(sys_rseq(&area, sizeof(area), 2, RSEQ_SIG), EINVAL, "unknown flag");
	CHECK_ERRNO(sys_rseq(&area, 16, 0, RSEQ_SIG), EINVAL, "length 16");
	CHECK_ERRNO(sys_rseq((char *)&area + 8, 32, 0, RSEQ_SIG), EINVAL, "misaligned");
	CHECK_ERRNO(sys_rseq(&area, 32, FLAG_UNREGISTER, RSEQ_SIG), EINVAL, "unregister none");
	area.cpu_id = 1234;
	CHECK(sys_rseq(&area, 32, 0, RSEQ_SIG) == 0, "register: %s", strerror(errno));
	CHECK(area.cpu_id == 0 && area.cpu_id_start == 0 && area.node_id == 0 && area.mm_cid == 0,
	      "registered: cpu_id %u, cpu_id_start %u, node_id %u, mm_cid %u", area.cpu_id,
	      area.cpu_id_start, area.node_id, area.mm_cid);
	CHECK((int)area.cpu_id == sched_getcpu(), "cpu_id %u, sched_getcpu %d", area.cpu_id,
	      sched_getcpu());
	CHECK_ERRNO(sys_rseq(&area, 32, 0, RSEQ_SIG), EBUSY, "registered again");
	CHECK_ERRNO(sys_rseq(&area, 32, 0, RSEQ_SIG + 1), EPERM, "another signature");
	CHECK_ERRNO(sys_rseq(&area2, 32, 0, RSEQ_SIG), EINVAL, "another area");
	CHECK_ERRNO(sys_rseq(&area, 64, 0, RSEQ_SIG), EINVAL, "another length");
	CHECK_ERRNO(sys_rseq(&area, 32, FLAG_UNREGISTER, RSEQ_SIG + 1), EPERM,
		    "unregister, another signature");
	CHECK_ERRNO(sys_rseq(&area, 64, FLAG_UNREGISTER, RSEQ_SIG), EINVAL,
		    "unregister, another length");
	CHECK(sys_rseq(&area, 32, FLAG_UNREGISTER, RSEQ_SIG) == 0, "unregister: %s",
	      strerror(errno));
	CHECK(area.cpu_id == (uint32_t)-1 && area.cpu_id_start == 0,
	      "unregistered: cpu_id %u, cpu_id_start %u", area.cpu_id, area.cpu_id_start);
	/* A length past the original 32 bytes wants 32-byte alignment and
	 * the fields Linux knows (28 bytes). */
	CHECK(sys_rseq(&area2, 64, 0, RSEQ_SIG) == 0, "register 64: %s", strerror(errno));
	CHECK(sys_rseq(&area2, 64, FLAG_UNREGISTER, RSEQ_SIG) == 0, "unregister 64");
	CHECK(sys_rseq(&area, 32, 0, RSEQ_SIG) == 0, "register: %s", strerror(errno));
	printf("registration: errors as Linux, cpu_id 0 while registered, -1 after\n");
}

static void check_signal_abort(void)
{
	static struct k_rseq_cs cs;
	cs = desc(spin_cs_abort);
	stop = 0;
	alarm_in(50000);
	int r = spin_in_cs(&stop, &area.rseq_cs, &cs);
	CHECK(r == 1, "a signal in the critical section: left it by %s",
	      r ? "the other abort" : "its end");
	CHECK(area.rseq_cs == 0, "rseq_cs still 0x%llx after the abort",
	      (unsigned long long)area.rseq_cs);
	/* Out of the critical section, an event forgets it. */
	stop = 1;
	CHECK(spin_in_cs(&stop, &area.rseq_cs, &cs) == 0, "no event: no abort");
	CHECK(area.rseq_cs == (uint64_t)&cs, "rseq_cs changed with no event");
	raise(SIGALRM);
	CHECK(area.rseq_cs == 0, "rseq_cs still set after a signal outside the section");
	printf("signal: restarted at the abort handler; rseq_cs cleared\n");
}

static void check_preempt_abort(void)
{
	static struct k_rseq_cs cs;
	cs = desc(spin_cs_abort);
	pid_t parent = getpid(), spinner = fork();
	CHECK(spinner >= 0, "fork: %s", strerror(errno));
	if (spinner == 0) {
		/* It dies with the test, whatever ends it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		for (;;) /* shares CPU 0: the scheduler must switch between us */
			;
	}
	stop = 0;
	alarm_in(5000000); /* a way out if no preemption ever aborts it */
	int r = spin_in_cs(&stop, &area.rseq_cs, &cs);
	alarm_in(0);
	kill(spinner, SIGKILL);
	waitpid(spinner, NULL, 0);
	CHECK(r == 1, "preempted in the critical section: %s",
	      stop ? "never aborted (the 5 s alarm ended it)" : "left by its end");
	printf("preemption: restarted at the abort handler\n");
}

/* In a child: what ends it when the descriptor is bad (signature,
 * flags, version, abort_ip inside the section) or the area unwritable. */
static void expect_sigsegv(const char *what, struct k_rseq_cs bad, bool unmapped_area)
{
	pid_t c = fork();
	CHECK(c >= 0, "fork: %s", strerror(errno));
	if (c == 0) {
		static struct k_rseq_cs cs;
		cs = bad;
		if (unmapped_area) {
			sys_rseq(&area, 32, FLAG_UNREGISTER, RSEQ_SIG);
			void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			/* Registered, then written on the way out: read-only. */
			sys_rseq(p, 32, 0, RSEQ_SIG);
			_exit(3);
		}
		stop = 0;
		alarm_in(50000);
		_exit(spin_in_cs(&stop, &area.rseq_cs, &cs) + 10);
	}
	int status;
	CHECK(waitpid(c, &status, 0) == c, "waitpid: %s", strerror(errno));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "%s: status %#x, not SIGSEGV",
	      what, status);
	printf("%s: SIGSEGV\n", what);
}

static void *thread_registers(void *arg)
{
	(void)arg;
	return (void *)sys_rseq(&area2, 32, 0, RSEQ_SIG);
}

static void check_inheritance(const char *argv0)
{
	pid_t c = fork();
	CHECK(c >= 0, "fork: %s", strerror(errno));
	if (c == 0)
		_exit(sys_rseq(&area, 32, 0, RSEQ_SIG) == -1 && errno == EBUSY ? 0 : 1);
	CHECK(child_exit_status(c) == 0, "fork: the child's registration is not the parent's");
	pthread_t t;
	void *ret;
	CHECK(pthread_create(&t, NULL, thread_registers, NULL) == 0, "pthread_create");
	CHECK(pthread_join(t, &ret) == 0 && ret == NULL, "a new thread could not register");
	printf("fork keeps the registration; a new thread has none\n");
	c = fork();
	CHECK(c >= 0, "fork: %s", strerror(errno));
	if (c == 0) {
		execl(argv0, argv0, "exec", (char *)NULL);
		_exit(127);
	}
	CHECK(child_exit_status(c) == 0, "exec kept the registration");
	printf("exec drops it\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return sys_rseq(&area, 32, 0, RSEQ_SIG) == 0 ? 0 : 1;
	pin_cpu0();
	CHECK(signal(SIGALRM, on_alarm) != SIG_ERR, "signal");
	check_registration();
	check_signal_abort();
	check_preempt_abort();
	struct k_rseq_cs bad = desc(spin_cs_abort_badsig);
	expect_sigsegv("wrong signature before abort_ip", bad, false);
	bad = desc(spin_cs_abort);
	bad.flags = 1;
	expect_sigsegv("descriptor flags", bad, false);
	bad.flags = 0;
	bad.version = 1;
	expect_sigsegv("descriptor version 1", bad, false);
	bad = desc(spin_cs_start);
	expect_sigsegv("abort_ip inside the section", bad, false);
	expect_sigsegv("a read-only struct rseq", bad, true);
	check_inheritance(argv[0]);
	return 0;
}
