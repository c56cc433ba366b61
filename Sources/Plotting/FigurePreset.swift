/// How much of a page a figure is meant to fill.
public enum FigureSpan: String, Sendable, CaseIterable {
    /// One column of a two-column paper (trend lines, scatter, distributions).
    case column
    /// The full text width (heatmaps and byte strips, whose columns are layers or bytes).
    case page
}

/// Where figures will be shown: the physical scale of SVG/PDF output and the width budget their layouts fit.
///
/// Layouts are made in canvas pixels with the bitmap fonts' metrics (regular text 14 px per line, set at
/// 0.8 × 14 = 11.2 px in SVG/PDF). ``paper`` sets 0.64 pt per pixel, so body text (labels, ticks, legends,
/// captions) is 7.2 pt, titles 8.2 pt and in-cell annotations (the small font) 6.1 pt, and gives every
/// figure the width of its ``FigureSpan``: 3.3 inches for a column (371 px), 6.9 inches for the page
/// (776 px). ``screen`` keeps each figure's natural layout at 0.75 pt per pixel (96 pixels per inch).
public struct FigurePreset: Sendable, Equatable {
    public var name: String
    /// Points per canvas pixel in SVG and PDF.
    public var pointsPerPixel: Double
    /// Width in inches of a column-wide and a page-wide figure; nil keeps the natural layout.
    public var columnInches: Double?
    public var pageInches: Double?

    public init(name: String, pointsPerPixel: Double, columnInches: Double? = nil, pageInches: Double? = nil) {
        self.name = name; self.pointsPerPixel = pointsPerPixel
        self.columnInches = columnInches; self.pageInches = pageInches
    }

    public static let screen = FigurePreset(name: "screen", pointsPerPixel: 0.75)
    public static let paper = FigurePreset(name: "paper", pointsPerPixel: 0.64, columnInches: 3.3, pageInches: 6.9)
    public static let all: [FigurePreset] = [.screen, .paper]

    /// The preset named `name` (`screen`, `paper`).
    /// - Throws: ``PlottingError/invalidInput(field:message:)`` naming the unknown preset.
    public static func named(_ name: String) throws -> FigurePreset {
        guard let preset = all.first(where: { $0.name == name.lowercased() }) else {
            throw PlottingError.invalidInput(field: "--preset", message: "'\(name)' is not a preset; valid: \(all.map(\.name).joined(separator: ", "))")
        }
        return preset
    }

    /// The layout width budget in canvas pixels for a figure spanning `span` (nil: natural width).
    public func maxWidth(_ span: FigureSpan) -> Int? {
        guard let inches = span == .column ? columnInches : pageInches else { return nil }
        return Int((inches * 72 / pointsPerPixel).rounded(.down))
    }

    /// Font size in points of body text in SVG/PDF at this preset.
    public var bodyTextPoints: Double { Double(BitmapFont.regular.height) * VectorFigure.fontScale * pointsPerPixel }

    /// `figure` laid out for `span` under this preset.
    public func apply<F: Figure>(_ figure: F, span: FigureSpan) -> F {
        var f = figure
        f.maxWidth = maxWidth(span)
        return f
    }
}
