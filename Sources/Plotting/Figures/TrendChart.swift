/// Per-level trends: difficulty level on x (named), one panel per quantity (e.g. entropy, sparsity) stacked
/// vertically and sharing the x axis, one line per measure or hook with a shaded confidence band.
///
/// NaN means leave gaps in lines; a band is drawn only over runs where both bounds are finite.
///
/// How levels are joined follows ``LevelScale``: numeric and ordered levels get lines and bands (the
/// caption says when the levels are ordered categories rather than a scale); unordered categories get
/// points with error bars only, since a line between two categories would suggest an order that is not there.
public struct TrendChart: Figure {
    /// What the x axis is.
    public enum LevelScale: String, Sendable {
        /// Levels on a numeric scale (noise rate, context bytes), drawn at equal spacing by index.
        case numeric
        /// Categories in a hypothesised difficulty order (e.g. the `ood` scripts): lines, and the caption says so.
        case orderedCategories = "ordered_categories"
        /// Unordered categories: points with error bars, no lines.
        case categories
    }

    /// One line: mean per level with optional lower/upper confidence bounds (same length as the levels).
    public struct Series: Sendable {
        public var name: String
        public var mean: [Double]
        public var lower: [Double]?
        public var upper: [Double]?
        public init(name: String, mean: [Double], lower: [Double]? = nil, upper: [Double]? = nil) {
            self.name = name; self.mean = mean; self.lower = lower; self.upper = upper
        }
    }

    /// One panel with its own y axis and legend.
    public struct Panel: Sendable {
        public var title: String
        public var yLabel: String
        public var series: [Series]
        public init(title: String, yLabel: String, series: [Series]) {
            self.title = title; self.yLabel = yLabel; self.series = series
        }
    }

    public var title: String
    public var subtitle: String?
    public var levels: [String]
    public var xLabel: String
    public var panels: [Panel]
    /// Caption under the chart, e.g. "bands: 95% bootstrap CI over items".
    public var caption: String?
    public var levelScale: LevelScale
    public var maxWidth: Int? = nil

    public init(title: String, subtitle: String? = nil, levels: [String], xLabel: String = "difficulty level",
                panels: [Panel], caption: String? = "shaded: 95% bootstrap confidence interval", levelScale: LevelScale = .numeric) {
        self.title = title; self.subtitle = subtitle; self.levels = levels; self.xLabel = xLabel
        self.panels = panels; self.caption = caption; self.levelScale = levelScale
    }

    /// The caption as drawn: the given one, with what the level scale means for reading the lines.
    var fullCaption: String? {
        switch levelScale {
        case .numeric: return caption
        case .orderedCategories:
            return [caption, "levels are categories in hypothesised difficulty order; lines only join neighbours"].compactMap { $0 }.joined(separator: " · ")
        case .categories:
            return "points: mean; bars: 95% percentile bootstrap interval of the mean over items · levels are unordered categories (not joined)"
        }
    }

    static let markers: [MarkerShape] = [.circle, .square, .triangle, .diamond]

    /// Series `s` gets colour `s mod 8` and marker `(s + s/8) mod 4`: neighbouring series differ in both, and
    /// the first 32 series are all distinct pairs.
    static func style(_ s: Int) -> (color: RGBA, marker: MarkerShape) {
        (RGBA.series(s), markers[(s + s / RGBA.series.count) % markers.count])
    }

    /// Y ticks and domain of a panel: the finite extent of means and bounds, padded by 8 % each side.
    static func yAxis(_ panel: Panel) -> (ticks: NiceTicks, domain: ClosedRange<Double>) {
        let values = panel.series.flatMap { $0.mean + ($0.lower ?? []) + ($0.upper ?? []) }
        let raw = widened(finiteRange(values))
        let pad = (raw.upperBound - raw.lowerBound) * 0.08
        let ticks = NiceTicks(raw.lowerBound - pad, raw.upperBound + pad, target: 5)
        return (ticks, (raw.lowerBound - pad)...(raw.upperBound + pad))
    }

