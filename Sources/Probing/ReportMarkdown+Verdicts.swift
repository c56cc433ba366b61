import Foundation
import HDF5Store
import Statistics

/// The verdict sections of REPORT.md: does each ladder get harder for the model, the pre-registered
/// primary hooks with every control next to each other, the exploratory count over clusters of
/// near-duplicate hooks, and where the measures and variants agree.
extension ReportMarkdown {
    func verdictSections() -> [String] {
        var md = difficultySection()
        md.append("")
        md += primarySection()
        md.append("")
        md += nullSection()
        md.append("")
        md += predictorSection()
        md.append("")
        md += clusterSection()
        md.append("")
        md += agreementSection()
        md.append("")
        md += patchStrataSection()
        return md
    }

    func rows(_ test: StudyTest, ladder: String, hook: String? = nil, measure: String? = nil) -> [StudyResultRow] {
        data.statistics.filter { (r: StudyResultRow) -> Bool in
            guard r.test == test, r.ladder == ladder, r.stratum.isEmpty else { return false }
            if let hook, r.hook != hook { return false }
            if let measure, r.measure != measure { return false }
            return true
        }
    }

    /// "sparser"/"denser" (or "higher"/"lower" for entropy and loss rows) with estimate, CI and Holm p.
    func cell(_ row: StudyResultRow?, up: String = "sparser", down: String = "denser") -> String {
        guard let r = row else { return "not tested" }
        let numbers = "\(Self.number(r.estimate)) \(Self.interval(r)), p \(Self.pValue(r.correctedP))"
        switch r.verdict {
        case .tracksDifficulty: return "**\(up)** \(numbers)"
        case .tracksInversely: return "**\(down)** \(numbers)"
        case .insufficientData:
            guard r.note.contains("no difference in any item") else { return "insufficient data" }
            return r.test == .patchingInteraction ? "identical in both arms (before patching)" : "identical in both models"
        case .noEvidence:
            if r.isEquivalentToZero(), let d = r.equivalenceDelta {
                return "≈ 0 (equivalent within ±\(Self.number(d)), TOST p \(Self.pValue(r.tostP))) \(numbers)"
            }
            return "no evidence \(numbers)" + (minimumDetectableEffect(r).map { "; MDE ≈ \(Self.number($0))" } ?? "")
        }
    }

    /// The smallest |effect| this row's test would detect with 80 % power at the run's n: (z₁₋α′/₂ + z₀.₈) × SE,
    /// with SE read from the row's 95 % bootstrap CI (width / 2·1.96) and α′ = α / m, m = the row's Holm
    /// family size (the strictest Holm step). A normal approximation, shown beside "no evidence" so an
    /// inconclusive result says how large an effect it could have missed.
    func minimumDetectableEffect(_ r: StudyResultRow) -> Double? {
        guard let lo = r.ciLow, let hi = r.ciHigh, hi > lo, r.test != .permutationNullRate else { return nil }
        let family = data.statistics.filter { $0.test == r.test && $0.isPrimary == r.isPrimary && $0.stratum == r.stratum
            && ($0.ladder == r.ladder) }.count
        let alpha = 0.05 / Double(max(1, family))
        let se = (hi - lo) / (2 * SpecialFunctions.normalQuantile(0.975))
        return (SpecialFunctions.normalQuantile(1 - alpha / 2) + SpecialFunctions.normalQuantile(0.8)) * se
    }

    // MARK: The permutation null

