import Foundation
import BLTModel
import HDF5Store
import Metrics
import Plotting
import Statistics

/// The `--protocol sparsity-paper` analysis of a finished run, computed from the stored probe vectors
/// (`/activations/probe/<hook>`) alone: every ``Metrics/PaperSparsityMetric`` of every item's vector, then
/// ``Statistics/PaperReplication`` per (arm, ladder, hook, metric). `probe report` rebuilds it from the file;
/// `replication.csv` next to REPORT.md holds every row for other tools (and `check_replication.py`).
struct PaperReplicationTable {
    struct Entry {
        /// The base ladder (control arms carry it without the `@spec` suffix).
        let ladder: String
        /// "trained" or the control model's spec (`random-init:0`).
        let arm: String
        let hook: String
        let metric: PaperSparsityMetric
        let levelNames: [String]
        let row: PaperReplication.Row
    }

    /// What the paper reported for each metric (difficulty_and_metrics.md §A.6), shown beside our numbers.
    static func paperNumbers(_ m: PaperSparsityMetric) -> String {
        switch m {
        case .l1Norm: return "per item r −0.076 (DeepMath, Qwen2.5-3B); level means r −0.857 (MATH-500, Llama-3.2-3B)"
        case .top5pctEnergy: return "per item r +0.129 (DeepMath, Qwen2.5-3B); conflict Δ +0.057 (Qwen2.5-7B)"
        case .top10pctEnergy: return "per item r +0.130 (DeepMath); level means r +0.897 (MATH-500, Llama-3.2-3B)"
        case .effectiveRank: return "per item r −0.126 (DeepMath, Qwen2.5-3B); conflict Δ −0.027 (Qwen2.5-7B)"
        case .hoyer: return "conflict Δ +0.041 (Qwen2.5-7B)"
        case .l0Density: return "SG-ICL's ranking key: lower = harder (direction only)"
        case .top10pctL1Ratio, .effectiveRankL1: return "SG-ICL ranking variant (direction only)"
        case .kurtosisOfMagnitudes: return "reported, no direction claimed"
        case .top1pctEnergy, .gini, .participationRatio: return "direction only"
        }
    }

    /// The hooks the paper's position maps to, among the stored probe vectors: the decoder's final-norm
    /// state (the LM head's input) and the global transformer's last residual stream.
    static func paperHooks(_ layout: ProbeRunLayout) -> [String] {
        let stored = layout.activations.filter { $0.scope == .probe }.map(\.hook)
        var out: [String] = []
        if let final = stored.first(where: { HookName.name($0, is: .finalNorm, in: .decoder) }) { out.append(final) }
        let global = stored.filter { HookName.name($0, is: .residPost, in: .global) }
        if let last = global.max(by: { (HookName($0)?.layer ?? -1) < (HookName($1)?.layer ?? -1) }) { out.append(last) }
        return out
    }

    /// Every entry of the run (paper hooks × arms × ladders × metrics).
    static func compute(_ data: ReportData) throws -> [Entry] {
        let hooks = paperHooks(data.layout)
        let resamples = data.config.bootstrapResamples ?? 2000
        let seed = UInt64(data.config.statisticsSeed ?? "0") ?? 0
        var arms: [(name: String, ladder: (String) -> String?)] = [("trained", { $0 })]
        if let spec = data.modelControlSpec { arms.append((spec, { data.modelControlLadder(of: $0) })) }
        var entries: [Entry] = []
        for hook in hooks {
            guard let spec = data.layout.activations.first(where: { $0.scope == .probe && $0.hook == hook }) else { continue }
            let vectors = try data.reader.column("\(ProbeRunSchema.Group.activations)/\(spec.scope.groupName)/\(hook)", as: Float.self)
            let width = spec.width
            guard width > 0, vectors.count == data.records.count * width else {
                throw ProbingError.invalidOption(name: "protocol sparsity-paper",
                    detail: "\(data.path): /activations/probe/\(hook) holds \(vectors.count) values for \(data.records.count) items × width \(width)")
            }
            // Metrics of every item's vector, computed once.
            var metrics = [[Double]](repeating: [], count: data.records.count)
            for i in data.records.indices {
                do {
                    metrics[i] = try vectors.withUnsafeBufferPointer {
                        try PaperSparsityMetric.values(of: UnsafeBufferPointer(rebasing: $0[(i * width)..<((i + 1) * width)]))
                    }
                } catch let error as MetricsError {
                    // A stored vector with NaN/±∞ (a damaged or foreign file): name the file, hook and item.
                    throw ProbingError.invalidOption(name: "protocol sparsity-paper",
                        detail: "\(data.path): /activations/probe/\(hook) row \(i) (\(data.records[i].ladder)/\(data.records[i].levelName)/\(data.records[i].baseItemID)): \(error)")
                }
            }
            for ladder in data.ladders {
                for arm in arms {
                    guard let stored = arm.ladder(ladder) else { continue }
                    let items = data.items(of: stored)
                    let bases = data.baseItems(of: stored)
                    let position = Dictionary(uniqueKeysWithValues: bases.enumerated().map { ($1, $0) })
                    let levels = items.map { data.records[$0].levelIndex }
                    let clusters = items.map { position[data.records[$0].baseItemID]! }
                    for (k, metric) in PaperSparsityMetric.allCases.enumerated() {
                        let row = try PaperReplication.analyse(
                            levels: levels, clusters: clusters, values: items.map { metrics[$0][k] },
                            expectedSign: metric.sparserSign, resamples: resamples,
                            seed: PaperReplication.seed(base: seed, parts: ["paper", arm.name, ladder, hook, metric.rawValue]))
                        entries.append(Entry(ladder: ladder, arm: arm.name, hook: hook, metric: metric,
                                             levelNames: data.levels(of: stored).map(\.name), row: row))
                    }
                }
            }
        }
        return entries
    }

