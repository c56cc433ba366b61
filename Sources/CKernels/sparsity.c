// All ten per-vector sparsity measures of Metrics.SparsityMeasure in one routine, in Double, fast enough
// to run inside a hook on every row of every layer (see bl_sparsity_values / bl_sparsity_rows in
// ckernels.h for the contract; Metrics.SparsityValues documents each measure and its edge cases).
//
// Why C: the Swift version spent ~80 % of its time in Array.sort (a merge sort over Double). Here the
// magnitudes are ordered by radix sort: a non-negative float's (or double's) bit pattern orders like its
// value, so two LSD passes on the leading bits of (pattern − smallest pattern), i.e. over the range the
// vector actually spans, followed by an insertion pass on the full patterns for the few elements that
// agree in those bits, sort exactly in a few operations per element instead of ~log₂d comparisons.
// Float vectors (hook buffers) sort their 32-bit patterns, Double vectors (z-scores) their 64-bit ones.
//
// Reproducibility: every sum is accumulated in a fixed order (8 lanes, element i into lane i mod 8,
// lanes combined pairwise), contraction into FMA is off, and log and exp are our own (fdlibm's
// algorithms, < 1 ulp) instead of libm's, whose implementation glibc picks by CPU; so the AVX-512, AVX2
// and baseline clones return bit-identical results on every x86-64 machine (Tests/ISAIdentity), and a
// row's result does not depend on how rows are split over threads.
#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

// Tests/ISAIdentity builds this file once per ISA with SPARSITY_CLONES defined empty and compares bits.
#if defined(SPARSITY_CLONES)
#elif defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define SPARSITY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SPARSITY_CLONES
#endif

// Eight-lane vectors (clang's ext_vector_type): one zmm register on AVX-512, two ymm on AVX2, four xmm
// on the baseline; element-wise arithmetic in lane order, so every clone rounds identically.
typedef double d8 __attribute__((ext_vector_type(8)));
typedef int64_t q8 __attribute__((ext_vector_type(8)));
typedef float f8 __attribute__((ext_vector_type(8)));

// Helpers are macros: a function taking or returning a 512-bit vector would change the calling
// convention between the clones, which clang rejects.
#define load8(p) ({ d8 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { d8 s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
/// 8 floats at p widened to doubles, and the partial form (zero beyond count).
#define loadf8(p) ({ f8 v_; memcpy(&v_, (p), sizeof v_); __builtin_convertvector(v_, d8); })
#define load_partialf8(p, count) ({ float l_[8] = {0}; memcpy(l_, (p), sizeof(float) * (size_t)(count)); loadf8(l_); })
/// Lanes of `a` where mask is all ones, of `b` where it is zero.
#define select8(mask, a, b) ((d8)(((q8)(mask) & (q8)(a)) | (~(q8)(mask) & (q8)(b))))
#define abs8(x) ((d8)((q8)(x) & 0x7fffffffffffffffLL))
#define sum8(v) ({ d8 t_ = (v); ((t_[0] + t_[1]) + (t_[2] + t_[3])) + ((t_[4] + t_[5]) + (t_[6] + t_[7])); })
/// Lane i is all ones when i < count.
#define first_lanes(count) ((q8){0, 1, 2, 3, 4, 5, 6, 7} < (q8)(long)(count))
/// The 8 values at p[0..<count] (count ≤ 8), zero beyond.
#define load_partial8(p, count) ({ double l_[8] = {0}; memcpy(l_, (p), sizeof(double) * (size_t)(count)); load8(l_); })

/// Natural logarithm of positive normal doubles, lane by lane (fdlibm's e_log.c algorithm: x = 2^k·(1+f)
/// with 1+f ∈ [√2/2, √2), log(1+f) from a minimax polynomial in s = f/(2+f); error < 1 ulp). Lanes
/// holding 0, subnormals, ∞ or NaN give unspecified values; callers select them away.
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define LG1 6.666666666666735130e-01
#define LG2 3.999999999940941908e-01
#define LG3 2.857142874366239149e-01
#define LG4 2.222219843214978396e-01
#define LG5 1.818357216161805012e-01
#define LG6 1.531383769920937332e-01
#define LG7 1.479819860511658591e-01
#define log8(x) ({                                                                                        \
    /* Move the exponent boundary to √2/2 so that the mantissa 1+f lies in [√2/2, √2). */                 \
    q8 sh_ = (q8)(x) + (0x3ff0000000000000LL - 0x3fe6a09e00000000LL);                                     \
    /* k + 1023 exactly as a double: the biased exponent placed in the mantissa of 2^52. */               \
    d8 dk_ = (d8)((sh_ >> 52) | 0x4330000000000000LL) - (4503599627370496.0 + 1023.0);                    \
    d8 f_ = (d8)((sh_ & 0x000fffffffffffffLL) + 0x3fe6a09e00000000LL) - 1.0;                              \
    d8 s_ = f_ / (2.0 + f_);                                                                              \
    d8 z_ = s_ * s_, w_ = z_ * z_;                                                                        \
    d8 r_ = z_ * (LG1 + w_ * (LG3 + w_ * (LG5 + w_ * LG7))) + w_ * (LG2 + w_ * (LG4 + w_ * LG6));        \
    d8 hfsq_ = 0.5 * f_ * f_;                                                                             \
    dk_ * LN2_HI - ((hfsq_ - (s_ * (hfsq_ + r_) + dk_ * LN2_LO)) - f_);                                   \
})


