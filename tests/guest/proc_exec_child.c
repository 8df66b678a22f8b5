/* proc_exec_child: the program proc_exec runs with execve. It prints its
 * arguments and environment (for the comparison with the native run) and
 * checks what it inherited across execve:
 *   fd 20  opened O_CLOEXEC                      -> closed (EBADF)
 *   fd 21  a plain fd, offset 5 of a file whose bytes are "0123456789"
 *                                               -> open, no FD_CLOEXEC, reads "56789"
 *   fd 22  FD_CLOEXEC set later with F_SETFD     -> closed
 *   fd 23  F_DUPFD_CLOEXEC of fd 21              -> closed
 *   fd 24  a pipe's write end                    -> open; "hello from exec" goes to the parent
 *   SIGUSR1 ignored before exec -> still ignored; SIGUSR2 handled -> SIG_DFL;
 *   the page the old image mapped at OLD_PAGE     -> gone (mprotect: ENOMEM);
 *   getpid()/getppid() equal PROC_EXEC_PID/PROC_EXEC_PPID from the old image.
 * Exit 0 when all holds, else 1 with "FAIL: ..." on stderr. */
#include "guest_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define OLD_PAGE ((void *)0x200000000000UL)

extern char **environ;

static void check_closed(int fd, const char *what)
{
	int r = fcntl(fd, F_GETFD);
	CHECK(r == -1 && errno == EBADF, "fd %d (%s) is still open after execve (F_GETFD %d)", fd,
	      what, r);
}

static long env_long(const char *name)
{
	const char *v = getenv(name);
	CHECK(v != NULL, "%s is not in the environment", name);
	return strtol(v, NULL, 10);
}

static unsigned long sum(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h & 0xffffffffUL;
}

int main(int argc, char **argv)
{
	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] \"%s\"\n", i, argv[i]);
	CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
	int n = 0;
	for (char **e = environ; *e; e++, n++) {
		if (strncmp(*e, "PROC_EXEC_PID=", 14) == 0 || strncmp(*e, "PROC_EXEC_PPID=", 15) == 0)
			printf("env \"%.*s...\" (a pid)\n", (int)(strchr(*e, '=') - *e + 1), *e);
		else if (strlen(*e) > 200) /* long values: length and a checksum */
			printf("env \"%.*s...\" (%zu bytes, sum %lu)\n",
			       (int)(strchr(*e, '=') - *e + 1), *e, strlen(*e), sum(*e));
		else
			printf("env \"%s\"\n", *e);
	}
	printf("envc %d\n", n);
	CHECK(getenv("PROC_EXEC_EMPTY") && !*getenv("PROC_EXEC_EMPTY"),
	      "PROC_EXEC_EMPTY is not set to the empty string");
	/* Only the environment given to execve: nothing of the caller's. */
	CHECK(getenv("PATH") == NULL && getenv("HOME") == NULL,
	      "PATH or HOME leaked into the environment passed to execve");

	if (argc > 1 && strcmp(argv[1], "args-only") == 0) {
		fflush(stdout);
		return 0;
	}

	check_closed(20, "O_CLOEXEC");
	check_closed(22, "F_SETFD FD_CLOEXEC");
	check_closed(23, "F_DUPFD_CLOEXEC");
	int fl = fcntl(21, F_GETFD);
	CHECK(fl == 0, "fd 21 (plain) after execve: F_GETFD %d (%s), expected 0", fl,
	      fl < 0 ? strerror(errno) : "flags set");
	char buf[16] = { 0 };
	ssize_t got = read(21, buf, sizeof(buf) - 1);
	CHECK(got == 5 && memcmp(buf, "56789", 5) == 0,
	      "fd 21 read %zd bytes \"%s\", expected \"56789\" (the offset is shared)", got, buf);
	fl = fcntl(24, F_GETFD);
	CHECK(fl == 0, "fd 24 (pipe) after execve: F_GETFD %d", fl);
	static const char msg[] = "hello from exec";
	CHECK(write(24, msg, sizeof(msg)) == (ssize_t)sizeof(msg), "write to the pipe: %s",
	      strerror(errno));

	struct sigaction sa;
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0, "sigaction: %s", strerror(errno));
	CHECK(sa.sa_handler == SIG_IGN, "SIGUSR1 was ignored before execve, now it is not");
	CHECK(sigaction(SIGUSR2, NULL, &sa) == 0, "sigaction: %s", strerror(errno));
	CHECK(sa.sa_handler == SIG_DFL, "SIGUSR2 had a handler before execve, now it is not SIG_DFL");

	/* mprotect of a range with an unmapped page fails with ENOMEM. */
	CHECK_ERRNO(mprotect(OLD_PAGE, PAGE, PROT_READ), ENOMEM,
		    "mprotect of the page the old image mapped");

	CHECK(getpid() == env_long("PROC_EXEC_PID"), "getpid() %d changed across execve (was %ld)",
	      (int)getpid(), env_long("PROC_EXEC_PID"));
	CHECK(getppid() == env_long("PROC_EXEC_PPID"),
	      "getppid() %d changed across execve (was %ld)", (int)getppid(),
	      env_long("PROC_EXEC_PPID"));
	puts("inherited state: ok");
	return 0;
}