    func nullSection() -> [String] {
        let rows = data.statistics.filter { $0.test == .permutationNullRate }
        guard !rows.isEmpty else { return [] }
        var lines = ["## Calibration: verdicts under a permutation null", ""]
        let shuffles = rows.map(\.n).max() ?? 0
        lines.append("The level labels are shuffled within every item (\(shuffles) shuffles; one permutation per item, applied to all "
                     + "its values; the model's loss gets a second, independent permutation so that its association with entropy and "
                     + "sparsity, tests (e) and (f), is broken too), and the shuffled data go through the same tests, bootstrap CIs, "
                     + "Holm families and verdict rule. "
                     + "A shuffle counts as a false positive for a test when any of its primary rows gets a verdict. A calibrated "
                     + "pipeline stays at or below α = 0.05; the interval is the exact (Clopper–Pearson) 95 % CI of the rate.")
        lines.append("")
        lines.append("| ladder | test | false-positive rate | 95 % CI | at most α = 0.05? |")
        lines.append("|---|---|---|---|---|")
        for r in rows {
            let label = StudyTest(rawValue: r.measure).map { "\(Self.testLabel($0)) `\($0.rawValue)`" } ?? "`\(r.measure)`"
            let ok = (r.estimate ?? 1) <= 0.05 ? "yes"
                : ((r.ciLow ?? 1) > 0.05 ? "**no**: this test's verdicts are too liberal here" : "above 0.05, but its CI includes 0.05")
            lines.append("| \(Self.cell(r.ladder)) | \(label) | \(Self.number(r.estimate)) (\(Self.cell(r.note))) | \(Self.interval(r)) | \(ok) |")
        }
        return lines
    }

    /// "(b)"-style letter of a test, as used throughout the report.
    static func testLabel(_ test: StudyTest) -> String {
        switch test {
        case .lossTracksLevel: return "(0)"
        case .entropyTracksLevel: return "(a)"
        case .sparsityTracksLevel: return "(b)"
        case .sparsityBeyondEntropy: return "(c)"
        case .entropySparsityPatchCorrelation: return "(d)"
        case .entropyTracksLoss: return "(e)"
        case .sparsityTracksLoss: return "(f)"
        case .patchingInteraction: return "(g)"
        case .modelControlDifference: return "(h)"
        case .permutationNullRate: return "(null)"
        }
    }

    // MARK: Does the ladder get harder for the model?

    func difficultySection() -> [String] {
        var lines = ["## Does each ladder get harder for the model?", ""]
        lines.append("A ladder's level index is only a hypothesis about difficulty. The model's own loss measures it: bits per byte "
                     + "over the analysis span, or over the answer for task ladders (teacher-forced; `answer_exact_match` is greedy "
                     + "exact match of the answer). Test (0): mean within-item Kendall τ of that loss against the level (Page's L). "
                     + "Only where the loss rises do \"harder\" levels mean harder inputs *for this model*; elsewhere read every "
                     + "\"tracks difficulty\" below as \"tracks the level index\".")
        lines.append("")
        lines.append("| ladder | loss measure | mean loss, first → last level | greedy accuracy, first → last level | (0) loss vs level | harder for the model? |")
        lines.append("|---|---|---|---|---|---|")
        for ladder in data.ladders {
            guard let row = rows(.lossTracksLevel, ladder: ladder).first else {
                lines.append("| \(Self.cell(ladder)) | — | — | — | not measured (file has no loss) | — |")
                continue
            }
            let levels = data.levels(of: ladder)
            func levelMean(_ metric: String, _ level: Int) -> Double? {
                guard let values = data.metrics[metric] else { return nil }
                let v = data.items(of: ladder).filter { data.records[$0].levelIndex == level }.map { values[$0] }.filter(\.isFinite)
                return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            }
            let first = levels.first?.index ?? 0, last = levels.last?.index ?? 0
            let loss = "\(Self.number(levelMean(row.measure, first))) → \(Self.number(levelMean(row.measure, last)))"
            let accuracy = levelMean(Self.exactMatchMetric, first) == nil ? "—"
                : "\(Self.number(levelMean(Self.exactMatchMetric, first))) → \(Self.number(levelMean(Self.exactMatchMetric, last)))"
            let answer: String
            switch row.verdict {
            case .tracksDifficulty: answer = "**yes**: loss rises with the level"
            case .tracksInversely: answer = "**no, the reverse**: loss falls as the level rises"
            case .noEvidence: answer = "no evidence that it does"
            case .insufficientData: answer = "insufficient data"
            }
            lines.append("| \(Self.cell(ladder)) | `\(row.measure)` | \(loss) | \(accuracy) | \(cell(row, up: "rises", down: "falls")) | \(answer) |")
        }
        return lines
    }