/// e^x for |x| ≤ 700 (fdlibm's e_exp.c algorithm: x = k·ln2 + r, |r| ≤ ln2/2, a rational approximation
/// of e^r from a degree-5 minimax polynomial, then scaling by 2^k; error < 1 ulp). Used once per vector
/// (exp of the energy entropy, which lies in [0, ln d]).
static double exp_moderate(double x) {
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                 inv_ln2 = 1.44269504088896338700e+00;
    const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                 P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                 P5 = 4.13813679705723846039e-08;
    double kd = x * inv_ln2;
    kd = kd < 0 ? kd - 0.5 : kd + 0.5;
    int k = (int)kd;                                   // round half away from zero
    double hi = x - k * ln2_hi, lo = k * ln2_lo, r = hi - lo;
    double t = r * r;
    double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    uint64_t bits;
    memcpy(&bits, &y, sizeof bits);
    bits += (uint64_t)(int64_t)k << 52;                // y · 2^k (no overflow or underflow for |x| ≤ 700)
    memcpy(&y, &bits, sizeof y);
    return y;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

// Sorts the d bit patterns src[0..<d] (all in [lo, hi]) ascending, using dst[0..<d] as the other buffer,
// and returns whichever of the two holds the result. A non-negative float's or double's bit pattern
// orders like its value, so this sorts magnitudes exactly: two LSD passes on the leading 2·b bits of
// (pattern − lo), i.e. over the range the vector actually spans, then an insertion pass on the full
// patterns for the few elements that agree in those bits (finished by qsort past 16 moves per element,
// for near-equal vectors). Short vectors use narrower digits: the prefix sums over 2^b buckets are a
// serial chain per vector. One definition per pattern width.
#define DEFINE_PATTERN_SORT(name, T, CLZ, COMPARE)                                                        \
    static inline __attribute__((always_inline)) T *name(T *src, T *dst, long d, T lo, T hi) {            \
        const int b = d <= 128 ? 6 : d <= 384 ? 7 : 8;                                                    \
        const T mask = ((T)1 << b) - 1;                                                                   \
        T span = hi - lo;                                                                                 \
        int width = span ? (int)(8 * sizeof(T)) - CLZ(span) : 0;                                          \
        int shift = width > 2 * b ? width - 2 * b : 0;                                                    \
        uint32_t count[2][256];                                                                           \
        memset(count, 0, sizeof count);                                                                   \
        for (long i = 0; i < d; i++) {                                                                    \
            T digits = (src[i] - lo) >> shift;                                                            \
            count[0][digits & mask]++;                                                                    \
            count[1][(digits >> b) & mask]++;                                                             \
        }                                                                                                 \
        for (int pass = 0; pass < 2; pass++) {                                                            \
            uint32_t *c = count[pass];                                                                    \
            int digit = shift + b * pass;                                                                 \
            /* A pass where every element falls into one bucket would only copy. */                       \
            if (c[((src[0] - lo) >> digit) & mask] == (uint32_t)d) continue;                              \
            uint32_t offset = 0;                                                                          \
            for (T k = 0; k <= mask; k++) { uint32_t n = c[k]; c[k] = offset; offset += n; }              \
            for (long i = 0; i < d; i++) {                                                                \
                T key = src[i];                                                                           \
                dst[c[((key - lo) >> digit) & mask]++] = key;                                             \
            }                                                                                             \
            T *t = src; src = dst; dst = t;                                                               \
        }                                                                                                 \
        long moves = 0, budget = 16 * d;                                                                  \
        for (long i = 1; i < d; i++) {                                                                    \
            T v = src[i];                                                                                 \
            if (!(src[i - 1] > v)) continue;                                                              \
            long j = i;                                                                                   \
            while (j > 0 && src[j - 1] > v) { src[j] = src[j - 1]; j--; }                                 \
            src[j] = v;                                                                                   \
            moves += i - j;                                                                               \
            if (moves > budget) {                                                                         \
                qsort(src, (size_t)d, sizeof(T), COMPARE);                                                \
                break;                                                                                    \
            }                                                                                             \
        }                                                                                                 \
        return src;                                                                                       \
    }

DEFINE_PATTERN_SORT(sort_patterns_u32, uint32_t, __builtin_clz, compare_u32)
DEFINE_PATTERN_SORT(sort_patterns_u64, uint64_t, __builtin_clzll, compare_u64)

#if defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_BITONIC_AVX512 1

// Bitonic sorting network over R registers of 16 floats (N = 16·R elements, R a power of two ≤ 32),
// ascending. Element i = 16·r + lane. For block size s = 2, 4, …, N and distance t = s/2, …, 1, element
// i and i ^ t are compared: the lower index keeps the minimum where (i & s) == 0 and the maximum
// elsewhere. Distances ≥ 16 pair whole registers; smaller ones pair lanes within a register (permute,
// min, max, blend). R is a constant at every call site, so the loops unroll and v stays in registers.
// VT is the register type (__m512 or __m512i) and MIN/MAX/PERMUTE/BLEND its intrinsics: floats compare as
// floats, the 32-bit keys of the double path as unsigned integers.
#define BITONIC_BODY(v, R, LOG_N, VT, MIN, MAX, PERMUTE, BLEND)                                                                       \
    do {                                                                                                  \
        const __m512i lane_ = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);      \
        _Pragma("clang loop unroll(full)")                                                                \
        for (int ks_ = 1; ks_ <= (LOG_N); ks_++) {                                                        \
            const int s_ = 1 << ks_;                                                                      \
            _Pragma("clang loop unroll(full)")                                                            \
            for (int kt_ = ks_ - 1; kt_ >= 0; kt_--) {                                                    \
                const int t_ = 1 << kt_;                                                                  \
                if (t_ >= 16) {                                                                           \
                    _Pragma("clang loop unroll(full)")                                                    \
                    for (int r_ = 0; r_ < (R); r_++) {                                                    \
                        int p_ = r_ ^ (t_ >> 4);                                                          \
                        if (p_ < r_) continue;                                                            \
                        VT lo_ = MIN(v[r_], v[p_]), hi_ = MAX(v[r_], v[p_]);                              \
                        int up_ = ((16 * r_) & s_) == 0;                                                  \
                        v[r_] = up_ ? lo_ : hi_;                                                          \
                        v[p_] = up_ ? hi_ : lo_;                                                          \
                    }                                                                                     \
                } else {                                                                                  \
                    __m512i partner_ = _mm512_xor_si512(lane_, _mm512_set1_epi32(t_));                   \
                    /* Lanes keeping the minimum: the lower of each pair where the block ascends. Below */ \
                    /* s = 16 the direction changes within a register, from 16 on per register. */       \
                    unsigned lower_ = 0, small_ = 0;                                                      \
                    _Pragma("clang loop unroll(full)")                                                    \
                    for (int l_ = 0; l_ < 16; l_++) {                                                     \
                        lower_ |= (unsigned)((l_ & t_) == 0) << l_;                                       \
                        small_ |= (unsigned)(((l_ & t_) == 0) == ((l_ & s_) == 0)) << l_;                 \
                    }                                                                                     \
                    _Pragma("clang loop unroll(full)")                                                    \
                    for (int r_ = 0; r_ < (R); r_++) {                                                    \
                        unsigned take_min_ = s_ < 16 ? small_ : ((16 * r_) & s_) == 0 ? lower_ : ~lower_; \
                        VT w_ = PERMUTE(partner_, v[r_]);                                                 \
                        VT lo_ = MIN(v[r_], w_), hi_ = MAX(v[r_], w_);                                    \
                        v[r_] = BLEND((__mmask16)take_min_, hi_, lo_);                                    \
                    }                                                                                     \
                }                                                                                         \
            }                                                                                             \
        }                                                                                                 \
    } while (0)

