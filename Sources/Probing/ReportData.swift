import BLTModel
import Foundation
import HDF5Store
import Plotting
import Statistics

/// Everything the report needs, read from a finished probe-run file (no model, no dataset assets).
struct ReportData {
    let path: String
    let layout: ProbeRunLayout
    let provenance: ProbeRunProvenance
    let records: [ProbeRunItemRecord]
    /// Item metric columns by name (`ItemMetrics`), one value per item.
    let metrics: [String: [Double]]
    /// Probe measure columns `[item × probeHook]` by column name.
    let probe: [String: [Float]]
    let statistics: [StudyResultRow]
    /// Parsed `provenance.configJSON` (empty when unreadable).
    /// The run configuration (``RunConfiguration``).
    let config: RunConfiguration
    let reader: ProbeRunReader

    init(reader: ProbeRunReader) throws {
        self.reader = reader
        path = reader.path
        layout = reader.layout
        provenance = reader.provenance
        records = try reader.itemRecords()
        var metrics: [String: [Double]] = [:]
        for name in layout.itemMetricNames { metrics[name] = try reader.itemMetric(name) }
        self.metrics = metrics
        var probe: [String: [Float]] = [:]
        if !layout.probeHooks.isEmpty { for c in layout.measureColumns { probe[c] = try reader.probeMeasure(c) } }
        self.probe = probe
        statistics = StudyStatistics.resultRows(try reader.statistics())
        config = RunConfiguration(json: provenance.configJSON)
    }

    /// The study's ladders in file order (control arms excluded; see ``controlLadder(of:)``).
    var ladders: [String] {
        var out: [String] = []
        let specs = StudyStatistics.controlSpecs(provenance)
        for r in records where !out.contains(r.ladder) && StudyArm.split(r.ladder, controlSpecs: specs).spec == nil {
            out.append(r.ladder)
        }
        return out
    }

    /// How the levels of `ladder` are scaled, from the dataset manifest (files without a recorded scale:
    /// a non-ordinal ladder is categorical, anything else numeric).
    func levelScale(of ladder: String) -> TrendChart.LevelScale {
        let entry = (DatasetManifest(json: provenance.datasetManifestJSON).ladders ?? []).first { $0.name == ladder }
        switch entry?.levelScale {
        case "categories": return .categories
        case "ordered_categories": return .orderedCategories
        case "numeric": return .numeric
        default: return entry?.ordinal == false ? .categories : .numeric
        }
    }

    /// Patching of the control arm (`fixed:N`), nil without one.
    var controlSpec: String? { StudyStatistics.controlSpec(provenance) }

    /// The stored ladder name of `ladder`'s fixed-patching control arm, if the run has one.
    func controlLadder(of ladder: String) -> String? {
        guard let spec = controlSpec else { return nil }
        let name = StudyArm.controlLadder(ladder, spec: spec)
        return records.contains { $0.ladder == name } ? name : nil
    }

    /// The control model of the run (`random-init:0`, or `checkpoint:DIR`), nil without a model-control arm.
    var modelControlSpec: String? { StudyStatistics.modelControlSpec(provenance) }

    /// How the report names the control model: "untrained" for a random-initialised one, "control" for a
    /// trained checkpoint.
    var modelControlAdjective: String { (modelControlSpec.flatMap(ModelSource.init)?.isUntrained ?? true) ? "untrained" : "control" }

    /// The stored ladder name of `ladder`'s model-control arm, if the run has one.
    func modelControlLadder(of ladder: String) -> String? {
        guard let spec = modelControlSpec else { return nil }
        let name = StudyArm.controlLadder(ladder, spec: spec)
        return records.contains { $0.ladder == name } ? name : nil
    }

    /// Pre-registered primary hooks recorded in the run configuration (older files: none).
    var primaryHooks: [String] { config.primaryHooks ?? [] }

    /// Item indices of a ladder.
    func items(of ladder: String) -> [Int] { records.indices.filter { records[$0].ladder == ladder } }

    /// (index, name) of the levels present for a ladder, ascending.
    func levels(of ladder: String) -> [(index: Int, name: String)] {
        var out: [(index: Int, name: String)] = []
        for i in items(of: ladder) where !out.contains(where: { $0.index == records[i].levelIndex }) {
            out.append((records[i].levelIndex, records[i].levelName))
        }
        return out.sorted { $0.index < $1.index }
    }

    /// Base item ids of a ladder in first-appearance order.
    func baseItems(of ladder: String) -> [String] {
        var out: [String] = []
        for i in items(of: ladder) where !out.contains(records[i].baseItemID) { out.append(records[i].baseItemID) }
        return out
    }

    /// `values[baseItem][level]` of a per-item value (NaN where an item is missing).
    func table(ladder: String, _ value: (Int) -> Double) -> [[Double]] {
        let levels = self.levels(of: ladder), bases = baseItems(of: ladder)
        let levelPosition = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1.index, $0) })
        let basePosition = Dictionary(uniqueKeysWithValues: bases.enumerated().map { ($1, $0) })
        var t = [[Double]](repeating: [Double](repeating: .nan, count: levels.count), count: bases.count)
        for i in items(of: ladder) {
            t[basePosition[records[i].baseItemID]!][levelPosition[records[i].levelIndex]!] = value(i)
        }
        return t
    }

    /// A probe measure of one hook for item `i` (NaN if absent).
    func probeValue(_ column: String, hook: String, item i: Int) -> Double {
        guard let h = layout.probeHooks.firstIndex(of: hook), let values = probe[column] else { return .nan }
        return Double(values[i * layout.probeHooks.count + h])
    }

    /// Probe hooks at one site (e.g. `.residPost`) in data-flow order, optionally of one component.
    func probeHooks(site: HookSite, component: HookComponent? = nil) -> [String] {
        layout.probeHooks.filter { HookName.name($0, is: site, in: component) }
    }

    /// The primary sparsity column ("hoyer" if stored, else the first column).
    var primaryColumn: String {
        layout.measureColumns.contains("hoyer") ? "hoyer" : (layout.measureColumns.first ?? "hoyer")
    }

    /// Up to one representative hook per component for trend lines and byte strips: the last residual
    /// stream of the encoder, the global transformer and the decoder, then the final-norm state.
    var representativeHooks: [String] {
        var out: [String] = []
        for component: HookComponent in [.encoder, .global, .decoder] {
            if let last = probeHooks(site: .residPost, component: component).last { out.append(last) }
        }
        if let final = layout.probeHooks.first(where: { HookName.name($0, is: .finalNorm, in: .decoder) }) { out.append(final) }
        if out.isEmpty { out = Array(layout.probeHooks.prefix(3)) }
        return out
    }
}
