import Foundation
@_exported import ModelCore

/// The hyper-parameters of one of a BLT's four stacks (patcher, local encoder, global transformer, local
/// decoder), decoded from its `*_config` object with the defaults of transformers 5.24.0.
public typealias BLTStackConfig = TransformerStackConfig

/// `BltConfig` of transformers 5.24.0 (model type `blt`) with its four sub-configs.
///
/// Decoding applies transformers' defaults and its `__post_init__` logic:
/// `local_attention_window_len` (default 512) becomes the sliding window of the local encoder *and*
/// local decoder self-attention (both use the mask built from the encoder config), the patcher keeps
/// its own `sliding_window` (default 512), the global transformer is plain causal, and the global
/// transformer gets a token-embedding projection iff `encoder.hidden_size * cross_attn_k !=
/// global.hidden_size`.
public struct BLTConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var patchInForward: Bool
    /// Only a switch in transformers: `nil` disables entropy-threshold patching inside the patcher.
    public var patchSize: Int?
    public var patchingMode: String
    public var patchingThreshold: Double
    public var maxPatchLength: Int?
    public var localAttentionWindowLength: Int?
    /// The context the checkpoint declares (top-level `max_position_embeddings`, in tokens = bytes + BOS),
    /// nil when absent. Longer inputs still run (RoPE extrapolates), but outside what the model was built for.
    public var maxPositionEmbeddings: Int?
    public var crossAttnK: Int
    public var hashByteGroupSizes: [Int]
    public var hashByteGroupVocab: Int
    public var hashFunctionCount: Int

    public var patcher: BLTStackConfig
    public var encoder: BLTStackConfig
    public var decoder: BLTStackConfig
    public var global: BLTStackConfig

    /// Input width of `global_transformer.token_embedding_projection`, or `nil` when it is the identity.
    public var encoderCrossOutputSize: Int? {
        let size = encoder.hiddenSize * crossAttnK
        return size == global.hiddenSize ? nil : size
    }

    /// Number of hash embedding tables fused into `encoder_hash_tok_embedding` (F·|G|).
    public var hashTableCount: Int { hashFunctionCount * hashByteGroupSizes.count }

    /// Number of encoder / decoder cross-attention blocks.
    public var encoderCrossLayers: Int { encoder.crossAttnAllLayers ? encoder.numHiddenLayers : 1 }
    public var decoderCrossLayers: Int { decoder.crossAttnAllLayers ? decoder.numHiddenLayers : 1 }
}

/// Problems with `config.json`.
public enum BLTConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidJSON(path: String, reason: String)
    case wrongType(path: String, field: String, expected: String)
    case invalidValue(path: String, field: String, value: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read config: \(reason)"
        case let .invalidJSON(path, reason): return "\(path): not valid JSON: \(reason)"
        case let .wrongType(path, field, expected): return "\(path): field '\(field)' must be \(expected)"
        case let .invalidValue(path, field, value, reason): return "\(path): field '\(field)' = \(value) is invalid: \(reason)"
        }
    }
}

extension BLTConfig {
    /// Reads and validates `config.json`.
    public init(contentsOf url: URL) throws(BLTConfigError) {
        let data: Data
        do { data = try RegularFile.read(url.path, limit: 64 << 20) } catch {
            throw .unreadable(path: url.path, reason: error.reason)
        }
        try self.init(jsonData: data, path: url.path)
    }

