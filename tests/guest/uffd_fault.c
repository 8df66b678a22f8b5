/* uffd_fault: faults handled through a userfaultfd. A handler thread
 * reads each message (blocking, or after poll on a nonblocking fd) and
 * fills the page with UFFDIO_COPY or ZEROPAGE while the faulting thread
 * sleeps; the message's address (the page's), its WRITE flag and, with THREAD_ID, the
 * faulting thread's id; COPY with DONTWAKE leaves the fault asleep until
 * UFFDIO_WAKE; several faulting threads at once; a blocking read that a
 * signal interrupts (EINTR without SA_RESTART); UFFD_FEATURE_SIGBUS
 * (SIGBUS at once, si_addr the address); a kernel access to a missing
 * registered page with UFFD_USER_MODE_ONLY (EFAULT); a fault that sleeps
 * until the userfaultfd is closed, then gets a zeroed page; a signal to
 * a sleeping fault runs its handler, then the fault sleeps again; a fork
 * child's memory has no userfaultfd. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>

#include "uffd_test.h"

static int gettid_(void)
{
	return (int)syscall(SYS_gettid);
}

static char *map(size_t pages)
{
	char *a = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap: %s", strerror(errno));
	return a;
}

static struct uffd_msg read_msg(int fd)
{
	struct uffd_msg m;
	ssize_t n = read(fd, &m, sizeof(m));
	CHECK(n == sizeof(m), "read: %zd %s", n, strerror(errno));
	CHECK(m.event == UFFD_EVENT_PAGEFAULT, "event %#x", m.event);
	return m;
}

static void copy_page(int fd, uint64_t dst, char fill, uint64_t mode)
{
	static char src[PAGE] __attribute__((aligned(4096)));
	memset(src, fill, sizeof(src));
	struct uffdio_copy c = {dst & ~(PAGE - 1), (uintptr_t)src, PAGE, mode, 0};
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == 0 && c.copy == (int64_t)PAGE, "COPY: %s, %lld",
	      strerror(errno), (long long)c.copy);
}

/* ---- one fault, a handler thread ---- */

struct handler {
	int fd, n;          /* messages to serve */
	char *base;
	bool zero, dontwake, use_poll;
	int tids[8];
	uint64_t addrs[8], flags[8];
};

static void *serve(void *arg)
{
	struct handler *h = arg;
	for (int i = 0; i < h->n; i++) {
		if (h->use_poll) {
			struct pollfd p = {.fd = h->fd, .events = POLLIN};
			CHECK(poll(&p, 1, -1) == 1 && p.revents == POLLIN, "poll: %#x", p.revents);
		}
		struct uffd_msg m = read_msg(h->fd);
		h->addrs[i] = m.arg.pagefault.address;
		h->flags[i] = m.arg.pagefault.flags;
		h->tids[i] = (int)m.arg.pagefault.feat.ptid;
		if (h->zero) {
			struct uffdio_zeropage z = {{m.arg.pagefault.address & ~(PAGE - 1), PAGE}, 0, 0};
			CHECK(ioctl(h->fd, UFFDIO_ZEROPAGE, &z) == 0, "ZEROPAGE: %s", strerror(errno));
		} else {
			copy_page(h->fd, m.arg.pagefault.address,
				  (char)('a' + (m.arg.pagefault.address - (uintptr_t)h->base) / PAGE),
				  h->dontwake ? UFFDIO_COPY_MODE_DONTWAKE : 0);
		}
		if (h->dontwake) {
			/* Still asleep: the page is there, nobody woke it. */
			usleep(20000);
			struct uffdio_range r = {m.arg.pagefault.address & ~(PAGE - 1), PAGE};
			CHECK(ioctl(h->fd, UFFDIO_WAKE, &r) == 0, "WAKE: %s", strerror(errno));
		}
	}
	return NULL;
}

