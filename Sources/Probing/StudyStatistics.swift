import Foundation
import HDF5Store
import Statistics

/// Turns a probe-run file into the study's tests (a)–(d) (``Statistics/StudyAnalysis``), reading
/// everything through ``HDF5Store/ProbeRunReader`` so that the statistics depend on the stored values only.
///
/// Per ladder:
/// - per-item entropy: `mean_entropy_bits` (mean byte-aligned entropy over the analysis span);
/// - per-item sparsity: every measure column at every probe hook (the probe position);
/// - patch table for (d): every non-empty patch that starts inside its item's analysis span, with its
///   mean entropy (bits), length and start position, and every measure column at every patch-level hook.
/// Items are paired by `base_item_id`; an item missing at some level gets NaN there and is dropped from
/// that test (listwise). With several ladders (the group `tasks`), Holm is re-applied across ladders.
public enum StudyStatistics {
    public static func analyze(_ reader: ProbeRunReader, configuration: StudyConfiguration,
                               threads: Int = 1) throws -> [StudyResultRow] {
        let inputs = try self.inputs(reader)
        var rows: [StudyResultRow] = []
        for input in inputs { rows += try StudyAnalysis.analyze(input, configuration: configuration, threads: threads) }
        if inputs.count > 1 { rows = StudyAnalysis.correctAcrossLadders(rows, alpha: configuration.alpha) }
        let categorical = categoricalLadders(reader.provenance)
        return rows.map { row in
            guard categorical.contains(row.ladder), row.test != .entropySparsityPatchCorrelation else { return row }
            var r = row
            r.note = [categoricalNote, r.note].filter { !$0.isEmpty }.joined(separator: "; ")
            return r
        }
    }

    /// Note added to the trend rows (a)–(c) of a categorical ladder.
    public static let categoricalNote = "categorical ladder: its level order is not a difficulty order, so the trend test is not meaningful"

    /// Ladders the dataset manifest marks as not ordinal (e.g. `noise-blt`).
    public static func categoricalLadders(_ provenance: ProbeRunProvenance) -> Set<String> {
        guard let manifest = try? JSONSerialization.jsonObject(with: Data(provenance.datasetManifestJSON.utf8)) as? [String: Any],
              let ladders = manifest["ladders"] as? [[String: Any]] else { return [] }
        return Set(ladders.compactMap { ($0["ordinal"] as? Bool) == false ? $0["name"] as? String : nil })
    }

