/* hugews: random 8-byte reads over 1 GiB of anonymous memory, with or
 * without transparent huge pages (MADV_HUGEPAGE or MADV_NOHUGEPAGE on a
 * 2 MiB-aligned map).  With 2 MiB pages the 1 GiB is 512 TLB entries and
 * 512 faults; with 4 KiB pages 262,144 of each, and every walk reads one
 * more level.
 * Usage: hugews thp|nothp [READS [MIB]] (defaults 5000000 and 1024). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ws.h"

#define HUGE (2UL << 20)

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "thp") && strcmp(argv[1], "nothp"))) {
        fprintf(stderr, "usage: hugews thp|nothp [READS [MIB]]\n");
        return 2;
    }
    unsigned long reads = argc > 2 ? strtoul(argv[2], NULL, 0) : 5000000UL;
    size_t mib = argc > 3 ? strtoul(argv[3], NULL, 0) : 1024;
    size_t len = mib << 20, words = len / sizeof(uint64_t);
    if (words == 0) {
        fprintf(stderr, "hugews: MIB must be at least 1\n");
        return 2;
    }
    char *raw = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    uint64_t *a = (uint64_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
    if (madvise(a, len, argv[1][0] == 't' ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
        perror("madvise");
        return 1;
    }
    uint64_t sum = ws_run(a, words, reads);
    printf("hugews reads=%lu mib=%zu checksum=%016llx\n", reads, mib, (unsigned long long)sum);
    return 0;
}