    /// Parses a `config.json` payload; `path` is only used in error messages.
    public init(jsonData: Data, path: String = "config.json") throws(BLTConfigError) {
        let parsed: JSONValue
        do { parsed = try JSONDecoder().decode(JSONValue.self, from: jsonData) } catch {
            throw .invalidJSON(path: path, reason: "\(error)")
        }
        guard case .object(let root) = parsed else {
            throw .invalidJSON(path: path, reason: "top level is not an object")
        }
        let top = JSONFields(dict: root, path: path, prefix: "")
        vocabSize = try top.int("vocab_size") ?? 260
        patchInForward = try top.bool("patch_in_forward") ?? true
        patchSize = try top.has("patch_size") ? top.int("patch_size") : 4
        patchingMode = try top.string("patching_mode") ?? "entropy"
        patchingThreshold = try top.double("patching_threshold") ?? 1.335442066192627
        maxPatchLength = try top.int("max_patch_length")
        localAttentionWindowLength = try top.has("local_attention_window_len") ? top.int("local_attention_window_len") : 512
        maxPositionEmbeddings = try top.int("max_position_embeddings")
        crossAttnK = try top.int("cross_attn_k") ?? 2
        hashByteGroupSizes = try top.intArray("encoder_hash_byte_group_size") ?? [3, 4, 5, 6, 7, 8]
        if hashByteGroupSizes.isEmpty { hashByteGroupSizes = [3, 4, 5, 6, 7, 8] }  // `x or default`
        hashByteGroupVocab = try top.int("encoder_hash_byte_group_vocab") ?? 500002
        hashFunctionCount = try top.int("encoder_hash_byte_group_nb_functions") ?? 1

        patcher = try BLTStackConfig.decode(
            top.object("patcher_config"),
            defaults: .init(hidden: 768, layers: 14, heads: 12, intermediate: 2048, theta: 10000,
                            window: 512, crossAll: false, maxPos: 8192))
        encoder = try BLTStackConfig.decode(
            top.object("encoder_config"),
            defaults: .init(hidden: 1024, layers: 1, heads: 16, intermediate: nil, theta: 500000,
                            window: nil, crossAll: false, maxPos: 24576))
        decoder = try BLTStackConfig.decode(
            top.object("decoder_config"),
            defaults: .init(hidden: 1024, layers: 9, heads: 16, intermediate: 2816, theta: 500000,
                            window: nil, crossAll: true, maxPos: 24576))
        global = try BLTStackConfig.decode(
            top.object("global_config"),
            defaults: .init(hidden: 2048, layers: 25, heads: 16, intermediate: 5632, theta: 500000,
                            window: nil, crossAll: false, maxPos: 4096))
        // BltConfig.__post_init__: the encoder's window is local_attention_window_len; BltModel builds one
        // mask from the encoder config and uses it for the decoder as well. The global stack is causal.
        encoder.slidingWindow = localAttentionWindowLength
        decoder.slidingWindow = localAttentionWindowLength
        global.slidingWindow = nil
        try validate(path: path)
    }

