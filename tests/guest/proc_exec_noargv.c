/* proc_exec_noargv: execve(2) with argv NULL, and with argv {NULL}: since
 * Linux 5.18 the new program gets argc 1 and argv[0] "" (never argc 0).
 * The program executes itself through /proc/self/exe; the runs it
 * starts print what they got. */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

extern char **environ;

static void run(const char *what, char *const *argv)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		syscall(SYS_execve, "/proc/self/exe", argv, environ);
		_exit(127);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the new program ended with %#x", what, st);
	printf("%s: done\n", what);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "") == 0) {
		printf("new program: argc %d, argv[0] \"%s\", argv[argc] %s\n", argc,
		       argc ? argv[0] : "(none)", argv[argc] ? "set" : "NULL");
		return 0;
	}
	fflush(stdout);
	run("argv NULL", NULL);
	char *empty[] = {NULL};
	run("argv {NULL}", empty);
	return 0;
}
