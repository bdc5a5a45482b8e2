/* Placeholder entry point. */
#include <stdio.h>
int main(void) { puts("unityqc: under construction"); return 0; }
