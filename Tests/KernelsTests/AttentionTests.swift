import Testing
@testable import Kernels

/// Dense float64 attention with an additive mask of finfo(float32).min, as transformers computes it.
func referenceAttention(q: [Float], k: [Float], v: [Float], queryRows: Int, keyRows: Int, heads: Int, kvHeads: Int,
                        headDim: Int, visible: (Int, Int) -> Bool) -> [Double] {
    var out = [Double](repeating: 0, count: queryRows * heads * headDim)
    let minimum = Double(-Float.greatestFiniteMagnitude)
    for h in 0..<heads {
        let kh = h / (heads / kvHeads)
        for i in 0..<queryRows {
            var scores = [Double](repeating: 0, count: keyRows)
            for j in 0..<keyRows {
                var dot = 0.0
                for d in 0..<headDim {
                    dot += Double(q[i * heads * headDim + h * headDim + d]) * Double(k[j * kvHeads * headDim + kh * headDim + d])
                }
                // In float32, finfo.min + score rounds to finfo.min, so masked scores are all equal.
                scores[j] = visible(i, j) ? dot / Double(headDim).squareRoot() : minimum
            }
            let m = scores.max()!
            let e = scores.map { Foundation_exp($0 - m) }
            let total = e.reduce(0, +)
            for j in 0..<keyRows {
                for d in 0..<headDim {
                    out[i * heads * headDim + h * headDim + d] += e[j] / total * Double(v[j * kvHeads * headDim + kh * headDim + d])
                }
            }
        }
    }
    return out
}

@Suite("Attention over unmasked pairs")
struct AttentionTests {
    func run(queryRows: Int, keyRows: Int, heads: Int, kvHeads: Int, headDim: Int, ranges: KeyRanges, seed: UInt64,
             path: Attention.Path = .automatic)
        -> (swift: [Float], reference: [Double]) {
        var random = TestRandom(state: seed)
        let q = random.array(queryRows * heads * headDim).map { $0 * 3 }
        let k = random.array(keyRows * kvHeads * headDim)
        let v = random.array(keyRows * kvHeads * headDim)
        var out = [Float](repeating: .nan, count: queryRows * heads * headDim)
        q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                Attention.apply(query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!,
                                queryRows: queryRows, keyRows: keyRows, heads: heads, kvHeads: kvHeads,
                                headDim: headDim, ranges: ranges, into: op.baseAddress!, path: path)
            }
        } } }
        let reference = referenceAttention(q: q, k: k, v: v, queryRows: queryRows, keyRows: keyRows, heads: heads,
                                           kvHeads: kvHeads, headDim: headDim) { i, j in
            j >= ranges.lower[i] && j < ranges.upper[i]
        }
        return (out, reference)
    }

    func maxDiff(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
    }

    @Test("causal attention with GQA matches dense masked attention")
    func causalGQA() {
        let r = run(queryRows: 40, keyRows: 40, heads: 6, kvHeads: 2, headDim: 8,
                    ranges: .causal(length: 40), seed: 1)
        #expect(maxDiff(r.swift, r.reference) < 1e-5)
    }

    @Test("sliding window: query i sees keys i-W+1 ... i")
    func slidingWindow() {
        let ranges = KeyRanges.causal(length: 30, window: 4)
        #expect(ranges.lower[10] == 7 && ranges.upper[10] == 11)
        #expect(ranges.lower[2] == 0)
        let r = run(queryRows: 30, keyRows: 30, heads: 2, kvHeads: 2, headDim: 4, ranges: ranges, seed: 2)
        #expect(maxDiff(r.swift, r.reference) < 1e-5)
    }

    @Test("a fully masked row attends uniformly to all keys, never NaN")
    func fullyMaskedRow() {
        let ranges = KeyRanges(lower: [0, 2, 5], upper: [2, 5, 5])   // row 2 is empty
        let r = run(queryRows: 3, keyRows: 5, heads: 2, kvHeads: 1, headDim: 4, ranges: ranges, seed: 3)
        #expect(!r.swift.contains { $0.isNaN })
        #expect(maxDiff(r.swift, r.reference) < 1e-5)
    }

    @Test("blocked and per-row paths agree with dense attention", arguments: [Attention.Path.blocked, .perRow])
    func paths(path: Attention.Path) {
        // Long causal with a window (several 64-row blocks, partial last block).
        var r = run(queryRows: 150, keyRows: 150, heads: 4, kvHeads: 2, headDim: 16,
                    ranges: .causal(length: 150, window: 37), seed: 4, path: path)
        #expect(maxDiff(r.swift, r.reference) < 1e-5)
        // Cross-attention-like ranges with empty rows and a whole empty block.
        var lower = [Int](), upper = [Int]()
        for i in 0..<140 {
            if i >= 64 && i < 128 { lower.append(0); upper.append(0); continue }   // block 1 fully masked
            let patch = i / 10
            lower.append(patch * 3); upper.append(i % 7 == 0 ? patch * 3 : patch * 3 + 3)
        }
        r = run(queryRows: 140, keyRows: 60, heads: 3, kvHeads: 3, headDim: 8,
                ranges: KeyRanges(lower: lower, upper: upper), seed: 5, path: path)
        #expect(!r.swift.contains { $0.isNaN })
        #expect(maxDiff(r.swift, r.reference) < 1e-5)
    }
}
