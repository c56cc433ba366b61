// Element-wise and row kernels of ByteLens, in C so that one binary carries AVX-512, AVX2 and baseline
// x86-64 versions of each loop (clang `target_clones`, chosen at load time from the CPU's features).
// Swift code is compiled for the baseline x86-64 target (SSE2) and cannot be built per-CPU portably.
#ifndef BYTELENS_CKERNELS_H
#define BYTELENS_CKERNELS_H
#include <stddef.h>

/// y[r] = w ⊙ x[r] / sqrt(mean(x[r]²) + eps) for each of `rows` rows of `cols`; out may alias x.
void bl_rmsnorm(const float *x, long rows, long cols, const float *w, float eps, float *out);

/// out[i] = silu(gate[i]) * up[i]; out may alias gate or up. NaN propagates.
void bl_swiglu(const float *gate, const float *up, long count, float *out);

/// In-place masked softmax of row[0..<width]: entries in [lo, hi) become exp(s - max) / Σ, all others 0.
/// Requires lo < hi. Runs with denormals flushed to zero (a weight below 2^-126 becomes 0; the caller's
/// floating-point mode is restored on return).
void bl_softmax_range(float *row, long lo, long hi, long width);

/// Σ a[i]·b[i] (float accumulation, reassociated for SIMD).
float bl_dot(const float *a, const float *b, long count);

/// Rounds count floats to bfloat16 bit patterns (the upper 16 bits of float32), nearest even as torch's
/// `.to(torch.bfloat16)`: NaN becomes a quiet NaN with its sign and upper payload, values beyond the bf16
/// range round to ±infinity, subnormals round like normals (no flush to zero).
void bl_round_bf16(const float *x, long count, unsigned short *out);

/// y[i] += alpha · x[i].
void bl_axpy(float alpha, const float *x, float *y, long count);

/// One query row of attention over the keys [lo, hi) (lo < hi): weights[j] = (q · key_j) · scale, a
/// softmax over them, then out = Σ_j weights[j] · value_j in key order. key_j and value_j start at
/// `key + j·kvStride` and `value + j·kvStride`; weights needs hi entries; out gets headDim.
/// Bit-identical to bl_dot, bl_softmax_range and bl_axpy called per key into a zeroed out (each element
/// sees the same operations in the same order), with out held in registers across the keys, except that
/// denormal weights and terms are flushed to zero here as in bl_softmax_range (mode restored on return).
void bl_attend_row(const float *q, const float *key, const float *value, long kvStride, long lo, long hi,
                   long headDim, float scale, float *weights, float *out);

/// y[i] += x[i].
void bl_add(const float *x, float *y, long count);

/// Interleaved rotary embedding in place on `rows` rows of `heads` heads (`headDim` even), row stride
/// `rowStride`; row r uses cos/sin[r*headDim/2 ...].
void bl_rope(float *x, long rows, long heads, long rowStride, long headDim, const float *cosTable,
             const float *sinTable);

/// Which clones the loader picks on this CPU (same rule as the target_clones resolver): 3 = AVX-512,
/// 2 = AVX2, 1 = baseline.
int bl_vector_level(void);
/// Per-row sums for sparsity measures: out[4r..4r+3] = Σ|x|, Σx², max|x|, #{|x| ≤ nearZero} of row r.
/// NaN entries make the row's sums and max|x| NaN.
void bl_row_moments(const float *x, long rows, long cols, float nearZero, float *out);

/// Per-row sparsity: out[4r..4r+3] = Hoyer, top-1 energy share, near-zero fraction, L2 norm of row r
/// (see Kernels.RowSparsity for the definitions and edge cases).
void bl_row_sparsity(const float *x, long rows, long cols, float nearZero, float *out);

/// Raises glibc's mmap and trim thresholds (256 / 512 MiB) so freed activation buffers are reused by the
/// next allocation instead of being unmapped and page-faulted in again. No-op without glibc.
void bl_keep_freed_buffers(void);

/// A task of a parallel region: called with the caller's context and a chunk index.
typedef void (*bl_task_fn)(void *ctx, long index);

/// Calls fn(ctx, c) once for every c in 0..<chunks on the calling thread and up to `workers - 1` pool
/// helpers (created on first use, kept for the process), each taking the next chunk when it finishes
/// one; returns when all chunks are done. Helpers spin ~2 ms after a region before sleeping. Runs
/// all chunks inline on the caller when workers ≤ 1, chunks ≤ 1, or another region is in progress
/// (nested or concurrent callers), so it never deadlocks.
void bl_pool_run(bl_task_fn fn, void *ctx, long chunks, int workers);

/// Wakes sleeping pool helpers so they spin (BL_SPIN_NS) waiting for the next region: called at the start
/// of a forward pass, so that waking an idle core overlaps the serial work before the first product.
void bl_pool_wake(void);

/// Doubles of workspace bl_sparsity_values needs for a vector of d entries.
#define BL_SPARSITY_WORK_DOUBLES(d) (4 * (d))

/// Doubles per measured vector: one per case of Metrics.SparsityMeasure (SparsityValues.packedCount).
#define BL_SPARSITY_VALUES 10