static void one_fault(const char *what, uint64_t features, bool zero, bool dontwake,
		      bool use_poll, bool write)
{
	int fd = uffd_ready(use_poll ? O_NONBLOCK : 0, features);
	char *a = map(4);
	CHECK(uffd_register(fd, a, 4 * PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register: %s", strerror(errno));
	struct handler h = {.fd = fd, .n = 1, .base = a, .zero = zero, .dontwake = dontwake,
			    .use_poll = use_poll};
	pthread_t t;
	pthread_create(&t, NULL, serve, &h);
	char *at = a + 2 * PAGE + 123;
	char got;
	if (write) {
		*at = 'W';
		got = *at;
	} else {
		got = *(volatile char *)at;
	}
	pthread_join(t, NULL);
	printf("%s: page %ld%s, got '%c' (%d), tid %s\n", what,
	       (long)((h.addrs[0] & ~(PAGE - 1)) - (uintptr_t)a) / (long)PAGE,
	       h.flags[0] & UFFD_PAGEFAULT_FLAG_WRITE ? " write" : " read", got ? got : '0', got,
	       !(features & UFFD_FEATURE_THREAD_ID) ? (h.tids[0] ? "set" : "0")
	       : h.tids[0] == gettid_()          ? "mine"
						 : "other");
	CHECK(!(h.addrs[0] & (PAGE - 1)), "address %#llx not a page's",
	      (unsigned long long)h.addrs[0]);
	/* The neighbours still fault: a COPY filled one page. */
	struct handler h2 = {.fd = fd, .n = 1, .base = a, .use_poll = use_poll};
	pthread_create(&t, NULL, serve, &h2);
	got = *(volatile char *)(a + 3 * PAGE);
	pthread_join(t, NULL);
	printf("  then page 3 '%c'\n", got);
	close(fd);
	munmap(a, 4 * PAGE);
}

/* ---- several threads fault at once ---- */

static char *many_base;
static atomic_int many_sum;

static void *toucher(void *arg)
{
	long i = (long)arg;
	atomic_fetch_add(&many_sum, many_base[i * PAGE + i]);
	return NULL;
}

static void many_faults(void)
{
	int fd = uffd_ready(0, 0);
	many_base = map(4);
	CHECK(uffd_register(fd, many_base, 4 * PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register: %s", strerror(errno));
	struct handler h = {.fd = fd, .n = 4, .base = many_base};
	pthread_t t[4], srv;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, toucher, (void *)i);
	usleep(50000); /* all four asleep on their pages */
	pthread_create(&srv, NULL, serve, &h);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_join(srv, NULL);
	printf("four threads: sum %d\n", atomic_load(&many_sum));
	close(fd);
}

/* ---- signals ---- */

static volatile sig_atomic_t handled;
static sigjmp_buf jump;
static volatile void *bus_addr;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	bus_addr = si->si_addr;
	siglongjmp(jump, 1);
}

static void *interrupt_later(void *arg)
{
	usleep(50000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

static void read_interrupted(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	int fd = uffd_ready(0, 0);
	pthread_t self = pthread_self(), t;
	pthread_create(&t, NULL, interrupt_later, &self);
	struct uffd_msg m;
	CHECK_ERRNO(read(fd, &m, sizeof(m)), EINTR, "read that a signal interrupts");
	pthread_join(t, NULL);
	printf("read interrupted: handled %d\n", handled);
	close(fd);
}

static void sigbus_feature(void)
{
	int fd = uffd_ready(0, UFFD_FEATURE_SIGBUS);
	char *a = map(2);
	CHECK(uffd_register(fd, a, 2 * PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register: %s", strerror(errno));
	struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
	sigaction(SIGBUS, &sa, NULL);
	if (!sigsetjmp(jump, 1)) {
		(void)*(volatile char *)(a + PAGE + 5);
		fail("no SIGBUS");
	}
	printf("SIGBUS feature: si_addr page+%ld\n", (long)((char *)bus_addr - a));
	/* A kernel access gets EFAULT, and no SIGBUS. */
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(write(p[1], "x", 1) == 1, "write");
	CHECK_ERRNO(read(p[0], a, 1), EFAULT, "read into a missing page with FEATURE_SIGBUS");
	close(p[0]);
	close(p[1]);
	close(fd);
	munmap(a, 2 * PAGE);
}

static void user_mode_only(void)
{
	int fd = uffd_ready(UFFD_USER_MODE_ONLY, 0);
	char *a = map(1);
	CHECK(uffd_register(fd, a, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register: %s", strerror(errno));
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(write(p[1], "x", 1) == 1, "write");
	CHECK_ERRNO(read(p[0], a, 1), EFAULT, "read into a missing page, user mode only");
	printf("user mode only: EFAULT\n");
	close(p[0]);
	close(p[1]);
	close(fd);
	munmap(a, PAGE);
}

/* A fault asleep: a signal runs its handler and the fault sleeps again;
 * closing the userfaultfd wakes it, and it faults as without one. */
struct sleeper {
	char *page;
	char got;
	pthread_t tid;
	atomic_int started;
};

static void *sleep_on_fault(void *arg)
{
	struct sleeper *s = arg;
	atomic_store(&s->started, 1);
	s->got = *(volatile char *)s->page;
	return NULL;
}

static void close_wakes(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	int fd = uffd_ready(O_NONBLOCK, 0);
	char *a = map(1);
	CHECK(uffd_register(fd, a, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register: %s", strerror(errno));
	struct sleeper s = {.page = a, .got = 'x'};
	handled = 0;
	pthread_create(&s.tid, NULL, sleep_on_fault, &s);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 5000) == 1, "poll for the fault");
	pthread_kill(s.tid, SIGUSR1);
	usleep(50000);
	/* The handler ran, and the fault came back: a second message. */
	struct uffd_msg m1 = read_msg(fd), m2;
	usleep(50000);
	ssize_t n = read(fd, &m2, sizeof(m2));
	printf("signal to a sleeping fault: handled %d, messages %d\n", handled,
	       1 + (n == sizeof(m2)));
	(void)m1;
	close(fd);
	pthread_join(s.tid, NULL);
	printf("closed: the fault got %d\n", s.got);
	munmap(a, PAGE);
}

static void fork_child(void)
{
	int fd = uffd_ready(0, 0);
	char *a = map(1);
	CHECK(uffd_register(fd, a, PAGE, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0,
	      "register: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		a[0] = 7; /* no userfaultfd in the child */
		_exit(a[0]);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("fork child: exit %d\n", WEXITSTATUS(st));
	close(fd);
	munmap(a, PAGE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	one_fault("copy, read", 0, false, false, false, false);
	one_fault("copy, write", 0, false, false, false, true);
	one_fault("zeropage, read", 0, true, false, false, false);
	one_fault("zeropage, write", 0, true, false, false, true);
	one_fault("dontwake + wake", 0, false, true, false, true);
	one_fault("poll", 0, false, false, true, false);
	one_fault("thread id", UFFD_FEATURE_THREAD_ID, false, false, false, false);
	many_faults();
	read_interrupted();
	sigbus_feature();
	user_mode_only();
	close_wakes();
	fork_child();
	printf("ok\n");
	return 0;
}
