#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void bl_keep_freed_buffers(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

// Feature-based clones: "arch=" clones dispatch on the CPU model name and would fall back to baseline
// on newer Xeons (Sapphire Rapids is not "skylake-avx512"). The AVX-512 clone contracts a*b+c into FMA
// (AVX-512F implies FMA), so its last-bit rounding can differ from the other clones; parity tolerances
// (1e-4 abs vs transformers) are far above that.
#if defined(__x86_64__) && defined(__ELF__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
// Other targets (arm64, Mach-O): one build for the target's own vector ISA (NEON on arm64).
#define CLONES
#endif

// Attention weights are flushed to zero below the smallest normal float (FTZ and DAZ in MXCSR for the
// duration of the kernel, restored after): a sharply peaked softmax over a long row gives weights of
// ~2^-126 · (1/Σ), whose products with the values are denormal, and every such multiply-add takes a
// microcode assist (~100 cycles) on x86. Measured on the shipped model: its global attention ran 2×
// slower from that alone. What this drops is below 1.2e-38 per weight or term.
#if defined(__x86_64__)
#include <immintrin.h>
#define BL_FLUSH_DENORMALS_BEGIN const unsigned savedControl = _mm_getcsr(); _mm_setcsr(savedControl | 0x8040u);
#define BL_FLUSH_DENORMALS_END _mm_setcsr(savedControl);
#else
#define BL_FLUSH_DENORMALS_BEGIN
#define BL_FLUSH_DENORMALS_END
#endif

// exp(x) for float, branch-free so loops vectorise: Cody-Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2,
// degree-6 minimax polynomial (Cephes expf coefficients), scale by 2^n through the exponent bits.
// Relative error ≤ 2 ulp on [-87.3, 88.7]; below that the result is clamped to 2^-126 (≈1.2e-38, where
// libm would return a denormal or 0), above to 3.4e38; NaN returns NaN.
static inline float bl_expf(float x) {
    float clamped = fminf(fmaxf(x, -87.33654f), 88.72283f);
    float n = floorf(clamped * 1.44269504088896341f + 0.5f);
    float r = clamped - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float result = y * scale;
    return x != x ? x : result;
}

CLONES void bl_rmsnorm(const float *x, long rows, long cols, const float *w, float eps, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        float *dst = out + r * cols;
        float sum = 0;
        {
#pragma clang fp reassociate(on)
            for (long c = 0; c < cols; c++) sum += row[c] * row[c];
        }
        float inverse = 1.0f / sqrtf(sum / (float)cols + eps);
        // out may alias x: element-wise, so safe to vectorise.
        #pragma clang loop vectorize(assume_safety)
        for (long c = 0; c < cols; c++) dst[c] = w[c] * (row[c] * inverse);
    }
}

CLONES void bl_swiglu(const float *gate, const float *up, long count, float *out) {
    // In-place use (out == gate) is safe element by element; without the pragma clang's runtime alias
    // check falls back to the scalar loop exactly in that case.
#pragma clang loop vectorize(assume_safety)
    for (long i = 0; i < count; i++) {
        float g = gate[i];
        out[i] = (g / (1.0f + bl_expf(-g))) * up[i];
    }
}

CLONES void bl_round_bf16(const float *x, long count, unsigned short *out) {
    // Integer arithmetic on the bit pattern (not vcvtneps2bf16, which flushes subnormal inputs), written
    // branch-free so clang vectorises it in every clone.
    for (long i = 0; i < count; i++) {
        unsigned bits;
        memcpy(&bits, x + i, sizeof bits);
        unsigned rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
        unsigned quietNaN = (bits >> 16) | 0x0040u;
        out[i] = (unsigned short)(((bits & 0x7FFFFFFFu) > 0x7F800000u) ? quietNaN : rounded);
    }
}

typedef float f16v __attribute__((ext_vector_type(16)));

// An unaligned 16-float load as a statement (a helper returning f16v would change the ABI in the
// clones without AVX-512).
#define LOAD16(name, pointer) f16v name; memcpy(&name, (pointer), sizeof name)

CLONES void bl_softmax_range(float *row, long lo, long hi, long width) {
    BL_FLUSH_DENORMALS_BEGIN
    // The maximum is exact whatever the order, so sixteen lanes give the sequential fmaxf's value (NaN is
    // skipped both ways; only the sign of a zero maximum may differ, which no s - max can tell). Without
    // this, ranges under 64 keys ran clang's scalar fmaxf chain.
    float maxScore = -INFINITY;
    long j0 = lo;
    if (hi - lo >= 16) {
        f16v lanes = -INFINITY;
        for (; j0 + 16 <= hi; j0 += 16) {
            LOAD16(v, row + j0);
            lanes = __builtin_elementwise_max(lanes, v);
        }
        maxScore = __builtin_reduce_max(lanes);
    }
    for (long j = j0; j < hi; j++) maxScore = fmaxf(maxScore, row[j]);
    float total = 0;
#pragma clang loop vectorize(assume_safety)
    for (long j = lo; j < hi; j++) row[j] = bl_expf(row[j] - maxScore);
    {
#pragma clang fp reassociate(on)
        for (long j = lo; j < hi; j++) total += row[j];
    }
    float inverse = 1.0f / total;
    for (long j = 0; j < lo; j++) row[j] = 0;
    for (long j = lo; j < hi; j++) row[j] *= inverse;
    for (long j = hi; j < width; j++) row[j] = 0;
    BL_FLUSH_DENORMALS_END
}

