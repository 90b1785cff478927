/* Throughput of glibc's vector math library (libmvec) and scalar libm, for
 * comparison with numjet's block functions (examples/vmath_speed.rs): same
 * functions, same inputs (benches/vmath_domains.txt, same generator), same
 * n, same timing (median of R repetitions, each at least M ms), one thread.
 *
 * Build and run (benches/vmath_compare.sh does both):
 *
 *     gcc -O2 -ffp-contract=off benches/glibc_vmath.c -o glibc_vmath -lm -ldl
 *     ./glibc_vmath [--n 100000] [--reps 11] [--min-ms 2] [--funcs sin,exp,...]
 *                   [--domains benches/vmath_domains.txt] [--tsv]
 *
 * Columns, each timed only where the CPU and this glibc have it:
 *   glibc-sse     _ZGVbN2v_sin  / _ZGVbN4v_sinf   (128-bit, SSE4 inside)
 *   glibc-avx2    _ZGVdN4v_sin  / _ZGVdN8v_sinf   (256-bit, AVX2 + FMA)
 *   glibc-avx512  _ZGVeN8v_sin  / _ZGVeN16v_sinf  (512-bit, AVX-512)
 *   libm          sin / sinf, one element per call
 *
 * libmvec is opened with dlopen and each entry point looked up by its
 * vector-ABI name, so the probe builds on any glibc and times whatever that
 * glibc exports (2.22 has only sin cos exp log pow; 2.35 added the rest).
 * Without libmvec it says so on stderr and times libm only. The vector
 * calls are made from functions compiled with target attributes (avx2/fma,
 * avx512f), so the file itself needs no -mavx2 and runs on any x86-64;
 * -ffp-contract=off keeps the input generator free of FMA contraction, so
 * the operands are bit-identical to the Rust probe's.
 *
 * Output: a text table, or with --tsv lines "func dtype column ns_per_elem"
 * (what benches/vmath_compare.sh reads). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the functions: NumPy's name, C's name, scalar libm entry points */

typedef double (*d1_fn)(double);
typedef float (*f1_fn)(float);
typedef double (*d2_fn)(double, double);
typedef float (*f2_fn)(float, float);

struct func {
    const char *np;  /* NumPy's (numjet's) name */
    const char *c;   /* C's name: libm and libmvec */
    int arity;
    d1_fn d1;
    f1_fn f1;
    d2_fn d2;
    f2_fn f2;
};

#define U(np, c) {np, #c, 1, c, c##f, NULL, NULL}
#define B(np, c) {np, #c, 2, NULL, NULL, c, c##f}
static const struct func FUNCS[] = {
    U("sin", sin),         U("cos", cos),         U("tan", tan),
    U("arcsin", asin),     U("arccos", acos),     U("arctan", atan),
    U("sinh", sinh),       U("cosh", cosh),       U("tanh", tanh),
    U("arcsinh", asinh),   U("arccosh", acosh),   U("arctanh", atanh),
    U("exp", exp),         U("exp2", exp2),       U("expm1", expm1),
    U("log", log),         U("log2", log2),       U("log10", log10),
    U("log1p", log1p),     U("cbrt", cbrt),
    B("arctan2", atan2),   B("hypot", hypot),     B("power", pow),
    B("fmod", fmod), /* libm only: libmvec has no fmod */
};
#define NFUNCS (sizeof FUNCS / sizeof FUNCS[0])

/* ---- inputs: the generator of examples/vmath_speed.rs */

#define SEED 0x6e756d6a6574ULL

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void fill(double *x, size_t n, double lo, double hi, uint64_t k) {
    uint64_t s = SEED + k;
    const double scale = 1.0 / 9007199254740992.0; /* 2^-53 */
    for (size_t i = 0; i < n; i++) {
        volatile double u = (double)((splitmix64(&s) >> 11) + 1) * scale;
        volatile double span = hi - lo;
        volatile double prod = span * u;
        x[i] = lo + prod;
    }
}

/* ---- timing */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One pass over n elements: a kernel, the entry point and the buffers. */
typedef void (*kernel_fn)(void *fp, const void *x, const void *y, void *out, size_t n);

struct job {
    kernel_fn kern;
    void *fp;
    const void *x, *y;
    void *out;
    size_t n;
};

static void run_job(const struct job *j) { j->kern(j->fp, j->x, j->y, j->out, j->n); }

