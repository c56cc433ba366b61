import Metrics

/// A byte-level language model ByteLens can probe: the seam between the study machinery (Probing) and
/// a model family.
///
/// A conforming model names every intermediate as a `HookPoint` (typed `HookName`s, catalogue in forward
/// order), runs a forward pass on raw bytes that fires exactly those hooks (captures, reducers and
/// interventions through `HookRunner`), and describes its layer dimensions for FLOP accounting. The
/// BLT (`BLTModel`) and a plain byte-level transformer (`ByteTransformer`, e.g. a BLT's own entropy
/// model on its own) conform; a randomly initialised model of either is the same type with generated
/// weights.
///
/// Models without patching report every byte as its own step: `patchLengths` is `[1, 1, …]` (one per
/// token, BOS included), `patchIDs` and `decoderPatchIDs` are `0..<N`, so per-patch summaries reduce to
/// per-byte ones and compute per byte is constant.
public protocol ByteLevelModel: Sendable {
    /// Every hook point of this model, in the order the forward pass reaches them.
    var hookPoints: [HookPoint] { get }
    /// Layer dimensions for `ComputeAllocation` (FLOPs attributed to bytes).
    func computeShape() throws -> ModelShape
    /// Whether `ForwardResult.entropy` holds an entropy model's per-byte predictive entropies.
    var hasEntropyModel: Bool { get }
    /// One line for reports and provenance, e.g. `BLT (Assets/model)` or `byte transformer, random init seed 7`.
    var modelDescription: String { get }
    /// Runs the model on raw bytes (BOS is prepended; no EOS).
    func forward(bytes: [UInt8], options: ForwardOptions) throws -> ForwardResult
    /// Runs several inputs, one `ForwardOptions` per input, returning one result per input. The default runs
    /// them one at a time; the BLT packs them into one pass (`BLTModel.forward(batch:options:)`).
    func forward(batch: [[UInt8]], options: [ForwardOptions]) throws -> [ForwardResult]
}

extension ByteLevelModel {
    public func forward(batch: [[UInt8]], options: [ForwardOptions]) throws -> [ForwardResult] {
        guard batch.count == options.count else { throw ForwardBatchError.optionsCount(items: batch.count, options: options.count) }
        return try zip(batch, options).map { try forward(bytes: $0, options: $1) }
    }

    /// `runWithCache` for several inputs in one call (packed into one pass where the model can and the
    /// requested hooks allow: attention patterns make the BLT run the inputs one at a time), one cache each.
    public func runWithCache(batch: [[UInt8]], names: [String] = ["*"], patching: PatchingStrategy = .configDefault)
        throws -> [(result: ForwardResult, cache: ActivationCache)] {
        let options = ForwardOptions(patching: patching, hooks: HookSet(capture: names))
        return try forward(batch: batch, options: batch.map { _ in options }).map { ($0, ActivationCache($0.activations)) }
    }

    /// Runs the model on the UTF-8 bytes of `text`.
    public func forward(text: String, options: ForwardOptions = ForwardOptions()) throws -> ForwardResult {
        try forward(bytes: Array(text.utf8), options: options)
    }

    /// One forward pass capturing every hook matching `names` (default: every hook, attention patterns
    /// included), returned as an `ActivationCache` (TransformerLens' `run_with_cache`).
    public func runWithCache(bytes: [UInt8], names: [String] = ["*"], patching: PatchingStrategy = .configDefault)
        throws -> (result: ForwardResult, cache: ActivationCache) {
        let result = try forward(bytes: bytes, options: ForwardOptions(patching: patching, hooks: HookSet(capture: names)))
        return (result, ActivationCache(result.activations))
    }

    /// `runWithCache` on the UTF-8 bytes of `text`.
    public func runWithCache(text: String, names: [String] = ["*"], patching: PatchingStrategy = .configDefault)
        throws -> (result: ForwardResult, cache: ActivationCache) {
        try runWithCache(bytes: Array(text.utf8), names: names, patching: patching)
    }
}

/// A batch call that cannot be served.
public enum ForwardBatchError: Error, Equatable, CustomStringConvertible {
    /// `forward(batch:options:)` was given a different number of options than inputs.
    case optionsCount(items: Int, options: Int)

    public var description: String {
        switch self {
        case let .optionsCount(items, options): return "a batch of \(items) inputs needs one ForwardOptions per input, got \(options)"
        }
    }
}
