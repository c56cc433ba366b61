import Foundation
import Testing
@testable import Statistics

/// Loads a JSON fixture written by Notebooks-as-scripts/make_statistics_fixtures.py.
func loadFixture(_ name: String) throws -> [String: Any] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"),
                           "missing fixture \(name).json")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return try #require(object as? [String: Any])
}

/// JSON null → NaN for inputs (the fixtures encode NaN inputs as null).
func doubles(_ value: Any?) -> [Double] {
    ((value as? [Any]) ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
}

func matrix(_ value: Any?) -> [[Double]] { ((value as? [Any]) ?? []).map { doubles($0) } }

func ints(_ value: Any?) -> [Int] { ((value as? [Any]) ?? []).map { ($0 as? NSNumber)?.intValue ?? -1 } }

func optionalDouble(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

func dictionary(_ value: Any?) -> [String: Any] { (value as? [String: Any]) ?? [:] }

func dictionaries(_ value: Any?) -> [[String: Any]] { (value as? [[String: Any]]) ?? [] }

/// Tracks the worst relative disagreement with scipy per test, and checks each value.
struct Agreement {
    let label: String
    var worst = 0.0
    var count = 0

    init(_ label: String) { self.label = label }

    /// Passes when both are nil, or |a − e| ≤ rtol·|e| + atol. `atol` is for values that are exactly
    /// zero in the reference (e.g. log Γ(1)); p-values use atol = 0 so tiny tails are compared relatively.
    mutating func check(_ actual: Double?, _ expected: Double?, rtol: Double = 1e-9, atol: Double = 0,
                        _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        switch (actual, expected) {
        case (nil, nil):
            return
        case let (a?, e?):
            count += 1
            if a == e { return }
            let difference = abs(a - e)
            let relative = e == 0 ? difference : difference / abs(e)
            if difference > atol { worst = max(worst, relative) }
            #expect(difference <= rtol * abs(e) + atol, "\(label) \(what()): got \(a), scipy \(e)", sourceLocation: sourceLocation)
        default:
            #expect(Bool(false), "\(label) \(what()): got \(String(describing: actual)), expected \(String(describing: expected))",
                    sourceLocation: sourceLocation)
        }
    }

    func report() {
        print("[scipy-agreement] \(label): \(count) values, max relative difference \(worst)")
    }
}
