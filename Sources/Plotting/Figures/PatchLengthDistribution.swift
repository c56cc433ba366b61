/// Patch-length distribution per difficulty level: a violin (histogram of integer lengths mirrored about the
/// level's axis, widths normalised per level) with a box plot inside (box: quartiles, whiskers: 5th–95th
/// percentile, white bar: median, diamond: mean) and the patch count under each level.
///
/// Quantiles use linear interpolation between order statistics (numpy's default). Levels with no patches
/// show "n = 0" and nothing else. Lengths must be ≥ 1. The y axis ends at the pooled 99th percentile so one
/// huge patch does not flatten every violin, but nothing is hidden: a level with longer patches gets a
/// triangle at the top edge with their count and maximum ("+12 ≤ 23").
public struct PatchLengthDistribution: Figure {
    public var title: String
    public var subtitle: String?
    public var levels: [String]
    /// Patch lengths in bytes, one array per level.
    public var lengths: [[Int]]
    public var xLabel: String
    public var yLabel: String
    public var maxWidth: Int? = nil

    public init(title: String, subtitle: String? = nil, levels: [String], lengths: [[Int]],
                xLabel: String = "difficulty level", yLabel: String = "patch length (bytes)") {
        self.title = title; self.subtitle = subtitle; self.levels = levels; self.lengths = lengths
        self.xLabel = xLabel; self.yLabel = yLabel
    }

