import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// ActivationCache, TransformerLens aliases, the logit lenses, the activation-patching helper and the
/// shipped-model locator.
@Suite("Analysis API")
struct AnalysisAPITests {
    let text = "The quick brown fox jumps over the lazy dog."

    @Test("cache access by name, alias, kind and layer; stacks and the accumulated residual")
    func cacheAccess() throws {
        let model = try Fixtures.model("tiny_default")
        let (_, cache) = try model.runWithCache(text: text, names: ["global.blocks.*.hook_resid_*", "*.mlp.hook_post",
                                                                   "ln_final.hook_normalized"])
        let layers = model.config.global.numHiddenLayers
        #expect(cache[.residPost, layer: 1, component: .global] == cache["global.blocks.1.hook_resid_post"])
        #expect(cache[.residPost, layer: 1, component: .global] != nil)
        #expect(cache["global.blocks.0.mlp.hook_post"] == cache["global.blocks.0.hook_mlp_act"])
        #expect(cache["global.blocks.0.hook_mlp_act"] != nil)
        #expect(cache["ln_final.hook_normalized"] == cache["decoder.hook_final_norm"] && cache["decoder.hook_final_norm"] != nil)
        #expect(try cache.stack(.residPost, component: .global).count == layers)
        let accumulated = try cache.accumulatedResidual(component: .global)
        #expect(accumulated.count == layers + 1)
        #expect(accumulated[0] == cache[.residPre, layer: 0, component: .global])
        // resid_pre of layer l+1 is resid_post of layer l.
        for l in 0..<(layers - 1) {
            #expect(cache[.residPre, layer: l + 1, component: .global] == cache[.residPost, layer: l, component: .global])
        }
        #expect(throws: ActivationCacheError.empty("encoder.blocks.0.hook_resid_post")) {
            _ = try cache.stack(.residPost, component: .encoder)
        }
    }

    @Test("decoder logit lens ends at the model's logits; global lens ends at the model's logits")
    func logitLens() throws {
        let model = try Fixtures.model("tiny_variants")
        let bytes = Array(text.utf8)
        let logits = try #require(try model.forward(bytes: bytes).logits)
        let decoder = try model.decoderLogitLens(bytes: bytes)
        #expect(decoder.count == model.config.decoder.numHiddenLayers + 1)
        #expect(decoder.last == logits)
        #expect(decoder.first != logits)
        let global = try model.globalLogitLens(bytes: bytes)
        #expect(global.count == model.config.global.numHiddenLayers + 1)
        #expect(global.last == logits)
        #expect(global.first != logits)
        #expect(global.allSatisfy { $0.shape == logits.shape })
        #expect(throws: HookError.self) { _ = try model.unembed(try HookTensor(shape: [1, 3], values: [1, 2, 3])) }
    }

    @Test("activation patching pins the clean patches; patching the global output restores the clean logits")
    func activationPatching() throws {
        let model = try Fixtures.model("tiny_default")
        let clean = "The cat sat on the mat.", corrupted = "The dog sat on the mat."
        let last = model.config.global.numHiddenLayers - 1
        let run = try model.activationPatching(clean: clean, corrupted: corrupted, hooks: "global.blocks.*.hook_resid_post")
        #expect(run.patched.map(\.hook) == (0...last).map { "global.blocks.\($0).hook_resid_post" })
        #expect(run.corrupted.patchLengths == run.clean.patchLengths)
        #expect(run.patched.allSatisfy { $0.result.patchLengths == run.clean.patchLengths })
        // The global output carries everything the decoder reads from the global stream, but the decoder
        // also reads the corrupted bytes directly: logits at positions before the corruption equal clean.
        let final = try #require(run.patched.last?.result.logits)
        let cleanLogits = try #require(run.clean.logits), corruptedLogits = try #require(run.corrupted.logits)
        #expect(maxAbsDifference(Array(final.row(1)), Array(cleanLogits.row(1))) <= 1e-6)
        #expect(final != corruptedLogits)
        #expect(throws: ActivationPatchingError.lengthMismatch(clean: 3, corrupted: 2)) {
            _ = try model.activationPatching(clean: "abc", corrupted: "ab", hooks: "*")
        }
        #expect(throws: ActivationPatchingError.nothingToPatch(pattern: "patching.hook_patch_lengths")) {
            _ = try model.activationPatching(clean: "abc", corrupted: "abd", hooks: "patching.hook_patch_lengths")
        }
    }

    @Test("the shipped model is found from the repository, by variable, and a bad path is a typed error")
    func shippedModel() throws {
        let found = try ShippedModel.locate()
        #expect(FileManager.default.fileExists(atPath: found.appendingPathComponent("config.json").path))
        #expect(found.path.hasSuffix("Assets/models/bytelens-tiny"))
        #expect(try ShippedModel.locate(explicit: found.path) == found)
        #expect { _ = try ShippedModel.locate(explicit: "/nonexistent/model") } throws: { error in
            guard case .notFound(let searched) = error as? ShippedModelError else { return false }
            return searched == ["/nonexistent/model"]
        }
    }
}
