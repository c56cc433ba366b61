import Testing
@testable import Plotting
import Statistics

@Suite struct DrawingTests {
    func inkPixels(_ c: Canvas) -> [(Int, Int)] {
        var out = [(Int, Int)]()
        for y in 0..<c.height { for x in 0..<c.width where c.pixel(x, y) != .white { out.append((x, y)) } }
        return out
    }

    @Test func horizontalLineIsCrispOnPixelCentres() {
        var c = Canvas(width: 20, height: 20)
        c.line(from: Point(2, 10.5), to: Point(18, 10.5), .black)
        for x in 3..<18 { #expect(c.pixel(x, 10) == .black) }
        #expect(c.pixel(10, 9) == .white && c.pixel(10, 11) == .white)
    }

    @Test func diagonalLineIsAntiAliased() {
        var c = Canvas(width: 30, height: 30)
        c.line(from: Point(2, 3), to: Point(27, 20), .black, width: 1.5)
        let greys = Set(inkPixels(c).compactMap { c.pixel($0.0, $0.1)?.r }.filter { $0 > 0 && $0 < 255 })
        #expect(greys.count > 5, "partial coverage produces intermediate greys")
    }

    @Test func translucentBlendAndCoverage() {
        var c = Canvas(width: 2, height: 1)
        c.blend(0, 0, RGBA(0, 0, 0, 128))
        #expect(c.pixel(0, 0) == RGBA(127, 127, 127))
        c.blend(1, 0, .black, coverage: 0.25)
        #expect(c.pixel(1, 0) == RGBA(191, 191, 191))
    }

    @Test func polygonFillCoversAreaExactlyForAlignedSquare() {
        var c = Canvas(width: 10, height: 10)
        c.fillPolygon([Point(2, 2), Point(6, 2), Point(6, 6), Point(2, 6)], .black)
        #expect(inkPixels(c).count == 16)
        #expect(inkPixels(c).allSatisfy { c.pixel($0.0, $0.1) == .black })
    }

    @Test func fallbackGlyphForMissingCharacters() {
        let font = BitmapFont.regular
        #expect(font.hasGlyph("A") && font.hasGlyph("ρ") && font.hasGlyph("Δ"))
        #expect(!font.hasGlyph("漢"))
        #expect(font.glyphRows("漢") == font.glyphRows("\u{FFFD}"))
        #expect(font.glyphRows("A") != font.glyphRows("\u{FFFD}"))
        #expect(font.measure("abc") == 24 && font.lineHeight() == 14)
    }

    @Test func rotatedTextIsTheTransposeOfUnrotatedText() {
        var flat = Canvas(width: 40, height: 20), up = Canvas(width: 20, height: 40)
        let style = TextStyle(font: .regular, color: .black)
        let a = flat.text("Ab1", at: Point(0, 0), style)
        let b = up.text("Ab1", at: Point(0, 0), style.rotatedUp())
        #expect(a.width == 24 && a.height == 14 && b.width == 14 && b.height == 24)
        for y in 0..<14 {
            for x in 0..<24 {
                // Rotating 90° counter-clockwise: (x, y) → (y, width − 1 − x).
                #expect(flat.pixel(x, y) == up.pixel(y, 23 - x))
            }
        }
        #expect(inkPixels(flat).count > 20)
    }

    @Test func scaledTextDoublesEveryPixel() {
        var one = Canvas(width: 10, height: 16), two = Canvas(width: 20, height: 32)
        one.text("g", at: Point(0, 0), TextStyle(color: .black))
        two.text("g", at: Point(0, 0), TextStyle(scale: 2, color: .black))
        for y in 0..<32 { for x in 0..<16 { #expect(two.pixel(x, y) == one.pixel(x / 2, y / 2)) } }
    }

    @Test func olsAndQuantilesMatchNumpy() throws {
        // The scatter's fit comes from Statistics (one OLS in ByteLens).
        let fit = try #require(try OrdinaryLeastSquares.line(x: [1, 2, 3, 4, 5, .nan], y: [2, 4, 5, 8, 9, 1]))
        #expect(abs(fit.slope - 1.8) < 1e-12 && abs(fit.intercept - 0.2) < 1e-12)
        #expect(abs(fit.r - 0.9878783399072131) < 1e-12 && fit.n == 5)
        #expect(try OrdinaryLeastSquares.line(x: [1, 1, 1], y: [1, 2, 3]) == nil)
        let q = [1.0, 2, 3, 4, 10].sorted()
        let expected = [1.2, 2, 3, 7.6]
        for (p, e) in zip([0.05, 0.25, 0.5, 0.9], expected) {
            #expect(abs(PatchLengthDistribution.quantile(q, p) - e) < 1e-12)
        }
    }

    @Test func figureInputErrorsNameTheField() {
        let strip = ByteStripFigure(title: "t", bytes: [65, 66, 67], entropy: [1, 2], patchStarts: [0])
        #expect(throws: PlottingError.invalidInput(field: "entropy", message: "2 values for 3 bytes")) { try strip.render() }
        let badStarts = ByteStripFigure(title: "t", bytes: [65, 66], entropy: [1, 2], patchStarts: [1])
        #expect(throws: PlottingError.self) { try badStarts.render() }
        let trend = TrendChart(title: "t", levels: ["a", "b"], panels: [.init(title: "p", yLabel: "y", series: [.init(name: "s", mean: [1])])])
        do { _ = try trend.render(); Issue.record("must throw") } catch let PlottingError.invalidInput(field, _) {
            #expect(field == "panels[0].series[0].mean")
        } catch { Issue.record("unexpected \(error)") }
    }
}

@Suite struct ScalingTests {
    @Test func scalingReplicatesPixels() {
        var c = Canvas(width: 3, height: 2)
        c.set(1, 0, .black)
        c.set(2, 1, RGBA(1, 2, 3, 4))
        let s = c.scaled(by: 3)
        #expect(s.width == 9 && s.height == 6)
        for y in 0..<6 { for x in 0..<9 { #expect(s.pixel(x, y) == c.pixel(x / 3, y / 3)) } }
        #expect(c.scaled(by: 1) == c && c.scaled(by: 0) == c)
    }
}

@Suite struct ByteCellTests {
    @Test func contentRules() {
        #expect(ByteCellContent(0x41) == .glyph("A"))
        #expect(ByteCellContent(0x7E) == .glyph("~"))
        #expect(ByteCellContent(0x20) == .blank)
        #expect(ByteCellContent(0x0A) == .hex("0a"))
        #expect(ByteCellContent(0x7F) == .hex("7f"))
        #expect(ByteCellContent(0xC3) == .hex("c3"))
    }

    @Test func inkContrastsWithBackground() {
        var dark = Canvas(width: 13, height: 20), light = Canvas(width: 13, height: 20)
        dark.byteCell(0x41, x: 0, y: 0, width: 13, height: 20, background: .black)
        light.byteCell(0x41, x: 0, y: 0, width: 13, height: 20, background: .white)
        #expect(dark.pixels.contains(255) && light.pixels.contains(0x26))
        #expect(Set(stride(from: 0, to: dark.pixels.count, by: 4).map { dark.pixels[$0] }) == [0, 255])
    }
}
