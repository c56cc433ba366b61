import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

@Suite("Typed hook names")
struct HookNameTests {
    /// The forward pass fires exactly the catalogue, in catalogue order: a reducer on every hook records
    /// what fires (attention internals included, since a `*` reducer activates every attention module).
    @Test("a forward fires exactly the catalogue, in order", arguments: ParityTests.cases)
    func firedEqualsCatalogue(caseName: String) throws {
        let model = try Fixtures.model(caseName)
        let fired = FiredNames()
        var hooks = HookSet()
        hooks.reduce("*") { _, info in fired.append(info) }
        _ = try model.forward(text: "Typed names: ÿ€ 123.", options: ForwardOptions(hooks: hooks))
        #expect(fired.names == model.hookPoints.map(\.name))
        #expect(fired.hooks == model.hookPoints.map(\.hook))
    }

    @Test("every catalogue name parses back to its typed value and prints unchanged", arguments: ParityTests.cases)
    func roundTrip(caseName: String) throws {
        for point in try Fixtures.model(caseName).hookPoints {
            #expect(HookName(point.name) == point.hook)
            #expect(point.hook.description == point.name)
        }
    }
}

/// Collects the hooks a forward fires (reducers run on the calling thread, in order).
private final class FiredNames: @unchecked Sendable {
    var names: [String] = []
    var hooks: [HookName] = []
    func append(_ info: HookInfo) { names.append(info.name); hooks.append(info.hook) }
}
