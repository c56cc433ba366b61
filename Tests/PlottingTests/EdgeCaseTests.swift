import Testing
@testable import Plotting

/// Degenerate and extreme inputs render (or fail with a typed error) instead of trapping, and canvases stay
/// bounded for long items.
@Suite struct EdgeCaseTests {
    @Test func emptyAndAllNaNInputsRender() throws {
        _ = try ByteStripFigure(title: "empty", bytes: [], entropy: [], patchStarts: []).render()
        let nan3 = [Double](repeating: .nan, count: 3)
        _ = try ByteStripFigure(title: "nan", bytes: [0, 0x41, 0xFF], entropy: nan3, patchStarts: [0],
                                hookRows: [.init(name: "h", values: nan3, unit: .bytes)]).render()
        _ = try ScatterFigure(title: "none", xLabel: "x", yLabel: "y", x: [], y: []).render()
        _ = try ScatterFigure(title: "one", xLabel: "x", yLabel: "y", x: [1], y: [2]).render()
        _ = try ScatterFigure(title: "nan", xLabel: "x", yLabel: "y", x: [.nan, .infinity], y: [1, 2]).render()
        _ = try TrendChart(title: "one level", levels: ["only"], panels: [
            .init(title: "p", yLabel: "y", series: [.init(name: "s", mean: [.nan], lower: [.nan], upper: [.nan])]),
        ]).render()
        _ = try PatchLengthDistribution(title: "empty level", levels: ["a", "b"], lengths: [[], [3]]).render()
        _ = try LadderLayerHeatmap(title: "nan", measureName: "m", levels: ["a"], groups: [.init(name: "g", layerLabels: ["0"])],
                                   values: [[.nan]], mode: .changeFromBase).render()
        _ = try LayerPositionHeatmap(title: "const", measureName: "m",
                                     blocks: [.init(name: "b", layerLabels: ["0"], values: [[0.5, 0.5]], unit: .bytes)],
                                     byteCount: 2, patchStarts: []).render()
    }

    @Test func invalidShapesThrowTypedErrors() {
        #expect(throws: PlottingError.self) {
            try LayerPositionHeatmap(title: "", measureName: "m", blocks: [], byteCount: 3, patchStarts: [0]).render()
        }
        #expect(throws: PlottingError.self) {
            // Patch rows on a byte axis need patch starts.
            try LayerPositionHeatmap(title: "", measureName: "m",
                                     blocks: [.init(name: "g", layerLabels: ["0"], values: [[1]], unit: .patches)],
                                     byteCount: 3, patchStarts: []).render()
        }
        #expect(throws: PlottingError.self) {
            try PatchLengthDistribution(title: "", levels: ["a"], lengths: [[0, 2]]).render()
        }
        #expect(throws: PlottingError.self) {
            try LadderLayerHeatmap(title: "", measureName: "m", levels: ["a", "b"], groups: [.init(name: "g", layerLabels: ["0"])],
                                   values: [[1]]).render()
        }
        #expect(throws: PlottingError.self) {
            try ByteStripFigure(title: "", bytes: [1, 2], entropy: [1, 2], patchStarts: [0, 1],
                                hookRows: [.init(name: "g", values: [1], unit: .patches)]).render()
        }
    }

    @Test func longItemsStayBounded() throws {
        let n = 20_000
        let bytes = (0..<n).map { UInt8(32 + $0 % 90) }
        let entropy = (0..<n).map { Double($0 % 7) }
        let starts = Array(stride(from: 0, to: n, by: 5))
        let strip = try ByteStripFigure(title: "long", bytes: bytes, entropy: entropy, patchStarts: starts, maxLines: 10).render()
        #expect(strip.height < 600)
        let heat = try LayerPositionHeatmap(
            title: "long", measureName: "m",
            blocks: [.init(name: "enc", layerLabels: ["0", "1"], values: [entropy, entropy.reversed()], unit: .bytes)],
            byteCount: n, patchStarts: starts).render()
        #expect(heat.width <= 1600)
        #expect(LayerPositionHeatmap.binned([1, 3, .nan, .nan, 5], 2).description == [2.0, .nan, 5.0].description)
    }

    @Test func extremeMagnitudesGetReadableTicks() {
        let tiny = NiceTicks(1e-7, 5e-7, target: 4)
        #expect(tiny.labels.allSatisfy { $0.contains("e") })
        let huge = NiceTicks(0, 3e9, target: 3)
        #expect(huge.labels == ["0", "1e9", "2e9", "3e9"])
        let offset = NiceTicks(1e9, 1e9 + 1, target: 4)
        #expect(!offset.values.isEmpty && offset.values.count <= 6)
    }
}
