import Foundation
import Testing
@testable import Metrics

@Suite("Byte, patch and item entropy")
struct EntropyTests {
    let fixture = MetricsFixture.shared

    @Test("predictive entropies and next-byte losses match numpy (logsumexp-stable)")
    func logitsMatchNumpy() throws {
        for entropyCase in fixture.entropy {
            try entropyCase.logits.withUnsafeBufferPointer { logits in
                let h = try ByteEntropy.predictiveEntropies(logits: logits, rows: entropyCase.rows,
                                                            vocabulary: entropyCase.vocabulary)
                for (a, b) in zip(h, entropyCase.predictive_entropy) {
                    #expect(isClose(a, b, relative: 1e-9, absolute: 0), "\(entropyCase.name): \(a) vs \(b)")
                }
                let losses = try ByteEntropy.nextByteLosses(logits: logits, rows: entropyCase.rows,
                                                            vocabulary: entropyCase.vocabulary, ids: entropyCase.ids)
                #expect(losses[0].isNaN && entropyCase.losses[0] == nil)
                for (a, b) in zip(losses.dropFirst(), entropyCase.losses.dropFirst()) {
                    #expect(isClose(a, b!, relative: 1e-9, absolute: 0), "\(entropyCase.name) loss")
                }
                let byteAligned = ByteEntropy.entropiesOfBytes(predictive: h)
                #expect(byteAligned[0].isNaN && Array(byteAligned.dropFirst()) == Array(h.dropLast()))
            }
        }
    }

