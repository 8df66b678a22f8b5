/* exec: a chain of execve calls.  `exec N` runs itself again as `exec N-1`
 * until N is 0, which prints how many it was started with.  Each exec
 * drops the address space and loads the program again.
 * Usage: exec N [START] (START is passed along for the message). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100;
    const char *start = argc > 2 ? argv[2] : argv[1] ? argv[1] : "100";
    if (n == 0) {
        printf("exec chain of %s done\n", start);
        return 0;
    }
    char next[32];
    snprintf(next, sizeof(next), "%lu", n - 1);
    char *args[] = {argv[0], next, (char *)start, NULL};
    execv(argv[0], args);
    perror("execv");
    return 1;
}
