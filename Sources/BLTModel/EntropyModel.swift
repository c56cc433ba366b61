import ByteTransformer
import Foundation
import ModelCore

extension ByteTransformer {
    /// The entropy model of a BLT checkpoint (`model.patcher.*` with `patcher_config`) as a standalone
    /// byte-level transformer: the same weights and hook names as the BLT's patcher, without patching or
    /// the rest of the BLT — a non-BLT control for studies.
    /// - Throws: `BLTConfigError` for a bad config, `BLTModelError.noEntropyModel` when the checkpoint has
    ///   none (`patch_in_forward` false), `CheckpointError` for bad weight files.
    public init(entropyModelOf directory: URL, options: LoadOptions = LoadOptions()) throws {
        let config = try BLTConfig(contentsOf: directory.appendingPathComponent("config.json"))
        guard config.patchInForward else { throw BLTModelError.noEntropyModel(directory: directory.path) }
        let files = try CheckpointFiles(directory: directory)
        let prefix = "model.patcher"
        try files.validate(ByteTransformerWeights.tensorSpecs(prefix: prefix, config.patcher))
        let weights = ByteTransformerWeights(prefix: prefix, stack: config.patcher, tensors: files.tensors,
                                             precision: options.matrixPrecision)
        self.init(stack: config.patcher, weights: weights, description: "entropy model of \(directory.path)",
                  transformersModule: prefix, releasesMappedWeights: options.releasesMappedWeightsAfterUse)
    }
}

/// Requests a BLT checkpoint cannot serve.
public enum BLTModelError: Error, Equatable, CustomStringConvertible {
    case noEntropyModel(directory: String)

    public var description: String {
        switch self {
        case .noEntropyModel(let d): return "\(d): the checkpoint has no entropy model (patch_in_forward is false)"
        }
    }
}
