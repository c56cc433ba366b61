/// How one byte is shown inside a glyph cell.
public enum ByteCellContent: Equatable, Sendable {
    /// Nothing (the space byte: the cell's background alone shows it).
    case blank
    /// A printable ASCII character, drawn with the regular font.
    case glyph(Character)
    /// Two lowercase hex digits, drawn with the small font (control bytes, DEL, every byte ≥ 0x80 such as
    /// UTF-8 lead and continuation bytes).
    case hex(String)

    /// The content for byte `b`: 0x21–0x7E → glyph, 0x20 → blank, anything else → hex.
    public init(_ b: UInt8) {
        switch b {
        case 0x20: self = .blank
        case 0x21...0x7E: self = .glyph(Character(UnicodeScalar(b)))
        default:
            let digits = Array("0123456789abcdef")
            self = .hex(String([digits[Int(b >> 4)], digits[Int(b & 0xF)]]))
        }
    }
}

/// A run of bytes a byte strip shows together: one character over the cells of its UTF-8 bytes, or a
/// single byte (ASCII, space, or hex for control bytes and bytes that are not part of valid UTF-8).
public struct ByteSpan: Equatable, Sendable {
    public var start: Int
    public var count: Int
    /// The character's text (nil: a single byte shown as ``ByteCellContent``).
    public var text: String?

    /// Spans covering `bytes` in order. A multi-byte sequence becomes one span when it is valid UTF-8
    /// (shortest form, no surrogates, ≤ U+10FFFF), the character is not a control or format character, and
    /// an installed font can draw it (see ``SystemFonts``); otherwise every byte of it is shown as hex.
    /// Combining marks are drawn on a dotted circle (U+25CC), the usual way to show a mark on its own.
    public static func spans(_ bytes: [UInt8]) -> [ByteSpan] {
        var out: [ByteSpan] = [], i = 0
        while i < bytes.count {
            if bytes[i] >= 0xC2, let (scalar, length) = decode(bytes, at: i) {
                let props = scalar.properties
                let printable = ![.control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator]
                    .contains(props.generalCategory)
                let isMark = [.nonspacingMark, .enclosingMark, .spacingMark].contains(props.generalCategory)
                let text = isMark ? "\u{25CC}" + String(Character(scalar)) : String(Character(scalar))
                if printable && !props.isWhitespace && SystemFonts.covers(text) {
                    out.append(ByteSpan(start: i, count: length, text: text))
                    i += length
                    continue
                }
            }
            out.append(ByteSpan(start: i, count: 1, text: nil))
            i += 1
        }
        return out
    }

    /// The scalar of a valid UTF-8 sequence of 2–4 bytes starting at `i`, and its length.
    static func decode(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        let length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0
        guard length > 0, i + length <= b.count else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length {
            guard b[i + k] & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(b[i + k] & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}

extension Canvas {
    /// Fills the cell [x, x+width) × [y, y+height) with `background` and draws byte `b` centred in it, in
    /// ink or white, whichever contrasts with the background. Cells at least 12 px wide fit the hex form.
    public mutating func byteCell(_ b: UInt8, x: Int, y: Int, width: Int, height: Int, background: RGBA) {
        fillPixels(x0: x, y0: y, x1: x + width, y1: y + height, background)
        let ink = contrastingInk(on: background)
        let centre = Point(Double(x) + Double(width) / 2, Double(y) + Double(height) / 2)
        switch ByteCellContent(b) {
        case .blank:
            break
        case .glyph(let c):
            text(String(c), at: centre, TextStyle.label.aligned(.center, .middle).colored(ink))
        case .hex(let digits):
            text(digits, at: centre, TextStyle(font: .small, color: ink.withAlpha(0.85), hAlign: .center, vAlign: .middle))
        }
    }

    /// A character over the cells of its bytes: each byte's cell keeps its own `backgrounds` colour (with
    /// a faint divider between them), the character is centred over all of them in the ink that contrasts
    /// with the middle cell(s) it covers.
    public mutating func characterCells(_ text: String, x: Int, y: Int, cellWidth: Int, height: Int, backgrounds: [RGBA]) {
        guard !backgrounds.isEmpty else { return }
        for (k, bg) in backgrounds.enumerated() {
            fillPixels(x0: x + k * cellWidth, y0: y, x1: x + (k + 1) * cellWidth, y1: y + height, bg)
        }
        // The glyph sits over the middle of the span: its ink contrasts with the middle cell (or the mean of
        // the two middle cells).
        let middle = backgrounds.count % 2 == 1 ? [backgrounds[backgrounds.count / 2]]
                                                : [backgrounds[backgrounds.count / 2 - 1], backgrounds[backgrounds.count / 2]]
        let n = Double(middle.count)
        let mean = RGBA(UInt8((middle.map { Double($0.r) }.reduce(0, +) / n).rounded()),
                        UInt8((middle.map { Double($0.g) }.reduce(0, +) / n).rounded()),
                        UInt8((middle.map { Double($0.b) }.reduce(0, +) / n).rounded()))
        let ink = contrastingInk(on: mean)
        for k in 1..<backgrounds.count {
            fillPixels(x0: x + k * cellWidth, y0: y + height - 3, x1: x + k * cellWidth + 1, y1: y + height, ink.withAlpha(0.35))
        }
        self.text(text, at: Point(Double(x) + Double(cellWidth * backgrounds.count) / 2, Double(y) + Double(height) / 2),
                  TextStyle.label.aligned(.center, .middle).colored(ink))
    }
}
