/* hugetlb_file.c - the files of hugetlbfs, as Linux makes them for a
 * MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB map and for memfd_create with
 * MFD_HUGETLB: shared memory whose pages are huge pages of one pool, one
 * per index (offset / page size), zeroed at first use and shared by every
 * map of the file.
 *
 * A file keeps, by index, what Linux's page cache and resv_map of a
 * hugetlbfs inode keep: a page (the file holds one reference on its first
 * frame, each leaf mapping it one more), or a reservation made by a shared
 * map and not yet used (it counts in HugePages_Rsvd). A shared map
 * reserves the indices it covers that have neither, once per index,
 * whoever maps them; a page allocated where the file held no reservation
 * is recorded as reserved too (vma_commit_reservation), so no later map
 * reserves it again. Reservations outlive the maps that made them, as
 * Linux's do: they go with the pages when the file shrinks or a hole is
 * punched, or when its last reference goes (every map and every open
 * memfd), and the pool then has its pages back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mm/internal.h"

static struct hugetlb_file *hf_of(const struct mapping *m)
{
	return m->hugetlb;
}

struct mapping *hugetlb_file_create(struct kernel *k, enum hstate_id id, uint64_t size)
{
	struct mapping *m = shmem_create(k, size);
	struct hugetlb_file *hf = m ? calloc(1, sizeof(*hf)) : NULL;
	if (!hf) {
		if (m)
			mapping_put(m);
		return NULL;
	}
	hf->id = id;
	m->hugetlb = hf;
	m->next = k->hstate[id].files;
	k->hstate[id].files = m;
	return m;
}

uint64_t hugetlb_file_page_size(const struct mapping *m)
{
	return m->hugetlb ? huge_page_size(hf_of(m)->id) : 0;
}

/* The first slot at or after index. */
static size_t slot_find(const struct hugetlb_file *hf, uint64_t index)
{
	size_t lo = 0, hi = hf->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (hf->slots[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct huge_slot *slot_at(const struct hugetlb_file *hf, uint64_t index)
{
	size_t i = slot_find(hf, index);
	return i < hf->n && hf->slots[i].index == index ? &hf->slots[i] : NULL;
}

/* A new slot for index (none there yet); NULL out of host memory. */
static struct huge_slot *slot_insert(struct hugetlb_file *hf, uint64_t index)
{
	if (hf->n == hf->cap) {
		size_t cap = hf->cap ? 2 * hf->cap : 8;
		struct huge_slot *n = realloc(hf->slots, cap * sizeof(*n));
		if (!n)
			return NULL;
		hf->slots = n;
		hf->cap = cap;
	}
	size_t i = slot_find(hf, index);
	memmove(&hf->slots[i + 1], &hf->slots[i], (hf->n - i) * sizeof(*hf->slots));
	hf->n++;
	hf->slots[i] = (struct huge_slot){.index = index};
	return &hf->slots[i];
}

uint64_t hugetlb_file_lookup(const struct mapping *m, uint64_t index)
{
	const struct huge_slot *s = slot_at(hf_of(m), index);
	return s ? s->pa : 0;
}

void hugetlb_file_for_each_page(const struct mapping *m, void (*fn)(uint64_t pa, uint64_t size, void *arg),
				void *arg)
{
	const struct hugetlb_file *hf = hf_of(m);
	for (size_t i = 0; i < hf->n; i++)
		if (hf->slots[i].pa)
			fn(hf->slots[i].pa, huge_page_size(hf->id), arg);
}

int hugetlb_file_page(struct kernel *k, struct mapping *m, uint64_t index, uint64_t *pa)
{
	struct hugetlb_file *hf = hf_of(m);
	struct huge_slot *s = slot_at(hf, index);
	if (!s || !s->pa) {
		bool reserved = s != NULL;
		if (!reserved && !hugetlb_unreserved(k, hf->id))
			return -ENOSPC;
		if (!s && !(s = slot_insert(hf, index)))
			return -ENOMEM;
		s->pa = hugetlb_dequeue(k, hf->id, reserved, true);
		m->npages++;
	}
	*pa = s->pa;
	return 0;
}

uint64_t hugetlb_file_needs(const struct mapping *m, uint64_t first, uint64_t end)
{
	const struct hugetlb_file *hf = hf_of(m);
	uint64_t have = 0;
	for (size_t i = slot_find(hf, first); i < hf->n && hf->slots[i].index < end; i++)
		have++;
	return end - first - have;
}

int hugetlb_file_reserve(struct kernel *k, struct mapping *m, uint64_t first, uint64_t end)
{
	struct hugetlb_file *hf = hf_of(m);
	if (hugetlb_unreserved(k, hf->id) < hugetlb_file_needs(m, first, end))
		return -ENOMEM;
	for (uint64_t index = first; index < end; index++) {
		if (slot_at(hf, index))
			continue;
		if (!slot_insert(hf, index))
			return -ENOMEM; /* those made stay the file's, as Linux's would */
		k->hstate[hf->id].resv++;
	}
	return 0;
}

/* The pages and reservations of indices [first, end) go: each page loses
 * the file's reference (back to the pool unless still mapped), each
 * reservation is given back (Linux's remove_inode_hugepages with
 * hugetlb_unreserve_pages). */
static void drop_range(struct kernel *k, struct mapping *m, uint64_t first, uint64_t end)
{
	struct hugetlb_file *hf = hf_of(m);
	size_t i = slot_find(hf, first), j = i;
	for (; j < hf->n && hf->slots[j].index < end; j++) {
		if (hf->slots[j].pa) {
			hugetlb_put_page(k, hf->id, hf->slots[j].pa);
			m->npages--;
		} else {
			k->hstate[hf->id].resv--;
		}
	}
	if (j == i)
		return; /* nothing there (and maybe no slots at all) */
	memmove(&hf->slots[i], &hf->slots[j], (hf->n - j) * sizeof(*hf->slots));
	hf->n -= j - i;
}

/* The same, once every map of m (private copies too, as Linux's
 * hugetlb_vmdelete_list) no longer maps them. */
static void remove_range(struct kernel *k, struct mapping *m, uint64_t first, uint64_t end)
{
	uint64_t per = huge_page_size(hf_of(m)->id) >> PAGE_SHIFT;
	uint64_t last = end > (UINT64_MAX >> PAGE_SHIFT) / per ? UINT64_MAX >> PAGE_SHIFT : end * per - 1;
	unmap_mapping_pages(k, m, first * per, last);
	drop_range(k, m, first, end);
}

void hugetlb_file_release(struct kernel *k, struct mapping *m)
{
	struct hugetlb_file *hf = hf_of(m);
	drop_range(k, m, 0, UINT64_MAX); /* nothing maps it any more */
	struct mapping **pp = &k->hstate[hf->id].files;
	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	free(hf->slots);
	free(hf);
	m->hugetlb = NULL;
}

void hugetlb_file_resize(struct kernel *k, struct mapping *m, uint64_t size)
{
	uint64_t psize = huge_page_size(hf_of(m)->id);
	m->size = size;
	/* Even when it grows: pages fallocate put past the old size go too
	 * (hugetlb_vmtruncate). */
	remove_range(k, m, (size + psize - 1) / psize, UINT64_MAX);
}

/* Zeroes [start, end), inside one page, if the page is there
 * (hugetlbfs_zero_partial_page). */
static void zero_partial(struct kernel *k, struct mapping *m, uint64_t start, uint64_t end)
{
	uint64_t psize = huge_page_size(hf_of(m)->id);
	uint64_t pa = hugetlb_file_lookup(m, start / psize);
	if (!pa)
		return;
	uint64_t from = pa + start % psize, to = from + (end - start);
	memset(phys_ptr(k, from), 0, to - from);
	for (uint64_t f = from & ~(PAGE_SIZE - 1); f < to; f += PAGE_SIZE)
		frame_written(k, f);
}

void hugetlb_file_punch(struct kernel *k, struct mapping *m, uint64_t start, uint64_t end)
{
	uint64_t psize = huge_page_size(hf_of(m)->id);
	uint64_t hole_start = (start + psize - 1) / psize * psize, hole_end = end / psize * psize;
	if (start < hole_start)
		zero_partial(k, m, start, end < hole_start ? end : hole_start);
	if (hole_end > hole_start)
		remove_range(k, m, hole_start / psize, hole_end / psize);
	if (end > hole_end && end > hole_start)
		zero_partial(k, m, hole_end, end);
}

int hugetlb_file_fallocate(struct kernel *k, struct mapping *m, uint64_t off, uint64_t len)
{
	uint64_t psize = huge_page_size(hf_of(m)->id);
	for (uint64_t index = off / psize; index < (off + len + psize - 1) / psize; index++) {
		uint64_t pa;
		int err = hugetlb_file_page(k, m, index, &pa);
		if (err)
			return err;
	}
	return 0;
}

/* As Linux's hugetlbfs_read_iter: a hole reads as zeroes. */
int64_t hugetlb_file_read(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos)
{
	static const uint8_t zeroes[PAGE_SIZE];
	enum hstate_id id = hf_of(m)->id;
	uint64_t psize = huge_page_size(id);
	int64_t done = 0;
	while (u->left > 0 && pos < m->size) {
		uint64_t n = PAGE_SIZE - (pos & (PAGE_SIZE - 1));
		if (n > m->size - pos)
			n = m->size - pos;
		uint64_t pa = hugetlb_file_lookup(m, pos / psize);
		size_t c;
		if (pa) {
			frame_get(k, pa); /* pinned while a fault may run */
			c = uio_copy(k, u, phys_ptr(k, pa + pos % psize), n, true);
			hugetlb_put_page(k, id, pa);
		} else {
			c = uio_copy(k, u, (void *)zeroes, n, true);
		}
		done += (int64_t)c;
		pos += c;
		if (c < n)
			break;
	}
	return done > 0 ? done : u->fault ? -EFAULT : 0;
}
