/* tlb_growth.h - when to flush Unicorn's TLB so that it grows to the
 * working set.
 *
 * Unicorn's TLB is QEMU's softmmu TLB: a direct-mapped table of 256
 * entries at first, which QEMU resizes only when it is flushed
 * (tlb_mmu_resize_locked in qemu/accel/tcg/cputlb.c). At a flush it
 * doubles when more than 70% of its entries were in use since the last
 * flush (the most seen in the current window, in fact), up to 2^22; once a
 * 100 ms window has passed with less than 30% in use, it shrinks to fit
 * that window's peak. vmemu flushes rarely, so without help a process
 * would keep 256 entries and a working set of a few MiB would miss on
 * most accesses.
 *
 * This file keeps a mirror of that table (which slot holds which page,
 * how many entries QEMU counts as used, its size and window) from the
 * fills Unicorn asks for and the flushes anyone makes, and says when a
 * flush of our own is worth it: when QEMU would grow the table at a flush
 * (rate over 70%), at least TLB_GROWTH_FILLS_PER_ENTRY fills per entry
 * have come since the last flush, and the table is still smaller than
 * TLB_GROWTH_MAX_BITS. No Unicorn here: core/cpu.c feeds it. */
#ifndef VMEMU_TLB_GROWTH_H
#define VMEMU_TLB_GROWTH_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU's constants (cputlb.c and exec/cpu-defs.h, x86-64 target). */
#define TLB_GROWTH_QEMU_MIN_BITS 6
#define TLB_GROWTH_QEMU_DEFAULT_BITS 8
#define TLB_GROWTH_QEMU_MAX_BITS 22
#define TLB_GROWTH_WINDOW_NS 100000000ULL /* 100 ms */
#define TLB_GROWTH_UP_PERCENT 70
#define TLB_GROWTH_DOWN_PERCENT 30

/* Ours. A flush throws away every cached entry, and refilling them costs
 * up to one fill per entry: asking only after 8 fills per entry keeps that
 * cost under an eighth of the fills the small table already paid. 2^17
 * entries map 512 MiB; past that, each later flush (memset of Unicorn's
 * 32-byte entries, 4 MiB at 2^17) would cost more than the fills saved. */
#define TLB_GROWTH_FILLS_PER_ENTRY 8
#define TLB_GROWTH_MAX_BITS 17

struct tlb_growth {
	uint64_t *slot;	       /* page number + 1 in each slot; 0: empty */
	unsigned bits;	       /* the table has 1 << bits entries */
	unsigned peak_bits;
	uint64_t used;	       /* QEMU's n_used_entries */
	uint64_t window_max;   /* QEMU's window_max_entries */
	uint64_t window_begin; /* ns, QEMU's window_begin_ns */
	uint64_t fills;	       /* since the last flush */
	uint64_t flushes;      /* every flush of the table */
	uint64_t grows;	       /* flushes that doubled it */
	bool broken;	       /* out of host memory: asks for nothing more */
};

/* A mirror of a fresh table at time now (ns, the clock QEMU uses:
 * CLOCK_REALTIME). False when out of host memory. */
bool tlb_growth_init(struct tlb_growth *g, uint64_t now);
void tlb_growth_destroy(struct tlb_growth *g);

/* Unicorn filled its TLB with the page of va. */
void tlb_growth_fill(struct tlb_growth *g, uint64_t va);

/* Whether a flush now would make the table grow and is worth its cost. */
bool tlb_growth_due(const struct tlb_growth *g);

/* The table was flushed at time now (by anyone): QEMU's resize rule. */
void tlb_growth_flushed(struct tlb_growth *g, uint64_t now);

/* The size QEMU gives a table of 1 << bits entries at a flush, after
 * window_max entries were in use (at most) in a window that has (or has
 * not) expired. */
unsigned tlb_growth_resize(unsigned bits, uint64_t window_max, bool window_expired);

#endif