    /// Item metric of greedy exact match of task answers (written by newer runs).
    static let exactMatchMetric = ItemMetrics.answerExactMatch

    // MARK: Primary hooks

    func primarySection() -> [String] {
        var lines = ["## Verdicts at the pre-registered primary hooks", ""]
        let primary = data.primaryHooks
        lines.append("Declared before the run (recorded in the file's configuration as `primary_hooks`): one hook per component — the "
                     + "last residual stream of the entropy model, local encoder and global transformer, and the decoder's final-norm "
                     + "state (the sparsity paper's last-layer analogue)"
                     + (primary.isEmpty ? " (none recorded in this file; every hook of the primary measure is treated as primary)" : ": \(primary.map { "`\($0)`" }.joined(separator: ", "))")
                     + ". Primary rows (measure `\(data.primaryColumn)`, raw) form their own Holm family per test and ladder; every other "
                     + "hook and measure is exploratory.")
        lines.append("")
        lines.append("Verdicts are **oriented**: \"sparser\" means the vector is more concentrated on harder inputs whichever way the "
                     + "measure runs (for participation ratio and effective dimension a *lower* value is sparser). A verdict needs a "
                     + "Holm-corrected p < 0.05 **and** a 95 % bootstrap CI over items that excludes 0. \"≈ 0\" means a TOST equivalence "
                     + "test puts the effect inside ±δ (0.1 in τ units; for (c) 0.1 within-item SD of the measure per level); plain "
                     + "\"no evidence\" is inconclusive.")
        lines.append("")
        lines.append("Columns: (b) within-item τ of sparsity at the probe position against the level; (f) the same against the model's "
                     + "measured loss (does sparsity follow what is hard *for the model*?); (c) the level effect with the probe patch's "
                     + "entropy, the model's loss, the probe patch's length (indicators 2, 3, ≥ 4 bytes) and the input statistics held fixed "
                     + "(the span's length in bytes, its patch count, its non-ASCII and other-byte shares, each only while its VIF against "
                     + "the level and the other covariates is below \(Int(StudyAnalysis.maxInputCovariateVIF)): a statistic the ladder's levels "
                     + "all but determine cannot be told apart from the level, and the reading names it; item fixed effects; "
                     + "levels of categorical ladders as indicators; max VIF shown); (b) again in the fixed-size patching control arm (same items, every patch the same length: an effect that "
                     + "comes from patch size vanishes there); (g) the difference of the two trends"
                     + (data.modelControlSpec.map { spec in
                        (data.modelControlAdjective == "untrained"
                         ? "; (b) again in the untrained control model `\(spec)` (a BLT of the same config with seeded "
                           + "random weights, run on the same items cut into the trained model's patches: what input statistics and patch "
                           + "structure alone produce)"
                         : "; (b) again in the control model `\(spec)` (another checkpoint of the same architecture, run on the same "
                           + "items cut into this model's patches)")
                        + "; (h) the trained model's trend minus the control's. A finding is **beyond the "
                        + "\(data.modelControlAdjective) control** only when (h) has the same verdict as (b)" } ?? "") + ".")
        let categorical = StudyStatistics.categoricalLadders(data.provenance)
        for ladder in data.ladders {
            lines.append("")
            lines.append("**\(Self.cell(ladder))**")
            lines.append("")
            if categorical.contains(ladder) {
                lines.append("**\(Self.cell(ladder))**: trend questions not applicable — the levels of this ladder are categories, not a difficulty "
                             + "order (compare levels in the per-level summary; the rows below are shown for completeness only).")
                lines.append("")
            }
            lines.append("- Does entropy track the level? (a) \(cell(rows(.entropyTracksLevel, ladder: ladder).first, up: "rises", down: "falls"))")
            if let e = rows(.entropyTracksLoss, ladder: ladder).first {
                lines.append("- Does entropy track the model's measured loss within items? (e) \(cell(e, up: "rises with loss", down: "falls with loss"))")
            }
            let control = data.controlLadder(of: ladder)
            let modelControl = data.modelControlLadder(of: ladder)
            let hooks = primary.isEmpty ? Array(data.layout.probeHooks.prefix(4)) : primary.filter { data.layout.probeHooks.contains($0) }
            lines.append("")
            let adjective = data.modelControlAdjective
            let modelColumns = modelControl == nil ? "" : " (b) in \(adjective) `\(data.modelControlSpec ?? "")` | (h) trained − \(adjective) |"
            lines.append("| hook | (b) vs level | (f) vs measured loss | (c) beyond entropy, loss and input statistics | (b) under \(data.controlSpec ?? "fixed patching") | (g) run − control |"
                         + modelColumns + " reading |")
            lines.append("|---|---|---|---|---|---|" + (modelControl == nil ? "" : "---|---|") + "---|")
            let column = data.primaryColumn
            for hook in hooks {
                let b = rows(.sparsityTracksLevel, ladder: ladder, hook: hook, measure: column).first
                let f = rows(.sparsityTracksLoss, ladder: ladder, hook: hook, measure: column).first
                let c = rows(.sparsityBeyondEntropy, ladder: ladder, hook: hook, measure: column).first
                let bControl = control.flatMap { rows(.sparsityTracksLevel, ladder: $0, hook: hook, measure: column).first }
                let g = rows(.patchingInteraction, ladder: ladder, hook: hook, measure: column).first
                let vif = c?.maxVIF.map { " (VIF ≤ \(Self.number($0)))" } ?? ""
                let bUntrained = modelControl.flatMap { rows(.sparsityTracksLevel, ladder: $0, hook: hook, measure: column).first }
                let h = rows(.modelControlDifference, ladder: ladder, hook: hook, measure: column).first
                let modelCells = modelControl == nil ? ""
                    : " \(cell(bUntrained)) | \(cell(h, up: "sparser trend stronger when trained", down: "denser trend stronger when trained")) |"
                lines.append("| `\(hook)` | \(cell(b)) | \(cell(f)) | \(cell(c))\(vif) | \(control == nil ? "no control arm" : cell(bControl)) | "
                             + "\(cell(g, up: "sparser trend stronger in run", down: "denser trend stronger in run")) |" + modelCells
                             + " " + reading(b: b, f: f, c: c, control: bControl, interaction: g, hasControl: control != nil,
                                             modelControl: modelControl == nil ? nil : .some(h), modelControlAdjective: adjective) + " |")
            }
        }
        let n = data.statistics.filter { $0.test != .permutationNullRate }.map(\.n).max() ?? 0
        if n < Self.smallN {
            lines.append("")
            lines.append("**Small sample.** n = \(n) base items per level: only large, consistent within-item effects can reach "
                         + "significance; the per-item effects reported for sparsity (|r| ≈ 0.1) need about 200 base items. Treat every "
                         + "\"no evidence\" here as inconclusive and rerun with a larger `--limit`.")
        }
        if data.statistics.contains(where: { $0.verdict == .insufficientData }) {
            lines.append("")
            lines.append("Some tests report \"insufficient data\" (fewer than 3 items or levels with finite values, a degenerate "
                         + "design, or — for (g) at hooks before patching — no difference between the arms); their notes are in the full table below.")
        }
        return lines
    }

