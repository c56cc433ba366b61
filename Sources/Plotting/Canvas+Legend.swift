/// Legends: one row per series with a line/marker/band sample.
extension Canvas {
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
