import BLTModel
import Foundation
import HDF5Store
import Metrics
import Plotting
import Statistics
import Testing
@testable import Probing

/// A small but complete study on the committed fixture model: HDF5 contents against a direct forward
/// pass, every figure read back from PNG, REPORT.md's verdict table.
@Suite struct EndToEndTests {
    @Test func studyOnFixtureModel() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        let plan = try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("out")))
        #expect(plan.items.count == 12)
        #expect(plan.controlItems.count == 12)
        #expect(plan.controlItems.allSatisfy { $0.ladder.hasSuffix("@fixed:4") })
        #expect(plan.modelControlItems.count == 12)
        #expect(plan.modelControlItems.allSatisfy { $0.ladder.hasSuffix("@random-init:0") })
        let outcome = try isolatedRunner(plan).run()

        // The file: finished, no partial left, complete item set.
        #expect(FileManager.default.fileExists(atPath: outcome.finalPath))
        #expect(!FileManager.default.fileExists(atPath: plan.partialPath))
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        #expect(reader.status == ProbeRunSchema.Status.complete)
        #expect(reader.completedItemCount == 36)
        #expect(reader.layout.probeHooks == plan.measuredHooks.map(\.name))
        #expect(reader.layout.measureColumns.count == 12)
        let records = try reader.itemRecords()
        #expect(records.map(\.levelIndex) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2].repeated(3))
        #expect(records.map(\.baseItemID) == ["item0", "item1", "item2", "item3"].repeated(9))
        #expect(records[12..<24].allSatisfy { $0.ladder == records[0].ladder + "@fixed:4" })
        #expect(records[24...].allSatisfy { $0.ladder == records[0].ladder + "@random-init:0" })

        // Values against a direct forward pass of the same bytes.
        let model = try BLTModel(path: TestPaths.model)
        let byteHook = "encoder.blocks.0.hook_resid_post", patchHook = "global.blocks.1.hook_resid_post"
        let layout = reader.layout
        for index in [0, 5, 11] {
            let stored = try reader.item(at: index)
            let bytes = stored.bytes.value.dropFirst().map { UInt8($0) }
            #expect(stored.bytes.value[0] == -1)
            #expect(bytes == plan.items[index].bytes)
            let direct = try model.forward(bytes: bytes, options: ForwardOptions(
                patching: .entropyThreshold(nil), hooks: HookSet(capture: [byteHook, patchHook, "patcher.hook_logits"])))
            let n = direct.inputIDs.count
            // Per-byte log-probabilities of the BLT and of its entropy model, byte-aligned.
            let losses = try direct.logits!.values.withUnsafeBufferPointer {
                try ByteEntropy.nextByteLosses(logits: $0, rows: n, vocabulary: direct.logits!.columns, ids: direct.inputIDs)
            }
            #expect(stored.bytes.logProb[0].isNaN && stored.bytes.entropyModelLogProb[0].isNaN)
            #expect(Array(stored.bytes.logProb.dropFirst()) == losses.dropFirst().map { Float(-$0) })
            let patcherLogits = direct.activations["patcher.hook_logits"]!
            let patcherLosses = try patcherLogits.values.withUnsafeBufferPointer {
                try ByteEntropy.nextByteLosses(logits: $0, rows: n, vocabulary: patcherLogits.columns, ids: direct.inputIDs)
            }
            #expect(Array(stored.bytes.entropyModelLogProb.dropFirst()) == patcherLosses.dropFirst().map { Float(-$0) })
            #expect(stored.bytes.count == n)
            #expect(stored.patches.length.map(Int.init) == direct.patchLengths)
            #expect(stored.bytes.patchID.map(Int.init) == direct.patchIDs)
            #expect(stored.bytes.entropy[0].isNaN)
            #expect(Array(stored.bytes.entropy.dropFirst()) == Array(direct.entropy!.dropLast()))
            let record = records[index]
            #expect(record.probePosition == n - 1)
            #expect(record.analysisSpan == 1..<(n - 1))

            let b = layout.byteLevelHooks.firstIndex(of: byteHook)!
            let encoder = direct.activations[byteHook]!
            for row in [1, n / 2, n - 1] {
                let expected = try SparsityValues(measuring: Array(encoder.row(row)))
                #expect(stored.byteMeasures.value("hoyer", row: row, hook: b, hookCount: layout.byteLevelHooks.count)
                        == Float(expected.hoyer))
                #expect(stored.byteMeasures.value("gini", row: row, hook: b, hookCount: layout.byteLevelHooks.count)
                        == Float(expected.gini))
            }
            let probe = layout.probeHooks.firstIndex(of: byteHook)!
            #expect(stored.probeMeasures.value("hoyer", row: 0, hook: probe, hookCount: layout.probeHooks.count)
                    == Float(try SparsityValues(measuring: Array(encoder.row(n - 1))).hoyer))
            let global = direct.activations[patchHook]!
            let lastPatch = direct.patchIDs[n - 1]
            let probeGlobal = layout.probeHooks.firstIndex(of: patchHook)!
            #expect(stored.probeMeasures.value("participation_ratio", row: 0, hook: probeGlobal, hookCount: layout.probeHooks.count)
                    == Float(try SparsityValues(measuring: Array(global.row(lastPatch))).participationRatio))
            // Mean entropy over the span, in bits, as the item metric.
            let span = record.analysisSpan
            let meanBits = span.reduce(0.0) { $0 + Double(direct.entropy![$1 - 1]) } / Double(span.count) / ByteEntropy.ln2
            let stored_ = record.metrics[ItemMetrics.names.firstIndex(of: ItemMetrics.meanEntropyBits)!]
            #expect(abs(stored_ - meanBits) <= 1e-12 * max(1, abs(meanBits)))
        }

        // The control arm ran the same bytes under fixed:4 patching.
        let control = try reader.item(at: 12)
        #expect(control.bytes.value == (try reader.item(at: 0)).bytes.value)
        #expect(control.patches.length.dropFirst().dropLast().allSatisfy { $0 == 4 })
        // The model-control arm ran the same bytes, cut into the trained model's patches, through random weights.
        for index in [0, 7] {
            let trained = try reader.item(at: index), untrained = try reader.item(at: 24 + index)
            #expect(untrained.bytes.value == trained.bytes.value)
            #expect(untrained.patches.length == trained.patches.length)
            #expect(untrained.probeMeasures.values["hoyer"] != trained.probeMeasures.values["hoyer"])
        }

        // Statistics per arm: entropy, loss and loss-association rows; (b)/(c)/(f) rows for every probe
        // hook × column, (d) rows per patch hook × column plus the primary strata; (g) per hook × column.
        let rows = try reader.statistics()
        let hooks = layout.probeHooks.count, columns = layout.measureColumns.count
        let primaryPatchHooks = plan.primaryHooks.filter { layout.patchLevelHooks.contains($0) }.count
        for test in ["entropy_tracks_level", "loss_tracks_level", "entropy_tracks_loss"] {
            #expect(rows.filter { $0.test == test }.count == 3)
        }
        for test in ["sparsity_tracks_level", "sparsity_beyond_entropy", "sparsity_tracks_loss"] {
            #expect(rows.filter { $0.test == test }.count == 3 * hooks * columns)
        }
        #expect(rows.filter { $0.test == "entropy_sparsity_patch_correlation" && $0.stratum.isEmpty }.count
                == 3 * layout.patchLevelHooks.count * columns)
        #expect(rows.filter { $0.test == "entropy_sparsity_patch_correlation" && !$0.stratum.isEmpty }.count
                == 3 * primaryPatchHooks * PatchLengthStratum.all.count)
        #expect(rows.filter { $0.test == "patching_interaction" }.count == hooks * columns)
        #expect(rows.filter { $0.test == "model_control_difference" }.count == hooks * columns)
        // The permutation null: one calibration row per trend test of the run's own arm, 20 shuffles each.
        let null = rows.filter { $0.test == "permutation_null_rate" }
        #expect(null.map(\.measure) == StudyAnalysis.nullTests.map(\.rawValue))
        #expect(null.allSatisfy { $0.n == 20 && ($0.estimate ?? -1) >= 0 && ($0.estimate ?? 2) <= 1 })
        // Every row of a lower-is-sparser measure says so, and its verdict is oriented accordingly.
        for row in rows where row.measure.hasPrefix("participation_ratio") { #expect(row.direction == "lower_is_sparser") }
        #expect(rows.allSatisfy { $0.n == 4 || $0.verdict == "insufficient data" || $0.test == "permutation_null_rate" })
        // Recomputing from the finished file reproduces the stored rows exactly.
        let recomputed = try StudyStatistics.analyze(reader, configuration: StudyRunner(plan: plan).statisticsConfiguration)
        #expect(StudyStatistics.storedRows(recomputed) == rows)

        // Every figure is a valid PNG, pixel-identical to rendering the figure again from the file.
        let data = try ReportData(reader: reader)
        let figures = try ReportFigures(data: data).all()
        #expect(figures.count == outcome.report!.figurePaths.count)
        #expect(figures.count >= 8)
        for (figure, path) in zip(figures, outcome.report!.figurePaths) {
            #expect(path.hasSuffix(figure.fileName))
            let png = try Canvas.readPNG(path: path)
            let expected = try figure.figure.render()
            #expect(png.width == expected.width && png.height == expected.height, "\(figure.fileName)")
            #expect(png.width >= 200 && png.height >= 100)
            #expect(png == expected, "\(figure.fileName) differs from a fresh render")
        }

        // REPORT.md: the difficulty check, the primary-hook verdicts with controls, clusters, agreement.
        let report = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        for heading in ["## Does each ladder get harder for the model?", "## Verdicts at the pre-registered primary hooks",
                        "## Exploratory: every hook, near-duplicates counted once", "## Do the measures and variants agree? (test b)",
                        "## Test (d) with patch length controlled"] {
            #expect(report.contains(heading), "\(heading)")
        }
        #expect(report.contains("| hook | (b) vs level | (f) vs measured loss | (c) beyond entropy, loss and input statistics | (b) under fixed:4 | (g) run − control |"
                                + " (b) in untrained `random-init:0` | (h) trained − untrained | reading |"))
        #expect(report.contains("## Calibration: verdicts under a permutation null"))
        // Test (c) holds the input statistics fixed and the reading names those it could not adjust for.
        let statisticsReader = try ProbeRunReader(path: outcome.finalPath)
        let cRows = try statisticsReader.statistics().filter { $0.test == StudyTest.sparsityBeyondEntropy.rawValue && $0.verdict != "insufficient data" }
        statisticsReader.close()
        #expect(!cRows.isEmpty && cRows.allSatisfy { $0.note.contains("span_bytes") })
        for row in cRows {
            let unadjusted = ReportMarkdown.unadjustedCovariates(row.note)
            #expect(unadjusted.allSatisfy { ["span_bytes", "span_patch_count", "non_ascii_fraction", "other_byte_fraction"].contains($0) },
                    "\(unadjusted) from \(row.note)")
        }
        #expect(ReportMarkdown.unadjustedCovariates("covariates: a; not adjusted for x (constant within items), y (VIF > 1e9 against the level and the other covariates); 2 item(s) dropped")
                == ["x", "y"])
        for hook in plan.primaryHooks { #expect(report.contains("| `\(hook)` |")) }
        #expect(report.contains("**Small sample.** n = 4"))
        for figure in figures { #expect(report.contains("(figures/\(figure.fileName))")) }
        #expect(report.contains("probe run --dataset custom:tiny.jsonl"))
    }

    @Test func reportRebuildIsIdenticalAndNeedsOnlyTheFile() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        let outcome = try isolatedRunner(try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("out")))).run()
        // Move the file elsewhere (no dataset, no model path needed) and rebuild.
        let moved = dir.file("elsewhere/run.h5")
        try FileManager.default.createDirectory(atPath: dir.file("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: outcome.finalPath, toPath: moved)
        try FileManager.default.removeItem(atPath: dataset)
        // The run drew its figures on one thread; the rebuild draws them on three.
        var builder = ReportBuilder(path: moved)
        builder.threads = 3
        let rebuilt = try builder.write(to: dir.file("elsewhere"))
        let original = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        let again = try String(contentsOfFile: rebuilt.reportPath, encoding: .utf8)
        #expect(again == original.replacingOccurrences(of: "`probe.h5`", with: "`run.h5`")
            .replacingOccurrences(of: "probe report probe.h5", with: "probe report run.h5"))
        #expect(outcome.report!.figurePaths.count == rebuilt.figurePaths.count)
        for (a, b) in zip(outcome.report!.figurePaths, rebuilt.figurePaths) {
            #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b), "\(a)")
            let csv = { (png: String) in (png as NSString).deletingPathExtension + ".csv" }
            if FileManager.default.fileExists(atPath: csv(a)) {
                #expect(FileManager.default.contents(atPath: csv(b)) != nil)
            }
        }
    }
}

