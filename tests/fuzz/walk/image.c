/* image.c - the guest-physical images and the infrastructure in them. */
#include <string.h>
#include <sys/mman.h>

#include "image.h"
#include "mmu.h"
#include "stubs.h"

#define INFRA_TABLE (PTE_P | PTE_W | PTE_U | PTE_A | PTE_D)

static uint8_t infra[WD_INFRA_FRAMES][PAGE_SIZE];

static void put(uint8_t *frame, unsigned index, uint64_t entry)
{
	memcpy(frame + index * 8, &entry, 8);
}

static void build_infra(void)
{
	static bool built;

	if (built)
		return;
	put(infra[0], 511, WD_INFRA_PDPT_PA | INFRA_TABLE);
	put(infra[1], 511, WD_INFRA_PD_PA | INFRA_TABLE);
	put(infra[2], 511, WD_INFRA_PT_PA | INFRA_TABLE);
	put(infra[3], 0, WD_KCODE_PA | PTE_P | PTE_A | PTE_D);
	put(infra[3], 1, WD_UCODE_PA | PTE_P | PTE_U | PTE_A | PTE_D);
	memcpy(infra[4], wd_kstub, (size_t)(wd_kstub_end - wd_kstub));
	memcpy(infra[5], wd_ustub, (size_t)(wd_ustub_end - wd_ustub));
	built = true;
}

static void *map_at(void *where, uint64_t size)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (where ? MAP_FIXED : 0);
	void *p = mmap(where, size, PROT_READ | PROT_WRITE, flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

bool image_map(struct wd_image *img)
{
	img->size = WD_PHYS_SIZE;
	img->base = map_at(NULL, img->size);
	if (!img->base)
		return false;
	image_write_infra(img);
	return true;
}

void image_unmap(struct wd_image *img)
{
	if (img->base)
		munmap(img->base, img->size);
	img->base = NULL;
}

bool image_drop(struct wd_image *img)
{
	if (map_at(img->base, img->size) != img->base)
		return false;
	image_write_infra(img);
	return true;
}

void image_write_infra(struct wd_image *img)
{
	build_infra();
	memcpy(img->base + WD_INFRA_PA, infra, sizeof(infra));
}

static bool excluded(uint64_t pa, const uint64_t *pas, int n)
{
	for (int i = 0; i < n; i++)
		if (pas[i] == pa)
			return true;
	return false;
}

bool image_infra_intact_except(const struct wd_image *img, const uint64_t *pa, int n)
{
	const uint8_t *now = img->base + WD_INFRA_PA;
	const uint8_t *want = &infra[0][0];

	if (memcmp(now, want, sizeof(infra)) == 0)
		return true;
	for (size_t off = 0; off < sizeof(infra); off += 8)
		if (memcmp(now + off, want + off, 8) && !excluded(WD_INFRA_PA + off, pa, n))
			return false;
	return true;
}

void image_restore_infra(struct wd_image *img)
{
	if (memcmp(img->base + WD_INFRA_PA, infra, sizeof(infra)) != 0)
		image_write_infra(img);
}

uint64_t image_infra_top_entry(int levels)
{
	return (levels == 5 ? WD_INFRA_PML4_PA : WD_INFRA_PDPT_PA) | INFRA_TABLE;
}

uint64_t image_load(const struct wd_image *img, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, img->base + pa, 8);
	return v;
}

void image_store(struct wd_image *img, uint64_t pa, uint64_t value)
{
	memcpy(img->base + pa, &value, 8);
}
