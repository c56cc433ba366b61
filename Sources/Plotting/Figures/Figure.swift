/// A figure: a plain value describing data plus labels that renders itself to a ``Canvas``.
///
/// Figures validate their input and throw ``PlottingError/invalidInput(field:message:)`` naming the field when
/// arrays disagree in length; NaN values are allowed everywhere and drawn as gaps or the colormap's
/// "missing" grey. Rendering is deterministic: the same value gives the same pixels.
public protocol Figure: Sendable {
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
    /// Draws the figure title centred at the top; returns the y below it.
    mutating func title(_ title: String, subtitle: String? = nil) -> Int {
        var y = Layout.margin
        if !title.isEmpty {
            let box = text(title, at: Point(Double(width) / 2, Double(y)), .title)
            y += Int(box.height) + 4
        }
        if let subtitle, !subtitle.isEmpty {
            let box = text(subtitle, at: Point(Double(width) / 2, Double(y)),
                           TextStyle.label.aligned(.center, .top).colored(RGBA(hex: 0x555555)))
            y += Int(box.height) + 2
        }
        return y + Layout.titleGap
    }
}
