/* memfd.c - memfd_create(2): a file of shared memory, the same object a
 * MAP_SHARED|MAP_ANONYMOUS map gets (a mapping with no file behind it),
 * here with a name, a size that read, write, lseek, ftruncate and
 * fallocate act on, and maps that see the same pages.
 *
 * Seals (fcntl F_ADD_SEALS, F_GET_SEALS) are Linux's: F_SEAL_SEAL stops
 * further seals, F_SEAL_SHRINK and F_SEAL_GROW the size changes in that
 * direction (EPERM), F_SEAL_WRITE writes and writable shared maps (it
 * cannot be added while one exists: EBUSY), F_SEAL_FUTURE_WRITE the
 * writes and writable shared maps from then on. A memfd made without
 * MFD_ALLOW_SEALING starts with F_SEAL_SEAL. A shared map that may not
 * become writable lacks VM_MAYWRITE, so mprotect refuses PROT_WRITE.
 * /proc/PID/fd shows "/memfd:NAME (deleted)"; opening that link opens
 * the same memory again, with an offset of its own.
 *
 * MFD_HUGETLB (with MFD_HUGE_2MB, MFD_HUGE_1GB or the default size) makes
 * a file of hugetlbfs instead (mm/hugetlb_file.c), as Linux's
 * hugetlb_file_setup: its size changes by whole huge pages only (EINVAL
 * otherwise), fallocate allocates and punches huge pages, read(2) reads
 * it (holes as zeroes), write(2) is EINVAL (hugetlbfs has no write_iter),
 * st_blksize is the huge page size; seals work as on shmem. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/memfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define MFD_NAME_PREFIX "memfd:"
#define MFD_NAME_MAX (NAME_MAX - (sizeof(MFD_NAME_PREFIX) - 1))
#define SHMEM_MINOR 1 /* st_dev 0:1, as /proc/PID/maps shows shared memory */
#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)
#define WRITE_SEALS (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

struct memfd {
	int refs; /* open descriptions */
	struct mapping *m;
	unsigned seals;
	char name[NAME_MAX + 1];
	uint64_t ino;
	struct timespec created;
	uint32_t uid, gid; /* its creator's fs ids */
	struct simple_xattr *xattrs; /* shmem's; hugetlbfs keeps none (xattr.c) */
};

/* One open description: its own offset. */
struct memfd_file {
	struct memfd *mfd;
	uint64_t pos;
};

static struct memfd *mfd_of(const struct file *f)
{
	return ((struct memfd_file *)f->private)->mfd;
}

/* The huge page size of a hugetlbfs memfd, 0 for shmem. */
static uint64_t huge_size(const struct memfd *mfd)
{
	return hugetlb_file_page_size(mfd->m);
}

static int64_t memfd_read(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct memfd_file *mf = f->private;
	struct mapping *m = mf->mfd->m;
	uint64_t at = pos >= 0 ? (uint64_t)pos : mf->pos;
	int64_t n = huge_size(mf->mfd) ? hugetlb_file_read(k, m, u, at) : filemap_read(k, m, u, at);
	if (n > 0 && pos < 0)
		mf->pos += (uint64_t)n;
	return n;
}

static int64_t memfd_write(struct kernel *k, struct file *f, struct uio *u, int64_t pos)
{
	struct memfd_file *mf = f->private;
	struct memfd *mfd = mf->mfd;
	uint64_t at = pos >= 0 ? (uint64_t)pos : (f->flags & O_APPEND) ? mfd->m->size : mf->pos;
	if (huge_size(mfd))
		return -EINVAL; /* vfs_write: no FMODE_CAN_WRITE */
	uint64_t count = u->left; /* RLIMIT_FSIZE first, as shmem's generic_write_checks */
	int err = generic_write_check_limits(k, at, &count);
	if (err)
		return err;
	if (mfd->seals & WRITE_SEALS)
		return -EPERM;
	if ((mfd->seals & F_SEAL_GROW) && at + count > mfd->m->size)
		return -EPERM;
	if (count == 0)
		return 0;
	uint64_t cut = u->left - count;
	u->left = count;
	int64_t n = shmem_write(k, mfd->m, u, at);
	u->left += cut;
	if (n > 0 && pos < 0)
		mf->pos = at + (uint64_t)n;
	return n;
}

