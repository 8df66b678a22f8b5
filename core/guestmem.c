/* guestmem.c - reads of guest memory for debuggers and tracers. */
#include <string.h>

#include "guestmem.h"

size_t guestmem_read(struct kernel *k, const struct mmu_regs *regs, uint64_t va, void *buf,
		     size_t n)
{
	const struct mmu *mmu = kernel_mmu(k);
	size_t done = 0;
	while (done < n) {
		uint64_t at = va + done;
		size_t piece = PAGE_SIZE - (at & (PAGE_SIZE - 1));
		if (piece > n - done)
			piece = n - done;
		/* A supervisor read with SMAP lifted: any present page. */
		struct mmu_req req = {.va = at, .access = MMU_READ, .rflags_ac = true};
		struct mmu_translation t;
		struct mmu_fault f;
		if (!mmu_probe(&mmu->phys, regs, &req, &t, &f, NULL) ||
		    t.pa > kernel_phys_size(k) - piece)
			break;
		memcpy((char *)buf + done, kernel_phys_base(k) + t.pa, piece);
		done += piece;
	}
	return done;
}

size_t guestmem_read_current(struct kernel *k, uint64_t va, void *buf, size_t n)
{
	return guestmem_read(k, &kernel_mmu(k)->regs, va, buf, n);
}

size_t guestmem_read_phys(struct kernel *k, uint64_t pa, void *buf, size_t n)
{
	uint64_t size = kernel_phys_size(k);
	if (pa >= size)
		return 0;
	if (n > size - pa)
		n = (size_t)(size - pa);
	memcpy(buf, kernel_phys_base(k) + pa, n);
	return n;
}