    /// Consistency checks that transformers does not make but a forward pass relies on.
    public func validate(path: String = "config.json") throws(BLTConfigError) {
        func bad(_ field: String, _ value: Any, _ reason: String) -> BLTConfigError {
            .invalidValue(path: path, field: field, value: "\(value)", reason: reason)
        }
        if vocabSize < 260 { throw bad("vocab_size", vocabSize, "must be at least 260 (256 bytes + 4 specials)") }
        try checkLimits(path: path)
        if crossAttnK < 1 { throw bad("cross_attn_k", crossAttnK, "must be positive") }
        if hashFunctionCount < 0 { throw bad("encoder_hash_byte_group_nb_functions", hashFunctionCount, "must be >= 0") }
        if hashFunctionCount > 0 && hashByteGroupVocab < 1 {
            throw bad("encoder_hash_byte_group_vocab", hashByteGroupVocab, "must be positive")
        }
        for n in hashByteGroupSizes where n < 1 { throw bad("encoder_hash_byte_group_size", n, "n-gram sizes must be positive") }
        if let m = maxPatchLength, m < 1 { throw bad("max_patch_length", m, "must be positive or null") }
        if let w = localAttentionWindowLength, w < 1 { throw bad("local_attention_window_len", w, "must be positive or null") }
        for (name, stack) in [("patcher_config", patcher), ("encoder_config", encoder),
                              ("decoder_config", decoder), ("global_config", global)] {
            if stack.hiddenSize < 1 { throw bad("\(name).hidden_size", stack.hiddenSize, "must be positive") }
            if stack.numAttentionHeads < 1 || stack.hiddenSize % stack.numAttentionHeads != 0 {
                throw bad("\(name).num_attention_heads", stack.numAttentionHeads, "must divide hidden_size \(stack.hiddenSize)")
            }
            if stack.headDim % 2 != 0 { throw bad("\(name).num_attention_heads", stack.numAttentionHeads, "head dim \(stack.headDim) must be even for RoPE") }
            if stack.numKeyValueHeads < 1 || stack.numAttentionHeads % stack.numKeyValueHeads != 0 {
                throw bad("\(name).num_key_value_heads", stack.numKeyValueHeads, "must divide num_attention_heads \(stack.numAttentionHeads)")
            }
            if stack.numHiddenLayers < 0 { throw bad("\(name).num_hidden_layers", stack.numHiddenLayers, "must be >= 0") }
            if stack.intermediateSize < 1 { throw bad("\(name).intermediate_size", stack.intermediateSize, "must be positive") }
            if let w = stack.slidingWindow, w < 1 { throw bad("\(name).sliding_window", w, "must be positive or null") }
            if !(stack.ropeTheta > 0) { throw bad("\(name).rope_parameters.rope_theta", stack.ropeTheta, "must be positive") }
        }
        if encoder.numHiddenLayers < 1 { throw bad("encoder_config.num_hidden_layers", encoder.numHiddenLayers, "the local encoder needs at least one layer") }
        if decoder.numHiddenLayers < 1 { throw bad("decoder_config.num_hidden_layers", decoder.numHiddenLayers, "the local decoder needs at least one layer") }
        if encoder.crossAttnK != crossAttnK {
            throw bad("encoder_config.cross_attn_k", encoder.crossAttnK, "must equal cross_attn_k = \(crossAttnK)")
        }
        if decoder.crossAttnK != crossAttnK {
            throw bad("decoder_config.cross_attn_k", decoder.crossAttnK, "must equal cross_attn_k = \(crossAttnK)")
        }
        if encoder.hiddenSizeGlobal != global.hiddenSize {
            throw bad("encoder_config.hidden_size_global", encoder.hiddenSizeGlobal, "must equal global_config.hidden_size = \(global.hiddenSize)")
        }
        if decoder.hiddenSizeGlobal != global.hiddenSize {
            throw bad("decoder_config.hidden_size_global", decoder.hiddenSizeGlobal, "must equal global_config.hidden_size = \(global.hiddenSize)")
        }
        if decoder.hiddenSize != encoder.hiddenSize {
            throw bad("decoder_config.hidden_size", decoder.hiddenSize, "must equal encoder_config.hidden_size = \(encoder.hiddenSize) (the decoder starts from the encoder's hidden states)")
        }
        if encoder.vocabSize < 260 {
            throw bad("encoder_config.vocab_size", encoder.vocabSize, "must be at least 260 (byte ids go up to 259)")
        }
        if patchInForward && patcher.vocabSize != vocabSize {
            throw bad("patcher_config.vocab_size", patcher.vocabSize, "must equal vocab_size = \(vocabSize)")
        }
    }
}

extension BLTConfig {
    /// Upper bounds on every number of `config.json`, so that no shape, product or allocation derived
    /// from the file can overflow or ask for terabytes: each is about 30× (or more) the largest known BLT
    /// (facebook/blt-1b and blt-7b). A value outside its range throws
    /// ``BLTConfigError/invalidValue(path:field:value:reason:)`` naming the field, the value and the range.
    public enum Limits {
        /// `vocab_size` of the model and of every stack: 260 ... 2^20.
        public static let vocabulary = 1 << 20
        /// `hidden_size`, `intermediate_size`, `hidden_size_global`: 1 ... 2^17.
        public static let width = 1 << 17
        /// `num_hidden_layers` of a stack: 0 ... 1024.
        public static let layers = 1024
        /// `num_attention_heads`, `num_key_value_heads`: 1 ... 4096.
        public static let heads = 4096
        /// `cross_attn_k`: 1 ... 64.
        public static let crossAttnK = 64
        /// `encoder_hash_byte_group_vocab` (rows per hash table): 1 ... 2^26.
        public static let hashVocabulary = 1 << 26
        /// `encoder_hash_byte_group_nb_functions`: 0 ... 64.
        public static let hashFunctions = 64
        /// entries of `encoder_hash_byte_group_size`: at most 64, each n-gram size 1 ... 64.
        public static let hashGroups = 64
        public static let ngram = 64
        /// All hash-table rows together (functions × groups × vocabulary): at most 2^31.
        public static let hashRows = 1 << 31
        /// `max_patch_length`, `patch_size`, `local_attention_window_len`, `sliding_window`: 1 ... 2^24.
        public static let positions = 1 << 24
        /// `rope_theta`: (0, 1e12]; `rms_norm_eps`: (0, 1); `patching_threshold`: finite.
        public static let ropeTheta = 1e12

