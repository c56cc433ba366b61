import Parallelism
import CDNNL
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Errors from the matrix-product backend. oneDNN reports failures as status codes; they only occur
/// for invalid dimensions (a programming error upstream) or an out-of-memory condition.
public enum KernelError: Error, CustomStringConvertible, Equatable {
    case gemmFailed(status: Int, rows: Int, inFeatures: Int, outFeatures: Int)

    public var description: String {
        switch self {
        case let .gemmFailed(status, rows, inFeatures, outFeatures):
            return "oneDNN dnnl_sgemm failed with status \(status) for [\(rows) x \(inFeatures)] · [\(outFeatures) x \(inFeatures)]ᵀ"
        }
    }
}

/// Dense fp32 matrix products through oneDNN's `dnnl_sgemm`, which picks AVX-512/AVX2 code paths
/// from the CPU feature bits at run time (no environment variables needed).
public enum Linear {
    /// `out[rows, outFeatures] = x[rows, inFeatures] · weightᵀ (+ out if accumulate)` for a PyTorch
    /// `nn.Linear` weight stored row-major as `[outFeatures, inFeatures]`. All buffers are row-major and
    /// contiguous. Zero rows is a no-op.
    public static func apply(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<Float>, outFeatures: Int,
        into out: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) throws(KernelError) {
        try product(x, rows: rows, inFeatures: inFeatures, weight: weight, transposed: false,
                    outFeatures: outFeatures, into: out, accumulate: accumulate)
    }

    /// `out[rows, outFeatures] = x[rows, inFeatures] · weightT` for a weight stored transposed,
    /// row-major `[inFeatures, outFeatures]` (the layout the model keeps its fp32 weights in: oneDNN's
    /// sgemm runs ~1.3-1.5x faster on it than on PyTorch's `[out, in]` when there are few rows, e.g.
    /// the global transformer's patches). Same semantics as `apply` otherwise.
    public static func apply(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        transposedWeight: UnsafePointer<Float>, outFeatures: Int,
        into out: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) throws(KernelError) {
        try product(x, rows: rows, inFeatures: inFeatures, weight: transposedWeight, transposed: true,
                    outFeatures: outFeatures, into: out, accumulate: accumulate)
    }

    static func product(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<Float>, transposed: Bool, outFeatures: Int,
        into out: UnsafeMutablePointer<Float>, accumulate: Bool
    ) throws(KernelError) {
        if rows == 0 || outFeatures == 0 { return }
        if inFeatures == 0 {
            if !accumulate { out.update(repeating: 0, count: rows * outFeatures) }
            return
        }
        let work = rows * inFeatures * outFeatures
        let bands = work >= GEMMThreading.parallelThreshold ? min(GEMMThreading.bands, max(rows, outFeatures)) : 1
        if bands <= 1 {
            try gemm(x, rows: rows, inFeatures: inFeatures, weight: weight, transposed: transposed,
                     ldWeight: transposed ? outFeatures : inFeatures, outFeatures: outFeatures,
                     into: out, ldOut: outFeatures, accumulate: accumulate)
            return
        }
        // Split the larger operand so each band streams only its share of it: rows when the activations
        // outweigh the weight (long inputs, small layers), else output columns (a weight read once in
        // total instead of once per band; sgemm also packs only its half). Each band is one oneDNN call
        // on the caller or a pool helper thread (see GEMMThreading for why not OpenMP).
        let byRows = GEMMThreading.splitsRows(rows: rows, outFeatures: outFeatures, bands: bands)
        let extent = byRows ? rows : outFeatures
        let chunks = GEMMThreading.chunks(work: work, extent: extent, bands: bands)
        let shared = SendableGEMM(x: x, weight: weight, out: out)
        let failures = FirstError<KernelError>()
        Parallel.dynamic(chunks: chunks, workers: bands) { chunk in
            let (start, end) = GEMMThreading.chunkBounds(chunk, of: chunks, extent: extent, alignment: byRows ? 1 : 16)
            guard end > start else { return }
            do throws(KernelError) {
                if byRows {
                    try gemm(shared.x + start * inFeatures, rows: end - start, inFeatures: inFeatures,
                             weight: shared.weight, transposed: transposed,
                             ldWeight: transposed ? outFeatures : inFeatures, outFeatures: outFeatures,
                             into: shared.out + start * outFeatures, ldOut: outFeatures, accumulate: accumulate)
                } else {
                    // Output columns start..<end: column offset in the transposed layout, row offset else.
                    try gemm(shared.x, rows: rows, inFeatures: inFeatures,
                             weight: shared.weight + (transposed ? start : start * inFeatures), transposed: transposed,
                             ldWeight: transposed ? outFeatures : inFeatures, outFeatures: end - start,
                             into: shared.out + start, ldOut: outFeatures, accumulate: accumulate)
                }
            } catch {
                failures.record(error)
            }
        }
        if let failure = failures.first { throw failure }
    }

