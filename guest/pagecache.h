/* pagecache.h - mappings (Linux's address_space) and the page cache that
 * holds their pages: pagecache.c, filemap.c and shared anonymous memory. */
#ifndef VMEMU_PAGECACHE_H
#define VMEMU_PAGECACHE_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;

/* ---- mappings: the page cache and shared memory (pagecache.c, filemap.c) ----
 * A mapping (Linux's address_space) owns the pages of one host file, or of
 * one MAP_SHARED anonymous region, found by page offset (pgoff). Every open
 * of the file and every VMA mapping it holds a reference; a file's pages
 * stay cached after the last one goes, until reclaim drops them. */

struct mapping {
	struct kernel *kernel;
	uint32_t refs;        /* VMAs and open files */
	bool anon;            /* shared anonymous memory: no file behind it */
	int fd;               /* host fd to fill and write back through; -1 while idle */
	int fd_mode;          /* its O_ACCMODE */
	uint64_t dev, ino;    /* the host file */
	uint64_t size;        /* file size in bytes, as the cache keeps it */
	int64_t mtime_ns, ctime_ns; /* the host file's, when it went idle */
	uint64_t npages;
	struct cache_page *pages; /* its pages, in no order */
	struct mapping *next; /* k->pagecache.files */
};

/* One page of a mapping: a frame the cache holds one reference on. */
struct cache_page {
	struct mapping *mapping;
	uint64_t index;       /* pgoff in the mapping */
	uint64_t pa;
	uint32_t mapcount;    /* PTEs that map it */
	bool dirty;           /* newer than the file (written through a shared map) */
	struct cache_page *hnext;         /* hash chain */
	struct cache_page *mprev, *mnext; /* the mapping's pages */
};

struct page_cache {
	struct cache_page **hash; /* by (mapping, index) */
	uint64_t hash_mask;
	struct cache_page **page_of; /* per frame */
	struct mapping *files;    /* file mappings, looked up by dev/ino */
};

int pagecache_init(struct kernel *k);
/* Drops every cached page (kernel_shutdown: no process is left). */
void pagecache_drop_all(struct kernel *k);
void pagecache_destroy(struct kernel *k);
struct cache_page *pagecache_lookup(struct kernel *k, struct mapping *m, uint64_t index);
/* The cache page held in frame pa, or NULL. */
struct cache_page *pagecache_page(struct kernel *k, uint64_t pa);
/* Puts frame pa (its reference becomes the cache's) at index; NULL when
 * out of host memory (the frame is then put). */
struct cache_page *pagecache_add(struct kernel *k, struct mapping *m, uint64_t index, uint64_t pa);
/* Removes a page from the cache and puts the cache's reference. */
void pagecache_delete(struct kernel *k, struct cache_page *cp);
void pagecache_set_dirty(struct kernel *k, struct cache_page *cp, bool dirty);
/* A PTE took or dropped frame pa (counted for cache pages only). */
void pagecache_map(struct kernel *k, uint64_t pa);
void pagecache_unmap(struct kernel *k, uint64_t pa);
/* Drops cp if nothing but the cache holds it (written back first when
 * dirty). Returns 1 when its frame was freed, else 0. */
uint64_t pagecache_reclaim_page(struct kernel *k, struct cache_page *cp);

struct mapping *mapping_alloc(struct kernel *k, bool anon);
void mapping_get(struct mapping *m);
/* The last reference of a file mapping writes back and closes its fd; its
 * pages stay cached. An anonymous one frees its pages. */
void mapping_put(struct mapping *m);
/* Frees an idle file mapping whose last page is gone. */
void mapping_free_if_unused(struct mapping *m);

/* A MAP_SHARED anonymous region: pages zeroed at first use. */
struct mapping *shmem_create(struct kernel *k);

struct file;
struct uio;
struct mm;
/* The page cache of f when it is a host regular file that may be cached
 * (attached at first use), else NULL (filemap.c). */
struct mapping *filemap_of(struct kernel *k, struct file *f);
/* The page cache of the host regular file open on host_fd (any kind of
 * open but O_PATH), with a reference for the caller (mapping_put), the fd
 * duplicated for fills; *acc_mode (if not NULL) gets the fd's O_ACCMODE.
 * NULL when the file cannot be cached or out of memory. */
struct mapping *filemap_get(struct kernel *k, int host_fd, int *acc_mode);
/* The frame of page pgoff, read from the file (or zeroed for shmem) when
 * missing: 0, -ENOMEM or -EIO. The cache keeps the reference. */
int mapping_page(struct kernel *k, struct mapping *m, uint64_t pgoff, struct cache_page **cpp);
/* read(2) of a cached file at pos: bytes copied, or -EFAULT. */
int64_t filemap_read(struct kernel *k, struct mapping *m, struct uio *u, uint64_t pos);
/* n bytes of buf went to the host file at pos (write-through): the cached
 * pages and the size follow. */
void filemap_wrote(struct kernel *k, struct mapping *m, uint64_t pos, const void *buf, uint64_t n);
/* The file is now size bytes long (ftruncate, O_TRUNC): pages past the end
 * are unmapped from every process and dropped, the tail of the last zeroed. */
void filemap_resize(struct kernel *k, struct mapping *m, uint64_t size);
/* Writes back the dirty pages of [first, last] (pgoffs): PTEs of shared
 * maps in every process give up their D bits (and W, so the next write
 * faults and dirties the page again). 0 or -EIO. */
int filemap_writeback(struct kernel *k, struct mapping *m, uint64_t first, uint64_t last);
/* Before PTEs of mm in [start, end) go: cache pages lose a mapcount, D
 * bits of shared file maps make their pages dirty, which are written back. */
void filemap_unmap_range(struct kernel *k, struct mm *mm, uint64_t start, uint64_t end);
/* Writes one dirty page back to the file (the bytes below EOF). 0 or -EIO. */
int filemap_write_page(struct kernel *k, struct cache_page *cp);
/* The last reference went: dirty pages are written back, the host file's
 * times are noted (to check the cache when the file is opened again), the
 * fd is closed. */
void filemap_idle(struct mapping *m);

#endif
