import Testing
@testable import ModelCore

@Suite("Hook name parser and printer")
struct HookNameParsingTests {
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

    /// Every valid (component, scope, site) combination prints a name that parses back to itself.
    @Test func everyCombinationRoundTrips() {
        var count = 0
        for component in HookComponent.allCases {
            for scope in [HookScope.component, .block(0), .block(12), .attention(block: 3), .cross(0), .cross(7)] {
                for site in HookSite.allCases {
                    guard let name = HookName(component, scope, site) else { continue }
                    #expect(HookName(name.description) == name)
                    count += 1
                }
            }
        }
        #expect(count > 100)
    }

    @Test("component, layer and site read from a parsed name")
    func fields() throws {
        let h = try #require(HookName("global.blocks.3.hook_resid_post"))
        #expect(h.component == .global && h.layer == 3 && h.site == .residPost && h.scope == .block(3))
        let a = try #require(HookName("encoder.blocks.0.attn.hook_pattern"))
        #expect(a.scope == .attention(block: 0) && a.attentionModule == HookModule(component: .encoder, scope: .attention(block: 0)))
        let c = try #require(HookName("decoder.cross.1.hook_out"))
        #expect(c.layer == 1 && c.attentionModule == nil)
        #expect(HookName("decoder.cross.1.hook_pattern")?.attentionModule == HookModule(component: .decoder, scope: .cross(1)))
        #expect(HookName("hook_logits")?.component == .output)
        #expect(HookName(.global, .block(2), .q) == nil)
        #expect(HookName.block(.global, 2, .q)?.description == "global.blocks.2.attn.hook_q")
        #expect(ActivationKind.pattern.name(layer: 1, component: .patcher) == "patcher.blocks.1.attn.hook_pattern")
    }
}

@Suite("Random weights")
struct RandomWeightsTests {
    let specs = [TensorSpec(name: "w", shape: [8, 64]), TensorSpec(name: "norm", shape: [64]),
                 TensorSpec(name: "e", shape: [260, 16])]

    @Test func deterministicScaledAndNormsOne() throws {
        let a = try RandomWeights.checkpoint(specs: specs, seed: 5)
        let b = try RandomWeights.checkpoint(specs: specs, seed: 5)
        let c = try RandomWeights.checkpoint(specs: specs, seed: 6)
        let w = a.tensors["w"]!.floats()
        #expect(w == b.tensors["w"]!.floats())
        #expect(w != c.tensors["w"]!.floats())
        #expect(a.tensors["norm"]!.floats() == Array(repeating: 1, count: 64))
        // Fan-in scale: std 1/8 for in = 64, truncated at ±3σ.
        #expect(w.allSatisfy { abs($0) <= 3.0 / 8 + 1e-6 })
        let e = a.tensors["e"]!.floats()
        let sd = (e.map { Double($0 * $0) }.reduce(0, +) / Double(e.count)).squareRoot()
        #expect(abs(sd - 0.25 * 0.9866) < 0.02)
    }

    @Test func refusesHugeRequests() {
        #expect(throws: CheckpointError.self) {
            _ = try RandomWeights.checkpoint(specs: [TensorSpec(name: "huge", shape: [1 << 20, 1 << 20])], seed: 1)
        }
        #expect(throws: CheckpointError.self) {
            _ = try RandomWeights.checkpoint(specs: [TensorSpec(name: "overflow", shape: [Int.max, 2])], seed: 1)
        }
    }
}
