import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// Swift forward pass vs transformers 5.24.0 dumps, hook by hook.
@Suite("Parity with transformers 5.24.0")
struct ParityTests {
    static let cases = ["tiny_default", "tiny_variants"]

    @Test("every hook, entropy, patches, ids, hash rows and logits match", arguments: cases)
    func everyHookMatches(caseName: String) throws {
        let model = try Fixtures.model(caseName)
        let reference = try Fixtures.reference(caseName)
        let names = try Fixtures.hookNames(caseName)
        for input in try Fixtures.inputs(caseName) {
            // The hooks of the original contract only: attention runs its fused kernel, as in studies.
            let result = try model.forward(bytes: input.bytes, options: ForwardOptions(hooks: HookSet(capture: names)))
            let key = { (suffix: String) in "\(input.name).\(suffix)" }
            let ids = try #require(reference.tensors[key("input_ids")]).int64s().map(Int.init)
            #expect(result.inputIDs == ids, "\(caseName)/\(input.name) input ids")
            let lengths = try #require(reference.tensors[key("patch_lengths")]).int64s().map(Int.init)
            #expect(result.patchLengths == lengths, "\(caseName)/\(input.name) patch lengths")
            let patchIDs = try #require(reference.tensors[key("patch_ids")]).int64s().map(Int.init)
            #expect(result.patchIDs == patchIDs, "\(caseName)/\(input.name) patch ids")
            let decoderIDs = try #require(reference.tensors[key("decoder_patch_ids")]).int64s().map(Int.init)
            #expect(result.decoderPatchIDs == decoderIDs, "\(caseName)/\(input.name) decoder patch ids")
            let hashSlice = try #require(reference.tensors[key("hash_rows")])
            let hashRows = HashNGrams.rows(ids: result.inputIDs, config: model.config)
            #expect(hashRows.flatMap { $0 }.map(Int64.init) == hashSlice.int64s(), "\(caseName)/\(input.name) hash rows")
            let entropy = try #require(reference.tensors[key("entropy")]).floats()
            let swiftEntropy = try #require(result.entropy)
            #expect(maxAbsDifference(swiftEntropy, entropy) <= 1e-5, "\(caseName)/\(input.name) entropy")

            #expect(Set(result.activations.keys) == Set(names), "\(caseName)/\(input.name) captured hook set")
            for name in names {
                let expected = try #require(reference.tensors[key(name)], "reference lacks \(name)")
                let actual = try #require(result.activations[name], "no activation for \(name)")
                #expect(actual.shape == expected.shape, "\(caseName)/\(input.name) \(name) shape")
                guard actual.shape == expected.shape else { continue }
                let tolerance: Float = name == "patching.hook_entropy" ? 1e-5 : 1e-4
                let diff = maxAbsDifference(actual.values, expected.floats())
                #expect(diff <= tolerance, "\(caseName)/\(input.name) \(name): max abs diff \(diff)")
            }
            let logits = try #require(result.logits)
            let diff = maxAbsDifference(logits.values, try #require(reference.tensors[key("hook_logits")]).floats())
            #expect(diff <= 1e-4, "\(caseName)/\(input.name) logits: max abs diff \(diff)")
        }
    }
}
