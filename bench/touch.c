/* touch: mmap 256 MiB of anonymous memory, write one byte in each 4 KiB
 * page, then read every page back.  Each first write is a demand-zero page
 * fault; the read-back pass hits pages that are already mapped. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define SIZE ((size_t)256 << 20)
#define PAGE 4096

int main(void)
{
    unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t off = 0; off < SIZE; off += PAGE)
        p[off] = (unsigned char)((off / PAGE) * 2654435761u >> 13);
    uint64_t sum = 0;
    for (size_t off = 0; off < SIZE; off += PAGE)
        sum = (sum ^ p[off]) * 0x100000001b3ULL;
    printf("touch pages=%zu checksum=%016llx\n", SIZE / PAGE,
           (unsigned long long)sum);
    return 0;
}
