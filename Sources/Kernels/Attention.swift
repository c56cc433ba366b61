import CDNNL
import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which keys a query row may attend to. Every mask BLT uses selects one contiguous run of keys
/// per query: causal (`0...i`), sliding-window causal (`i-W+1...i`), and the own-patch
/// cross-attention masks (the bytes of one patch, or the `k` slots of one patch).
public struct KeyRanges: Sendable {
    /// `lower[i] ..< upper[i]` are the visible keys of query row `i`.
    public var lower: [Int]
    public var upper: [Int]
    /// For sequences packed one after another: each sequence's query rows and key rows, in order, tiling
    /// both axes. ``Attention`` then attends each sequence on its own, exactly as a call for that sequence
    /// alone would (the same blocking and code path, so the same bits; a row with an empty range averages
    /// over its own sequence's keys); a row's ranges must lie within its sequence's keys. nil: one sequence.
    public var segments: [Segment]?

    /// One packed sequence: its query rows and the key rows its queries may see.
    public struct Segment: Sendable, Equatable {
        public var queries: Range<Int>
        public var keys: Range<Int>
        public init(queries: Range<Int>, keys: Range<Int>) {
            self.queries = queries
            self.keys = keys
        }
    }

    public init(lower: [Int], upper: [Int], segments: [Segment]? = nil) {
        precondition(lower.count == upper.count)
        precondition(segments.map { Self.tile($0.map(\.queries), count: lower.count) } ?? true, "segments must tile the query rows")
        self.lower = lower
        self.upper = upper
        self.segments = segments
    }

    /// Whether `ranges` are consecutive from 0 and end at `count`.
    private static func tile(_ ranges: [Range<Int>], count: Int) -> Bool {
        var next = 0
        for r in ranges {
            guard r.lowerBound == next else { return false }
            next = r.upperBound
        }
        return next == count
    }

    /// Segment `s` as ranges of its own: rows and keys renumbered from 0.
    func segment(_ s: Segment) -> KeyRanges {
        KeyRanges(lower: lower[s.queries].map { $0 - s.keys.lowerBound }, upper: upper[s.queries].map { $0 - s.keys.lowerBound })
    }

    public var count: Int { lower.count }

    /// Causal self-attention over `length` positions, optionally limited to a sliding window of
    /// `window` keys (query `i` sees keys `max(0, i-window+1) ... i`, as transformers'
    /// `sliding_window_causal_mask_function`). `window == nil` means plain causal.
    public static func causal(length: Int, window: Int? = nil) -> KeyRanges {
        var lower = [Int](repeating: 0, count: length)
        var upper = [Int](repeating: 0, count: length)
        for i in 0..<length {
            upper[i] = i + 1
            if let window { lower[i] = max(0, i - window + 1) }
        }
        return KeyRanges(lower: lower, upper: upper)
    }

    /// Causal ranges for sequences of `segments` rows packed one after another: each row sees only earlier
    /// rows of its own sequence (within `window`), exactly the single-sequence ranges shifted by the
    /// sequence's first row.
    public static func causal(segments: [Int], window: Int? = nil) -> KeyRanges {
        var lower: [Int] = [], upper: [Int] = [], start = 0
        var parts: [Segment] = []
        for length in segments {
            let one = causal(length: length, window: window)
            lower += one.lower.map { $0 + start }
            upper += one.upper.map { $0 + start }
            parts.append(Segment(queries: start..<(start + length), keys: start..<(start + length)))
            start += length
        }
        return KeyRanges(lower: lower, upper: upper, segments: segments.count > 1 ? parts : nil)
    }
}

/// Scaled dot-product attention that only visits unmasked (query, key) pairs.
///
/// Matches transformers' eager/SDPA attention with additive `finfo(float32).min` masks: scores are
/// `q·k / sqrt(headDim)`, softmax is taken over the visible keys in Float, and a query whose range
/// is empty (fully masked row, e.g. a zero-length patch) gets *uniform* weights over all keys — what
/// `finfo.min` masking produces, instead of NaN. Grouped-query attention: query head `h` reads
/// key/value head `h / (heads / kvHeads)`.
public enum Attention {
    /// - Parameters:
    ///   - query: `[queryRows, heads*headDim]`, row-major.
    ///   - key, value: `[keyRows, kvHeads*headDim]`.
    ///   - ranges: one visible key range per query row (`ranges.count == queryRows`).
    ///   - out: `[queryRows, heads*headDim]`, heads concatenated in head order.
    /// Zero key rows with a non-empty query set writes zeros.
    public static func apply(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        queryRows: Int, keyRows: Int, heads: Int, kvHeads: Int, headDim: Int,
        ranges: KeyRanges, into out: UnsafeMutablePointer<Float>
    ) {
        apply(query: query, key: key, value: value, queryRows: queryRows, keyRows: keyRows, heads: heads,
              kvHeads: kvHeads, headDim: headDim, ranges: ranges, into: out, path: .automatic)
    }

