/* gendata: write N bytes of deterministic pseudo-random text lines to stdout
 * (input for the busybox workloads; the same bytes on every machine). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    unsigned long size = argc > 1 ? strtoul(argv[1], NULL, 0) : 1UL << 20;
    uint64_t x = 0x243f6a8885a308d3ULL;
    char line[128];
    unsigned long done = 0;
    while (done < size) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int len = 8 + (int)((x >> 33) % 64);
        uint64_t y = x;
        for (int i = 0; i < len; i++) {
            y ^= y << 13;
            y ^= y >> 7;
            y ^= y << 17;
            line[i] = (char)('a' + y % 26);
        }
        line[len] = '\n';
        unsigned long n = (unsigned long)len + 1;
        if (n > size - done)
            n = size - done;
        fwrite(line, 1, n, stdout);
        done += n;
    }
    return 0;
}
