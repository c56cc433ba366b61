import Testing
@testable import Kernels

/// The model allocates product outputs without zero-filling them (ModelCore's `TransformerBlocks.linear` and
/// `linearPacked`), which is sound only if every product writes every output element whatever the thread
/// split, row count or precision. Outputs here start as NaN and must come out with the bits a zeroed start gives.
@Suite("Products write every output element")
struct ProductOutputCoverageTests {
    enum Kind: CaseIterable { case fp32, bf16, concurrent }

    static func run(_ kind: Kind, x: [Float], rows: Int, inFeatures: Int, w: [Float], wBits: [UInt16], outFeatures: Int,
                    start: Float) throws -> [Float] {
        var out = [Float](repeating: start, count: rows * outFeatures)
        var second = [Float](repeating: start, count: rows * 3)
        try x.withUnsafeBufferPointer { xp in
            try w.withUnsafeBufferPointer { wp in
                try wBits.withUnsafeBufferPointer { bp in
                    try out.withUnsafeMutableBufferPointer { op in
                        switch kind {
                        case .fp32:
                            try Linear.apply(xp.baseAddress!, rows: rows, inFeatures: inFeatures, transposedWeight: wp.baseAddress!,
                                             outFeatures: outFeatures, into: op.baseAddress!)
                        case .bf16:
                            try Linear.applyBFloat16(xp.baseAddress!, rows: rows, inFeatures: inFeatures, weight: bp.baseAddress!,
                                                     outFeatures: outFeatures, into: op.baseAddress!)
                        case .concurrent:
                            try second.withUnsafeMutableBufferPointer { sp in
                                try Linear.applyConcurrently([
                                    LinearProduct(x: xp.baseAddress!, rows: rows, inFeatures: inFeatures, transposedWeight: wp.baseAddress!,
                                                  outFeatures: outFeatures, out: op.baseAddress!),
                                    LinearProduct(x: xp.baseAddress!, rows: rows, inFeatures: inFeatures, transposedWeight: wp.baseAddress!,
                                                  outFeatures: 3, out: sp.baseAddress!),
                                ])
                            }
                        }
                    }
                }
            }
        }
        return kind == .concurrent ? out + second : out
    }

    @Test("NaN-filled outputs come out as zero-filled ones do", arguments: Kind.allCases)
    func everyElementWritten(kind: Kind) throws {
        for (rows, inFeatures, outFeatures) in [(1, 64, 48), (3, 128, 384), (300, 256, 704), (700, 512, 1536)] {
            var random = TestRandom(state: UInt64(rows * 31 + outFeatures))
            let x = random.array(rows * inFeatures), w = random.array(inFeatures * outFeatures)
            var wBits = [UInt16](repeating: 0, count: w.count)
            w.withUnsafeBufferPointer { p in wBits.withUnsafeMutableBufferPointer { BFloat16.round(p.baseAddress!, count: p.count, into: $0.baseAddress!) } }
            for threads in [1, 2] {
                let fromNaN = try ComputeThreads.with(threads) {
                    try Self.run(kind, x: x, rows: rows, inFeatures: inFeatures, w: w, wBits: wBits, outFeatures: outFeatures, start: .nan)
                }
                let fromZero = try ComputeThreads.with(threads) {
                    try Self.run(kind, x: x, rows: rows, inFeatures: inFeatures, w: w, wBits: wBits, outFeatures: outFeatures, start: 0)
                }
                #expect(fromNaN.allSatisfy { $0.isFinite }, "\(kind) \(rows)×\(inFeatures)→\(outFeatures), \(threads) threads")
                #expect(fromNaN.map(\.bitPattern) == fromZero.map(\.bitPattern), "\(kind) \(rows)×\(inFeatures)→\(outFeatures)")
            }
        }
    }
}