static int64_t memfd_llseek(struct file *f, int64_t off, int whence)
{
	struct memfd_file *mf = f->private;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)mf->pos
		     : whence == SEEK_END ? (int64_t)mf->mfd->m->size : -1;
	if (base < 0 || (off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	mf->pos = (uint64_t)(base + off);
	return (int64_t)mf->pos;
}

static int memfd_stat(struct file *f, struct stat *st)
{
	struct memfd *mfd = mfd_of(f);
	uint64_t block = huge_size(mfd) ? huge_size(mfd) : PAGE_SIZE;
	*st = (struct stat){
		.st_dev = makedev(0, SHMEM_MINOR),
		.st_ino = mfd->ino,
		.st_mode = S_IFREG | 0777,
		.st_nlink = 0, /* it has no name */
		.st_uid = mfd->uid,
		.st_gid = mfd->gid,
		.st_size = (off_t)mfd->m->size,
		.st_blksize = (blksize_t)block,
		.st_blocks = (blkcnt_t)(mfd->m->npages * (block / 512)),
		.st_atim = mfd->created,
		.st_mtim = mfd->created,
		.st_ctim = mfd->created,
	};
	return 0;
}

static void memfd_release(struct file *f)
{
	struct memfd_file *mf = f->private;
	struct memfd *mfd = mf->mfd;
	if (--mfd->refs == 0) {
		mapping_put(mfd->m);
		simple_xattrs_free(mfd->xattrs);
		free(mfd);
	}
	free(mf);
}

struct simple_xattr **memfd_xattrs(struct file *f)
{
	if (file_kind(f) != FILE_MEMFD || huge_size(mfd_of(f)))
		return NULL;
	return &mfd_of(f)->xattrs;
}

static const struct file_ops memfd_ops = {
	.read = memfd_read,
	.write = memfd_write,
	.llseek = memfd_llseek,
	.stat = memfd_stat,
	.release = memfd_release,
};

static struct file *memfd_file_alloc(struct memfd *mfd, int flags)
{
	struct memfd_file *mf = calloc(1, sizeof(*mf));
	struct file *f = mf ? file_alloc(&memfd_ops, FILE_MEMFD, flags, mf) : NULL;
	if (!f) {
		free(mf);
		return NULL;
	}
	mf->mfd = mfd;
	mfd->refs++;
	f->f_mode = open_fmode(flags);
	return f;
}

int memfd_reopen(struct kernel *k, struct file *f, int flags, struct file **out)
{
	if (flags & O_PATH)
		return -EINVAL; /* an O_PATH open of the link names no memory */
	*out = memfd_file_alloc(mfd_of(f), flags & (O_ACCMODE | O_NONBLOCK | O_APPEND));
	if (!*out)
		return -ENOMEM;
	/* O_TRUNC of a writable open is a truncation, seals and all. */
	int err = (flags & O_TRUNC) && ((*out)->f_mode & FMODE_WRITE) ? memfd_truncate(k, *out, 0) : 0;
	if (err)
		file_put(*out);
	return err;
}

void memfd_name(struct file *f, char *buf, size_t size)
{
	snprintf(buf, size, "/" MFD_NAME_PREFIX "%s (deleted)", mfd_of(f)->name);
}

struct mapping *memfd_map(struct file *f, bool shared, unsigned *vm_flags)
{
	struct memfd *mfd = mfd_of(f);
	if (shared && (mfd->seals & WRITE_SEALS) && (*vm_flags & VM_WRITE))
		return NULL;
	if (shared && !(mfd->seals & WRITE_SEALS) && (f->flags & O_ACCMODE) == O_RDWR)
		*vm_flags |= VM_MAYWRITE;
	return mfd->m;
}

int memfd_truncate(struct kernel *k, struct file *f, uint64_t size)
{
	struct memfd *mfd = mfd_of(f);
	if (!(f->f_mode & FMODE_WRITE))
		return -EINVAL;
	if (huge_size(mfd) && (size & (huge_size(mfd) - 1)))
		return -EINVAL; /* hugetlbfs_setattr */
	int err = inode_newsize_ok(k, mfd->m->size, size); /* setattr_prepare's */
	if (err)
		return err;
	if ((size < mfd->m->size && (mfd->seals & F_SEAL_SHRINK)) ||
	    (size > mfd->m->size && (mfd->seals & F_SEAL_GROW)))
		return -EPERM;
	if (huge_size(mfd))
		hugetlb_file_resize(k, mfd->m, size);
	else
		filemap_resize(k, mfd->m, size);
	return 0;
}

/* Linux's hugetlbfs_fallocate: a punched hole is not clamped to the
 * size, and F_SEAL_GROW refuses growth with FALLOC_FL_KEEP_SIZE too. */
static int hugetlbfs_fallocate(struct kernel *k, struct memfd *mfd, int mode, uint64_t off,
			       uint64_t len)
{
	struct mapping *m = mfd->m;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			return -EOPNOTSUPP;
		if (mfd->seals & WRITE_SEALS)
			return -EPERM;
		hugetlb_file_punch(k, m, off, off + len);
		return 0;
	}
	if ((mfd->seals & F_SEAL_GROW) && off + len > m->size)
		return -EPERM;
	int err = hugetlb_file_fallocate(k, m, off, len);
	if (err)
		return err;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > m->size)
		m->size = off + len;
	return 0;
}

