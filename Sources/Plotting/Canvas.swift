/// A point in canvas pixel coordinates: x to the right, y downwards; pixel (i, j) covers [i, i+1) × [j, j+1),
/// so its centre is (i + 0.5, j + 0.5).
public struct Point: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// An axis-aligned rectangle in canvas pixel coordinates.
public struct Rect: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var minX: Double { x }
    public var minY: Double { y }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }
}

/// An RGBA raster with 8 bits per channel, row-major, top row first, straight alpha.
///
/// All drawing is deterministic: the same calls produce the same bytes on every run (integer rounding only,
/// no platform-dependent text rendering). Drawing outside the canvas is clipped silently.
///
/// Besides the pixels, a canvas records every drawing call as a ``DrawingOperation`` (rectangles, lines,
/// polygons, circles, text), so the same figure can be written as vector SVG or PDF with real fonts
/// (``VectorFigure``). Equality compares the pixels only.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 4` bytes, RGBA per pixel.
    public internal(set) var pixels: [UInt8]
    /// The drawing calls in order, in this canvas's pixel coordinates (see ``DrawingOperation``).
    public internal(set) var operations: [DrawingOperation] = []
    /// True when the pixels did not come from recorded calls alone (a decoded PNG, raw bytes, a pixel
    /// enlargement): a vector rendering then draws them as an image under the recorded operations.
    public internal(set) var hasRasterContent = false
    /// Nesting depth of drawing calls: only the outermost leaf call is recorded (e.g. `stroke` is recorded
    /// as the four rectangles it fills, a glyph's pixels are not).
    var recordingDepth = 0

    public static func == (lhs: Canvas, rhs: Canvas) -> Bool {
        lhs.width == rhs.width && lhs.height == rhs.height && lhs.pixels == rhs.pixels
    }

    /// Records `op` unless a recorded call is already running (pair with ``endRecording()``).
    mutating func beginRecording(_ op: @autoclosure () -> DrawingOperation) {
        if recordingDepth == 0 { operations.append(op()) }
        recordingDepth += 1
    }

    mutating func endRecording() { recordingDepth -= 1 }

    /// A canvas filled with `background` (opaque white by default). Non-positive sizes give an empty canvas.
    public init(width: Int, height: Int, background: RGBA = .white) {
        self.width = max(0, width)
        self.height = max(0, height)
        var row = [UInt8]()
        row.reserveCapacity(self.width * 4)
        for _ in 0..<self.width { row += [background.r, background.g, background.b, background.a] }
        var all = [UInt8]()
        all.reserveCapacity(self.width * self.height * 4)
        for _ in 0..<self.height { all += row }
        pixels = all
        operations = [.fill(Rect(x: 0, y: 0, width: Double(self.width), height: Double(self.height)), background)]
    }

    /// Wraps existing RGBA bytes; throws if the count is not `width * height * 4`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width >= 0, height >= 0, pixels.count == width * height * 4 else {
            throw PlottingError.invalidInput(
                field: "pixels", message: "expected \(width)×\(height)×4 bytes, got \(pixels.count)")
        }
        self.width = width; self.height = height; self.pixels = pixels
        hasRasterContent = true
    }

    /// The colour at pixel (x, y), or nil outside the canvas.
    public func pixel(_ x: Int, _ y: Int) -> RGBA? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let i = (y * width + x) * 4
        return RGBA(pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    /// Replaces pixel (x, y) without blending; ignored outside the canvas.
    public mutating func set(_ x: Int, _ y: Int, _ c: RGBA) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 4
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b; pixels[i + 3] = c.a
    }

    /// Source-over blends `c` onto pixel (x, y) with its alpha scaled by `coverage` (0...1).
    /// Coverage ≤ 0 (or NaN) leaves the pixel untouched; ignored outside the canvas.
    public mutating func blend(_ x: Int, _ y: Int, _ c: RGBA, coverage: Double = 1) {
        guard x >= 0, y >= 0, x < width, y < height, coverage > 0 else { return }
        let sa = Double(c.a) / 255 * min(1, coverage)
        if sa <= 0 { return }
        let i = (y * width + x) * 4
        if sa >= 1 {
            pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b; pixels[i + 3] = 255
            return
        }
        let da = Double(pixels[i + 3]) / 255
        let oa = sa + da * (1 - sa)
        func mix(_ s: UInt8, _ d: UInt8) -> UInt8 {
            let v = (Double(s) * sa + Double(d) * da * (1 - sa)) / oa
            return UInt8(max(0, min(255, v.rounded(.toNearestOrAwayFromZero))))
        }
        pixels[i] = mix(c.r, pixels[i])
        pixels[i + 1] = mix(c.g, pixels[i + 1])
        pixels[i + 2] = mix(c.b, pixels[i + 2])
        pixels[i + 3] = UInt8(max(0, min(255, (oa * 255).rounded(.toNearestOrAwayFromZero))))
    }

    /// Fills a rectangle given in pixel units; edges that fall inside a pixel are blended by the covered
    /// fraction, so rectangles at fractional positions stay anti-aliased. Empty or non-finite rects draw nothing.
    public mutating func fill(_ rect: Rect, _ c: RGBA) {
        guard rect.width > 0, rect.height > 0, rect.x.isFinite, rect.y.isFinite,
              rect.width.isFinite, rect.height.isFinite else { return }
        beginRecording(.fill(rect, c)); defer { endRecording() }
        let x0 = max(0, Int(rect.minX.rounded(.down))), x1 = min(width, Int(rect.maxX.rounded(.up)))
        let y0 = max(0, Int(rect.minY.rounded(.down))), y1 = min(height, Int(rect.maxY.rounded(.up)))
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            let cy = min(Double(y + 1), rect.maxY) - max(Double(y), rect.minY)
            for x in x0..<x1 {
                let cx = min(Double(x + 1), rect.maxX) - max(Double(x), rect.minX)
                blend(x, y, c, coverage: cx * cy)
            }
        }
    }

    /// Fills whole pixels [x0, x1) × [y0, y1) with `c`, blended by its alpha. Fast path for heatmap cells.
    public mutating func fillPixels(x0: Int, y0: Int, x1: Int, y1: Int, _ c: RGBA) {
        let xa = max(0, x0), xb = min(width, x1), ya = max(0, y0), yb = min(height, y1)
        guard xa < xb, ya < yb else { return }
        beginRecording(.fill(Rect(x: Double(xa), y: Double(ya), width: Double(xb - xa), height: Double(yb - ya)), c))
        defer { endRecording() }
        for y in ya..<yb { for x in xa..<xb { blend(x, y, c) } }
    }

    /// Strokes the outline of a rectangle with a crisp `lineWidth`-pixel line drawn inside the rect's
    /// pixel-rounded bounds.
    public mutating func stroke(_ rect: Rect, _ c: RGBA, lineWidth: Int = 1) {
        let x0 = Int(rect.minX.rounded()), x1 = Int(rect.maxX.rounded())
        let y0 = Int(rect.minY.rounded()), y1 = Int(rect.maxY.rounded())
        let w = max(1, lineWidth)
        fillPixels(x0: x0, y0: y0, x1: x1, y1: y0 + w, c)
        fillPixels(x0: x0, y0: y1 - w, x1: x1, y1: y1, c)
        fillPixels(x0: x0, y0: y0 + w, x1: x0 + w, y1: y1 - w, c)
        fillPixels(x0: x1 - w, y0: y0 + w, x1: x1, y1: y1 - w, c)
    }

    /// A crisp one-pixel (or `lineWidth`) horizontal line covering pixels x0..<x1 at row y.
    public mutating func hline(x0: Int, x1: Int, y: Int, _ c: RGBA, lineWidth: Int = 1) {
        fillPixels(x0: x0, y0: y, x1: x1, y1: y + max(1, lineWidth), c)
    }

    /// A crisp one-pixel (or `lineWidth`) vertical line covering rows y0..<y1 at column x.
    public mutating func vline(x: Int, y0: Int, y1: Int, _ c: RGBA, lineWidth: Int = 1) {
        fillPixels(x0: x, y0: y0, x1: x + max(1, lineWidth), y1: y1, c)
    }

    /// Copies `other` onto this canvas with its top-left corner at (x, y), alpha-blending each pixel.
    public mutating func draw(_ other: Canvas, atX x: Int, y: Int) {
        beginRecording(.canvas(other, at: Point(Double(x), Double(y)))); defer { endRecording() }
        for j in 0..<other.height {
            for i in 0..<other.width {
                if let c = other.pixel(i, j) { blend(x + i, y + j, c) }
            }
        }
    }
}
