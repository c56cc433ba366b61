/// A figure: a plain value describing data plus labels that renders itself to a ``Canvas``.
///
/// Figures validate their input and throw ``PlottingError/invalidInput(field:message:)`` naming the field when
/// arrays disagree in length; NaN values are allowed everywhere and drawn as gaps or the colormap's
/// "missing" grey. Rendering is deterministic: the same value gives the same pixels.
///
/// ``maxWidth`` is the width budget in canvas pixels (a ``FigurePreset`` sets it for a paper column): nil lays
/// the figure out at its natural screen width; a budget makes the figure exactly that wide where it can
/// (titles and captions wrap, legends move under their panel, plots narrow) and never narrower than its
/// content needs.
public protocol Figure: Sendable {
    var maxWidth: Int? { get set }
    func render() throws -> Canvas
}

extension Figure {
    /// Renders and writes a PNG atomically (temporary file, then rename).
    public func writePNG(to path: String) throws {
        try render().writePNG(to: path)
    }
}

/// Whether a figure's position axis counts bytes or patches.
public enum PositionUnit: String, Sendable, CaseIterable {
    case bytes, patches

    /// Axis label for the unit.
    public var axisLabel: String { self == .bytes ? "byte position" : "patch index" }
}

/// Shared layout constants (pixels).
enum Layout {
    static let margin = 14
    static let titleGap = 10
}

/// Tick labels for named levels on an x axis with `slot` pixels per level: the names (rotated when they
/// would overlap), or — in a width-limited layout where rotated names would be taller than `maxHeight` —
/// the level indices, with a key ("levels: 0 English · 1 de/fr/es · …") for the caption.
func levelTicks(_ levels: [String], slot: Double, maxHeight: Int?) -> (labels: [String], rotate: Bool, key: String?) {
    let widest = levels.map { TextStyle.label.size(of: $0).width }.max() ?? 0
    let rotate = Double(widest) + 6 > slot
    guard rotate, let maxHeight, widest > maxHeight, let last = levels.indices.last else { return (levels, rotate, nil) }
    let indices = levels.indices.map(String.init)
    let key = "levels: " + levels.enumerated().map { "\($0) \($1)" }.joined(separator: " · ")
    return (indices, Double(TextStyle.label.size(of: String(last)).width) + 6 > slot, key)
}

/// Finite minimum and maximum of values, or nil when there is none.
func finiteRange<S: Sequence>(_ values: S) -> ClosedRange<Double>? where S.Element == Double {
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
    return lo <= hi ? lo...hi : nil
}

/// Widens a degenerate range so colour scales and axes have a non-zero span.
func widened(_ r: ClosedRange<Double>?) -> ClosedRange<Double> {
    guard let r else { return 0...1 }
    if r.upperBound > r.lowerBound { return r }
    let pad = r.lowerBound == 0 ? 0.5 : abs(r.lowerBound) * 0.1
    return (r.lowerBound - pad)...(r.upperBound + pad)
}

/// Patch index of every byte given patch start offsets (sorted, first 0). Bytes before the first start
/// belong to patch 0.
func patchIndexOfByte(starts: [Int], byteCount: Int) -> [Int] {
    var out = [Int](repeating: 0, count: byteCount)
    var p = 0
    for i in 0..<byteCount {
        while p + 1 < starts.count && starts[p + 1] <= i { p += 1 }
        out[i] = p
    }
    return out
}

/// Validates patch starts: strictly increasing, first 0, all < byteCount.
func validatePatchStarts(_ starts: [Int], byteCount: Int, field: String) throws {
    guard byteCount == 0 || starts.first == 0 else {
        throw PlottingError.invalidInput(field: field, message: "must start with 0, got \(starts.first.map(String.init) ?? "none")")
    }
    for i in starts.indices {
        if starts[i] < 0 || starts[i] >= max(1, byteCount) {
            throw PlottingError.invalidInput(field: field, message: "offset \(starts[i]) at index \(i) outside 0..<\(byteCount)")
        }
        if i > 0 && starts[i] <= starts[i - 1] {
            throw PlottingError.invalidInput(field: field, message: "not strictly increasing at index \(i)")
        }
    }
}

/// Ink or white, whichever reads better on `background` (luma threshold).
func contrastingInk(on background: RGBA) -> RGBA {
    let luma = 0.299 * Double(background.r) + 0.587 * Double(background.g) + 0.114 * Double(background.b)
    return luma > 140 ? .ink : .white
}

extension Canvas {
    static let subtitleStyle = TextStyle.label.aligned(.center, .top).colored(RGBA(hex: 0x555555))
    static let captionStyle = TextStyle.label.colored(RGBA(hex: 0x555555))

    /// Lines of the title and subtitle within `width` pixels (nil: one line each, as wide as they are).
    static func headerLines(_ title: String, _ subtitle: String?, width: Int?) -> (title: [String], subtitle: [String]) {
        let w = width.map { max(40, $0 - 2 * Layout.margin) }
        return (TextStyle.title.wrapped(title, width: w), subtitleStyle.wrapped(subtitle ?? "", width: w))
    }

    /// Height of what ``title(_:subtitle:width:)`` draws, the gap below included.
    static func headerHeight(_ title: String, _ subtitle: String?, width: Int?) -> Int {
        let (t, s) = headerLines(title, subtitle, width: width)
        // An empty title keeps its line, as the one-line layout always did.
        return Layout.margin + max(1, t.count) * (BitmapFont.bold.height + 4) + s.count * (BitmapFont.regular.height + 2) + Layout.titleGap
    }

    /// Width the header needs on one line each (the natural layout's lower bound on the canvas width).
    static func headerWidth(_ title: String, _ subtitle: String?) -> Int {
        max(TextStyle.title.size(of: title).width, TextStyle.label.size(of: subtitle ?? "").width) + 2 * Layout.margin
    }

    /// Draws the figure title centred at the top, wrapped within `width` pixels when given; returns the y
    /// below it.
    mutating func title(_ title: String, subtitle: String? = nil, width wrapWidth: Int? = nil) -> Int {
        var y = Layout.margin
        let (titleLines, subtitleLines) = Self.headerLines(title, subtitle, width: wrapWidth)
        for line in titleLines {
            let box = text(line, at: Point(Double(width) / 2, Double(y)), .title)
            y += Int(box.height) + 4
        }
        for line in subtitleLines {
            let box = text(line, at: Point(Double(width) / 2, Double(y)), Self.subtitleStyle)
            y += Int(box.height) + 2
        }
        return y + Layout.titleGap
    }

    /// Lines of a caption within `width` pixels (nil: one line).
    static func captionLines(_ caption: String?, width: Int?) -> [String] {
        captionStyle.wrapped(caption ?? "", width: width.map { max(40, $0 - 2 * Layout.margin) })
    }

    /// Draws caption lines left-aligned at `x` with the last line's bottom at `bottom`.
    mutating func caption(_ lines: [String], x: Int, bottom: Int, centred: Bool = false) {
        let lineH = BitmapFont.regular.height + 2
        for (i, line) in lines.enumerated() {
            let y = Double(bottom - (lines.count - 1 - i) * lineH)
            let style = Self.captionStyle.aligned(centred ? .center : .left, .bottom)
            text(line, at: Point(centred ? Double(width) / 2 : Double(x), y), style)
        }
    }
}