#define BITONIC_CASE(R, LOG_N)                                                                            \
    case R: {                                                                                             \
        __m512 v[R];                                                                                      \
        for (int r = 0; r < R; r++) {                                                                     \
            long base = 16L * r, left = d - base;                                                        \
            __mmask16 m = left >= 16 ? (__mmask16)0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : 0; \
            /* |x|: clear the sign bit; lanes past d hold +∞ and sort to the end. */                      \
            __m512 x = _mm512_mask_loadu_ps(_mm512_set1_ps(INFINITY), m, hf + (left > 0 ? base : 0));     \
            v[r] = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff))); \
        }                                                                                                 \
        BITONIC_BODY(v, R, LOG_N, __m512, _mm512_min_ps, _mm512_max_ps, _mm512_permutexvar_ps, _mm512_mask_blend_ps); \
        for (int r = 0; r < R; r++) {                                                                     \
            long base = 16L * r, left = d - base;                                                        \
            if (left <= 0) break;                                                                         \
            __m512d low = _mm512_cvtps_pd(_mm512_castps512_ps256(v[r]));                                  \
            __m512d high = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v[r]), 1))); \
            __mmask8 ml = left >= 8 ? (__mmask8)0xff : (__mmask8)((1u << left) - 1);                     \
            _mm512_mask_storeu_pd(sorted + base, ml, low);                                               \
            if (left > 8) {                                                                               \
                __mmask8 mh = left >= 16 ? (__mmask8)0xff : (__mmask8)((1u << (left - 8)) - 1);           \
                _mm512_mask_storeu_pd(sorted + base + 8, mh, high);                                       \
            }                                                                                             \
        }                                                                                                 \
        return;                                                                                           \
    }

