import Foundation

/// The one textual grammar for a patching strategy, shared by every `probe` command and by Swift callers
/// that read strategies from configuration:
///
///     default | entropy[:T] | monotonic[:RISE] | and:T:RISE | or:T:RISE | fixed:N | space | lengths:L1,L2,…
///
/// `entropy` is transformers' global-threshold rule (T defaults to the config's `patching_threshold`),
/// `monotonic` the original BLT's entropy-rise rule, `and`/`or` their combinations, `lengths` explicit
/// patch lengths (one input only, so not for studies). The older `probe trace` spellings `threshold[:T]`
/// and `rise:R` are accepted as aliases of `entropy[:T]` and `monotonic:R` (see `deprecatedSpelling`).
public enum PatchingSpec: Sendable, Equatable {
    case configDefault
    case entropy(threshold: Float?)
    case monotonic(rise: Float?)
    case thresholdAndRise(threshold: Float, rise: Float)
    case thresholdOrRise(threshold: Float, rise: Float)
    case fixed(Int)
    case space
    case lengths([Int])

    public static let grammar = "default | entropy[:T] | monotonic[:RISE] | and:T:RISE | or:T:RISE | fixed:N | space | lengths:L1,L2,..."

    /// Parses `spec` (syntax only; `resolve(config:)` checks it against a model).
    /// - Throws: `PatchingSpecError.invalid` saying what is wrong and giving the grammar.
    public init(parsing spec: String) throws(PatchingSpecError) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func number(_ s: String) throws(PatchingSpecError) -> Float {
            guard let v = Float(s), v.isFinite else { throw .invalid(spec: spec, detail: "'\(s)' is not a number") }
            return v
        }
        switch (parts[0], parts.count) {
        case ("default", 1): self = .configDefault
        case ("entropy", 1), ("threshold", 1): self = .entropy(threshold: nil)
        case ("entropy", 2), ("threshold", 2): self = .entropy(threshold: try number(parts[1]))
        case ("monotonic", 1): self = .monotonic(rise: nil)
        case ("monotonic", 2), ("rise", 2): self = .monotonic(rise: try number(parts[1]))
        case ("and", 3): self = .thresholdAndRise(threshold: try number(parts[1]), rise: try number(parts[2]))
        case ("or", 3): self = .thresholdOrRise(threshold: try number(parts[1]), rise: try number(parts[2]))
        case ("fixed", 2):
            guard let n = Int(parts[1]), n > 0, n <= BLTConfig.Limits.positions else {
                throw .invalid(spec: spec, detail: "fixed:N needs an integer N in 1...\(BLTConfig.Limits.positions), got '\(parts[1])'")
            }
            self = .fixed(n)
        case ("space", 1): self = .space
        case ("lengths", 2):
            let values = parts[1].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw .invalid(spec: spec, detail: "lengths: needs comma-separated non-negative integers")
            }
            self = .lengths(values.map { $0! })
        default:
            throw .invalid(spec: spec, detail: "unknown strategy or wrong number of ':' fields")
        }
    }

    /// The current spelling when `spec` uses a deprecated one (`threshold…` → `entropy…`, `rise:R` →
    /// `monotonic:R`), else `nil`.
    public static func deprecatedSpelling(_ spec: String) -> String? {
        if spec == "threshold" || spec.hasPrefix("threshold:") { return "entropy" + spec.dropFirst("threshold".count) }
        if spec.hasPrefix("rise:") { return "monotonic:" + spec.dropFirst("rise:".count) }
        return nil
    }

    /// The strategy for `config` and its normalised spelling as recorded in files (`entropy:2.434`,
    /// `monotonic:0.0`, `fixed:4`, …; the entropy threshold defaults to the config's).
    /// - Throws: `PatchingSpecError.needsPatcher` for an entropy rule on a checkpoint without patcher.
    public func resolve(config: BLTConfig) throws(PatchingSpecError) -> (strategy: PatchingStrategy, normalized: String) {
        if needsEntropy && !config.patchInForward { throw .needsPatcher(spec: normalizedWithoutConfig) }
        switch self {
        case .configDefault: return (.configDefault, "default")
        case .entropy(let t): return (.entropyThreshold(t), "entropy:\(t.map { "\($0)" } ?? "\(config.patchingThreshold)")")
        case .monotonic(let r): return (.entropyRise(r ?? 0), "monotonic:\(r ?? 0)")
        case let .thresholdAndRise(t, r): return (.entropyThresholdAndRise(threshold: t, rise: r), "and:\(t):\(r)")
        case let .thresholdOrRise(t, r): return (.entropyThresholdOrRise(threshold: t, rise: r), "or:\(t):\(r)")
        case .fixed(let n): return (.fixed(n), "fixed:\(n)")
        case .space: return (.space, "space")
        case .lengths(let l): return (.explicit(l), "lengths:" + l.map(String.init).joined(separator: ","))
        }
    }

    var needsEntropy: Bool {
        switch self {
        case .entropy, .monotonic, .thresholdAndRise, .thresholdOrRise: return true
        default: return false
        }
    }

    private var normalizedWithoutConfig: String {
        switch self {
        case .entropy(let t): return "entropy" + (t.map { ":\($0)" } ?? "")
        case .monotonic(let r): return "monotonic" + (r.map { ":\($0)" } ?? "")
        default: return "\(self)"
        }
    }
}

/// A patching spec that cannot be used.
public enum PatchingSpecError: Error, Equatable, CustomStringConvertible {
    case invalid(spec: String, detail: String)
    /// An entropy rule on a checkpoint without an entropy model.
    case needsPatcher(spec: String)

    public var description: String {
        switch self {
        case let .invalid(spec, detail): return "patching '\(spec)': \(detail); grammar: \(PatchingSpec.grammar)"
        case .needsPatcher(let spec):
            return "patching '\(spec)' needs entropies but the model has no entropy model (patch_in_forward is false)"
        }
    }
}
