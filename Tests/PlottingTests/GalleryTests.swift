import Foundation
import Testing
@testable import Plotting

/// Renders every figure from realistic-sized synthetic data. The PNGs are written only when
/// `BYTELENS_GALLERY_DIR` is set (used to refresh `Reports/figures-gallery/`); otherwise the test still
/// renders each figure and checks it is non-trivial, so layout code runs under CI.
@Suite struct GalleryTests {
    static let outDir = ProcessInfo.processInfo.environment["BYTELENS_GALLERY_DIR"]

    /// Renders the screen layout (`<name>.png`) and the paper preset (`<name>.svg`, `<name>.pdf` and the 3×
    /// `<name>-paper.png`) laid out for `span`.
    @discardableResult
    func emit<F: Figure>(_ figure: F, _ name: String, span: FigureSpan = .column) throws -> Canvas {
        let canvas = try figure.render()
        #expect(canvas.width > 200 && canvas.height > 100)
        #expect(Set(stride(from: 0, to: canvas.pixels.count, by: 4).map { canvas.pixels[$0] }).count > 8)
        let paper = try FigurePreset.paper.apply(figure, span: span).render()
        // The paper layout is exactly as wide as its column or page (none of these figures is naturally narrower).
        #expect(paper.width == FigurePreset.paper.maxWidth(span), "\(name): paper width \(paper.width)")
        if let dir = Self.outDir {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try canvas.writePNG(to: dir + "/" + name + ".png")
            try paper.scaled(by: 3).writePNG(to: dir + "/" + name + "-paper.png")
            let vector = try VectorFigure(paper, pointsPerPixel: FigurePreset.paper.pointsPerPixel)
            try vector.write(.svg, to: dir + "/" + name + ".svg")
            try vector.write(.pdf, to: dir + "/" + name + ".pdf")
        }
        // Every figure replays as vector output without a Cairo error.
        #expect(try VectorFigure(canvas).data(.svg).count > 1000)
        return canvas
    }

    @Test func byteStrip() throws {
        var rng = SplitMix64(seed: 1)
        let bytes = Array(Synthetic.text.utf8)
        let entropy = Synthetic.entropy(bytes, rng: &rng)
        let starts = Synthetic.patches(entropy: entropy)
        let hooks: [ByteStripFigure.HookRow] = [
            .init(name: "encoder.0.resid_post", values: entropy.map { 0.25 + 0.04 * $0 + 0.05 * rng.uniform() }, unit: .bytes),
            .init(name: "global.12.resid_post", values: starts.indices.map { _ in 0.3 + 0.3 * rng.uniform() }, unit: .patches),
            .init(name: "global.24.resid_post", values: starts.indices.map { _ in 0.4 + 0.3 * rng.uniform() }, unit: .patches),
            .init(name: "decoder.8.resid_post", values: entropy.map { 0.5 - 0.03 * $0 + 0.05 * rng.uniform() }, unit: .bytes),
        ]
        let figure = ByteStripFigure(
            title: "Entropy and Hoyer sparsity along one item",
            subtitle: "ood/typos-3 · item 17 · \(bytes.count) bytes, \(starts.count) patches",
            bytes: bytes, entropy: entropy, patchStarts: starts, hookRows: hooks,
            sparsityLabel: "Hoyer sparsity")
        try emit(figure, "byte-strip", span: .page)
    }

    /// Strips of text in scripts the bitmap font lacks: each character in its own script over its bytes.
    @Test(arguments: [("byte-strip-cjk", Synthetic.cjk), ("byte-strip-devanagari", Synthetic.devanagari)])
    func scriptStrip(_ name: String, _ text: String) throws {
        var rng = SplitMix64(seed: 7)
        let bytes = Array(text.utf8)
        let entropy = Synthetic.entropy(bytes, rng: &rng)
        let starts = Synthetic.patches(entropy: entropy)
        let figure = ByteStripFigure(
            title: "Entropy and Hoyer sparsity along one item (\(name.dropFirst("byte-strip-".count)))",
            subtitle: "\(bytes.count) bytes, \(starts.count) patches", bytes: bytes, entropy: entropy, patchStarts: starts,
            hookRows: [.init(name: "encoder.blocks.0.hook_resid_post", values: entropy.map { 0.25 + 0.04 * $0 + 0.05 * rng.uniform() },
                             unit: .bytes, shortName: "E0 res"),
                       .init(name: "global.blocks.12.hook_resid_post", values: starts.indices.map { _ in 0.3 + 0.3 * rng.uniform() },
                             unit: .patches, shortName: "G12 res")],
            sparsityLabel: "Hoyer sparsity")
        let canvas = try emit(figure, name, span: .page)
        // No character of these texts falls back to hex: every multi-byte span has a font.
        #expect(ByteSpan.spans(bytes).allSatisfy { $0.text != nil || bytes[$0.start] < 0x80 }, "\(name): a character shown as hex")
        #expect(canvas.width > 400)
    }