/// The magnitudes of the float vector hf[0..<d] (1 ≤ d ≤ 512), sorted ascending, into sorted[0..<d] as
/// doubles, by an AVX-512 bitonic network (exact, like every sort: the output is the same array).
__attribute__((target("avx512f")))
static void bitonic_sort_magnitudes_avx512(const float *hf, long d, double *sorted) {
    int R = 1;
    while (16 * R < d) R <<= 1;
    switch (R) {
        BITONIC_CASE(1, 4)
        BITONIC_CASE(2, 5)
        BITONIC_CASE(4, 6)
        BITONIC_CASE(8, 7)
        BITONIC_CASE(16, 8)
        BITONIC_CASE(32, 9)
    }
}

#define KEY_BITONIC_CASE(R, LOG_N)                                                                        \
    case R: {                                                                                             \
        __m512i v[R];                                                                                     \
        for (int r = 0; r < R; r++) {                                                                     \
            long base = 16L * r, left = d - base;                                                        \
            __mmask16 m = left >= 16 ? (__mmask16)0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : 0; \
            v[r] = _mm512_mask_loadu_epi32(_mm512_set1_epi32(-1), m, keys + (left > 0 ? base : 0));       \
        }                                                                                                 \
        BITONIC_BODY(v, R, LOG_N, __m512i, _mm512_min_epu32, _mm512_max_epu32, _mm512_permutexvar_epi32,  \
                     _mm512_mask_blend_epi32);                                                            \
        for (int r = 0; r < R; r++) {                                                                     \
            long base = 16L * r, left = d - base;                                                        \
            if (left <= 0) break;                                                                         \
            __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);               \
            _mm512_mask_storeu_epi32(keys + base, m, v[r]);                                               \
        }                                                                                                 \
        return;                                                                                           \
    }

/// Sorts the 32-bit keys[0..<d] (1 ≤ d ≤ 512) ascending as unsigned integers, in place.
__attribute__((target("avx512f")))
static void bitonic_sort_keys_avx512(uint32_t *keys, long d) {
    int R = 1;
    while (16 * R < d) R <<= 1;
    switch (R) {
        KEY_BITONIC_CASE(1, 4)
        KEY_BITONIC_CASE(2, 5)
        KEY_BITONIC_CASE(4, 6)
        KEY_BITONIC_CASE(8, 7)
        KEY_BITONIC_CASE(16, 8)
        KEY_BITONIC_CASE(32, 9)
    }
}

/// The d magnitudes mag[0..<d] (1 ≤ d ≤ 512; non-negative doubles) sorted ascending into sorted[0..<d]. A
/// bitonic network in registers sorts 32-bit keys: each magnitude rounded to float (monotone, so the float
/// order never contradicts the double order), cut to its leading bits, with the element's index in the low
/// bits. That orders the elements up to ties between magnitudes agreeing in their leading ~14 significant
/// bits; an insertion pass on the full 64-bit patterns then settles those (few moves, finished by qsort
/// past 16 per element, like the radix path). Exact, like every sort here: the output is the same array.
/// `work` holds ≥ d uint64.
__attribute__((target("avx512f")))
static void bitonic_sort_double_magnitudes_avx512(const double *mag, long d, double *sorted, uint64_t *work) {
    uint32_t *keys = (uint32_t *)sorted;   // d keys fit in the first half of the output
    int indexBits = 0;
    while ((1L << indexBits) < d) indexBits++;
    const uint32_t indexMask = (uint32_t)((1UL << indexBits) - 1);
    const int cut = indexBits > 0 ? indexBits - 1 : 0;   // float patterns < 2^31: the key keeps 32 − indexBits bits
    for (long i = 0; i < d; i++) {
        float f = (float)mag[i];
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        keys[i] = (uint32_t)(((uint64_t)((bits & 0x7fffffffu) >> cut) << indexBits) | (uint64_t)i);
    }
    bitonic_sort_keys_avx512(keys, d);
    for (long i = 0; i < d; i++) memcpy(work + i, mag + (keys[i] & indexMask), sizeof(uint64_t));
    long moves = 0, budget = 16 * d;
    for (long i = 1; i < d; i++) {
        uint64_t v = work[i];
        if (!(work[i - 1] > v)) continue;
        long j = i;
        while (j > 0 && work[j - 1] > v) { work[j] = work[j - 1]; j--; }
        work[j] = v;
        moves += i - j;
        if (moves > budget) {
            qsort(work, (size_t)d, sizeof(uint64_t), compare_u64);
            break;
        }
    }
    memcpy(sorted, work, sizeof(double) * (size_t)d);
}
#endif


