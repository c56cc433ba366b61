/// Vertical colour bars with nice ticks.
extension Canvas {
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
}
