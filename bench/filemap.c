/* filemap: map a file read-only and private, read one 8-byte word in each
 * 4 KiB page.  Each first touch is a file-page fault (a page-cache read
 * under vmemu).  Usage: filemap FILE. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: filemap FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 1;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    uint64_t sum = 0;
    for (size_t off = 0; off + sizeof(uint64_t) <= size; off += PAGE) {
        uint64_t w;
        memcpy(&w, p + off, sizeof(w));
        sum = (sum ^ w) * 0x100000001b3ULL;
    }
    printf("filemap bytes=%zu checksum=%016llx\n", size, (unsigned long long)sum);
    return 0;
}
