import BLTModel
import Foundation
import HDF5Store
import Metrics
import ModelCore
import Plotting
import Statistics

/// The causal check of `probe intervene RUN.h5`: does making a hard item's hidden state as sparse as the
/// easy items' change how well the model predicts it?
///
/// For each ladder of a finished run, the first (easiest) and last (hardest) level's items are run again
/// through the run's model with the run's own patches (`.explicit`, read from the file). At one hook
/// (default: the last global-transformer residual stream, the state every byte of the decoder reads),
/// every row h is edited in two ways:
/// - **sparsify**: keep the k largest |hᵢ| and zero the rest, where k/d is the easiest level's mean share of
///   dimensions holding ``energyShare`` of a row's energy (measured at the same hook on the same ladder's
///   easy items), so the row becomes about as concentrated as an easy item's;
/// - **shrink** (control): scale h by ‖sparsify(h)‖/‖h‖ — the same norm as the sparsified row with the
///   original shape, so a loss change common to both is the energy removed, not the sparsity.
///
/// The measured effect is the change of the model's loss (bits per byte over the item's analysis span),
/// paired per item: Δsparsify, Δshrink and their difference Δsparsify − Δshrink, each with a 95 % bootstrap
/// interval over base items. A negative difference on hard items says a sparser state (at equal energy)
/// makes the model better at them — the "sparsification stabilises performance" reading; zero says
/// sparsity at this hook is not what the model's performance rests on.
public struct SparsificationCheck: Sendable {
    public struct Row: Sendable, Equatable {
        public var ladder: String
        public var level: String
        /// Kept dimensions per row (k) out of the hook's width d.
        public var kept: Int
        public var width: Int
        public var items: Int
        /// Mean loss before the edit (bits/byte).
        public var baselineBits: Double
        public var sparsify: BootstrapInterval?
        public var shrink: BootstrapInterval?
        public var difference: BootstrapInterval?
    }

    /// Energy share that defines an easy row's "dimensions in use".
    public var energyShare = 0.9
    /// Items per level (the first ones of the file's order); nil = all.
    public var limit: Int?
    public var resamples = 2000
    public var seed: UInt64 = 0

    public init() {}

    /// The smallest k whose top-k share of Σhᵢ² reaches `share` (d for a zero row).
    static func dimensionsHolding(_ share: Double, of row: ArraySlice<Float>) -> Int {
        let squares = row.map { Double($0) * Double($0) }.sorted(by: >)
        let total = squares.reduce(0, +)
        guard total > 0 else { return row.count }
        var sum = 0.0
        for (i, s) in squares.enumerated() {
            sum += s
            if sum >= share * total { return i + 1 }
        }
        return row.count
    }

    /// Keeps the `k` largest-magnitude entries of every row (ties: lower index first).
    static func sparsify(_ buffer: UnsafeMutableBufferPointer<Float>, columns d: Int, keep k: Int) {
        for r in 0..<(buffer.count / d) {
            let row = UnsafeMutableBufferPointer(rebasing: buffer[(r * d)..<((r + 1) * d)])
            let order = row.indices.sorted { abs(row[$0]) != abs(row[$1]) ? abs(row[$0]) > abs(row[$1]) : $0 < $1 }
            for i in order.dropFirst(k) { row[i] = 0 }
        }
    }

    /// Scales every row to the norm its sparsified version would have.
    static func shrink(_ buffer: UnsafeMutableBufferPointer<Float>, columns d: Int, keep k: Int) {
        for r in 0..<(buffer.count / d) {
            let row = UnsafeMutableBufferPointer(rebasing: buffer[(r * d)..<((r + 1) * d)])
            let squares = row.map { Double($0) * Double($0) }
            let total = squares.reduce(0, +)
            guard total > 0 else { continue }
            let kept = squares.sorted(by: >).prefix(k).reduce(0, +)
            let factor = Float((kept / total).squareRoot())
            for i in row.indices { row[i] *= factor }
        }
    }

