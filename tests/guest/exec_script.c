/* exec_script: execve of "#!" scripts, whose interpreter is this program
 * (EXEC_SCRIPT_SHOW set: it prints its argv, /proc/self/exe, AT_EXECFN and
 * comm, with the scratch folder shown as D and itself as I):
 * the interpreter's name, its one argument (inner blanks kept, outer ones
 * dropped), the script's name, then argv[1...]; a line without a newline;
 * a longer line than the 256-byte buffer (the argument cut, ENOEXEC when
 * the name may be cut); a script as another's interpreter, five levels
 * and ELOOP at six; ENOEXEC for "#!" alone or blanks, ENOENT for a
 * missing interpreter, EACCES for a script not executable. */
#include "guest_test.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64], self[256];

/* Prints s with the scratch folder as D and this program as I. */
static void show(const char *s)
{
	size_t nd = strlen(dir), ns = strlen(self);
	while (*s) {
		if (ns && strncmp(s, self, ns) == 0) {
			putchar('I');
			s += ns;
		} else if (strncmp(s, dir, nd) == 0) {
			putchar('D');
			s += nd;
		} else {
			putchar(*s++);
		}
	}
}

static int interpreter(int argc, char **argv)
{
	char exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", getenv("EXEC_SCRIPT_DIR"));
	snprintf(self, sizeof(self), "%s", exe);
	printf("  argv:");
	for (int i = 0; i < argc; i++) {
		printf(" [");
		show(argv[i]);
		printf("]");
	}
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	CHECK(f && fgets(comm, sizeof(comm), f), "read /proc/self/comm");
	fclose(f);
	printf("\n  exe: ");
	show(exe);
	printf("\n  execfn: ");
	show(execfn);
	printf("\n  comm: %s", comm);
	return 0;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0, "create %s: %s", path, strerror(errno));
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s", path);
	close(fd);
}

/* Runs script name with two arguments in a child, which prints what it
 * gets; the errno of a failed execve is printed instead. */
static void run(const char *name, int want_errno)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	printf("%s:\n", name);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = {"ignored-argv0", "a", "b c", NULL};
		char env_dir[128];
		snprintf(env_dir, sizeof(env_dir), "EXEC_SCRIPT_DIR=%s", dir);
		char *envp[] = {"EXEC_SCRIPT_SHOW=1", env_dir, NULL};
		execve(path, argv, envp);
		printf("  execve: %s\n", strerror(errno));
		fflush(stdout);
		_exit(errno == want_errno ? 0 : 1);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: execve's errno is not %s", name,
	      strerror(want_errno));
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
	if (getenv("EXEC_SCRIPT_SHOW"))
		return interpreter(argc, argv);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = 0;
	snprintf(dir, sizeof(dir), "/tmp/exec_script.XXXXXX");
	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	char text[1024];

	snprintf(text, sizeof(text), "#!%s\necho not run\n", self);
	write_file("plain", text, 0755);
	run("plain", 0);
	snprintf(text, sizeof(text), "#! \t%s  one  two \t\nrest\n", self);
	write_file("with_arg", text, 0755);
	run("with_arg", 0);
	snprintf(text, sizeof(text), "#!%s\targ", self);
	write_file("no_newline", text, 0755);
	run("no_newline", 0);
	/* The line goes past the 256-byte buffer: the argument is cut. */
	snprintf(text, sizeof(text), "#!%s %0300d\n", self, 0);
	write_file("long_arg", text, 0755);
	run("long_arg", 0);
	/* The name itself reaches the end of the buffer: it may be cut. */
	snprintf(text, sizeof(text), "#!%s%0300d\n", self, 0);
	write_file("long_name", text, 0755);
	run("long_name", ENOEXEC);

	/* Scripts as interpreters: level1 runs this program, level2 runs
	 * level1, and so on; five levels run, the sixth is ELOOP. */
	snprintf(text, sizeof(text), "#!%s x\n", self);
	write_file("level1", text, 0755);
	for (int i = 2; i <= 6; i++) {
		char name[16];
		snprintf(text, sizeof(text), "#!%s/level%d\n", dir, i - 1);
		snprintf(name, sizeof(name), "level%d", i);
		write_file(name, text, 0755);
	}
	run("level2", 0);
	run("level5", 0);
	run("level6", ELOOP);

	write_file("bare", "#!\n", 0755);
	run("bare", ENOEXEC);
	write_file("blanks", "#!  \t \n", 0755);
	run("blanks", ENOEXEC);
	write_file("missing", "#!/nonexistent/interpreter\n", 0755);
	run("missing", ENOENT);
	snprintf(text, sizeof(text), "#!%s\n", self);
	write_file("not_executable", text, 0644);
	run("not_executable", EACCES);
	printf("exec_script: ok\n");
	return 0;
}