CLONES float bl_dot(const float *a, const float *b, long count) {
    float sum = 0;
    {
#pragma clang fp reassociate(on)
        for (long i = 0; i < count; i++) sum += a[i] * b[i];
    }
    return sum;
}

CLONES void bl_axpy(float alpha, const float *x, float *y, long count) {
    for (long i = 0; i < count; i++) y[i] += alpha * x[i];
}

// Sixteen-lane accumulators: each lane computes acc + w·v per key exactly as bl_axpy's loop does per
// element (contracted the same way in each clone), so the sums match bl_axpy into a zeroed row bit for bit;
// what changes is that the row stays in registers instead of a store and reload per key.
CLONES void bl_attend_row(const float *q, const float *key, const float *value, long kvStride, long lo, long hi,
                          long headDim, float scale, float *weights, float *out) {
    BL_FLUSH_DENORMALS_BEGIN
    for (long j = lo; j < hi; j++) weights[j] = bl_dot(q, key + j * kvStride, headDim) * scale;
    bl_softmax_range(weights + lo, 0, hi - lo, hi - lo);
    long i = 0;
    for (; i + 64 <= headDim; i += 64) {
        f16v a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (long j = lo; j < hi; j++) {
            const float *v = value + j * kvStride + i;
            const float w = weights[j];
            LOAD16(v0, v); LOAD16(v1, v + 16); LOAD16(v2, v + 32); LOAD16(v3, v + 48);
            a0 += w * v0;
            a1 += w * v1;
            a2 += w * v2;
            a3 += w * v3;
        }
        memcpy(out + i, &a0, sizeof a0);
        memcpy(out + i + 16, &a1, sizeof a1);
        memcpy(out + i + 32, &a2, sizeof a2);
        memcpy(out + i + 48, &a3, sizeof a3);
    }
    for (; i + 16 <= headDim; i += 16) {
        f16v a = 0;
        for (long j = lo; j < hi; j++) {
            LOAD16(v, value + j * kvStride + i);
            a += weights[j] * v;
        }
        memcpy(out + i, &a, sizeof a);
    }
    for (; i < headDim; i++) {
        float a = 0;
        for (long j = lo; j < hi; j++) a += weights[j] * value[j * kvStride + i];
        out[i] = a;
    }
    BL_FLUSH_DENORMALS_END
}

CLONES void bl_add(const float *x, float *y, long count) {
    for (long i = 0; i < count; i++) y[i] += x[i];
}

CLONES void bl_rope(float *x, long rows, long heads, long rowStride, long headDim, const float *cosTable,
                    const float *sinTable) {
    long half = headDim / 2;
    for (long r = 0; r < rows; r++) {
        const float *c = cosTable + r * half, *s = sinTable + r * half;
        for (long h = 0; h < heads; h++) {
            float *v = x + r * rowStride + h * headDim;
            #pragma clang loop vectorize(assume_safety)
            for (long i = 0; i < half; i++) {
                float a = v[2 * i], b = v[2 * i + 1];
                v[2 * i] = a * c[i] + (-b) * s[i];
                v[2 * i + 1] = b * c[i] + a * s[i];
            }
        }
    }
}

CLONES void bl_row_moments(const float *x, long rows, long cols, float nearZero, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        float l1 = 0, l2 = 0;
        // max|x| as an integer max over the bit patterns of |x| (same order for non-negative floats, and
        // vectorisable where a float fmax reduction is not); a NaN's pattern exceeds +inf's, so NaN wins.
        uint32_t peakBits = 0;
        int32_t small = 0;
        {
#pragma clang fp reassociate(on)
            for (long c = 0; c < cols; c++) {
                float a = fabsf(row[c]);
                uint32_t bits;
                memcpy(&bits, &a, sizeof bits);
                l1 += a;
                l2 += a * a;
                peakBits = bits > peakBits ? bits : peakBits;
                small += a <= nearZero;
            }
        }
        float peak;
        memcpy(&peak, &peakBits, sizeof peak);
        out[4 * r] = l1;
        out[4 * r + 1] = l2;
        out[4 * r + 2] = peak;
        out[4 * r + 3] = (float)small;
    }
}

CLONES void bl_row_sparsity(const float *x, long rows, long cols, float nearZero, float *out) {
    bl_row_moments(x, rows, cols, nearZero, out);
    float root = sqrtf((float)cols);
    for (long r = 0; r < rows; r++) {
        float l1 = out[4 * r], l2sq = out[4 * r + 1], peak = out[4 * r + 2], small = out[4 * r + 3];
        float l2 = sqrtf(l2sq);
        // NaN rows: l2 is NaN, so the comparisons below are false and NaN flows into every measure.
        out[4 * r] = (cols == 1 || l2 == 0) ? 0.0f : (root - l1 / l2) / (root - 1.0f);
        out[4 * r + 1] = l2sq == 0 ? 0.0f : peak * peak / l2sq;
        out[4 * r + 2] = small / (float)cols;
        out[4 * r + 3] = l2;
    }
}

int bl_vector_level(void) {
    // The rule the target_clones resolver applies (highest-priority supported feature first). The
    // preprocessor cannot tell clones apart, so this asks the CPU the same questions at run time.
#if defined(__x86_64__) && defined(__ELF__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 3;
    if (__builtin_cpu_supports("avx2")) return 2;
#endif
    return 1;
}
