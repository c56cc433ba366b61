import BLTModel
import Foundation
import HDF5Store
import Metrics
import Testing
@testable import Probing

/// `--protocol sparsity-paper` end to end on the tiny ladder, and the causal check `probe intervene` on its file.
@Suite struct SparsityPaperProtocolTests {
    @Test func protocolStoresProbeVectorsAndWritesTheReplicationTable() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var request = TinyLadder.request(dataset: dataset, out: dir.file("out"))
        request.nullShuffles = 0
        StudyProtocol.sparsityPaper.configure(&request, datasetGiven: true, hooksGiven: false)
        #expect(request.dataset == "custom:\(dataset)")
        let plan = try StudyPlan.prepare(request)
        let probeKeys = plan.layout.activations.filter { $0.scope == .probe }.map(\.key)
        #expect(probeKeys.first == "probe/decoder.hook_final_norm" || probeKeys.contains("probe/decoder.hook_final_norm"))
        #expect(probeKeys.contains { $0.hasPrefix("probe/global.blocks.") })
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }

        // The stored probe vector is the hook's row at the probe position (the last byte; the patch holding it).
        let model = try BLTModel(path: TestPaths.model)
        let i = 7
        let lastGlobal = PaperReplicationTable.paperHooks(reader.layout).last!
        let direct = try model.forward(bytes: plan.items[i].bytes, options: ForwardOptions(
            patching: .entropyThreshold(nil), hooks: HookSet(capture: ["decoder.hook_final_norm", lastGlobal])))
        let stored = try reader.item(at: i)
        let final = direct.activations["decoder.hook_final_norm"]!
        #expect(stored.activations["probe/decoder.hook_final_norm"] == Array(final.values.suffix(final.columns)))
        let global = direct.activations[lastGlobal]!
        let patch = direct.patchIDs[plan.items[i].bytes.count]
        #expect(stored.activations["probe/\(lastGlobal)"] == Array(global.values[(patch * global.columns)..<((patch + 1) * global.columns)]))

        // Replication table: 2 paper hooks × (trained + random-init) × 1 ladder × 12 metrics, rebuilt identically.
        let csvPath = dir.file("out/replication.csv")
        let csv = try String(contentsOfFile: csvPath, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 2 * 2 * PaperSparsityMetric.allCases.count)
        let report = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        #expect(report.contains("## Sparsity paper replication"))
        #expect(report.contains("`random-init:0`"))
        // Every figure has the numbers behind it as CSV, with the command that redraws it.
        for png in outcome.report!.figurePaths {
            let csv = try String(contentsOfFile: (png as NSString).deletingPathExtension + ".csv", encoding: .utf8)
            #expect(csv.hasPrefix("# data of figures/") && csv.contains("redraw: probe report probe.h5"), "\(png)")
        }
        try FileManager.default.removeItem(atPath: csvPath)
        _ = try ReportBuilder(path: outcome.finalPath).write(to: dir.file("out"))
        #expect(try String(contentsOfFile: csvPath, encoding: .utf8) == csv)
        // The configuration records the protocol and the stored vectors.
        let config = RunConfiguration(json: reader.provenance.configJSON)
        #expect(config.studyProtocol == "sparsity-paper")
        #expect(config.saveProbeVectors == plan.probeVectorHooks.map(\.name))

        // The causal check on the same file: easiest and hardest level, k ≤ d, deterministic.
        var check = SparsificationCheck()
        check.resamples = 200
        let out = try check.perform(runPath: outcome.finalPath, modelDirectory: nil, hook: nil, outDirectory: dir.file("causal"),
                                    commandLine: ["probe", "intervene"])
        #expect(out.rows.map(\.level) == ["clean", "noisy"])
        #expect(out.rows.allSatisfy { $0.kept >= 1 && $0.kept <= $0.width && $0.items == 4 && $0.difference != nil })
        let again = try check.perform(runPath: outcome.finalPath, modelDirectory: nil, hook: nil, outDirectory: dir.file("causal2"),
                                      commandLine: ["probe", "intervene"])
        #expect(again.rows == out.rows)
        // Another model than the run's is refused.
        #expect(throws: ProbingError.self) {
            try check.perform(runPath: outcome.finalPath, modelDirectory: TestPaths.shippedModel, hook: nil, outDirectory: dir.file("x"),
                              commandLine: [])
        }
    }

    @Test func sparsifyAndShrinkEdits() {
        var row: [Float] = [3, -4, 0, 1]
        #expect(SparsificationCheck.dimensionsHolding(0.9, of: row[...]) == 2)  // 25 of 26 in the top 2
        #expect(SparsificationCheck.dimensionsHolding(0.99, of: row[...]) == 3)
        row.withUnsafeMutableBufferPointer { SparsificationCheck.sparsify($0, columns: 4, keep: 2) }
        #expect(row == [3, -4, 0, 0])
        var other: [Float] = [3, -4, 0, 1]
        other.withUnsafeMutableBufferPointer { SparsificationCheck.shrink($0, columns: 4, keep: 2) }
        // Same norm as the sparsified row (5), same shape.
        let norm = other.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - 5) < 1e-5)
        #expect(abs(other[3] / other[0] - 1.0 / 3) < 1e-6)
        var whole: [Float] = [1, 2, 3, 4, 5, 6]
        whole.withUnsafeMutableBufferPointer { SparsificationCheck.sparsify($0, columns: 3, keep: 3) }
        #expect(whole == [1, 2, 3, 4, 5, 6])
    }
}

@Suite struct FigureLabelTests {
    @Test func labelsSayHowToReadThem() {
        #expect(ReportFigures.axisLabel("hoyer") == "hoyer (higher = sparser)")
        #expect(ReportFigures.axisLabel("participation_ratio_z") == "participation_ratio_z (lower = sparser)")
        #expect(ReportFigures.axisLabel("l2_norm") == "l2_norm")
        #expect(ReportFigures.shortSpec("entropy:2.4340527057647705") == "entropy:2.434")
        #expect(ReportFigures.shortSpec("fixed:4") == "fixed:4")
        #expect(ReportFigures.shortSpec("monotonic:0.5") == "monotonic:0.5")
    }
}
