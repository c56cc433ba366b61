import BLTModel
import ByteTransformer
import Foundation
import ModelCore

/// Which model a study runs, built from the checkpoint in `--model`: the point where Probing meets the
/// model seam (`ByteLevelModel`). Everything after loading — hooks, measures, FLOPs, statistics — goes
/// through the protocol, so a new family needs a case here and nothing else in Probing.
public enum ModelSource: Sendable, Equatable, CustomStringConvertible {
    /// The trained BLT of the checkpoint (the default).
    case blt
    /// The checkpoint's entropy model alone, as a plain byte-level transformer (no patching; a non-BLT
    /// control with the same `patcher.*` hooks).
    case entropyModel
    /// A BLT of the checkpoint's config with seeded random weights (the untrained control).
    case randomInit(seed: UInt64)
    /// Another BLT checkpoint of the same architecture (same hook names), e.g. an earlier training stage or
    /// another seed: a trained control (`--control-model checkpoint:DIR`).
    case checkpoint(path: String)

    /// `blt`, `entropy-model`, `random-init:SEED`.
    public var description: String {
        switch self {
        case .blt: return "blt"
        case .entropyModel: return "entropy-model"
        case .randomInit(let seed): return "random-init:\(seed)"
        case .checkpoint(let path): return "checkpoint:\(path)"
        }
    }

    /// Whether it can be the control arm of a study of a BLT: an untrained BLT or another checkpoint of the
    /// same architecture (not the model itself, not its entropy model alone).
    public var canBeControl: Bool {
        switch self {
        case .randomInit, .checkpoint: return true
        case .blt, .entropyModel: return false
        }
    }

    /// Whether this is an untrained control (report wording: "untrained" vs "control model").
    public var isUntrained: Bool { if case .randomInit = self { return true } else { return false } }

    /// Parses `description`'s spellings (`random-init` alone means seed 0).
    public init?(_ text: String) {
        switch text {
        case "blt": self = .blt
        case "entropy-model": self = .entropyModel
        case "random-init": self = .randomInit(seed: 0)
        default:
            if text.hasPrefix("checkpoint:"), text.count > "checkpoint:".count {
                self = .checkpoint(path: String(text.dropFirst("checkpoint:".count)))
                return
            }
            guard text.hasPrefix("random-init:"), let seed = UInt64(text.dropFirst("random-init:".count)) else { return nil }
            self = .randomInit(seed: seed)
        }
    }

    /// Whether the model patches (so patching strategies and the fixed-patching control arm apply).
    public var patches: Bool { self != .entropyModel }

    /// The hook catalogue of the model this source builds from `config`, without loading weights.
    public func catalogue(config: BLTConfig) throws -> [HookPoint] {
        switch self {
        case .blt, .randomInit: return HookPoint.catalogue(for: config)
        case .checkpoint(let path):
            return HookPoint.catalogue(for: try BLTConfig(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("config.json")))
        case .entropyModel:
            guard config.patchInForward else { throw BLTModelError.noEntropyModel(directory: "config.json") }
            return ByteTransformer.catalogue(stack: config.patcher)
        }
    }

    /// Loads (or generates) the model, its matrix products in `precision` (fp32: the parity-tested
    /// default; bf16: weights rounded to bfloat16, products accumulated in fp32, see `probe run --compute`).
    public func load(directory: URL, config: BLTConfig, precision: MatrixPrecision = .fp32) throws -> any ByteLevelModel {
        let options = LoadOptions(matrixPrecision: precision)
        switch self {
        case .blt: return try BLTModel(directory: directory, options: options)
        case .entropyModel: return try ByteTransformer(entropyModelOf: directory, options: options)
        case .randomInit(let seed): return try BLTModel.randomlyInitialised(config: config, seed: seed, directory: directory, options: options)
        case .checkpoint(let path): return try BLTModel(directory: URL(fileURLWithPath: path), options: options)
        }
    }
}
