import CKernels

/// Errors thrown by the Metrics module for input it cannot give a defined answer to.
///
/// Every case names the argument and the offending value so that a study log says exactly what went wrong.
public enum MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A vector (or matrix) had no elements. `argument` names the parameter.
    case empty(argument: String)
    /// A non-finite input value (NaN or ±infinity) at `index` of `argument`.
    /// Hidden states containing NaN indicate a broken forward pass; measures refuse them rather than
    /// silently propagating NaN into a report.
    case nonFinite(argument: String, index: Int, value: Double)
    /// `argument` had `actual` elements where `expected` were required.
    case shapeMismatch(argument: String, expected: Int, actual: Int)
    /// An integer argument outside its valid range (e.g. a negative patch length, a target id ≥ vocabulary).
    case outOfRange(argument: String, value: Int, validRange: String)
    /// A parameter outside its valid range (e.g. a negative threshold factor).
    case invalidParameter(argument: String, value: Double, requirement: String)

    public var description: String {
        switch self {
        case let .empty(argument):
            return "Metrics: '\(argument)' is empty; at least one element is required"
        case let .nonFinite(argument, index, value):
            return "Metrics: '\(argument)' has a non-finite value \(value) at index \(index)"
        case let .shapeMismatch(argument, expected, actual):
            return "Metrics: '\(argument)' has \(actual) elements, expected \(expected)"
        case let .outOfRange(argument, value, validRange):
            return "Metrics: '\(argument)' = \(value) is outside \(validRange)"
        case let .invalidParameter(argument, value, requirement):
            return "Metrics: parameter '\(argument)' = \(value) is invalid: \(requirement)"
        }
    }
}

/// Checks that a buffer is non-empty and finite; returns nothing, throws the first problem found.
@inlinable
func validateFinite(_ values: UnsafeBufferPointer<Float>, argument: String) throws {
    if values.isEmpty { throw MetricsError.empty(argument: argument) }
    let index = bl_first_nonfinite(values.baseAddress!, values.count)
    if index >= 0 { throw MetricsError.nonFinite(argument: argument, index: index, value: Double(values[index])) }
}
