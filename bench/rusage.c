/* rusage: run a command COUNT times, one after the other, with its stdout
 * in OUT, and print "WALL CPU MAXRSS": wall seconds, CPU seconds (user +
 * system, from wait4's rusage) summed over the runs, and the largest peak
 * resident set in KiB.  Exits 1 with a message when a run fails.
 * Usage: rusage COUNT OUT CMD [ARGS...] (a host program, for bench/run). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: rusage COUNT OUT CMD [ARGS...]\n");
        return 2;
    }
    long count = strtol(argv[1], NULL, 10);
    double cpu = 0, start = now();
    long maxrss = 0;
    for (long i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("rusage: fork");
            return 1;
        }
        if (pid == 0) {
            int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
                perror(argv[2]);
                _exit(127);
            }
            close(fd);
            execvp(argv[3], argv + 3);
            perror(argv[3]);
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) != pid) {
            perror("rusage: wait4");
            return 1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status)) {
            fprintf(stderr, "rusage: %s %s %d\n", argv[3],
                    WIFEXITED(status) ? "exited with status" : "killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            return 1;
        }
        cpu += seconds(ru.ru_utime) + seconds(ru.ru_stime);
        if (ru.ru_maxrss > maxrss)
            maxrss = ru.ru_maxrss;
    }
    printf("%.6f %.6f %ld\n", now() - start, cpu, maxrss);
    return 0;
}
