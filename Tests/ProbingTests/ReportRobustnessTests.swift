import Foundation
import HDF5Store
import Plotting
import Testing
@testable import Probing

/// `probe report` must work on any valid probe-run file, not only on files `probe run` wrote with the
/// default hooks: here a hand-written file with one byte-level hook, no patch-level hooks, a single
/// measure, no item metrics and no statistics rows.
@Suite struct ReportRobustnessTests {
    @Test(arguments: ["encoder.blocks.0.hook_resid_post", "encoder.blocks.0.hook_mlp_act"])
    func minimalForeignFile(hook: String) throws {
        let dir = try TemporaryDirectory()
        let layout = ProbeRunLayout(byteLevelHooks: [hook], patchLevelHooks: [], probeHooks: [hook], measureColumns: ["gini"],
                                    itemMetricNames: [])
        let provenance = ProbeRunProvenance(toolVersion: "test", gitCommit: "unknown", modelPath: "/nowhere", modelFiles: [],
                                            configJSON: "not json", datasetName: "hand-made", datasetManifestSHA256: "",
                                            seed: 1, commandLine: ["hand"], libraryVersions: [:], startedUTC: "2026-01-01T00:00:00Z")
        let path = dir.file("foreign.h5")
        let writer = try ProbeRunWriter.create(at: path, layout: layout, provenance: provenance)
        for level in 0..<3 {
            for base in 0..<3 {
                let text = Array("level \(level) item \(base) text".utf8)
                let n = text.count + 1
                let lengths: [Int32] = [1, Int32(n - 1)]
                let values = (0..<n).map { Float(($0 * 7 + level * 3 + base) % 11) / 11 }
                try writer.append(ProbeRunItem(
                    record: ProbeRunItemRecord(ladder: "hand", levelIndex: level, levelName: "L\(level)", baseItemID: "b\(base)",
                                               seed: 0, analysisSpan: 1..<n, probePosition: n - 1),
                    bytes: ProbeRunByteRows(value: [-1] + text.map(Int16.init), entropy: [.nan] + values.dropFirst(),
                                            patchID: [0] + [Int32](repeating: 1, count: n - 1),
                                            isPatchStart: [true, true] + [Bool](repeating: false, count: n - 2)),
                    patches: ProbeRunPatchRows(start: [0, 1], length: lengths, meanEntropy: [.nan, 0.5], maxEntropy: [.nan, 0.9],
                                               firstByteEntropy: [.nan, 0.2]),
                    byteMeasures: ProbeRunMeasureRows(rows: n, values: ["gini": values]),
                    patchMeasures: .empty,
                    probeMeasures: ProbeRunMeasureRows(rows: 1, values: ["gini": [values[n - 1]]])))
            }
        }
        try writer.finish(statistics: [])
        let output = try ReportBuilder(path: path).write(to: dir.file("report"))
        let report = try String(contentsOfFile: output.reportPath, encoding: .utf8)
        #expect(report.contains("## Verdicts"))
        #expect(report.contains("not tested"))
        #expect(!output.figurePaths.isEmpty)
        for figure in output.figurePaths { _ = try Canvas.readPNG(path: figure) }
    }
}
