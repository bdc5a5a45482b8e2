/* Placeholder generator. */
int main(void) { return 0; }
