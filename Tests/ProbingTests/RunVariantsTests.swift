import BLTModel
import Foundation
import HDF5Store
import Testing
@testable import Probing

/// Options that change what is stored: raw activations, other patching strategies.
@Suite struct RunVariantsTests {
    @Test func savedActivationsMatchTheForwardPass() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var request = TinyLadder.request(dataset: dataset, out: dir.file("out"))
        request.hookPatterns = ["global.blocks.1.hook_resid_post"]
        request.measures = [.hoyer]
        request.saveActivationPatterns = ["global.blocks.1.hook_resid_post", "decoder.hook_final_norm"]
        let plan = try StudyPlan.prepare(request)
        #expect(plan.layout.activations.map(\.key) == ["patch_level/global.blocks.1.hook_resid_post", "byte_level/decoder.hook_final_norm"])
        let outcome = try StudyRunner(plan: plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        let stored = try reader.item(at: 7)
        let model = try BLTModel(path: TestPaths.model)
        let direct = try model.forward(bytes: plan.items[7].bytes, options: ForwardOptions(
            patching: .entropyThreshold(nil), hooks: HookSet(capture: ["global.blocks.1.hook_resid_post", "decoder.hook_final_norm"])))
        #expect(stored.activations["patch_level/global.blocks.1.hook_resid_post"] == direct.activations["global.blocks.1.hook_resid_post"]!.values)
        #expect(stored.activations["byte_level/decoder.hook_final_norm"] == direct.activations["decoder.hook_final_norm"]!.values)
        #expect(reader.layout.byteLevelHooks.isEmpty)
        #expect(try reader.statistics().count == 1 + 3 + 3 + 3)
    }

    @Test(arguments: ["fixed:3", "space", "monotonic:0.5"])
    func otherPatchingStrategiesRunEndToEnd(_ spec: String) throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var request = TinyLadder.request(dataset: dataset, out: dir.file("out"))
        request.patching = spec
        request.hookPatterns = ["encoder.blocks.0.hook_resid_post", "global.*.hook_resid_post"]
        request.measures = [.hoyer, .gini]
        let plan = try StudyPlan.prepare(request)
        let outcome = try StudyRunner(plan: plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        let item = try reader.item(at: 0)
        let config = plan.config
        let expected = try Patching.lengths(strategy: plan.patching, bytes: plan.items[0].bytes,
                                            entropy: try BLTModel(path: TestPaths.model).forward(bytes: plan.items[0].bytes).entropy,
                                            config: config)
        #expect(item.patches.length.map(Int.init) == expected)
        #expect(FileManager.default.fileExists(atPath: outcome.report.reportPath))
        // Test (d) runs under every strategy (a control constant within texts would be absorbed and noted).
        #expect(try reader.statistics().contains { $0.test == "entropy_sparsity_patch_correlation" })
    }
}