    /// One ``Statistics/StudyInput`` per ladder, in file order.
    public static func inputs(_ reader: ProbeRunReader) throws -> [StudyInput] {
        let records = try reader.itemRecords()
        let entropy = try reader.itemMetric(ItemMetrics.meanEntropyBits)
        let layout = reader.layout
        let hooks = layout.probeHooks
        var probe: [String: [Float]] = [:]
        if !hooks.isEmpty { for column in layout.measureColumns { probe[column] = try reader.probeMeasure(column) } }

        var ladderOrder: [String] = []
        for r in records where !ladderOrder.contains(r.ladder) { ladderOrder.append(r.ladder) }
        return try ladderOrder.map { ladder in
            let indices = records.indices.filter { records[$0].ladder == ladder }
            var levels: [(index: Int, name: String)] = []
            for i in indices where !levels.contains(where: { $0.index == records[i].levelIndex }) {
                levels.append((records[i].levelIndex, records[i].levelName))
            }
            levels.sort { $0.index < $1.index }
            var items: [String] = []
            for i in indices where !items.contains(records[i].baseItemID) { items.append(records[i].baseItemID) }
            let itemPosition = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, $0) })
            let levelPosition = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1.index, $0) })
            func table(_ value: (Int) -> Double) -> [[Double]] {
                var t = [[Double]](repeating: [Double](repeating: .nan, count: levels.count), count: items.count)
                for i in indices { t[itemPosition[records[i].baseItemID]!][levelPosition[records[i].levelIndex]!] = value(i) }
                return t
            }
            var series: [LevelSeries] = []
            for (h, hook) in hooks.enumerated() {
                for column in layout.measureColumns {
                    let values = probe[column]!
                    series.append(LevelSeries(hook: hook, measure: column,
                                              values: table { Double(values[$0 * hooks.count + h]) }))
                }
            }
            let patches = try patchTable(reader, indices: indices, itemPosition: itemPosition, levelPosition: levelPosition,
                                         records: records)
            return StudyInput(ladder: ladder, levels: levels.map(\.name), items: items,
                              entropyMeasure: ItemMetrics.meanEntropyBits, entropy: table { entropy[$0] },
                              sparsity: series, patches: patches)
        }
    }

    static func patchTable(_ reader: ProbeRunReader, indices: [Int], itemPosition: [String: Int],
                           levelPosition: [Int: Int], records: [ProbeRunItemRecord]) throws -> PatchTable? {
        let layout = reader.layout
        let hooks = layout.patchLevelHooks
        guard !hooks.isEmpty else { return nil }
        var item: [Int] = [], level: [Int] = [], entropy: [Double] = [], length: [Double] = [], position: [Double] = []
        var values = [[Double]](repeating: [], count: hooks.count * layout.measureColumns.count)
        for i in indices {
            let stored = try reader.item(at: i)
            let span = records[i].analysisSpan
            for j in 0..<stored.patches.count {
                let start = Int(stored.patches.start[j]), len = Int(stored.patches.length[j])
                guard len > 0, span.contains(start) else { continue }
                item.append(itemPosition[records[i].baseItemID]!)
                level.append(levelPosition[records[i].levelIndex]!)
                entropy.append(Double(stored.patches.meanEntropy[j]) / 0.693_147_180_559_945_309_4)
                length.append(Double(len))
                position.append(Double(start))
                for (h, _) in hooks.enumerated() {
                    for (c, column) in layout.measureColumns.enumerated() {
                        let v = stored.patchMeasures.value(column, row: j, hook: h, hookCount: hooks.count) ?? .nan
                        values[h * layout.measureColumns.count + c].append(Double(v))
                    }
                }
            }
        }
        var series: [PatchSeries] = []
        for (h, hook) in hooks.enumerated() {
            for (c, column) in layout.measureColumns.enumerated() {
                series.append(PatchSeries(hook: hook, measure: column, values: values[h * layout.measureColumns.count + c]))
            }
        }
        return PatchTable(item: item, level: level, entropy: entropy, length: length, position: position, sparsity: series)
    }

    /// The HDF5 form of result rows (nil → NaN, no CI method → "").
    public static func storedRows(_ rows: [StudyResultRow]) -> [ProbeRunStatisticRow] {
        rows.map { r in
            ProbeRunStatisticRow(test: r.test.rawValue, question: r.question, ladder: r.ladder, hook: r.hook, measure: r.measure,
                                 isPrimary: r.isPrimary, estimator: r.estimator, pTest: r.pTest, ciMethod: r.ciMethod ?? "",
                                 n: r.n, estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh, p: r.p,
                                 pCorrected: r.correctedP, verdict: r.verdict.rawValue, note: r.note)
        }
    }

    /// Rows read back from HDF5; rows with an unknown test or verdict string (a newer writer) are skipped.
    public static func resultRows(_ stored: [ProbeRunStatisticRow]) -> [StudyResultRow] {
        stored.compactMap { s in
            guard let test = StudyTest(rawValue: s.test), let verdict = Verdict(rawValue: s.verdict) else { return nil }
            return StudyResultRow(test: test, question: s.question, ladder: s.ladder, hook: s.hook, measure: s.measure,
                                  isPrimary: s.isPrimary, estimator: s.estimator, pTest: s.pTest,
                                  ciMethod: s.ciMethod.isEmpty ? nil : s.ciMethod, n: s.n, estimate: s.estimate,
                                  ciLow: s.ciLow, ciHigh: s.ciHigh, p: s.p, correctedP: s.pCorrected, verdict: verdict,
                                  note: s.note)
        }
    }
}
