/// An 8-bit sRGB colour with straight (non-premultiplied) alpha.
public struct RGBA: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public var a: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }

    /// Builds a colour from components in 0...1; values outside are clamped, NaN maps to 0.
    public init(unit r: Double, _ g: Double, _ b: Double, alpha: Double = 1) {
        self.init(RGBA.quantize(r), RGBA.quantize(g), RGBA.quantize(b), RGBA.quantize(alpha))
    }

    /// `0xRRGGBB` hex literal, opaque.
    public init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
    }

    /// The same colour with alpha replaced by `alpha` in 0...1.
    public func withAlpha(_ alpha: Double) -> RGBA {
        RGBA(r, g, b, RGBA.quantize(alpha))
    }

    /// Rounds a unit value to 0...255 (round half up); NaN becomes 0.
    static func quantize(_ v: Double) -> UInt8 {
        guard !v.isNaN else { return 0 }
        return UInt8(max(0, min(255, (v * 255).rounded(.toNearestOrAwayFromZero))))
    }

    public var description: String { "RGBA(\(r), \(g), \(b), \(a))" }

    public static let white = RGBA(255, 255, 255)
    public static let black = RGBA(0, 0, 0)
    public static let clear = RGBA(0, 0, 0, 0)
    /// Dark grey used for axes, ticks and text (softer than pure black).
    public static let ink = RGBA(hex: 0x262626)
    public static let grid = RGBA(hex: 0xE0E0E0)
    public static let lightGrey = RGBA(hex: 0xBDBDBD)
    public static let midGrey = RGBA(hex: 0x808080)

    /// A qualitative palette for lines and markers (Okabe–Ito, colour-blind safe), in the order to use.
    public static let series: [RGBA] = [
        RGBA(hex: 0x0072B2), RGBA(hex: 0xD55E00), RGBA(hex: 0x009E73), RGBA(hex: 0xCC79A7),
        RGBA(hex: 0xE69F00), RGBA(hex: 0x56B4E9), RGBA(hex: 0xF0E442), RGBA(hex: 0x000000),
    ]

    /// The `index`-th series colour, cycling through ``series``.
    public static func series(_ index: Int) -> RGBA {
        series[((index % series.count) + series.count) % series.count]
    }
}
