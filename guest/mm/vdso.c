/* vdso.c - the vDSO and its data pages, mapped into every new program as
 * Linux's map_vdso (arch/x86/entry/vdso/vma.c) maps them: one block found
 * top down below mmap_base (so after the interpreter), [vvar] and
 * [vvar_vclock] first, the text ([vdso], r-x) after them, its address
 * AT_SYSINFO_EHDR. The pages are the kernel's, made once: the text from
 * the image built in guest/vdso/ (vdso_image.S), the data page written
 * by the kernel (vvar.h), at the first exec. A process shares them all; a write to the text
 * (after mprotect, a debugger's breakpoint) copies the page, as in any
 * private map. fork keeps the maps, exec makes new ones. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "kern.h"
#include "mm/internal.h"
#include "vdso/vvar.h"

extern const uint8_t vdso_image_start[], vdso_image_end[];

/* Copies len bytes into page index of shared memory m (a new page). */
static int fill_page(struct kernel *k, struct mapping *m, uint64_t index, const void *src,
		     size_t len)
{
	struct cache_page *cp;
	int err = mapping_page(k, m, index, &cp);
	if (!err)
		memcpy(phys_ptr(k, cp->pa), src, len);
	return err;
}

static uint32_t res_ns(clockid_t clock)
{
	struct timespec ts = {0, 1};
	clock_getres(clock, &ts);
	return (uint32_t)ts.tv_nsec;
}

void vdso_exit(struct kernel *k)
{
	struct mapping **maps[] = {&k->vdso.vvar, &k->vdso.vclock, &k->vdso.text};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (*maps[i])
			mapping_put(*maps[i]);
		*maps[i] = NULL;
	}
}

/* The kernel's pages, made at the first exec. */
static int vdso_init(struct kernel *k)
{
	struct vdso_maps *vd = &k->vdso;
	uint64_t size = (uint64_t)(vdso_image_end - vdso_image_start);
	if (size > VDSO_TEXT_PAGES * PAGE_SIZE)
		return -EFBIG; /* a build that outgrew its map */
	/* [vvar] has its first page; the rest of it and [vvar_vclock] (no
	 * paravirtual clock here) are SIGBUS past the end, as on Linux. */
	vd->vvar = shmem_create(k, PAGE_SIZE);
	vd->vclock = shmem_create(k, 0);
	vd->text = shmem_create(k, VDSO_TEXT_PAGES * PAGE_SIZE);
	int err = vd->vvar && vd->vclock && vd->text ? 0 : -ENOMEM;
	/* The guest's clocks are the host's: so are their resolutions. */
	struct vdso_data data = {
		.clock_mode = VDSO_CLOCKMODE_NONE,
		.hrtimer_res = res_ns(CLOCK_MONOTONIC),
		.coarse_res = res_ns(CLOCK_MONOTONIC_COARSE),
	};
	if (!err)
		err = fill_page(k, vd->vvar, 0, &data, sizeof(data));
	for (uint64_t i = 0; i < (size + PAGE_SIZE - 1) >> PAGE_SHIFT && !err; i++) {
		uint64_t off = i << PAGE_SHIFT;
		err = fill_page(k, vd->text, i, vdso_image_start + off,
				size - off < PAGE_SIZE ? size - off : PAGE_SIZE);
	}
	if (err)
		vdso_exit(k); /* made again, whole, at the next exec */
	return err;
}

bool vdso_mapping(const struct kernel *k, const struct mapping *m)
{
	return m && (m == k->vdso.vvar || m == k->vdso.vclock || m == k->vdso.text);
}

/* Linux's VM flags of each map: the data read-only for good, the text
 * private and free to be made writable. */
#define VVAR_FLAGS (VM_READ | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP)
#define TEXT_FLAGS (VM_READ | VM_EXEC | VM_DONTEXPAND)

int64_t map_vdso(struct kernel *k, struct mm *mm)
{
	struct vdso_maps *vd = &k->vdso;
	int err = vd->text ? 0 : vdso_init(k);
	if (err)
		return err;
	const struct {
		uint64_t pages;
		struct mapping *m;
		unsigned flags;
		const char *name;
	} maps[] = {
		{VVAR_PAGES, vd->vvar, VVAR_FLAGS, "[vvar]"},
		{VVAR_VCLOCK_PAGES, vd->vclock, VVAR_FLAGS, "[vvar_vclock]"},
		{VDSO_TEXT_PAGES, vd->text, TEXT_FLAGS, "[vdso]"},
	};
	uint64_t len = 0;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		len += maps[i].pages << PAGE_SHIFT;
	uint64_t addr = mm_get_unmapped_area(k, mm, 0, len);
	if (!addr)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		uint64_t size = maps[i].pages << PAGE_SHIFT;
		int64_t r = mm_map_pages(k, mm, addr, size, maps[i].flags, false, maps[i].m, 0, NULL);
		if (r < 0)
			return r;
		strcpy(vma_find(mm, addr)->name, maps[i].name);
		addr += size;
	}
	return (int64_t)(addr - VDSO_TEXT_PAGES * PAGE_SIZE);
}
