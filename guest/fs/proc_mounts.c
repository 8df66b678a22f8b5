/* proc_mounts.c - /proc/PID/mountinfo and /proc/PID/mounts: the mounts
 * the guest sees, in the formats of Linux's show_mountinfo and
 * show_vfsmnt. They are the host's mounts as vmemu's process has them
 * (its /proc/self/mountinfo), seen from the guest's root: with --root,
 * a mount point below the root directory is shown relative to it, the
 * mount holding the root directory is "/" (its root field the directory
 * within that file system, as a bind mount's), and mounts elsewhere are
 * not shown. The host's mounts at and below /proc and /sys are hidden by
 * the kernel's own proc and sysfs, with mount ids of their own and the
 * device numbers stat(2) gives them in the guest: each in the place of the
 * host's mount on the same point (so the order is the host's, as a native
 * run shows it), or, when the guest sees none there, right after "/".
 * /proc/filesystems is the host's list: the guest reaches every other
 * file system through the host, and the host lists proc and sysfs too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "kern.h"

#define MAX_FIELDS 64
#define ESCAPED " \t\n\\" /* Linux's mangle(): written as \ooo */

/* One line of mountinfo, split in place. */
struct mount_line {
	char *field[MAX_FIELDS]; /* id parent maj:min root point opts [optional...] */
	int nfields;             /* up to the "-" */
	char *fstype, *source, *super_opts;
	char point[PATH_MAX];    /* the mount point, unescaped */
};

static void unescape(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in && n + 1 < size; n++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '7' && in[2] && in[3]) {
			out[n] = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			out[n] = *in++;
		}
	}
	out[n] = 0;
}

static void show_escaped(struct seq *s, const char *text)
{
	for (const char *c = text; *c; c++)
		seq_printf(s, strchr(ESCAPED, *c) ? "\\%03o" : "%c", (unsigned char)*c);
}

static bool split_line(char *line, struct mount_line *m)
{
	m->nfields = 0;
	m->fstype = m->source = m->super_opts = NULL;
	for (char *save = NULL, *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (m->fstype) {
			if (!m->source)
				m->source = t;
			else if (!m->super_opts)
				m->super_opts = t;
		} else if (!strcmp(t, "-") && m->nfields >= 6) {
			m->fstype = strtok_r(NULL, " \n", &save); /* the type follows "-" */
			if (!m->fstype)
				return false;
		} else if (m->nfields < MAX_FIELDS) {
			m->field[m->nfields++] = t;
		}
	}
	if (!m->super_opts)
		return false;
	unescape(m->field[4], m->point, sizeof(m->point));
	return true;
}

/* Whether path is dir or below it. */
static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/' || !strcmp(dir, "/"));
}

/* The guest's name of host path, or NULL when the guest cannot reach it. */
static const char *guest_name(struct kernel *k, const char *host)
{
	const char *root = k->root_path;
	if (!root[0])
		return host;
	if (!below(host, root))
		return NULL;
	return host[strlen(root)] ? host + strlen(root) : "/";
}

/* A host file's whole text, NUL-terminated; NULL if it cannot be read. */
static char *host_text(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	while (out && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, out);
	fclose(f);
	if (out)
		fclose(out);
	return text;
}

/* The kernel's own proc and sysfs, mounted on the guest's root. */
static const struct {
	const char *point, *type, *dev;
} kernel_mounts[] = {{"/proc", "proc", "0:21"}, {"/sys", "sysfs", "0:22"}};
#define NKERNEL_MOUNTS (sizeof(kernel_mounts) / sizeof(kernel_mounts[0]))

/* What the walk over the host's table has found. */
struct mount_view {
	struct kernel *k;
	struct seq *s;
	bool info;       /* mountinfo, else mounts */
	int root_line;   /* the line of the mount holding the guest's root */
	char root_id[24]; /* that mount's id */
	long next_id;    /* for the kernel's own mounts */
	bool in_place[NKERNEL_MOUNTS]; /* the guest sees a host mount on its point */
	bool shown[NKERNEL_MOUNTS];
};

