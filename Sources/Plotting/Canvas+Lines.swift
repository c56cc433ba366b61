/// Anti-aliased lines and polylines.
///
/// Coverage of a pixel is `clamp(w/2 + 0.5 − d, 0, 1)` where `d` is the distance from the pixel centre to the
/// segment and `w` the line width: a one-pixel box filter that keeps lines of any width and slope readable and
/// is exactly reproducible. A polyline takes the maximum coverage over its segments before blending once, so
/// joints are not darkened twice when the colour is translucent.
extension Canvas {
    /// Draws a straight segment. Non-finite endpoints draw nothing.
    public mutating func line(from a: Point, to b: Point, _ c: RGBA, width: Double = 1) {
        polyline([a, b], c, width: width)
    }

    /// Draws connected segments through `points`. Points with non-finite coordinates split the line into
    /// separate runs (a NaN mean leaves a gap rather than a spike). Fewer than two points draw nothing.
    public mutating func polyline(_ points: [Point], _ c: RGBA, width: Double = 1) {
        beginRecording(.polyline(points, c, width: width)); defer { endRecording() }
        var runs: [[Point]] = [[]]
        for p in points {
            if p.x.isFinite && p.y.isFinite { runs[runs.count - 1].append(p) } else { runs.append([]) }
        }
        for run in runs where run.count >= 2 { strokeRun(run, c, width: width) }
    }

    private mutating func strokeRun(_ pts: [Point], _ c: RGBA, width w: Double) {
        let reach = w / 2 + 1
        let minX = max(0, Int((pts.map(\.x).min()! - reach).rounded(.down)))
        let maxX = min(width - 1, Int((pts.map(\.x).max()! + reach).rounded(.up)))
        let minY = max(0, Int((pts.map(\.y).min()! - reach).rounded(.down)))
        let maxY = min(height - 1, Int((pts.map(\.y).max()! + reach).rounded(.up)))
        guard minX <= maxX, minY <= maxY else { return }
        let bw = maxX - minX + 1
        var coverage = [Double](repeating: 0, count: bw * (maxY - minY + 1))
        for k in 0..<(pts.count - 1) {
            let a = pts[k], b = pts[k + 1]
            let sx0 = max(minX, Int((min(a.x, b.x) - reach).rounded(.down)))
            let sx1 = min(maxX, Int((max(a.x, b.x) + reach).rounded(.up)))
            let sy0 = max(minY, Int((min(a.y, b.y) - reach).rounded(.down)))
            let sy1 = min(maxY, Int((max(a.y, b.y) + reach).rounded(.up)))
            guard sx0 <= sx1, sy0 <= sy1 else { continue }
            let dx = b.x - a.x, dy = b.y - a.y
            let len2 = dx * dx + dy * dy
            for y in sy0...sy1 {
                let py = Double(y) + 0.5
                for x in sx0...sx1 {
                    let px = Double(x) + 0.5
                    var t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0
                    t = max(0, min(1, t))
                    let ex = a.x + t * dx - px, ey = a.y + t * dy - py
                    let d = (ex * ex + ey * ey).squareRoot()
                    let cov = max(0, min(1, w / 2 + 0.5 - d))
                    let idx = (y - minY) * bw + (x - minX)
                    if cov > coverage[idx] { coverage[idx] = cov }
                }
            }
        }
        for y in minY...maxY {
            for x in minX...maxX {
                let cov = coverage[(y - minY) * bw + (x - minX)]
                if cov > 0 { blend(x, y, c, coverage: cov) }
            }
        }
    }
}
