/* ws.h - the working-set loop of bigws and hugews: fill words words of a,
 * then reads random 8-byte reads (xorshift64 from a fixed seed) summed
 * into a checksum every runner must agree on. */
#ifndef BENCH_WS_H
#define BENCH_WS_H

#include <stddef.h>
#include <stdint.h>

static uint64_t ws_run(uint64_t *a, size_t words, unsigned long reads)
{
    for (size_t i = 0; i < words; i++)
        a[i] = i * 0x9e3779b97f4a7c15ULL;
    uint64_t x = 12345, sum = 0;
    for (unsigned long i = 0; i < reads; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += a[x % words];
    }
    return sum;
}

#endif
