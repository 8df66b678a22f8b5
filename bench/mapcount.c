/* mapcount: many one-page anonymous maps that cannot merge (alternating
 * protections), as a program with a huge number of small mappings makes
 * them.  "mapcount N" makes N maps; "mapcount limit" makes maps until
 * mmap fails, which must be with ENOMEM (vm.max_map_count).  Prints a
 * checksum of the addresses of the first 60,000 maps relative to the
 * first, the same natively and under vmemu (top-down, each right below
 * the one before); how many maps fit under the limit depends on how many
 * the process had before (natively a vdso, for one). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

int main(int argc, char **argv)
{
    int limit = argc > 1 && strcmp(argv[1], "limit") == 0;
    long want = argc > 1 && !limit ? atol(argv[1]) : 60000;
    uintptr_t first = 0;
    uint64_t sum = 0;
    long n = 0;
    while (limit || n < want) {
        void *p = mmap(NULL, PAGE, n % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            if (!limit || errno != ENOMEM) {
                fprintf(stderr, "mapcount: mmap %ld: %s\n", n, strerror(errno));
                return 1;
            }
            break;
        }
        if (!first)
            first = (uintptr_t)p;
        if (n < 60000)
            sum = (sum ^ (first - (uintptr_t)p)) * 0x100000001b3ULL;
        n++;
    }
    printf("mapcount %s: %s after %s maps, checksum %016llx\n", limit ? "limit" : "n",
           limit ? "ENOMEM" : "done", limit ? "the" : "all", (unsigned long long)sum);
    return 0;
}
