import CCairo
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A figure format `probe report --format` writes.
public enum FigureFormat: String, Sendable, CaseIterable {
    /// The bitmap canvas through libpng (the committed report figures).
    case png
    /// Scalable Vector Graphics through Cairo: shapes exact, text in DejaVu Sans (as outlines).
    case svg
    /// PDF through Cairo, same content as SVG, fonts embedded as subsets.
    case pdf

    /// Parses a comma-separated list (`png,svg,pdf`); duplicates are dropped, order kept.
    /// - Throws: ``PlottingError/invalidInput(field:message:)`` naming the unknown format.
    public static func parseList(_ text: String) throws -> [FigureFormat] {
        var out: [FigureFormat] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let f = FigureFormat(rawValue: part.lowercased()) else {
                throw PlottingError.invalidInput(field: "--format", message: "'\(part)' is not a figure format; valid: png, svg, pdf")
            }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw PlottingError.invalidInput(field: "--format", message: "no format given") }
        return out
    }
}

/// Writes a ``Canvas`` as a vector SVG or PDF by replaying its recorded ``DrawingOperation``s through Cairo.
///
/// One canvas pixel becomes `pointsPerPixel` points (PDF user units; SVG user units are points too), so the
/// same figure can be placed at any physical size. Text uses the font family ``fontFamily`` via fontconfig at
/// the bitmap font's cap height, so layouts made for the bitmap font keep their proportions.
///
/// Determinism: for a given Cairo/fontconfig/font version the bytes depend only on the operations — Cairo's
/// SVG ids are numbered per document, and the PDF's creation date is fixed (``fixedDate``) instead of the clock.
public struct VectorFigure: Sendable {
    public let canvas: Canvas
    public var pointsPerPixel: Double
    /// The font family text is set in (DejaVu Sans: Debian's `fonts-dejavu-core`, licence-compatible).
    public static let fontFamily = "DejaVu Sans"
    /// The PDF creation date written instead of the time of the run.
    public static let fixedDate = "2026-01-01T00:00:00Z"
    /// Font size in canvas pixels per pixel of the bitmap font's line height (DejaVu's cap height is ~0.73
    /// em, the bitmap fonts' ~0.6 of their cell, so 0.8 keeps text the size the layout made room for).
    public static let fontScale = 0.8
    /// Most points per pixel accepted (a 2000-px figure at 10 pt/px is a 278-inch page).
    public static let maxPointsPerPixel = 10.0

    /// - Throws: ``PlottingError/invalidInput(field:message:)`` for a non-finite or out-of-range scale.
    public init(_ canvas: Canvas, pointsPerPixel: Double = 0.75) throws {
        guard pointsPerPixel.isFinite, pointsPerPixel > 0, pointsPerPixel <= Self.maxPointsPerPixel else {
            throw PlottingError.invalidInput(field: "pointsPerPixel",
                                             message: "\(pointsPerPixel) is outside (0, \(Self.maxPointsPerPixel)]")
        }
        self.canvas = canvas
        self.pointsPerPixel = pointsPerPixel
    }

    /// The cairo version the output was made with (goldens name it).
    public static var cairoVersion: String { String(cString: cairo_version_string()) }

