import Randomness

/// Seeded random weights for any list of checkpoint tensors, generated in memory: the random-initialised
/// controls of a study (same architecture, no learning).
///
/// Scale rule of transformers' `BltPreTrainedModel._init_weights` (not its random stream): every matrix
/// `[out, in]` is drawn from a normal with standard deviation `in^-1/2` truncated at ±3σ, every embedding
/// table `[rows, D]` with `D^-1/2` (both: the last dimension), every 1-D tensor (RMSNorm weights) is 1. Values are generated tensor by tensor in the order of `specs` from one `SplitMix64`, so
/// the same specs and seed give bit-identical weights on every machine.
public enum RandomWeights {
    /// At most 2³⁰ generated values (4 GiB of fp32): a bigger request is refused, not attempted.
    public static let maxElements = 1 << 30

    /// F32 tensors for `specs`, held in memory and presented as a checkpoint.
    /// - Throws: `CheckpointError.tensorTooLarge` when the total element count exceeds `maxElements`.
    public static func checkpoint(specs: [TensorSpec], seed: UInt64) throws(CheckpointError) -> CheckpointFiles {
        var total = 0
        for spec in specs {
            var count = 1
            for d in spec.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: max(d, 0))
                guard !overflow, product <= maxElements else {
                    throw .tensorTooLarge(name: spec.name, elements: spec.shape.map(String.init).joined(separator: "×"),
                                          limit: maxElements)
                }
                count = product
            }
            total += count
            guard total <= maxElements else {
                throw .tensorTooLarge(name: spec.name, elements: "\(total) in total", limit: maxElements)
            }
        }
        var values = [Float](repeating: 0, count: total)
        var rng = SplitMix64(seed: seed)
        var offsets: [(spec: TensorSpec, start: Int, count: Int)] = []
        var start = 0
        for spec in specs {
            let count = spec.shape.reduce(1, *)
            if spec.shape.count == 1 {
                for i in 0..<count { values[start + i] = 1 }
            } else {
                let std = 1 / Double(max(spec.shape.last ?? 1, 1)).squareRoot()
                for i in 0..<count { values[start + i] = Float(rng.nextTruncatedNormal(std: std)) }
            }
            offsets.append((spec, start, count))
            start += count
        }
        let bytes = values.withUnsafeBytes { Array($0) }
        let file = MappedFile(copying: bytes, name: "random-init(seed \(seed))")
        var tensors: [String: TensorSlice] = [:]
        for (spec, start, count) in offsets {
            tensors[spec.name] = TensorSlice(name: spec.name, dtype: .f32, shape: spec.shape, fileOffset: start * 4,
                                             byteCount: count * 4, file: file)
        }
        return CheckpointFiles(label: "random-init(seed \(seed))", tensors: tensors)
    }
}
