#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-patch (or per-byte) entropy vs sparsity: points, or a 2-D histogram density when there are more than
/// ``densityThreshold`` points, with the OLS line and Pearson's r in the title.
///
/// Pairs with a non-finite coordinate are dropped (and not counted in n). Density bins use a log10 colour
/// scale of the count; empty bins stay white.
public struct ScatterFigure: Figure {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var x: [Double]
    public var y: [Double]
    /// Above this many points the cloud is drawn as a 2-D histogram.
    public var densityThreshold: Int
    /// Bins along x for the density (y gets proportionally as many for the plot's aspect).
    public var bins: Int
    /// The fit to annotate (and draw, see ``drawsFitLine``), computed by the caller (Statistics); nil: none.
    public var fit: LinearFit?
    /// What one point is, for the legend (e.g. "patches", "bytes").
    public var pointLabel: String
    /// Extra text appended to the annotation line, e.g. "Spearman ρ = 0.41 [0.37, 0.45]".
    public var note: String?
    /// Draw the pooled OLS line (the annotation keeps r and the fit either way). Off where the points come
    /// from many texts whose clusters a single pooled line would misdescribe (the report's patch scatter,
    /// whose test is a within-text partial correlation).
    public var drawsFitLine = true
    public var maxWidth: Int? = nil

    public init(title: String, xLabel: String, yLabel: String, x: [Double], y: [Double],
                densityThreshold: Int = 2000, bins: Int = 72, fit: LinearFit? = nil, note: String? = nil,
                pointLabel: String = "patches") {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.x = x; self.y = y
        self.densityThreshold = densityThreshold; self.bins = bins; self.fit = fit; self.note = note
        self.pointLabel = pointLabel
    }

    /// Plot size in pixels (the histogram's bin grid follows its aspect ratio).
    static let plotW = 560, plotH = 420

