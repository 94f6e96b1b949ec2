// A CPU-bound WASI guest for equivalence tests and the fuel-overhead benchmark. argv[1] scales the work
// (default 1). Prints one line per kernel; the output depends only on the scale.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned sieve(unsigned n) {
    unsigned char *composite = calloc(n + 1, 1);
    unsigned count = 0;
    for (unsigned i = 2; i <= n; i++) {
        if (composite[i]) continue;
        count++;
        for (unsigned long j = (unsigned long) i * i; j <= n; j += i) composite[j] = 1;
    }
    free(composite);
    return count;
}

static double matmul(int n) {
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n * n; i++) { a[i] = (i % 7) * 0.5; b[i] = (i % 11) * 0.25; }
    memset(c, 0, sizeof(double) * n * n);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++)
            for (int j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
    double trace = 0;
    for (int i = 0; i < n; i++) trace += c[i * n + i];
    free(a); free(b); free(c);
    return trace;
}

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int compare(const void *x, const void *y) {
    int a = *(const int *) x, b = *(const int *) y;
    return (a > b) - (a < b);
}

static unsigned sorted_checksum(int n) {
    int *values = malloc(sizeof(int) * n);
    unsigned seed = 12345;
    for (int i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; values[i] = (int) (seed >> 8); }
    qsort(values, n, sizeof(int), compare);
    unsigned sum = 0;
    for (int i = 0; i < n; i += 97) sum = sum * 31 + (unsigned) values[i];
    free(values);
    return sum;
}

static unsigned copies(int rounds) {
    static unsigned char a[1 << 16], b[1 << 16];
    for (int i = 0; i < (int) sizeof a; i++) a[i] = (unsigned char) (i * 13);
    unsigned sum = 0;
    for (int r = 0; r < rounds; r++) {
        memcpy(b, a + (r & 255), sizeof b - 256);
        memset(a + (r & 1023), r, 512);
        memmove(a + 1, a, 4096);
        sum += b[r & 4095] + a[(r * 7) & 65535];
    }
    return sum;
}

static float saxpy(int n) {
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) { x[i] = (float) (i % 100) * 0.01f; y[i] = 1.0f; }
    for (int r = 0; r < 50; r++)
        for (int i = 0; i < n; i++) y[i] = 0.999f * y[i] + 0.5f * x[i];
    float sum = 0;
    for (int i = 0; i < n; i++) sum += y[i];
    free(x); free(y);
    return sum;
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    printf("sieve %u\n", sieve(200000u * scale));
    printf("matmul %.3f\n", matmul(40 + 20 * scale));
    printf("fib %u\n", fib(20 + (scale > 1 ? 6 : 0)));
    printf("sort %u\n", sorted_checksum(20000 * scale));
    printf("copies %u\n", copies(2000 * scale));
    printf("saxpy %.4f\n", (double) saxpy(10000 * scale));
    return 0;
}