/* Warm-up, calibration to at least min_secs per repetition, then the
 * median over reps repetitions, in ns per element (as vmath_speed.rs). */
static double measure(const struct job *j, int reps, double min_secs) {
    run_job(j);
    size_t calls = 1;
    for (;;) {
        double t = now();
        for (size_t c = 0; c < calls; c++) run_job(j);
        double dt = now() - t;
        if (dt >= min_secs || calls >= ((size_t)1 << 30)) break;
        if (dt < 1e-9) dt = 1e-9;
        size_t want = (size_t)ceil((double)calls * 1.2 * min_secs / dt);
        if (want < calls + 1) want = calls + 1;
        if (want > calls * 100) want = calls * 100;
        calls = want;
    }
    double *samples = malloc(sizeof(double) * (size_t)reps);
    for (int r = 0; r < reps; r++) {
        double t = now();
        for (size_t c = 0; c < calls; c++) run_job(j);
        samples[r] = (now() - t) * 1e9 / ((double)calls * (double)j->n);
    }
    qsort(samples, (size_t)reps, sizeof(double), cmp_double);
    double m = reps % 2 ? samples[reps / 2] : 0.5 * (samples[reps / 2 - 1] + samples[reps / 2]);
    free(samples);
    return m;
}

/* ---- kernels: full vectors, then the tail through a padded vector */

#define VKERNELS(NAME, TARGET, VT, ET, W, LOAD, STORE)                                          \
    __attribute__((target(TARGET), noinline)) static void NAME##_1(                             \
        void *fp, const void *xv, const void *yv, void *outv, size_t n) {                       \
        VT (*f)(VT) = (VT (*)(VT))fp;                                                           \
        const ET *x = xv;                                                                       \
        ET *out = outv;                                                                         \
        (void)yv;                                                                               \
        size_t i = 0;                                                                           \
        for (; i + (W) <= n; i += (W)) STORE(out + i, f(LOAD(x + i)));                          \
        if (i < n) {                                                                            \
            ET tx[W], to[W];                                                                    \
            for (size_t k = 0; k < (W); k++) tx[k] = i + k < n ? x[i + k] : x[0];               \
            STORE(to, f(LOAD(tx)));                                                             \
            memcpy(out + i, to, (n - i) * sizeof(ET));                                          \
        }                                                                                       \
    }                                                                                           \
    __attribute__((target(TARGET), noinline)) static void NAME##_2(                             \
        void *fp, const void *xv, const void *yv, void *outv, size_t n) {                       \
        VT (*f)(VT, VT) = (VT (*)(VT, VT))fp;                                                   \
        const ET *x = xv, *y = yv;                                                              \
        ET *out = outv;                                                                         \
        size_t i = 0;                                                                           \
        for (; i + (W) <= n; i += (W)) STORE(out + i, f(LOAD(x + i), LOAD(y + i)));             \
        if (i < n) {                                                                            \
            ET tx[W], ty[W], to[W];                                                             \
            for (size_t k = 0; k < (W); k++) {                                                  \
                tx[k] = i + k < n ? x[i + k] : x[0];                                            \
                ty[k] = i + k < n ? y[i + k] : y[0];                                            \
            }                                                                                   \
            STORE(to, f(LOAD(tx), LOAD(ty)));                                                   \
            memcpy(out + i, to, (n - i) * sizeof(ET));                                          \
        }                                                                                       \
    }

VKERNELS(sse_d, "sse2", __m128d, double, 2, _mm_loadu_pd, _mm_storeu_pd)
VKERNELS(sse_f, "sse2", __m128, float, 4, _mm_loadu_ps, _mm_storeu_ps)
VKERNELS(avx2_d, "avx2,fma", __m256d, double, 4, _mm256_loadu_pd, _mm256_storeu_pd)
VKERNELS(avx2_f, "avx2,fma", __m256, float, 8, _mm256_loadu_ps, _mm256_storeu_ps)
VKERNELS(avx512_d, "avx512f,avx2,fma", __m512d, double, 8, _mm512_loadu_pd, _mm512_storeu_pd)
VKERNELS(avx512_f, "avx512f,avx2,fma", __m512, float, 16, _mm512_loadu_ps, _mm512_storeu_ps)

