#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ladder-level × layer heatmap: one row per difficulty level, one column per layer, layers grouped into
/// blocks (encoder / global / decoder) separated by gaps.
///
/// ``Mode/absolute`` colours mean sparsity with a sequential map; ``Mode/changeFromBase`` colours the
/// within-item change from level 0 with the diverging map centred on zero (symmetric range ±max|value|).
/// Cells show their value as text when they are wide enough and ``annotate`` is on.
///
/// With ``interval`` (a 95 % CI per cell, same shape as ``values``) cells whose interval includes 0 are
/// hatched, so a colour that is not distinguishable from no change says so. ``rowScaling`` `.perRow` colours
/// each level by its own range (absolute: the row's min...max mapped to 0...1; changes: ±the row's max|Δ|
/// mapped to −1...1), which shows the layer profile of a level whose changes are small next to others'; the
/// colour bar and caption then say the colours are row-relative, and annotations keep the real values.
public struct LadderLayerHeatmap: Figure {
    public enum Mode: String, Sendable { case absolute, changeFromBase }
    /// One colour scale for the whole map, or one per level row.
    public enum RowScaling: String, Sendable, CaseIterable { case shared, perRow = "per-row" }

    /// Lower and upper bounds of a confidence interval per cell.
    public struct Interval: Sendable {
        public var lower: [[Double]]
        public var upper: [[Double]]
        /// What the interval is, for the caption (e.g. "95% percentile bootstrap CI of the mean over items").
        public var label: String
        public init(lower: [[Double]], upper: [[Double]], label: String) {
            self.lower = lower; self.upper = upper; self.label = label
        }
    }

    /// A group of consecutive layer columns.
    public struct LayerGroup: Sendable {
        public var name: String
        public var layerLabels: [String]
        public init(name: String, layerLabels: [String]) { self.name = name; self.layerLabels = layerLabels }
    }

    public var title: String
    public var subtitle: String?
    public var measureName: String
    public var levels: [String]
    public var groups: [LayerGroup]
    /// `levels.count` rows × (sum of group sizes) columns, groups concatenated in order.
    public var values: [[Double]]
    public var mode: Mode
    /// nil: viridis for absolute, coolwarm for changes.
    public var colormap: Colormap?
    /// nil: data min...max (absolute) or ±max|value| (changes).
    public var range: ClosedRange<Double>?
    public var annotate: Bool
    public var interval: Interval? = nil
    public var rowScaling: RowScaling = .shared
    public var maxWidth: Int? = nil

    public init(title: String, subtitle: String? = nil, measureName: String, levels: [String],
                groups: [LayerGroup], values: [[Double]], mode: Mode = .absolute, colormap: Colormap? = nil,
                range: ClosedRange<Double>? = nil, annotate: Bool = true) {
        self.title = title; self.subtitle = subtitle; self.measureName = measureName; self.levels = levels
        self.groups = groups; self.values = values; self.mode = mode; self.colormap = colormap
        self.range = range; self.annotate = annotate
    }

