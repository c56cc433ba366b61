import Foundation
import Testing
@testable import Plotting

/// SVG/PDF output through Cairo: the recorded calls, determinism, fonts, and an SVG golden.
///
/// The SVG golden (`Golden/primitives.svg`) was written with the Cairo version in `Golden/README.md`
/// (`BYTELENS_UPDATE_GOLDEN=1` rewrites it); with another Cairo the byte comparison is skipped and only the
/// structural checks run, since Cairo's SVG text differs between releases.
@Suite struct VectorFigureTests {
    static let goldenCairo = "1.16.0"

    func primitives() -> Canvas { GoldenImageTests.primitivesCanvas() }

    @Test func everyDrawingCallIsRecordedOnce() {
        let c = primitives()
        // background, fill, stroke (4 edges), line, polygon, 4 markers (circle, square, 2 polygons), text.
        #expect(c.operations.count == 1 + 1 + 4 + 1 + 1 + 4 + 1)
        if case .text(let s, _, _) = c.operations.last! { #expect(s == "Aé") } else { Issue.record("last op is not the text") }
        // Equality is about pixels: a decoded PNG equals the drawn canvas although it has no operations.
        let decoded = try! Canvas.decodePNG(try! c.pngData())
        #expect(decoded == c && decoded.operations.isEmpty && decoded.hasRasterContent)
        let big = c.scaled(by: 3)
        #expect(big.operations.count == 1 && !big.hasRasterContent)
    }

    @Test func svgAndPdfAreDeterministicAndUseTheRealFont() throws {
        let figure = try VectorFigure(primitives(), pointsPerPixel: 2)
        let svg = try figure.data(.svg), again = try figure.data(.svg)
        #expect(svg == again)
        let text = String(decoding: svg, as: UTF8.self)
        #expect(text.hasPrefix("<?xml") && text.contains("<svg") && text.contains("width=\"128pt\"") && text.contains("height=\"96pt\""))
        let pdf = try figure.data(.pdf)
        #expect(pdf == (try figure.data(.pdf)))
        let pdfText = String(decoding: pdf, as: UTF8.self)
        #expect(pdfText.hasPrefix("%PDF-"))
        #expect(pdfText.contains("DejaVuSans"), "the text font is DejaVu Sans, embedded")
        #expect(pdfText.contains("/CreationDate (20260101000000Z)"), "fixed creation date, not the clock")
        #expect(try figure.data(.png) == (try primitives().pngData()))
    }

    /// SVG goldens: every primitive, and a byte strip in three scripts (glyph outlines from DejaVu Sans,
    /// Noto Sans Devanagari and Droid Sans Fallback).
    @Test(arguments: ["primitives", "script-strip"])
    func svgGolden(_ name: String) throws {
        let canvas = name == "primitives" ? primitives() : try GoldenImageTests.scriptStrip().render()
        let svg = try VectorFigure(canvas, pointsPerPixel: 2).data(.svg)
        let path = GoldenImageTests.sourceGoldenDir.appendingPathComponent(name + ".svg").path
        if GoldenImageTests.update {
            try Data(svg).write(to: URL(fileURLWithPath: path))
            return
        }
        guard VectorFigure.cairoVersion == Self.goldenCairo else { return }
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "svg", subdirectory: "Golden"))
        #expect(try [UInt8](Data(contentsOf: url)) == svg, "\(name).svg differs from the golden (Cairo \(VectorFigure.cairoVersion))")
    }

    @Test func badScalesAndFormatsAreRefused() {
        #expect(throws: PlottingError.self) { try VectorFigure(Canvas(width: 2, height: 2), pointsPerPixel: 0) }
        #expect(throws: PlottingError.self) { try VectorFigure(Canvas(width: 2, height: 2), pointsPerPixel: .nan) }
        #expect(throws: PlottingError.self) { try VectorFigure(Canvas(width: 2, height: 2), pointsPerPixel: 11) }
        #expect(throws: PlottingError.self) { try FigureFormat.parseList("png,eps") }
        #expect((try? FigureFormat.parseList("svg, pdf,svg")) == [.svg, .pdf])
    }
}