__attribute__((noinline)) static void libm_d_1(void *fp, const void *xv, const void *yv, void *outv, size_t n) {
    d1_fn f = (d1_fn)fp;
    const double *x = xv;
    double *out = outv;
    (void)yv;
    for (size_t i = 0; i < n; i++) out[i] = f(x[i]);
}
__attribute__((noinline)) static void libm_f_1(void *fp, const void *xv, const void *yv, void *outv, size_t n) {
    f1_fn f = (f1_fn)fp;
    const float *x = xv;
    float *out = outv;
    (void)yv;
    for (size_t i = 0; i < n; i++) out[i] = f(x[i]);
}
__attribute__((noinline)) static void libm_d_2(void *fp, const void *xv, const void *yv, void *outv, size_t n) {
    d2_fn f = (d2_fn)fp;
    const double *x = xv, *y = yv;
    double *out = outv;
    for (size_t i = 0; i < n; i++) out[i] = f(x[i], y[i]);
}
__attribute__((noinline)) static void libm_f_2(void *fp, const void *xv, const void *yv, void *outv, size_t n) {
    f2_fn f = (f2_fn)fp;
    const float *x = xv, *y = yv;
    float *out = outv;
    for (size_t i = 0; i < n; i++) out[i] = f(x[i], y[i]);
}

/* ---- the columns */

struct column {
    const char *name;    /* output column */
    char isa;            /* vector-ABI ISA letter, 0 for scalar libm */
    int wd, wf;          /* lanes for double, float */
    kernel_fn kd[2], kf[2];
    int ok;              /* CPU has it */
};

static struct column COLUMNS[] = {
    {"glibc-sse", 'b', 2, 4, {sse_d_1, sse_d_2}, {sse_f_1, sse_f_2}, 0},
    {"glibc-avx2", 'd', 4, 8, {avx2_d_1, avx2_d_2}, {avx2_f_1, avx2_f_2}, 0},
    {"glibc-avx512", 'e', 8, 16, {avx512_d_1, avx512_d_2}, {avx512_f_1, avx512_f_2}, 0},
    {"libm", 0, 1, 1, {libm_d_1, libm_d_2}, {libm_f_1, libm_f_2}, 0},
};
#define NCOLS (sizeof COLUMNS / sizeof COLUMNS[0])

/* ---- the domain table */

struct domain {
    char name[32];
    double r[4];
};

static int read_domains(const char *path, struct domain *d, int max) {
    FILE *fh = fopen(path, "r");
    if (!fh) return -1;
    char line[512];
    int count = 0;
    while (fgets(line, sizeof line, fh) && count < max) {
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        struct domain e;
        int got = sscanf(line, "%31s %lf %lf %lf %lf", e.name, &e.r[0], &e.r[1], &e.r[2], &e.r[3]);
        if (got <= 0) continue;
        if (got == 3) {
            e.r[2] = e.r[0];
            e.r[3] = e.r[1];
        } else if (got != 5) {
            fprintf(stderr, "glibc_vmath: %s: bad line: %s", path, line);
            continue;
        }
        d[count++] = e;
    }
    fclose(fh);
    return count;
}

static int in_list(const char *list, const char *name) {
    if (!list) return 1;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == len && strncmp(p, name, len) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: glibc_vmath [--n 100000] [--reps 11] [--min-ms 2] [--funcs sin,exp,...]\n"
            "                   [--domains benches/vmath_domains.txt] [--tsv]\n");
}