    /// The figure encoded as `format` (`.png` is the canvas's own libpng encoding).
    /// - Throws: ``PlottingError/io(path:message:)`` when Cairo reports an error.
    public func data(_ format: FigureFormat) throws -> [UInt8] {
        if format == .png { return try canvas.pngData() }
        let sink = ByteSink()
        let w = Double(canvas.width) * pointsPerPixel, h = Double(canvas.height) * pointsPerPixel
        let opaque = Unmanaged.passUnretained(sink).toOpaque()
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        let surface: OpaquePointer?
        switch format {
        case .svg:
            surface = cairo_svg_surface_create_for_stream(write, opaque, w, h)
            if let surface { cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1) }
        default:
            surface = cairo_pdf_surface_create_for_stream(write, opaque, w, h)
            if let surface {
                cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, Self.fixedDate)
                cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "ByteLens")
            }
        }
        guard let surface else { throw PlottingError.io(path: "<\(format.rawValue)>", message: "cairo could not create the surface") }
        let cr = cairo_create(surface)
        cairo_scale(cr, pointsPerPixel, pointsPerPixel)
        replay(canvas, on: cr)
        let status = cairo_status(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        let surfaceStatus = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS, surfaceStatus == CAIRO_STATUS_SUCCESS else {
            let bad = status != CAIRO_STATUS_SUCCESS ? status : surfaceStatus
            throw PlottingError.io(path: "<\(format.rawValue)>", message: "cairo: \(String(cString: cairo_status_to_string(bad)))")
        }
        return format == .svg ? Self.renumberingSurfaces(sink.bytes) : sink.bytes
    }

    /// Cairo names SVG groups after a process-wide surface counter (`surface9` for the second figure of a
    /// run); renumbering them by first appearance makes a figure's SVG independent of what was drawn before.
    static func renumberingSurfaces(_ svg: [UInt8]) -> [UInt8] {
        let text = String(decoding: svg, as: UTF8.self)
        guard let pattern = try? NSRegularExpression(pattern: "surface([0-9]+)") else { return svg }
        var numbers: [String: Int] = [:]
        var out = "", last = text.startIndex
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let whole = Range(match.range, in: text), let digits = Range(match.range(at: 1), in: text) else { continue }
            let n = numbers[String(text[digits])] ?? (numbers.count + 1)
            numbers[String(text[digits])] = n
            out += text[last..<whole.lowerBound] + "surface\(n)"
            last = whole.upperBound
        }
        out += text[last...]
        return Array(out.utf8)
    }

    /// Writes `data(format)` to `path` atomically (temporary name, then rename).
    public func write(_ format: FigureFormat, to path: String) throws {
        try Canvas.atomicWrite(try data(format), to: path)
    }

    // MARK: Replay

    private final class ByteSink { var bytes: [UInt8] = [] }

    private func replay(_ canvas: Canvas, on cr: OpaquePointer?) {
        if canvas.hasRasterContent { paintPixels(canvas, on: cr) }
        for op in canvas.operations { replay(op, on: cr) }
    }

    private func setColor(_ c: RGBA, on cr: OpaquePointer?) {
        cairo_set_source_rgba(cr, Double(c.r) / 255, Double(c.g) / 255, Double(c.b) / 255, Double(c.a) / 255)
    }

    private func replay(_ op: DrawingOperation, on cr: OpaquePointer?) {
        switch op {
        case let .fill(r, c):
            setColor(c, on: cr)
            cairo_rectangle(cr, r.x, r.y, r.width, r.height)
            cairo_fill(cr)
        case let .polyline(points, c, width):
            setColor(c, on: cr)
            cairo_set_line_width(cr, width)
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
            var started = false
            for p in points {
                guard p.x.isFinite, p.y.isFinite else { started = false; continue }
                if started { cairo_line_to(cr, p.x, p.y) } else { cairo_move_to(cr, p.x, p.y); started = true }
            }
            cairo_stroke(cr)
        case let .polygon(vertices, c):
            let pts = vertices.filter { $0.x.isFinite && $0.y.isFinite }
            guard pts.count >= 3 else { return }
            setColor(c, on: cr)
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD)
            cairo_move_to(cr, pts[0].x, pts[0].y)
            for p in pts.dropFirst() { cairo_line_to(cr, p.x, p.y) }
            cairo_close_path(cr)
            cairo_fill(cr)
        case let .circle(centre, radius, c):
            setColor(c, on: cr)
            cairo_new_sub_path(cr)
            cairo_arc(cr, centre.x, centre.y, radius, 0, 2 * Double.pi)
            cairo_fill(cr)
        case let .text(string, anchor, style):
            text(string, anchor: anchor, style: style, on: cr)
        case let .canvas(other, at):
            cairo_save(cr)
            cairo_translate(cr, at.x, at.y)
            replay(other, on: cr)
            cairo_restore(cr)
        case let .scaled(ops, factor):
            cairo_save(cr)
            cairo_scale(cr, factor, factor)
            for o in ops { replay(o, on: cr) }
            cairo_restore(cr)
        }
    }

    /// Text at the bitmap font's pixel height: font size = the bitmap cell height × scale × 0.8 (DejaVu's cap
    /// height is ~0.73 em, the bitmap fonts' ~0.6 of their cell), aligned on Cairo's own extents.
    private func text(_ string: String, anchor: Point, style: TextStyle, on cr: OpaquePointer?) {
        guard !string.isEmpty, anchor.x.isFinite, anchor.y.isFinite else { return }
        cairo_save(cr)
        defer { cairo_restore(cr) }
        let bold = style.font.name.lowercased().contains("bold")
        cairo_select_font_face(cr, SystemFonts.family(for: string) ?? Self.fontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, Double(style.font.lineHeight(scale: style.scale)) * Self.fontScale)
        setColor(style.color, on: cr)
        var font = cairo_font_extents_t(), extents = cairo_text_extents_t()
        cairo_font_extents(cr, &font)
        cairo_text_extents(cr, string, &extents)
        let length = extents.x_advance, thickness = font.ascent + font.descent
        // The box as it appears on the canvas (rotated text: thickness wide, length tall).
        let (bw, bh) = style.rotated ? (thickness, length) : (length, thickness)
        var left = anchor.x, top = anchor.y
        switch style.hAlign { case .left: break; case .center: left -= bw / 2; case .right: left -= bw }
        switch style.vAlign { case .top: break; case .middle: top -= bh / 2; case .bottom: top -= bh }
        if style.rotated {
            // Reads bottom to top: the baseline is a vertical line, ascenders point left.
            cairo_move_to(cr, left + font.ascent, top + length)
            cairo_rotate(cr, -Double.pi / 2)
        } else {
            cairo_move_to(cr, left, top + font.ascent)
        }
        cairo_show_text(cr, string)
    }

    /// Pixels of a raster canvas as an image (nearest-neighbour, so enlarged bitmaps stay crisp).
    private func paintPixels(_ canvas: Canvas, on cr: OpaquePointer?) {
        guard canvas.width > 0, canvas.height > 0,
              let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(canvas.width), Int32(canvas.height)) else { return }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        guard let data = cairo_image_surface_get_data(image) else { return }
        for y in 0..<canvas.height {
            for x in 0..<canvas.width {
                let i = (y * canvas.width + x) * 4
                let a = UInt32(canvas.pixels[i + 3])
                // Premultiplied ARGB in native endianness.
                let r = UInt32(canvas.pixels[i]) * a / 255, g = UInt32(canvas.pixels[i + 1]) * a / 255, b = UInt32(canvas.pixels[i + 2]) * a / 255
                let word = (a << 24) | (r << 16) | (g << 8) | b
                (data + y * stride + x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee = word }
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_paint(cr)
    }
}