    /// One sentence on what survives for a primary hook.
    /// `modelControl`: nil without a model-control arm, else the (h) row (nil inside: not tested).
    func reading(b: StudyResultRow?, f: StudyResultRow?, c: StudyResultRow?, control: StudyResultRow?,
                 interaction: StudyResultRow? = nil, hasControl: Bool, modelControl: StudyResultRow?? = nil,
                 modelControlAdjective: String = "untrained") -> String {
        guard let b, b.verdict == .tracksDifficulty || b.verdict == .tracksInversely else {
            return "no level effect" + (f.map { $0.verdict == .tracksDifficulty || $0.verdict == .tracksInversely ? "; follows measured loss (\($0.verdict == .tracksDifficulty ? "sparser" : "denser") when loss is higher)" : "" } ?? "")
        }
        let word = b.verdict == .tracksDifficulty ? "sparser" : "denser"
        var parts = ["\(word) on higher levels"]
        if hasControl {
            let differs = interaction.map { $0.verdict == .tracksDifficulty || $0.verdict == .tracksInversely } ?? false
            parts.append(control?.verdict == b.verdict
                ? "survives the patch-length control" + (differs ? " (but its size differs between the arms, g)" : "")
                : "**does not survive** the patch-length control")
        }
        if let modelControl {
            parts.append(modelControl?.verdict == b.verdict ? "**beyond the \(modelControlAdjective) control** (h)"
                         : "**not beyond the \(modelControlAdjective) control** (h: \(modelControl?.verdict.rawValue ?? "not tested"))")
        }
        if let f { parts.append(f.verdict == b.verdict ? "follows measured loss" : "not explained by measured loss (f: \(f.verdict.rawValue))") }
        if let c {
            let unadjusted = Self.unadjustedCovariates(c.note)
            let except = unadjusted.isEmpty ? "" : " (not adjusted for \(unadjusted.map { "`\($0)`" }.joined(separator: ", ")): collinear with the level)"
            parts.append((c.verdict == b.verdict ? "remains beyond entropy, loss and input statistics" : "not beyond entropy, loss and input statistics")
                         + except)
        }
        return parts.joined(separator: "; ")
    }