/// Bit of measure i (Metrics.SparsityMeasure order) in the `measures` mask of the row kernels.
#define BL_SPARSITY_MEASURE(i) (1u << (i))
/// Every measure.
#define BL_SPARSITY_ALL_MEASURES 0x3ffu
/// Measures that read the sorted magnitudes (Gini, top-1/5/10 % energy, energy effective dimension,
/// near-zero fraction): a mask without any of them skips the sort.
#define BL_SPARSITY_SORTED_MEASURES 0xdeu
/// bl_sparsity_rows' kept variant reuses the row's sorted magnitudes (removing those of the dimensions left
/// out) when `kept` ascends and leaves out at most this many dimensions; otherwise it sorts its own.
#define BL_SPARSITY_REUSE_EXCLUDED 32

/// The ten measures of Metrics.SparsityMeasure, in its order (Hoyer, Gini, top-1/5/10 % energy,
/// participation ratio / d, energy effective dimension / d, near-zero fraction, excess kurtosis, L2),
/// of the finite vector h[0..<d], d ≥ 1, into out[0..<10]; `work` holds BL_SPARSITY_WORK_DOUBLES(d).
/// Sums use a fixed order, so every ISA clone and thread split gives bit-identical results.
void bl_sparsity_values(const double *h, long d, double *work, double *out);

/// bl_sparsity_values of a float vector (the same values as for the vector widened to double).
void bl_sparsity_values_f32(const float *h, long d, double *work, double *out);

/// bl_sparsity_values on each row of a row-major `rows × cols` float buffer (finite values), split
/// over up to `workers` threads (pool.c). Per row, out receives 10 doubles for the row as is, then 10
/// for the row restricted to the `keptCount` ≥ 1 dimensions `kept` (skipped when kept is NULL), then 10
/// for z-scores (x[i] − zMean[i]) / zStd[i] over the `zCount` ≥ 1 dimensions `zDims` (skipped when zDims
/// is NULL): a row stride of 10, 20 or 30 doubles. Only the measures in `measures`
/// (BL_SPARSITY_MEASURE bits) are computed, the others are NaN; a computed measure has the same bits as
/// with BL_SPARSITY_ALL_MEASURES.
void bl_sparsity_rows(const float *x, long rows, long cols, const long *kept, long keptCount,
                      const long *zDims, long zCount, const double *zMean, const double *zStd,
                      unsigned measures, double *out, int workers);

/// One Welford update of per-dimension running moments with the vector x[0..<d] as the `count`-th
/// vector (count ≥ 1), vectorised (Metrics.ReferenceStatistics' running moments).
void bl_welford_add(const float *x, long d, long count, double *mean, double *meanAbsolute,
                    double *sumSquaredDeviations, double *minimum, double *maximum);

/// bl_welford_add for each of `rows` rows of x (row-major, `cols` columns) in row order, the first being
/// vector number count + 1; columns are split over up to `workers` threads. Same bits as row by row.
void bl_welford_rows(const float *x, long rows, long cols, long count, double *mean, double *meanAbsolute,
                     double *sumSquaredDeviations, double *minimum, double *maximum, int workers);

/// bl_sparsity_rows and bl_welford_rows on the same buffer in one parallel region (one pool hand-off
/// instead of two, and the scheduler balances both kinds of chunks). Same results as calling both.
void bl_sparsity_rows_and_moments(const float *x, long rows, long cols, const long *kept, long keptCount,
                                  const long *zDims, long zCount, const double *zMean, const double *zStd,
                                  unsigned measures, double *out, long count, double *mean, double *meanAbsolute,
                                  double *sumSquaredDeviations, double *minimum, double *maximum, int workers);

/// Bootstrap totals of cluster Gram matrices (Statistics.ClusterGrams): for t < totals, out[t·size ..<
/// (t+1)·size] = Σ over i < clusterCount, in order, of grams[clusters[t·clusterCount + i]·size ..< +size].
void bl_gram_totals(const double *grams, long size, const long *clusters, long clusterCount, long totals,
                    double *out);

/// Eight least-squares solves at once, one per vector lane: g holds eight p × p Gram matrices one after
/// another (lane j's element (r, c) at g[j·p² + r·p + c]; bl_gram_totals' output), p ≥ 2. Per lane, the
/// coefficients of column 0 on columns 1..<p by Cholesky of the predictor block go to
/// coefficients[j·(p − 1) + i], and solved[j] is 0 when that block is not positive definite (relative
/// pivot ≤ 1e−12; the coefficients are then meaningless). Same bits per lane as
/// Statistics.ClusterGrams.regressionCoefficients. `scratch` holds ≥ 8·p² + 8·(p − 1)·(p + 1) doubles.
void bl_gram_regressions8(const double *g, long p, double *coefficients, int *solved, double *scratch);

/// Index of the first NaN or ±∞ in x[0..<count], or -1.
long bl_first_nonfinite(const float *x, long count);

/// Asks the kernel to SIGKILL this process when its parent dies (Linux `PR_SET_PDEATHSIG`; a no-op
/// elsewhere). Returns 0, or −1 when the request failed or the parent is already gone.
int bl_kill_when_parent_dies(void);

#endif
