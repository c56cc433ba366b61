import Foundation
import Testing
import BLTModel

/// The Swift example of README.md ("Using it"), run on the shipped model, so the README cannot rot.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("capture, reduce and intervene on the shipped model as the README shows")
    func readmeExampleRuns() throws {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // --- README snippet (paths made absolute) ---
        let model = try BLTModel(directory: repository.appendingPathComponent("Assets/models/bytelens-tiny"))
        var reducedRows = 0
        var hooks = HookSet(capture: ["global.blocks.*.hook_resid_post"])
        hooks.reduce("*.hook_mlp_act") { _, info in reducedRows += info.rows }
        hooks.intervene("global.blocks.1.hook_mlp_out", .zero)
        let result = try model.forward(text: "The quick brown fox", options: ForwardOptions(hooks: hooks))
        // --- end of snippet ---
        let layers = model.config.global.numHiddenLayers
        #expect(Set(result.activations.keys) == Set((0..<layers).map { "global.blocks.\($0).hook_resid_post" }))
        #expect(result.patchLengths.reduce(0, +) == 20)          // BOS + 19 bytes
        #expect(try #require(result.entropy).count == 20)
        #expect(reducedRows > 0)
        let clean = try model.forward(text: "The quick brown fox")
        #expect(clean.logits != result.logits, "the ablation must change the logits")
    }
}