    /// Runs the check on every ladder of `reader`'s run arm with `model` (the run's model) at `hook`.
    /// - Throws: ``ProbingError`` when the hook is not a hook of the model, forward errors.
    public func run(reader: ProbeRunReader, model: any ByteLevelModel, hook: String,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> [Row] {
        guard let point = model.hookPoints.first(where: { $0.name == hook }), let d = point.columns, d > 0 else {
            throw ProbingError.invalidOption(name: "--hook", detail: "'\(hook)' is not a hook of this model with a fixed width (see `probe hooks`)")
        }
        let records = try reader.itemRecords()
        let specs = StudyStatistics.controlSpecs(reader.provenance)
        var ladders: [String] = []
        for r in records where !ladders.contains(r.ladder) && StudyArm.split(r.ladder, controlSpecs: specs).spec == nil {
            ladders.append(r.ladder)
        }
        // The items of each ladder's first and last level.
        var plan: [(ladder: String, level: String, items: [Int])] = []
        for ladder in ladders {
            let indices = records.indices.filter { records[$0].ladder == ladder }
            guard let first = indices.map({ records[$0].levelIndex }).min(),
                  let last = indices.map({ records[$0].levelIndex }).max(), first < last else { continue }
            for level in [first, last] {
                let chosen = indices.filter { records[$0].levelIndex == level }
                plan.append((ladder, records[chosen[0]].levelName, Array(chosen.prefix(limit ?? chosen.count))))
            }
        }
        let total = plan.reduce(0) { $0 + $1.items.count } * 3
        var done = 0
        var rows: [Row] = []
        var keepByLadder: [String: Int] = [:]
        for (ladder, level, items) in plan {
            let inputs = try items.map { try Self.input(reader: reader, item: $0) }
            // The easiest level comes first: its unedited forwards also capture the hook, whose rows'
            // concentration fixes k for the ladder before any edit runs.
            let measuresConcentration = keepByLadder[ladder] == nil
            var baseline: [Double] = [], sparsified: [Double] = [], shrunk: [Double] = [], shares: [Double] = []
            func loss(_ j: Int, capture: Bool = false, _ edit: ((UnsafeMutableBufferPointer<Float>) -> Void)? = nil) throws -> Double {
                var hooks = capture ? HookSet(capture: [hook]) : HookSet()
                if let edit { hooks.intervene(hook, .custom { buffer, _ in edit(buffer) }) }
                let result = try model.forward(bytes: inputs[j].0, options: ForwardOptions(patching: .explicit(inputs[j].1), hooks: hooks))
                if capture, let a = result.activations[hook] {
                    for r in 0..<a.rows {
                        shares.append(Double(Self.dimensionsHolding(energyShare, of: a.values[(r * d)..<((r + 1) * d)])) / Double(d))
                    }
                }
                guard let logits = result.logits else { return .nan }
                let losses = try logits.values.withUnsafeBufferPointer {
                    try ByteEntropy.nextByteLosses(logits: $0, rows: result.inputIDs.count, vocabulary: logits.columns, ids: result.inputIDs)
                }
                let positions = records[items[j]].analysisSpan.filter { $0 < losses.count }
                return positions.isEmpty ? .nan : ByteEntropy.bits(fromNats: positions.reduce(0) { $0 + losses[$1] } / Double(positions.count))
            }
            for j in items.indices {
                baseline.append(try loss(j, capture: measuresConcentration))
                done += 1
                progress(done, total)
            }
            if measuresConcentration {
                let mean = shares.isEmpty ? 1 : shares.reduce(0, +) / Double(shares.count)
                keepByLadder[ladder] = min(d, max(1, Int((mean * Double(d)).rounded())))
            }
            let k = keepByLadder[ladder]!
            for j in items.indices {
                sparsified.append(try loss(j) { Self.sparsify($0, columns: d, keep: k) })
                shrunk.append(try loss(j) { Self.shrink($0, columns: d, keep: k) })
                done += 2
                progress(done, total)
            }
            let n = baseline.count
            let resampleSets = ClusterBootstrap.resampleIndices(clusterCount: n, count: resamples,
                                                                seed: PaperReplication.seed(base: seed, parts: ["intervene", ladder, level, hook]))
            func interval(_ value: (Int) -> Double) throws -> BootstrapInterval? {
                try ClusterBootstrap.interval(clusterCount: n, resamples: resampleSets, method: .percentile) { chosen in
                    let v = chosen.map(value).filter(\.isFinite)
                    return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
                }
            }
            rows.append(Row(ladder: ladder, level: level, kept: k, width: d, items: n,
                            baselineBits: baseline.reduce(0, +) / Double(max(1, n)),
                            sparsify: try interval { sparsified[$0] - baseline[$0] },
                            shrink: try interval { shrunk[$0] - baseline[$0] },
                            difference: try interval { sparsified[$0] - shrunk[$0] }))
        }
        return rows
    }

    /// The model input of stored item `i`: its bytes (BOS dropped) and the run's own patch lengths.
    static func input(reader: ProbeRunReader, item i: Int) throws -> ([UInt8], [Int]) {
        let item = try reader.item(at: i)
        let bytes = item.bytes.value.dropFirst().map { UInt8(clamping: $0) }
        return (bytes, item.patches.length.map(Int.init))
    }
}

extension SparsificationCheck {
    /// INTERVENTION.md: what was edited, the table, and a reading that goes no further than the intervals.
    public func markdown(_ rows: [Row], hook: String, runPath: String, commandLine: [String]) -> String {
        func n(_ v: Double?) -> String { ReportMarkdown.number(v) }
        func ci(_ b: BootstrapInterval?) -> String { b.map { "\(n($0.estimate)) [\(n($0.low)), \(n($0.high))]" } ?? "—" }
        var md = ["# Causal check: sparsify the hidden state, measure the loss", ""]
        md.append("Run: `\(URL(fileURLWithPath: runPath).lastPathComponent)`; command: `\(commandLine.map(ReportMarkdown.shellQuoted).joined(separator: " "))`.")
        md.append("")
        md.append("At `\(hook)`, every row h of the easiest and the hardest level's items is edited, with the run's own patches: "
                  + "**sparsify** keeps the k largest |hᵢ| (k = the easiest level's mean number of dimensions holding "
                  + "\(n(energyShare * 100)) % of a row's energy at this hook, so rows become about as concentrated as an easy "
                  + "item's) and zeroes the rest; **shrink** scales h to the same norm without changing its shape (the control "
                  + "for the energy removed). Δ = change of the model's loss over the item's analysis span (bits/byte), mean "
                  + "over items with a 95 % bootstrap CI over base items; **sparsify − shrink** isolates the concentration.")
        md.append("")
        md.append("| ladder | level | k / d | items | loss before | Δ sparsify | Δ shrink | sparsify − shrink |")
        md.append("|---|---|---|---|---|---|---|---|")
        for r in rows {
            md.append("| \(ReportMarkdown.cell(r.ladder)) | \(ReportMarkdown.cell(r.level)) | \(r.kept) / \(r.width) | \(r.items) | "
                      + "\(n(r.baselineBits)) | \(ci(r.sparsify)) | \(ci(r.shrink)) | \(ci(r.difference)) |")
        }
        md.append("")
        md.append("**Reading.** A sparsify − shrink interval below 0 on the hardest level means a state as concentrated as an easy "
                  + "item's (at equal energy) makes the model better at hard items; above 0, worse; an interval that includes 0 "
                  + "says this hook's concentration is not what the loss rests on. The same edit on the easiest level shows what it "
                  + "does to items that are already that concentrated.")
        var lines: [String] = []
        for r in rows {
            guard let d = r.difference else { continue }
            let word = d.high < 0 ? "lowers" : d.low > 0 ? "raises" : "does not measurably change"
            let share = r.baselineBits > 0 ? " = \(n(100 * d.estimate / r.baselineBits)) % of its \(n(r.baselineBits)) bits/byte" : ""
            lines.append("- \(ReportMarkdown.cell(r.ladder)), \(ReportMarkdown.cell(r.level)): sparsifying (beyond shrinking) \(word) the loss "
                         + "(\(ci(d)) bits/byte\(share)).")
        }
        md += [""] + lines
        return md.joined(separator: "\n") + "\n"
    }

