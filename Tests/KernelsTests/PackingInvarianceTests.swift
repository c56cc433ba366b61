import Testing
@testable import Kernels

/// What makes a packed forward give each item the bits of its own forward: a product gives a row the same
/// bits whatever other rows (and output columns) it computes, and packed attention treats each sequence as a
/// call for that sequence alone.
@Suite("Packing invariance of products and attention")
struct PackingInvarianceTests {
    /// `x · Wᵀ` from the `[in, out]` layout the model stores, on the current thread count.
    static func product(_ x: [Float], rows: Int, _ w: [Float], inFeatures: Int, outFeatures: Int,
                        accumulateOnto start: [Float]? = nil) throws -> [Float] {
        var out = start ?? [Float](repeating: 0, count: rows * outFeatures)
        try x.withUnsafeBufferPointer { xp in
            try w.withUnsafeBufferPointer { wp in
                try out.withUnsafeMutableBufferPointer { op in
                    try Linear.apply(xp.baseAddress!, rows: rows, inFeatures: inFeatures, transposedWeight: wp.baseAddress!,
                                     outFeatures: outFeatures, into: op.baseAddress!, accumulate: start != nil)
                }
            }
        }
        return out
    }

    @Test("every row of a product has the bits it has in any other product, one-row products included",
          arguments: [(128, 384), (384, 128), (256, 704), (1536, 512), (192, 260)])
    func rowsAreIndependent(shape: (Int, Int)) throws {
        let (inFeatures, outFeatures) = shape
        var random = TestRandom(state: UInt64(inFeatures * 7 + outFeatures))
        let w = random.array(inFeatures * outFeatures)
        let rows = 300
        let x = random.array(rows * inFeatures)
        let bias = random.array(rows * outFeatures)
        for threads in [1, 2] {
            let whole = try ComputeThreads.with(threads) { try Self.product(x, rows: rows, w, inFeatures: inFeatures, outFeatures: outFeatures) }
            let summed = try ComputeThreads.with(threads) {
                try Self.product(x, rows: rows, w, inFeatures: inFeatures, outFeatures: outFeatures, accumulateOnto: bias)
            }
            for (lo, hi) in [(0, 1), (7, 8), (299, 300), (0, 2), (5, 64), (100, 300), (1, 299)] {
                let part = Array(x[(lo * inFeatures)..<(hi * inFeatures)])
                let alone = try ComputeThreads.with(threads) { try Self.product(part, rows: hi - lo, w, inFeatures: inFeatures, outFeatures: outFeatures) }
                #expect(alone == Array(whole[(lo * outFeatures)..<(hi * outFeatures)]), "rows \(lo)..<\(hi), \(threads) threads")
                let partBias = Array(bias[(lo * outFeatures)..<(hi * outFeatures)])
                let aloneSummed = try ComputeThreads.with(threads) {
                    try Self.product(part, rows: hi - lo, w, inFeatures: inFeatures, outFeatures: outFeatures, accumulateOnto: partBias)
                }
                #expect(aloneSummed == Array(summed[(lo * outFeatures)..<(hi * outFeatures)]), "accumulated rows \(lo)..<\(hi)")
            }
        }
    }

