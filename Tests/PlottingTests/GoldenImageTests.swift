import Foundation
import Testing
@testable import Plotting

/// Golden-image tests: each tiny figure must match its stored PNG pixel for pixel (exact RGBA equality).
///
/// Pixels, not compressed bytes, are compared: the PNG byte stream depends on the zlib build, the pixels do
/// not (all drawing is integer-rounded and deterministic). Byte-for-byte determinism of the encoder on one
/// machine is checked separately in `PNGRoundTripTests`.
///
/// To regenerate after an intended rendering change, run
///
///     BYTELENS_UPDATE_GOLDEN=1 swift test --filter PlottingTests.GoldenImageTests
///
/// which rewrites `Tests/PlottingTests/Golden/*.png` in the source tree; look at every changed image before
/// committing. On a mismatch the rendered image is written to the temporary directory for inspection.
@Suite struct GoldenImageTests {
    static let update = ProcessInfo.processInfo.environment["BYTELENS_UPDATE_GOLDEN"] == "1"
    static let sourceGoldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ canvas: Canvas, _ name: String) throws {
        if Self.update {
            try canvas.writePNG(to: Self.sourceGoldenDir.appendingPathComponent(name + ".png").path)
            return
        }
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "png", subdirectory: "Golden"),
                               "missing golden \(name).png; regenerate with BYTELENS_UPDATE_GOLDEN=1")
        let golden = try Canvas.readPNG(path: url.path)
        #expect(golden.width == canvas.width && golden.height == canvas.height, "\(name): size")
        if golden != canvas {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("golden-actual-\(name).png").path
            try canvas.writePNG(to: out)
            let differing = zip(golden.pixels, canvas.pixels).filter { $0 != $1 }.count
            Issue.record("\(name): \(differing) channel values differ from the golden; actual written to \(out)")
        }
    }

    static let bytes = Array("Hi, Zürich!\n42".utf8)
    static let entropy: [Double] = [3.1, 0.4, 1.2, 0.3, 4.5, 0.9, 0.5, 5.2, 5.0, 0.7, 0.6, 1.9, 3.3, 2.2, 0.8].prefix(bytes.count).map { $0 }
    static let starts = [0, 4, 7, 11]

    /// Every primitive once (also the SVG golden's content, `VectorFigureTests`).
    static func primitivesCanvas() -> Canvas {
        var c = Canvas(width: 64, height: 48)
        c.fill(Rect(x: 2.5, y: 2.5, width: 20, height: 10), RGBA(hex: 0x0072B2))
        c.stroke(Rect(x: 30, y: 2, width: 30, height: 14), .ink)
        c.line(from: Point(3, 44), to: Point(60, 20), RGBA(hex: 0xD55E00), width: 2)
        c.fillPolygon([Point(5, 20), Point(25, 24), Point(12, 40)], RGBA(hex: 0x009E73).withAlpha(0.5))
        for (i, m) in MarkerShape.allCases.enumerated() { c.marker(m, at: Point(34 + Double(i) * 7, 34), size: 6, .black) }
        c.text("Aé", at: Point(40, 4), TextStyle(font: .small, color: .black))
        return c
    }

    @Test func primitives() throws {
        try check(Self.primitivesCanvas(), "primitives")
    }

    @Test func byteStrip() throws {
        let f = ByteStripFigure(title: "strip", bytes: Self.bytes, entropy: Self.entropy, patchStarts: Self.starts,
                                hookRows: [.init(name: "enc.0", values: Self.entropy.map { $0 / 6 }, unit: .bytes),
                                           .init(name: "glob.1", values: [0.2, 0.5, 0.4, 0.9], unit: .patches)],
                                sparsityLabel: "hoyer", bytesPerLine: 8)
        try check(f.render(), "byte-strip")
    }

    /// A strip of CJK, Devanagari (a consonant and a vowel sign) and Cyrillic: glyphs from the system fonts.
    static func scriptStrip() -> ByteStripFigure {
        let bytes = Array("漢क\u{093F}д!".utf8)
        return ByteStripFigure(title: "scripts", bytes: bytes, entropy: bytes.indices.map { Double($0 % 5) }, patchStarts: [0, 3, 9],
                               hookRows: [.init(name: "g.1", values: [0.2, 0.5, 0.4], unit: .patches)], sparsityLabel: "hoyer", bytesPerLine: 16)
    }

    @Test func scriptStrip() throws {
        try check(Self.scriptStrip().render(), "script-strip")
    }

    /// The trend chart's paper layout (column width, legends above the plots, wrapped text).
    @Test func trendPaper() throws {
        let f = TrendChart(title: "a trend whose title is longer than one column", levels: ["first level", "second level", "third"], panels: [
            .init(title: "H", yLabel: "bits", series: [.init(name: "mean", mean: [1, 1.5, 2.5], lower: [0.8, 1.2, 2.1], upper: [1.2, 1.8, 2.9])]),
        ], caption: "a caption that wraps over more than one line of a narrow column")
        try check(FigurePreset.paper.apply(f, span: .column).render(), "trend-paper")
    }

    @Test func layerPositionHeatmap() throws {
        let f = LayerPositionHeatmap(
            title: "layers", measureName: "hoyer",
            blocks: [.init(name: "enc", layerLabels: ["0"], values: [Self.entropy], unit: .bytes),
                     .init(name: "glob", layerLabels: ["0", "1"], values: [[1, 2, 3, 4], [4, 3, .nan, 1]], unit: .patches)],
            byteCount: Self.bytes.count, patchStarts: Self.starts)
        try check(f.render(), "layer-position")
    }

    @Test func ladderLayerHeatmap() throws {
        let f = LadderLayerHeatmap(title: "ladder", measureName: "gini", levels: ["L0", "L1", "L2"],
                                   groups: [.init(name: "enc", layerLabels: ["0"]), .init(name: "glob", layerLabels: ["0", "1"])],
                                   values: [[0, 0, 0], [0.1, -0.05, 0.02], [0.2, -0.1, .nan]], mode: .changeFromBase)
        try check(f.render(), "ladder-layer")
    }

    @Test func trendChart() throws {
        let f = TrendChart(title: "trend", levels: ["a", "b", "c"], panels: [
            .init(title: "H", yLabel: "bits", series: [.init(name: "mean", mean: [1, 1.5, 2.5], lower: [0.8, 1.2, 2.1], upper: [1.2, 1.8, 2.9])]),
            .init(title: "S", yLabel: "hoyer", series: [.init(name: "g.1", mean: [0.3, .nan, 0.35]), .init(name: "g.2", mean: [0.4, 0.42, 0.5])]),
        ])
        try check(f.render(), "trend")
    }

    @Test func scatterPointsAndDensity() throws {
        let x = (0..<30).map { Double($0) / 10 }, y = x.map { 0.5 * $0 + 0.1 * sin($0 * 7) }
        let fit = statisticsFit(x, y)
        try check(ScatterFigure(title: "points", xLabel: "H", yLabel: "S", x: x, y: y, fit: fit).render(), "scatter-points")
        try check(ScatterFigure(title: "density", xLabel: "H", yLabel: "S", x: x, y: y, densityThreshold: 10, bins: 12, fit: fit).render(),
                  "scatter-density")
    }

    @Test func patchLengths() throws {
        let f = PatchLengthDistribution(title: "lengths", levels: ["L0", "L1"], lengths: [[1, 2, 2, 3, 5, 8], [1, 1, 2, 2]])
        try check(f.render(), "patch-lengths")
    }
}
