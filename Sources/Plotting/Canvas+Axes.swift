/// Axes with outward ticks, tick labels, grid lines and axis labels.
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
}

extension NiceTicks {
    /// Whether tick `v` lies within `domain` (with a tiny tolerance for rounding).
    func contains(_ v: Double, in domain: ClosedRange<Double>) -> Bool {
        let tol = step * 1e-6
        return v >= domain.lowerBound - tol && v <= domain.upperBound + tol
    }
}
