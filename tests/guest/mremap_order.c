/* mremap_order: which error mremap(2) reports when several apply, and
 * what it has done by then, as Linux's do_mremap decides (the results,
 * and the maps a region shows afterwards, are printed and compared with
 * the native run):
 *   a shrink needs only its start mapped: the tail is unmapped, even
 *     across VMAs and holes; an equal size without a move is a no-op;
 *   with MREMAP_FIXED an overlap of old and new is EINVAL before the old
 *     address is looked at; what the call keeps of the old range must lie
 *     in one VMA (EFAULT) before the destination is unmapped; a fixed move
 *     without a change of size takes several VMAs along, gaps kept;
 *   a growth needs the whole old range in one VMA (EFAULT);
 *   an old address without a VMA is EFAULT, also above the user space;
 *   argument errors (EINVAL) and lengths no space can hold (ENOMEM);
 *   old_len 0 duplicates a shared map (EINVAL for a private one). */
#include "maps_summary.h"

#include <stdint.h>

#define HOLE 64
#define RW (PROT_READ | PROT_WRITE)

static const char *result(void *r)
{
	static char buf[32];
	if (r != MAP_FAILED)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", errno == EFAULT   ? "EFAULT"
					 : errno == EINVAL ? "EINVAL"
					 : errno == ENOMEM ? "ENOMEM"
							   : strerror(errno));
	return buf;
}

static void map_at(unsigned char *at, size_t pages, int prot)
{
	void *p = mmap(at, pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(p == at, "mmap: %s", strerror(errno));
}

/* h: [1,3) rw, [3,5) r, hole [5,7), [7,9) rw. */
static unsigned char *layout(void)
{
	unsigned char *h = maps_hole(HOLE);
	map_at(h + 1 * PAGE, 2, RW);
	map_at(h + 3 * PAGE, 2, PROT_READ);
	map_at(h + 7 * PAGE, 2, RW);
	return h;
}

#define TRY(what, call)                                                          \
	do {                                                                     \
		void *r_ = (call);                                               \
		printf("%s: %s\n", (what), result(r_));                          \
	} while (0)

int main(void)
{
	unsigned char *h = layout();
	TRY("shrink across two VMAs and a hole", mremap(h + PAGE, 8 * PAGE, PAGE, 0));
	maps_summary("after", h, HOLE);
	munmap(h, HOLE * PAGE);

	h = layout();
	TRY("same size across two VMAs", mremap(h + PAGE, 4 * PAGE, 4 * PAGE, 0));
	TRY("grow across two VMAs", mremap(h + PAGE, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE));
	TRY("shrink at an unmapped address", mremap(h + 5 * PAGE, 2 * PAGE, PAGE, 0));
	TRY("fixed grow, overlapping, across two VMAs",
	    mremap(h + PAGE, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 2 * PAGE));
	TRY("fixed, overlapping, unmapped old address",
	    mremap(h + 5 * PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 6 * PAGE));
	/* The old range is found wanting before the destination is unmapped. */
	TRY("fixed grow across two VMAs",
	    mremap(h + PAGE, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 20 * PAGE));
	TRY("fixed grow, unmapped old address, mapped destination",
	    mremap(h + 5 * PAGE, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 7 * PAGE));
	maps_summary("after", h, HOLE);
	TRY("fixed shrink across two VMAs",
	    mremap(h + PAGE, 4 * PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 30 * PAGE));
	maps_summary("after", h, HOLE);
	munmap(h, HOLE * PAGE);

	/* A move without a change of size takes every VMA of the range,
	 * gaps kept (Linux 6.17), and parts of the VMAs at its ends. */
	h = layout();
	TRY("fixed move of two VMAs and a gap",
	    mremap(h + PAGE, 8 * PAGE, 8 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 30 * PAGE));
	maps_summary("after", h, HOLE);
	munmap(h, HOLE * PAGE);
	h = layout();
	TRY("fixed move of parts of three VMAs",
	    mremap(h + 2 * PAGE, 6 * PAGE, 6 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 30 * PAGE));
	maps_summary("after", h, HOLE);
	TRY("fixed move starting in a gap",
	    mremap(h + 3 * PAGE, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 50 * PAGE));
	TRY("fixed move, overlapping",
	    mremap(h + 30 * PAGE, 6 * PAGE, 6 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 33 * PAGE));
	maps_summary("after", h, HOLE);
	munmap(h, HOLE * PAGE);

	h = layout();
	unsigned char *top = (unsigned char *)0x800000000000ULL;
	TRY("old address above user space", mremap(top, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	TRY("shrink past the top of user space", mremap(h + PAGE, 1ULL << 47, PAGE, 0));
	TRY("grow to more than user space", mremap(h + PAGE, PAGE, 1ULL << 47, MREMAP_MAYMOVE));
	TRY("grow in place, no room", mremap(h + PAGE, 2 * PAGE, 3 * PAGE, 0));
	TRY("fixed past the top", mremap(h + PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
					 (unsigned char *)0x7ffffffff000ULL));
	TRY("unaligned address", mremap(h + PAGE + 1, PAGE, PAGE, 0));
	TRY("unknown flag", mremap(h + PAGE, PAGE, PAGE, 0x80));
	TRY("fixed without maymove", mremap(h + PAGE, PAGE, PAGE, MREMAP_FIXED, h + 40 * PAGE));
	TRY("new length 0", mremap(h + PAGE, PAGE, 0, MREMAP_MAYMOVE));
	TRY("old length 0 of a private map", mremap(h + PAGE, 0, PAGE, MREMAP_MAYMOVE));
	TRY("fixed, unaligned new address",
	    mremap(h + PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 40 * PAGE + 8));
	maps_summary("at the end", h, HOLE);
	munmap(h, HOLE * PAGE);

	/* old_len 0 of a shared map: a second map of the same pages. */
	h = maps_hole(HOLE);
	unsigned char *s = mmap(h + PAGE, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(s == h + PAGE, "mmap: %s", strerror(errno));
	s[PAGE] = 's';
	unsigned char *d = mremap(s, 0, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h + 10 * PAGE);
	TRY("old length 0 of a shared map", d);
	CHECK(d != MAP_FAILED && d[PAGE] == 's', "the duplicate does not show the page");
	d[0] = 'd';
	CHECK(s[0] == 'd', "a store to the duplicate is not seen in the original");
	maps_summary("after", h, HOLE);
	return 0;
}