    /// Attention over `q`, `k`, `v` with `ranges` into a fresh buffer.
    static func attend(_ q: [Float], _ k: [Float], _ v: [Float], queryRows: Int, keyRows: Int, heads: Int, kvHeads: Int,
                       headDim: Int, ranges: KeyRanges) -> [Float] {
        var out = [Float](repeating: .nan, count: queryRows * heads * headDim)
        q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                Attention.apply(query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!, queryRows: queryRows,
                                keyRows: keyRows, heads: heads, kvHeads: kvHeads, headDim: headDim, ranges: ranges, into: op.baseAddress!)
            }
        } } }
        return out
    }

    @Test("packed causal sequences (blocked and per-row lengths) each get the bits of their own call")
    func packedCausal() {
        let lengths = [150, 3, 1, 70, 200, 12]   // long ones take the blocked path alone, short ones per-row
        let heads = 4, kvHeads = 2, headDim = 16
        var random = TestRandom(state: 11)
        let n = lengths.reduce(0, +)
        let q = random.array(n * heads * headDim).map { $0 * 3 }
        let k = random.array(n * kvHeads * headDim), v = random.array(n * kvHeads * headDim)
        for threads in [1, 2] {
            let packed = ComputeThreads.with(threads) {
                Self.attend(q, k, v, queryRows: n, keyRows: n, heads: heads, kvHeads: kvHeads, headDim: headDim,
                            ranges: .causal(segments: lengths, window: 64))
            }
            var start = 0
            for length in lengths {
                let qs = Array(q[(start * heads * headDim)..<((start + length) * heads * headDim)])
                let ks = Array(k[(start * kvHeads * headDim)..<((start + length) * kvHeads * headDim)])
                let vs = Array(v[(start * kvHeads * headDim)..<((start + length) * kvHeads * headDim)])
                let alone = ComputeThreads.with(threads) {
                    Self.attend(qs, ks, vs, queryRows: length, keyRows: length, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                ranges: .causal(length: length, window: 64))
                }
                #expect(alone == Array(packed[(start * heads * headDim)..<((start + length) * heads * headDim)]),
                        "sequence at \(start) of length \(length), \(threads) threads")
                start += length
            }
        }
    }

    @Test("packed cross-attention with empty rows averages over its own sequence's keys")
    func packedCrossWithEmptyRows() {
        // Two sequences: 130 queries over 40 keys, then 5 queries over 9 keys; some rows see nothing.
        let parts = [(queries: 130, keys: 40), (queries: 5, keys: 9)]
        var lower: [Int] = [], upper: [Int] = [], segments: [KeyRanges.Segment] = []
        var singles: [KeyRanges] = []
        var q0 = 0, k0 = 0
        for part in parts {
            var lo: [Int] = [], hi: [Int] = []
            for i in 0..<part.queries {
                let first = (i / 4 * 2) % part.keys
                let empty = i % 9 == 4
                lo.append(empty ? 0 : first); hi.append(empty ? 0 : min(part.keys, first + 3))
            }
            singles.append(KeyRanges(lower: lo, upper: hi))
            lower += lo.map { $0 + k0 }; upper += zip(lo, hi).map { $0 == $1 ? $0 + k0 : $1 + k0 }
            segments.append(.init(queries: q0..<(q0 + part.queries), keys: k0..<(k0 + part.keys)))
            q0 += part.queries; k0 += part.keys
        }
        let heads = 2, headDim = 8
        var random = TestRandom(state: 12)
        let q = random.array(q0 * heads * headDim), k = random.array(k0 * heads * headDim), v = random.array(k0 * heads * headDim)
        let packed = Self.attend(q, k, v, queryRows: q0, keyRows: k0, heads: heads, kvHeads: heads, headDim: headDim,
                                 ranges: KeyRanges(lower: lower, upper: upper, segments: segments))
        #expect(!packed.contains { $0.isNaN })
        var qs = 0, ks = 0
        for (part, ranges) in zip(parts, singles) {
            let w = heads * headDim
            let alone = Self.attend(Array(q[(qs * w)..<((qs + part.queries) * w)]), Array(k[(ks * w)..<((ks + part.keys) * w)]),
                                    Array(v[(ks * w)..<((ks + part.keys) * w)]), queryRows: part.queries, keyRows: part.keys,
                                    heads: heads, kvHeads: heads, headDim: headDim, ranges: ranges)
            #expect(alone == Array(packed[(qs * w)..<((qs + part.queries) * w)]), "sequence of \(part.queries) queries")
            qs += part.queries; ks += part.keys
        }
    }
}

extension ComputeThreads {
    /// `body` single-threaded (`threads == 1`) or on every kernel thread (`count`).
    static func with<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        threads == 1 ? try serially(body) : try body()
    }
}
