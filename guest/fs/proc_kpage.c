/* proc_kpage.c - /proc/kpageflags and /proc/kpagecount: a 64-bit entry
 * per physical frame, at offset pfn * 8 (the frames' KPF_* flags and
 * mapcounts, mm/kpageflags.c), read by root only (mode 0400), as Linux's
 * fs/proc/page.c serves them: whole entries only (EINVAL), nothing past
 * the last frame. */
#include <errno.h>
#include <stdlib.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"

#define KPMSIZE 8

static int64_t kpage_file_read(struct kernel *k, struct uio *u, uint64_t pos, bool flags)
{
	if (pos % KPMSIZE || u->left % KPMSIZE)
		return -EINVAL;
	uint64_t first = pos / KPMSIZE, max = kpage_max_pfn(k);
	if (first >= max)
		return 0;
	uint64_t n = u->left / KPMSIZE < max - first ? u->left / KPMSIZE : max - first;
	uint64_t *buf = malloc(n * KPMSIZE);
	if (!buf)
		return -ENOMEM;
	int err = kpage_read(k, first, n, flags ? buf : NULL, flags ? NULL : buf);
	int64_t done = err;
	if (!err) {
		size_t copied = uio_copy(k, u, buf, n * KPMSIZE, true);
		done = copied || !n ? (int64_t)copied : -EFAULT;
	}
	free(buf);
	return done;
}

int64_t proc_kpageflags_read(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)p;
	return kpage_file_read(k, u, pos, true);
}

int64_t proc_kpagecount_read(struct kernel *k, struct process *p, struct uio *u, uint64_t pos)
{
	(void)p;
	return kpage_file_read(k, u, pos, false);
}
