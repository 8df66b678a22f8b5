/* host_fds.c - the descriptors vmemu was started with, read before it
 * opens any of its own: the first guest process gets each at the same
 * number, as a native program inherits what its parent left open. */
#include <dirent.h>
#include <stdlib.h>

#include "host_fds.h"

static int compare_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int host_fds_inherited(int **fds)
{
	*fds = NULL;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		if (n == cap) {
			int *grown = realloc(*fds, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(int));
			if (!grown) {
				n = -1;
				break;
			}
			*fds = grown;
		}
		(*fds)[n++] = (int)fd;
	}
	closedir(d);
	if (n < 0) {
		free(*fds);
		*fds = NULL;
		return -1;
	}
	qsort(*fds, (size_t)n, sizeof(int), compare_int);
	return n;
}
