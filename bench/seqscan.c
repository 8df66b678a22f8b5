/* seqscan: a sequential scan of 1 GiB: a 64 MiB array is written once, then
 * read word by word 16 times.  Each page is used 512 times in a row, so
 * TLB fills are few per access but the pages (16,384) are many more than
 * the CPU emulator's default TLB holds.  Usage: seqscan [PASSES [MIB]]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    unsigned long passes = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
    size_t mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
    size_t words = (mib << 20) / sizeof(uint64_t);
    uint64_t *a = malloc(words * sizeof(uint64_t));
    if (!a) {
        perror("malloc");
        return 1;
    }
    for (size_t i = 0; i < words; i++)
        a[i] = i * 0x9e3779b97f4a7c15ULL;
    uint64_t sum = 0;
    for (unsigned long pass = 0; pass < passes; pass++)
        for (size_t i = 0; i < words; i++)
            sum = (sum + a[i]) ^ (sum >> 29);
    printf("seqscan bytes=%llu checksum=%016llx\n",
           (unsigned long long)passes * words * sizeof(uint64_t), (unsigned long long)sum);
    return 0;
}
