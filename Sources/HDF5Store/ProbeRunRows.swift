/// Plain row types of a probe run, independent of every other ByteLens module: the study runner
/// converts its model/metrics/statistics values into these, and readers get them back unchanged.

/// One item of a difficulty ladder: identity, seed and where its rows live.
public struct ProbeRunItemRecord: Sendable, Equatable, Codable {
    /// Ladder name, e.g. "typo_rate".
    public var ladder: String
    /// Ordinal difficulty level, 0 = easiest.
    public var levelIndex: Int
    /// Human-readable level name, e.g. "p=0.05".
    public var levelName: String
    /// Identifier of the base item the level was derived from (the blocking factor of the tests).
    public var baseItemID: String
    /// The item's own RNG seed (order-independent, see the ladders design).
    public var seed: UInt64
    /// Analysed byte positions within the item's sequence, `[start, end)`.
    public var analysisSpan: Range<Int>
    /// Sequence position at which the per-item ("probe") measures were read.
    public var probePosition: Int
    /// Per-item scalar metrics aligned with `ProbeRunLayout.itemMetricNames` (NaN = not defined).
    public var metrics: [Double]

    public init(ladder: String, levelIndex: Int, levelName: String, baseItemID: String, seed: UInt64,
                analysisSpan: Range<Int>, probePosition: Int, metrics: [Double] = []) {
        self.ladder = ladder
        self.levelIndex = levelIndex
        self.levelName = levelName
        self.baseItemID = baseItemID
        self.seed = seed
        self.analysisSpan = analysisSpan
        self.probePosition = probePosition
        self.metrics = metrics
    }

    /// Equality that treats NaN metrics at the same index as equal (NaN marks "not defined").
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.ladder == rhs.ladder && lhs.levelIndex == rhs.levelIndex && lhs.levelName == rhs.levelName
            && lhs.baseItemID == rhs.baseItemID && lhs.seed == rhs.seed && lhs.analysisSpan == rhs.analysisSpan
            && lhs.probePosition == rhs.probePosition && sameValues(lhs.metrics, rhs.metrics)
    }
}

/// Per-position rows of one item's input sequence (BOS included), all of equal length N.
public struct ProbeRunByteRows: Sendable, Equatable, Codable {
    /// Byte value 0...255 at each position, or -1 for a position that is not a text byte (BOS).
    public var value: [Int16]
    /// Byte-aligned entropy of the entropy model in nats (NaN where undefined, e.g. BOS).
    public var entropy: [Float]
    /// Index of the patch (within the item) containing the position.
    public var patchID: [Int32]
    /// Whether a patch starts at the position.
    public var isPatchStart: [Bool]
    /// The BLT's log-probability of the byte at the position given the bytes before it, nats (NaN at
    /// BOS): the model's measured difficulty of each byte.
    public var logProb: [Float]
    /// The entropy model's log-probability of the byte, nats (NaN at BOS or without an entropy model).
    public var entropyModelLogProb: [Float]

    /// `logProb` and `entropyModelLogProb` default to NaN (not measured).
    public init(value: [Int16], entropy: [Float], patchID: [Int32], isPatchStart: [Bool],
                logProb: [Float]? = nil, entropyModelLogProb: [Float]? = nil) {
        self.value = value
        self.entropy = entropy
        self.patchID = patchID
        self.isPatchStart = isPatchStart
        self.logProb = logProb ?? [Float](repeating: .nan, count: value.count)
        self.entropyModelLogProb = entropyModelLogProb ?? [Float](repeating: .nan, count: value.count)
    }

    /// Number of positions (N).
    public var count: Int { value.count }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.value == rhs.value && sameValues(lhs.entropy, rhs.entropy) && lhs.patchID == rhs.patchID
            && lhs.isPatchStart == rhs.isPatchStart && sameValues(lhs.logProb, rhs.logProb)
            && sameValues(lhs.entropyModelLogProb, rhs.entropyModelLogProb)
    }
}

/// Per-patch rows of one item, all of equal length P (zero-length patches included as given).
public struct ProbeRunPatchRows: Sendable, Equatable, Codable {
    /// First sequence position of the patch.
    public var start: [Int32]
    /// Number of positions in the patch (may be 0 for HF's trailing empty patch).
    public var length: [Int32]
    /// Mean byte-aligned entropy over the patch, nats (NaN when undefined).
    public var meanEntropy: [Float]
    /// Maximum byte-aligned entropy over the patch, nats (NaN when undefined).
    public var maxEntropy: [Float]
    /// Entropy at the patch's first position, nats (NaN when undefined).
    public var firstByteEntropy: [Float]

    public init(start: [Int32], length: [Int32], meanEntropy: [Float], maxEntropy: [Float], firstByteEntropy: [Float]) {
        self.start = start
        self.length = length
        self.meanEntropy = meanEntropy
        self.maxEntropy = maxEntropy
        self.firstByteEntropy = firstByteEntropy
    }

    /// Number of patches (P).
    public var count: Int { start.count }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.start == rhs.start && lhs.length == rhs.length && sameValues(lhs.meanEntropy, rhs.meanEntropy)
            && sameValues(lhs.maxEntropy, rhs.maxEntropy) && sameValues(lhs.firstByteEntropy, rhs.firstByteEntropy)
    }
}

