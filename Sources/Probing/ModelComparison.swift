import Foundation
import HDF5Store
import Plotting
import Statistics

/// Several finished runs of the same study on different models (a checkpoint sweep: blt-1b vs blt-7b,
/// a trained model vs its control, training stages), side by side: `COMPARE.md`.
///
/// The runs must hold the same items (same dataset manifest SHA-256, so every model saw the same bytes)
/// and the same study settings apart from the model (the run configurations are compared with
/// `model_name`, `hooks`, `primary_hooks` and `patching` left out: models of other depths have other hook
/// names, and `--patching entropy` resolves to each model's own threshold; the table shows each). Primary hooks are matched by role: the *k*-th pre-registered primary hook of each run is the
/// same component (patcher, encoder, global, decoder final norm), whatever its layer number.
public struct ModelComparison {
    /// One run: its file and a short label (the model folder's name).
    public struct Run {
        public let path: String
        public let label: String
        let reader: ProbeRunReader
        let rows: [ProbeRunStatisticRow]
        let primaryHooks: [String]
    }

    public let runs: [Run]
    /// The study's primary sparsity measure (the first run's configuration; the runs share their settings).
    let primaryMeasure: String

    /// Opens and checks the runs (at least two).
    /// - Throws: ``ProbingError/comparisonInvalid(detail:)`` naming the file and what differs.
    public init(paths: [String]) throws {
        guard paths.count >= 2, paths.count <= 64 else {
            throw ProbingError.comparisonInvalid(detail: "give 2 to 64 finished runs, got \(paths.count)")
        }
        var runs: [Run] = []
        for path in paths {
            try SafeFile.checkRegularInput(path, what: "probe-run file")
            let reader = try ProbeRunReader(path: path)
            if let shard = try reader.shard() {
                throw ProbingError.shardIsNotAStudy(path: path, shard: "\(shard.index)/\(shard.count)")
            }
            let config = RunConfiguration(json: reader.provenance.configJSON)
            let label = config.modelName ?? URL(fileURLWithPath: reader.provenance.modelPath).lastPathComponent
            runs.append(Run(path: path, label: label, reader: reader, rows: try reader.statistics(),
                            primaryHooks: config.primaryHooks ?? []))
        }
        let first = runs[0]
        for run in runs.dropFirst() {
            guard run.reader.provenance.datasetManifestSHA256 == first.reader.provenance.datasetManifestSHA256 else {
                throw ProbingError.comparisonInvalid(detail: "\(run.path) holds other items than \(first.path) (dataset manifest differs)")
            }
            guard Self.studySettings(run.reader.provenance) == Self.studySettings(first.reader.provenance) else {
                throw ProbingError.comparisonInvalid(detail: "\(run.path) was run with other study settings than \(first.path) "
                    + "(configuration differs beyond the model and its hook names)")
            }
            guard run.primaryHooks.count == first.primaryHooks.count else {
                throw ProbingError.comparisonInvalid(detail: "\(run.path) has \(run.primaryHooks.count) primary hooks, \(first.path) \(first.primaryHooks.count)")
            }
        }
        self.runs = runs
        primaryMeasure = Self.config(runs[0].reader.provenance).primarySparsityMeasure ?? "hoyer"
    }

    public func close() { for run in runs { run.reader.close() } }

    static func config(_ provenance: ProbeRunProvenance) -> RunConfiguration { RunConfiguration(json: provenance.configJSON) }

    /// The run configuration without what legitimately differs between models.
    static func studySettings(_ provenance: ProbeRunProvenance) -> RunConfiguration {
        var c = config(provenance)
        c.modelName = nil; c.hooks = nil; c.primaryHooks = nil; c.referenceRule = nil; c.patching = nil
        return c
    }