    /// One single-threaded oneDNN call; `ldWeight`/`ldOut` are the row strides of the weight and `out`.
    static func gemm(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>, transposed: Bool,
        ldWeight: Int, outFeatures: Int, into out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool
    ) throws(KernelError) {
        GEMMThreading.serialOnThisThread()
        if rows == 1 {
            // oneDNN computes a single row on a matrix-vector path that rounds differently from the same
            // row inside a larger product; every product with two or more rows gives a row the same bits
            // whatever the other rows are (measured on oneDNN 2.6 single-threaded: row and column slices
            // of 568 products). Computing one row as two identical rows keeps that invariance for one-row
            // products too, so a packed forward gives each item the bits of its own forward.
            let x2 = UnsafeMutablePointer<Float>.allocate(capacity: 2 * inFeatures)
            let out2 = UnsafeMutablePointer<Float>.allocate(capacity: 2 * outFeatures)
            defer { x2.deallocate(); out2.deallocate() }
            x2.update(from: x, count: inFeatures)
            (x2 + inFeatures).update(from: x, count: inFeatures)
            if accumulate {
                out2.update(from: out, count: outFeatures)
                (out2 + outFeatures).update(from: out, count: outFeatures)
            }
            try gemm(x2, rows: 2, inFeatures: inFeatures, weight: weight, transposed: transposed, ldWeight: ldWeight,
                     outFeatures: outFeatures, into: out2, ldOut: outFeatures, accumulate: accumulate)
            out.update(from: out2, count: outFeatures)
            return
        }
        let status = dnnl_sgemm(
            CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: transposed ? "N" : "T")),
            dnnl_dim_t(rows), dnnl_dim_t(outFeatures), dnnl_dim_t(inFeatures),
            1.0, x, dnnl_dim_t(inFeatures),
            weight, dnnl_dim_t(ldWeight),
            accumulate ? 1.0 : 0.0, out, dnnl_dim_t(ldOut))
        if status != dnnl_success {
            throw .gemmFailed(status: Int(status.rawValue), rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        }
    }

    /// The reference rate: one `dnnl_sgemm` call (weight `[in, out]`, as the model stores it) using
    /// oneDNN's own OpenMP threading with `threads` threads (what a caller of the library would get by default), for comparing `apply`'s banded
    /// single-threaded calls against it in benchmarks. Restores single-threaded oneDNN on this thread.
    public static func applyOneDNNThreaded(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, transposedWeight: UnsafePointer<Float>, outFeatures: Int,
        into out: UnsafeMutablePointer<Float>, threads: Int
    ) throws(KernelError) {
        if rows == 0 || outFeatures == 0 || inFeatures == 0 { return }
        GEMMThreading.setOpenMPThreads(threads)
        defer { GEMMThreading.serialOnThisThread() }
        let status = dnnl_sgemm(
            CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
            dnnl_dim_t(rows), dnnl_dim_t(outFeatures), dnnl_dim_t(inFeatures),
            1.0, x, dnnl_dim_t(inFeatures), transposedWeight, dnnl_dim_t(outFeatures), 0.0, out, dnnl_dim_t(outFeatures))
        if status != dnnl_success {
            throw .gemmFailed(status: Int(status.rawValue), rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        }
    }

    /// Array convenience: returns `x · weightᵀ` as a new `[rows * outFeatures]` array.
    public static func apply(_ x: [Float], rows: Int, weight: [Float], outFeatures: Int) throws(KernelError) -> [Float] {
        precondition(rows == 0 || x.count % rows == 0, "x.count must be a multiple of rows")
        let inFeatures = rows == 0 ? 0 : x.count / rows
        precondition(weight.count == inFeatures * outFeatures, "weight must be [outFeatures, inFeatures]")
        var out = [Float](repeating: 0, count: rows * outFeatures)
        if out.isEmpty || inFeatures == 0 { return out }
        var failure: KernelError?
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    do throws(KernelError) {
                        try apply(xp.baseAddress!, rows: rows, inFeatures: inFeatures,
                                  weight: wp.baseAddress!, outFeatures: outFeatures, into: op.baseAddress!)
                    } catch { failure = error }
                }
            }
        }
        if let failure { throw failure }
        return out
    }
}

private struct SendableGEMM: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let weight: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
}
