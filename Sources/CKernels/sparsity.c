// All ten per-vector sparsity measures of Metrics.SparsityMeasure in one routine, in Double, fast enough
// to run inside a hook on every row of every layer (see bl_sparsity_values / bl_sparsity_rows in
// ckernels.h for the contract; Metrics.SparsityValues documents each measure and its edge cases).
//
// Why C: the Swift version spent ~80 % of its time in Array.sort (a merge sort over Double). Here the
// magnitudes are sorted exactly by a radix sort on their bit patterns or, on AVX-512 CPUs, by sorting
// networks in registers (magnitude_sort.h): a few operations per element instead of ~log₂d comparisons.
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

#include "magnitude_sort.h"

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

/// The ten measures of h (doubles) or hf (floats; then h is NULL): see bl_sparsity_values. `presorted`, when
/// not NULL, holds the vector's magnitudes already sorted ascending (exactly what the sort would produce),
/// and the sort is skipped.
static inline __attribute__((always_inline))
void measure_core(const double *h, const float *hf, const int fromFloats, long d, double *work, double *out,
                  const unsigned mask, const double *presorted) {
    double *mag = work, *sortBuffer = work + d;
    const double *sorted = presorted ? presorted : sortBuffer;
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
    if (!(mask & BL_SPARSITY_MEASURE(8))) {
        m2 = m4 = 0;   // kurtosis is outside the mask (NaN below): no second pass
    } else if (mean * mean <= 0.25 * meanSquare) {
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
    if (needsSort && !presorted) {
        if (fromFloats) sort_float_magnitudes(hf, d, sortBuffer, (uint32_t *)(work + 2 * d));
        else sort_magnitudes(mag, d, sortBuffer, (uint64_t *)(work + 2 * d));
    }

    // Each share is a serial sum over the top k (its own fixed order), so only the shares in the mask run.
    double top[3] = {NAN, NAN, NAN};
    const int percents[3] = {1, 5, 10};
    for (int t = 0; needsSort && t < 3; t++) {
        if (!(mask & BL_SPARSITY_MEASURE(2 + t))) continue;
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
    measure_core(h, 0, 0, d, work, out, BL_SPARSITY_ALL_MEASURES, 0);
}

SPARSITY_CLONES
void bl_sparsity_values_f32(const float *h, long d, double *work, double *out) {
    measure_core(0, h, 1, d, work, out, BL_SPARSITY_ALL_MEASURES, 0);
}

SPARSITY_CLONES
static void sparsity_values_masked(const double *h, long d, double *work, double *out, unsigned mask) {
    measure_core(h, 0, 0, d, work, out, mask, 0);
}

SPARSITY_CLONES
static void sparsity_values_f32_masked(const float *h, long d, double *work, double *out, unsigned mask,
                                       const double *presorted) {
    measure_core(0, h, 1, d, work, out, mask, presorted);
}

/// The kept dimensions' sorted magnitudes from the whole row's: `sorted[0..<d]` holds the magnitudes of
/// `row[0..<d]` ascending (as doubles of |float|, the sort's output); writes them without one occurrence of
/// each excluded dimension's magnitude into `out[0..<d − count]`. That is the multiset of the kept
/// magnitudes in ascending order, i.e. exactly the array sorting them gives (equal magnitudes are equal
/// doubles, so which occurrence goes does not matter). Returns 0 if some excluded magnitude was not found
/// (cannot happen for the sort's own output; the caller then sorts).
static int remove_magnitudes(const double *sorted, long d, const float *row, const long *excluded, long count,
                             double *out) {
    double drop[BL_SPARSITY_REUSE_EXCLUDED];
    for (long i = 0; i < count; i++) {
        double v = (double)fabsf(row[excluded[i]]);
        long j = i;
        while (j > 0 && drop[j - 1] > v) { drop[j] = drop[j - 1]; j--; }
        drop[j] = v;
    }
    long p = 0, o = 0;
    for (long i = 0; i < d; i++) {
        double v = sorted[i];
        if (p < count && v == drop[p]) { p++; continue; }
        if (o == d - count) return 0;
        out[o++] = v;
    }
    return p == count;
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
    // The dimensions not kept, when `kept` ascends and leaves at most BL_SPARSITY_REUSE_EXCLUDED out: the
    // kept variant then takes the row's sorted magnitudes minus theirs instead of sorting again.
    long excluded[BL_SPARSITY_REUSE_EXCLUDED];
    long excludedCount;    // -1: sort the kept variant itself
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
    double *buffer = thread_workspace(2 * cols + BL_SPARSITY_WORK_DOUBLES(cols));
    if (!buffer) {
        // Out of memory: the chunk's rows come out NaN (callers validate finiteness) instead of a crash
        // inside a hook.
        for (long r = begin; r < end; r++)
            for (long c = 0; c < job->stride; c++) job->out[r * job->stride + c] = NAN;
        return;
    }
    double *variant = buffer, *work = buffer + cols, *keptSorted = work + BL_SPARSITY_WORK_DOUBLES(cols);
    const double *rowSorted = work + cols;  // where measure_core's float path leaves the row's sorted magnitudes
    float *keptValues = (float *)variant;   // the kept-dimension gather, as floats
    const int reuse = job->excludedCount >= 0 && (job->mask & BL_SPARSITY_SORTED_MEASURES);
    for (long r = begin; r < end; r++) {
        const float *row = job->x + r * cols;
        double *out = job->out + r * job->stride;
        sparsity_values_f32_masked(row, cols, work, out, job->mask, 0);
        out += BL_SPARSITY_VALUES;
        if (job->kept) {
            const double *presorted =
                reuse && remove_magnitudes(rowSorted, cols, row, job->excluded, job->excludedCount, keptSorted)
                    ? keptSorted : 0;
            for (long j = 0; j < job->keptCount; j++) keptValues[j] = row[job->kept[j]];
            sparsity_values_f32_masked(keptValues, job->keptCount, work, out, job->mask, presorted);
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
                      BL_SPARSITY_VALUES * (1 + (kept != 0) + (zDims != 0)), 1, measures & BL_SPARSITY_ALL_MEASURES, 0,
                      {0}, -1};
    if (kept && keptCount >= 1 && keptCount <= cols && cols - keptCount <= BL_SPARSITY_REUSE_EXCLUDED) {
        // The complement of an ascending kept list within [0, cols); anything else sorts as before.
        long count = 0, next = 0, ascending = 1;
        for (long j = 0; j < keptCount && ascending; j++) {
            long k = kept[j];
            if (k < next || k >= cols) { ascending = 0; break; }
            while (next < k) job->excluded[count++] = next++;
            next = k + 1;
        }
        while (ascending && next < cols) job->excluded[count++] = next++;
        if (ascending && count == cols - keptCount) job->excludedCount = count;
    }
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
