import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// How matrix products use the CPU cores.
///
/// Debian's oneDNN runs on libgomp, whose worker threads spin-wait after every parallel region
/// (default `OMP_WAIT_POLICY`). A BLT forward issues hundreds of products with serial work (attention,
/// norms) in between, so the spinning worker stole most of the machine: 65-85 % of all cycles were
/// libgomp spin loops, and a tiny-model forward took ~10x longer than with `OMP_WAIT_POLICY=passive`.
/// Users must not need environment variables, so oneDNN is kept single-threaded on every calling
/// thread (`omp_set_num_threads(1)`, looked up with `dlsym` because libgomp is already loaded by
/// libdnnl), and large products are split into row or column bands computed on the calling thread
/// and CKernels pool helpers (pool.c), which spin at most 2 ms after a region and then sleep.
/// `ComputeThreads.count` sets the number of bands.
enum GEMMThreading {
    /// Multiply-adds (rows · in · out) from which a product is split across threads.
    static let parallelThreshold = 1 << 21

    private typealias SetThreads = @convention(c) (Int32) -> Void
    
    private static let setNumThreads: SetThreads? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return nil }
        return unsafeBitCast(symbol, to: SetThreads.self)
        #else
        return nil
        #endif
    }()

    /// Bands for large products: `ComputeThreads.forCallingThread`.
    static var bands: Int { ComputeThreads.forCallingThread }

    /// Whether a product is split into row bands (else output-column bands): rows when there are more
    /// rows than output features (and at least two per band), so the larger operand is divided.
    static func splitsRows(rows: Int, outFeatures: Int, bands: Int) -> Bool {
        rows >= 2 * bands && (rows > outFeatures || outFeatures < 16 * bands)
    }

    /// Keeps freed activation buffers in the heap for the next product instead of returning them to
    /// the kernel: glibc serves blocks ≥ 128 KiB with fresh `mmap`s by default, and every forward pass
    /// then page-faults and zeroes all its activations again (14 % of a small-model forward was
    /// `clear_page` in the kernel). Raising the mmap and trim thresholds to 256 MiB makes the per-forward
    /// buffers reusable. Called once, before the first product; process-wide and harmless for others.
    static let keepFreedBuffers: Void = { bl_keep_freed_buffers() }()

    /// Number of chunks a product is cut into for dynamic scheduling over `bands` workers: one per band
    /// for small products, two per band from 4x the parallel threshold (balances a late-starting worker;
    /// ~2 % faster at 256 bytes on the small model), four per band from 16x (each chunk still a large,
    /// efficient sgemm), never more than the extent allows.
    static func chunks(work: Int, extent: Int, bands: Int) -> Int {
        let perBand = work >= 16 * parallelThreshold ? 4 : (work >= 4 * parallelThreshold ? 2 : 1)
        return max(1, min(bands * perBand, extent / 16, extent))
    }

    /// `[start, end)` of chunk `c` of `chunks` over `extent`, starts rounded down to `alignment`
    /// (SIMD-friendly column offsets); the chunks tile `0..<extent` exactly.
    static func chunkBounds(_ c: Int, of chunks: Int, extent: Int, alignment: Int) -> (Int, Int) {
        func edge(_ i: Int) -> Int { i == chunks ? extent : (extent * i / chunks) / alignment * alignment }
        return (edge(c), edge(c + 1))
    }

    /// The bands a `[rows, inFeatures] · [inFeatures, outFeatures]` product is cut into for the compute
    /// threads: one whole band below the parallel threshold, else `chunks` row or column bands
    /// (`splitsRows`), column starts aligned to 16. Shared by every product path so that the same product
    /// gets the same bands (and bits) whichever path runs it.
    static func productBands(rows: Int, inFeatures: Int, outFeatures: Int) -> [ProductBand] {
        let work = rows * inFeatures * outFeatures
        let split = work >= parallelThreshold ? min(bands, max(rows, outFeatures)) : 1
        if split <= 1 { return [ProductBand(start: 0, end: rows, byRows: true)] }
        let byRows = splitsRows(rows: rows, outFeatures: outFeatures, bands: split)
        let extent = byRows ? rows : outFeatures
        let count = chunks(work: work, extent: extent, bands: split)
        return (0..<count).compactMap { c in
            let (start, end) = chunkBounds(c, of: count, extent: extent, alignment: byRows ? 1 : 16)
            return end > start ? ProductBand(start: start, end: end, byRows: byRows) : nil
        }
    }

    /// Sets this thread's OpenMP thread count (oneDNN's own threading), e.g. to measure its reference rate.
    static func setOpenMPThreads(_ n: Int) {
        setNumThreads?(Int32(max(1, n)))
    }

    /// Makes oneDNN calls from the current thread single-threaded (idempotent, cheap: a thread-local
    /// OpenMP setting).
    static func serialOnThisThread() {
        _ = keepFreedBuffers
        setNumThreads?(1)
    }
}

/// Rows `start..<end` of a product (`byRows`), or its output columns `start..<end`.
struct ProductBand: Sendable {
    let start: Int
    let end: Int
    let byRows: Bool
}
