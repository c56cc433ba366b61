import Foundation

/// The run configuration of a study, stored as canonical JSON in `/provenance/config_json`: what
/// identifies the experiment (a resume, a replacement, a merge and a comparison check it byte for byte),
/// and what the statistics and the report read back. One typed value for both directions, instead of
/// `[String: Any]` dictionaries re-parsed with string keys.
///
/// **Encoding** is canonical: keys sorted, no escaped slashes, absent optionals left out (so a default
/// study's JSON does not change when a new optional setting is added), except ``limit``, whose `null`
/// means "every base item". **Decoding** is tolerant: a file written by an older ByteLens, a test
/// fixture or another tool may lack any field or hold it with another type; such a field reads as nil
/// and each reader says what it does without it.
public struct RunConfiguration: StoredJSON, Equatable, Sendable {
    /// `--limit`: a number of base items per level, or every one (`null` in JSON).
    public enum Limit: Equatable, Sendable {
        case all
        case count(Int)
    }

    public var dataset: String?
    public var ladders: [String]?
    /// Selected level names per ladder.
    public var levels: [[String]]?
    public var limit: Limit?
    /// The base seed, as a decimal string (UInt64 does not survive every JSON reader).
    public var seed: String?
    public var hooks: [String]?
    public var hookPatterns: [String]?
    public var measures: [String]?
    public var variants: [String]?
    public var saveActivations: [String]?
    /// The normalised patching spec (``BLTModel/PatchingSpec``'s printed form, e.g. `entropy:2.434…`).
    public var patching: String?
    public var referenceItems: Int?
    public var referenceRule: String?
    public var controlPatchSize: Int?
    /// `fixed:N` or `none`.
    public var patchControl: String?
    /// `random-init:S` or `none`.
    public var modelControl: String?
    public var nullShuffles: Int?
    public var primaryHooks: [String]?
    public var bootstrapResamples: Int?
    /// The statistics' bootstrap seed, as a decimal string.
    public var statisticsSeed: String?
    public var primaryEntropyMeasure: String?
    public var primarySparsityMeasure: String?
    public var probePosition: String?
    public var modelName: String?
    /// Only for non-BLT sources (`entropy-model`, `random-init:S`).
    public var modelSource: String?
    /// Only when not fp32 (`bf16`).
    public var compute: String?
    /// Only when levels were matched (`bytes`, `patches`).
    public var match: String?
    /// Only with `--protocol` (`sparsity-paper`).
    public var studyProtocol: String?
    /// Only when probe vectors are stored: the hooks of `/activations/probe`.
    public var saveProbeVectors: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dataset, ladders, levels, limit, seed, hooks
        case hookPatterns = "hook_patterns"
        case measures, variants
        case saveActivations = "save_activations"
        case patching
        case referenceItems = "reference_items"
        case referenceRule = "reference_rule"
        case controlPatchSize = "control_patch_size"
        case patchControl = "patch_control"
        case modelControl = "model_control"
        case nullShuffles = "null_shuffles"
        case primaryHooks = "primary_hooks"
        case bootstrapResamples = "bootstrap_resamples"
        case statisticsSeed = "statistics_seed"
        case primaryEntropyMeasure = "primary_entropy_measure"
        case primarySparsityMeasure = "primary_sparsity_measure"
        case probePosition = "probe_position"
        case modelName = "model_name"
        case modelSource = "model_source"
        case compute, match
        case studyProtocol = "protocol"
        case saveProbeVectors = "save_probe_vectors"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ key: CodingKeys) -> T? { (try? c.decodeIfPresent(T.self, forKey: key)) ?? nil }
        dataset = get(.dataset); ladders = get(.ladders); levels = get(.levels); seed = get(.seed)
        if c.contains(.limit) {
            if (try? c.decodeNil(forKey: .limit)) == true { limit = .all } else if let n: Int = get(.limit) { limit = .count(n) }
        }
        hooks = get(.hooks); hookPatterns = get(.hookPatterns); measures = get(.measures); variants = get(.variants)
        saveActivations = get(.saveActivations); patching = get(.patching); referenceItems = get(.referenceItems)
        referenceRule = get(.referenceRule); controlPatchSize = get(.controlPatchSize); patchControl = get(.patchControl)
        modelControl = get(.modelControl); nullShuffles = get(.nullShuffles); primaryHooks = get(.primaryHooks)
        bootstrapResamples = get(.bootstrapResamples); statisticsSeed = get(.statisticsSeed)
        primaryEntropyMeasure = get(.primaryEntropyMeasure); primarySparsityMeasure = get(.primarySparsityMeasure)
        probePosition = get(.probePosition); modelName = get(.modelName); modelSource = get(.modelSource); compute = get(.compute)
        match = get(.match); studyProtocol = get(.studyProtocol); saveProbeVectors = get(.saveProbeVectors)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(dataset, forKey: .dataset)
        try c.encodeIfPresent(ladders, forKey: .ladders)
        try c.encodeIfPresent(levels, forKey: .levels)
        switch limit {
        case .all: try c.encodeNil(forKey: .limit)
        case .count(let n): try c.encode(n, forKey: .limit)
        case nil: break
        }
        try c.encodeIfPresent(seed, forKey: .seed)
        try c.encodeIfPresent(hooks, forKey: .hooks)
        try c.encodeIfPresent(hookPatterns, forKey: .hookPatterns)
        try c.encodeIfPresent(measures, forKey: .measures)
        try c.encodeIfPresent(variants, forKey: .variants)
        try c.encodeIfPresent(saveActivations, forKey: .saveActivations)
        try c.encodeIfPresent(patching, forKey: .patching)
        try c.encodeIfPresent(referenceItems, forKey: .referenceItems)
        try c.encodeIfPresent(referenceRule, forKey: .referenceRule)
        try c.encodeIfPresent(controlPatchSize, forKey: .controlPatchSize)
        try c.encodeIfPresent(patchControl, forKey: .patchControl)
        try c.encodeIfPresent(modelControl, forKey: .modelControl)
        try c.encodeIfPresent(nullShuffles, forKey: .nullShuffles)
        try c.encodeIfPresent(primaryHooks, forKey: .primaryHooks)
        try c.encodeIfPresent(bootstrapResamples, forKey: .bootstrapResamples)
        try c.encodeIfPresent(statisticsSeed, forKey: .statisticsSeed)
        try c.encodeIfPresent(primaryEntropyMeasure, forKey: .primaryEntropyMeasure)
        try c.encodeIfPresent(primarySparsityMeasure, forKey: .primarySparsityMeasure)
        try c.encodeIfPresent(probePosition, forKey: .probePosition)
        try c.encodeIfPresent(modelName, forKey: .modelName)
        try c.encodeIfPresent(modelSource, forKey: .modelSource)
        try c.encodeIfPresent(compute, forKey: .compute)
        try c.encodeIfPresent(match, forKey: .match)
        try c.encodeIfPresent(studyProtocol, forKey: .studyProtocol)
        try c.encodeIfPresent(saveProbeVectors, forKey: .saveProbeVectors)
    }
}
