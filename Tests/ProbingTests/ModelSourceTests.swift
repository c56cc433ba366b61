import BLTModel
import Foundation
import HDF5Store
import Testing
@testable import Probing

/// The study runs any model behind the `ByteLevelModel` seam: the checkpoint's entropy model alone and a
/// random-initialised BLT go through the same plan, runner, HDF5 writer, statistics and report.
@Suite struct ModelSourceTests {
    @Test func entropyModelAloneRunsTheStudy() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var request = TinyLadder.request(dataset: dataset, out: dir.file("out"))
        request.modelSource = .entropyModel
        let plan = try StudyPlan.prepare(request)
        // Default hook patterns keep only what the entropy model has; no fixed-patching control arm.
        #expect(!plan.measuredHooks.isEmpty && plan.measuredHooks.allSatisfy { $0.name.hasPrefix("patcher.") })
        #expect(plan.controlItems.isEmpty)
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        let item = try reader.item(at: 0)
        // Every byte is its own step: N patches of length 1 (BOS included).
        #expect(item.patches.length.allSatisfy { $0 == 1 })
        #expect(item.bytes.entropy.dropFirst().allSatisfy { $0.isFinite })
        #expect(FileManager.default.fileExists(atPath: outcome.report!.reportPath))
        #expect(reader.provenance.configJSON.contains("\"model_source\":\"entropy-model\""))
    }

    @Test func randomInitialisedBLTRunsTheStudyAndDiffersFromTheTrainedOne() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var trained = TinyLadder.request(dataset: dataset, out: dir.file("trained"))
        trained.hookPatterns = ["global.*.hook_resid_post"]
        var random = trained
        random.outDirectory = dir.file("random")
        random.modelSource = .randomInit(seed: 3)
        let a = try isolatedRunner(try StudyPlan.prepare(trained)).run()
        let b = try isolatedRunner(try StudyPlan.prepare(random)).run()
        let ra = try ProbeRunReader(path: a.finalPath), rb = try ProbeRunReader(path: b.finalPath)
        defer { ra.close(); rb.close() }
        #expect(ra.layout == rb.layout)
        let ia = try ra.item(at: 0), ib = try rb.item(at: 0)
        #expect(ia.bytes.value == ib.bytes.value)
        #expect(ia.bytes.entropy != ib.bytes.entropy)
        #expect(rb.provenance.configJSON.contains("\"model_source\":\"random-init:3\""))
    }

    @Test func aTrainedCheckpointIsAControlArmAndTheReportNamesIt() throws {
        let dir = try TemporaryDirectory()
        let copy = dir.file("same-weights")
        try FileManager.default.copyItem(atPath: TestPaths.model, toPath: copy)
        var request = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: dir.file("out"))
        request.hookPatterns = ["global.*.hook_resid_post", "decoder.hook_final_norm"]
        request.modelControl = .checkpoint(path: copy)
        let plan = try StudyPlan.prepare(request)
        #expect(plan.modelControlItems.allSatisfy { $0.ladder.hasSuffix("@checkpoint:\(copy)") })
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        // The same weights under the same patches: the control arm stores exactly the trained values.
        let records = try reader.itemRecords()
        let main = records.indices.filter { !records[$0].ladder.contains("@") }
        let control = records.indices.filter { records[$0].ladder.contains("@checkpoint:") }
        #expect(main.count == control.count && !main.isEmpty)
        for (a, b) in zip(main, control) {
            #expect(try reader.item(at: a).probeMeasures == reader.item(at: b).probeMeasures)
        }
        let report = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        #expect(report.contains("(b) in control `checkpoint:") && report.contains("(h) trained − control |"))
        #expect(!report.contains("untrained control model `checkpoint:"))
        // A checkpoint of another architecture (the shipped model: 256-wide global stream, not 64) is refused
        // before any forward.
        request.modelControl = .checkpoint(path: TestPaths.shippedModel)
        request.hookPatterns = ["global.blocks.1.hook_resid_post"]
        #expect { _ = try StudyPlan.prepare(request) } throws: { "\($0)".contains("global.blocks.1.hook_resid_post") }
        #expect(throws: (any Error).self) {
            request.modelControl = .checkpoint(path: dir.file("missing"))
            _ = try StudyPlan.prepare(request)
        }
    }

    @Test func modelSourceSpellings() {
        #expect(ModelSource("checkpoint:/a/b") == .checkpoint(path: "/a/b") && ModelSource("checkpoint:") == nil)
        #expect(ModelSource("blt") == .blt && ModelSource("entropy-model") == .entropyModel)
        #expect(ModelSource("random-init:42") == .randomInit(seed: 42) && ModelSource("random-init") == .randomInit(seed: 0))
        #expect(ModelSource("random-init:-1") == nil && ModelSource("gpt") == nil)
        for s in [ModelSource.blt, .entropyModel, .randomInit(seed: 9)] { #expect(ModelSource(s.description) == s) }
    }

    @Test func patchingIsRefusedForTheEntropyModel() throws {
        let dir = try TemporaryDirectory()
        var request = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: dir.file("out"))
        request.modelSource = .entropyModel
        request.patching = "fixed:4"
        #expect(throws: ProbingError.self) { _ = try StudyPlan.prepare(request) }
    }
}
