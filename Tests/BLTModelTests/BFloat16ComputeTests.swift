import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

@Suite("bf16 compute path")
struct BFloat16ComputeTests {
    /// The bf16 path rounds weights and product inputs to bf16 (8 significant bits), so logits move by
    /// about as much as with a BF16 checkpoint on the fp32 path (≤ 0.05 on these fixtures, see
    /// CheckpointLoadingTests); patching is pinned to the fp32 run's lengths so both see the same patches.
    @Test("bf16 matrix products stay within bf16 tolerance of the fp32 path", arguments: ["tiny_default", "tiny_variants"])
    func tolerance(caseName: String) throws {
        let fp32 = try Fixtures.model(caseName)
        let bf16 = try BLTModel(directory: Fixtures.directory(caseName), options: LoadOptions(matrixPrecision: .bf16))
        for input in try Fixtures.inputs(caseName) {
            let reference = try fp32.forward(bytes: input.bytes)
            let options = ForwardOptions(patching: .explicit(reference.patchLengths))
            let result = try bf16.forward(bytes: input.bytes, options: options)
            let a = try #require(reference.logits), b = try #require(result.logits)
            let diff = maxAbsDifference(a.values, b.values)
            #expect(diff > 0 && diff < 0.05, "\(caseName)/\(input.name): max abs logit diff \(diff)")
            let entropyDiff = maxAbsDifference(try #require(reference.entropy), try #require(result.entropy))
            #expect(entropyDiff < 0.1, "\(caseName)/\(input.name): max abs entropy diff \(entropyDiff)")
        }
    }

    @Test("a BF16 checkpoint is used in place on the bf16 path and matches its fp32 widening closely")
    func bf16Checkpoint() throws {
        let widened = try Fixtures.model("tiny_default-bf16")
        let native = try BLTModel(directory: Fixtures.directory("tiny_default-bf16"), options: LoadOptions(matrixPrecision: .bf16))
        #expect(native.weights.lmHead.precision == .bf16)
        #expect(native.weights.lmHead.values == widened.weights.lmHead.values)  // same bits, no re-rounding
        for input in try Fixtures.inputs("tiny_default") {
            let reference = try widened.forward(bytes: input.bytes)
            let result = try native.forward(bytes: input.bytes, options: ForwardOptions(patching: .explicit(reference.patchLengths)))
            let diff = maxAbsDifference(try #require(reference.logits).values, try #require(result.logits).values)
            #expect(diff < 0.05, "tiny_default-bf16/\(input.name): max abs logit diff \(diff)")
        }
    }

    @Test("releasing mapped weights after each block changes nothing in the outputs, also on a second pass")
    func releasingMappedWeightsIsInvisible() throws {
        let directory = Fixtures.directory("tiny_default-bf16")
        let resident = try BLTModel(directory: directory, options: LoadOptions(matrixPrecision: .bf16))
        let released = try BLTModel(directory: directory, options: LoadOptions(matrixPrecision: .bf16,
                                                                               releasesMappedWeightsAfterUse: true))
        for input in try Fixtures.inputs("tiny_default") {
            let reference = try resident.forward(bytes: input.bytes)
            for pass in 1...2 {
                let result = try released.forward(bytes: input.bytes)
                #expect(result.patchLengths == reference.patchLengths)
                #expect(try #require(result.logits).values == (try #require(reference.logits)).values,
                        "\(input.name), pass \(pass)")
            }
        }
    }
}