/// Sorts `d` magnitudes (non-negative, finite doubles) ascending from `mag` into `sorted` by their 64-bit
/// patterns. `work` holds ≥ d uint64 (`sorted` is the other buffer).
static inline __attribute__((always_inline)) void sort_magnitudes(const double *mag, long d, double *sorted,
                                                                   uint64_t *work) {
#if defined(HAVE_BITONIC_AVX512) && !defined(SPARSITY_RADIX_ONLY)
    if (d <= 512 && __builtin_cpu_supports("avx512f")) {
        bitonic_sort_double_magnitudes_avx512(mag, d, sorted, work);
        return;
    }
#endif
    uint64_t lo = UINT64_MAX, hi = 0;
    for (long i = 0; i < d; i++) {
        uint64_t key;
        memcpy(&key, mag + i, sizeof key);
        work[i] = key;
        lo = key < lo ? key : lo;
        hi = key > hi ? key : hi;
    }
    uint64_t *result = sort_patterns_u64(work, (uint64_t *)sorted, d, lo, hi);
    if (result != (uint64_t *)sorted) memcpy(sorted, result, sizeof(double) * (size_t)d);
}

/// sort_magnitudes for a float32 vector hf: sorts the magnitudes' float bit patterns themselves, which
/// needs no index and no gather. `work` holds ≥ 2·d uint32.
static inline __attribute__((always_inline))
void sort_float_magnitudes(const float *hf, long d, double *sorted, uint32_t *work) {
#if defined(HAVE_BITONIC_AVX512) && !defined(SPARSITY_RADIX_ONLY)
    // Short vectors on AVX-512 CPUs: a sorting network in registers beats the radix passes' scalar
    // scatters about twofold. Either way the sorted array is the same.
    if (d <= 512 && __builtin_cpu_supports("avx512f")) {
        bitonic_sort_magnitudes_avx512(hf, d, sorted);
        return;
    }
#endif
    uint32_t lo = UINT32_MAX, hi = 0;
    for (long i = 0; i < d; i++) {
        // |x| of a float is its bit pattern without the sign bit.
        uint32_t key;
        memcpy(&key, hf + i, sizeof key);
        key &= 0x7fffffffu;
        work[i] = key;
        lo = key < lo ? key : lo;
        hi = key > hi ? key : hi;
    }
    uint32_t *result = sort_patterns_u32(work, work + d, d, lo, hi);
    for (long i = 0; i < d; i++) {
        float f;
        memcpy(&f, result + i, sizeof f);
        sorted[i] = (double)f;
    }
}

static inline long top_count(int percent, long d) {
    long k = (percent * d + 99) / 100;
    if (k < 1) k = 1;
    return k < d ? k : d;
}

/// Sets the measures outside `mask` to NaN (bit i = measure i of Metrics.SparsityMeasure).
static inline __attribute__((always_inline)) void apply_mask(double *out, unsigned mask) {
    for (int i = 0; i < BL_SPARSITY_VALUES; i++)
        if (!(mask & BL_SPARSITY_MEASURE(i))) out[i] = NAN;
}

