// Exact ascending sorts of vector magnitudes for the sparsity measures (included by sparsity.c only, so
// that every function here is inlined into, and compiled with, each ISA clone of measure_core).
//
// Three routes, all giving the same sorted array (sorting is exact; Tests/ISAIdentity compares them):
// - radix: a non-negative float's or double's bit pattern orders like its value, so two LSD passes on the
//   leading bits of (pattern − smallest pattern), i.e. over the range the vector actually spans, followed
//   by an insertion pass on the full patterns for the few elements that agree in those bits;
// - on AVX-512 CPUs, float vectors of up to 512 entries: a bitonic sorting network held in registers;
// - on AVX-512 CPUs, double vectors of up to 512 entries: the same network on 32-bit keys (float-rounded
//   magnitude above, index below), then an insertion pass on the full patterns.
// Tests/ISAIdentity builds the baseline with SPARSITY_RADIX_ONLY, so the comparison covers every route.
#ifndef BYTELENS_MAGNITUDE_SORT_H
#define BYTELENS_MAGNITUDE_SORT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

// Finishes sorting the d nearly sorted patterns a[0..<d] in place: an insertion pass, handed to qsort past
// 16 moves per element (vectors of many near-equal values). One definition per pattern width.
#define DEFINE_INSERTION_FINISH(name, T, COMPARE)                                                         \
    static inline __attribute__((always_inline)) void name(T *a, long d) {                                \
        long moves = 0, budget = 16 * d;                                                                  \
        for (long i = 1; i < d; i++) {                                                                    \
            T v = a[i];                                                                                   \
            if (!(a[i - 1] > v)) continue;                                                                \
            long j = i;                                                                                   \
            while (j > 0 && a[j - 1] > v) { a[j] = a[j - 1]; j--; }                                       \
            a[j] = v;                                                                                     \
            moves += i - j;                                                                               \
            if (moves > budget) {                                                                         \
                qsort(a, (size_t)d, sizeof(T), COMPARE);                                                  \
                return;                                                                                   \
            }                                                                                             \
        }                                                                                                 \
    }

DEFINE_INSERTION_FINISH(finish_patterns_u32, uint32_t, compare_u32)
DEFINE_INSERTION_FINISH(finish_patterns_u64, uint64_t, compare_u64)

// Sorts the d bit patterns src[0..<d] (all in [lo, hi]) ascending, using dst[0..<d] as the other buffer,
// and returns whichever of the two holds the result. A non-negative float's or double's bit pattern
// orders like its value, so this sorts magnitudes exactly: two LSD passes on the leading 2·b bits of
// (pattern − lo), i.e. over the range the vector actually spans, then an insertion pass on the full
// patterns for the few elements that agree in those bits (FINISH). Short vectors use narrower digits: the prefix sums over 2^b buckets are a
// serial chain per vector. One definition per pattern width.
#define DEFINE_PATTERN_SORT(name, T, CLZ, FINISH)                                                         \
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
        FINISH(src, d);                                                                                   \
        return src;                                                                                       \
    }

DEFINE_PATTERN_SORT(sort_patterns_u32, uint32_t, __builtin_clz, finish_patterns_u32)
DEFINE_PATTERN_SORT(sort_patterns_u64, uint64_t, __builtin_clzll, finish_patterns_u64)

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
    finish_patterns_u64(work, d);
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

#endif
