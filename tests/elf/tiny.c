/* tiny.c - the smallest valid program: mkbad's input, and a loader test. */
int main(void)
{
	return 0;
}