int main(int argc, char **argv) {
    size_t n = 100000;
    int reps = 11, tsv = 0;
    double min_secs = 2e-3;
    const char *domains = "benches/vmath_domains.txt";
    const char *funcs = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--tsv")) {
            tsv = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (v && !strcmp(a, "--n")) {
            double x = strtod(v, NULL); /* accepts 1e5 */
            if (!(x >= 1 && x <= 1e12)) {
                fprintf(stderr, "glibc_vmath: --n: out of range: %s\n", v);
                return 2;
            }
            n = (size_t)x;
            i++;
        } else if (v && !strcmp(a, "--reps")) {
            reps = atoi(v);
            if (reps < 1) reps = 1;
            i++;
        } else if (v && !strcmp(a, "--min-ms")) {
            min_secs = strtod(v, NULL) * 1e-3;
            if (min_secs < 0) min_secs = 0;
            i++;
        } else if (v && !strcmp(a, "--domains")) {
            domains = v;
            i++;
        } else if (v && !strcmp(a, "--funcs")) {
            funcs = v;
            i++;
        } else {
            fprintf(stderr, "glibc_vmath: unknown argument %s\n", a);
            usage();
            return 2;
        }
    }

    struct domain dom[64];
    int ndom = read_domains(domains, dom, 64);
    if (ndom < 0) {
        fprintf(stderr, "glibc_vmath: cannot read the domain table %s\n", domains);
        return 2;
    }

    __builtin_cpu_init();
    COLUMNS[0].ok = 1; /* x86-64 baseline */
    COLUMNS[1].ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    COLUMNS[2].ok = COLUMNS[1].ok && __builtin_cpu_supports("avx512f");
    COLUMNS[3].ok = 1;

    void *mvec = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!mvec) fprintf(stderr, "glibc_vmath: libmvec not found (%s): timing scalar libm only\n", dlerror());

    double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
    double *outd = malloc(n * sizeof(double));
    float *xf = malloc(n * sizeof(float)), *yf = malloc(n * sizeof(float)), *outf = malloc(n * sizeof(float));
    if (!x || !y || !outd || !xf || !yf || !outf) {
        fprintf(stderr, "glibc_vmath: out of memory\n");
        return 1;
    }

    if (!tsv) {
        printf("glibc, ns/element (median of %d reps, each >= %g ms), n = %zu, one thread\n", reps,
               min_secs * 1e3, n);
        printf("%-10s %-5s", "function", "dtype");
        for (size_t c = 0; c < NCOLS; c++)
            if (COLUMNS[c].ok && (COLUMNS[c].isa == 0 || mvec)) printf(" %12s", COLUMNS[c].name);
        printf("\n");
    }

    for (size_t fi = 0; fi < NFUNCS; fi++) {
        const struct func *f = &FUNCS[fi];
        if (!in_list(funcs, f->np)) continue;
        const struct domain *d = NULL;
        for (int k = 0; k < ndom; k++)
            if (!strcmp(dom[k].name, f->np)) d = &dom[k];
        if (!d) {
            fprintf(stderr, "glibc_vmath: no domain for %s in %s; skipped\n", f->np, domains);
            continue;
        }
        fill(x, n, d->r[0], d->r[1], 0);
        fill(y, n, d->r[2], d->r[3], 1);
        for (size_t i = 0; i < n; i++) {
            xf[i] = (float)x[i];
            yf[i] = (float)y[i];
        }
        for (int is_f = 1; is_f >= 0; is_f--) { /* f32 first, as vmath_speed */
            const char *dtype = is_f ? "f32" : "f64";
            if (!tsv) printf("%-10s %-5s", f->np, dtype);
            for (size_t c = 0; c < NCOLS; c++) {
                struct column *col = &COLUMNS[c];
                if (!col->ok || (col->isa && !mvec)) continue;
                void *fp;
                if (col->isa) {
                    char sym[64];
                    snprintf(sym, sizeof sym, "_ZGV%cN%d%s_%s%s", col->isa, is_f ? col->wf : col->wd,
                             f->arity == 2 ? "vv" : "v", f->c, is_f ? "f" : "");
                    fp = dlsym(mvec, sym);
                } else if (f->arity == 1) {
                    fp = is_f ? (void *)f->f1 : (void *)f->d1;
                } else {
                    fp = is_f ? (void *)f->f2 : (void *)f->d2;
                }
                if (!fp) {
                    if (!tsv) printf(" %12s", "-");
                    continue;
                }
                struct job j = {
                    .kern = is_f ? col->kf[f->arity - 1] : col->kd[f->arity - 1],
                    .fp = fp,
                    .x = is_f ? (const void *)xf : (const void *)x,
                    .y = is_f ? (const void *)yf : (const void *)y,
                    .out = is_f ? (void *)outf : (void *)outd,
                    .n = n,
                };
                double ns = measure(&j, reps, min_secs);
                size_t bad = 0;
                for (size_t i = 0; i < n; i++) bad += is_f ? !isfinite(outf[i]) : !isfinite(outd[i]);
                if (bad * 1000 > n)
                    fprintf(stderr, "glibc_vmath: %s %s %s: %zu of %zu results not finite (check its domain)\n",
                            f->np, dtype, col->name, bad, n);
                if (tsv)
                    printf("%s\t%s\t%s\t%.4f\n", f->np, dtype, col->name, ns);
                else
                    printf(" %12.3f", ns);
                fflush(stdout);
            }
            if (!tsv) printf("\n");
        }
    }
    return 0;
}