    /// The input statistics a test (c) row could not adjust for, as its note names them
    /// ("not adjusted for a (reason), b (reason)"; see `StudyAnalysis.addInputCovariates`).
    static func unadjustedCovariates(_ note: String) -> [String] {
        guard let range = note.range(of: "not adjusted for ") else { return [] }
        let list = note[range.upperBound...].split(separator: ";", maxSplits: 1).first ?? ""
        return list.split(separator: ")").compactMap { entry in
            let name = entry.drop { $0 == "," || $0 == " " }.split(separator: " ").first
            return name.map(String.init)
        }
    }

    // MARK: Clusters of near-duplicate hooks

    func clusterSection() -> [String] {
        var lines = ["## Exploratory: every hook, near-duplicates counted once", ""]
        lines.append("Many hooks carry nearly the same signal (successive residual streams, a residual stream and the norm after it). "
                     + "Hooks are linked when the within-item correlation of `\(data.primaryColumn)` at the probe is ≥ "
                     + "\(Self.number(HookClusters.threshold)) (single linkage); each cluster counts once, as \"sparser\" or \"denser\" "
                     + "if any member has that (b) verdict.")
        lines.append("")
        lines.append("| ladder | clusters | (b) sparser | (b) denser | clusters |")
        lines.append("|---|---|---|---|---|")
        for ladder in data.ladders {
            let hooks = data.layout.probeHooks
            let table = hooks.map { hook in data.table(ladder: ladder) { data.probeValue(data.primaryColumn, hook: hook, item: $0) } }
            let clusters = HookClusters.linked(table, threshold: HookClusters.threshold)
            var up = 0, down = 0
            for cluster in clusters {
                let verdicts = cluster.map { rows(.sparsityTracksLevel, ladder: ladder, hook: hooks[$0], measure: data.primaryColumn).first?.verdict }
                if verdicts.contains(.tracksDifficulty) { up += 1 }
                if verdicts.contains(.tracksInversely) { down += 1 }
            }
            let described = clusters.map { c in c.count == 1 ? "`\(hooks[c[0]])`" : "{\(c.map { "`\(hooks[$0])`" }.joined(separator: ", "))}" }
            lines.append("| \(Self.cell(ladder)) | \(clusters.count) of \(hooks.count) hooks | \(up) | \(down) | <details><summary>list</summary>\(described.joined(separator: " · "))</details> |")
        }
        return lines
    }