extension EndToEndTests {
    /// `probe report --preset paper --format pdf,svg,png`: every figure in every format, each as wide as its
    /// column (3.3 in) or page (6.9 in); per-row heatmaps say so.
    @Test func paperPresetWritesEveryFigureInEveryFormat() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        let outcome = try isolatedRunner(try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("out")))).run()
        var builder = ReportBuilder(path: outcome.finalPath)
        builder.preset = .paper
        builder.figureFormats = [.pdf, .svg, .png]
        builder.rowScaling = .perRow
        let output = try builder.write(to: dir.file("paper"))
        let pngs = output.figurePaths.filter { $0.hasSuffix(".png") }
        #expect(pngs.count == outcome.report!.figurePaths.count)
        for png in pngs {
            let base = (png as NSString).deletingPathExtension
            for ext in ["svg", "pdf"] { #expect(output.figurePaths.contains(base + "." + ext), "\(base).\(ext)") }
            let svg = try String(contentsOfFile: base + ".svg", encoding: .utf8)
            // Cairo writes the page width in points: 3.3 in = 237.6 pt for a column, 6.9 in = 496.8 pt for a page.
            let width = svg.range(of: "width=\"").map { Double(svg[$0.upperBound...].prefix { $0 != "p" }) ?? 0 } ?? 0
            let name = (base as NSString).lastPathComponent
            let columnWide = ["trend_", "effect_by_layer_", "scatter_", "patch_lengths_"].contains { name.hasPrefix($0) }
            if columnWide { #expect(abs(width - 237.44) < 0.01, "\(name).svg is \(width) pt wide") }
            #expect(width <= 496.64 + 0.01, "\(name).svg is \(width) pt wide")
        }
        // The change heatmap's CSV carries each cell's interval (its hatching).
        let csv = try #require(pngs.first { $0.contains("ladder_layer_change_") }).replacingOccurrences(of: ".png", with: ".csv")
        #expect(try String(contentsOfFile: csv, encoding: .utf8).contains("level_index,level,group,layer,value,lower,upper"))
    }
}

extension Array {
    func repeated(_ times: Int) -> [Element] { (0..<times).flatMap { _ in self } }
}
