// Prints the bits of CKernels' sparsity measures on a fixed set of vectors, and of its bootstrap Gram kernels. run.sh builds this with
// sparsity.c compiled for the baseline x86-64, AVX2 (x86-64-v3) and AVX-512 (x86-64-v4) and requires
// identical output: the kernel's sums run in fixed lanes with contraction off, so the ISA clones that
// target_clones picks on different CPUs must agree bit for bit (HDF5 files are then the same everywhere).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckernels.h"

// The inputs must not differ between the builds either: no FMA contraction in this file.
#pragma clang fp contract(off)

static uint64_t state = 0x9E3779B97F4A7C15ULL;
static double uniform(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return ((double)(state >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) { return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform()); }

int main(void) {
    const long sizes[] = {1, 3, 8, 9, 17, 64, 100, 192, 257, 512, 768, 1536, 4099};
    uint64_t digest = 1469598103934665603ULL;  // FNV-1a over every output double
    for (int shape = 0; shape < 6; shape++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            long d = sizes[s];
            float *x = malloc(sizeof(float) * (size_t)d);
            double *wide = malloc(sizeof(double) * (size_t)d), *work = malloc(sizeof(double) * 4 * (size_t)d);
            for (long i = 0; i < d; i++) {
                double v = normal();
                if (shape == 1 && i == d / 3) v *= 800;                       // a massive activation
                if (shape == 2) v = floor(uniform() * 5) - 2;                  // many ties
                if (shape == 3) v = i == 0 ? 1e6 : 1 + uniform() * 1e-6;      // sort fallback
                if (shape == 4) v *= pow(10, uniform() * 60 - 30);             // huge range
                if (shape == 5) v *= pow(10, uniform() * 600 - 300);           // beyond float's range
                x[i] = (float)v;
                wide[i] = shape >= 4 ? v : (double)x[i] * 0.7 + 0.1;           // a Double-only vector
            }
            double out[20];
            bl_sparsity_values_f32(x, d, work, out);
            bl_sparsity_values(wide, d, work, out + 10);
            for (int k = 0; k < 20; k++) {
                uint64_t bits;
                memcpy(&bits, out + k, sizeof bits);
                printf("%d %ld %d %016llx\n", shape, d, k, (unsigned long long)bits);
                for (int b = 0; b < 8; b++) { digest ^= (bits >> (8 * b)) & 0xff; digest *= 1099511628211ULL; }
            }
            free(x); free(wide); free(work);
        }
    }
    // The row kernel with all three variants, as a study runs it: the outlier-removed variant from the
    // row's sorted magnitudes (two and 33 dimensions left out: reuse and its own sort), z-scores, and
    // measure masks (all, the default study's four, one top-k share).
    const long rowSizes[] = {64, 257, 704};
    const unsigned masks[] = {BL_SPARSITY_ALL_MEASURES, 0x2bu, 0x04u};
    for (size_t s = 0; s < sizeof rowSizes / sizeof rowSizes[0]; s++) {
        long d = rowSizes[s], rows = 5;
        float *x = malloc(sizeof(float) * (size_t)(rows * d));
        long *kept = malloc(sizeof(long) * (size_t)d), *zDims = malloc(sizeof(long) * (size_t)d);
        double *mean = malloc(sizeof(double) * (size_t)d), *std = malloc(sizeof(double) * (size_t)d);
        double *out = malloc(sizeof(double) * (size_t)(rows * 30));
        for (long i = 0; i < rows * d; i++) x[i] = (float)(normal() * (i % d == d / 3 ? 300 : 1));
        for (long i = 0; i < d; i++) { zDims[i] = i; mean[i] = normal() * 0.1; std[i] = 0.5 + uniform(); }
        for (int left = 0; left < 2; left++) {
            long out_of = left == 0 ? 2 : 33, keptCount = 0;
            for (long i = 0; i < d; i++) if (!(i % (d / out_of) == 1 && i / (d / out_of) < out_of)) kept[keptCount++] = i;
            for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
                bl_sparsity_rows(x, rows, d, kept, keptCount, zDims, d, mean, std, masks[m], out, 1);
                for (long k = 0; k < rows * 30; k++) {
                    uint64_t bits;
                    memcpy(&bits, out + k, sizeof bits);
                    printf("rows %ld %d %zu %ld %016llx\n", d, left, m, k, (unsigned long long)bits);
                    for (int b = 0; b < 8; b++) { digest ^= (bits >> (8 * b)) & 0xff; digest *= 1099511628211ULL; }
                }
            }
        }
        free(x); free(kept); free(zDims); free(mean); free(std); free(out);
    }
    // The bootstrap kernels of tests (c) and (d): totals of cluster Grams and eight-lane Cholesky solves.
    const long widths[] = {2, 3, 7, 18};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        long p = widths[w], clusters = 9, size = p * p;
        double *grams = calloc((size_t)(clusters * size), sizeof(double));
        for (long c = 0; c < clusters; c++)
            for (long r = 0; r < 4; r++) {
                double v[18];
                for (long a = 0; a < p; a++) v[a] = normal() * (a == p - 1 && c > 0 ? 0 : 1);  // lanes without cluster 0 are singular
                for (long a = 0; a < p; a++)
                    for (long b = 0; b < p; b++) grams[c * size + a * p + b] += v[a] * v[b];
            }
        long picks[8 * 9];
        for (long i = 0; i < 8 * clusters; i++) picks[i] = (long)(uniform() * (double)clusters);
        for (long i = 0; i < clusters; i++) picks[i] = 3;  // lane 0: no cluster 0
        double *totals = malloc(sizeof(double) * (size_t)(8 * size)), coefficients[8 * 17];
        double *scratch = malloc(sizeof(double) * (size_t)(8 * size + 8 * (p - 1) * (p + 1)));
        int solved[8];
        bl_gram_totals(grams, size, picks, clusters, 8, totals);
        bl_gram_regressions8(totals, p, coefficients, solved, scratch);
        for (long i = 0; i < 8 * size + 8 * (p - 1); i++) {
            uint64_t bits;
            memcpy(&bits, i < 8 * size ? totals + i : coefficients + (i - 8 * size), sizeof bits);
            if (i >= 8 * size && !solved[(i - 8 * size) / (p - 1)]) bits = 0;  // unsolved lanes are unspecified
            printf("gram %ld %ld %016llx\n", p, i, (unsigned long long)bits);
            for (int b = 0; b < 8; b++) { digest ^= (bits >> (8 * b)) & 0xff; digest *= 1099511628211ULL; }
        }
        for (int j = 0; j < 8; j++) printf("gram %ld solved %d %d\n", p, j, solved[j]);
        free(grams); free(totals); free(scratch);
    }
    fprintf(stderr, "digest %016llx\n", (unsigned long long)digest);
    return 0;
}
