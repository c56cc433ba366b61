import CCairo
import Foundation

/// Text the bitmap fonts cannot show (Cyrillic, CJK, Devanagari, Thai, Arabic, …) is set in a system font
/// found through fontconfig, on the raster as well as in SVG/PDF.
///
/// The family is chosen from a fixed chain (``chain``), the first one installed whose character set covers the
/// whole string, so output depends on which of these fonts are installed and not on the rest of the
/// machine's fonts. `.ci/setup` installs all of them from Debian: DejaVu Sans (`fonts-dejavu-core`), the Noto
/// script families (`fonts-noto-core`, SIL OFL 1.1) and Droid Sans Fallback for CJK (`fonts-droid-fallback`,
/// Apache 2.0). A string no family covers falls back to DejaVu Sans (missing glyphs show as boxes), and
/// ``covers(_:)`` lets a caller show such text as hex instead.
public enum SystemFonts {
    /// Families tried in order.
    public static let chain = [
        "DejaVu Sans", "Noto Sans Devanagari", "Noto Sans Bengali", "Noto Sans Gurmukhi", "Noto Sans Gujarati",
        "Noto Sans Tamil", "Noto Sans Telugu", "Noto Sans Kannada", "Noto Sans Malayalam", "Noto Sans Thai",
        "Noto Sans Lao", "Noto Sans Khmer", "Noto Sans Myanmar", "Noto Sans Arabic", "Noto Sans Hebrew",
        "Noto Sans Armenian", "Noto Sans Georgian", "Noto Sans Ethiopic", "Noto Sans Sinhala", "Noto Sans Tibetan",
        "Noto Sans", "Droid Sans Fallback",
    ]

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var coverage: [String: [UInt32: Bool]] = [:]
        var families: [String: String?] = [:]
    }
    private static let cache = Cache()

    /// The family of ``chain`` that sets all of `text`, or nil when none does.
    public static func family(for text: String) -> String? {
        cache.lock.lock(); defer { cache.lock.unlock() }
        if let known = cache.families[text] { return known }
        let scalars = text.unicodeScalars.map(\.value)
        let found = chain.first { family in scalars.allSatisfy { hasGlyph(family, $0) } }
        cache.families[text] = found
        return found
    }

    /// Whether some family of ``chain`` sets all of `text`.
    public static func covers(_ text: String) -> Bool { family(for: text) != nil }

    /// Whether an installed font of `family` has a glyph for `scalar` (cached; caller holds the lock).
    private static func hasGlyph(_ family: String, _ scalar: UInt32) -> Bool {
        if let known = cache.coverage[family]?[scalar] { return known }
        var result = false
        if let pattern = FcPatternCreate(), let objects = FcObjectSetCreate() {
            defer { FcPatternDestroy(pattern); FcObjectSetDestroy(objects) }
            _ = family.withCString { name in
                name.withMemoryRebound(to: FcChar8.self, capacity: family.utf8.count + 1) { FcPatternAddString(pattern, FC_FAMILY, $0) }
            }
            FcObjectSetAdd(objects, FC_CHARSET)
            if let set = FcFontList(nil, pattern, objects) {
                defer { FcFontSetDestroy(set) }
                for i in 0..<Int(set.pointee.nfont) {
                    var charset: OpaquePointer? = nil
                    if let font = set.pointee.fonts[i], FcPatternGetCharSet(font, FC_CHARSET, 0, &charset) == FcResultMatch,
                       let charset, FcCharSetHasChar(charset, scalar) != 0 {
                        result = true
                        break
                    }
                }
            }
        }
        cache.coverage[family, default: [:]][scalar] = result
        return result
    }

    /// Renders `text` (one line, unrotated) into an 8-bit coverage mask the way ``VectorFigure`` sets it:
    /// font size `fontPixels`, the box `size.width` × `size.height` aligned on `anchor` by `style`. Returns
    /// the mask's top-left canvas pixel and its rows.
    static func rasterize(_ text: String, anchor: Point, style: TextStyle, fontPixels: Double)
        -> (x: Int, y: Int, width: Int, height: Int, alpha: [UInt8])? {
        let family = family(for: text) ?? VectorFigure.fontFamily
        let bold = style.font.name.lowercased().contains("bold")
        // Measure on a scratch surface, then draw into a mask just large enough.
        guard let scratch = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1) else { return nil }
        defer { cairo_surface_destroy(scratch) }
        let measure = cairo_create(scratch)
        defer { cairo_destroy(measure) }
        cairo_select_font_face(measure, family, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(measure, fontPixels)
        var font = cairo_font_extents_t(), extents = cairo_text_extents_t()
        cairo_font_extents(measure, &font)
        cairo_text_extents(measure, text, &extents)
        let length = extents.x_advance, thickness = font.ascent + font.descent
        var left = anchor.x, top = anchor.y
        switch style.hAlign { case .left: break; case .center: left -= length / 2; case .right: left -= length }
        switch style.vAlign { case .top: break; case .middle: top -= thickness / 2; case .bottom: top -= thickness }
        // Ink may reach outside the advance box (marks, CJK side bearings): pad by the ink extents.
        let inkLeft = left + min(0, extents.x_bearing) - 2, inkTop = top + min(0, font.ascent + extents.y_bearing) - 2
        let inkRight = left + max(length, extents.x_bearing + extents.width) + 2
        let inkBottom = top + max(thickness, font.ascent + extents.y_bearing + extents.height) + 2
        let x0 = Int(inkLeft.rounded(.down)), y0 = Int(inkTop.rounded(.down))
        let w = Int(inkRight.rounded(.up)) - x0, h = Int(inkBottom.rounded(.up)) - y0
        guard w > 0, h > 0, w < 4096, h < 4096, let mask = cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(w), Int32(h)) else { return nil }
        defer { cairo_surface_destroy(mask) }
        let cr = cairo_create(mask)
        cairo_select_font_face(cr, family, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, fontPixels)
        // Grey-scale anti-aliasing without hinting differences between machines' settings.
        if let options = cairo_font_options_create() {
            cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
            cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
            cairo_set_font_options(cr, options)
            cairo_font_options_destroy(options)
        }
        cairo_set_source_rgba(cr, 0, 0, 0, 1)
        cairo_move_to(cr, left - Double(x0), top - Double(y0) + font.ascent)
        cairo_show_text(cr, text)
        cairo_destroy(cr)
        cairo_surface_flush(mask)
        guard let data = cairo_image_surface_get_data(mask) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(mask))
        var alpha = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { alpha[y * w + x] = data[y * stride + x] } }
        return (x0, y0, w, h, alpha)
    }
}