        static func check(_ value: Int, _ range: ClosedRange<Int>, field: String, path: String) throws(BLTConfigError) {
            guard range.contains(value) else {
                throw .invalidValue(path: path, field: field, value: "\(value)",
                                    reason: "must be in \(range.lowerBound)...\(range.upperBound)")
            }
        }
    }

    func checkLimits(path: String) throws(BLTConfigError) {
        typealias L = Limits
        try L.check(vocabSize, 260...L.vocabulary, field: "vocab_size", path: path)
        try L.check(crossAttnK, 1...L.crossAttnK, field: "cross_attn_k", path: path)
        try L.check(hashFunctionCount, 0...L.hashFunctions, field: "encoder_hash_byte_group_nb_functions", path: path)
        try L.check(hashByteGroupVocab, 1...L.hashVocabulary, field: "encoder_hash_byte_group_vocab", path: path)
        try L.check(hashByteGroupSizes.count, 1...L.hashGroups, field: "encoder_hash_byte_group_size (entries)", path: path)
        for n in hashByteGroupSizes { try L.check(n, 1...L.ngram, field: "encoder_hash_byte_group_size", path: path) }
        let (tables, o1) = hashFunctionCount.multipliedReportingOverflow(by: hashByteGroupSizes.count)
        let (rows, o2) = tables.multipliedReportingOverflow(by: hashByteGroupVocab)
        if o1 || o2 || rows > L.hashRows {
            throw .invalidValue(path: path, field: "encoder_hash_byte_group_vocab", value: "\(hashByteGroupVocab)",
                                reason: "\(hashFunctionCount) functions × \(hashByteGroupSizes.count) groups × \(hashByteGroupVocab) rows exceeds \(L.hashRows) hash rows")
        }
        if let m = maxPatchLength { try L.check(m, 1...L.positions, field: "max_patch_length", path: path) }
        if let p = patchSize { try L.check(p, 0...L.positions, field: "patch_size", path: path) }
        if let w = localAttentionWindowLength { try L.check(w, 1...L.positions, field: "local_attention_window_len", path: path) }
        if let m = maxPositionEmbeddings { try L.check(m, 1...L.positions, field: "max_position_embeddings", path: path) }
        if !patchingThreshold.isFinite {
            throw .invalidValue(path: path, field: "patching_threshold", value: "\(patchingThreshold)", reason: "must be finite")
        }
        for (name, stack) in [("patcher_config", patcher), ("encoder_config", encoder),
                              ("decoder_config", decoder), ("global_config", global)] {
            try L.check(stack.hiddenSize, 1...L.width, field: "\(name).hidden_size", path: path)
            try L.check(stack.intermediateSize, 1...L.width, field: "\(name).intermediate_size", path: path)
            try L.check(stack.hiddenSizeGlobal, 1...L.width, field: "\(name).hidden_size_global", path: path)
            try L.check(stack.numHiddenLayers, 0...L.layers, field: "\(name).num_hidden_layers", path: path)
            try L.check(stack.numAttentionHeads, 1...L.heads, field: "\(name).num_attention_heads", path: path)
            try L.check(stack.numKeyValueHeads, 1...L.heads, field: "\(name).num_key_value_heads", path: path)
            try L.check(stack.crossAttnK, 1...L.crossAttnK, field: "\(name).cross_attn_k", path: path)
            try L.check(stack.vocabSize, 1...L.vocabulary, field: "\(name).vocab_size", path: path)
            if let w = stack.slidingWindow { try L.check(w, 1...L.positions, field: "\(name).sliding_window", path: path) }
            if !(stack.ropeTheta > 0 && stack.ropeTheta <= L.ropeTheta) {
                throw .invalidValue(path: path, field: "\(name).rope_theta", value: "\(stack.ropeTheta)", reason: "must be in (0, \(L.ropeTheta)]")
            }
            if !(stack.rmsNormEps > 0 && stack.rmsNormEps < 1) {
                throw .invalidValue(path: path, field: "\(name).rms_norm_eps", value: "\(stack.rmsNormEps)", reason: "must be in (0, 1)")
            }
        }
    }
}

