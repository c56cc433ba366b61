/// A 256-entry colour lookup table.
///
/// ``viridis`` and ``magma`` are perceptually uniform sequential maps; ``coolwarm`` is a diverging map for
/// signed values (centre is neutral grey-white). Tables are sampled from matplotlib by
/// `Notebooks-as-scripts/make_plotting_tables.py`.
public struct Colormap: Sendable {
    public let name: String
    /// 768 floats, RGB triples in 0...1.
    let table: [Float]
    /// Colour for NaN / missing values.
    public var missing: RGBA = RGBA(hex: 0xD9D9D9)

    public static let viridis = Colormap(name: "viridis", table: viridisTable)
    public static let magma = Colormap(name: "magma", table: magmaTable)
    public static let coolwarm = Colormap(name: "coolwarm", table: coolwarmTable)

    /// The LUT entry `index` (0...255, clamped) as unit floats (r, g, b).
    public func entry(_ index: Int) -> (r: Float, g: Float, b: Float) {
        let i = max(0, min(255, index)) * 3
        return (table[i], table[i + 1], table[i + 2])
    }

    /// Colour for `t` in 0...1 (clamped; nearest of the 256 entries, as matplotlib does). NaN → ``missing``.
    public func color(_ t: Double) -> RGBA {
        guard !t.isNaN else { return missing }
        let i = Int((max(0, min(1, t)) * 256).rounded(.down))
        let e = entry(min(255, i))
        return RGBA(unit: Double(e.r), Double(e.g), Double(e.b))
    }

    /// Colour for `value` normalised linearly by `range`; a degenerate range maps everything to the middle.
    public func color(_ value: Double, in range: ClosedRange<Double>) -> RGBA {
        let span = range.upperBound - range.lowerBound
        guard span > 0 else { return value.isNaN ? missing : color(0.5) }
        return color((value - range.lowerBound) / span)
    }
}
