/* main.c - the vmemu command. */
#include <stdio.h>

#include "cli.h"
#include "cpu.h"
#include "run.h"

int main(int argc, char **argv)
{
	struct vmemu_options o;
	int status = cli_parse(argc, argv, &o, stdout, stderr, cpu_unicorn_version());
	if (status >= 0)
		return status;
	return vmemu_run(&o);
}