static void show_mount(struct mount_view *v, const struct mount_line *m, const char *point,
		       const char *root)
{
	struct seq *s = v->s;
	if (v->info) {
		seq_printf(s, "%s %s %s ", m->field[0], m->field[1], m->field[2]);
		show_escaped(s, root);
		seq_printf(s, " ");
		show_escaped(s, point);
		for (int i = 5; i < m->nfields; i++)
			seq_printf(s, " %s", m->field[i]);
		seq_printf(s, " - %s %s %s\n", m->fstype, m->source, m->super_opts);
		return;
	}
	/* show_vfsmnt: the mount's options, then the file system's (its
	 * super options less the leading "rw" or "ro"). */
	const char *fs_opts = strchr(m->super_opts, ',');
	seq_printf(s, "%s ", m->source);
	show_escaped(s, point);
	seq_printf(s, " %s %s%s 0 0\n", m->fstype, m->field[5], fs_opts ? fs_opts : "");
}

static void show_kernel_mount(struct mount_view *v, size_t i)
{
	if (v->info)
		seq_printf(v->s, "%ld %s %s / %s rw,relatime - %s %s rw\n", v->next_id++, v->root_id,
			   kernel_mounts[i].dev, kernel_mounts[i].point, kernel_mounts[i].type,
			   kernel_mounts[i].type);
	else
		seq_printf(v->s, "%s %s %s rw,relatime 0 0\n", kernel_mounts[i].type,
			   kernel_mounts[i].point, kernel_mounts[i].type);
}

/* Which kernel mount, if any, is on point. */
static int kernel_mount_at(const char *point)
{
	for (size_t i = 0; point && i < NKERNEL_MOUNTS; i++)
		if (!strcmp(point, kernel_mounts[i].point))
			return (int)i;
	return -1;
}

/* Walks the host's lines: first to find the root mount and the ids in
 * use, then to show what the guest sees. */
static void show_mounts(struct kernel *k, struct seq *s, bool info)
{
	char *text = host_text("/proc/self/mountinfo");
	if (!text)
		return;
	struct mount_view v = {.k = k, .s = s, .info = info, .root_line = -1};
	const char *root = k->root_path[0] ? k->root_path : "/";
	struct mount_line *m = malloc(sizeof(*m));
	for (int pass = 0; m && pass < 2; pass++) {
		char *line = text;
		for (int n = 0; *line; n++) {
			char *end = strchr(line, '\n');
			char *next = end ? end + 1 : line + strlen(line);
			char copy[4096];
			snprintf(copy, sizeof(copy), "%.*s", (int)(next - line), line);
			line = next;
			if (!split_line(copy, m))
				continue;
			const char *point = guest_name(k, m->point);
			int own = kernel_mount_at(point);
			if (pass == 0) {
				if (below(root, m->point)) {
					v.root_line = n; /* the last mount on the way to the root */
					snprintf(v.root_id, sizeof(v.root_id), "%s", m->field[0]);
				}
				if (own >= 0)
					v.in_place[own] = true;
				long id = strtol(m->field[0], NULL, 10);
				if (id >= v.next_id)
					v.next_id = id + 1;
				continue;
			}
			if (n == v.root_line) {
				/* Its root field, and the root directory's place in it. */
				char dir[PATH_MAX];
				const char *rest = root + (strcmp(m->point, "/") ? strlen(m->point) : 0);
				unescape(m->field[3], dir, sizeof(dir));
				char where[PATH_MAX * 2];
				snprintf(where, sizeof(where), "%s%s", strcmp(dir, "/") ? dir : "",
					 rest[0] && strcmp(rest, "/") ? rest : "");
				show_mount(&v, m, "/", where[0] ? where : "/");
				for (size_t i = 0; i < NKERNEL_MOUNTS; i++)
					if (!v.in_place[i])
						show_kernel_mount(&v, i);
				continue;
			}
			if (own >= 0 && n != v.root_line) {
				if (!v.shown[own]) /* once: the host may mount it twice */
					show_kernel_mount(&v, (size_t)own);
				v.shown[own] = true;
				continue;
			}
			if (!point || !strcmp(point, "/") || below(point, "/proc") || below(point, "/sys"))
				continue;
			char dir[PATH_MAX];
			unescape(m->field[3], dir, sizeof(dir));
			show_mount(&v, m, point, dir);
		}
	}
	free(m);
	free(text);
}

void proc_mountinfo_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	show_mounts(k, s, true);
}

void proc_mounts_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)p;
	show_mounts(k, s, false);
}

void proc_filesystems_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	char *text = host_text("/proc/filesystems");
	if (text)
		seq_printf(s, "%s", text);
	free(text);
}
