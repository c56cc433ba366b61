import Foundation
import Testing
import BLTModel
import ByteTransformer
import Metrics

@Suite("Byte transformer behind the model seam")
struct ByteTransformerTests {
    let text = "Entropy models predict the next byte: Zürich, 3.14159, ΑΒΓ."

    /// The shipped BLT's entropy model on its own gives exactly the BLT's patcher activations and entropy.
    @Test func entropyModelAloneEqualsTheBLTsPatcher() throws {
        let directory = try ShippedModel.locate()
        let blt = try BLTModel(directory: directory)
        let alone = try ByteTransformer(entropyModelOf: directory)
        let patterns = ["patcher.*", "patching.hook_entropy"]
        let a = try blt.forward(text: text, options: ForwardOptions(hooks: HookSet(capture: patterns)))
        let b = try alone.forward(text: text, options: ForwardOptions(hooks: HookSet(capture: patterns)))
        #expect(Set(b.activations.keys) == Set(blt.hookPoints.map(\.name).filter { $0.hasPrefix("patcher.") || $0 == "patching.hook_entropy" }))
        for (name, tensor) in b.activations { #expect(a.activations[name] == tensor, "\(name)") }
        #expect(a.entropy == b.entropy)
        #expect(b.patchLengths == Array(repeating: 1, count: b.inputIDs.count))
        #expect(b.logits?.shape == [b.inputIDs.count, 260])
        #expect(alone.hookPoints.map(\.name) == blt.hookPoints.map(\.name).filter { $0.hasPrefix("patcher.") || $0 == "patching.hook_entropy" })
    }

    @Test func forwardFiresExactlyTheCatalogue() throws {
        let model = try ByteTransformer(entropyModelOf: try ShippedModel.locate())
        let fired = Names()
        var hooks = HookSet()
        hooks.reduce("*") { _, info in fired.names.append(info.name) }
        _ = try model.forward(text: text, options: ForwardOptions(hooks: hooks))
        #expect(fired.names == model.hookPoints.map(\.name))
    }

    @Test func patchingStrategiesAreRefused() throws {
        let model = try ByteTransformer(entropyModelOf: try ShippedModel.locate())
        #expect(throws: ByteTransformerError.self) {
            _ = try model.forward(text: text, options: ForwardOptions(patching: .fixed(4)))
        }
    }

    /// Random-initialised models: seeded, deterministic, finite, and near-uniform predictions (entropy close
    /// to ln 260 nats), unlike the trained model.
    @Test func randomInitialisedModels() throws {
        let blt = try BLTModel(directory: try ShippedModel.locate())
        let r1 = try BLTModel.randomlyInitialised(config: blt.config, seed: 11)
        let r2 = try BLTModel.randomlyInitialised(config: blt.config, seed: 11)
        let r3 = try BLTModel.randomlyInitialised(config: blt.config, seed: 12)
        let a = try r1.forward(text: text, options: ForwardOptions())
        let b = try r2.forward(text: text, options: ForwardOptions())
        let c = try r3.forward(text: text, options: ForwardOptions())
        #expect(a.logits == b.logits && a.entropy == b.entropy)
        #expect(a.logits != c.logits)
        let entropy = try #require(a.entropy)
        #expect(entropy.allSatisfy { $0.isFinite && $0 > 4.5 && $0 <= Float(log(260.0)) + 1e-3 })
        #expect(r1.modelDescription.contains("random init (seed 11)"))
        let trained = try blt.forward(text: text, options: ForwardOptions())
        #expect(trained.entropy!.reduce(0, +) < entropy.reduce(0, +))

        let small = try ByteTransformer.randomlyInitialised(stack: blt.config.patcher, seed: 4)
        let d = try small.forward(text: text, options: ForwardOptions())
        #expect(d.entropy!.allSatisfy { $0.isFinite && $0 > 4.5 })
    }

    /// FLOP accounting of a standalone entropy model counts only its own stack: equal to the BLT's patcher
    /// share under the same positions.
    @Test func computeShapeCountsOnlyTheStack() throws {
        let directory = try ShippedModel.locate()
        let blt = try BLTModel(directory: directory)
        let alone = try ByteTransformer(entropyModelOf: directory)
        let n = 40
        let own = try ComputeAllocation(shape: try alone.computeShape(), patchLengths: Array(repeating: 1, count: n))
        let inBLT = try ComputeAllocation(shape: try blt.computeShape(), patchLengths: Array(repeating: 1, count: n))
        #expect(own.patcher == inBLT.patcher)
        #expect(own.total == own.patcher.reduce(0, +))
        #expect(own.encoder.allSatisfy { $0 == 0 } && own.unattributed == 0)
    }
}

private final class Names: @unchecked Sendable { var names: [String] = [] }
