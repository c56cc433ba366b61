import Foundation
import Testing
@testable import BLTModel

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

    @Test("parser refuses names that are not canonical", arguments: [
        "", "hook_resid_post", "global.hook_resid_post", "global.blocks.3", "global.blocks.-1.hook_resid_post",
        "global.blocks.03.hook_resid_post", "global.blocks.+3.hook_resid_post", "global.blocks.x.hook_resid_post",
        "global.blocks.3.attn.hook_resid_post", "global.blocks.3.hook_q", "encoder.cross.0.hook_rot_q",
        "output.hook_logits", "Global.blocks.3.hook_resid_post", "global.blocks.3.hook_resid_post.",
        ".global.blocks.3.hook_resid_post", "global..blocks.3.hook_resid_post", "global.*.hook_resid_post",
        "mlp.hook_post", "nonsense.hook_embed", "hook_embed.hook_embed",
    ])
    func refuses(text: String) {
        #expect(HookName(text) == nil)
    }

    @Test("component, layer and site read from a parsed name")
    func fields() throws {
        let h = try #require(HookName("global.blocks.3.hook_resid_post"))
        #expect(h.component == .global && h.layer == 3 && h.site == .residPost && h.scope == .block(3))
        let a = try #require(HookName("encoder.blocks.0.attn.hook_pattern"))
        #expect(a.scope == .attention(block: 0) && a.attentionModule == HookModule(component: .encoder, scope: .attention(block: 0)))
        let c = try #require(HookName("decoder.cross.1.hook_out"))
        #expect(c.layer == 1 && c.attentionModule == nil)
        #expect(HookName("hook_logits")?.component == .output)
        #expect(HookName(.global, .block(2), .q) == nil)
        #expect(HookName.block(.global, 2, .q)?.description == "global.blocks.2.attn.hook_q")
        #expect(ActivationKind.pattern.name(layer: 1, component: .patcher) == "patcher.blocks.1.attn.hook_pattern")
    }
}

/// Collects the hooks a forward fires (reducers run on the calling thread, in order).
private final class FiredNames: @unchecked Sendable {
    var names: [String] = []
    var hooks: [HookName] = []
    func append(_ info: HookInfo) { names.append(info.name); hooks.append(info.hook) }
}