    // MARK: Measure × variant agreement

    func agreementSection() -> [String] {
        var lines = ["## Do the measures and variants agree? (test b)", ""]
        let columns = data.layout.measureColumns
        lines.append("Oriented verdict of (b) for every measure and variant: ↑ sparser on higher levels, ↓ denser, · no evidence, "
                     + "? insufficient data. Measures that disagree at a hook mean the \"sparsity\" effect depends on how sparsity is measured.")
        for ladder in data.ladders {
            lines.append("")
            lines.append("**\(Self.cell(ladder))**")
            lines.append("")
            lines.append("| hook | " + columns.map { "`\($0)`" }.joined(separator: " | ") + " | agree? |")
            lines.append("|---|" + String(repeating: "---|", count: columns.count + 1))
            var agreeing = 0, hookCount = 0
            for hook in data.layout.probeHooks {
                let verdicts = columns.map { rows(.sparsityTracksLevel, ladder: ladder, hook: hook, measure: $0).first?.verdict }
                let symbols = verdicts.map { v -> String in
                    switch v {
                    case .tracksDifficulty?: return "↑"
                    case .tracksInversely?: return "↓"
                    case .noEvidence?: return "·"
                    default: return "?"
                    }
                }
                let directional = Set(symbols.filter { $0 == "↑" || $0 == "↓" })
                let agree = Set(symbols).count == 1 ? "all" : (directional.count > 1 ? "**conflict**" : "partly")
                if Set(symbols).count == 1 { agreeing += 1 }
                hookCount += 1
                lines.append("| `\(hook)` | " + symbols.joined(separator: " | ") + " | \(agree) |")
            }
            lines.append("")
            lines.append("All \(columns.count) columns agree at \(agreeing) of \(hookCount) hooks.")
        }
        return lines
    }

    // MARK: Test (d) within patch-length strata

    func patchStrataSection() -> [String] {
        let strata = data.statistics.filter { $0.test == .entropySparsityPatchCorrelation && !$0.stratum.isEmpty }
        guard !strata.isEmpty else { return [] }
        var lines = ["## Test (d) with patch length controlled", ""]
        lines.append("A patch's mean entropy is nearly a function of its length (long patches are low-entropy runs), so (d) holds length "
                     + "fixed two ways: length as one indicator per length (1…7, ≥ 8) in the main row, and the same test within each "
                     + "length stratum. \"sparser\" = higher-entropy patches are sparser within the same text.")
        for ladder in data.ladders {
            let hooks = Array(Set(strata.filter { $0.ladder == ladder }.map(\.hook))).sorted()
            for hook in hooks {
                lines.append("")
                lines.append("**\(Self.cell(ladder))**, `\(hook)`, `\(data.primaryColumn)`")
                lines.append("")
                lines.append("| patches | n items | partial r [95 % CI], Holm p |")
                lines.append("|---|---|---|")
                let all = rows(.entropySparsityPatchCorrelation, ladder: ladder, hook: hook, measure: data.primaryColumn).first
                lines.append("| all (length as indicators) | \(all?.n ?? 0) | \(cell(all)) |")
                for r in strata where r.ladder == ladder && r.hook == hook && r.measure == data.primaryColumn {
                    lines.append("| \(r.stratum) | \(r.n) | \(cell(r)) |")
                }
            }
        }
        return lines
    }
}
