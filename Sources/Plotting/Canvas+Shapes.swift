/// Marker shapes for scatter points and line vertices.
public enum MarkerShape: String, Sendable, CaseIterable {
    case circle, square, triangle, diamond
}

/// Filled polygons (anti-aliased by 4 sub-scanlines per pixel with exact horizontal coverage) and markers.
extension Canvas {
    /// Fills a polygon with the even–odd rule. Fewer than three finite vertices draw nothing.
    ///
    /// Anti-aliasing: each pixel row is sampled at four sub-scanlines; along each sub-scanline the covered
    /// horizontal fraction of every pixel is exact. Deterministic and fast enough for confidence bands.
    public mutating func fillPolygon(_ vertices: [Point], _ c: RGBA) {
        beginRecording(.polygon(vertices, c)); defer { endRecording() }
        let pts = vertices.filter { $0.x.isFinite && $0.y.isFinite }
        guard pts.count >= 3, width > 0, height > 0 else { return }
        let minX = max(0, Int(pts.map(\.x).min()!.rounded(.down)))
        let maxX = min(width - 1, Int(pts.map(\.x).max()!.rounded(.up)))
        let minY = max(0, Int(pts.map(\.y).min()!.rounded(.down)))
        let maxY = min(height - 1, Int(pts.map(\.y).max()!.rounded(.up)))
        guard minX <= maxX, minY <= maxY else { return }
        let sub = 4
        let bw = maxX - minX + 1
        var row = [Double](repeating: 0, count: bw)
        var xs = [Double]()
        for y in minY...maxY {
            for i in 0..<bw { row[i] = 0 }
            for s in 0..<sub {
                let sy = Double(y) + (Double(s) + 0.5) / Double(sub)
                xs.removeAll(keepingCapacity: true)
                for k in 0..<pts.count {
                    let a = pts[k], b = pts[(k + 1) % pts.count]
                    if (a.y <= sy && b.y > sy) || (b.y <= sy && a.y > sy) {
                        xs.append(a.x + (sy - a.y) / (b.y - a.y) * (b.x - a.x))
                    }
                }
                xs.sort()
                var k = 0
                while k + 1 < xs.count {
                    addSpan(&row, xs[k], xs[k + 1], origin: minX, weight: 1 / Double(sub))
                    k += 2
                }
            }
            for i in 0..<bw where row[i] > 0 { blend(minX + i, y, c, coverage: row[i]) }
        }
    }

    private func addSpan(_ row: inout [Double], _ xa: Double, _ xb: Double, origin: Int, weight: Double) {
        let lo = max(xa, Double(origin)), hi = min(xb, Double(origin + row.count))
        guard hi > lo else { return }
        let i0 = Int(lo.rounded(.down)), i1 = Int(hi.rounded(.up)) - 1
        for i in i0...max(i0, i1) {
            let covered = min(hi, Double(i + 1)) - max(lo, Double(i))
            if covered > 0, i - origin >= 0, i - origin < row.count { row[i - origin] += covered * weight }
        }
    }

    /// Fills a disc of radius `r` centred at `centre`, anti-aliased by distance to the rim.
    public mutating func fillCircle(centre: Point, radius r: Double, _ c: RGBA) {
        guard r > 0, centre.x.isFinite, centre.y.isFinite else { return }
        beginRecording(.circle(centre, radius: r, c)); defer { endRecording() }
        let x0 = Int((centre.x - r - 1).rounded(.down)), x1 = Int((centre.x + r + 1).rounded(.up))
        let y0 = Int((centre.y - r - 1).rounded(.down)), y1 = Int((centre.y + r + 1).rounded(.up))
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Double(x) + 0.5 - centre.x, dy = Double(y) + 0.5 - centre.y
                let cov = max(0, min(1, r + 0.5 - (dx * dx + dy * dy).squareRoot()))
                if cov > 0 { blend(x, y, c, coverage: cov) }
            }
        }
    }

    /// Draws a marker of the given shape; `size` is the marker's full width in pixels.
    public mutating func marker(_ shape: MarkerShape, at p: Point, size: Double, _ c: RGBA) {
        let h = size / 2
        switch shape {
        case .circle:
            fillCircle(centre: p, radius: h, c)
        case .square:
            fill(Rect(x: p.x - h, y: p.y - h, width: size, height: size), c)
        case .triangle:
            fillPolygon([Point(p.x, p.y - h * 1.15), Point(p.x + h * 1.1, p.y + h * 0.85),
                         Point(p.x - h * 1.1, p.y + h * 0.85)], c)
        case .diamond:
            fillPolygon([Point(p.x, p.y - h * 1.2), Point(p.x + h, p.y), Point(p.x, p.y + h * 1.2),
                         Point(p.x - h, p.y)], c)
        }
    }
}

extension Canvas {
    /// Fills the area between `lower` and `upper` along `xs` (all in pixel coordinates), e.g. a confidence
    /// band. Indices where any of the three is non-finite split the band into separate pieces; pieces with
    /// fewer than two points are skipped. Arrays of different lengths use their common prefix.
    public mutating func fillBand(xs: [Double], lower: [Double], upper: [Double], _ c: RGBA) {
        let n = min(xs.count, lower.count, upper.count)
        var run = [Int]()
        func flush() {
            if run.count >= 2 {
                let top = run.map { Point(xs[$0], upper[$0]) }
                let bottom = run.reversed().map { Point(xs[$0], lower[$0]) }
                fillPolygon(top + bottom, c)
            }
            run.removeAll()
        }
        for i in 0..<n {
            if xs[i].isFinite && lower[i].isFinite && upper[i].isFinite { run.append(i) } else { flush() }
        }
        flush()
    }
}

extension Canvas {
    /// Diagonal hatching (lines rising to the right, `spacing` pixels apart) clipped to `rect`: marks cells
    /// whose value is not distinguishable from zero without hiding their colour.
    public mutating func hatch(_ rect: Rect, _ c: RGBA, spacing: Double = 5, width: Double = 1) {
        guard rect.width > 0, rect.height > 0, spacing > 0 else { return }
        // Lines x + y = k for k from minX + minY to maxX + maxY, each cut to the rectangle.
        var k = rect.minX + rect.minY + spacing / 2
        while k < rect.maxX + rect.maxY {
            let x0 = max(rect.minX, k - rect.maxY), x1 = min(rect.maxX, k - rect.minY)
            if x1 > x0 { line(from: Point(x0, k - x0), to: Point(x1, k - x1), c, width: width) }
            k += spacing
        }
    }
}
