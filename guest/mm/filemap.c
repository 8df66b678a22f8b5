/* filemap.c - host regular files through the page cache: a file's mapping
 * (found by st_dev/st_ino, shared by every open and every map of it), pages
 * filled with pread, read(2) from the cache, write-through writes, size
 * changes, and writeback of pages dirtied through shared maps.
 *
 * write(2) is write-through: the bytes go to the host file at once and
 * into the pages already cached, so only stores through MAP_SHARED maps
 * make pages dirty. A shared file page is mapped read-only until the first
 * store faults and marks it dirty (Linux's write-notify), so Dirty is
 * exact. Writeback (msync, fsync, munmap, exit, reclaim) takes the D bits
 * of the PTEs, write-protects them again and writes the bytes below EOF.
 *
 * The cache trusts that only the guest changes its files while they are
 * open. A file whose cache outlived its last open is checked when it is
 * opened again (size, mtime, ctime): any change drops the cached pages. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kern.h"
#include "mm/internal.h"

/* Pseudo filesystems make up their files' contents at each read (and
 * report sizes such as 0 or 4096): never cached. */
static bool cacheable_fs(int fd)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return false;
	switch (sfs.f_type) {
	case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEBUGFS_MAGIC: case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC: case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC:
	case BPF_FS_MAGIC:
		return false;
	default:
		return true;
	}
}

/* An unsigned number from a host sysfs file; false if there is none. */
static bool read_sysfs_uint(const char *path, unsigned *value)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fscanf(f, "%u", value) == 1;
	fclose(f);
	return ok;
}

/* The read-around window of a file, in pages. Linux takes it from the
 * backing device (file_ra_state_init: the bdi's read_ahead_kb, the disk's
 * for a partition), so it is read from the host's sysfs for the host
 * file's device; Linux's default of 128 KiB (VM_READAHEAD_PAGES) where
 * sysfs says nothing. Memory file systems (tmpfs, ramfs) have no backing
 * device and read no page ahead. */
#define RA_DEFAULT_PAGES 32

static uint32_t ra_pages_of(int fd, const struct stat *st)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) != 0 || sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)
		return 0;
	char path[80];
	unsigned kb;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", major(st->st_dev),
		 minor(st->st_dev));
	if (read_sysfs_uint(path, &kb))
		return kb / (PAGE_SIZE / 1024);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/read_ahead_kb",
		 major(st->st_dev), minor(st->st_dev));
	if (read_sysfs_uint(path, &kb))
		return kb / (PAGE_SIZE / 1024);
	return RA_DEFAULT_PAGES;
}

/* Only compared: it wraps rather than overflow for a time set far out
 * (utime(2) takes any seconds). */
