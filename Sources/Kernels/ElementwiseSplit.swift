/// How element-wise kernels (RMSNorm rows, SwiGLU, bf16 rounding) are spread over the compute threads.
///
/// In a multi-threaded forward these ran on the calling thread alone while the pool helper spun: at
/// 256 bytes on the "small" shape the helper waited 26 % of its time, SwiGLU alone was 6 % of the
/// calling thread's. Every element is computed by the same code whichever thread runs it, and chunk
/// starts are multiples of `alignment` elements, so each chunk's vector loop covers whole vectors exactly
/// where the unsplit loop would: splitting never changes a bit (`ElementwiseSplitTests`).
enum ElementwiseSplit {
    /// Elements below which a kernel runs on the calling thread alone (waking a helper costs more).
    static let threshold = 1 << 15
    /// Chunk starts are multiples of this many elements (four AVX-512 vectors of 16 floats, unrolled 4×).
    static let alignment = 256

    /// Runs `body(start, end)` over `0..<count` in chunks on the calling thread's compute workers, or
    /// once over everything when `count` is below `threshold` or one worker is available.
    static func run(count: Int, alignment: Int = alignment, _ body: @Sendable (Int, Int) -> Void) {
        let workers = ComputeThreads.forCallingThread
        guard workers > 1, count >= threshold else {
            if count > 0 { body(0, count) }
            return
        }
        let chunks = chunkCount(count: count, alignment: alignment, workers: workers)
        Parallel.dynamic(chunks: chunks, workers: workers) { c in
            let (start, end) = bounds(c, of: chunks, count: count, alignment: alignment)
            if end > start { body(start, end) }
        }
    }

    /// Two chunks per worker (a worker on a busy core takes fewer), never more than whole alignment units.
    static func chunkCount(count: Int, alignment: Int, workers: Int) -> Int {
        max(1, min((count + alignment - 1) / alignment, 2 * workers))
    }

    /// `[start, end)` of chunk `c`: starts are multiples of `alignment`, the chunks tile `0..<count`.
    static func bounds(_ c: Int, of chunks: Int, count: Int, alignment: Int) -> (Int, Int) {
        let units = (count + alignment - 1) / alignment
        return (min(count, units * c / chunks * alignment), min(count, units * (c + 1) / chunks * alignment))
    }
}

/// Two inputs and an output of an element-wise kernel, handed to the workers. Each worker reads and
/// writes only its own chunk, so sharing is race-free.
struct ElementwisePointers: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
}
