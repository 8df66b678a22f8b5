/* cow: fork with copy-on-write.  The parent writes 256 MiB (65,536 pages)
 * and forks; the child writes one byte in every page, so each page is
 * copied at its first write (a CoW fault), and exits with a checksum of
 * what it wrote; the parent then reads its own pages back, which the child
 * must not have changed.  Usage: cow [MIB] (default 256). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static uint64_t checksum(const unsigned char *p, size_t size)
{
    uint64_t sum = 0;
    for (size_t off = 0; off < size; off += PAGE)
        sum = (sum ^ p[off]) * 0x100000001b3ULL;
    return sum;
}

int main(int argc, char **argv)
{
    size_t size = (argc > 1 ? strtoul(argv[1], NULL, 0) : 256) << 20;
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t off = 0; off < size; off += PAGE)
        p[off] = (unsigned char)(off / PAGE);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        for (size_t off = 0; off < size; off += PAGE)
            p[off] = (unsigned char)((off / PAGE) * 2654435761u >> 13);
        printf("cow child checksum=%016llx\n", (unsigned long long)checksum(p, size));
        fflush(stdout);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "cow: the child failed\n");
        return 1;
    }
    printf("cow pages=%zu parent checksum=%016llx\n", size / PAGE,
           (unsigned long long)checksum(p, size));
    return 0;
}
