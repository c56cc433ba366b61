/// Errors for malformed statistical input: shapes that do not agree, non-finite values, bad parameters.
///
/// Degenerate but well-formed input (too few observations, constant vectors) is *not* an error: those
/// functions return `nil` statistics or p-values, and the study analysis turns them into the verdict
/// "insufficient data". Errors are reserved for input a caller should fix.
public enum StatisticsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Two arguments that must have the same length do not.
    case lengthMismatch(String, Int, String, Int)
    /// A value is NaN or infinite; names the argument and the index.
    case nonFinite(argument: String, index: Int)
    /// A parameter is outside its valid range; names it and says why.
    case invalidParameter(name: String, reason: String)

    public var description: String {
        switch self {
        case let .lengthMismatch(a, na, b, nb):
            return "length mismatch: \(a) has \(na) values but \(b) has \(nb)"
        case let .nonFinite(argument, index):
            return "non-finite value (NaN or infinity) in \(argument) at index \(index)"
        case let .invalidParameter(name, reason):
            return "invalid parameter \(name): \(reason)"
        }
    }
}

@inline(__always)
func requireFinite(_ values: [Double], _ name: String) throws {
    for (i, v) in values.enumerated() where !v.isFinite {
        throw StatisticsError.nonFinite(argument: name, index: i)
    }
}

@inline(__always)
func requireSameLength(_ a: [Double], _ nameA: String, _ b: [Double], _ nameB: String) throws {
    if a.count != b.count { throw StatisticsError.lengthMismatch(nameA, a.count, nameB, b.count) }
}

/// Which tail(s) a p-value refers to.
public enum Alternative: String, Sendable, Codable, CaseIterable {
    case twoSided = "two-sided"
    case less
    case greater
}
