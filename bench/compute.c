/* compute: a CPU-bound loop over a 16 KiB table (4 pages), so nearly every
 * access hits the CPU's TLB; measures the speed of translated code. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TABLE_WORDS (16384 / sizeof(uint32_t))

static uint32_t table[TABLE_WORDS];

int main(int argc, char **argv)
{
    unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000000UL;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (unsigned long i = 0; i < iters; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t slot = (uint32_t)(x >> 40) % TABLE_WORDS;
        table[slot] = (table[slot] ^ (uint32_t)(x >> 17)) * 2654435761u;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < TABLE_WORDS; i++)
        sum = (sum ^ table[i]) * 0x100000001b3ULL;
    printf("compute iters=%lu checksum=%016llx\n", iters,
           (unsigned long long)sum);
    return 0;
}
