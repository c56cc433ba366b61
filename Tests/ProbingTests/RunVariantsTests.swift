import BLTModel
import Foundation
import HDF5Store
import Statistics
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
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        let stored = try reader.item(at: 7)
        let model = try BLTModel(path: TestPaths.model)
        let direct = try model.forward(bytes: plan.items[7].bytes, options: ForwardOptions(
            patching: .entropyThreshold(nil), hooks: HookSet(capture: ["global.blocks.1.hook_resid_post", "decoder.hook_final_norm"])))
        #expect(stored.activations["patch_level/global.blocks.1.hook_resid_post"] == direct.activations["global.blocks.1.hook_resid_post"]!.values)
        #expect(stored.activations["byte_level/decoder.hook_final_norm"] == direct.activations["decoder.hook_final_norm"]!.values)
        #expect(reader.layout.byteLevelHooks.isEmpty)
        // Per arm (run, fixed:4, random-init:0): (a), (0), (e); (b), (c), (f) for 3 columns; (d) for 3 columns
        // plus the primary hook's length strata. Then (g) and (h) for 3 columns across the arms, and one
        // permutation-null row per trend test.
        #expect(try reader.statistics().count == 3 * (3 + 3 * 3 + 3 + PatchLengthStratum.all.count) + 3 + 3 + StudyAnalysis.nullTests.count)
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
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        let item = try reader.item(at: 0)
        let config = plan.config
        let expected = try Patching.lengths(strategy: plan.patching, bytes: plan.items[0].bytes,
                                            entropy: try BLTModel(path: TestPaths.model).forward(bytes: plan.items[0].bytes).entropy,
                                            config: config)
        #expect(item.patches.length.map(Int.init) == expected)
        #expect(FileManager.default.fileExists(atPath: outcome.report!.reportPath))
        // Test (d) runs under every strategy (a control constant within texts would be absorbed and noted).
        #expect(try reader.statistics().contains { $0.test == "entropy_sparsity_patch_correlation" })
    }
}

@Suite struct BuiltInLadderTests {
    /// A built-in ladder end to end: items come from the committed assets, the trigram shift distance
    /// is recorded, and the plan's item manifest hash is stable.
    @Test func oodLadderRuns() throws {
        let dir = try TemporaryDirectory()
        let request = StudyRequest(dataset: "ood", modelDirectory: TestPaths.model, levels: ["0", "English", "5", "9"], limit: 2,
                                   hookPatterns: ["global.*.hook_resid_post"], measures: [.hoyer], outDirectory: dir.file("out"),
                                   bootstrapResamples: 200, assetsDirectory: TestPaths.assets)
        let plan = try StudyPlan.prepare(request)
        #expect(plan.selectedLevels[0].map(\.index) == [0, 5, 9])  // duplicates ("0" and "English") collapse
        #expect(plan.items.count == 6)
        let again = try StudyPlan.prepare(request)
        #expect(RunProvenance.manifestSHA256(plan.items) == RunProvenance.manifestSHA256(again.items))
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        let shift = try reader.itemMetric(ItemMetrics.shiftBitsPerByte)
        #expect(shift.allSatisfy { $0.isFinite })
        #expect(shift[4] > shift[0])  // random bytes are farther from the training text than English
        #expect(reader.provenance.datasetName == "ood")
        #expect(reader.provenance.modelFiles.contains { $0.path == "model.safetensors" && $0.sha256.count == 64 })
    }
}

@Suite struct CategoricalLadderTests {
    /// `noise-blt` levels are categories: the trend rows carry a note and REPORT.md does not answer the
    /// trend questions for it.
    @Test func categoricalLadderIsNotReadAsATrend() throws {
        let dir = try TemporaryDirectory()
        let request = StudyRequest(dataset: "noise-blt", modelDirectory: TestPaths.model, limit: 3,
                                   hookPatterns: ["global.blocks.1.hook_resid_post"], measures: [.hoyer],
                                   outDirectory: dir.file("out"), bootstrapResamples: 200, assetsDirectory: TestPaths.assets)
        let outcome = try isolatedRunner(try StudyPlan.prepare(request)).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        #expect(StudyStatistics.categoricalLadders(reader.provenance) == ["noise-blt"])
        let rows = try reader.statistics()
        #expect(rows.filter { $0.test != "entropy_sparsity_patch_correlation" }.allSatisfy { $0.note.contains("categorical ladder") })
        #expect(rows.filter { $0.test == "entropy_sparsity_patch_correlation" }.allSatisfy { !$0.note.contains("categorical") })
        let report = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        #expect(report.contains("**noise-blt**: trend questions not applicable"))
    }
}

/// `--compute bf16` in a study: recorded, never the canonical study, and close to the fp32 run.
@Suite struct ComputePrecisionTests {
    @Test func aBF16StudyIsRecordedAsSuchAndStaysCloseToFP32() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var request = TinyLadder.request(dataset: dataset, out: dir.file("fp32"))
        request.hookPatterns = ["global.blocks.1.hook_resid_post"]
        request.measures = [.hoyer]
        request.modelControl = nil
        let fp32 = try isolatedRunner(try StudyPlan.prepare(request)).run()
        request.compute = .bf16
        request.outDirectory = dir.file("bf16")
        #expect(!RunOutput.isCanonical(request))
        var fp32Request = request
        fp32Request.compute = .fp32
        #expect(RunOutput.specHash(request) != RunOutput.specHash(fp32Request))
        let bf16 = try isolatedRunner(try StudyPlan.prepare(request)).run()
        let a = try ProbeRunReader(path: fp32.finalPath), b = try ProbeRunReader(path: bf16.finalPath)
        defer { a.close(); b.close() }
        #expect(b.provenance.configJSON.contains("\"compute\":\"bf16\""))
        #expect(!a.provenance.configJSON.contains("compute"))
        #expect(try String(contentsOfFile: bf16.report!.reportPath, encoding: .utf8).contains("| compute | **bf16**"))
        // Rounded weights change the numbers a little, not a lot (bf16 keeps 8 bits of mantissa).
        let ea = try a.itemMetric("mean_entropy_bits"), eb = try b.itemMetric("mean_entropy_bits")
        let deviations = zip(ea, eb).map { abs($0 - $1) }
        #expect(deviations.max()! < 0.05)
        #expect(deviations.contains { $0 > 0 }, "bf16 gave bit-identical entropies: the option did not reach the model")
    }
}
