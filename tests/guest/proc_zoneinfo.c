/* proc_zoneinfo.c - /proc/zoneinfo checked by rules that hold on every
 * Linux (natively the host's kernel is checked by the same ones): the
 * layout of each zone, the node's counters shown once, MemTotal between
 * the managed and the present pages, the watermarks as Linux sets them from
 * vm.min_free_kbytes (low and high equally far apart), the populated
 * zones the ones /proc/buddyinfo lists, and every counter a /proc/vmstat
 * counter too. Prints only what is the same everywhere. */
#include "guest_test.h"

#define TEXT_MAX (256 * 1024)
#define MAX_ZONES 8

static char *slurp(const char *path, char *buf)
{
	FILE *f = fopen(path, "r");
	CHECK(f, "fopen %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, TEXT_MAX - 1, f);
	CHECK(n > 0 && n < TEXT_MAX - 1, "%s: read %zu bytes", path, n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

struct zone {
	char name[16];
	long long free, min, low, high, spanned, present, managed, nr_free, start_pfn;
	int protection; /* entries of "protection: (...)" */
};

/* The value of "label" on line l (after leading blanks), or -1. */
static long long value(const char *l, const char *label)
{
	l += strspn(l, " ");
	size_t n = strlen(label);
	return strncmp(l, label, n) ? -1 : strtoll(l + n, NULL, 10);
}

/* Whether "name value" (a counter line) names a /proc/vmstat counter. */
static void check_counter(const char *l, const char *vmstat)
{
	char name[64], key[80];
	CHECK(sscanf(l, " %63s %*u", name) == 1, "counter line '%s'", l);
	snprintf(key, sizeof(key), "\n%s ", name);
	CHECK(strstr(vmstat, key) || !strncmp(vmstat, key + 1, strlen(key) - 1),
	      "zoneinfo counter %s is not in /proc/vmstat", name);
}

static const char *const labels[] = {"pages free", "boost", "min", "low", "high",
				     "spanned", "present", "managed", "cma"};

/* Parses the zones; returns how many, with the node's counter blocks. */
static int parse(char *text, const char *vmstat, struct zone *z, int *node_blocks)
{
	int n = 0, next_label = 0;
	*node_blocks = 0;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		int node;
		char name[16];
		if (sscanf(l, "Node %d, zone %15s", &node, name) == 2) {
			CHECK(node == 0, "zone of node %d: this test knows one node", node);
			CHECK(n < MAX_ZONES, "more than %d zones", MAX_ZONES);
			CHECK(strlen(l) == strlen("Node 0, zone ") + (strlen(name) < 8 ? 8 : strlen(name)),
			      "zone name not right-aligned in 8: '%s'", l);
			z[n] = (struct zone){.nr_free = -1, .start_pfn = -1};
			strcpy(z[n++].name, name);
			next_label = 0;
			continue;
		}
		CHECK(n > 0, "line before the first zone: '%s'", l);
		struct zone *c = &z[n - 1];
		if (!strcmp(l, "  per-node stats")) {
			CHECK(next_label == 0, "per-node stats after the zone's own lines");
			++*node_blocks;
		} else if (next_label < 9 && value(l, labels[next_label]) >= 0) {
			long long *dst[] = {&c->free, NULL, &c->min, &c->low, &c->high,
					    &c->spanned, &c->present, &c->managed, NULL};
			if (dst[next_label])
				*dst[next_label] = value(l, labels[next_label]);
			next_label++;
		} else if (value(l, "promo ") >= 0) {
			/* Linux 6.6 on: the memory-tiering watermark, after high */
		} else if (!strncmp(l, "        protection: (", 20)) {
			CHECK(next_label == 9, "protection before the zone's extent");
			c->protection = 1;
			for (const char *p = l; (p = strchr(p, ',')); p++)
				c->protection++;
			next_label++;
		} else if (value(l, "nr_free_pages ") >= 0 && next_label > 9) {
			c->nr_free = value(l, "nr_free_pages ");
			check_counter(l, vmstat);
		} else if (value(l, "start_pfn:") >= 0) {
			c->start_pfn = value(l, "start_pfn:");
		} else if (!strncmp(l, "      ", 6) && strncmp(l, "              ", 14)) {
			check_counter(l, vmstat); /* a node or zone counter */
		}
	}
	return n;
}

int main(void)
{
	static char zoneinfo[TEXT_MAX], vmstat[TEXT_MAX], meminfo[TEXT_MAX], buddy[TEXT_MAX],
		min_free[64];
	slurp("/proc/vmstat", vmstat);
	slurp("/proc/zoneinfo", zoneinfo);
	struct zone z[MAX_ZONES];
	int node_blocks, n = parse(zoneinfo, vmstat, z, &node_blocks);
	CHECK(n >= 1, "no zone");
	CHECK(node_blocks == 1, "per-node stats shown %d times, not once", node_blocks);

	long long managed = 0, present = 0, min = 0;
	int populated = 0;
	char names[MAX_ZONES * 16] = "";
	for (int i = 0; i < n; i++) {
		CHECK(z[i].protection == n, "zone %s: %d protection entries, %d zones", z[i].name,
		      z[i].protection, n);
		CHECK(z[i].min <= z[i].low && z[i].low <= z[i].high &&
			      z[i].high - z[i].low == z[i].low - z[i].min,
		      "zone %s: watermarks %lld %lld %lld", z[i].name, z[i].min, z[i].low, z[i].high);
		CHECK(z[i].managed <= z[i].present && z[i].present <= z[i].spanned,
		      "zone %s: managed %lld, present %lld, spanned %lld", z[i].name, z[i].managed,
		      z[i].present, z[i].spanned);
		CHECK(z[i].free >= 0 && z[i].free <= z[i].managed, "zone %s: %lld free of %lld",
		      z[i].name, z[i].free, z[i].managed);
		managed += z[i].managed;
		present += z[i].present;
		min += z[i].min;
		if (z[i].present == 0)
			continue;
		populated++;
		strcat(strcat(names, " "), z[i].name);
		CHECK(z[i].nr_free >= 0 && llabs(z[i].nr_free - z[i].free) < 1024,
		      "zone %s: pages free %lld, nr_free_pages %lld", z[i].name, z[i].free,
		      z[i].nr_free);
		CHECK(z[i].start_pfn >= 0, "zone %s: no start_pfn", z[i].name);
		CHECK(i + 1 == n || z[i + 1].present == 0 ||
			      z[i].start_pfn + z[i].spanned <= z[i + 1].start_pfn,
		      "zone %s overlaps the next", z[i].name);
	}
	printf("per-node stats once, watermarks evenly spaced, protection per zone\n");

	slurp("/proc/meminfo", meminfo);
	long long total_kb = -1;
	CHECK(sscanf(meminfo, "MemTotal: %lld kB", &total_kb) == 1, "MemTotal");
	/* MemTotal is the managed pages once the kernel has given them all to
	 * the allocator; a host still initialising (or taking) some has more. */
	long long total = total_kb / (long long)(PAGE / 1024);
	CHECK(managed <= total && total <= present, "managed pages %lld, MemTotal %lld, present %lld",
	      managed, total, present);
	printf("MemTotal between the managed and the present pages\n");

	/* Linux shares min_free_kbytes among the zones by their managed
	 * pages, each share rounded down, when either changes: a host whose
	 * managed pages moved since may be off by a little (1%). */
	long long min_kb = strtoll(slurp("/proc/sys/vm/min_free_kbytes", min_free), NULL, 10);
	long long want = min_kb / (long long)(PAGE / 1024);
	CHECK(llabs(min - want) <= n + want / 100, "min watermarks add up to %lld pages, not %lld",
	      min, want);
	printf("min watermarks add up to min_free_kbytes\n");

	/* /proc/buddyinfo lists the populated zones, in the same order. */
	char bnames[MAX_ZONES * 16] = "";
	int bzones = 0;
	for (char *l = strtok(slurp("/proc/buddyinfo", buddy), "\n"); l; l = strtok(NULL, "\n")) {
		char name[16];
		CHECK(sscanf(l, "Node 0, zone %15s", name) == 1, "buddyinfo line '%s'", l);
		strcat(strcat(bnames, " "), name);
		bzones++;
	}
	CHECK(!strcmp(names, bnames), "populated zones '%s', buddyinfo's '%s'", names, bnames);
	CHECK(populated == bzones, "populated %d", populated);
	printf("buddyinfo lists the populated zones\n");
	return 0;
}