    public func render() throws -> Canvas {
        let columns = groups.reduce(0) { $0 + $1.layerLabels.count }
        guard !levels.isEmpty, columns > 0 else {
            throw PlottingError.invalidInput(field: levels.isEmpty ? "levels" : "groups", message: "empty")
        }
        guard values.count == levels.count else {
            throw PlottingError.invalidInput(field: "values", message: "\(values.count) rows for \(levels.count) levels")
        }
        for (i, row) in values.enumerated() where row.count != columns {
            throw PlottingError.invalidInput(field: "values[\(i)]", message: "\(row.count) columns for \(columns) layers")
        }
        if let interval {
            for (name, bound) in [("interval.lower", interval.lower), ("interval.upper", interval.upper)] {
                guard bound.count == levels.count, bound.allSatisfy({ $0.count == columns }) else {
                    throw PlottingError.invalidInput(field: name, message: "must be \(levels.count) rows × \(columns) columns like values")
                }
            }
        }
        let map = colormap ?? (mode == .absolute ? .viridis : .coolwarm)
        let cRange: ClosedRange<Double>
        // Colours come from `shown`: the values themselves, or each row rescaled to its own range.
        var shown = values
        if rowScaling == .perRow {
            cRange = mode == .absolute ? 0...1 : -1...1
            shown = values.map { row in
                if mode == .absolute {
                    let r = widened(finiteRange(row))
                    return row.map { ($0 - r.lowerBound) / (r.upperBound - r.lowerBound) }
                }
                let m = row.filter(\.isFinite).map(abs).max() ?? 0
                return row.map { m > 0 ? $0 / m : ($0.isFinite ? 0 : .nan) }
            }
        } else if let range { cRange = widened(range) } else if mode == .absolute {
            cRange = widened(finiteRange(values.joined()))
        } else {
            let m = values.joined().filter(\.isFinite).map(abs).max() ?? 0
            cRange = m > 0 ? -m...m : -1...1
        }
        var notes: [String] = []
        if let interval { notes.append("hatched: the \(interval.label) includes 0") }
        if rowScaling == .perRow {
            notes.append(mode == .absolute ? "colours scaled per level row (0 = the row's minimum, 1 = its maximum)"
                                           : "colours scaled per level row (±1 = the row's largest |change|)")
        }
        let barLabel = rowScaling == .perRow ? (mode == .absolute ? "\(measureName), row-scaled" : "Δ \(measureName), row-scaled")
                                             : (mode == .absolute ? measureName : "Δ \(measureName) vs level 0")

        // Few levels get taller rows, so the plot is as tall as its colour bar (no bar towering over a
        // one-row strip in an otherwise empty canvas).
        let rowH = max(22, Int((140.0 / Double(max(1, levels.count))).rounded(.up)))
        let gap = 5
        let plotH = rowH * levels.count
        let levelStyle = TextStyle.label.aligned(.right, .middle)
        let levelW = levels.map { levelStyle.size(of: $0).width }.max() ?? 0
        let plotX = Layout.margin + 14 + 10 + levelW + 8
        let barH = max(140, plotH)
        let barExtent = Canvas.colorBarExtent(range: cRange, height: barH, label: barLabel)
        let naturalCellW = max(10, min(44, 1000 / columns))
        let naturalWidth = max(plotX + naturalCellW * columns + gap * (groups.count - 1) + 20 + 16 + barExtent + Layout.margin,
                               Canvas.headerWidth(title, subtitle))
        // Within a width budget the cells narrow (to 6 px at least) and text wraps.
        let compact = maxWidth.map { $0 < naturalWidth } ?? false
        let cellW = compact ? max(6, min(44, (maxWidth! - plotX - gap * (groups.count - 1) - 20 - 16 - barExtent - Layout.margin) / columns))
                            : naturalCellW
        let plotW = cellW * columns + gap * (groups.count - 1)
        let width = compact ? max(maxWidth!, plotX + plotW + 20 + 16 + barExtent + Layout.margin) : naturalWidth
        let wrap: Int? = compact ? width : nil
        let captionLines = Canvas.captionLines(notes.isEmpty ? nil : notes.joined(separator: " · "), width: wrap)
        let headerH = Canvas.headerHeight(title, subtitle, width: wrap)
        let layerLabelH = (groups.flatMap(\.layerLabels).map { TextStyle.label.size(of: $0).width }.max() ?? 0)
        let rotateLayerLabels = layerLabelH > cellW - 2
        let xLabelH = rotateLayerLabels ? layerLabelH : 14
        let captionH = captionLines.count * (BitmapFont.regular.height + 2) + (captionLines.isEmpty ? 0 : 6)
        let height = headerH + max(plotH, barH) + 8 + xLabelH + 8 + 14 + 6 + 14 + captionH + Layout.margin
        var canvas = Canvas(width: width, height: height)
        let top = canvas.title(title, subtitle: subtitle, width: wrap)
        canvas.caption(captionLines, x: Layout.margin, bottom: height - Layout.margin)

        // Annotations use one decimal count for the whole map (3 significant digits of the largest |value|)
        // and are dropped when the widest label does not fit a cell.
        let maxAbs = values.joined().filter(\.isFinite).map(abs).max() ?? 0
        let annotationDecimals = maxAbs > 0 ? max(0, min(6, 2 - Int((log10(maxAbs)).rounded(.down)))) : 0
        let annotationWidth = values.joined().filter(\.isFinite)
            .map { BitmapFont.small.measure(NumberFormat.fixed($0, decimals: annotationDecimals)) }.max() ?? 0
        let annotationFits = annotate && annotationWidth <= cellW - 4
        var x = plotX, col = 0
        for (g, group) in groups.enumerated() {
            let groupX = x
            for (c, label) in group.layerLabels.enumerated() {
                for (r, row) in values.enumerated() {
                    let v = row[col]
                    let color = map.color(shown[r][col], in: cRange)
                    canvas.fillPixels(x0: x, y0: top + r * rowH, x1: x + cellW, y1: top + (r + 1) * rowH, color)
                    if let interval, interval.lower[r][col] <= 0, interval.upper[r][col] >= 0 {
                        canvas.hatch(Rect(x: Double(x), y: Double(top + r * rowH), width: Double(cellW), height: Double(rowH)),
                                     contrastingInk(on: color).withAlpha(0.55))
                    }
                    if annotationFits && v.isFinite {
                        canvas.text(NumberFormat.fixed(v, decimals: annotationDecimals), at: Point(Double(x) + Double(cellW) / 2, Double(top + r * rowH) + Double(rowH) / 2),
                                    TextStyle(font: .small, color: contrastingInk(on: color), hAlign: .center, vAlign: .middle))
                    }
                }
                let style = rotateLayerLabels ? TextStyle.label.rotatedUp().aligned(.center, .top) : TextStyle.label.aligned(.center, .top)
                if rotateLayerLabels || c % max(1, 24 / cellW) == 0 || c == group.layerLabels.count - 1 {
                    canvas.vline(x: x + cellW / 2, y0: top + plotH, y1: top + plotH + 4, .ink)
                    canvas.text(label, at: Point(Double(x) + Double(cellW) / 2, Double(top + plotH + 6)), style)
                }
                x += cellW; col += 1
            }
            canvas.stroke(Rect(x: Double(groupX), y: Double(top), width: Double(x - groupX), height: Double(plotH)), .ink)
            let groupY = top + plotH + 6 + xLabelH + 6
            canvas.hline(x0: groupX, x1: x, y: groupY - 2, .midGrey)
            canvas.text(group.name, at: Point(Double(groupX + x) / 2, Double(groupY)), TextStyle.label.aligned(.center, .top))
            if g < groups.count - 1 { x += gap }
        }
        for (r, level) in levels.enumerated() {
            canvas.text(level, at: Point(Double(plotX - 6), Double(top + r * rowH) + Double(rowH) / 2), levelStyle)
        }
        canvas.text("level", at: Point(Double(Layout.margin), Double(top) + Double(plotH) / 2),
                    TextStyle.label.rotatedUp().aligned(.left, .middle))
        canvas.text("layer", at: Point(Double(plotX) + Double(plotW) / 2, Double(top + plotH + 6 + xLabelH + 6 + 14 + 6)),
                    TextStyle.label.aligned(.center, .top))
        canvas.colorBar(Rect(x: Double(plotX + plotW + 20), y: Double(top), width: 16, height: Double(barH)),
                        colormap: map, range: cRange, label: barLabel)
        return canvas
    }
}
