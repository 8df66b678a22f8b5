/* proc_map_files.c - /proc/PID/map_files, as Linux's (fs/proc/base.c,
 * proc_map_files_*): one entry for each VMA mapped through a file (its
 * vm_file), named "start-end" in lowercase hex without leading zeros, a
 * magic link to that file. readlink gives the file's name as
 * /proc/PID/fd shows it; following the link (open, stat) reaches the file
 * itself, and needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE (Linux's
 * proc_map_files_get_link). A name is looked up only when it names a
 * VMA's exact start and end; procfs.c serves the directory. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>

#include "fs/internal.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

/* One hex number of s, without a leading zero but for "0" itself, up to
 * a character that is no hex digit: its end, or NULL on overflow. No digit
 * at all reads as 0, as Linux's _parse_integer leaves it. */
static const char *parse_hex(const char *s, uint64_t *val)
{
	*val = 0;
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			return s;
		if (*val >> 60)
			return NULL;
		*val = *val << 4 | d;
	}
}

/* "start-end": true and the two numbers, as Linux's dname_to_vma_addr
 * reads them (no leading zero, no space, no overflow). */
static bool name_to_vma_addr(const char *name, uint64_t *start, uint64_t *end)
{
	if (name[0] == '0' && name[1] != '-')
		return false;
	const char *s = parse_hex(name, start);
	if (!s || *s != '-')
		return false;
	s++;
	if (s[0] == '0' && s[1])
		return false;
	s = parse_hex(s, end);
	return s && !*s;
}

/* The VMA of pid's memory with exactly that start and end, mapped
 * through a file (Linux's find_exact_vma with a vm_file), and its place
 * among those; NULL if none. */
static const struct vma *file_vma(struct kernel *k, int pid, uint64_t start, uint64_t end,
				  uint64_t *index)
{
	struct process *p = process_find(k, pid);
	uint64_t i = 0;
	for (const struct vma *v = p && p->mm ? p->mm->vmas : NULL; v && v->start <= start;
	     v = v->next) {
		if (!v->vm_file)
			continue;
		if (v->start == start && v->end == end) {
			*index = i;
			return v;
		}
		i++;
	}
	return NULL;
}

int proc_map_files_lookup(struct kernel *k, int pid, const char *name, struct proc_ref *out,
			  uint64_t *index)
{
	uint64_t start, end;
	if (!name_to_vma_addr(name, &start, &end) || !file_vma(k, pid, start, end, index))
		return -ENOENT;
	*out = (struct proc_ref){.kind = PROC_MAP_FILE, .pid = pid, .vm_start = start,
				 .vm_end = end};
	return 0;
}

bool proc_map_files_at(struct kernel *k, int pid, uint64_t n, char *name, size_t size)
{
	struct process *p = process_find(k, pid);
	for (const struct vma *v = p && p->mm ? p->mm->vmas : NULL; v; v = v->next) {
		if (v->vm_file && n-- == 0) {
			snprintf(name, size, "%llx-%llx", (unsigned long long)v->start,
				 (unsigned long long)v->end);
			return true;
		}
	}
	return false;
}

struct file *proc_map_file(struct kernel *k, const struct proc_ref *ref)
{
	uint64_t i;
	const struct vma *v = file_vma(k, ref->pid, ref->vm_start, ref->vm_end, &i);
	return v ? v->vm_file : NULL;
}

int proc_map_files_get_link(struct kernel *k, const struct proc_ref *ref, struct path *target)
{
	if (!capable(k, CAP_SYS_ADMIN) && !capable(k, CAP_CHECKPOINT_RESTORE))
		return -EPERM;
	struct file *f = proc_map_file(k, ref);
	if (!f)
		return -ENOENT; /* unmapped since */
	path_from_file(f, target);
	return 0;
}
