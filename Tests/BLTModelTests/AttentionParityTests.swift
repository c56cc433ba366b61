import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// The attention hooks (q/k/v before and after RoPE, scores, patterns, z of every self- and cross-attention,
/// resid_pre of every stack) against transformers 5.24.0's eager attention (`attention_reference.safetensors`).
@Suite("Attention hooks: parity with transformers 5.24.0")
struct AttentionParityTests {
    @Test("every attention hook matches, and capturing them leaves the other hooks in tolerance", arguments: ParityTests.cases)
    func attentionHooksMatch(caseName: String) throws {
        let model = try Fixtures.model(caseName)
        let attention = try Fixtures.reference(caseName, file: "attention_reference.safetensors")
        let reference = try Fixtures.reference(caseName)
        let original = Set(try Fixtures.hookNames(caseName))
        let added = try Fixtures.hookNames(caseName, file: "attention_hooks.json").filter { !original.contains($0) }
        var worst: [String: Float] = [:]
        for input in try Fixtures.inputs(caseName) where ["bytes", "short"].contains(input.name) {
            let (result, cache) = try model.runWithCache(bytes: input.bytes)
            #expect(Set(cache.names) == Set(model.hookPoints.map(\.name)))
            for name in added {
                let expected = try #require(attention.tensors["\(input.name).\(name)"], "reference lacks \(name)")
                let actual = try #require(cache[name], "no activation for \(name)")
                #expect(actual.shape == expected.shape, "\(caseName)/\(input.name) \(name) shape")
                guard actual.shape == expected.shape else { continue }
                let want = expected.floats()
                // Masked scores are -inf on both sides; everything else is finite and close.
                let masked = want.indices.filter { want[$0] == -.infinity }
                #expect(masked.allSatisfy { actual.values[$0] == -.infinity }, "\(caseName)/\(input.name) \(name) mask")
                let finite = want.indices.filter { want[$0] != -.infinity }
                let diff = maxAbsDifference(finite.map { actual.values[$0] }, finite.map { want[$0] })
                #expect(diff <= 1e-4, "\(caseName)/\(input.name) \(name): max abs diff \(diff)")
                let kind = String(name.split(separator: ".").last!)
                worst[kind] = max(worst[kind] ?? 0, diff)
            }
            // With every attention hook captured the explicit attention path runs; the rest stays in tolerance.
            for name in original {
                let expected = try #require(reference.tensors["\(input.name).\(name)"]).floats()
                let diff = maxAbsDifference(try #require(cache[name]).values, expected)
                #expect(diff <= 1e-4, "\(caseName)/\(input.name) \(name) with attention hooks: \(diff)")
            }
            #expect(result.logits != nil)
        }
        print("attention parity \(caseName): " + worst.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }

    @Test("scores, pattern and z are consistent, and editing the pattern changes z")
    func patternInterventionFlows() throws {
        let model = try Fixtures.model("tiny_variants")
        let name = "global.blocks.0.attn"
        let (clean, cache) = try model.runWithCache(text: "Patterns flow into z.", names: ["\(name).*"])
        let pattern = try #require(cache["\(name).hook_pattern"])
        let heads = model.config.global.numAttentionHeads
        // Causal: every row of every head sums to 1 and puts no weight on future patches.
        let p = pattern.rows / heads
        for h in 0..<heads {
            let head = try ActivationCache.head(h, of: pattern, heads: heads)
            for i in 0..<p {
                #expect(abs(head.row(i).reduce(0, +) - 1) < 1e-5)
                #expect(head.row(i).enumerated().allSatisfy { $0.offset <= i || $0.element == 0 })
            }
        }
        // Uniform attention over the visible prefix changes z and the logits.
        var hooks = HookSet(capture: ["\(name).hook_z"])
        hooks.intervene("\(name).hook_pattern", .custom { values, info in
            let keys = info.columns
            for r in 0..<info.rows {
                let i = r % keys
                for j in 0..<keys { values[r * keys + j] = j <= i ? 1 / Float(i + 1) : 0 }
            }
        })
        let edited = try model.forward(text: "Patterns flow into z.", options: ForwardOptions(hooks: hooks))
        #expect(edited.activations["\(name).hook_z"] != cache["\(name).hook_z"])
        #expect(edited.logits != clean.logits)
        #expect(throws: ActivationCacheError.headOutOfRange(head: heads, heads: heads, rows: pattern.rows)) {
            _ = try ActivationCache.head(heads, of: pattern, heads: heads)
        }
    }
}
