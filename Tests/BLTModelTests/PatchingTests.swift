import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

@Suite("Patching rules")
struct PatchingTests {
    let config = try! BLTConfig(jsonData: Data(#"{"patching_threshold": 1.335}"#.utf8))

    /// Worked examples of blt_architecture.md §3.7.
    @Test("global threshold: worked examples incl. trailing zero-length patch")
    func workedExamples() {
        let theta: Float = 1.335
        var lengths = Patching.thresholdLengths(entropy: [3, 0.5, 2, 0.1, 2.0], threshold: theta)
        #expect(lengths == [1, 2, 2, 0])
        #expect(Patching.patchIDs(lengths: lengths, count: 5) == [0, 1, 1, 2, 2])
        #expect(Patching.decoderPatchIDs(lengths: lengths, count: 5) == [0, 0, 1, 1, 2])
        lengths = Patching.thresholdLengths(entropy: [3, 0.5, 2, 0.1, 0.2], threshold: theta)
        #expect(lengths == [1, 2, 2])
        #expect(Patching.decoderPatchIDs(lengths: lengths, count: 5) == [0, 0, 1, 1, 1])
        #expect(Patching.thresholdLengths(entropy: [0, 0, 0, 0, 0], threshold: theta) == [1, 4])
        #expect(Patching.thresholdLengths(entropy: [9, 9, 9, 9, 9], threshold: theta) == [1, 1, 1, 1, 1, 0])
        #expect(Patching.decoderPatchIDs(lengths: [1, 1, 1, 1, 1, 0], count: 5) == [0, 1, 2, 3, 4])
        #expect(Patching.thresholdLengths(entropy: [9], threshold: theta) == [1, 0])
        // Strict `>`: equal to the threshold does not start a patch.
        #expect(Patching.thresholdLengths(entropy: [0, theta, theta], threshold: theta) == [1, 2])
    }

    @Test("max_patch_length splits long patches and drops zero-length ones")
    func maxLength() {
        #expect(Patching.applyMaxLength([1, 9, 2, 0], 4) == [1, 4, 4, 1, 2])
        #expect(Patching.applyMaxLength([1, 9, 0], nil) == [1, 9, 0])
    }

    @Test("entropy rise, combined rules, fixed and space patching")
    func otherRules() throws {
        let bytes = Array("ab cd e".utf8)  // N = 8
        let h: [Float] = [5, 1, 2, 0.5, 3, 3.2, 0.1, 4]
        // Rise > 1: t=1 forced (start 2); t=4 (3-0.5) -> 5; t=7 (4-0.1) -> 8.
        #expect(try Patching.lengths(strategy: .entropyRise(1), bytes: bytes, entropy: h, config: config) == [1, 1, 3, 3, 0])
        // Threshold 2.5 AND rise 1: t=4 (3 > 2.5, rise 2.5) -> 5; t=7 -> 8; t=1 forced.
        #expect(try Patching.lengths(strategy: .entropyThresholdAndRise(threshold: 2.5, rise: 1), bytes: bytes, entropy: h, config: config)
                == [1, 1, 3, 3, 0])
        // Threshold 3.1 OR rise 1: t=4 (rise), t=5 (3.2 > 3.1), t=7 (both).
        #expect(try Patching.lengths(strategy: .entropyThresholdOrRise(threshold: 3.1, rise: 1), bytes: bytes, entropy: h, config: config)
                == [1, 4, 1, 2, 0])
        #expect(try Patching.lengths(strategy: .fixed(3), bytes: bytes, entropy: nil, config: config) == [1, 3, 3, 1])
        #expect(try Patching.lengths(strategy: .fixed(3), bytes: [], entropy: nil, config: config) == [1, 0])
        // Spaces at byte index 2 and 5 (token positions 3 and 6) -> starts at 4 and 7.
        #expect(try Patching.lengths(strategy: .space, bytes: bytes, entropy: nil, config: config) == [1, 3, 3, 1])
        #expect(try Patching.lengths(strategy: .space, bytes: Array("a ".utf8), entropy: nil, config: config) == [1, 2, 0])
        #expect(try Patching.lengths(strategy: .explicit([1, 7]), bytes: bytes, entropy: nil, config: config) == [1, 7])
        #expect(throws: PatchingError.negativeLength(index: 1, value: -1)) {
            _ = try Patching.lengths(strategy: .explicit([1, -1]), bytes: bytes, entropy: nil, config: config)
        }
        #expect(throws: PatchingError.invalidFixedSize(0)) {
            _ = try Patching.lengths(strategy: .fixed(0), bytes: bytes, entropy: nil, config: config)
        }
    }

    @Test("non-entropy patching_mode falls back to N+1 byte patches like transformers")
    func byteFallback() throws {
        var c = config
        c.patchingMode = "static"
        #expect(try Patching.lengths(strategy: .configDefault, bytes: [1, 2], entropy: nil, config: c) == [1, 1, 1, 1])
        #expect(Patching.patchIDs(lengths: [1, 1, 1, 1], count: 3) == [0, 1, 2])
    }

    @Test("strategies run end to end on a fixture model")
    func endToEnd() throws {
        let model = try Fixtures.model("tiny_default")
        let text = "Hello world, patch me."
        let space = try model.forward(text: text, options: ForwardOptions(patching: .space))
        #expect(space.patchLengths == [1, 6, 7, 6, 3])
        #expect(space.patchLengths.reduce(0, +) == space.inputIDs.count)
        let fixed = try model.forward(text: text, options: ForwardOptions(patching: .fixed(5)))
        #expect(fixed.patchLengths == [1, 5, 5, 5, 5, 2])
        let explicit = try model.forward(text: text, options: ForwardOptions(patching: .explicit(fixed.patchLengths)))
        #expect(explicit.logits == fixed.logits)
        #expect(space.entropy != nil)
    }
}

@Suite("Edge cases")
struct EdgeCaseTests {
    @Test("empty input: BOS alone, patches [1, 0], finite logits", arguments: ParityTests.cases)
    func emptyInput(caseName: String) throws {
        let model = try Fixtures.model(caseName)
        let result = try model.forward(bytes: [])
        #expect(result.inputIDs == [1])
        #expect(result.patchLengths == [1, 0] || result.patchLengths == [1])   // max_patch_length drops the empty patch
        let logits = try #require(result.logits)
        #expect(logits.shape == [1, 260] && logits.values.allSatisfy(\.isFinite))
    }

    @Test("explicit lengths that do not sum to N still run (transformers semantics)")
    func unevenExplicitLengths() throws {
        let model = try Fixtures.model("tiny_default")
        let bytes = Array("abcdefgh".utf8)
        let short = try model.forward(bytes: bytes, options: ForwardOptions(patching: .explicit([1, 3])))
        #expect(short.patchIDs == [0, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(short.logits.map { $0.values.allSatisfy(\.isFinite) } == true)
        let long = try model.forward(bytes: bytes, options: ForwardOptions(patching: .explicit([1, 8, 4, 0])))
        #expect(long.patchIDs == [0, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(long.decoderPatchIDs == [0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(long.logits.map { $0.values.allSatisfy(\.isFinite) } == true)
    }

    @Test("concurrent forwards on one model give identical results")
    func concurrent() async throws {
        let model = try Fixtures.model("tiny_variants")
        let expected = try model.forward(text: "concurrency").logits
        try await withThrowingTaskGroup(of: HookTensor?.self) { group in
            for _ in 0..<4 { group.addTask { try model.forward(text: "concurrency").logits } }
            for try await logits in group { #expect(logits == expected) }
        }
    }
}