    /// Linear-interpolation quantile of sorted values (q in 0...1); NaN for an empty array.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * max(0, min(1, q))
        let lo = Int(h.rounded(.down)), hi = min(sorted.count - 1, lo + 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    public func render() throws -> Canvas {
        guard !levels.isEmpty else { throw PlottingError.invalidInput(field: "levels", message: "empty") }
        guard lengths.count == levels.count else {
            throw PlottingError.invalidInput(field: "lengths", message: "\(lengths.count) arrays for \(levels.count) levels")
        }
        for (i, arr) in lengths.enumerated() {
            if let bad = arr.first(where: { $0 < 1 }) {
                throw PlottingError.invalidInput(field: "lengths[\(i)]", message: "patch length \(bad) < 1 (level \(levels[i]))")
            }
        }
        let sorted = lengths.map { $0.map(Double.init).sorted() }
        // The y range covers the 99th percentile of the pooled lengths so one huge patch does not flatten
        // every violin; longer patches are counted in the caption.
        let pooled = sorted.flatMap { $0 }.sorted()
        let cap = max(4, Self.quantile(pooled, 0.99).rounded(.up))
        let clippedCount = pooled.filter { $0 > cap }.count
        let ticks = NiceTicks(0, cap, target: 6)
        let domain = 0...max(ticks.niceRange.upperBound, cap)

        let tickW = ticks.labels.map { TextStyle.label.size(of: $0).width }.max() ?? 0
        let plotX = Layout.margin + 14 + 8 + tickW + 10
        let naturalPlotW = max(440, min(960, 78 * levels.count))
        let legend = "violin: length histogram · box: quartiles · whiskers: 5th–95th pct · diamond: mean"
            + (clippedCount > 0 ? " · triangle: +count ≤ max of the \(clippedCount) patches longer than \(Int(cap)) bytes" : "")
        let naturalWidth = max(plotX + naturalPlotW + Layout.margin + 8, Canvas.headerWidth(title, subtitle),
                               TextStyle.label.size(of: legend).width + 2 * Layout.margin)
        let compact = maxWidth.map { $0 < naturalWidth } ?? false
        let plotW = compact ? max(160, maxWidth! - plotX - Layout.margin - 8) : naturalPlotW
        let plotH = compact ? 220 : 360
        let slot = Double(plotW) / Double(levels.count)
        let (tickLabels, rotate, key) = levelTicks(levels, slot: slot, maxHeight: compact ? plotH / 2 : nil)
        let tickLabelW = tickLabels.map { TextStyle.label.size(of: $0).width }.max() ?? 0
        let xLabelsH = (rotate ? tickLabelW : 14) + 8 + 6 + 14
        // Patch counts above the violins: "n = 123", or the bare number where that does not fit its slot.
        let countText = { (n: Int) in Double(BitmapFont.small.measure("n = \(n)")) + 4 > slot ? "\(n)" : "n = \(n)" }
        let bareCounts = sorted.contains { countText($0.count) == "\($0.count)" }
        let caption = [legend + (bareCounts ? " · numbers above: patches per level" : ""), key].compactMap { $0 }.joined(separator: " · ")
        let width = compact ? max(maxWidth!, plotX + plotW + Layout.margin + 8) : naturalWidth
        let wrap: Int? = compact ? width : nil
        let captionLines = Canvas.captionLines(caption, width: wrap)
        let headerH = Canvas.headerHeight(title, subtitle, width: wrap)
        let height = headerH + 18 + plotH + xLabelsH + 24 + (captionLines.count - 1) * (BitmapFont.regular.height + 2) + Layout.margin
        var canvas = Canvas(width: width, height: height)
        let top = canvas.title(title, subtitle: subtitle, width: wrap) + 18
        let plot = Rect(x: Double(plotX), y: Double(top), width: Double(plotW), height: Double(plotH))
        let ys = LinearScale(domain: domain, from: plot.maxY - 0.5, to: plot.minY + 0.5)
        canvas.yAxis(plot, scale: ys, ticks: ticks, label: yLabel)
        let xs = LinearScale(domain: -0.5...(Double(levels.count) - 0.5), from: plot.minX, to: plot.maxX)
        let half = min(36, slot * 0.42)
        let violin = RGBA(hex: 0x56B4E9), boxColor = RGBA(hex: 0x0072B2)
        for (i, values) in sorted.enumerated() {
            let cx = xs(Double(i))
            canvas.text(countText(values.count), at: Point(cx, plot.minY - 4),
                        TextStyle(font: .small, color: .midGrey, hAlign: .center, vAlign: .bottom))
            guard !values.isEmpty else { continue }
            let longer = values.filter { $0 > cap }
            if let longest = longer.last {
                // The count and maximum beside the triangle where they end before the next level's triangle; else the triangle
                // alone (the caption gives the total).
                let label = "+\(longer.count) ≤ \(Int(longest))"
                let fits = Double(BitmapFont.small.measure(label)) + 14 <= slot
                canvas.marker(.triangle, at: Point(fits ? cx - 4 : cx, plot.minY + 8), size: 7, RGBA(hex: 0xD55E00))
                if fits {
                    canvas.text(label, at: Point(cx + 2, plot.minY + 3), TextStyle(font: .small, color: .ink, hAlign: .left, vAlign: .top))
                }
            }
            // Violin: counts per integer length up to the cap, widths relative to this level's mode.
            var hist = [Int](repeating: 0, count: Int(cap) + 2)
            for v in values where v <= cap { hist[Int(v)] += 1 }
            let peak = Double(hist.max() ?? 1)
            if peak > 0 {
                var right = [Point](), left = [Point]()
                for l in 1...Int(cap) {
                    let w = Double(hist[l]) / peak * half
                    // Each integer length occupies [l − 0.5, l + 0.5) on the axis: a step outline.
                    // Clipped at the top of the axis so the cap's half-step stays inside the plot.
                    right.append(Point(cx + w, ys(min(domain.upperBound, Double(l) - 0.5))))
                    right.append(Point(cx + w, ys(min(domain.upperBound, Double(l) + 0.5))))
                }
                left = right.reversed().map { Point(2 * cx - $0.x, $0.y) }
                canvas.fillPolygon(right + left, violin.withAlpha(0.35))
            }
            let q05 = Self.quantile(values, 0.05), q25 = Self.quantile(values, 0.25), q50 = Self.quantile(values, 0.5)
            let q75 = Self.quantile(values, 0.75), q95 = Self.quantile(values, 0.95)
            let mean = values.reduce(0, +) / Double(values.count)
            let bw = min(10.0, half * 0.35)
            canvas.line(from: Point(cx, ys(min(q95, domain.upperBound))), to: Point(cx, ys(q05)), boxColor, width: 1.5)
            canvas.line(from: Point(cx - bw * 0.6, ys(q05)), to: Point(cx + bw * 0.6, ys(q05)), boxColor, width: 1.5)
            if q95 <= domain.upperBound {
                canvas.line(from: Point(cx - bw * 0.6, ys(q95)), to: Point(cx + bw * 0.6, ys(q95)), boxColor, width: 1.5)
            }
            let boxTop = ys(min(q75, domain.upperBound)), boxBottom = ys(q25)
            canvas.fill(Rect(x: cx - bw, y: boxTop, width: 2 * bw, height: max(1.5, boxBottom - boxTop)), boxColor)
            canvas.line(from: Point(cx - bw, ys(q50)), to: Point(cx + bw, ys(q50)), .white, width: 2)
            if mean <= domain.upperBound {
                canvas.marker(.diamond, at: Point(cx + bw + 9, ys(mean)), size: 8, RGBA(hex: 0xD55E00))
            }
        }
        canvas.stroke(plot, .ink)
        canvas.xAxis(plot, positions: levels.indices.map { xs(Double($0)) }, labels: tickLabels, label: xLabel, forceRotate: rotate)
        canvas.caption(captionLines, x: Layout.margin, bottom: height - Layout.margin, centred: !compact)
        return canvas
    }
}
