/// Maps a data interval linearly onto a pixel interval (either direction; y axes map upwards).
public struct LinearScale: Sendable, Equatable {
    public var domain: ClosedRange<Double>
    /// Pixel coordinate of `domain.lowerBound` and of `domain.upperBound`.
    public var from: Double
    public var to: Double

    public init(domain: ClosedRange<Double>, from: Double, to: Double) {
        self.domain = domain; self.from = from; self.to = to
    }

    /// Pixel coordinate of `v`; values outside the domain extrapolate. A zero-width domain maps to the middle.
    public func callAsFunction(_ v: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard span != 0 else { return (from + to) / 2 }
        return from + (v - domain.lowerBound) / span * (to - from)
    }
}

/// Chart chrome shared by all figures: axes with ticks, colour bars, legends, titles.
extension Canvas {
    /// Draws a left y axis for `plot`: frame line, outward ticks, tick labels, optional grid lines across the
    /// plot and a rotated axis label. Ticks outside the scale's domain are skipped.
    mutating func yAxis(_ plot: Rect, scale: LinearScale, ticks: NiceTicks, label: String?, grid: Bool = true) {
        let x = Int(plot.minX.rounded())
        let style = TextStyle.label.aligned(.right, .middle)
        var widest = 0
        for (v, text) in zip(ticks.values, ticks.labels) where ticks.contains(v, in: scale.domain) {
            let y = Int(scale(v).rounded(.down))
            if grid { hline(x0: x + 1, x1: Int(plot.maxX.rounded()), y: y, .grid) }
            hline(x0: x - 5, x1: x, y: y, .ink)
            self.text(text, at: Point(Double(x - 8), Double(y) + 0.5), style)
            widest = max(widest, style.size(of: text).width)
        }
        vline(x: x, y0: Int(plot.minY.rounded()), y1: Int(plot.maxY.rounded()) + 1, .ink)
        if let label {
            text(label, at: Point(Double(x - 14 - widest), plot.midY),
                 TextStyle.label.aligned(.right, .middle).rotatedUp())
        }
    }

    /// Draws a bottom x axis with ticks at pixel positions `positions` labelled `labels`. Labels are
    /// rotated 90° when any two would overlap horizontally. Returns the height used below the axis line.
    @discardableResult
    mutating func xAxis(_ plot: Rect, positions: [Double], labels: [String], label: String?,
                        grid: Bool = false, forceRotate: Bool = false) -> Int {
        let y = Int(plot.maxY.rounded())
        hline(x0: Int(plot.minX.rounded()), x1: Int(plot.maxX.rounded()) + 1, y: y, .ink)
        let style = TextStyle.label
        let widths = labels.map { style.size(of: $0).width }
        var rotate = forceRotate
        if positions.count > 1 {
            for i in 1..<positions.count where positions[i] - positions[i - 1] < Double(widths[i] + widths[i - 1]) / 2 + 6 {
                rotate = true
            }
        }
        var used = 0
        for (p, text) in zip(positions, labels) {
            let x = Int(p.rounded(.down))
            if grid { vline(x: x, y0: Int(plot.minY.rounded()) + 1, y1: y, .grid) }
            vline(x: x, y0: y, y1: y + 6, .ink)
            let s = rotate ? style.rotatedUp().aligned(.center, .top) : style.aligned(.center, .top)
            let box = self.text(text, at: Point(Double(x) + 0.5, Double(y + 8)), s)
            used = max(used, Int(box.height) + 8)
        }
        if let label {
            let box = text(label, at: Point(plot.midX, Double(y + used + 6)), style.aligned(.center, .top))
            used += 6 + Int(box.height)
        }
        return used
    }

