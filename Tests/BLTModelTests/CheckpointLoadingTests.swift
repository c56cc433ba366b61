import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

@Suite("Checkpoint loading: dtypes and shards")
struct CheckpointLoadingTests {
    let inputs = try! Fixtures.inputs("tiny_default")

    @Test("BF16 and F16 weights equal the rounded F32 weights and give close outputs",
          arguments: [("tiny_default-bf16", TensorDType.bf16, Float(1.0 / 256), Float(0.05)),
                      ("tiny_default-f16", TensorDType.f16, Float(1.0 / 2048), Float(0.005))])
    func halfPrecision(name: String, dtype: TensorDType, relativeRounding: Float, logitTolerance: Float) throws {
        let full = try CheckpointFiles(directory: Fixtures.directory("tiny_default"))
        let half = try CheckpointFiles(directory: Fixtures.directory(name))
        #expect(Set(full.tensors.keys) == Set(half.tensors.keys))
        for (key, slice) in half.tensors {
            #expect(slice.dtype == dtype, "\(key)")
            let a = slice.floats(), b = try #require(full.tensors[key]).floats()
            for i in a.indices where abs(a[i] - b[i]) > relativeRounding * abs(b[i]) + 1e-7 {
                Issue.record("\(name) \(key)[\(i)]: \(a[i]) is not \(b[i]) rounded to \(dtype)")
                break
            }
        }
        let f32Model = try Fixtures.model("tiny_default")
        let halfModel = try Fixtures.model(name)
        for input in inputs {
            let options = ForwardOptions(patching: .explicit(try f32Model.forward(bytes: input.bytes).patchLengths))
            let a = try #require(try f32Model.forward(bytes: input.bytes, options: options).logits)
            let b = try #require(try halfModel.forward(bytes: input.bytes, options: options).logits)
            let diff = maxAbsDifference(a.values, b.values)
            #expect(diff > 0 && diff < logitTolerance, "\(name)/\(input.name): max abs logit diff \(diff)")
        }
    }

    @Test("a sharded checkpoint loads and gives bit-identical outputs")
    func sharded() throws {
        let files = try CheckpointFiles(directory: Fixtures.directory("tiny_default-sharded"))
        #expect(files.files.count == 5)
        let single = try Fixtures.model("tiny_default")
        let sharded = try Fixtures.model("tiny_default-sharded")
        for input in inputs {
            let a = try single.forward(bytes: input.bytes), b = try sharded.forward(bytes: input.bytes)
            #expect(a.logits == b.logits && a.entropy == b.entropy && a.patchLengths == b.patchLengths)
        }
    }
}
