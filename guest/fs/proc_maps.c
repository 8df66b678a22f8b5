/* proc_maps.c - /proc/PID/maps in the format of Linux's show_map_vma():
 *
 *   start-end perms offset major:minor inode [padding name]
 *
 * addresses and offset in at least 8 hex digits, the name from column 73
 * (seq_setwidth(25 + 6 * sizeof(void *) - 1), then seq_pad). Private
 * anonymous memory shows offset 0, device 00:00, inode 0 and no name
 * (a trailing space, as Linux prints it), or "[heap]" / "[stack]".
 * MAP_SHARED anonymous memory is a deleted shmem file on Linux: its page
 * offset, device 00:01 and "/dev/zero (deleted)" ("/anon_hugepage
 * (deleted)" with MAP_HUGETLB: a hugetlbfs file); its inode number here
 * is derived from the shared object, unique while it lives. A map made
 * through a file (the VMA's vm_file: a host file, a memfd, /dev/zero
 * mapped private) shows its offset, the file's device and inode, and
 * the file's name as /proc/PID/fd shows it (" (deleted)" once unlinked),
 * as Linux's show_map_vma does. The loader's maps have no file: they
 * show the host file's device and inode, and its path while the page
 * cache holds the file open (the path the host gives, seen from --root).
 * The kernel's special maps ([vvar], [vdso]) show their name only, and
 * the vsyscall page, in no VMA, comes last (Linux's gate VMA). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

#define SHMEM_MINOR 1

/* The guest path of the file behind m, into buf; false if unknown. */
static bool file_path(struct kernel *k, const struct mapping *m, char buf[PATH_MAX])
{
	if (m->fd < 0)
		return false;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
	ssize_t n = readlink(link, buf, PATH_MAX - 1);
	if (n < 0)
		return false;
	buf[n] = 0;
	char root[PATH_MAX];
	if (k->cfg.root && realpath(k->cfg.root, root)) {
		size_t len = strlen(root);
		if (strncmp(buf, root, len) || (buf[len] != '/' && buf[len]))
			return false;
		memmove(buf, buf + len, (size_t)n - len + 1);
	}
	return true;
}

void proc_show_map_vma(struct kernel *k, const struct vma *v, struct seq *s)
{
	/* The kernel's pages behind a special map are no file's. */
	const struct mapping *m = v->flags & VM_DONTEXPAND ? NULL : v->mapping;
	uint64_t pgoff = m ? v->pgoff << PAGE_SHIFT : 0, ino = 0, dev = 0;
	char path[PATH_MAX];
	const char *name = v->name[0] ? v->name : NULL;
	struct stat st;
	if (v->vm_file) {
		pgoff = v->pgoff << PAGE_SHIFT;
		if (file_stat(v->vm_file, &st) == 0) {
			ino = st.st_ino;
			dev = st.st_dev;
		}
		int64_t n = file_readlink(k, v->vm_file, path, sizeof(path) - 1);
		path[n > 0 ? n : 0] = 0;
		name = n > 0 ? path : NULL;
	} else if (m && m->shm) {
		/* Linux's shm file: its inode number is the segment's id. */
		ino = (uint64_t)m->shm->id;
		dev = makedev(0, SHMEM_MINOR);
		snprintf(path, sizeof(path), "/SYSV%08x (deleted)", (unsigned)m->shm->key);
		name = path;
	} else if (m && m->anon) {
		ino = (uint64_t)(uintptr_t)m >> 4;
		dev = makedev(0, SHMEM_MINOR);
		/* Linux's shmem_zero_setup, or hugetlb_file_setup's file. */
		name = m->hugetlb ? "/anon_hugepage (deleted)" : "/dev/zero (deleted)";
	} else if (m) {
		ino = m->ino;
		dev = m->dev;
		name = file_path(k, m, path) ? path : NULL;
	}
	seq_printf(s, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		   (unsigned long long)v->start, (unsigned long long)v->end,
		   v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
		   v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_SHARED ? 's' : 'p',
		   (unsigned long long)pgoff, major(dev), minor(dev), (unsigned long long)ino);
	if (name) {
		seq_pad(s, PROC_MAPS_NAME_COLUMN);
		seq_printf(s, "%s", name);
	}
	seq_printf(s, "\n");
}

const struct vma gate_vma = {
	.start = VSYSCALL_ADDR,
	.end = VSYSCALL_ADDR + PAGE_SIZE,
	.flags = VM_EXEC, /* execute-only: Linux's vsyscall=xonly (sys/vsyscall.c) */
	.name = "[vsyscall]",
};

void proc_maps_show(struct kernel *k, struct process *p, struct seq *s)
{
	if (!p->mm)
		return; /* a zombie: empty, as on Linux */
	for (const struct vma *v = p->mm->vmas; v; v = v->next)
		proc_show_map_vma(k, v, s);
	proc_show_map_vma(k, &gate_vma, s);
}

char *proc_maps_text(struct kernel *k, struct process *p)
{
	struct seq s = {0};
	proc_maps_show(k, p, &s);
	if (s.failed) {
		seq_free(&s);
		return NULL;
	}
	if (!s.buf)
		return calloc(1, 1); /* no VMA: empty */
	return s.buf;
}

bool proc_maps_line(struct kernel *k, struct process *p, uint64_t va, char *buf, size_t len)
{
	const struct vma *v = p->mm ? vma_find(p->mm, va) : NULL;
	if (!v)
		return false;
	struct seq s = {0};
	proc_show_map_vma(k, v, &s);
	bool ok = !s.failed && s.buf;
	if (ok)
		snprintf(buf, len, "%.*s", (int)(s.len ? s.len - 1 : 0), s.buf); /* without the newline */
	seq_free(&s);
	return ok;
}