/// The ten measures of h (doubles) or hf (floats; then h is NULL): see bl_sparsity_values.
static inline __attribute__((always_inline))
void measure_core(const double *h, const float *hf, const int fromFloats, long d, double *work, double *out,
                  const unsigned mask) {
    double *mag = work, *sorted = work + d;
    const double dd = (double)d;
    const long full = d - d % 8, rest = d - full;

    // L1, energy, fourth-power sum, signed sum and signed cube sum (zero padding adds nothing); the
    // Double path also keeps the magnitudes for its sort.
    d8 l1v = 0, ev = 0, fv = 0, sv = 0, cv = 0;
    for (long i = 0; i <= full; i += 8) {
        if (i == full && rest == 0) break;
        d8 x = fromFloats ? (i < full ? loadf8(hf + i) : load_partialf8(hf + i, rest))
                  : (i < full ? load8(h + i) : load_partial8(h + i, rest));
        d8 a = abs8(x), a2 = a * a;
        if (!fromFloats) {
            if (i < full) store8(mag + i, a);
            else for (long j = 0; j < rest; j++) mag[i + j] = a[j];
        }
        l1v += a; ev += a2; fv += a2 * a2; sv += x; cv += a2 * x;
    }
    double l1 = sum8(l1v), energy = sum8(ev), fourth = sum8(fv), sum = sum8(sv), cubes = sum8(cv);

    // Excess kurtosis of the signed entries from the central moments m2, m4. When the mean is small
    // next to the spread (μ² ≤ E[x²]/4, most activation rows) they follow from the power sums above
    // with little cancellation (rounding amplified at most ~20x); otherwise a second pass over x − μ.
    double mean = sum / dd, meanSquare = energy / dd;
    double m2, m4;
    if (mean * mean <= 0.25 * meanSquare) {
        m2 = meanSquare - mean * mean;
        m4 = fourth / dd - 4 * mean * (cubes / dd) + 6 * mean * mean * meanSquare - 3 * (mean * mean) * (mean * mean);
    } else {
        d8 m2v = 0, m4v = 0;
        for (long i = 0; i <= full; i += 8) {
            if (i == full && rest == 0) break;
            d8 x = fromFloats ? (i < full ? loadf8(hf + i) : load_partialf8(hf + i, rest))
                      : (i < full ? load8(h + i) : load_partial8(h + i, rest));
            d8 c = i < full ? x - mean : select8(first_lanes(rest), x - mean, (d8)0);
            d8 c2 = c * c;
            m2v += c2; m4v += c2 * c2;
        }
        m2 = sum8(m2v) / dd;
        m4 = sum8(m4v) / dd;
    }
    double kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0;

    // Gini, the top-k shares, the energy entropy and the near-zero count read the sorted magnitudes; a
    // mask without them (e.g. Hoyer and participation ratio only) skips the sort.
    const int needsSort = (mask & BL_SPARSITY_SORTED_MEASURES) != 0;
    if (needsSort) {
        if (fromFloats) sort_float_magnitudes(hf, d, sorted, (uint32_t *)(work + 2 * d));
        else sort_magnitudes(mag, d, sorted, (uint64_t *)(work + 2 * d));
    }

    double top[3] = {NAN, NAN, NAN};
    const int percents[3] = {1, 5, 10};
    for (int t = 0; needsSort && t < 3; t++) {
        long k = top_count(percents[t], d);
        if (energy > 0) {
            double acc = 0;
            for (long i = d - k; i < d; i++) acc += sorted[i] * sorted[i];
            top[t] = acc / energy;
        } else {
            top[t] = (double)k / dd;
        }
    }

    if (!(energy > 0)) {
        // Zero vector: the values of a constant vector, and every entry counts as near zero.
        double zero[BL_SPARSITY_VALUES] = {0, 0, top[0], top[1], top[2], 1, 1, 1, 0, 0};
        memcpy(out, zero, sizeof zero);
        apply_mask(out, mask);
        return;
    }

    double l2 = sqrt(energy), root = sqrt(dd);
    double hoyer = 0;
    if (d > 1) {
        hoyer = (root - l1 / l2) / (root - 1);
        hoyer = hoyer < 0 ? 0 : hoyer > 1 ? 1 : hoyer;
    }

    out[0] = hoyer;
    out[5] = energy * energy / fourth / dd;
    out[8] = kurtosis;
    out[9] = l2;
    if (!needsSort) {   // every measure still unset is outside the mask: apply_mask makes it NaN
        apply_mask(out, mask);
        return;
    }

    // Gini from the sorted magnitudes, 2·Σ k·a₍ₖ₎ / (d·L1) − (d+1)/d, with the entropy of pᵢ = aᵢ²/E
    // and the near-zero count in the same pass.
    const double threshold = 0.1 * sqrt(energy / dd);
    const d8 lane_rank = {1, 2, 3, 4, 5, 6, 7, 8};
    const double inverseEnergy = 1.0 / energy;
    d8 wv = 0, hv = 0, nv = 0;
    // The entropy's log is most of this pass; without the energy effective dimension in the mask the
    // same loop runs without it (the other sums keep their order, so their bits do not change).
#define SORTED_PASS(WITH_ENTROPY)                                                                         \
    for (long i = 0; i <= full; i += 8) {                                                                 \
        if (i == full && rest == 0) break;                                                                \
        d8 a = i < full ? load8(sorted + i) : load_partial8(sorted + i, rest);                            \
        q8 valid = i < full ? (q8)-1 : first_lanes(rest);                                                 \
        wv += (lane_rank + (double)i) * a;                                                                \
        if (WITH_ENTROPY) {                                                                               \
            d8 p = a * a * inverseEnergy;                                                                 \
            /* p below the smallest normal double would contribute p·ln p > −1e-305: nothing. */          \
            hv -= select8(p >= 2.2250738585072014e-308, p * log8(p), (d8)0);                              \
        }                                                                                                 \
        nv += select8(valid & (a <= threshold), (d8)1.0, (d8)0);                                          \
    }
    if (mask & BL_SPARSITY_MEASURE(6)) { SORTED_PASS(1) } else { SORTED_PASS(0) }
#undef SORTED_PASS
    double gini = 2 * sum8(wv) / (dd * l1) - (dd + 1) / dd;
    if (gini < 0) gini = 0;
    double entropy = sum8(hv), nearZero = sum8(nv);

    out[1] = gini;
    out[2] = top[0];
    out[3] = top[1];
    out[4] = top[2];
    out[6] = exp_moderate(entropy) / dd;
    out[7] = nearZero / dd;
    apply_mask(out, mask);
}

SPARSITY_CLONES
void bl_sparsity_values(const double *h, long d, double *work, double *out) {
    measure_core(h, 0, 0, d, work, out, BL_SPARSITY_ALL_MEASURES);
}

SPARSITY_CLONES
void bl_sparsity_values_f32(const float *h, long d, double *work, double *out) {
    measure_core(0, h, 1, d, work, out, BL_SPARSITY_ALL_MEASURES);
}

