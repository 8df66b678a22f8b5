/* icount.c - counting instructions from instruction hooks (exact) or from
 * translation blocks decoded once (icount.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "guestmem.h"
#include "icount.h"

#define CACHE_SLOTS 16384 /* decoded blocks kept; all dropped when full */
#define MAX_BLOCK 4096    /* bytes of a block decoded (Unicorn's are smaller) */

/* One translation block: where its instructions start. */
struct block {
	uint64_t addr, cr3;
	uint32_t size;
	uint32_t n;           /* instructions; 0: an empty slot */
	uint16_t *offset;     /* n start offsets, ascending */
	bool last_rep;        /* the last one is a REP string instruction */
};

struct icount {
	struct kernel *k;
	struct disasm *d;
	/* hooks before instructions */
	uint64_t next;        /* the number of the next new instruction */
	uint64_t current;     /* the number of the one at last_rip */
	uint64_t last_rip;
	bool have_last;
	/* blocks */
	struct block *cache;
	unsigned cached;
	const struct block *cur; /* the block running, NULL between slices */
	uint64_t block_start; /* the number of cur's first instruction */
};

struct icount *icount_create(struct kernel *k, struct disasm *d)
{
	struct icount *c = calloc(1, sizeof(*c));
	if (c)
		c->cache = calloc(CACHE_SLOTS, sizeof(*c->cache));
	if (!c || !c->cache) {
		free(c);
		return NULL;
	}
	c->k = k;
	c->d = d;
	return c;
}

static void cache_clear(struct icount *c)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		free(c->cache[i].offset);
	memset(c->cache, 0, CACHE_SLOTS * sizeof(*c->cache));
	c->cached = 0;
}

void icount_destroy(struct icount *c)
{
	if (!c)
		return;
	cache_clear(c);
	free(c->cache);
	free(c);
}

static bool is_rep_string(struct icount *c, uint64_t rip)
{
	uint8_t code[16];
	struct insn_info insn;
	size_t n = guestmem_read_current(c->k, rip, code, sizeof(code));
	return disasm_insn(c->d, rip, code, n, &insn) && insn.is_rep_string;
}

void icount_insn(struct icount *c, uint64_t rip)
{
	/* The same address again: a loop of one instruction, or the next
	 * iteration of a REP string instruction, which is not a new one. */
	if (c->have_last && rip == c->last_rip && is_rep_string(c, rip))
		return;
	c->current = c->next++;
	c->last_rip = rip;
	c->have_last = true;
}

/* Decodes [addr, addr + size) into b. */
static void decode(struct icount *c, struct block *b, uint64_t addr, uint32_t size)
{
	uint8_t code[MAX_BLOCK + 16];
	uint32_t len = size < MAX_BLOCK ? size : MAX_BLOCK;
	size_t got = guestmem_read_current(c->k, addr, code, len + 16);
	uint16_t offs[MAX_BLOCK];
	uint32_t n = 0, off = 0;
	bool rep = false;
	while (off < len) {
		struct insn_info insn;
		offs[n++] = (uint16_t)off;
		if (off >= got || !disasm_insn(c->d, addr + off, code + off, got - off, &insn)) {
			rep = false;
			off++; /* cannot happen for code that ran; count bytes */
			continue;
		}
		rep = insn.is_rep_string;
		off += insn.len;
	}
	*b = (struct block){.addr = addr, .cr3 = kernel_current_cr3(c->k), .size = size,
			    .n = n ? n : 1, .last_rep = rep};
	b->offset = malloc(b->n * sizeof(*b->offset));
	if (b->offset)
		memcpy(b->offset, offs, n * sizeof(*offs));
	if (!b->offset || !n)
		b->n = 1; /* out of memory: one instruction, at the start */
}

static const struct block *block_of(struct icount *c, uint64_t addr, uint32_t size)
{
	uint64_t cr3 = kernel_current_cr3(c->k);
	uint64_t h = (addr ^ (addr >> 17) ^ cr3 ^ size) * 0x9e3779b97f4a7c15ULL;
	unsigned i = (unsigned)(h >> 50) & (CACHE_SLOTS - 1);
	for (;; i = (i + 1) & (CACHE_SLOTS - 1)) {
		struct block *b = &c->cache[i];
		if (!b->n)
			break;
		if (b->addr == addr && b->size == size && b->cr3 == cr3)
			return b;
	}
	if (c->cached >= CACHE_SLOTS / 2) {
		cache_clear(c);
		return block_of(c, addr, size);
	}
	c->cached++;
	decode(c, &c->cache[i], addr, size);
	return &c->cache[i];
}

/* The index of the instruction at rip in b: the last one starting at or
 * before it. */
static uint32_t index_in(const struct block *b, uint64_t rip)
{
	uint32_t lo = 0, hi = b->n;
	uint64_t off = rip - b->addr;
	if (!b->offset)
		return 0;
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;
		if (b->offset[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static bool inside(const struct block *b, uint64_t rip)
{
	return rip >= b->addr && rip - b->addr < b->size;
}

void icount_block(struct icount *c, uint64_t addr, uint32_t size)
{
	const struct block *prev = c->cur;
	if (prev) {
		c->block_start += prev->n;
		/* The next iteration of the REP that ended the block before. */
		if (prev->last_rep && prev->offset && prev->addr + prev->offset[prev->n - 1] == addr)
			c->block_start--;
	}
	c->cur = block_of(c, addr, size);
}

void icount_slice_end(struct icount *c, uint64_t rip)
{
	if (c->have_last && rip == c->last_rip) {
		c->next = c->current; /* it runs again from its start */
		c->have_last = false;
	}
	if (c->cur) {
		c->block_start += inside(c->cur, rip) ? index_in(c->cur, rip) : c->cur->n;
		c->cur = NULL;
	}
}

uint64_t icount_at(const struct icount *c, uint64_t rip)
{
	if (c->have_last)
		return rip == c->last_rip ? c->current : c->next;
	if (c->cur)
		return c->block_start + (inside(c->cur, rip) ? index_in(c->cur, rip) : c->cur->n);
	return c->block_start + c->next;
}

uint64_t icount_counted(const struct icount *c)
{
	if (c->cur)
		return c->block_start + c->cur->n;
	return c->block_start + c->next;
}
