import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore
import ByteTransformer

/// `ForwardOptions.patcherEntropy`: a forward given the patcher's entropy from an earlier forward of the same
/// bytes skips the patcher and is otherwise the same forward, bit for bit (the study's control arms rely on it).
@Suite("Forward with the patcher's entropy supplied")
struct PatcherEntropyTests {
    static let texts = [
        "The entropy model reads bytes one at a time; where the next byte is hard to guess, a new patch begins.",
        "Zürich, 東京, Москва — ✓ 12345 {\"k\": [1, 2]}",
        "x",
    ]
    static let captures = ["patcher.blocks.*.hook_resid_post", "patcher.hook_logits", "encoder.blocks.0.hook_resid_post",
                           "global.blocks.*.hook_resid_post", "decoder.hook_final_norm"]

    @Test("equal bits without the patcher, under the config's and fixed patching; patcher hooks absent")
    func sameBitsWithoutPatcher() throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        for text in Self.texts {
            let bytes = Array(text.utf8)
            for patching in [PatchingStrategy.configDefault, .fixed(4)] {
                let full = try model.forward(bytes: bytes, options: ForwardOptions(patching: patching, hooks: HookSet(capture: Self.captures)))
                let entropy = try #require(full.entropy)
                // The reducer of a patcher hook must not be called when the patcher does not run.
                var hooks = HookSet(capture: Self.captures)
                final class Calls: @unchecked Sendable { var count = 0 }
                let calls = Calls()
                hooks.reduce("patcher.blocks.0.hook_resid_post") { _, _ in calls.count += 1 }
                let reused = try model.forward(bytes: bytes, options: ForwardOptions(patching: patching, hooks: hooks,
                                                                                     patcherEntropy: entropy))
                #expect(calls.count == 0)
                #expect(reused.entropy == full.entropy)
                #expect(reused.patchLengths == full.patchLengths && reused.patchIDs == full.patchIDs)
                #expect(try #require(reused.logits).values == (try #require(full.logits)).values, "\(text.prefix(12)) logits bits")
                let patcherHooks = full.activations.keys.filter { $0.hasPrefix("patcher.") }
                #expect(patcherHooks.count == 5)
                #expect(Set(reused.activations.keys) == Set(full.activations.keys).subtracting(patcherHooks))
                for (name, tensor) in reused.activations {
                    #expect(tensor.values == full.activations[name]!.values, "\(name) bits")
                }
            }
        }
    }

    @Test("the supplied entropy drives patching: a different entropy gives the patches it implies")
    func suppliedEntropyDrivesPatching() throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        let bytes = Array(Self.texts[0].utf8)
        let full = try model.forward(bytes: bytes, options: ForwardOptions(computeLogits: false))
        // Zero entropy everywhere except a spike at every 10th position: patches start exactly there.
        var spiky = [Float](repeating: 0, count: bytes.count + 1)
        for i in stride(from: 10, to: spiky.count, by: 10) { spiky[i] = 9 }
        let reused = try model.forward(bytes: bytes, options: ForwardOptions(computeLogits: false, patcherEntropy: spiky))
        #expect(reused.entropy == spiky)
        #expect(reused.patchLengths != full.patchLengths)
        let expected = try Patching.lengths(strategy: .configDefault, bytes: bytes, entropy: spiky, config: model.config)
        #expect(reused.patchLengths == expected)
    }

    @Test("bad values are typed errors naming count, index and value")
    func badValues() throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        let bytes = Array("abc".utf8)
        #expect(throws: ForwardOptionsError.patcherEntropyCount(expected: 4, got: 3)) {
            try model.forward(bytes: bytes, options: ForwardOptions(patcherEntropy: [1, 1, 1]))
        }
        #expect(throws: ForwardOptionsError.patcherEntropyValue(index: 2, value: -1)) {
            try model.forward(bytes: bytes, options: ForwardOptions(patcherEntropy: [1, 1, -1, 1]))
        }
        do {
            _ = try model.forward(bytes: bytes, options: ForwardOptions(patcherEntropy: [1, .nan, 1, 1]))
            Issue.record("NaN entropy accepted")
        } catch let error as ForwardOptionsError {
            guard case .patcherEntropyValue(index: 1, _) = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("patcherEntropy[1]"))
        }
        let transformer = try ByteTransformer(entropyModelOf: ShippedModelParityTests.modelDirectory)
        #expect(throws: ForwardOptionsError.patcherEntropyNotSupported(model: transformer.modelDescription)) {
            try transformer.forward(bytes: bytes, options: ForwardOptions(patcherEntropy: [1, 1, 1, 1]))
        }
    }

    @Test("a batch packs when every item or none supplies it, and runs one at a time when they disagree")
    func batchAllOrNone() throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        let items = Self.texts.map { Array($0.utf8) }
        let singles = try items.map { try model.forward(bytes: $0, options: ForwardOptions()) }
        let entropies = try singles.map { try #require($0.entropy) }
        let all = try model.forward(batch: items, options: entropies.map { ForwardOptions(patcherEntropy: $0) })
        let mixed = try model.forward(batch: items, options: [ForwardOptions(patcherEntropy: entropies[0]), ForwardOptions(), ForwardOptions()])
        for i in items.indices {
            #expect(all[i].patchLengths == singles[i].patchLengths, "packed item \(i)")
            #expect(all[i].entropy == singles[i].entropy)
            // Mixed: one at a time, so bit for bit the single forwards.
            #expect(mixed[i].logits!.values == singles[i].logits!.values, "mixed item \(i)")
        }
        #expect(throws: ForwardOptionsError.self) {
            try model.forward(batch: items, options: entropies.map { ForwardOptions(patcherEntropy: Array($0.dropLast())) })
        }
    }
}
