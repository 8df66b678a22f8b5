/* churn: mmap/munmap churn.  Each round maps 1 to 64 pages of anonymous
 * memory, writes one byte in each page (a demand-zero fault each) and
 * unmaps them again.  Usage: churn [ROUNDS] (default 20000). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096

int main(int argc, char **argv)
{
    unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
    uint64_t sum = 0, pages = 0;
    for (unsigned long i = 0; i < rounds; i++) {
        size_t n = 1 + (i * 2654435761u >> 7) % 64;
        unsigned char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        for (size_t j = 0; j < n; j++) {
            sum = (sum ^ p[j * PAGE]) * 0x100000001b3ULL; /* reads 0 */
            p[j * PAGE] = (unsigned char)(i + j);
            sum = (sum ^ p[j * PAGE]) * 0x100000001b3ULL;
        }
        pages += n;
        if (munmap(p, n * PAGE)) {
            perror("munmap");
            return 1;
        }
    }
    printf("churn rounds=%lu pages=%llu checksum=%016llx\n", rounds,
           (unsigned long long)pages, (unsigned long long)sum);
    return 0;
}