SPARSITY_CLONES
static void sparsity_values_masked(const double *h, long d, double *work, double *out, unsigned mask) {
    measure_core(h, 0, 0, d, work, out, mask);
}

SPARSITY_CLONES
static void sparsity_values_f32_masked(const float *h, long d, double *work, double *out, unsigned mask) {
    measure_core(0, h, 1, d, work, out, mask);
}

// MARK: Rows of a hook buffer, in parallel

typedef struct {
    const float *x;
    long rows, cols;
    const long *kept;
    long keptCount;
    const long *zDims;
    long zCount;
    const double *zMean, *zStd;
    double *out;
    long stride;           // doubles per output row
    long rowsPerChunk;
    unsigned mask;         // measures computed (BL_SPARSITY_MEASURE bits); the others are NaN
    int zAllDims;          // zDims is 0, 1, …, cols − 1: the z-scores vectorise (no index)
} rows_job;

// One workspace per thread, kept for the thread's life (freed by a pthread key destructor when the
// thread exits) and grown when a wider hook comes: no allocation per chunk.
static pthread_key_t workspace_key;
static pthread_once_t workspace_once = PTHREAD_ONCE_INIT;
static void free_workspace(void *p) { free(p); }
static void make_workspace_key(void) { pthread_key_create(&workspace_key, free_workspace); }

/// At least `count` doubles of this thread's workspace, or NULL when out of memory.
static double *thread_workspace(long count) {
    pthread_once(&workspace_once, make_workspace_key);
    long *block = pthread_getspecific(workspace_key);   // block[0] holds the capacity in doubles
    if (block && block[0] >= count) return (double *)(block + 1);
    free(block);
    block = malloc(sizeof(double) * (size_t)(count + 1));
    if (block) block[0] = count;
    pthread_setspecific(workspace_key, block);
    return block ? (double *)(block + 1) : 0;
}

static void rows_chunk(void *ctx, long chunk) {
    const rows_job *job = (const rows_job *)ctx;
    long cols = job->cols;
    long begin = chunk * job->rowsPerChunk, end = begin + job->rowsPerChunk;
    if (end > job->rows) end = job->rows;
    double *buffer = thread_workspace(cols + BL_SPARSITY_WORK_DOUBLES(cols));
    if (!buffer) {
        // Out of memory: the chunk's rows come out NaN (callers validate finiteness) instead of a crash
        // inside a hook.
        for (long r = begin; r < end; r++)
            for (long c = 0; c < job->stride; c++) job->out[r * job->stride + c] = NAN;
        return;
    }
    double *variant = buffer, *work = buffer + cols;
    float *keptValues = (float *)variant;   // the kept-dimension gather, as floats
    for (long r = begin; r < end; r++) {
        const float *row = job->x + r * cols;
        double *out = job->out + r * job->stride;
        sparsity_values_f32_masked(row, cols, work, out, job->mask);
        out += BL_SPARSITY_VALUES;
        if (job->kept) {
            for (long j = 0; j < job->keptCount; j++) keptValues[j] = row[job->kept[j]];
            sparsity_values_f32_masked(keptValues, job->keptCount, work, out, job->mask);
            out += BL_SPARSITY_VALUES;
        }
        if (job->zDims && job->zAllDims) {
            // The same divisions as below, element by element, eight at a time.
            for (long j = 0; j < cols; j++) variant[j] = ((double)row[j] - job->zMean[j]) / job->zStd[j];
            sparsity_values_masked(variant, cols, work, out, job->mask);
        } else if (job->zDims) {
            for (long j = 0; j < job->zCount; j++) {
                long i = job->zDims[j];
                variant[j] = ((double)row[i] - job->zMean[i]) / job->zStd[i];
            }
            sparsity_values_masked(variant, job->zCount, work, out, job->mask);
        }
    }
}

/// The row part of a job: output stride from the variants asked for, and rows per chunk: at most ~32k
/// elements, and at least 4 chunks per worker when there are rows enough, so that both cores stay busy
/// to the end even on a short input. Returns the number of row chunks.
static long setup_rows_job(rows_job *job, const float *x, long rows, long cols, const long *kept, long keptCount,
                           const long *zDims, long zCount, const double *zMean, const double *zStd, double *out,
                           unsigned measures, int workers) {
    *job = (rows_job){x, rows, cols, kept, keptCount, zDims, zCount, zMean, zStd, out,
                      BL_SPARSITY_VALUES * (1 + (kept != 0) + (zDims != 0)), 1, measures & BL_SPARSITY_ALL_MEASURES, 0};
    if (zDims && zCount == cols) {
        job->zAllDims = 1;
        for (long j = 0; j < zCount; j++) if (zDims[j] != j) { job->zAllDims = 0; break; }
    }
    long per = 32768 / cols, spread = (rows + 4L * workers - 1) / (4L * workers);
    if (spread < per) per = spread;
    job->rowsPerChunk = per < 1 ? 1 : per;
    return (rows + job->rowsPerChunk - 1) / job->rowsPerChunk;
}