    static let levels = ["clean", "typos-1", "typos-3", "typos-5", "case-flip", "leet", "homoglyph",
                         "code", "base64", "shuffled", "random-bytes"]

    /// Layer groups shaped like blt-1b: 1 encoder layer, 25 global layers, 9 decoder layers.
    static let groups: [(String, Int)] = [("encoder", 1), ("global", 25), ("decoder", 9)]

    @Test func layerPositionHeatmap() throws {
        var rng = SplitMix64(seed: 2)
        let bytes = Array(Synthetic.text.utf8)
        let entropy = Synthetic.entropy(bytes, rng: &rng)
        let starts = Synthetic.patches(entropy: entropy)
        var blocks = [LayerPositionHeatmap.Block]()
        for (name, count) in Self.groups {
            let unit: PositionUnit = name == "global" ? .patches : .bytes
            let width = unit == .bytes ? bytes.count : starts.count
            let rows = (0..<count).map { layer in
                (0..<width).map { i -> Double in
                    let e = unit == .bytes ? entropy[i] : entropy[starts[i]]
                    return 0.3 + 0.012 * Double(layer) + 0.03 * e + 0.05 * rng.normal()
                }
            }
            blocks.append(.init(name: name, layerLabels: (0..<count).map(String.init), values: rows, unit: unit))
        }
        for axis in PositionUnit.allCases {
            let figure = LayerPositionHeatmap(
                title: "Hoyer sparsity of the residual stream by layer and position",
                subtitle: "ood/typos-3 · item 17 · " + (axis == .bytes ? "global (per-patch) rows stretched over their bytes"
                                                                    : "encoder/decoder (per-byte) rows averaged over each patch"),
                measureName: "Hoyer sparsity", blocks: blocks, byteCount: bytes.count, patchStarts: starts, xAxis: axis)
            _ = try emit(figure, "layer-position-heatmap-\(axis.rawValue)", span: .page)
        }
    }

    @Test func ladderLayerHeatmaps() throws {
        var rng = SplitMix64(seed: 3)
        let groups = Self.groups.map { LadderLayerHeatmap.LayerGroup(name: $0.0, layerLabels: (0..<$0.1).map(String.init)) }
        let columns = Self.groups.reduce(0) { $0 + $1.1 }
        let mean = Self.levels.indices.map { level in
            (0..<columns).map { layer -> Double in
                let direction: Double = layer < 26 ? 1 : -0.5
                let trend: Double = 0.012 * Double(level) * direction
                return 0.35 + 0.004 * Double(layer) + trend + 0.005 * rng.normal()
            }
        }
        _ = try emit(LadderLayerHeatmap(
            title: "Mean Hoyer sparsity per level and layer", subtitle: "ood ladder · 40 items per level",
            measureName: "Hoyer sparsity", levels: Self.levels, groups: groups, values: mean), "ladder-layer-mean", span: .page)
        let change = mean.map { row in zip(row, mean[0]).map { $0 - $1 } }
        // With a 95 % interval per cell: cells whose interval includes 0 are hatched.
        var withCI = LadderLayerHeatmap(
            title: "Within-item change in Hoyer sparsity from level 0", subtitle: "ood ladder · mean over 40 items",
            measureName: "Hoyer", levels: Self.levels, groups: groups, values: change, mode: .changeFromBase)
        let half = change.map { row in row.map { _ in 0.006 + 0.01 * rng.uniform() } }
        withCI.interval = .init(lower: zip(change, half).map { zip($0, $1).map { $0 - $1 } },
                                upper: zip(change, half).map { zip($0, $1).map { $0 + $1 } }, label: "95% bootstrap CI of the mean change")
        try emit(withCI, "ladder-layer-change", span: .page)
        var perRow = withCI
        perRow.rowScaling = .perRow
        perRow.title = "Within-item change from level 0, each level scaled to its own range"
        try emit(perRow, "ladder-layer-change-per-row", span: .page)
        // Few layers: wide cells carry value annotations.
        let small = Array(groups[0...0]) + [LadderLayerHeatmap.LayerGroup(name: "global", layerLabels: (0..<12).map(String.init))]
        let smallValues = change.map { Array($0.prefix(13)) }
        _ = try emit(LadderLayerHeatmap(
            title: "Change from level 0 (13 layers, annotated)", measureName: "Gini", levels: Self.levels,
            groups: small, values: smallValues, mode: .changeFromBase), "ladder-layer-change-annotated", span: .page)
    }

