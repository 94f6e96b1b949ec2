// A test guest with several modes, chosen by argv[1]:
//   env             print the environment as a JSON array of "NAME=VALUE" strings
//   args            print argv[2..] as a JSON array
//   cat PATH        print the file's contents
//   write PATH TEXT write TEXT to PATH (create, truncate), print "ok"
//   truncate PATH   open PATH with O_WRONLY|O_TRUNC only, print "ok"
// File modes that fail print "error: " and strerror(errno) to stderr and exit 1.
//   spam N          write N bytes of 'x' to stdout
//   stderr N        write N lines to stderr, pausing between them, then print "done"
//   grow PAGES      grow memory by PAGES 64 KiB pages, print the new size in bytes
//   alloc MIB       malloc MIB MiB at a time, touching each block, until malloc fails: print the total, exit 1
//   sleep SECONDS   sleep(SECONDS), then print "slept"
//   nanosleep MS    nanosleep for MS milliseconds, then print "slept"
//   burn N          a deterministic integer loop of N rounds; print its checksum
//   channel REQUEST open /capsule/call, write REQUEST, read the reply to end of file and print it; twice with
//                   "twice" as a second argument (the second request on the same fd)
//   poll            poll() stdout for writing with a 5 s timeout; print the count and whether POLLOUT is set
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static char *volatile keep; // makes allocations observable, so the compiler cannot drop them

static void print_json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: probe MODE ...\n"); return 2; }
    const char *mode = argv[1];
    if (!strcmp(mode, "env")) {
        putchar('[');
        for (char **e = environ; *e; e++) { if (e != environ) putchar(','); print_json_string(*e); }
        puts("]");
    } else if (!strcmp(mode, "args")) {
        putchar('[');
        for (int i = 2; i < argc; i++) { if (i > 2) putchar(','); print_json_string(argv[i]); }
        puts("]");
    } else if (!strcmp(mode, "cat") && argc > 2) {
        FILE *f = fopen(argv[2], "r");
        if (!f) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
        int c;
        while ((c = fgetc(f)) != EOF) putchar(c);
        fclose(f);
    } else if (!strcmp(mode, "write") && argc > 3) {
        FILE *f = fopen(argv[2], "w");
        if (!f) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
        fputs(argv[3], f);
        if (fclose(f) != 0) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
        puts("ok");
    } else if (!strcmp(mode, "truncate") && argc > 2) {
        int fd = open(argv[2], O_WRONLY | O_TRUNC);
        if (fd < 0) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
        close(fd);
        puts("ok");
    } else if (!strcmp(mode, "spam") && argc > 2) {
        long n = atol(argv[2]);
        static char block[65536];
        memset(block, 'x', sizeof block);
        while (n > 0) { long k = n < (long) sizeof block ? n : (long) sizeof block; fwrite(block, 1, k, stdout); n -= k; }
    } else if (!strcmp(mode, "stderr") && argc > 2) {
        int n = atoi(argv[2]);
        for (int i = 0; i < n; i++) {
            fprintf(stderr, "line %d\n", i);
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        puts("done");
    } else if (!strcmp(mode, "grow") && argc > 2) {
        long pages = atol(argv[2]);
        long before = __builtin_wasm_memory_grow(0, pages);
        if (before < 0) { puts("grow failed"); return 1; }
        printf("%ld\n", (before + pages) * 65536L);
    } else if (!strcmp(mode, "alloc") && argc > 2) {
        size_t step = (size_t) atol(argv[2]) << 20;
        size_t total = 0;
        for (;;) {
            char *block = malloc(step);
            if (!block) break;
            memset(block, 1, step);
            keep = block;
            total += step;
        }
        printf("allocated %zu MiB before malloc failed\n", total >> 20);
        return 1;
    } else if (!strcmp(mode, "sleep") && argc > 2) {
        sleep((unsigned) atoi(argv[2]));
        puts("slept");
    } else if (!strcmp(mode, "nanosleep") && argc > 2) {
        long ms = atol(argv[2]);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        puts("slept");
    } else if (!strcmp(mode, "burn") && argc > 2) {
        unsigned long rounds = strtoul(argv[2], NULL, 10);
        unsigned int h = 2166136261u;
        for (unsigned long i = 0; i < rounds; i++) {
            h = (h ^ (unsigned int) i) * 16777619u;
            if ((h & 7) == 3) h += 11;
        }
        printf("%u\n", h);
    } else if (!strcmp(mode, "channel") && argc > 2) {
        int fd = open("/capsule/call", O_RDWR);
        if (fd < 0) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
        int rounds = argc > 3 && !strcmp(argv[3], "twice") ? 2 : 1;
        for (int r = 0; r < rounds; r++) {
            size_t len = strlen(argv[2]);
            if (write(fd, argv[2], len) != (ssize_t) len) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
            char buf[1000];
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t) n, stdout);
            if (n < 0) { fprintf(stderr, "error: %s\n", strerror(errno)); return 1; }
            putchar('\n');
        }
        close(fd);
    } else if (!strcmp(mode, "poll")) {
        struct pollfd out = {.fd = 1, .events = POLLOUT};
        int ready = poll(&out, 1, 5000);
        printf("%d %d\n", ready, (out.revents & POLLOUT) != 0);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
