/// Horizontal placement of a text box relative to its anchor point.
public enum HAlign: Sendable { case left, center, right }
/// Vertical placement of a text box relative to its anchor point.
public enum VAlign: Sendable { case top, middle, bottom }

/// How a string is laid out: font, integer pixel scale, alignment and rotation.
public struct TextStyle: Sendable {
    public var font: BitmapFont
    public var scale: Int
    public var color: RGBA
    public var hAlign: HAlign
    public var vAlign: VAlign
    /// When true the text is rotated 90° counter-clockwise (reads bottom to top, as y-axis labels do).
    /// Alignment then refers to the rotated box as it appears on the canvas.
    public var rotated: Bool

    public init(font: BitmapFont = .regular, scale: Int = 1, color: RGBA = .ink,
                hAlign: HAlign = .left, vAlign: VAlign = .top, rotated: Bool = false) {
        self.font = font; self.scale = max(1, scale); self.color = color
        self.hAlign = hAlign; self.vAlign = vAlign; self.rotated = rotated
    }

    public static let title = TextStyle(font: .bold, hAlign: .center, vAlign: .top)
    public static let label = TextStyle(font: .regular)

    public func aligned(_ h: HAlign, _ v: VAlign) -> TextStyle {
        var s = self; s.hAlign = h; s.vAlign = v; return s
    }
    public func colored(_ c: RGBA) -> TextStyle { var s = self; s.color = c; return s }
    public func rotatedUp() -> TextStyle { var s = self; s.rotated = true; return s }

    /// `text` broken at spaces into lines at most `width` pixels wide (a word wider than `width` is split
    /// between characters). nil or a width that fits keeps one line; an empty text gives no lines.
    public func wrapped(_ text: String, width: Int?) -> [String] {
        guard !text.isEmpty else { return [] }
        guard let width, font.measure(text, scale: scale) > width else { return [text] }
        let perLine = max(1, width / max(1, font.width * scale))
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            var word = word
            while word.unicodeScalars.count > perLine {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(String.UnicodeScalarView(word.unicodeScalars.prefix(perLine))))
                word = String(String.UnicodeScalarView(word.unicodeScalars.dropFirst(perLine)))
            }
            if current.isEmpty { current = word }
            else if current.unicodeScalars.count + 1 + word.unicodeScalars.count <= perLine { current += " " + word }
            else { lines.append(current); current = word }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Size of the drawn box on the canvas (width, height), rotation included.
    public func size(of text: String) -> (width: Int, height: Int) {
        let w = font.measure(text, scale: scale), h = font.lineHeight(scale: scale)
        return rotated ? (h, w) : (w, h)
    }
}

extension Canvas {
    /// Draws one line of text anchored at `p`; returns the box it occupies (clipped drawing is silent).
    /// Glyph pixels are blended with the style colour; the background is left untouched. Text with characters
    /// the bitmap font lacks is set in a system font (``SystemFonts``) when one covers it.
    @discardableResult
    public mutating func text(_ string: String, at p: Point, _ style: TextStyle) -> Rect {
        beginRecording(.text(string, at: p, style)); defer { endRecording() }
        let (bw, bh) = style.size(of: string)
        var left = p.x, top = p.y
        switch style.hAlign {
        case .left: break
        case .center: left -= Double(bw) / 2
        case .right: left -= Double(bw)
        }
        switch style.vAlign {
        case .top: break
        case .middle: top -= Double(bh) / 2
        case .bottom: top -= Double(bh)
        }
        let x0 = Int(left.rounded(.down)), y0 = Int(top.rounded(.down))
        let font = style.font, s = style.scale
        if !style.rotated, string.unicodeScalars.contains(where: { !font.hasGlyph($0) }), SystemFonts.covers(string),
           let mask = SystemFonts.rasterize(string, anchor: p, style: style,
                                            fontPixels: Double(font.lineHeight(scale: s)) * VectorFigure.fontScale) {
            // Scripts the bitmap font lacks: the system font's glyphs, set as in SVG/PDF.
            for y in 0..<mask.height {
                for x in 0..<mask.width where mask.alpha[y * mask.width + x] > 0 {
                    blend(mask.x + x, mask.y + y, style.color, coverage: Double(mask.alpha[y * mask.width + x]) / 255)
                }
            }
            return Rect(x: Double(x0), y: Double(y0), width: Double(bw), height: Double(bh))
        }
        var advance = 0
        for scalar in string.unicodeScalars {
            let rows = font.glyphRows(scalar)
            for (gy, bits) in rows.enumerated() where bits != 0 {
                for gx in 0..<font.width where bits & (1 << UInt8(font.width - 1 - gx)) != 0 {
                    // Unrotated: column advance+gx, row gy. Rotated 90° CCW: the text baseline runs upwards,
                    // glyph rows map to columns and glyph columns map to rows counted from the bottom.
                    let u = advance + gx * s, v = gy * s
                    for dy in 0..<s {
                        for dx in 0..<s {
                            if style.rotated {
                                blend(x0 + v + dy, y0 + bh - 1 - (u + dx), style.color)
                            } else {
                                blend(x0 + u + dx, y0 + v + dy, style.color)
                            }
                        }
                    }
                }
            }
            advance += font.width * s
        }
        return Rect(x: Double(x0), y: Double(y0), width: Double(bw), height: Double(bh))
    }
}