    @Test("entropy extremes, units and errors")
    func extremes() throws {
        let uniform = [Float](repeating: 7.5, count: 260)
        let h = try uniform.withUnsafeBufferPointer { try ByteEntropy.entropy(logits: $0) }
        #expect(isClose(h, log(260), relative: 1e-14))
        #expect(isClose(ByteEntropy.bits(fromNats: h), log2(260), relative: 1e-14))
        #expect(try [Float(3)].withUnsafeBufferPointer { try ByteEntropy.entropy(logits: $0) } == 0)
        // A logit far above the rest: entropy ≈ 0, finite, non-negative (no overflow from exp(1e4)).
        let peaked = try [Float(1e4), 0, 0].withUnsafeBufferPointer { try ByteEntropy.entropy(logits: $0) }
        #expect(peaked >= 0 && peaked < 1e-300)
        #expect(throws: MetricsError.self) {
            try [Float(1), -.infinity].withUnsafeBufferPointer { try ByteEntropy.entropy(logits: $0) }
        }
        #expect(throws: MetricsError.outOfRange(argument: "ids", value: 3, validRange: "0..<3")) {
            try [Float](repeating: 0, count: 6).withUnsafeBufferPointer {
                try ByteEntropy.nextByteLosses(logits: $0, rows: 2, vocabulary: 3, ids: [0, 3])
            }
        }
        #expect(throws: MetricsError.shapeMismatch(argument: "ids", expected: 2, actual: 1)) {
            try [Float](repeating: 0, count: 6).withUnsafeBufferPointer {
                try ByteEntropy.nextByteLosses(logits: $0, rows: 2, vocabulary: 3, ids: [0])
            }
        }
        let uniformLoss = try [Float](repeating: 1, count: 8).withUnsafeBufferPointer {
            try ByteEntropy.nextByteLosses(logits: $0, rows: 2, vocabulary: 4, ids: [1, 2])
        }
        #expect(uniformLoss[0].isNaN && isClose(uniformLoss[1], log(4), relative: 1e-15))
        #expect(try [Float]().withUnsafeBufferPointer {
            try ByteEntropy.predictiveEntropies(logits: $0, rows: 0, vocabulary: 5)
        }.isEmpty)
        #expect(ByteEntropy.entropiesOfBytes(predictive: []).isEmpty)
    }

    @Test("patch summaries and item summaries match numpy")
    func patchesMatchNumpy() throws {
        for patchCase in fixture.patches {
            let e = patchCase.byte_entropies.map { $0 ?? .nan }
            let losses = patchCase.losses.map { $0 ?? .nan }
            let summaries = try PatchEntropySummary.summarize(byteEntropies: e, patchLengths: patchCase.patch_lengths)
            try #require(summaries.count == patchCase.patches.count)
            for (j, (s, p)) in zip(summaries, patchCase.patches).enumerated() {
                #expect(s.index == j && s.start == p.start && s.length == p.length)
                for (value, expected) in [(s.firstByteEntropy, p.first), (s.meanEntropy, p.mean), (s.maxEntropy, p.max)] {
                    if let expected { #expect(isClose(value, expected)) } else { #expect(value.isNaN) }
                }
                #expect(s.isMeasured == (p.mean != nil))
            }
            let span = patchCase.span[0]..<patchCase.span[1]
            let item = try ItemEntropySummary(byteEntropies: e, losses: losses, patchLengths: patchCase.patch_lengths,
                                              span: span)
            let expected = patchCase.item
            #expect(item.byteCount == span.count)
            #expect(isClose(item.meanEntropy, expected.mean_entropy))
            #expect(isClose(item.meanEntropyBits, expected.mean_entropy_bits))
            #expect(isClose(item.bitsPerByte!, expected.bits_per_byte))
            #expect(item.patchCount == expected.patch_count)
            #expect(isClose(item.patchesPerByte, expected.patches_per_byte))
            #expect(isClose(item.meanPatchLength, expected.mean_patch_length))
            #expect(isClose(item.meanFirstByteEntropy!, expected.mean_first_byte_entropy!))
            #expect(isClose(item.meanPatchEntropyPerPatch!, expected.mean_patch_entropy_per_patch!))
            #expect(isClose(item.meanPatchEntropyPerByte!, expected.mean_patch_entropy_per_byte!))
        }
    }

    @Test("patch weighting by hand")
    func weighting() throws {
        let values = [1.0, 4.0, .nan, 10.0], lengths = [1, 3, 0, 2]
        #expect(try PatchWeighting.perPatch.mean(values, lengths: lengths) == 5)
        #expect(try PatchWeighting.perByte.mean(values, lengths: lengths) == (1 + 12 + 20) / 6)
        #expect(throws: MetricsError.empty(argument: "patches with positive length")) {
            try PatchWeighting.perByte.mean([1], lengths: [0])
        }
        #expect(throws: MetricsError.self) { try PatchWeighting.perPatch.mean([.nan], lengths: [2]) }
        #expect(throws: MetricsError.self) { try PatchWeighting.perPatch.mean([1, 2], lengths: [2]) }
    }

    @Test("patch ids follow the architecture note's worked examples")
    func patchLayout() throws {
        #expect(PatchLayout.patchIDs(patchLengths: [1, 2, 2, 0], byteCount: 5) == [0, 1, 1, 2, 2])
        #expect(PatchLayout.decoderPatchIDs(patchLengths: [1, 2, 2, 0], byteCount: 5) == [0, 0, 1, 1, 2])
        #expect(PatchLayout.decoderPatchIDs(patchLengths: [1, 2, 2], byteCount: 5) == [0, 0, 1, 1, 1])
        #expect(PatchLayout.decoderPatchIDs(patchLengths: [1, 4], byteCount: 5) == [0, 0, 0, 0, 0])
        #expect(PatchLayout.decoderPatchIDs(patchLengths: [1, 1, 1, 1, 1, 0], byteCount: 5) == [0, 1, 2, 3, 4])
        #expect(PatchLayout.starts(patchLengths: [1, 2, 2, 0]) == [0, 1, 3, 5])
        #expect(try PatchLayout.fixedPatchLengths(byteCount: 10, patchSize: 4) == [1, 4, 4, 1])
        #expect(try PatchLayout.fixedPatchLengths(byteCount: 1, patchSize: 4) == [1])
        #expect(try PatchLayout.fixedPatchLengths(byteCount: 0, patchSize: 4) == [])
        #expect(throws: MetricsError.self) { try PatchLayout.fixedPatchLengths(byteCount: 5, patchSize: 0) }
        #expect(throws: MetricsError.shapeMismatch(argument: "sum(patchLengths)", expected: 5, actual: 4)) {
            try PatchLayout.validate(patchLengths: [1, 3], byteCount: 5)
        }
        #expect(throws: MetricsError.outOfRange(argument: "patchLengths", value: -1, validRange: "0...")) {
            try PatchLayout.validate(patchLengths: [1, -1, 5], byteCount: 5)
        }
    }

    @Test("item summary rejects spans that include BOS or run past the end; NaN inside is an error")
    func itemErrors() throws {
        let e: [Double] = [.nan, 1, 2, 3]
        #expect(throws: MetricsError.self) { try ItemEntropySummary(byteEntropies: e, patchLengths: [1, 3], span: 0..<4) }
        #expect(throws: MetricsError.self) { try ItemEntropySummary(byteEntropies: e, patchLengths: [1, 3], span: 1..<5) }
        #expect(throws: MetricsError.self) { try ItemEntropySummary(byteEntropies: e, patchLengths: [1, 3], span: 2..<2) }
        #expect(throws: MetricsError.nonFinite(argument: "byteEntropies", index: 2, value: .infinity)) {
            try ItemEntropySummary(byteEntropies: [.nan, 1, .infinity, 3], patchLengths: [1, 3], span: 1..<4)
        }
        // A span inside one long patch: no patch starts in it; documented zeros and nils.
        let inner = try ItemEntropySummary(byteEntropies: e, patchLengths: [1, 3], span: 2..<4)
        #expect(inner.patchCount == 0 && inner.patchesPerByte == 0 && inner.meanPatchLength == 0)
        #expect(inner.meanFirstByteEntropy == nil && inner.bitsPerByte == nil && inner.meanEntropy == 2.5)
    }
}
