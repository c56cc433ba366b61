// The two steps of every bootstrap resample of the study's tests (c) and (d) (Statistics.ClusterGrams):
// summing the resampled clusters' Gram matrices, and the Cholesky least-squares solve on that sum.
//
// Reproducibility: each Gram element is summed over the clusters in the resample's order, and the solve
// performs the textbook loops' operations in their order, one resample per vector lane; contraction into
// FMA is off. Lanes never mix, so every ISA clone and every lane gives the bits of the scalar Swift
// version (ClusterGrams.regressionCoefficients), which Tests/StatisticsTests checks bit for bit.
#include "ckernels.h"
#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

// Tests/ISAIdentity builds this file once per ISA with GRAM_CLONES defined empty and compares bits.
#if defined(GRAM_CLONES)
#elif defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define GRAM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GRAM_CLONES
#endif

typedef double lane8 __attribute__((ext_vector_type(8)));
// Memory is only 8-byte aligned (Swift arrays): loads and stores go through this type.
typedef double lane8u __attribute__((ext_vector_type(8), aligned(8)));
typedef long mask8 __attribute__((ext_vector_type(8)));

// Each element is 0 + g₁ + g₂ + … over the picked clusters in order. Blocks of 32 elements stay in
// registers while every cluster is added (instead of a load and store of the total per cluster); the
// tail is summed element by element, in the same order.
GRAM_CLONES
void bl_gram_totals(const double *grams, long size, const long *clusters, long clusterCount, long totals,
                    double *out) {
    for (long t = 0; t < totals; t++) {
        double *o = out + t * size;
        const long *c = clusters + t * clusterCount;
        long k = 0;
        for (; k + 32 <= size; k += 32) {
            lane8 a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (long i = 0; i < clusterCount; i++) {
                const double *g = grams + c[i] * size + k;
                a0 += *(const lane8u *)g;
                a1 += *(const lane8u *)(g + 8);
                a2 += *(const lane8u *)(g + 16);
                a3 += *(const lane8u *)(g + 24);
            }
            *(lane8u *)(o + k) = a0;
            *(lane8u *)(o + k + 8) = a1;
            *(lane8u *)(o + k + 16) = a2;
            *(lane8u *)(o + k + 24) = a3;
        }
        for (; k < size; k++) {
            double a = 0;
            for (long i = 0; i < clusterCount; i++) a += grams[c[i] * size + k];
            o[k] = a;
        }
    }
}

// Lane-wise m ? a : b (a macro: vector arguments of a non-inlined function would change the ABI per clone).
#define select8(m, a, b) ((lane8)((((mask8)(a)) & (m)) | (((mask8)(b)) & ~(m))))

GRAM_CLONES
void bl_gram_regressions8(const double *g, long p, double *coefficients, int *solved, double *scratch) {
    const long k = p - 1, size = p * p;
    // Lane-interleave the eight matrices: element e of lane j at t[8·e + j].
    double *t = scratch;
    for (long e = 0; e < size; e++)
        for (int j = 0; j < 8; j++) t[8 * e + j] = g[j * size + e];
#define G(r, c) ((lane8)(*(const lane8u *)(t + 8 * ((r) * p + (c)))))
    lane8u *l = (lane8u *)(scratch + 8 * size), *z = l + k * k, *b = z + k;
    lane8 scale = G(1, 1);
    for (long i = 2; i <= k; i++) {
        lane8 d = G(i, i);
        scale = select8(scale < d, d, scale);
    }
    mask8 ok = scale > 0;
    const lane8 limit = 1e-12 * scale;
    for (long i = 0; i < k; i++) {
        for (long j = 0; j <= i; j++) {
            lane8 s = G(i + 1, j + 1);
            for (long m = 0; m < j; m++) s -= l[i * k + m] * l[j * k + m];
            if (i == j) {
                ok &= s > limit;
                l[i * k + i] = __builtin_elementwise_sqrt(s);
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    for (long i = 0; i < k; i++) {
        lane8 s = G(i + 1, 0);
        for (long m = 0; m < i; m++) s -= l[i * k + m] * z[m];
        z[i] = s / l[i * k + i];
    }
    for (long i = k - 1; i >= 0; i--) {
        lane8 s = z[i];
        for (long m = i + 1; m < k; m++) s -= l[m * k + i] * b[m];
        b[i] = s / l[i * k + i];
    }
    // Lane j's coefficients contiguous: coefficients[j·k + i].
    for (long i = 0; i < k; i++) {
        lane8 v = b[i];
        for (int j = 0; j < 8; j++) coefficients[j * k + i] = v[j];
    }
    for (int j = 0; j < 8; j++) solved[j] = ok[j] != 0;
#undef G
}
