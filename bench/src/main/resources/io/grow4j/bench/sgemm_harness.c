/* OpenBLAS sgemm baseline for grow4j bench: c = a . b^T with a [n x n], b [n x n] row-major, as
 * KernelBackend.matmul computes it. Prints the median seconds of `runs` calls after one warm-up call.
 * Usage: sgemm_harness n runs.  The prototype is declared here so no cblas.h is needed. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a,
                        int lda, const float *b, int ldb, float beta, float *c, int ldc);
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *x, const void *y) {
    double a = *(const double *) x, b = *(const double *) y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s n runs\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]), runs = atoi(argv[2]);
    size_t count = (size_t) n * n;
    float *a = malloc(count * sizeof(float)), *b = malloc(count * sizeof(float)), *c = malloc(count * sizeof(float));
    double *times = malloc(runs * sizeof(double));
    if (!a || !b || !c || !times || runs < 1) {
        fprintf(stderr, "cannot allocate for n=%d runs=%d\n", n, runs);
        return 2;
    }
    srand(1);
    for (size_t i = 0; i < count; i++) {
        a[i] = (float) rand() / RAND_MAX - 0.5f;
        b[i] = (float) rand() / RAND_MAX - 0.5f;
    }
    cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        times[r] = now() - t0;
    }
    qsort(times, runs, sizeof(double), compare);
    double median = runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    printf("%.9f %d %s\n", median, openblas_get_num_threads(), openblas_get_config());
    return 0;
}
