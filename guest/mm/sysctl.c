/* sysctl.c - the vm sysctls of /proc/sys/vm that vmemu's kernel has. */
#include "kern.h"
#include "mm/internal.h"

/* Linux's DEFAULT_MAX_MAP_COUNT: USHRT_MAX minus a margin for core dumps. */
#define DEFAULT_MAX_MAP_COUNT 65530

void vm_sysctl_init(struct kernel *k)
{
	k->vm.max_map_count = DEFAULT_MAX_MAP_COUNT;
}
