import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore
import Kernels

@Suite("Hooks")
struct HookTests {
    let text = "The quick brown fox jumps over the lazy dog."

    @Test("catalogue order equals the order transformers fires the hooks", arguments: ParityTests.cases)
    func catalogueMatchesReference(caseName: String) throws {
        let model = try Fixtures.model(caseName)
        let names = model.hookPoints.map(\.name)
        #expect(names == (try Fixtures.hookNames(caseName, file: "attention_hooks.json")))
        let original = try Fixtures.hookNames(caseName)
        #expect(names.filter(Set(original).contains) == original)
    }

    /// Golden list for a small config: 1 patcher layer, 1 encoder layer, 1 global layer, 2 decoder
    /// layers with cross-attention on the first only.
    @Test("golden hook list for a small config")
    func goldenList() throws {
        let json = """
        {"patcher_config": {"num_hidden_layers": 1, "hidden_size": 16, "num_attention_heads": 2, "intermediate_size": 40},
         "encoder_config": {"num_hidden_layers": 1, "hidden_size": 8, "num_attention_heads": 2, "hidden_size_global": 16},
         "decoder_config": {"num_hidden_layers": 2, "hidden_size": 8, "num_attention_heads": 2, "cross_attn_all_layers": false,
                            "hidden_size_global": 16, "intermediate_size": 24},
         "global_config": {"num_hidden_layers": 1, "hidden_size": 16, "num_attention_heads": 2, "intermediate_size": 48}}
        """
        let config = try BLTConfig(jsonData: Data(json.utf8))
        let block = { (p: String) in
            ["\(p).hook_resid_pre"]
                + ["hook_q", "hook_k", "hook_v", "hook_rot_q", "hook_rot_k", "hook_attn_scores", "hook_pattern", "hook_z"]
                    .map { "\(p).attn.\($0)" }
                + ["hook_attn_out", "hook_resid_mid", "hook_mlp_act", "hook_mlp_out", "hook_resid_post"].map { "\(p).\($0)" }
        }
        let cross = { (p: String) in
            ["hook_q", "hook_k", "hook_v", "hook_attn_scores", "hook_pattern", "hook_z"].map { "\(p).\($0)" }
        }
        let golden = ["patcher.hook_embed"] + block("patcher.blocks.0")
            + ["patcher.hook_logits", "patching.hook_entropy", "patching.hook_patch_lengths", "encoder.hook_embed"]
            + block("encoder.blocks.0")
            + ["encoder.cross.0.hook_pooled", "encoder.cross.0.hook_queries"] + cross("encoder.cross.0")
            + ["encoder.cross.0.hook_out", "encoder.hook_patch_embed", "global.hook_embed"]
            + block("global.blocks.0")
            + ["decoder.hook_patch_kv"] + cross("decoder.cross.0") + ["decoder.cross.0.hook_out"]
            + block("decoder.blocks.0")
            + block("decoder.blocks.1")
            + ["decoder.hook_final_norm", "hook_logits"]
        let points = HookPoint.catalogue(for: config)
        #expect(points.map(\.name) == golden)
        let shapes = Dictionary(uniqueKeysWithValues: points.map { ($0.name, $0.shapeDescription) })
        #expect(shapes["patcher.blocks.0.hook_mlp_act"] == "[N, 40]")
        #expect(shapes["patching.hook_entropy"] == "[N]")
        #expect(shapes["encoder.cross.0.hook_queries"] == "[P*k, 8]")
        #expect(shapes["encoder.hook_patch_embed"] == "[P, 16]")
        #expect(shapes["global.blocks.0.hook_mlp_act"] == "[P, 48]")
        #expect(shapes["decoder.blocks.1.hook_mlp_act"] == "[N, 24]")
        #expect(shapes["hook_logits"] == "[N, 260]")
        #expect(shapes["global.blocks.0.attn.hook_pattern"] == "[H*P, P]")
        #expect(shapes["encoder.cross.0.hook_attn_scores"] == "[H*P*k, N]")
        #expect(shapes["decoder.cross.0.hook_pattern"] == "[H*N, P*k]")
        #expect(shapes["decoder.blocks.1.attn.hook_z"] == "[N, 8]")
    }

