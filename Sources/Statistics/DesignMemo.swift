import Parallelism

/// Results that depend only on a row's design (which items or patches it keeps), shared by the rows of one
/// ``StudyAnalysis/analyze(_:configuration:threads:)`` call.
///
/// Tests (c) and (d) build the same covariate columns and variance inflation factors for every sparsity
/// series: the series only adds its own `y`. Without sharing, the VIFs alone (one least-squares fit per
/// covariate, per row) were 28 % of a study's statistics time. The key is the list of kept indices, which
/// together with the analysis input determines the design exactly; values are computed by the same code
/// on the same numbers, so rows are bit-identical with or without the memo.
///
/// Thread-safe: rows run on several threads. Two threads asking for a missing key at once both compute it
/// (outside the lock) and get equal values; the first stored is kept.
final class DesignMemo<Value: Sendable>: Sendable {
    private let stored = Locked<[[Int]: Value]>([:])

    func value(for key: [Int], _ make: () throws -> Value) rethrows -> Value {
        if let value = stored.withLock({ $0[key] }) { return value }
        let value = try make()
        stored.withLock { if $0[key] == nil { $0[key] = value } }
        return value
    }
}

/// The memos of one analysis: test (c)'s design per kept-item list, test (d)'s per kept-patch list.
struct AnalysisMemos: Sendable {
    let beyondEntropy = DesignMemo<BeyondEntropyDesign>()
    let patches = DesignMemo<PatchDesign>()
}

/// Test (c)'s covariates for one list of kept items: every column but `y`, their names, the input
/// statistics left out (with reasons), the within-item demeaned columns and the largest VIF among them.
struct BeyondEntropyDesign: Sendable {
    /// Row r's item code (rows are item-major, `levels` per item).
    var itemCodes: [Int]
    var covariates: [[Double]]
    var names: [String]
    var leftOut: [String]
    var levelCount: Int
    var categorical: Bool
    var demeanedCovariates: [[Double]]
    var maxVIF: Double?
}

/// Test (d)'s controls for one list of kept patches: the control columns that vary within texts (and
/// their names), the absorbed ones, the within-text demeaned entropy and controls, and the largest VIF
/// of controls and entropy.
struct PatchDesign: Sendable {
    var controlNames: [String]
    var controls: [[Double]]
    var absorbed: [String]
    var demeanedEntropy: [Double]
    var demeanedControls: [[Double]]
    var maxVIF: Double?
}
