/* bigws: random 8-byte reads over a 64 MiB array (16384 pages).  The pages
 * are far more than the CPU emulator's internal TLB holds (~256 entries), so
 * most reads miss it and go through the TLB-fill path and our MMU model.
 * Usage: bigws [READS [MIB]] (defaults 20000000 and 64). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ws.h"

int main(int argc, char **argv)
{
    unsigned long reads = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000000UL;
    size_t mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
    size_t words = (mib << 20) / sizeof(uint64_t);
    if (words == 0) {
        fprintf(stderr, "bigws: MIB must be at least 1\n");
        return 2;
    }
    uint64_t *a = malloc(words * sizeof(uint64_t));
    if (!a) {
        perror("malloc");
        return 1;
    }
    uint64_t sum = ws_run(a, words, reads);
    printf("bigws reads=%lu mib=%zu checksum=%016llx\n", reads, mib,
           (unsigned long long)sum);
    return 0;
}