    /// The rows as CSV.
    public func csv(_ rows: [Row], hook: String) -> String {
        func n(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        var table = FigureTable(columns: ["ladder", "level", "hook", "kept", "width", "items", "baseline_bits", "sparsify", "sparsify_low",
                                          "sparsify_high", "shrink", "shrink_low", "shrink_high", "difference", "difference_low",
                                          "difference_high"])
        for r in rows {
            table.rows.append([r.ladder, r.level, hook, String(r.kept), String(r.width), String(r.items), n(r.baselineBits),
                               n(r.sparsify?.estimate), n(r.sparsify?.low), n(r.sparsify?.high),
                               n(r.shrink?.estimate), n(r.shrink?.low), n(r.shrink?.high),
                               n(r.difference?.estimate), n(r.difference?.low), n(r.difference?.high)])
        }
        return table.csv()
    }
}

extension SparsificationCheck {
    /// What `probe intervene` wrote.
    public struct Output: Sendable {
        public var markdownPath: String
        public var csvPath: String
        public var rows: [Row]
        public var hook: String
    }

    /// Loads the run's model (from `modelDirectory`, else the path the run recorded; its files must have the
    /// SHA-256s the run recorded), runs the check and writes `INTERVENTION.md` and `intervention.csv` to
    /// `outDirectory` (default: the run's folder), atomically.
    /// - Throws: ``ProbingError`` for an unfinished run or shard, a model whose files differ from the run's,
    ///   an unknown hook, unwritable output.
    public func perform(runPath: String, modelDirectory: String?, hook requestedHook: String?, outDirectory: String?,
                        commandLine: [String], progress: (Int, Int) -> Void = { _, _ in }) throws -> Output {
        let reader = try ProbeRunReader(path: runPath)
        defer { reader.close() }
        if let shard = try reader.shard() { throw ProbingError.shardIsNotAStudy(path: runPath, shard: "\(shard.index)/\(shard.count)") }
        let directory = URL(fileURLWithPath: modelDirectory ?? reader.provenance.modelPath).standardizedFileURL
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
            throw ProbingError.modelConfigMissing(directory: directory.path)
        }
        // The check must use the very weights the run measured.
        let files = try FileProvenance.modelFiles(in: directory)
        for recorded in reader.provenance.modelFiles {
            let name = URL(fileURLWithPath: recorded.path).lastPathComponent
            guard let here = files.first(where: { URL(fileURLWithPath: $0.path).lastPathComponent == name }), here.sha256 == recorded.sha256 else {
                throw ProbingError.invalidOption(name: "--model",
                    detail: "\(directory.path) is not the run's model: \(name) differs from or is missing against the SHA-256 recorded in \(runPath)")
            }
        }
        let config = RunConfiguration(json: reader.provenance.configJSON)
        let source = config.modelSource.flatMap(ModelSource.init) ?? .blt
        let precision = config.compute.flatMap(MatrixPrecision.init(rawValue:)) ?? .fp32
        let model = try source.load(directory: directory, config: try BLTConfig(contentsOf: directory.appendingPathComponent("config.json")),
                                    precision: precision)
        let hook = requestedHook ?? model.hookPoints.filter { HookName.name($0.name, is: .residPost, in: .global) }.last?.name
            ?? model.hookPoints.filter { HookName.name($0.name, is: .residPost) }.last?.name ?? ""
        var check = self
        if let s = config.statisticsSeed.flatMap(UInt64.init) { check.seed = s }
        let rows = try check.run(reader: reader, model: model, hook: hook, progress: progress)
        let out = URL(fileURLWithPath: outDirectory ?? URL(fileURLWithPath: runPath).deletingLastPathComponent().path)
        let markdownPath = out.appendingPathComponent("INTERVENTION.md").path, csvPath = out.appendingPathComponent("intervention.csv").path
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try SafeFile.atomicWrite(Array(check.markdown(rows, hook: hook, runPath: runPath, commandLine: commandLine).utf8), to: markdownPath)
            try SafeFile.atomicWrite(Array(check.csv(rows, hook: hook).utf8), to: csvPath)
        } catch {
            throw ProbingError.outputNotWritable(path: out.path, detail: error.localizedDescription)
        }
        return Output(markdownPath: markdownPath, csvPath: csvPath, rows: rows, hook: hook)
    }
}
