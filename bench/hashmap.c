/* hashmap: 1M inserts into an open-addressing hash map (linear probing)
 * that starts small and doubles, then 1M lookups of present and absent
 * keys.  Each doubling allocates a new table and frees the old one (large
 * blocks: mmap and munmap in the allocator).  Usage: hashmap [N]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct slot {
    uint64_t key, value; /* key 0: empty */
};

struct map {
    struct slot *slots;
    size_t cap, len;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static struct slot *find(const struct map *m, uint64_t key)
{
    size_t i = mix(key) & (m->cap - 1);
    while (m->slots[i].key && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static void grow(struct map *m)
{
    struct map bigger = {calloc(m->cap * 2, sizeof(struct slot)), m->cap * 2, m->len};
    if (!bigger.slots) {
        perror("calloc");
        exit(1);
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find(&bigger, m->slots[i].key) = m->slots[i];
    free(m->slots);
    *m = bigger;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
    struct map m = {calloc(1024, sizeof(struct slot)), 1024, 0};
    if (!m.slots) {
        perror("calloc");
        return 1;
    }
    uint64_t x = 88172645463325252ULL;
    for (unsigned long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if ((m.len + 1) * 4 > m.cap * 3)
            grow(&m);
        struct slot *s = find(&m, x | 1);
        if (!s->key) {
            s->key = x | 1;
            m.len++;
        }
        s->value += i;
    }
    uint64_t sum = 0, found = 0;
    x = 88172645463325252ULL;
    for (unsigned long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const struct slot *s = find(&m, (i & 1) ? x | 1 : x & ~1ULL);
        if (s->key) {
            found++;
            sum = (sum ^ s->value) * 0x100000001b3ULL;
        }
    }
    printf("hashmap n=%lu size=%zu cap=%zu found=%llu checksum=%016llx\n", n, m.len, m.cap,
           (unsigned long long)found, (unsigned long long)sum);
    free(m.slots);
    return 0;
}