int memfd_fallocate(struct kernel *k, struct file *f, int mode, uint64_t off, uint64_t len)
{
	struct memfd *mfd = mfd_of(f);
	struct mapping *m = mfd->m;
	if (!(f->f_mode & FMODE_WRITE))
		return -EBADF;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP; /* shmem punches holes and allocates, no more */
	if (huge_size(mfd))
		return hugetlbfs_fallocate(k, mfd, mode, off, len);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			return -EOPNOTSUPP;
		if (mfd->seals & WRITE_SEALS)
			return -EPERM;
		uint64_t end = off + len < m->size ? off + len : m->size;
		if (off < end)
			shmem_zero_range(k, m, off, end);
		return 0;
	}
	/* shmem checks RLIMIT_FSIZE even with FALLOC_FL_KEEP_SIZE. */
	int err = inode_newsize_ok(k, m->size, off + len);
	if (err)
		return err;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > m->size) {
		if (mfd->seals & F_SEAL_GROW)
			return -EPERM;
		filemap_resize(k, m, off + len);
	}
	/* Allocated pages: shared memory gives each page its frame at
	 * first use, so the range is allocated by touching it now. */
	for (uint64_t pg = off >> PAGE_SHIFT; pg << PAGE_SHIFT < off + len; pg++) {
		struct cache_page *cp;
		if (mapping_page(k, m, pg, &cp))
			return -ENOSPC;
	}
	return 0;
}

/* Is any shared map of m one that may write (VM_MAYWRITE)? */
static bool writably_mapped(struct kernel *k, const struct mapping *m)
{
	for (struct mm *mm = k->mms; mm; mm = mm->next)
		for (const struct vma *v = mm->vmas; v; v = v->next)
			if (v->mapping == m && (v->flags & VM_SHARED) && (v->flags & VM_MAYWRITE))
				return true;
	return false;
}

int64_t memfd_fcntl_seals(struct kernel *k, struct file *f, int cmd, uint64_t arg)
{
	if (f->kind != FILE_MEMFD)
		return -EINVAL;
	struct memfd *mfd = mfd_of(f);
	if (cmd == F_GET_SEALS)
		return mfd->seals;
	unsigned seals = (unsigned)arg;
	if (!(f->f_mode & FMODE_WRITE))
		return -EPERM;
	if (seals & ~(unsigned)ALL_SEALS)
		return -EINVAL;
	if (mfd->seals & F_SEAL_SEAL)
		return -EPERM;
	if ((seals & F_SEAL_WRITE) && !(mfd->seals & F_SEAL_WRITE) && writably_mapped(k, mfd->m))
		return -EBUSY;
	mfd->seals |= seals;
	return 0;
}

int64_t sys_memfd_create(struct kernel *k, struct cpu_context *ctx, const uint64_t a[6])
{
	(void)ctx;
	unsigned flags = (unsigned)a[1];
	unsigned known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB;
	if (flags & MFD_HUGETLB)
		known |= (unsigned)MFD_HUGE_MASK << MFD_HUGE_SHIFT; /* a page size */
	if (flags & ~known)
		return -EINVAL;
	char name[NAME_MAX + 2];
	int64_t n = strncpy_from_user(k, name, a[0], sizeof(name));
	if (n == -ENAMETOOLONG || (n >= 0 && (size_t)n > MFD_NAME_MAX))
		return -EINVAL;
	if (n < 0)
		return n;
	enum hstate_id id;
	bool huge = flags & MFD_HUGETLB;
	if (huge && hstate_sizelog((flags >> MFD_HUGE_SHIFT) & MFD_HUGE_MASK, &id))
		return -ENODEV; /* hugetlb_file_setup: no hstate of that size */
	static uint64_t next_ino = 1;
	struct memfd *mfd = calloc(1, sizeof(*mfd));
	struct mapping *m = !mfd ? NULL : huge ? hugetlb_file_create(k, id, 0) : shmem_create(k, 0);
	if (!m) {
		free(mfd);
		return -ENOMEM;
	}
	mfd->m = m; /* shmem_create's reference */
	memcpy(mfd->name, name, (size_t)n + 1);
	mfd->ino = next_ino++;
	mfd->seals = flags & MFD_ALLOW_SEALING ? 0 : F_SEAL_SEAL;
	clock_gettime(CLOCK_REALTIME, &mfd->created);
	mfd->uid = current_fs_cred(k).fsuid;
	mfd->gid = current_fs_cred(k).fsgid;
	struct file *f = memfd_file_alloc(mfd, O_RDWR | KERNEL_O_LARGEFILE);
	if (!f) {
		mapping_put(m);
		free(mfd);
		return -ENOMEM;
	}
	return fd_install_new(k, f, flags & MFD_CLOEXEC);
}