    public func render() throws -> Canvas {
        guard !levels.isEmpty else { throw PlottingError.invalidInput(field: "levels", message: "empty") }
        guard !panels.isEmpty else { throw PlottingError.invalidInput(field: "panels", message: "empty") }
        for (p, panel) in panels.enumerated() {
            for (s, series) in panel.series.enumerated() {
                for (field, arr) in [("mean", series.mean), ("lower", series.lower), ("upper", series.upper)] {
                    if let arr, arr.count != levels.count {
                        throw PlottingError.invalidInput(field: "panels[\(p)].series[\(s)].\(field)",
                            message: "\(arr.count) values for \(levels.count) levels (\(series.name))")
                    }
                }
            }
        }
        let axes = panels.map(Self.yAxis)
        let tickW = axes.flatMap { $0.ticks.labels }.map { TextStyle.label.size(of: $0).width }.max() ?? 0
        let plotX = Layout.margin + 14 + 8 + tickW + 10
        let legendW = panels.flatMap(\.series).map { TextStyle.label.size(of: $0.name).width }.max().map { $0 + 8 + 24 + 6 + 8 } ?? 0
        // Natural layout: legends beside the panels. Within a width budget: legends above each plot, the plot
        // as wide as the budget allows, wrapped text, and level names keyed by index when rotated names
        // would be taller than the plot itself.
        let compact = maxWidth.map { $0 < max(plotX + 420 + 16 + legendW + Layout.margin, Canvas.headerWidth(title, subtitle)) } ?? false
        let plotW = compact ? max(160, maxWidth! - plotX - Layout.margin - 8) : max(420, min(900, 64 * levels.count))
        let legendRows = panels.map(\.series.count).max() ?? 0
        let plotH = compact ? 120 : max(230, 6 + (BitmapFont.regular.height + 4) * legendRows + 2)
        let panelGap = compact ? 18 : 44
        let slot = Double(plotW) / Double(levels.count)
        let (tickLabels, rotate, key) = levelTicks(levels, slot: slot, maxHeight: compact ? plotH : nil)
        let caption = [fullCaption, key].compactMap { $0 }.joined(separator: " · ")
        let tickLabelW = tickLabels.map { TextStyle.label.size(of: $0).width }.max() ?? 0
        let xLabelsH = (rotate ? tickLabelW : 14) + 8 + 6 + 14
        let naturalWidth = max(plotX + plotW + 16 + legendW + Layout.margin, Canvas.headerWidth(title, subtitle),
                               fullCaption.map { plotX + TextStyle.label.size(of: $0).width + Layout.margin } ?? 0)
        let width = compact ? max(maxWidth!, plotX + plotW + Layout.margin + 8) : naturalWidth
        let wrap: Int? = compact ? width : nil
        let captionLines = Canvas.captionLines(caption, width: wrap)
        let panelTitleStyle = TextStyle(font: .bold, vAlign: .bottom)
        let panelTitles = panels.map { panelTitleStyle.wrapped($0.title, width: compact ? width - plotX + 22 : nil) }
        let legendHeight = { (n: Int) in n == 0 ? 0 : 6 + (BitmapFont.regular.height + 4) * n + 2 + 6 }
        // Space above each plot: the panel title's lines, and in compact layouts the legend.
        let above = panels.indices.map { p in
            (compact ? (panelTitles[p].count - 1) * (BitmapFont.bold.height + 2) + legendHeight(panels[p].series.count) : 0)
        }
        let headerH = Canvas.headerHeight(title, subtitle, width: wrap)
        let captionH = captionLines.isEmpty ? 0 : 22 + (captionLines.count - 1) * (BitmapFont.regular.height + 2)
        let height = headerH + panels.count * (plotH + 20) + above.reduce(0, +) + (panels.count - 1) * panelGap + xLabelsH + captionH + Layout.margin
        var canvas = Canvas(width: width, height: height)
        var top = canvas.title(title, subtitle: subtitle, width: wrap) + 20
        let xScale = LinearScale(domain: -0.5...(Double(levels.count) - 0.5), from: Double(plotX), to: Double(plotX + plotW))
        for (p, panel) in panels.enumerated() {
            let titleX = compact ? Double(Layout.margin) : Double(plotX)
            for (i, line) in panelTitles[p].enumerated() {
                canvas.text(line, at: Point(titleX, Double(top - 6 + i * (BitmapFont.bold.height + 2))), panelTitleStyle)
            }
            top += above[p]
            let plot = Rect(x: Double(plotX), y: Double(top), width: Double(plotW), height: Double(plotH))
            let (ticks, domain) = axes[p]
            let yScale = LinearScale(domain: domain, from: plot.maxY - 0.5, to: plot.minY + 0.5)
            canvas.yAxis(plot, scale: yScale, ticks: ticks, label: panel.yLabel)
            for i in levels.indices { canvas.vline(x: Int(xScale(Double(i))), y0: Int(plot.minY) + 1, y1: Int(plot.maxY), .grid) }
            for (s, series) in panel.series.enumerated() where levelScale == .categories {
                // Points with error bars, dodged so the series of one level do not hide each other.
                let (color, shape) = Self.style(s)
                let dodge = (Double(s) - Double(panel.series.count - 1) / 2) * min(8, slot / Double(2 * max(1, panel.series.count)))
                for l in levels.indices where series.mean[l].isFinite {
                    let x = xScale(Double(l)) + dodge
                    if let lo = series.lower?[l], let hi = series.upper?[l], lo.isFinite, hi.isFinite {
                        canvas.line(from: Point(x, yScale(lo)), to: Point(x, yScale(hi)), color, width: 1.5)
                        canvas.line(from: Point(x - 3, yScale(lo)), to: Point(x + 3, yScale(lo)), color, width: 1.5)
                        canvas.line(from: Point(x - 3, yScale(hi)), to: Point(x + 3, yScale(hi)), color, width: 1.5)
                    }
                    canvas.marker(shape, at: Point(x, yScale(series.mean[l])), size: 7, color)
                }
            }
            for (s, series) in panel.series.enumerated() where levelScale != .categories {
                let (color, shape) = Self.style(s)
                if let lower = series.lower, let upper = series.upper {
                    canvas.fillBand(xs: levels.indices.map { xScale(Double($0)) },
                                    lower: lower.map { $0.isFinite ? yScale($0) : .nan },
                                    upper: upper.map { $0.isFinite ? yScale($0) : .nan }, color.withAlpha(0.18))
                }
                let pts = levels.indices.map { Point(xScale(Double($0)), series.mean[$0].isFinite ? yScale(series.mean[$0]) : .nan) }
                canvas.polyline(pts, color, width: 2)
                for pt in pts where pt.y.isFinite {
                    canvas.marker(shape, at: pt, size: 7, color)
                }
            }
            canvas.stroke(plot, .ink)
            let entries = panel.series.enumerated().map { (s, series) in
                LegendEntry(name: series.name, color: Self.style(s).color, marker: Self.style(s).marker,
                            band: series.lower != nil && series.upper != nil && levelScale != .categories ? RGBA.series(s).withAlpha(0.18) : nil)
            }
            let entriesW = 8 + 24 + 6 + (entries.map { TextStyle.label.size(of: $0.name).width }.max() ?? 0) + 8
            let compactX = Double(max(Layout.margin, min(plotX, width - Layout.margin - entriesW)))
            canvas.legend(entries, at: compact ? Point(compactX, plot.minY - Double(legendHeight(entries.count))) : Point(plot.maxX + 16, plot.minY))
            let last = p == panels.count - 1
            let positions = levels.indices.map { xScale(Double($0)) }
            if last {
                canvas.xAxis(plot, positions: positions, labels: tickLabels, label: xLabel, forceRotate: rotate)
            } else {
                for x in positions { canvas.vline(x: Int(x), y0: Int(plot.maxY), y1: Int(plot.maxY) + 5, .ink) }
            }
            top += plotH + 20 + panelGap
        }
        canvas.caption(captionLines, x: compact ? Layout.margin : plotX, bottom: height - Layout.margin)
        return canvas
    }
}
