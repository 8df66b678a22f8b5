/* proc_version.c - /proc/version: the banner of the kernel whose release
 * and version uname(2) gives in the guest, the host's (sys_uname), so
 * the host's own /proc/version, which names its build too; if it cannot
 * be read, Linux's first words with the release and version alone. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fs/internal.h"
#include "kern.h"

void proc_version_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	char buf[512];
	int fd = open("/proc/version", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	struct utsname u;
	if (n > 0) {
		buf[n] = 0;
		seq_printf(s, "%s", buf);
	} else if (uname(&u) == 0) {
		seq_printf(s, "Linux version %s %s\n", u.release, u.version);
	}
}
