/* startup: the smallest useful program; its run time is process start-up
 * (ELF load, initial stack, first faults and fills) plus exit. */
#include <stdio.h>

int main(void)
{
    puts("hello, world");
    return 0;
}