    /// Implementation choice, exposed for tests. `.blocked` computes a block of 64 queries at once with
    /// two small sgemm calls over the union of their key ranges (scores outside a row's own range are
    /// computed but given weight exactly 0); `.perRow` runs `bl_attend_row` per query row and head (scores, softmax
    /// and the weighted sum of values over the row's own range, the sum held in registers).
    /// `.automatic` uses `.blocked` when the ranges are long enough for it to pay off.
    enum Path { case automatic, perRow, blocked }

    static func apply(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        queryRows: Int, keyRows: Int, heads: Int, kvHeads: Int, headDim: Int,
        ranges: KeyRanges, into out: UnsafeMutablePointer<Float>, path: Path
    ) {
        precondition(ranges.count == queryRows, "one key range per query row")
        precondition(kvHeads > 0 && heads % kvHeads == 0, "heads must be a multiple of kvHeads")
        if queryRows == 0 { return }
        if let segments = ranges.segments {
            // Packed sequences: each on its own, as if called for it alone (blocked or per-row by its own
            // lengths, blocks starting at its first row), so packing never changes a sequence's bits.
            let qStride = heads * headDim, kvStride = kvHeads * headDim
            for s in segments where !s.queries.isEmpty {
                precondition(s.keys.lowerBound >= 0 && s.keys.upperBound <= keyRows, "segment keys outside the key rows")
                apply(query: query + s.queries.lowerBound * qStride, key: key + s.keys.lowerBound * kvStride,
                      value: value + s.keys.lowerBound * kvStride, queryRows: s.queries.count, keyRows: s.keys.count,
                      heads: heads, kvHeads: kvHeads, headDim: headDim, ranges: ranges.segment(s),
                      into: out + s.queries.lowerBound * qStride, path: path)
            }
            return
        }
        let io = SendablePointers(query: query, key: key, value: value, out: out)
        let groups = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        let qStride = heads * headDim
        let kvStride = kvHeads * headDim
        ranges.lower.withUnsafeBufferPointer { lowerBuffer in
            ranges.upper.withUnsafeBufferPointer { upperBuffer in
                let bounds = SendableBounds(lower: lowerBuffer.baseAddress!, upper: upperBuffer.baseAddress!)
                var useBlocks = path == .blocked
                if path == .automatic && queryRows >= 2 * blockRows {
                    var visible = 0
                    for i in 0..<queryRows { visible += max(0, min(keyRows, bounds.upper[i]) - max(0, bounds.lower[i])) }
                    useBlocks = visible >= 32 * queryRows
                }
                if useBlocks && keyRows > 0 {
                    // Tasks are (head, group of query blocks) so that a few heads still give every
                    // worker enough independent pieces (and a worker on a busy core takes fewer).
                    let blocksPerHead = (queryRows + blockRows - 1) / blockRows
                    let groups = min(blocksPerHead, max(1, (4 * ComputeThreads.forCallingThread + heads - 1) / heads))
                    let blocked: @Sendable (Int) -> Void = { task in
                        let h = task / groups, g = task % groups
                        let first = blocksPerHead * g / groups * blockRows
                        let end = min(queryRows, blocksPerHead * (g + 1) / groups * blockRows)
                        blockedHead(h, rows: first..<end, io: io, bounds: bounds, queryRows: queryRows, keyRows: keyRows,
                                    heads: heads, kvHeads: kvHeads, headDim: headDim, scale: scale)
                    }
                    Parallel.forEach(heads * groups, blocked)
                    return
                }
                let work: @Sendable (Int) -> Void = { h in
                    let kvHead = h / groups
                    let weights = UnsafeMutablePointer<Float>.allocate(capacity: max(keyRows, 1))
                    defer { weights.deallocate() }
                    for i in 0..<queryRows {
                        let q = io.query + i * qStride + h * headDim
                        let o = io.out + i * qStride + h * headDim
                        var lo = max(0, bounds.lower[i]), hi = min(keyRows, bounds.upper[i])
                        if keyRows == 0 {
                            o.update(repeating: 0, count: headDim)
                            continue
                        }
                        if lo >= hi {
                            // Fully masked row: finfo.min masking makes all scores equal -> uniform.
                            lo = 0; hi = keyRows
                            let w = 1 / Float(max(1, hi - lo))
                            for j in lo..<hi { weights[j] = w }
                            o.update(repeating: 0, count: headDim)
                            for j in lo..<hi {
                                bl_axpy(weights[j], io.value + j * kvStride + kvHead * headDim, o, headDim)
                            }
                        } else {
                            bl_attend_row(q, io.key + kvHead * headDim, io.value + kvHead * headDim, kvStride, lo, hi,
                                          headDim, scale, weights, o)
                        }
                    }
                }
                if heads > 1 && queryRows * keyRows >= 4096 {
                    Parallel.forEach(heads, work)
                } else {
                    for h in 0..<heads { work(h) }
                }
            }
        }
    }
}