    @Test func trendChart() throws {
        var rng = SplitMix64(seed: 4)
        func series(_ name: String, base: Double, slope: Double, noise: Double, ci: Double) -> TrendChart.Series {
            let mean = Self.levels.indices.map { base + slope * Double($0) + noise * rng.normal() }
            let half = Self.levels.indices.map { _ in ci * (0.7 + 0.6 * rng.uniform()) }
            return .init(name: name, mean: mean, lower: zip(mean, half).map { $0 - $1 }, upper: zip(mean, half).map { $0 + $1 })
        }
        let figure = TrendChart(
            title: "Entropy and sparsity along the OOD ladder", subtitle: "mean per item, 40 items per level",
            levels: Self.levels, panels: [
                .init(title: "Entropy", yLabel: "bits per byte", series: [
                    series("mean byte entropy", base: 1.2, slope: 0.35, noise: 0.05, ci: 0.12),
                    series("mean patch entropy", base: 1.6, slope: 0.28, noise: 0.06, ci: 0.15),
                ]),
                .init(title: "Sparsity", yLabel: "Hoyer sparsity", series: [
                    series("encoder.0", base: 0.31, slope: 0.004, noise: 0.004, ci: 0.01),
                    series("global.12", base: 0.42, slope: 0.011, noise: 0.004, ci: 0.012),
                    series("global.24", base: 0.47, slope: 0.016, noise: 0.005, ci: 0.015),
                    series("decoder.8", base: 0.38, slope: -0.006, noise: 0.004, ci: 0.01),
                ]),
            ])
        _ = try emit(figure, "trend")
    }

    @Test func scatterPointsAndDensity() throws {
        var rng = SplitMix64(seed: 5)
        func cloud(_ n: Int) -> ([Double], [Double]) {
            var x = [Double](), y = [Double]()
            for _ in 0..<n {
                let e = max(0, 2.2 + 1.1 * rng.normal())
                x.append(e); y.append(0.32 + 0.035 * e + 0.05 * rng.normal())
            }
            return (x, y)
        }
        let (x1, y1) = cloud(6000)
        _ = try emit(ScatterFigure(title: "Per-patch entropy vs sparsity (global.12)", xLabel: "mean patch entropy (bits)",
                                   yLabel: "Hoyer sparsity", x: x1, y: y1, fit: statisticsFit(x1, y1)), "scatter-density")
        let (x2, y2) = cloud(400)
        _ = try emit(ScatterFigure(title: "Per-patch entropy vs sparsity, one level", xLabel: "mean patch entropy (bits)",
                                   yLabel: "Hoyer sparsity", x: x2, y: y2, fit: statisticsFit(x2, y2), note: "level typos-3"), "scatter-points")
    }

    @Test func patchLengths() throws {
        var rng = SplitMix64(seed: 6)
        let lengths = Self.levels.indices.map { level -> [Int] in
            let mean = 6.5 - 0.45 * Double(level)
            return (0..<(600 + 90 * level)).map { _ in
                // Geometric-like lengths with the given mean.
                let p = 1 / max(1.2, mean)
                return max(1, Int((log(max(1e-12, rng.uniform())) / log(1 - p)).rounded(.up)))
            }
        }
        _ = try emit(PatchLengthDistribution(
            title: "Patch lengths per level", subtitle: "ood ladder · all patches of 40 items per level",
            levels: Self.levels, lengths: lengths), "patch-lengths")
    }
}
