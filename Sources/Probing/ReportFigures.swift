import BLTModel
import Foundation
import HDF5Store
import Metrics
import Plotting
import Statistics

/// One figure of the report: where it goes, what it shows.
struct ReportFigure {
    let fileName: String
    let caption: String
    let figure: any Figure
    /// How much of a paper page the figure is laid out for under the paper preset.
    var span: FigureSpan = .column
}

/// Builds the report's figures from `ReportData` (stored values only).
struct ReportFigures {
    let data: ReportData
    /// Colour scaling of the ladder × layer heatmaps (`probe report --heatmap-rows`).
    var rowScaling: LadderLayerHeatmap.RowScaling = .shared

    func all() throws -> [ReportFigure] {
        var out: [ReportFigure] = []
        for ladder in data.ladders {
            out += try trend(ladder)
            out += try effectByLayer(ladder)
            out += try ladderLayer(ladder)
            out += try scatter(ladder)
            out += try patchLengths(ladder)
            out += try layerPosition(ladder)
            out += try byteStrips(ladder)
        }
        return out
    }

    /// A file-name part: the ladder's short name (`custom-<file>` for custom datasets) with anything but
    /// letters, digits, `-` and `_` replaced by `_`.
    static func safe(_ s: String) -> String {
        let cleaned = String(StudyPlan.slug(s).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        guard cleaned.utf8.count > 64 else { return cleaned }
        // File names are limited to 255 bytes: a long id keeps a readable prefix plus a hash of the whole id.
        let digest = String(XXHash64.hash(Array(s.utf8)), radix: 16)
        return String(String.UnicodeScalarView(cleaned.unicodeScalars.prefix(40))) + "-" + digest
    }

    /// The pooled OLS line and Pearson r over the finite pairs (fitted by Statistics), for the scatter's annotation.
    static func pooledFit(x: [Double], y: [Double]) throws -> LinearFit? {
        try OrdinaryLeastSquares.line(x: x, y: y).map { LinearFit(slope: $0.slope, intercept: $0.intercept, r: $0.r, n: $0.n) }
    }

    /// A measure column as an axis label with its reading: "hoyer (higher = sparser)".
    static func axisLabel(_ column: String) -> String {
        switch SparsityVariant.parse(columnName: column)?.measure.direction {
        case .higherIsSparser?: return "\(column) (higher = sparser)"
        case .lowerIsSparser?: return "\(column) (lower = sparser)"
        default: return column
        }
    }

    /// A patching spec for a figure: thresholds to 4 significant digits ("entropy:2.434", not
    /// "entropy:2.4340527057647705"); the full value stays in REPORT.md and the HDF5 configuration.
    static func shortSpec(_ spec: String) -> String {
        spec.split(separator: ":", omittingEmptySubsequences: false).map { part in
            guard part.contains("."), let v = Double(part), v.isFinite else { return String(part) }
            return String(format: "%.4g", v)
        }.joined(separator: ":")
    }

    // MARK: Trend chart

    /// Mean per level with a 95 % percentile bootstrap interval over items (fixed seed).
    func levelMeans(_ table: [[Double]]) throws -> TrendChart.Series {
        let levels = table.first?.count ?? 0
        var mean = [Double](), lower = [Double](), upper = [Double]()
        for l in 0..<levels {
            let values = table.map { $0[l] }.filter(\.isFinite)
            let m = values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
            mean.append(m)
            let interval = values.count >= 2
                ? try ClusterBootstrap.interval(clusterCount: values.count, resampleCount: 1000, seed: 20_261_129 &+ UInt64(l),
                                                method: .percentile) { idx in idx.reduce(0) { $0 + values[$1] } / Double(idx.count) }
                : nil
            lower.append(interval?.low ?? .nan)
            upper.append(interval?.high ?? .nan)
        }
        return TrendChart.Series(name: "", mean: mean, lower: lower, upper: upper)
    }

    func series(_ name: String, ladder: String, _ value: (Int) -> Double) throws -> TrendChart.Series {
        var s = try levelMeans(data.table(ladder: ladder, value))
        s.name = name
        return s
    }

    func trend(_ ladder: String) throws -> [ReportFigure] {
        let levels = data.levels(of: ladder).map(\.name)
        func metric(_ name: String, scale: Double = 1) -> (Int) -> Double {
            let values = data.metrics[name] ?? []
            return { i in i < values.count ? values[i] * scale : .nan }
        }
        var panels: [TrendChart.Panel] = [
            TrendChart.Panel(title: "entropy over the analysis span", yLabel: "bits per byte", series: [
                try series("mean entropy (entropy model)", ladder: ladder, metric(ItemMetrics.meanEntropyBits)),
                try series("next-byte loss (BLT)", ladder: ladder, metric(ItemMetrics.bitsPerByte)),
            ]),
        ]
        let column = data.primaryColumn
        let sparsity = try data.representativeHooks.map { hook in
            try series(hook, ladder: ladder) { data.probeValue(column, hook: hook, item: $0) }
        }
        if !sparsity.isEmpty {
            panels.append(TrendChart.Panel(title: "\(column) at the probe position", yLabel: Self.axisLabel(column), series: sparsity))
        }
        panels.append(TrendChart.Panel(title: "patches per byte of the analysis span", yLabel: "patches per byte", series: [
            try series("patches per byte", ladder: ladder, metric(ItemMetrics.patchesPerByte)),
        ]))
        panels.append(TrendChart.Panel(title: "FLOPs per byte of the analysis span", yLabel: "MFLOP per byte", series: [
            try series("entropy patching", ladder: ladder, metric(ItemMetrics.flopsPerByte, scale: 1e-6)),
            try series("fixed-size control", ladder: ladder, metric(ItemMetrics.fixedPatchingFLOPsPerByte, scale: 1e-6)),
        ]))
        let chart = TrendChart(title: "\(ladder): entropy, sparsity and compute by difficulty level",
                               subtitle: "means over \(data.baseItems(of: ladder).count) base items per level",
                               levels: levels, panels: panels,
                               caption: "shaded: 95% percentile bootstrap interval of the mean over items",
                               levelScale: data.levelScale(of: ladder))
        return [ReportFigure(fileName: "trend_\(Self.safe(ladder)).png",
                             caption: "Per-level means of entropy, \(column) at the probe position, patches per byte and FLOPs per byte (\(ladder)).",
                             figure: chart)]
    }

    // MARK: Ladder × layer heatmaps

    func ladderLayer(_ ladder: String) throws -> [ReportFigure] {
        let column = data.primaryColumn
        var groups: [LadderLayerHeatmap.LayerGroup] = []
        var hooks: [String] = []
        for component in HookName.stackOrder {
            let members = data.probeHooks(site: .residPost, component: component)
            guard !members.isEmpty else { continue }
            groups.append(LadderLayerHeatmap.LayerGroup(name: component.rawValue,
                                                        layerLabels: members.compactMap { HookName($0)?.shortLabel }))
            hooks += members
        }
        guard !hooks.isEmpty else { return [] }
        let levels = data.levels(of: ladder).map(\.name)
        let tables = hooks.map { hook in data.table(ladder: ladder) { data.probeValue(column, hook: hook, item: $0) } }
        func mean(_ values: [Double]) -> Double {
            let f = values.filter(\.isFinite)
            return f.isEmpty ? .nan : f.reduce(0, +) / Double(f.count)
        }
        let absolute = levels.indices.map { l in tables.map { t in mean(t.map { $0[l] }) } }
        let change = levels.indices.map { l in tables.map { t in mean(t.map { $0[l] - $0[0] }) } }
        // Per cell, the 95 % percentile bootstrap interval of the mean change over items (as the trend bands).
        let changeSeries = try tables.map { t in try levelMeans(t.map { row in row.map { $0 - row[0] } }) }
        var changeFigure = LadderLayerHeatmap(title: "\(ladder): change in \(column) from level 0 (probe position)",
                                              subtitle: "mean over items of (value at level − value at level 0) · columns: each block's residual stream (hook_resid_post)",
                                              measureName: Self.axisLabel(column), levels: levels, groups: groups, values: change,
                                              mode: .changeFromBase)
        changeFigure.interval = LadderLayerHeatmap.Interval(
            lower: levels.indices.map { l in changeSeries.map { $0.lower?[l] ?? .nan } },
            upper: levels.indices.map { l in changeSeries.map { $0.upper?[l] ?? .nan } },
            label: "95% percentile bootstrap interval of the mean change over items")
        changeFigure.rowScaling = rowScaling
        var absoluteFigure = LadderLayerHeatmap(title: "\(ladder): mean \(column) at the probe position",
                                                subtitle: "columns: each block's residual stream (hook_resid_post)",
                                                measureName: Self.axisLabel(column), levels: levels, groups: groups, values: absolute)
        absoluteFigure.rowScaling = rowScaling
        let name = Self.safe(ladder)
        return [
            ReportFigure(fileName: "ladder_layer_change_\(name).png",
                         caption: "Within-item change of \(column) from level 0, per level and residual-stream layer, at the probe position (\(ladder)).",
                         figure: changeFigure, span: .page),
            ReportFigure(fileName: "ladder_layer_\(name).png",
                         caption: "Mean \(column) per level and residual-stream layer at the probe position (\(ladder)).",
                         figure: absoluteFigure, span: .page),
        ]
    }

    // MARK: Patch-level figures

    /// Non-empty patches starting in each item's span: (item, patch row) pairs, read per item.
    func spanPatches(_ ladder: String) throws -> [(item: Int, stored: ProbeRunItem, rows: [Int])] {
        try data.items(of: ladder).map { i in
            let stored = try data.reader.item(at: i)
            let span = data.records[i].analysisSpan
            let rows = (0..<stored.patches.count).filter {
                stored.patches.length[$0] > 0 && span.contains(Int(stored.patches.start[$0]))
            }
            return (i, stored, rows)
        }
    }

    func scatter(_ ladder: String) throws -> [ReportFigure] {
        let column = data.primaryColumn
        guard let hook = data.layout.patchLevelHooks.last(where: { HookName.name($0, is: .residPost) })
            ?? data.layout.patchLevelHooks.last else { return [] }
        let h = data.layout.patchLevelHooks.firstIndex(of: hook)!
        var x: [Double] = [], y: [Double] = []
        for (_, stored, rows) in try spanPatches(ladder) {
            for j in rows {
                x.append(ByteEntropy.bits(fromNats: Double(stored.patches.meanEntropy[j])))
                y.append(Double(stored.patchMeasures.value(column, row: j, hook: h, hookCount: data.layout.patchLevelHooks.count) ?? .nan))
            }
        }
        let row = data.statistics.first { $0.test == .entropySparsityPatchCorrelation && $0.ladder == ladder && $0.hook == hook && $0.measure == column }
        let note = row.flatMap { r in r.estimate.map { "within-text partial r = \(ReportMarkdown.number($0)) (controls: length, position)" } }
        var figure = ScatterFigure(title: "\(ladder): patch entropy vs \(column) at \(hook)", xLabel: "mean entropy of the patch (bits)",
                                   yLabel: "\(Self.axisLabel(column)) at \(hook)", x: x, y: y, fit: try Self.pooledFit(x: x, y: y),
                                   note: note, pointLabel: "patches")
        // The pooled line would cut through clusters of different texts; the test is within texts.
        figure.drawsFitLine = false
        return [ReportFigure(fileName: "scatter_\(Self.safe(ladder)).png",
                             caption: "Every patch of every item and level: patch entropy against \(column) at \(hook); the annotation gives the pooled Pearson r and OLS fit, the test (d) estimate is the within-text partial correlation (no pooled line is drawn: it would cut across the clusters of different texts) (\(ladder)).",
                             figure: figure)]
    }

    func patchLengths(_ ladder: String) throws -> [ReportFigure] {
        let levels = data.levels(of: ladder)
        let position = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1.index, $0) })
        var lengths = [[Int]](repeating: [], count: levels.count)
        for (i, stored, rows) in try spanPatches(ladder) {
            lengths[position[data.records[i].levelIndex]!] += rows.map { Int(stored.patches.length[$0]) }
        }
        let spec = Self.shortSpec(data.config.patching ?? "?")
        return [ReportFigure(fileName: "patch_lengths_\(Self.safe(ladder)).png",
                             caption: "Patch lengths per level (patches starting in the analysis span; patching \(spec)) (\(ladder)).",
                             figure: PatchLengthDistribution(title: "\(ladder): patch-length distribution per level",
                                                             subtitle: "patching \(spec)", levels: levels.map(\.name), lengths: lengths))]
    }

    // MARK: Single-item figures

    /// Content positions 1..<N of one stored item: bytes, entropy in bits, patch starts relative to
    /// position 1, and which patch rows those starts belong to.
    struct ItemView {
        var bytes: [UInt8]
        var entropyBits: [Double]
        var patchStarts: [Int]
        var patchRows: [Int]
    }

    func view(_ stored: ProbeRunItem) -> ItemView {
        let n = stored.bytes.count
        var starts: [Int] = [], rows: [Int] = []
        for j in 0..<stored.patches.count where stored.patches.length[j] > 0 && stored.patches.start[j] >= 1 {
            starts.append(Int(stored.patches.start[j]) - 1)
            rows.append(j)
        }
        if starts.first != 0 { starts.insert(0, at: 0); rows.insert(rows.first ?? 0, at: 0) }
        return ItemView(bytes: (1..<n).map { UInt8(clamping: max(0, Int(stored.bytes.value[$0]))) },
                        entropyBits: (1..<n).map { ByteEntropy.bits(fromNats: Double(stored.bytes.entropy[$0])) },
                        patchStarts: starts, patchRows: rows)
    }

    /// Values of a hook over content positions (byte hooks) or the view's patches (patch hooks).
    func hookValues(_ stored: ProbeRunItem, _ view: ItemView, hook: String, column: String) -> (values: [Double], unit: PositionUnit)? {
        let layout = data.layout
        if let h = layout.byteLevelHooks.firstIndex(of: hook) {
            let values = (1..<stored.bytes.count).map {
                Double(stored.byteMeasures.value(column, row: $0, hook: h, hookCount: layout.byteLevelHooks.count) ?? .nan)
            }
            return (values, .bytes)
        }
        if let h = layout.patchLevelHooks.firstIndex(of: hook) {
            let values = view.patchRows.map {
                Double(stored.patchMeasures.value(column, row: $0, hook: h, hookCount: layout.patchLevelHooks.count) ?? .nan)
            }
            return (values, .patches)
        }
        return nil
    }

    /// The first base item at each level (the same base item when the ladder is paired).
    func firstItemPerLevel(_ ladder: String) -> [Int] {
        let first = data.baseItems(of: ladder).first
        return data.levels(of: ladder).compactMap { level in
            data.items(of: ladder).first { data.records[$0].levelIndex == level.index && data.records[$0].baseItemID == first }
                ?? data.items(of: ladder).first { data.records[$0].levelIndex == level.index }
        }
    }

    func byteStrips(_ ladder: String) throws -> [ReportFigure] {
        let column = data.primaryColumn
        let hooks = data.representativeHooks.filter { !HookName.name($0, is: .finalNorm) }
        return try firstItemPerLevel(ladder).map { i in
            let record = data.records[i]
            let stored = try data.reader.item(at: i)
            let v = view(stored)
            let rows = hooks.compactMap { hook in
                hookValues(stored, v, hook: hook, column: column).map { ByteStripFigure.HookRow(name: hook, values: $0.values, unit: $0.unit, shortName: Self.compactLabel(hook)) }
            }
            let figure = ByteStripFigure(title: "\(ladder) · level \(record.levelIndex) (\(record.levelName)) · item \(record.baseItemID)",
                                         subtitle: "background: entropy of the entropy model about each byte; rows: \(column) per position",
                                         bytes: v.bytes, entropy: v.entropyBits, patchStarts: v.patchStarts, hookRows: rows,
                                         sparsityLabel: column)
            return ReportFigure(fileName: "strip_\(Self.safe(ladder))_L\(record.levelIndex)_\(Self.safe(record.baseItemID)).png",
                                caption: "Byte strip of \(record.baseItemID) at level \(record.levelIndex) (\(record.levelName)).",
                                figure: figure, span: .page)
        }
    }

    func layerPosition(_ ladder: String) throws -> [ReportFigure] {
        let column = data.primaryColumn
        let chosen = firstItemPerLevel(ladder)
        let picks = chosen.count > 1 ? [chosen.first!, chosen.last!] : chosen
        return try picks.compactMap { i in
            let record = data.records[i]
            let stored = try data.reader.item(at: i)
            let v = view(stored)
            var blocks: [LayerPositionHeatmap.Block] = []
            for component in HookName.stackOrder {
                let hooks = data.probeHooks(site: .residPost, component: component)
                let rows = hooks.compactMap { hookValues(stored, v, hook: $0, column: column) }
                guard !rows.isEmpty else { continue }
                blocks.append(LayerPositionHeatmap.Block(name: component.rawValue, layerLabels: hooks.compactMap { HookName($0)?.shortLabel },
                                                         values: rows.map(\.values), unit: rows[0].unit))
            }
            guard !blocks.isEmpty else { return nil }  // no residual-stream hooks in this run
            let figure = LayerPositionHeatmap(title: "\(ladder) · level \(record.levelIndex) (\(record.levelName)) · item \(record.baseItemID)",
                                              subtitle: "\(column) of every residual stream at every position (BOS omitted)",
                                              measureName: column, blocks: blocks, byteCount: v.bytes.count, patchStarts: v.patchStarts)
            return ReportFigure(fileName: "layer_position_\(Self.safe(ladder))_L\(record.levelIndex).png",
                                caption: "\(column) per layer and position for \(record.baseItemID) at level \(record.levelIndex) (\(record.levelName)).",
                                figure: figure, span: .page)
        }
    }
}