void bl_sparsity_rows(const float *x, long rows, long cols, const long *kept, long keptCount,
                      const long *zDims, long zCount, const double *zMean, const double *zStd,
                      unsigned measures, double *out, int workers) {
    if (rows <= 0 || cols <= 0) return;
    rows_job job;
    long chunks = setup_rows_job(&job, x, rows, cols, kept, keptCount, zDims, zCount, zMean, zStd, out, measures,
                                 workers);
    bl_pool_run(rows_chunk, &job, chunks, workers);
}

SPARSITY_CLONES
void bl_welford_add(const float *x, long d, long count, double *mean, double *meanAbsolute,
                    double *sumSquaredDeviations, double *minimum, double *maximum) {
    // Welford's update; multiplying by 1/n instead of dividing costs at most an ulp per step and keeps
    // the loop off the divider.
    double inverse = 1.0 / (double)count;
    for (long i = 0; i < d; i++) {
        double v = (double)x[i];
        double delta = v - mean[i];
        mean[i] += delta * inverse;
        sumSquaredDeviations[i] += delta * (v - mean[i]);
        meanAbsolute[i] += (fabs(v) - meanAbsolute[i]) * inverse;
        if (v < minimum[i]) minimum[i] = v;
        if (v > maximum[i]) maximum[i] = v;
    }
}

typedef struct {
    const float *x;
    long rows, cols, count;
    double *mean, *meanAbsolute, *sumSquaredDeviations, *minimum, *maximum;
} welford_job;

enum { WELFORD_COLUMNS = 64 };

static void welford_chunk(void *ctx, long chunk) {
    const welford_job *job = (const welford_job *)ctx;
    long c0 = chunk * WELFORD_COLUMNS, width = job->cols - c0 < WELFORD_COLUMNS ? job->cols - c0 : WELFORD_COLUMNS;
    for (long r = 0; r < job->rows; r++) {
        bl_welford_add(job->x + r * job->cols + c0, width, job->count + r + 1, job->mean + c0,
                       job->meanAbsolute + c0, job->sumSquaredDeviations + c0, job->minimum + c0,
                       job->maximum + c0);
    }
}

void bl_welford_rows(const float *x, long rows, long cols, long count, double *mean, double *meanAbsolute,
                     double *sumSquaredDeviations, double *minimum, double *maximum, int workers) {
    if (rows <= 0 || cols <= 0) return;
    welford_job job = {x, rows, cols, count, mean, meanAbsolute, sumSquaredDeviations, minimum, maximum};
    bl_pool_run(welford_chunk, &job, (cols + WELFORD_COLUMNS - 1) / WELFORD_COLUMNS, workers);
}

SPARSITY_CLONES
long bl_first_nonfinite(const float *x, long count) {
    // Blocks of 64 with a branch-free test first: NaN and ±∞ are the floats whose exponent bits are all ones.
    long i = 0;
    for (; i + 64 <= count; i += 64) {
        uint32_t bad = 0;
        for (long j = 0; j < 64; j++) {
            uint32_t u;
            memcpy(&u, x + i + j, sizeof u);
            bad |= (u & 0x7f800000u) == 0x7f800000u;
        }
        if (bad) break;
    }
    for (; i < count; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        if ((u & 0x7f800000u) == 0x7f800000u) return i;
    }
    return -1;
}

typedef struct {
    rows_job rows;
    welford_job moments;
    long momentChunks;
} rows_and_moments_job;

static void rows_and_moments_chunk(void *ctx, long chunk) {
    const rows_and_moments_job *job = (const rows_and_moments_job *)ctx;
    // Moment chunks first: each walks every row of its columns, the longest tasks, so they start early.
    if (chunk < job->momentChunks) welford_chunk((void *)&job->moments, chunk);
    else rows_chunk((void *)&job->rows, chunk - job->momentChunks);
}

void bl_sparsity_rows_and_moments(const float *x, long rows, long cols, const long *kept, long keptCount,
                                  const long *zDims, long zCount, const double *zMean, const double *zStd,
                                  unsigned measures, double *out, long count, double *mean, double *meanAbsolute,
                                  double *sumSquaredDeviations, double *minimum, double *maximum, int workers) {
    if (rows <= 0 || cols <= 0) return;
    rows_and_moments_job job;
    long rowChunks = setup_rows_job(&job.rows, x, rows, cols, kept, keptCount, zDims, zCount, zMean, zStd, out,
                                    measures, workers);
    job.moments = (welford_job){x, rows, cols, count, mean, meanAbsolute, sumSquaredDeviations, minimum, maximum};
    job.momentChunks = (cols + WELFORD_COLUMNS - 1) / WELFORD_COLUMNS;
    bl_pool_run(rows_and_moments_chunk, &job, job.momentChunks + rowChunks, workers);
}
