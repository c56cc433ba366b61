/// A monospaced bitmap font: one `width`-bit row per scanline per glyph (width ≤ 8).
///
/// The embedded fonts (``small``, ``regular``, ``bold``) are generated from the Terminus Font console fonts in
/// `Assets/fonts/` by `Notebooks-as-scripts/make_plotting_tables.py` (SIL OFL 1.1), so no font file is read at
/// run time. Characters without a glyph render as the font's U+FFFD replacement glyph.
public struct BitmapFont: Sendable {
    public let name: String
    public let width: Int
    public let height: Int
    /// Sorted code points that have a glyph.
    let codepoints: [UInt32]
    /// `codepoints.count * height` rows; bit `width-1-i` of a row is pixel column `i`.
    let rows: [UInt8]
    let fallbackIndex: Int

    init(name: String, width: Int, height: Int, codepoints: [UInt32], hexRows: String) {
        self.name = name
        self.width = width
        self.height = height
        let order = codepoints.indices.sorted { codepoints[$0] < codepoints[$1] }
        var bytes = [UInt8]()
        bytes.reserveCapacity(hexRows.utf8.count / 2)
        var pending: UInt8? = nil
        for ch in hexRows.utf8 {
            let v: UInt8
            switch ch {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = ch - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = ch - UInt8(ascii: "a") + 10
            default: continue  // line breaks and indentation of the literal
            }
            if let hi = pending { bytes.append(hi << 4 | v); pending = nil } else { pending = v }
        }
        var sortedRows = [UInt8]()
        sortedRows.reserveCapacity(bytes.count)
        for i in order { sortedRows += bytes[(i * height)..<((i + 1) * height)] }
        self.codepoints = order.map { codepoints[$0] }
        self.rows = sortedRows
        self.fallbackIndex = self.codepoints.firstIndex(of: 0xFFFD) ?? 0
    }

    /// Whether the font has a real glyph (not the fallback) for `scalar`.
    public func hasGlyph(_ scalar: Unicode.Scalar) -> Bool { index(of: scalar.value) != nil }

    func index(of cp: UInt32) -> Int? {
        var lo = 0, hi = codepoints.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if codepoints[mid] == cp { return mid }
            if codepoints[mid] < cp { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// The glyph rows for `scalar` (fallback glyph if missing).
    func glyphRows(_ scalar: Unicode.Scalar) -> ArraySlice<UInt8> {
        let i = index(of: scalar.value) ?? fallbackIndex
        return rows[(i * height)..<((i + 1) * height)]
    }

    /// Width in pixels of `text` at `scale` (one advance per Unicode scalar; empty text is 0 wide).
    public func measure(_ text: String, scale: Int = 1) -> Int {
        text.unicodeScalars.count * width * max(1, scale)
    }

    /// Height of one line at `scale`.
    public func lineHeight(scale: Int = 1) -> Int { height * max(1, scale) }
}