    /// One cell: the oriented verdict, estimate and CI of a stored row ("—" when absent).
    static func cell(_ row: ProbeRunStatisticRow?, sparsity: Bool) -> String {
        guard let r = row else { return "—" }
        func f(_ v: Double?) -> String { v.map { String(format: "%.3g", $0) } ?? "—" }
        var verdict = r.verdict
        if sparsity {
            if r.verdict == Verdict.tracksDifficulty.rawValue { verdict = "**sparser**" }
            if r.verdict == Verdict.tracksInversely.rawValue { verdict = "**denser**" }
        } else if r.verdict == Verdict.tracksDifficulty.rawValue || r.verdict == Verdict.tracksInversely.rawValue {
            verdict = "**\(r.verdict)**"
        }
        return "\(verdict) \(f(r.estimate)) [\(f(r.ciLow)), \(f(r.ciHigh))]"
    }

    /// The side-by-side report.
    public func markdown() -> String {
        let first = runs[0]
        let roles = Self.roles
        var md = ["# ByteLens model comparison: \(MarkdownText.cell(first.reader.provenance.datasetName))", "",
                  "The same study (same items: dataset manifest sha256 `\(first.reader.provenance.datasetManifestSHA256.prefix(16))…`, "
                  + "same settings) on \(runs.count) models. Each cell: verdict, estimate [95 % CI] as in each run's REPORT.md; "
                  + "primary hooks are matched by component (the k-th pre-registered primary hook of every model).", "",
                  "| model | file | patching | model files (sha256) | items |", "|---|---|---|---|---|"]
        for run in runs {
            let hashes = run.reader.provenance.modelFiles.map { "`\($0.path)` \($0.sha256.prefix(12))…" }.joined(separator: ", ")
            let patching = Self.config(run.reader.provenance).patching ?? "?"
            md.append("| **\(MarkdownText.cell(run.label))** | `\(MarkdownText.cell(run.path))` | `\(MarkdownText.cell(patching))` | \(hashes) | \(run.reader.completedItemCount) |")
        }
        md.append("")
        let header = "| | " + runs.map { "**\(MarkdownText.cell($0.label))**" }.joined(separator: " | ") + " |"
        let rule = "|---|" + runs.map { _ in "---|" }.joined()
        for ladder in ladders {
            md += ["## \(MarkdownText.cell(ladder))", "", header, rule]
            func line(_ title: String, _ test: StudyTest, primary k: Int?) {
                let cells = runs.map { Self.cell(row($0, test, ladder: ladder, primary: k), sparsity: k != nil) }
                md.append("| \(title) | " + cells.joined(separator: " | ") + " |")
            }
            line("(0) model's loss tracks level", .lossTracksLevel, primary: nil)
            line("(a) entropy tracks level", .entropyTracksLevel, primary: nil)
            for k in first.primaryHooks.indices {
                let role = k < roles.count ? roles[k] : "primary \(k)"
                line("(b) \(primaryMeasure) at \(role)", .sparsityTracksLevel, primary: k)
                line("(h) \(role): trained − untrained", .modelControlDifference, primary: k)
                line("(c) \(role) beyond entropy, loss and input statistics", .sparsityBeyondEntropy, primary: k)
            }
            md.append("")
            md.append("![Effect size of every question across the models, with 95 % CIs (\(MarkdownText.cell(ladder))).](\(Self.chartFileName(ladder)))")
            md.append("")
        }
        md.append("Hooks per model: " + runs.map { "\(MarkdownText.cell($0.label)): " + $0.primaryHooks.map { "`\($0)`" }.joined(separator: ", ") }
            .joined(separator: "; ") + ".")
        return md.joined(separator: "\n") + "\n"
    }

    /// Writes `directory/COMPARE.md` atomically; returns its path.
    public func write(to directory: String) throws -> String {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("COMPARE.md").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (ladder, chart) in charts() {
                let png = URL(fileURLWithPath: directory).appendingPathComponent(Self.chartFileName(ladder)).path
                try chart.writePNG(to: png)
                var table = chart.table()
                table.notes.insert("data of \(Self.chartFileName(ladder)); redraw: probe compare with the same runs", at: 0)
                try SafeFile.atomicWrite(Array(table.csv().utf8), to: (png as NSString).deletingPathExtension + ".csv")
            }
            try SafeFile.atomicWrite(Array(markdown().utf8), to: path)
        } catch {
            throw ProbingError.outputNotWritable(path: directory, detail: "writing COMPARE.md: \(error.localizedDescription)")
        }
        return path
    }
}
