import Foundation
import Testing
@testable import Plotting

/// The paper preset as a reader meets it: a PDF placed in a 3.3-inch column, rasterised by poppler at 300 dpi.
///
/// Needs `pdftoppm` and `pdftotext` (Debian `poppler-utils`, installed by `.ci/setup`); a missing tool fails the
/// test rather than skipping it.
@Suite struct PaperPresetTests {
    static let dpi = 300.0

    static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        return data
    }

    /// The trend chart as `probe report --preset paper` lays it out: 10 named levels, four panels, long
    /// hook names in the legends.
    static func trend() -> TrendChart {
        let levels = ["English", "de/fr/es", "pl/tr", "vi", "transliterated ru/el", "transliterated ar/zh/ko",
                      "native Cyrillic/Greek", "native CJK/Thai/Devanagari", "random valid UTF-8", "random bytes"]
        func series(_ name: String, _ base: Double, _ slope: Double) -> TrendChart.Series {
            let mean = levels.indices.map { base + slope * Double($0) }
            return .init(name: name, mean: mean, lower: mean.map { $0 - 0.02 }, upper: mean.map { $0 + 0.02 })
        }
        return TrendChart(
            title: "ood: entropy, sparsity and compute by difficulty level", subtitle: "means over 40 base items per level",
            levels: levels, panels: [
                .init(title: "entropy over the analysis span", yLabel: "bits per byte",
                      series: [series("mean entropy (entropy model)", 2.7, 0.3), series("next-byte loss (BLT)", 2.8, 0.9)]),
                .init(title: "hoyer at the probe position", yLabel: "hoyer (higher = sparser)",
                      series: [series("encoder.blocks.0.hook_resid_post", 0.27, -0.001), series("global.blocks.3.hook_resid_post", 0.31, -0.006),
                               series("decoder.hook_final_norm", 0.30, -0.008)]),
                .init(title: "patches per byte of the analysis span", yLabel: "patches per byte", series: [series("patches per byte", 0.3, 0.07)]),
            ],
            caption: "shaded: 95% percentile bootstrap interval of the mean over items", levelScale: .orderedCategories)
    }

    @Test func trendPDFHasSevenPointTextInAThreePointThreeInchColumn() throws {
        let preset = FigurePreset.paper
        let canvas = try preset.apply(Self.trend(), span: .column).render()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-paper-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pdf = dir.appendingPathComponent("trend.pdf").path
        try VectorFigure(canvas, pointsPerPixel: preset.pointsPerPixel).write(.pdf, to: pdf)

        // The page is one column wide.
        let pageInches = Double(canvas.width) * preset.pointsPerPixel / 72
        #expect(pageInches <= 3.3 && pageInches > 3.28, "page is \(pageInches) in wide")

        // Rasterise at 300 dpi (grey PGM) and find every word's box (points) with pdftotext.
        _ = try Self.run("pdftoppm", ["-r", "300", "-gray", "-singlefile", pdf, dir.appendingPathComponent("page").path])
        let pgm = try Data(contentsOf: dir.appendingPathComponent("page.pgm"))
        let (width, height, pixels) = try #require(Self.parsePGM(pgm))
        #expect(abs(Double(width) - pageInches * Self.dpi) <= 1.5, "raster is \(width) px wide")
        let html = String(decoding: try Self.run("pdftotext", ["-bbox", pdf, "-"]), as: UTF8.self)
        let words = Self.words(html)
        #expect(words.count > 40, "only \(words.count) words found in the PDF")

        // Digits-only words (tick labels): the ink of their digits in the raster is DejaVu's digit height,
        // 0.729 em, so the font size in points is ink height / 0.729. Every one must be ≥ 7 pt.
        var digitSizes: [Double] = []
        for w in words where w.text.allSatisfy({ $0.isNumber || $0 == "." }) && w.text.contains(where: \.isNumber) {
            let x0 = Int((w.xMin * Self.dpi / 72).rounded(.down)), x1 = Int((w.xMax * Self.dpi / 72).rounded(.up))
            let y0 = Int((w.yMin * Self.dpi / 72).rounded(.down)), y1 = Int((w.yMax * Self.dpi / 72).rounded(.up))
            var top = Int.max, bottom = Int.min
            for y in max(0, y0)..<min(height, y1) {
                for x in max(0, x0)..<min(width, x1) where pixels[y * width + x] < 128 {
                    top = min(top, y); bottom = max(bottom, y)
                }
            }
            guard top <= bottom else { continue }
            digitSizes.append(Double(bottom - top + 1) * 72 / Self.dpi / 0.729)
        }
        #expect(digitSizes.count >= 10, "only \(digitSizes.count) tick labels measured")
        let smallest = digitSizes.min() ?? 0
        #expect(smallest >= 7.0, "tick labels as small as \(smallest) pt")
        // An unrotated word's box is as tall as its font's ascent + descent (1.164 em for DejaVu Sans): ≥ 7 pt.
        // (pdftotext gives no rotation; words of two or more characters that are wider than tall are
        // horizontal, the rotated y-axis labels are taller than wide.)
        let horizontal = words.filter { $0.text.count >= 2 && $0.xMax - $0.xMin > $0.yMax - $0.yMin }
        #expect(horizontal.count > 30)
        let smallestBox = horizontal.map { ($0.yMax - $0.yMin) / 1.164 }.min() ?? 0
        #expect(smallestBox >= 7.0 - 0.05, "a word set at \(smallestBox) pt")
        #expect(abs(preset.bodyTextPoints - 7.168) < 0.01)
    }

    struct Word { var text: String; var xMin, yMin, xMax, yMax: Double }

    /// Words of `pdftotext -bbox` output: `<word xMin="…" yMin="…" xMax="…" yMax="…">text</word>`.
    static func words(_ html: String) -> [Word] {
        var out: [Word] = []
        for line in html.split(separator: "\n") where line.contains("<word ") {
            func attribute(_ name: String) -> Double? {
                guard let r = line.range(of: name + "=\"") else { return nil }
                return Double(line[r.upperBound...].prefix { $0 != "\"" })
            }
            guard let a = line.range(of: ">", range: line.range(of: "<word ")!.upperBound..<line.endIndex),
                  let b = line.range(of: "</word>"),
                  let x0 = attribute("xMin"), let y0 = attribute("yMin"), let x1 = attribute("xMax"), let y1 = attribute("yMax") else { continue }
            out.append(Word(text: String(line[a.upperBound..<b.lowerBound]), xMin: x0, yMin: y0, xMax: x1, yMax: y1))
        }
        return out
    }

    /// A binary 8-bit PGM (P5) as width, height, pixels.
    static func parsePGM(_ data: Data) -> (Int, Int, [UInt8])? {
        let bytes = [UInt8](data)
        var fields: [String] = [], i = 0
        while fields.count < 4 && i < bytes.count {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
            var token = ""
            while i < bytes.count, !(bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09) {
                token.append(Character(UnicodeScalar(bytes[i]))); i += 1
            }
            fields.append(token)
        }
        i += 1
        guard fields.count == 4, fields[0] == "P5", let w = Int(fields[1]), let h = Int(fields[2]), fields[3] == "255",
              bytes.count - i >= w * h else { return nil }
        return (w, h, Array(bytes[i..<(i + w * h)]))
    }

    @Test func everyFigureFitsItsColumnOrPage() throws {
        let trend = try FigurePreset.paper.apply(Self.trend(), span: .column).render()
        #expect(trend.width == FigurePreset.paper.maxWidth(.column))
        #expect(FigurePreset.paper.maxWidth(.column) == 371 && FigurePreset.paper.maxWidth(.page) == 776)
        #expect(FigurePreset.screen.maxWidth(.page) == nil)
        // The screen preset leaves layouts alone.
        #expect(try FigurePreset.screen.apply(Self.trend(), span: .column).render() == Self.trend().render())
        #expect(throws: PlottingError.self) { try FigurePreset.named("poster") }
    }

    @Test func wrappingKeepsWordsAndWidth() {
        let style = TextStyle.label
        let text = "shaded: 95% percentile bootstrap interval of the mean over items · levels are categories"
        let lines = style.wrapped(text, width: 200)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { style.size(of: $0).width <= 200 })
        #expect(lines.joined(separator: " ") == text)
        #expect(style.wrapped(text, width: nil) == [text])
        #expect(style.wrapped("", width: 100).isEmpty)
        // A word longer than the width is split between characters.
        #expect(style.wrapped(String(repeating: "x", count: 30), width: 80) == Array(repeating: "xxxxxxxxxx", count: 3))
    }

    @Test func ladderHeatmapHatchesIntervalsThatIncludeZeroAndScalesRows() throws {
        let groups = [LadderLayerHeatmap.LayerGroup(name: "global", layerLabels: ["0", "1"])]
        let values = [[0.0, 0.0], [0.5, -0.5], [0.01, 0.02]]
        var f = LadderLayerHeatmap(title: "t", measureName: "m", levels: ["a", "b", "c"], groups: groups, values: values,
                                   mode: .changeFromBase, annotate: false)
        let plain = try f.render()
        f.interval = .init(lower: [[0, 0], [0.4, -0.6], [-0.01, 0.01]], upper: [[0, 0], [0.6, -0.4], [0.03, 0.03]], label: "CI")
        let hatched = try f.render()
        #expect(hatched.height > plain.height, "the caption explaining the hatching adds a line")
        // Row c: cell 0's interval includes 0 (hatched: more than one colour inside), cell 1's does not.
        func colours(_ canvas: Canvas, row: Int, col: Int) -> Int {
            // Rows are 47 px tall for three levels, cells 44 px wide.
            var set = Set<RGBA>()
            let x0 = cellOrigin(canvas).x + col * cellWidth(canvas), y0 = cellOrigin(canvas).y + row * 47
            for y in (y0 + 3)..<(y0 + 44) { for x in (x0 + 3)..<(x0 + cellWidth(canvas) - 3) { set.insert(canvas.pixel(x, y)!) } }
            return set.count
        }
        #expect(colours(hatched, row: 2, col: 0) > 1)
        #expect(colours(hatched, row: 2, col: 1) == 1)
        #expect(colours(hatched, row: 1, col: 0) == 1)
        // Per-row scaling: row c's small changes reach the end of the colour map like row b's large ones.
        f.interval = nil
        f.rowScaling = .perRow
        let scaled = try f.render()
        let o = cellOrigin(scaled), w = cellWidth(scaled)
        #expect(scaled.pixel(o.x + w + w / 2, o.y + 2 * 47 + 20) == scaled.pixel(o.x + w / 2, o.y + 47 + 20))
        #expect(try f.table().rows.count == 6)
    }

    /// Top-left pixel of the first heatmap cell (the first recorded fill of a cell's size).
    func cellOrigin(_ canvas: Canvas) -> (x: Int, y: Int) {
        for op in canvas.operations { if case let .fill(r, _) = op, r.width == Double(cellWidth(canvas)), r.height == 47 { return (Int(r.minX), Int(r.minY)) } }
        return (0, 0)
    }
    func cellWidth(_ canvas: Canvas) -> Int { 44 }
}