extension Attention {
    static let blockRows = 64

    /// One head of the blocked path over the query rows `queryRange` (whole blocks): for each block of
    /// `blockRows` queries, scores over the union of
    /// their key ranges via sgemm, per-row masked softmax (weights outside the row's range set to 0),
    /// then weights · V via sgemm. Rows with an empty range get uniform weights over all keys.
    fileprivate static func blockedHead(
        _ h: Int, rows queryRange: Range<Int>, io: SendablePointers, bounds: SendableBounds,
        queryRows: Int, keyRows: Int,
        heads: Int, kvHeads: Int, headDim: Int, scale: Float
    ) {
        let kvHead = h / (heads / kvHeads)
        let qStride = heads * headDim, kvStride = kvHeads * headDim
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * keyRows)
        defer { scores.deallocate() }
        GEMMThreading.serialOnThisThread()
        var start = queryRange.lowerBound
        while start < queryRange.upperBound {
            let rows = min(blockRows, queryRange.upperBound - start)
            var lo = keyRows, hi = 0
            for i in start..<(start + rows) {
                let l = max(0, bounds.lower[i]), u = min(keyRows, bounds.upper[i])
                if l < u { lo = min(lo, l); hi = max(hi, u) }
            }
            let width = max(0, hi - lo)
            let outBlock = io.out + start * qStride + h * headDim
            if width > 0 {
                _ = dnnl_sgemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")),
                               dnnl_dim_t(rows), dnnl_dim_t(width), dnnl_dim_t(headDim), scale,
                               io.query + start * qStride + h * headDim, dnnl_dim_t(qStride),
                               io.key + lo * kvStride + kvHead * headDim, dnnl_dim_t(kvStride),
                               0, scores, dnnl_dim_t(width))
                for r in 0..<rows {
                    let i = start + r
                    let row = scores + r * width
                    let l = max(0, bounds.lower[i]) - lo, u = min(keyRows, bounds.upper[i]) - lo
                    if l >= u { row.update(repeating: 0, count: width); continue }
                    bl_softmax_range(row, l, u, width)
                }
                _ = dnnl_sgemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
                               dnnl_dim_t(rows), dnnl_dim_t(headDim), dnnl_dim_t(width), 1,
                               scores, dnnl_dim_t(width),
                               io.value + lo * kvStride + kvHead * headDim, dnnl_dim_t(kvStride),
                               0, outBlock, dnnl_dim_t(qStride))
            }
            // Fully masked rows (and whole blocks without visible keys): uniform over all keys.
            for r in 0..<rows {
                let i = start + r
                guard max(0, bounds.lower[i]) >= min(keyRows, bounds.upper[i]) else { continue }
                let o = outBlock + r * qStride
                o.update(repeating: 0, count: headDim)
                let w = 1 / Float(keyRows)
                for j in 0..<keyRows {
                    let v = io.value + j * kvStride + kvHead * headDim
                    for d in 0..<headDim { o[d] += w * v[d] }
                }
            }
            start += rows
        }
    }
}

/// Raw pointers handed to worker threads. Each worker writes a disjoint set of output columns
/// (its own head), so sharing is race-free.
private struct SendablePointers: @unchecked Sendable {
    let query: UnsafePointer<Float>
    let key: UnsafePointer<Float>
    let value: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
}

private struct SendableBounds: @unchecked Sendable {
    let lower: UnsafePointer<Int>
    let upper: UnsafePointer<Int>
}
