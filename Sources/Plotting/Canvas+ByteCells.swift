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
}