/// Sparsity measures of one item at one granularity: for every measure column, a row-major
/// `[rows × hooks]` matrix (rows = positions, patches, or 1 for the probe position).
public struct ProbeRunMeasureRows: Sendable, Equatable, Codable {
    /// Number of rows.
    public var rows: Int
    /// Values per measure column name (each of length `rows × hooks.count`, row-major). NaN = not computed.
    public var values: [String: [Float]]

    public init(rows: Int, values: [String: [Float]]) {
        self.rows = rows
        self.values = values
    }

    /// An item with no rows at this granularity (e.g. a run without patch-level hooks).
    public static let empty = ProbeRunMeasureRows(rows: 0, values: [:])

    /// One value, or nil for an unknown column or out-of-range index.
    public func value(_ column: String, row: Int, hook: Int, hookCount: Int) -> Float? {
        guard let column = values[column], row >= 0, row < rows, hook >= 0, hook < hookCount else { return nil }
        let index = row * hookCount + hook
        return index < column.count ? column[index] : nil
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.rows == rhs.rows && lhs.values.keys.sorted() == rhs.values.keys.sorted()
            && lhs.values.allSatisfy { sameValues($0.value, rhs.values[$0.key] ?? []) }
    }
}

/// Everything the writer appends for one item.
public struct ProbeRunItem: Sendable, Equatable, Codable {
    public var record: ProbeRunItemRecord
    public var bytes: ProbeRunByteRows
    public var patches: ProbeRunPatchRows
    /// Rows = `bytes.count`, hooks = `ProbeRunLayout.byteLevelHooks`.
    public var byteMeasures: ProbeRunMeasureRows
    /// Rows = `patches.count`, hooks = `ProbeRunLayout.patchLevelHooks`.
    public var patchMeasures: ProbeRunMeasureRows
    /// Rows = 1, hooks = `ProbeRunLayout.probeHooks`.
    public var probeMeasures: ProbeRunMeasureRows
    /// Raw activations per `ProbeRunActivationSpec.key`, row-major `[rows × width]` where rows follow the
    /// spec's scope (positions, patches, or 1).
    public var activations: [String: [Float]]

    public init(record: ProbeRunItemRecord, bytes: ProbeRunByteRows, patches: ProbeRunPatchRows,
                byteMeasures: ProbeRunMeasureRows, patchMeasures: ProbeRunMeasureRows,
                probeMeasures: ProbeRunMeasureRows, activations: [String: [Float]] = [:]) {
        self.record = record
        self.bytes = bytes
        self.patches = patches
        self.byteMeasures = byteMeasures
        self.patchMeasures = patchMeasures
        self.probeMeasures = probeMeasures
        self.activations = activations
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.record == rhs.record && lhs.bytes == rhs.bytes && lhs.patches == rhs.patches
            && lhs.byteMeasures == rhs.byteMeasures && lhs.patchMeasures == rhs.patchMeasures
            && lhs.probeMeasures == rhs.probeMeasures
            && lhs.activations.keys.sorted() == rhs.activations.keys.sorted()
            && lhs.activations.allSatisfy { sameValues($0.value, rhs.activations[$0.key] ?? []) }
    }
}

/// One line of the statistical results table. Undefined numbers are nil in Swift and NaN on disk.
public struct ProbeRunStatisticRow: Sendable, Equatable, Codable {
    public var test: String
    public var question: String
    public var ladder: String
    /// Hook point name; "" for rows without a hook (entropy tests).
    public var hook: String
    public var measure: String
    public var isPrimary: Bool
    public var estimator: String
    public var pTest: String
    /// Bootstrap CI method ("bca", "percentile"); "" without a CI.
    public var ciMethod: String
    public var n: Int
    public var estimate: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    public var p: Double?
    public var pCorrected: Double?
    public var verdict: String
    public var note: String
    /// How the measure reads ("higher_is_sparser", "lower_is_sparser", "not_a_sparsity_measure", "").
    public var direction: String
    /// TOST margin ±δ and TOST p (nil when the test has none).
    public var equivalenceDelta: Double?
    public var tostP: Double?
    /// Largest variance inflation factor of a regression's covariates (nil otherwise).
    public var maxVIF: Double?
    /// Data subset of the row (e.g. "patch_length=1"); "" for all data.
    public var stratum: String

    public init(test: String, question: String, ladder: String, hook: String, measure: String, isPrimary: Bool,
                estimator: String, pTest: String, ciMethod: String, n: Int, estimate: Double?, ciLow: Double?,
                ciHigh: Double?, p: Double?, pCorrected: Double?, verdict: String, note: String,
                direction: String = "", equivalenceDelta: Double? = nil, tostP: Double? = nil, maxVIF: Double? = nil,
                stratum: String = "") {
        self.direction = direction
        self.equivalenceDelta = equivalenceDelta
        self.tostP = tostP
        self.maxVIF = maxVIF
        self.stratum = stratum
        self.test = test
        self.question = question
        self.ladder = ladder
        self.hook = hook
        self.measure = measure
        self.isPrimary = isPrimary
        self.estimator = estimator
        self.pTest = pTest
        self.ciMethod = ciMethod
        self.n = n
        self.estimate = estimate
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.p = p
        self.pCorrected = pCorrected
        self.verdict = verdict
        self.note = note
    }
}

/// Element-wise equality where NaN equals NaN (NaN encodes "undefined" throughout the schema).
func sameValues<T: BinaryFloatingPoint>(_ lhs: [T], _ rhs: [T]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
}