    /// A vertical colour bar in `bar` for `colormap` over `range`, with ticks and labels on its right and a
    /// rotated `label` beyond them. Returns the total width used to the right of `bar.maxX`.
    @discardableResult
    mutating func colorBar(_ bar: Rect, colormap: Colormap, range: ClosedRange<Double>, label: String?) -> Int {
        let x0 = Int(bar.minX.rounded()), x1 = Int(bar.maxX.rounded())
        let y0 = Int(bar.minY.rounded()), y1 = Int(bar.maxY.rounded())
        let h = max(1, y1 - y0)
        for y in y0..<y1 {
            let t = 1 - (Double(y - y0) + 0.5) / Double(h)
            hline(x0: x0, x1: x1, y: y, colormap.color(t))
        }
        stroke(Rect(x: Double(x0), y: Double(y0), width: Double(x1 - x0), height: Double(y1 - y0)), .ink)
        let ticks = Self.colorBarTicks(range: range, height: h)
        let scale = LinearScale(domain: range, from: Double(y1) - 0.5, to: Double(y0) + 0.5)
        var widest = 0
        let style = TextStyle.label.aligned(.left, .middle)
        for (v, text) in zip(ticks.values, ticks.labels) where ticks.contains(v, in: range) {
            let y = Int(scale(v).rounded(.down))
            hline(x0: x1, x1: x1 + 4, y: y, .ink)
            self.text(text, at: Point(Double(x1 + 6), Double(y) + 0.5), style)
            widest = max(widest, style.size(of: text).width)
        }
        var used = 6 + widest
        if let label {
            let box = text(label, at: Point(Double(x1 + used + 6), bar.midY),
                           TextStyle.label.aligned(.left, .middle).rotatedUp())
            used += 6 + Int(box.width)
        }
        return used
    }

    /// Ticks for a colour bar: about one per 40 px, refined until at least three fall inside the range
    /// (a narrow range such as 0.45...0.71 would otherwise get a single tick).
    static func colorBarTicks(range: ClosedRange<Double>, height: Int) -> NiceTicks {
        var target = max(2, height / 40)
        var ticks = NiceTicks(range.lowerBound, range.upperBound, target: target)
        while ticks.values.filter({ ticks.contains($0, in: range) }).count < 3 && target < 12 {
            target += 1
            ticks = NiceTicks(range.lowerBound, range.upperBound, target: target)
        }
        return ticks
    }

    /// Width a colour bar's ticks and label need to the right of the bar (for layout before drawing).
    static func colorBarExtent(range: ClosedRange<Double>, height: Int, label: String?) -> Int {
        let ticks = colorBarTicks(range: range, height: height)
        let widest = ticks.labels.map { TextStyle.label.size(of: $0).width }.max() ?? 0
        return 6 + widest + (label == nil ? 0 : 6 + BitmapFont.regular.height)
    }

    /// A legend box with one row per entry (a short line sample with an optional marker, then the name),
    /// top-left corner at `origin`. Returns the box.
    @discardableResult
    mutating func legend(_ entries: [LegendEntry], at origin: Point) -> Rect {
        guard !entries.isEmpty else { return Rect(x: origin.x, y: origin.y, width: 0, height: 0) }
        let style = TextStyle.label.aligned(.left, .middle)
        let rowH = BitmapFont.regular.height + 4
        let textW = entries.map { style.size(of: $0.name).width }.max() ?? 0
        let box = Rect(x: origin.x, y: origin.y, width: Double(8 + 24 + 6 + textW + 8),
                       height: Double(6 + rowH * entries.count + 2))
        fill(box, RGBA.white.withAlpha(0.9))
        stroke(box, .lightGrey)
        for (i, e) in entries.enumerated() {
            let cy = origin.y + 6 + Double(rowH * i) + Double(rowH) / 2
            if let band = e.band {
                fill(Rect(x: origin.x + 8, y: cy - 5, width: 24, height: 10), band)
            }
            line(from: Point(origin.x + 8, cy), to: Point(origin.x + 32, cy), e.color, width: e.lineWidth)
            if let m = e.marker { marker(m, at: Point(origin.x + 20, cy), size: 7, e.color) }
            text(e.name, at: Point(origin.x + 38, cy), style)
        }
        return box
    }
}

/// One row of a legend.
public struct LegendEntry: Sendable {
    public var name: String
    public var color: RGBA
    public var marker: MarkerShape?
    public var lineWidth: Double
    /// Colour of a confidence band swatch behind the line sample, if any.
    public var band: RGBA?
    public init(name: String, color: RGBA, marker: MarkerShape? = nil, lineWidth: Double = 2, band: RGBA? = nil) {
        self.name = name; self.color = color; self.marker = marker; self.lineWidth = lineWidth; self.band = band
    }
}

extension NiceTicks {
    /// Whether tick `v` lies within `domain` (with a tiny tolerance for rounding).
    func contains(_ v: Double, in domain: ClosedRange<Double>) -> Bool {
        let tol = step * 1e-6
        return v >= domain.lowerBound - tol && v <= domain.upperBound + tol
    }
}