    /// Every entry as CSV (one header line; level means joined by ";").
    static func csv(_ entries: [Entry]) -> String {
        func n(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        var table = FigureTable(columns: ["arm", "ladder", "hook", "metric", "expected_sign", "items", "base_items", "level_names",
                                          "level_means", "level_sems", "level_means_pearson", "item_pearson", "item_spearman",
                                          "item_spearman_low", "item_spearman_high", "endpoint_difference", "endpoint_low",
                                          "endpoint_high", "verdict"])
        for e in entries {
            let r = e.row
            table.rows.append([e.arm, e.ladder, e.hook, e.metric.rawValue, String(e.metric.sparserSign), String(r.items),
                               String(r.baseItems), e.levelNames.joined(separator: ";"), r.levelMeans.map(n).joined(separator: ";"),
                               r.levelStandardErrors.map(n).joined(separator: ";"), n(r.levelMeansPearson), n(r.itemPearson),
                               n(r.itemSpearman?.estimate), n(r.itemSpearman?.low), n(r.itemSpearman?.high),
                               n(r.endpointDifference?.estimate), n(r.endpointDifference?.low), n(r.endpointDifference?.high),
                               r.verdict.rawValue])
        }
        return table.csv()
    }
}

extension ReportMarkdown {
    /// The replication section of a `--protocol sparsity-paper` run (empty otherwise).
    func replicationSection(_ entries: [PaperReplicationTable.Entry]) -> [String] {
        guard !entries.isEmpty else { return [] }
        var lines = ["## Sparsity paper replication (Jin et al. 2026)", ""]
        lines.append("The paper measures the last layer's state after the final norm at the last prompt position and reads "
                     + "a sparser state as a sign of a harder, more out-of-distribution input. Here: the same twelve metrics with "
                     + "the paper code's exact definitions (top-k with k = max(1, ⌊ρd⌋), kurtosis of |h|, energy and L1 variants "
                     + "named apart), read at the last byte of the fixed `Answer:` line (probe suffix) of every prompt, on byte-level "
                     + "versions of its axes. **Verdict** per metric and ladder: per-item Spearman ρ between level index and metric "
                     + "with a 95 % cluster-bootstrap interval over base items — *replicated* when it excludes 0 on the side the "
                     + "paper predicts, *opposite* when it excludes 0 on the other side, *not replicated* when it includes 0. The "
                     + "paper's own statistic, Pearson r over level means (n = number of levels), is shown but not used: with 3–4 "
                     + "points it is large for almost any monotone drift. All rows: `replication.csv`.")
        let ladders = Array(Set(entries.map(\.ladder))).sorted { a, b in
            (entries.firstIndex { $0.ladder == a } ?? 0) < (entries.firstIndex { $0.ladder == b } ?? 0)
        }
        let hooks = entries.reduce(into: [String]()) { if !$0.contains($1.hook) { $0.append($1.hook) } }
        let arms = entries.reduce(into: [String]()) { if !$0.contains($1.arm) { $0.append($1.arm) } }
        for arm in arms {
            for hook in hooks {
                lines.append("")
                let who = arm == "trained" ? "trained model" : "\(data.modelControlAdjective) control `\(arm)`"
                lines.append("**\(who), `\(hook)`** — verdict, ρ [95 % CI]")
                lines.append("")
                lines.append("| metric | paper predicts | " + ladders.map { Self.cell($0) }.joined(separator: " | ") + " | paper reported |")
                lines.append("|---|---|" + ladders.map { _ in "---" }.joined(separator: "|") + "|---|")
                for metric in PaperSparsityMetric.allCases {
                    let predicted = metric.sparserSign > 0 ? "rises" : metric.sparserSign < 0 ? "falls" : "—"
                    let cells = ladders.map { ladder -> String in
                        guard let e = entries.first(where: { $0.arm == arm && $0.hook == hook && $0.ladder == ladder && $0.metric == metric }),
                              let s = e.row.itemSpearman else { return "—" }
                        let verdict = e.row.verdict == .noClaim ? "" : "**\(e.row.verdict.rawValue)** "
                        return "\(verdict)\(Self.number(s.estimate)) [\(Self.number(s.low)), \(Self.number(s.high))]"
                    }
                    lines.append("| \(metric.displayName) `\(metric.rawValue)` | \(predicted) | " + cells.joined(separator: " | ")
                                 + " | \(PaperReplicationTable.paperNumbers(metric)) |")
                }
            }
        }
        // Per-level means of the headline metrics, trained model, the paper's own hook.
        if let hook = hooks.first {
            lines.append("")
            lines.append("**Per-level means ± SE, trained model, `\(hook)`** (the paper's figures plot these), the paper's r over "
                         + "level means, and the paired difference last − first level per base item [95 % bootstrap CI]")
            lines.append("")
            lines.append("| ladder | metric | levels (first → last) | r over level means | paired last − first |")
            lines.append("|---|---|---|---|---|")
            for ladder in ladders {
                for metric in [PaperSparsityMetric.l1Norm, .top5pctEnergy, .top10pctEnergy, .effectiveRank, .hoyer] {
                    guard let e = entries.first(where: { $0.arm == "trained" && $0.hook == hook && $0.ladder == ladder && $0.metric == metric })
                    else { continue }
                    let cells = zip(e.levelNames, zip(e.row.levelMeans, e.row.levelStandardErrors)).map { name, v in
                        "\(Self.cell(name)): \(Self.number(v.0)) ± \(Self.number(v.1))"
                    }
                    let paired = e.row.endpointDifference.map { "\(Self.number($0.estimate)) [\(Self.number($0.low)), \(Self.number($0.high))]" } ?? "—"
                    lines.append("| \(Self.cell(ladder)) | \(metric.displayName) | \(cells.joined(separator: "; ")) | "
                                 + "\(Self.number(e.row.levelMeansPearson)) | \(paired) |")
                }
            }
        }
        lines.append("")
        var reading: [String] = []
        for arm in arms {
            let claims = entries.filter { $0.arm == arm && $0.row.verdict != .noClaim && $0.hook == hooks.first }
            let count = { (v: PaperReplication.Verdict) in claims.filter { $0.row.verdict == v }.count }
            let who = arm == "trained" ? "the trained model" : "the \(data.modelControlAdjective) control `\(arm)`"
            reading.append("for \(who) \(count(.replicated)) of \(claims.count) (metric, ladder) claims replicate, "
                           + "\(count(.opposite)) go the opposite way and \(count(.notReplicated)) show no evidence either way")
        }
        let claimCount = entries.filter { $0.arm == "trained" && $0.row.verdict != .noClaim && $0.hook == hooks.first }.count
        lines.append("**Reading.** At the paper's hook (`\(hooks.first ?? "")`), " + reading.joined(separator: "; ") + ". "
                     + "Intervals are 95 % per claim, not corrected for the \(claimCount) claims (the metrics are strongly correlated "
                     + "views of one vector), so about \(Self.number((Double(claimCount) * 0.05).rounded())) verdicts either way are "
                     + "expected by chance alone. A claim that also holds for the control model is one that input statistics alone "
                     + "produce, not evidence about what the model learned.")
        return lines
    }
}
