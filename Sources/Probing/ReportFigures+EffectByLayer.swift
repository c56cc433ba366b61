import BLTModel
import Foundation
import Plotting
import Statistics

extension ReportFigures {
    /// Compact x-axis label of a hook: component initial, layer and site, e.g. "G3 res", "E0 mlp", "D norm".
    static func compactLabel(_ hook: String) -> String {
        guard let name = HookName(hook) else { return hook }
        let site: String
        switch name.site {
        case .residPost: site = "res"
        case .mlpAct: site = "mlp"
        case .finalNorm: site = "norm"
        default: site = String(name.site.rawValue.dropFirst("hook_".count))
        }
        return "\(name.component.rawValue.prefix(1).uppercased())\(name.layer.map(String.init) ?? "") \(site)"
    }

    /// The within-item effect of every hook, in forward order, with its bootstrap CI: (b) against the
    /// level in the run and in the fixed-patching control arm, and (f) against the model's measured
    /// loss. Kendall τ has no unit and does not depend on a layer's width, so layers of different widths
    /// are comparable on one axis (the raw measure values are not).
    func effectByLayer(_ ladder: String) throws -> [ReportFigure] {
        let column = data.primaryColumn
        let hooks = data.layout.probeHooks
        guard !hooks.isEmpty else { return [] }
        func series(_ name: String, test: StudyTest, ladder: String) -> TrendChart.Series? {
            let rows = hooks.map { hook in
                data.statistics.first { $0.test == test && $0.ladder == ladder && $0.hook == hook && $0.measure == column && $0.stratum.isEmpty }
            }
            guard rows.contains(where: { $0?.estimate != nil }) else { return nil }
            return TrendChart.Series(name: name, mean: rows.map { $0?.estimate ?? .nan },
                                     lower: rows.map { $0?.ciLow ?? .nan }, upper: rows.map { $0?.ciHigh ?? .nan })
        }
        var level: [TrendChart.Series] = []
        let runName = data.config.patching.map { $0.hasPrefix("entropy") ? "entropy patching" : $0 } ?? "run"
        if let s = series("run (\(runName))", test: .sparsityTracksLevel, ladder: ladder) { level.append(s) }
        if let control = data.controlLadder(of: ladder),
           let s = series("control (\(data.controlSpec ?? "fixed"))", test: .sparsityTracksLevel, ladder: control) { level.append(s) }
        if let untrained = data.modelControlLadder(of: ladder),
           let s = series("\(data.modelControlAdjective) (\(data.modelControlSpec ?? "control"))", test: .sparsityTracksLevel, ladder: untrained) { level.append(s) }
        var panels: [TrendChart.Panel] = []
        if !level.isEmpty {
            panels.append(TrendChart.Panel(title: "(b) \(column) vs level: mean within-item Kendall τ (> 0: higher \(column) on harder levels)",
                                           yLabel: "τ", series: level))
        }
        if let loss = series("run", test: .sparsityTracksLoss, ladder: ladder) {
            panels.append(TrendChart.Panel(title: "(f) \(column) vs the model's measured loss: mean within-item τ", yLabel: "τ", series: [loss]))
        }
        guard !panels.isEmpty else { return [] }
        let chart = TrendChart(title: "\(ladder): effect size by hook (forward order)",
                               subtitle: "P patcher · E encoder · G global · D decoder; res = resid_post, mlp = mlp_act",
                               levels: hooks.map(Self.compactLabel), xLabel: "hook", panels: panels,
                               caption: "shaded: 95% BCa bootstrap CI over items (the test's own interval); τ is unit-free, so layers of different width compare")
        return [ReportFigure(fileName: "effect_by_layer_\(Self.safe(ladder)).png",
                             caption: "Within-item effect of the level (run, fixed-patching control and untrained control model) and of measured loss on \(column), per hook with 95 % CIs (\(ladder)).",
                             figure: chart)]
    }
}
