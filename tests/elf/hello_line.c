/* hello_line.c - prints one line: shows that a program ran. */
#include <unistd.h>

int main(void)
{
	return write(1, "ran\n", 4) == 4 ? 0 : 1;
}