static int64_t ns_of(struct timespec t)
{
	return (int64_t)((uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec);
}

static struct mapping *find_file(struct kernel *k, const struct stat *st)
{
	for (struct mapping *m = k->pagecache.files; m; m = m->next)
		if (m->dev == st->st_dev && m->ino == st->st_ino)
			return m;
	return NULL;
}

/* Readable beats write-only (fills need it), read-write beats both. */
static int fd_rank(int mode)
{
	return mode == O_RDWR ? 2 : mode == O_RDONLY;
}

/* Gives m a host fd (its own duplicate) at least as capable as f's. */
static int take_fd(struct mapping *m, int host_fd, int mode)
{
	if (m->fd >= 0 && fd_rank(mode) <= fd_rank(m->fd_mode))
		return 0;
	int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = fd;
	m->fd_mode = mode;
	return 0;
}

struct mapping *filemap_get(struct kernel *k, int host_fd, int *acc_mode)
{
	struct stat st;
	int fl = fcntl(host_fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || fstat(host_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !cacheable_fs(host_fd))
		return NULL;
	struct mapping *m = find_file(k, &st);
	if (m) {
		bool changed = m->mtime_ns != ns_of(st.st_mtim) || m->ctime_ns != ns_of(st.st_ctim) ||
			       m->size != (uint64_t)st.st_size;
		if (m->refs == 0 && changed) /* idle: nothing maps it, nothing is dirty */
			while (m->pages)
				pagecache_delete(k, m->pages);
		mapping_get(m);
	} else {
		m = mapping_alloc(k, false);
		if (!m)
			return NULL;
		m->dev = st.st_dev;
		m->ino = st.st_ino;
		m->size = (uint64_t)st.st_size;
		m->ra_pages = ra_pages_of(host_fd, &st);
	}
	if (take_fd(m, host_fd, fl & O_ACCMODE)) {
		mapping_put(m);
		return NULL;
	}
	/* Opened with O_TRUNC, or changed behind our back. */
	if (m->size != (uint64_t)st.st_size)
		filemap_resize(k, m, (uint64_t)st.st_size);
	if (acc_mode)
		*acc_mode = fl & O_ACCMODE;
	return m;
}

void filemap_idle(struct mapping *m)
{
	struct kernel *k = m->kernel;
	for (struct cache_page *cp = m->pages; cp; cp = cp->mnext)
		if (cp->dirty)
			filemap_write_page(k, cp);
	struct stat st;
	if (m->fd >= 0 && fstat(m->fd, &st) == 0) {
		m->mtime_ns = ns_of(st.st_mtim);
		m->ctime_ns = ns_of(st.st_ctim);
	}
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* ---- pages ---- */

/* Fills frame pa with page pgoff of the file. A short read leaves zeroes
 * (frames come zeroed): the file shrank behind our back. */
static int host_read_page(struct kernel *k, struct mapping *m, uint64_t pgoff, uint64_t pa)
{
	uint64_t off = pgoff << PAGE_SHIFT;
	if (off >= m->size)
		return 0;
	uint64_t n = m->size - off < PAGE_SIZE ? m->size - off : PAGE_SIZE;
	ssize_t r;
	do
		r = pread(m->fd, phys_ptr(k, pa), n, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -EIO : 0;
}

/* A read the guest asked for, so a chance for --inject file-read. Pages
 * read ahead are not (README, "Fault injection"): the count stays that of
 * the guest's own reads. */
static int read_page(struct kernel *k, struct mapping *m, uint64_t pgoff, uint64_t pa)
{
	if (fail_now(k, FAIL_FILE_READ))
		return -EIO;
	return host_read_page(k, m, pgoff, pa);
}

int mapping_page(struct kernel *k, struct mapping *m, uint64_t pgoff, struct cache_page **cpp)
{
	struct cache_page *cp = pagecache_lookup(k, m, pgoff);
	if (cp) {
		*cpp = cp;
		return 0;
	}
	uint64_t pa = frame_alloc(k, 0);
	if (pa == FRAME_NONE)
		return -ENOMEM;
	if (!m->anon) {
		if (read_page(k, m, pgoff, pa)) {
			frame_put(k, pa, 0);
			return -EIO;
		}
		k->stats.cache_reads++;
	}
	cp = pagecache_add(k, m, pgoff, pa);
	if (!cp)
		return -ENOMEM;
	*cpp = cp;
	return 0;
}

/* A store by the kernel into a cached page. */
static void write_into_page(struct kernel *k, struct cache_page *cp, uint64_t off, const void *src,
			    uint64_t n)
{
	memcpy(phys_ptr(k, cp->pa + off), src, n);
	frame_written(k, cp->pa);
}

static void zero_tail(struct kernel *k, struct mapping *m, uint64_t from)
{
	uint64_t off = from & (PAGE_SIZE - 1);
	struct cache_page *cp = off ? pagecache_lookup(k, m, from >> PAGE_SHIFT) : NULL;
	if (cp) {
		static const uint8_t zeroes[PAGE_SIZE];
		write_into_page(k, cp, off, zeroes, PAGE_SIZE - off);
	}
}

int64_t filemap_read(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos)
{
	int64_t done = 0;
	while (u->left > 0 && pos < m->size) {
		uint64_t off = pos & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - off < m->size - pos ? PAGE_SIZE - off : m->size - pos;
		if (frames_free(k) < k->wmark_min)
			reclaim(k, k->wmark_low - frames_free(k));
		struct cache_page *cp;
		size_t c;
		int err = mapping_page(k, m, pos >> PAGE_SHIFT, &cp);
		if (err == -EIO) /* as Linux's filemap_read: what was read, else the error */
			return done ? done : -EIO;
		if (err == 0) {
			/* Pinned: a fault while copying may run reclaim. */
			frame_get(k, cp->pa);
			lru_mark_accessed(k, cp->pa);
			c = uio_copy(k, u, phys_ptr(k, cp->pa + off), n, true);
			frame_put(k, cp->pa, 0);
		} else {
			/* No frame for the cache: straight from the file. */
			uint8_t buf[PAGE_SIZE];
			ssize_t r = pread(m->fd, buf, n, (off_t)pos);
			if (r <= 0)
				return done ? done : r < 0 ? -errno : 0;
			c = uio_copy(k, u, buf, (size_t)r, true);
			n = (uint64_t)r;
		}
		done += (int64_t)c;
		pos += c;
		if (c < n)
			break;
	}
	return done > 0 ? done : u->fault ? -EFAULT : 0;
}

/* As Linux's generic_perform_write: page by page, the bytes go from the
 * user's memory straight into the cached page (copy_from_user copies
 * forward), so when the buffer is a shared map of the pages being
 * written, later bytes read what earlier ones wrote, as on Linux. As
 * Linux's, written pages stay in the cache: a page not cached yet is read
 * from the file first (while memory is not short); the others are
 * copied into buf alone. */
size_t filemap_perform_write(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos,
			     uint8_t *buf, size_t n)
{
	uint64_t old_size = m->size;
	size_t done = 0;
	while (done < n && u->left > 0) {
		uint64_t at = pos + done, off = at & (PAGE_SIZE - 1);
		size_t c = PAGE_SIZE - off < n - done ? PAGE_SIZE - off : n - done;
		if (at + c > m->size)
			filemap_resize(k, m, at + c);
		struct cache_page *cp = pagecache_lookup(k, m, at >> PAGE_SHIFT);
		if (!cp && frames_free(k) > k->wmark_low && m->fd_mode != O_WRONLY &&
		    mapping_page(k, m, at >> PAGE_SHIFT, &cp))
			cp = NULL;
		size_t got;
		if (cp) {
			/* Pinned: a fault while copying may run reclaim. */
			frame_get(k, cp->pa);
			uint8_t *page = phys_ptr(k, cp->pa + off);
			got = uio_copy(k, u, page, c, false);
			frame_written(k, cp->pa);
			lru_mark_accessed(k, cp->pa);
			memcpy(buf + done, page, got);
			frame_put(k, cp->pa, 0);
		} else {
			got = uio_copy(k, u, buf + done, c, false);
		}
		done += got;
		if (got < c)
			break;
	}
	if (m->size > pos + done && m->size > old_size) /* a fault cut the write short */
		filemap_resize(k, m, pos + done > old_size ? pos + done : old_size);
	return done;
}

/* The host file did not take the bytes the cache has of [from, to): the
 * size and those pages are read from it again. */
void filemap_write_failed(struct kernel *k, struct mapping *m, uint64_t from, uint64_t to)
{
	struct stat st;
	if (m->fd >= 0 && fstat(m->fd, &st) == 0)
		filemap_resize(k, m, (uint64_t)st.st_size);
	for (uint64_t pgoff = from >> PAGE_SHIFT; pgoff << PAGE_SHIFT < to; pgoff++) {
		struct cache_page *cp = pagecache_lookup(k, m, pgoff);
		if (cp && read_page(k, m, pgoff, cp->pa) == 0)
			frame_written(k, cp->pa);
	}
}

void unmap_mapping_pages(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last)
{
	for (struct mm *mm = k->mms; mm; mm = mm->next) {
		for (struct vma *v = mm->vmas; v; v = v->next) {
			uint64_t vlast = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;
			if (v->mapping != m || vlast < first || v->pgoff > last)
				continue;
			uint64_t lo = first > v->pgoff ? first : v->pgoff;
			uint64_t hi = last < vlast ? last : vlast;
			mm_zap_range(k, mm, v->start + ((lo - v->pgoff) << PAGE_SHIFT),
				     v->start + ((hi - v->pgoff + 1) << PAGE_SHIFT));
		}
	}
	tlb_gather_finish(k);
}

void filemap_resize(struct kernel *k, struct mapping *m, uint64_t size)
{
	uint64_t old = m->size;
	m->size = size; /* first: writeback while unmapping stops at the new EOF */
	if (size > old) {
		zero_tail(k, m, old); /* stores past the old EOF never reached the file */
		return;
	}
	uint64_t first = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (size == old || first > (old - 1) >> PAGE_SHIFT) {
		zero_tail(k, m, size);
		return;
	}
	unmap_mapping_pages(k, m, first, UINT64_MAX >> PAGE_SHIFT);
	for (struct cache_page *cp = m->pages, *next; cp; cp = next) {
		next = cp->mnext;
		if (cp->index >= first)
			pagecache_delete(k, cp);
	}
	zero_tail(k, m, size);
}

/* One PTE of a page whose bytes the file no longer has goes, without its
 * D bit: the data was written back before the change. */
static bool drop_stale_pte(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct cache_page *cp = arg;
	pagecache_unmap(k, cp->pa);
	pgtable_update(k, mm, va, pte, 0);
	frame_put(k, cp->pa, 0);
	mm_rss_sub(mm, 1);
	return true;
}

void filemap_invalidate(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last)
{
	for (struct cache_page *cp = m->pages, *next; cp; cp = next) {
		next = cp->mnext;
		if (cp->index < first || cp->index > last)
			continue;
		rmap_walk(k, cp->pa, drop_stale_pte, cp);
		pagecache_delete(k, cp);
	}
	tlb_gather_finish(k);
}

/* Read-around (Linux's do_sync_mmap_readahead): a fault on an uncached
 * page of a file reads the pages around it into the cache too, ra_pages
 * of them, half before and half after (from the page on under
 * MADV_SEQUENTIAL, none under MADV_RANDOM), within the file, so the faults
 * that follow find them. They are clean cache pages on the file LRU,
 * mapped by nothing yet. Read-ahead is best effort: it stops where no
 * frame is free above the low watermark (it neither reclaims nor calls
 * the OOM killer), and a page whose read fails is left out, as Linux
 * ignores read-ahead errors. The faulting page is read after them, on its
 * own, and that read alone decides the fault (filemap_fault reads a page
 * whose read-ahead failed again, and only that read's error is SIGBUS). */
#define RA_BATCH 64 /* pages read by one preadv */

/* Reads pages [first, first + n) of the file into the frames pa[] with one
 * preadv, and adds them to the cache. When that fails, each page is read
 * alone, so that only a page whose own read fails is left out. */
static void read_ahead_run(struct kernel *k, struct mapping *m, uint64_t first,
			   const uint64_t *pa, unsigned n)
{
	struct iovec iov[RA_BATCH];
	uint64_t off = first << PAGE_SHIFT;
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = off + ((uint64_t)i << PAGE_SHIFT);
		iov[i] = (struct iovec){phys_ptr(k, pa[i]),
					m->size - at < PAGE_SIZE ? m->size - at : PAGE_SIZE};
	}
	ssize_t r;
	do
		r = preadv(m->fd, iov, (int)n, (off_t)off);
	while (r < 0 && errno == EINTR);
	for (unsigned i = 0; i < n; i++) {
		if (r < 0 && host_read_page(k, m, first + i, pa[i])) {
			frame_put(k, pa[i], 0);
			continue;
		}
		k->stats.cache_reads++;
		pagecache_add(k, m, first + i, pa[i]);
	}
}

void filemap_readaround(struct kernel *k, struct vma *vma, uint64_t pgoff)
{
	struct mapping *m = vma->mapping;
	if (!m->ra_pages || (vma->flags & VM_RAND_READ))
		return;
	uint64_t first = pgoff > m->ra_pages / 2 ? pgoff - m->ra_pages / 2 : 0;
	if (vma->flags & VM_SEQ_READ)
		first = pgoff; /* page_cache_sync_ra: ahead of the page */
	uint64_t end = (m->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (first + m->ra_pages < end)
		end = first + m->ra_pages;
	/* Runs of uncached pages, each read with one system call. */
	uint64_t run_pa[RA_BATCH], run_first = first;
	unsigned run = 0;
	for (uint64_t i = first; i < end; i++) {
		bool skip = i == pgoff || pagecache_lookup(k, m, i);
		if (run && (skip || run == RA_BATCH)) {
			read_ahead_run(k, m, run_first, run_pa, run);
			run = 0;
		}
		if (skip)
			continue;
		uint64_t pa = frames_free(k) > k->wmark_low ? frame_alloc(k, 0) : FRAME_NONE;
		if (pa == FRAME_NONE)
			break; /* as page_cache_ra_unbounded: no folio, no more read-ahead */
		if (!run)
			run_first = i;
		run_pa[run++] = pa;
	}
	if (run)
		read_ahead_run(k, m, run_first, run_pa, run);
}

/* ---- writeback ---- */

int filemap_write_page(struct kernel *k, struct cache_page *cp)
{
	struct mapping *m = cp->mapping;
	uint64_t off = cp->index << PAGE_SHIFT, done = 0;
	uint64_t n = off >= m->size ? 0 : m->size - off < PAGE_SIZE ? m->size - off : PAGE_SIZE;
	while (done < n) {
		ssize_t w = pwrite(m->fd, phys_ptr(k, cp->pa + done), n - done, (off_t)(off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		done += (uint64_t)w;
	}
	k->stats.cache_writebacks += n > 0;
	pagecache_set_dirty(k, cp, false);
	return 0;
}

/* A shared map's PTE gives its D bit to the page and loses W (Linux's
 * page_mkclean_one), so the next store faults and dirties the page again. */
static void clean_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)arg;
	if (pte_is_swap(*pte) || !(*pte & (PTE_D | PTE_W)))
		return;
	struct cache_page *cp = pagecache_page(k, *pte & PTE_ADDR_MASK);
	if (!cp)
		return;
	if (*pte & PTE_D)
		pagecache_set_dirty(k, cp, true);
	pgtable_update(k, mm, va, pte, *pte & ~(PTE_D | PTE_W));
}

int filemap_writeback(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last)
{
	if (m->anon)
		return 0;
	for (struct mm *mm = k->mms; mm; mm = mm->next) {
		for (struct vma *v = mm->vmas; v; v = v->next) {
			uint64_t vlast = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;
			if (v->mapping != m || !(v->flags & VM_SHARED) || vlast < first ||
			    v->pgoff > last)
				continue;
			uint64_t lo = first > v->pgoff ? first : v->pgoff;
			uint64_t hi = last < vlast ? last : vlast;
			pgtable_walk_leaves(k, mm, v->start + ((lo - v->pgoff) << PAGE_SHIFT),
					    v->start + ((hi - v->pgoff + 1) << PAGE_SHIFT), clean_leaf,
					    NULL);
		}
	}
	tlb_gather_finish(k);
	int err = 0;
	for (struct cache_page *cp = m->pages; cp; cp = cp->mnext)
		if (cp->dirty && cp->index >= first && cp->index <= last &&
		    filemap_write_page(k, cp))
			err = -EIO;
	return err;
}

struct unmap_arg {
	bool shared;
};

static void unmap_leaf(struct kernel *k, struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)mm;
	(void)va;
	const struct unmap_arg *a = arg;
	if (pte_is_swap(*pte))
		return;
	uint64_t pa = *pte & PTE_ADDR_MASK;
	struct cache_page *cp = pagecache_page(k, pa);
	if (!cp)
		return; /* a private copy, or the zero page */
	if (a->shared && (*pte & PTE_D))
		pagecache_set_dirty(k, cp, true);
	pagecache_unmap(k, pa);
}

void filemap_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end)
{
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next) {
		if (!v->mapping || v->end <= start)
			continue;
		uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
		struct unmap_arg a = {.shared = v->flags & VM_SHARED};
		pgtable_walk_leaves(k, mm, s, e, unmap_leaf, &a);
		if (a.shared)
			filemap_writeback(k, v->mapping, v->pgoff + ((s - v->start) >> PAGE_SHIFT),
					  v->pgoff + ((e - v->start) >> PAGE_SHIFT) - 1);
	}
}

/* ---- shared memory as a file (memfd) ---- */

int64_t shmem_write(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos)
{
	int64_t done = 0;
	while (u->left > 0) {
		uint64_t at = pos + (uint64_t)done, off = at & (PAGE_SIZE - 1);
		size_t c = PAGE_SIZE - off < u->left ? PAGE_SIZE - off : u->left;
		struct cache_page *cp;
		int err = mapping_page(k, m, at >> PAGE_SHIFT, &cp);
		if (err)
			return done ? done : err;
		frame_get(k, cp->pa); /* a fault while copying may run reclaim */
		size_t got = uio_copy(k, u, phys_ptr(k, cp->pa + off), c, false);
		frame_written(k, cp->pa);
		frame_put(k, cp->pa, 0);
		done += (int64_t)got;
		if (at + got > m->size)
			m->size = at + got;
		if (got < c)
			return done ? done : -EFAULT;
	}
	return done;
}

void shmem_zero_range(struct kernel *k, struct mapping *m, uint64_t start, uint64_t end)
{
	uint64_t first = (start + PAGE_SIZE - 1) >> PAGE_SHIFT, last_end = end >> PAGE_SHIFT;
	static const uint8_t zeroes[PAGE_SIZE];
	/* The partial pages at either end keep their other bytes. */
	for (uint64_t at = start; at < end;) {
		uint64_t pg = at >> PAGE_SHIFT, off = at & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - off < end - at ? PAGE_SIZE - off : end - at;
		if (off || n < PAGE_SIZE) {
			struct cache_page *cp = pagecache_lookup(k, m, pg);
			if (cp)
				write_into_page(k, cp, off, zeroes, n);
		}
		at += n;
	}
	if (last_end > first)
		filemap_invalidate(k, m, first, last_end - 1);
}