    @Test("glob patterns: * spans dots, ? is one character")
    func globs() {
        #expect(HookPoint.matches(pattern: "global.*.hook_resid_post", name: "global.blocks.12.hook_resid_post"))
        #expect(HookPoint.matches(pattern: "*hook_mlp_act", name: "decoder.blocks.0.hook_mlp_act"))
        #expect(HookPoint.matches(pattern: "*", name: "hook_logits"))
        #expect(HookPoint.matches(pattern: "global.blocks.?.hook_embed", name: "global.blocks.1.hook_embed"))
        #expect(!HookPoint.matches(pattern: "global.blocks.?.hook_resid_post", name: "global.blocks.12.hook_resid_post"))
        #expect(!HookPoint.matches(pattern: "hook_logits", name: "patcher.hook_logits"))
        #expect(HookPoint.matches(pattern: "patcher.hook_logits", name: "patcher.hook_logits"))
    }

    @Test("zero-ablating the last global MLP output propagates and equals a recomputation")
    func zeroAblation() throws {
        let model = try Fixtures.model("tiny_default")
        let last = model.config.global.numHiddenLayers - 1
        var hooks = HookSet(capture: ["global.blocks.\(last).hook_resid_mid", "global.blocks.\(last).hook_resid_post",
                                      "decoder.hook_patch_kv"])
        let clean = try model.forward(text: text, options: ForwardOptions(hooks: hooks))
        hooks.intervene("global.blocks.\(last).hook_mlp_out", .zero)
        let ablated = try model.forward(text: text, options: ForwardOptions(hooks: hooks))
        let mid = try #require(ablated.activations["global.blocks.\(last).hook_resid_mid"])
        let post = try #require(ablated.activations["global.blocks.\(last).hook_resid_post"])
        #expect(post == mid)   // resid_post = resid_mid + 0
        // decoder.hook_patch_kv recomputed from the ablated global output with the checkpoint weights.
        let w = model.weights.decoderPatchProjection
        // Same product routine as the forward pass (fp32 weights are kept transposed; a different
        // sgemm layout would differ in the last bits), so equality is exact.
        let recomputed = try model.blocks.linear(post.values, rows: post.rows, w)
        #expect(try #require(ablated.activations["decoder.hook_patch_kv"]).values == recomputed)
        #expect(ablated.activations["decoder.hook_patch_kv"] != clean.activations["decoder.hook_patch_kv"])
        #expect(ablated.logits != clean.logits)
        #expect(ablated.patchLengths == clean.patchLengths)   // upstream is untouched
    }

