import Foundation
import HDF5Store
import Plotting
import Statistics

extension ModelComparison {
    /// Components of the primary hooks, in the pre-registered order.
    static let roles = ["P (entropy model)", "E (local encoder)", "G (global transformer)", "D (decoder final norm)"]

    /// The stored row of `test` at the run's k-th primary hook (k nil: the ladder-level row), or nil.
    func row(_ run: Run, _ test: StudyTest, ladder: String, primary k: Int?) -> ProbeRunStatisticRow? {
        let measure = primaryMeasure
        let hook = k.map { run.primaryHooks[$0] } ?? ""
        return run.rows.first { $0.test == test.rawValue && $0.ladder == ladder && $0.hook == hook
            && (hook.isEmpty || ($0.measure == measure && $0.isPrimary)) && $0.stratum.isEmpty }
    }

    /// One chart per ladder: every question's effect across the runs, in the order given (e.g. training
    /// stages, so the x axis is ordinal and joined by lines), each with the test's own 95 % CI.
    public func charts() -> [(ladder: String, chart: TrendChart)] {
        let first = runs[0]
        let measure = primaryMeasure
        return ladders.map { ladder in
            func series(_ name: String, _ test: StudyTest, primary k: Int?) -> TrendChart.Series {
                let rows = runs.map { row($0, test, ladder: ladder, primary: k) }
                return TrendChart.Series(name: name, mean: rows.map { $0?.estimate ?? .nan },
                                         lower: rows.map { $0?.ciLow ?? .nan }, upper: rows.map { $0?.ciHigh ?? .nan })
            }
            let hooks = first.primaryHooks.indices
            let role = { (k: Int) in k < Self.roles.count ? Self.roles[k] : "primary \(k)" }
            let panels = [
                TrendChart.Panel(title: "(0) the model's loss and (a) entropy vs level: mean within-item Kendall τ", yLabel: "τ",
                                 series: [series("(0) loss", .lossTracksLevel, primary: nil), series("(a) entropy", .entropyTracksLevel, primary: nil)]),
                TrendChart.Panel(title: "(b) \(measure) vs level at the primary hooks: τ (> 0: higher \(measure) on harder levels)", yLabel: "τ",
                                 series: hooks.map { series(role($0), .sparsityTracksLevel, primary: $0) }),
                TrendChart.Panel(title: "(h) trend of the trained model minus the untrained control's: Δτ", yLabel: "Δτ",
                                 series: hooks.map { series(role($0), .modelControlDifference, primary: $0) }),
                TrendChart.Panel(title: "(c) level coefficient beyond entropy, loss and input statistics (\(measure) per level)",
                                 yLabel: measure, series: hooks.map { series(role($0), .sparsityBeyondEntropy, primary: $0) }),
            ].filter { panel in panel.series.contains { $0.mean.contains(where: \.isFinite) } }
            return (ladder, TrendChart(title: "\(ladder): effect size by model (\(runs.count) runs, in the order given)",
                                       subtitle: "one study, the same items; x: the runs in command-line order (e.g. training stages)",
                                       levels: runs.map(\.label), xLabel: "model", panels: panels,
                                       caption: "shaded: each test's own 95% bootstrap CI over items"))
        }
    }

    /// The study's ladders (their run arms, not the control arms), in file order.
    var ladders: [String] {
        runs[0].rows.map(\.ladder).reduce(into: [String]()) { if !$0.contains($1) && !$1.contains(StudyArm.separator) { $0.append($1) } }
    }

    /// File name of a ladder's comparison chart.
    static func chartFileName(_ ladder: String) -> String {
        "compare_\(String(ladder.map { $0.isLetter || $0.isNumber ? $0 : "_" })).png"
    }
}