    /// The finite pairs, the fit, the nice axes and (above ``densityThreshold`` points) the 2-D histogram
    /// the figure draws: counts[j · nx + i] for x bin i and y bin j over the axes' nice ranges.
    func binned() -> (px: [Double], py: [Double], fit: LinearFit?, xt: NiceTicks, yt: NiceTicks, nx: Int, ny: Int, counts: [Int]) {
        var px = [Double](), py = [Double]()
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite { px.append(a); py.append(b) }
        let fit = self.fit
        let xr = widened(finiteRange(px)), yr = widened(finiteRange(py))
        let xt = NiceTicks(xr.lowerBound, xr.upperBound, target: 6).extendedToNiceRange
        let yt = NiceTicks(yr.lowerBound, yr.upperBound, target: 6).extendedToNiceRange
        let xDomain = xt.niceRange, yDomain = yt.niceRange
        let nx = max(4, bins), ny = max(4, bins * Self.plotH / Self.plotW)
        var counts = [Int](repeating: 0, count: nx * ny)
        if px.count > densityThreshold {
            for (a, b) in zip(px, py) {
                let i = min(nx - 1, Int((a - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * Double(nx)))
                let j = min(ny - 1, Int((b - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * Double(ny)))
                counts[max(0, j) * nx + max(0, i)] += 1
            }
        }
        return (px, py, fit, xt, yt, nx, ny, counts)
    }

    public func render() throws -> Canvas {
        guard x.count == y.count else {
            throw PlottingError.invalidInput(field: "y", message: "\(y.count) values for \(x.count) x values")
        }
        let (px, py, fit, xt, yt, nx, ny, counts) = binned()
        var annotation = "n = \(px.count)"
        if let fit {
            annotation = "Pearson r = \(NumberFormat.fixed(fit.r, decimals: 3)) · OLS y = \(NumberFormat.compact(fit.slope))x "
                + (fit.intercept < 0 ? "\u{2212} " : "+ ") + "\(NumberFormat.compact(abs(fit.intercept))) · n = \(px.count)"
        }
        if let note { annotation += " · " + note }
        let xDomain = xt.niceRange, yDomain = yt.niceRange
        let tickW = yt.labels.map { TextStyle.label.size(of: $0).width }.max() ?? 0
        let plotX = Layout.margin + 14 + 8 + tickW + 10
        let density = px.count > densityThreshold
        let maxCount = counts.max() ?? 0
        let logRange = 0...max(0.5, log10(Double(max(1, maxCount))))
        let barLabel = "log10 \(pointLabel) per bin"
        let barExtent = { (h: Int) in density ? 24 + 16 + Canvas.colorBarExtent(range: logRange, height: h, label: barLabel) : 0 }
        let naturalWidth = max(plotX + Self.plotW + barExtent(Self.plotH) + Layout.margin + 8, Canvas.headerWidth(title, annotation))
        // Within a width budget the plot keeps its 4:3 aspect (the bins' shape) and shrinks to fit.
        let compact = maxWidth.map { $0 < naturalWidth } ?? false
        let plotW = compact ? max(160, maxWidth! - plotX - barExtent(240) - Layout.margin - 8) : Self.plotW
        let plotH = compact ? plotW * Self.plotH / Self.plotW : Self.plotH
        let width = compact ? max(maxWidth!, plotX + plotW + barExtent(plotH) + Layout.margin + 8) : naturalWidth
        let wrap: Int? = compact ? width : nil
        let headerH = Canvas.headerHeight(title, annotation, width: wrap)
        let height = headerH + plotH + 8 + 14 + 6 + 14 + Layout.margin + 4
        var canvas = Canvas(width: width, height: height)
        let top = canvas.title(title, subtitle: annotation, width: wrap)
        let plot = Rect(x: Double(plotX), y: Double(top), width: Double(plotW), height: Double(plotH))
        let xs = LinearScale(domain: xDomain, from: plot.minX, to: plot.maxX)
        let ys = LinearScale(domain: yDomain, from: plot.maxY, to: plot.minY)
        canvas.yAxis(plot, scale: ys, ticks: yt, label: yLabel)
        let xTickVals = xt.values.filter { xt.contains($0, in: xDomain) }
        for v in xTickVals { canvas.vline(x: Int(xs(v).rounded(.down)), y0: Int(plot.minY) + 1, y1: Int(plot.maxY), .grid) }
        if density {
            for j in 0..<ny {
                for i in 0..<nx where counts[j * nx + i] > 0 {
                    let c = Colormap.viridis.color(log10(Double(counts[j * nx + i])), in: logRange)
                    let x0 = Int(xs(xDomain.lowerBound + Double(i) / Double(nx) * (xDomain.upperBound - xDomain.lowerBound)).rounded())
                    let x1 = Int(xs(xDomain.lowerBound + Double(i + 1) / Double(nx) * (xDomain.upperBound - xDomain.lowerBound)).rounded())
                    let y1 = Int(ys(yDomain.lowerBound + Double(j) / Double(ny) * (yDomain.upperBound - yDomain.lowerBound)).rounded())
                    let y0 = Int(ys(yDomain.lowerBound + Double(j + 1) / Double(ny) * (yDomain.upperBound - yDomain.lowerBound)).rounded())
                    canvas.fillPixels(x0: x0, y0: y0, x1: x1, y1: y1, c)
                }
            }
        } else {
            for (a, b) in zip(px, py) {
                canvas.fillCircle(centre: Point(xs(a), ys(b)), radius: 2, RGBA.series(0).withAlpha(0.55))
            }
        }
        if drawsFitLine, let fit, fit.slope.isFinite, fit.intercept.isFinite {
            // Clip the line to the plot box (it may leave through the top or bottom).
            let a = xDomain.lowerBound, b = xDomain.upperBound
            var p0 = Point(xs(a), ys(fit.intercept + fit.slope * a)), p1 = Point(xs(b), ys(fit.intercept + fit.slope * b))
            if let clipped = clip(p0, p1, to: plot) { (p0, p1) = clipped
                canvas.line(from: p0, to: p1, RGBA.white.withAlpha(0.9), width: 4.5)
                canvas.line(from: p0, to: p1, RGBA(hex: 0xD55E00), width: 2.5)
            }
        }
        canvas.stroke(plot, .ink)
        canvas.xAxis(plot, positions: xTickVals.map { xs($0).rounded(.down) },
                     labels: xTickVals.map { NumberFormat.tick($0, step: xt.step) }, label: xLabel)
        canvas.legend([LegendEntry(name: "OLS fit", color: RGBA(hex: 0xD55E00), lineWidth: 2.5)]
                      + (density ? [] : [LegendEntry(name: pointLabel, color: RGBA.series(0).withAlpha(0.55), marker: .circle, lineWidth: 0)]),
                      at: Point(plot.minX + 8, plot.minY + 8))
        if density {
            canvas.colorBar(Rect(x: plot.maxX + 24, y: plot.minY, width: 16, height: plot.height),
                            colormap: .viridis, range: logRange, label: barLabel)
        }
        return canvas
    }

    /// Liang–Barsky clipping of a segment to a rectangle; nil when fully outside.
    private func clip(_ p0: Point, _ p1: Point, to r: Rect) -> (Point, Point)? {
        var t0 = 0.0, t1 = 1.0
        let dx = p1.x - p0.x, dy = p1.y - p0.y
        for (p, q) in [(-dx, p0.x - r.minX), (dx, r.maxX - p0.x), (-dy, p0.y - r.minY), (dy, r.maxY - p0.y)] {
            if p == 0 { if q < 0 { return nil } else { continue } }
            let t = q / p
            if p < 0 { t0 = max(t0, t) } else { t1 = min(t1, t) }
            if t0 > t1 { return nil }
        }
        return (Point(p0.x + t0 * dx, p0.y + t0 * dy), Point(p0.x + t1 * dx, p0.y + t1 * dy))
    }
}