    @Test("scale, mean-ablation, position mean and patching behave as specified")
    func otherInterventions() throws {
        let model = try Fixtures.model("tiny_default")
        var capture = HookSet(capture: ["encoder.blocks.0.hook_attn_out", "encoder.blocks.0.hook_resid_mid", "encoder.hook_embed"])
        let clean = try model.forward(text: text, options: ForwardOptions(hooks: capture))
        let attn = try #require(clean.activations["encoder.blocks.0.hook_attn_out"])
        let embed = try #require(clean.activations["encoder.hook_embed"])

        var scaled = capture
        scaled.intervene("encoder.blocks.0.hook_attn_out", .scale(2))
        let s = try model.forward(text: text, options: ForwardOptions(hooks: scaled))
        let mid = try #require(s.activations["encoder.blocks.0.hook_resid_mid"]).values
        for i in mid.indices { #expect(abs(mid[i] - (embed.values[i] + 2 * attn.values[i])) <= 1e-6) }

        var meanAblated = capture
        let vector = [Float](repeating: 0.25, count: attn.columns)
        meanAblated.intervene("encoder.blocks.0.hook_attn_out", rows: [0, 3], .meanAblate(vector))
        let m = try model.forward(text: text, options: ForwardOptions(hooks: meanAblated))
        let edited = try #require(m.activations["encoder.blocks.0.hook_attn_out"])
        #expect(Array(edited.row(3)) == vector && Array(edited.row(1)) == Array(attn.row(1)))

        var positionMean = capture
        positionMean.intervene("encoder.blocks.0.hook_attn_out", .positionMean)
        let pm = try #require(try model.forward(text: text, options: ForwardOptions(hooks: positionMean))
            .activations["encoder.blocks.0.hook_attn_out"])
        let mean0 = (0..<attn.rows).map { Double(attn.values[$0 * attn.columns]) }.reduce(0, +) / Double(attn.rows)
        #expect(abs(Double(pm.values[5 * attn.columns]) - mean0) < 1e-6)

        // Activation patching: corrupt an early global hook, patch the clean global output back in:
        // everything from decoder.hook_patch_kv on equals the clean run exactly.
        let last = model.config.global.numHiddenLayers - 1
        capture = HookSet(capture: ["global.blocks.\(last).hook_resid_post", "decoder.hook_patch_kv"])
        let reference = try model.forward(text: text, options: ForwardOptions(hooks: capture))
        var patched = capture
        patched.intervene("global.blocks.0.hook_attn_out", .zero)
        patched.intervene("global.blocks.\(last).hook_resid_post",
                          .patch(try #require(reference.activations["global.blocks.\(last).hook_resid_post"])))
        let p = try model.forward(text: text, options: ForwardOptions(hooks: patched))
        #expect(p.activations["decoder.hook_patch_kv"] == reference.activations["decoder.hook_patch_kv"])
        #expect(p.logits == reference.logits)
    }

    @Test("reducers see every matching activation in order without storing it")
    func reducers() throws {
        let model = try Fixtures.model("tiny_variants")
        var seen: [String] = []
        var norms: [String: [Float]] = [:]
        var hooks = HookSet(capture: ["global.*.hook_resid_post"])
        hooks.reduce("global.*.hook_resid_post") { values, info in
            seen.append(info.name)
            #expect(info.component == .global && info.layer != nil)
            norms[info.name] = (0..<info.rows).map { r in
                (0..<info.columns).map { values[r * info.columns + $0] * values[r * info.columns + $0] }.reduce(0, +).squareRoot()
            }
        }
        let result = try model.forward(text: text, options: ForwardOptions(hooks: hooks))
        #expect(seen == (0..<model.config.global.numHiddenLayers).map { "global.blocks.\($0).hook_resid_post" })
        for name in seen {
            let t = try #require(result.activations[name])
            let expected = (0..<t.rows).map { r in t.row(r).map { $0 * $0 }.reduce(0, +).squareRoot() }
            #expect(norms[name] == expected)
        }
    }

    @Test("hooks are scoped to one call")
    func scoped() throws {
        let model = try Fixtures.model("tiny_default")
        let baseline = try model.forward(text: text)
        var hooks = HookSet(capture: ["*"])
        hooks.intervene("decoder.hook_final_norm", .zero)
        let hooked = try model.forward(text: text, options: ForwardOptions(hooks: hooks))
        #expect(hooked.logits.map { $0.values.allSatisfy { $0 == 0 } } == true)
        let after = try model.forward(text: text)
        #expect(after.activations.isEmpty)
        #expect(after.logits == baseline.logits)
    }

    @Test("without logits the pass stops after the deepest requested hook")
    func earlyStop() throws {
        let model = try Fixtures.model("tiny_default")
        let hooks = HookSet(capture: ["encoder.hook_embed", "patcher.blocks.0.hook_mlp_act"])
        let result = try model.forward(text: text, options: ForwardOptions(hooks: hooks, computeLogits: false))
        #expect(result.logits == nil)
        #expect(result.stoppedAfter == "encoder.hook_embed")
        #expect(Set(result.activations.keys) == ["encoder.hook_embed", "patcher.blocks.0.hook_mlp_act"])
        #expect(!result.patchLengths.isEmpty && result.entropy != nil)
        // No hooks and no logits: entropy and patches only.
        let entropyOnly = try model.forward(text: text, options: ForwardOptions(computeLogits: false))
        let full = try model.forward(text: text)
        #expect(entropyOnly.logits == nil && entropyOnly.entropy == full.entropy)
    }

    @Test("intervening on entropy changes the patches")
    func entropyIntervention() throws {
        let model = try Fixtures.model("tiny_default")
        var hooks = HookSet()
        hooks.intervene("patching.hook_entropy", .custom { values, _ in
            for i in values.indices { values[i] = 100 }
        })
        let result = try model.forward(bytes: Array("abcd".utf8), options: ForwardOptions(hooks: hooks))
        #expect(result.patchLengths == [1, 1, 1, 1, 1, 0])
    }

    @Test("bad hook requests are typed errors")
    func badRequests() throws {
        #expect(throws: HookError.invalidTensor(shape: [2, 2], count: 3)) { _ = try HookTensor(shape: [2, 2], values: [1, 2, 3]) }
        let model = try Fixtures.model("tiny_default")
        #expect(throws: HookError.noMatch(pattern: "global.blocks.0.hook_resid")) {
            _ = try model.forward(text: text, options: ForwardOptions(hooks: HookSet(capture: ["global.blocks.0.hook_resid"])))
        }
        var lengths = HookSet()
        lengths.intervene("patching.*", .zero)
        #expect(throws: HookError.notIntervenable(name: "patching.hook_patch_lengths")) {
            _ = try model.forward(text: text, options: ForwardOptions(hooks: lengths))
        }
        var rows = HookSet()
        rows.intervene("hook_logits", rows: [1000], .zero)
        #expect { _ = try model.forward(text: text, options: ForwardOptions(hooks: rows)) } throws: { error in
            if case .rowOutOfRange = error as? HookError { return true }
            return false
        }
    }
}