/// Defaults of one sub-config class.
struct StackDefaults {
    var hidden: Int, layers: Int, heads: Int, intermediate: Int?, theta: Double
    var window: Int?, crossAll: Bool, maxPos: Int
}

extension BLTStackConfig {
    static func decode(_ fields: JSONFields?, defaults: StackDefaults) throws(BLTConfigError) -> BLTStackConfig {
        let f = fields ?? JSONFields(dict: [:], path: "", prefix: "")
        let hidden = try f.int("hidden_size") ?? defaults.hidden
        let heads = try f.int("num_attention_heads") ?? defaults.heads
        let kvHeads = try f.int("num_key_value_heads") ?? 0
        // `intermediate_size or int(8 * hidden / 3)` (0/None fall back); the cap first, so the fallback
        // cannot overflow.
        try BLTConfig.Limits.check(hidden, 1...BLTConfig.Limits.width, field: "\(f.prefix)hidden_size", path: f.path)
        var intermediate = try f.int("intermediate_size") ?? defaults.intermediate ?? 0
        if intermediate == 0 { intermediate = Int(8.0 * Double(hidden) / 3.0) }
        var theta = defaults.theta
        if let rope = try f.object("rope_parameters"), let t = try rope.double("rope_theta") {
            theta = t
        } else if let t = try f.double("rope_theta") {
            theta = t
        }
        if let rope = try f.object("rope_parameters"), let type = try rope.string("rope_type"), type != "default" {
            throw .invalidValue(path: f.path, field: "\(f.prefix)rope_parameters.rope_type", value: type,
                                reason: "only the default RoPE is used by BLT")
        }
        let window: Int? = try f.has("sliding_window") ? f.int("sliding_window") : defaults.window
        return BLTStackConfig(
            hiddenSize: hidden,
            numHiddenLayers: try f.int("num_hidden_layers") ?? defaults.layers,
            numAttentionHeads: heads,
            numKeyValueHeads: kvHeads == 0 ? heads : kvHeads,
            intermediateSize: intermediate,
            rmsNormEps: Float(try f.double("rms_norm_eps") ?? 1e-5),
            ropeTheta: theta,
            slidingWindow: window,
            crossAttnAllLayers: try f.bool("cross_attn_all_layers") ?? defaults.crossAll,
            crossAttnK: try f.int("cross_attn_k") ?? 2,
            hiddenSizeGlobal: try f.int("hidden_size_global") ?? 2048,
            vocabSize: try f.int("vocab_size") ?? 260)
    }
}

/// Typed access to a JSON object with errors naming the field. `null` reads as `nil`.
struct JSONFields {
    let dict: [String: JSONValue]
    let path: String
    let prefix: String

    func has(_ key: String) -> Bool { dict[key] != nil }

    private func value(_ key: String) -> JSONValue? {
        guard let v = dict[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    private func typeError(_ key: String, _ expected: String) -> BLTConfigError {
        .wrongType(path: path, field: prefix + key, expected: expected)
    }

    func int(_ key: String) throws(BLTConfigError) -> Int? {
        guard let v = value(key) else { return nil }
        switch v {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: throw typeError(key, "an integer")
        }
    }

    func double(_ key: String) throws(BLTConfigError) -> Double? {
        guard let v = value(key) else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw typeError(key, "a number")
        }
    }

    func bool(_ key: String) throws(BLTConfigError) -> Bool? {
        guard let v = value(key) else { return nil }
        if case .bool(let b) = v { return b }
        throw typeError(key, "a boolean")
    }

    func string(_ key: String) throws(BLTConfigError) -> String? {
        guard let v = value(key) else { return nil }
        if case .string(let s) = v { return s }
        throw typeError(key, "a string")
    }

    func intArray(_ key: String) throws(BLTConfigError) -> [Int]? {
        guard let v = value(key) else { return nil }
        guard case .array(let array) = v else { throw typeError(key, "an array of integers") }
        var out: [Int] = []
        for element in array {
            guard case .int(let i) = element else { throw typeError(key, "an array of integers") }
            out.append(i)
        }
        return out
    }

    func object(_ key: String) throws(BLTConfigError) -> JSONFields? {
        guard let v = value(key) else { return nil }
        guard case .object(let d) = v else { throw typeError(key, "an object") }
        return JSONFields(dict: d, path: path, prefix: prefix + key + ".")
    }
}
