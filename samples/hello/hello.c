// The hello sample: greets its first argument (or "world") on stdout and logs to stderr.
#include <stdio.h>

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "world";
    fprintf(stderr, "hello: greeting %s\n", name);
    printf("Hello, %s!\n", name);
    return 0;
}
