/* hello: the smallest real program; its stdout is compared with Linux's. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	return 0;
}
