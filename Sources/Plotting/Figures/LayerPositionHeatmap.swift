/// A layer × position heatmap of one sparsity measure for one item, with encoder / global / decoder blocks
/// stacked top to bottom (data-flow order) and separated by gaps.
///
/// Positions are bytes or patches (``xAxis``). A block whose rows are per patch is stretched over the bytes of
/// each patch on a byte axis; a block whose rows are per byte is averaged over each patch's bytes (NaN
/// skipped) on a patch axis. Patch starts are marked by ticks above the plot on a byte axis. Items longer
/// than ``maxColumns`` positions are averaged over equal bins (the axis label says so).
public struct LayerPositionHeatmap: Figure {
    /// A contiguous group of layers (e.g. the local encoder) with one row of values per layer.
    public struct Block: Sendable {
        public var name: String
        /// One label per row, e.g. "0", "1", … or hook names.
        public var layerLabels: [String]
        /// `layerLabels.count` rows, each with one value per byte or per patch (``unit``).
        public var values: [[Double]]
        public var unit: PositionUnit
        public init(name: String, layerLabels: [String], values: [[Double]], unit: PositionUnit) {
            self.name = name; self.layerLabels = layerLabels; self.values = values; self.unit = unit
        }
    }

    public var title: String
    public var subtitle: String?
    public var measureName: String
    public var blocks: [Block]
    /// Number of bytes in the item.
    public var byteCount: Int
    /// Patch start offsets (strictly increasing, first 0); needed whenever units are mixed or the axis is
    /// patches.
    public var patchStarts: [Int]
    public var xAxis: PositionUnit
    public var colormap: Colormap
    /// Colour range; nil uses the finite min...max of all cells.
    public var range: ClosedRange<Double>?
    public var maxWidth: Int? = nil

    public init(title: String, subtitle: String? = nil, measureName: String, blocks: [Block], byteCount: Int,
                patchStarts: [Int], xAxis: PositionUnit = .bytes, colormap: Colormap = .viridis,
                range: ClosedRange<Double>? = nil) {
        self.title = title; self.subtitle = subtitle; self.measureName = measureName; self.blocks = blocks
        self.byteCount = byteCount; self.patchStarts = patchStarts; self.xAxis = xAxis
        self.colormap = colormap; self.range = range
    }

    /// Widest heatmap in columns; longer rows are averaged over equal bins.
    static let maxColumns = 1200

    /// Means over consecutive bins of `size` values, NaN skipped (NaN when a bin has no finite value).
    static func binned(_ row: [Double], _ size: Int) -> [Double] {
        stride(from: 0, to: row.count, by: size).map { start in
            let finite = row[start..<min(row.count, start + size)].filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
    }

    /// Rows converted to the x axis unit.
    func alignedRows() throws -> [[[Double]]] {
        let patchCount = patchStarts.count
        let patchOf = patchIndexOfByte(starts: patchStarts.isEmpty ? [0] : patchStarts, byteCount: byteCount)
        return try blocks.enumerated().map { (b, block) in
            guard block.values.count == block.layerLabels.count else {
                throw PlottingError.invalidInput(field: "blocks[\(b)].values",
                    message: "\(block.values.count) rows for \(block.layerLabels.count) layer labels (\(block.name))")
            }
            return try block.values.enumerated().map { (r, row) in
                let expected = block.unit == .bytes ? byteCount : patchCount
                guard row.count == expected else {
                    throw PlottingError.invalidInput(field: "blocks[\(b)].values[\(r)]",
                        message: "\(row.count) values for \(expected) \(block.unit.rawValue) (\(block.name))")
                }
                switch (block.unit, xAxis) {
                case (.bytes, .bytes), (.patches, .patches): return row
                case (.patches, .bytes): return patchOf.map { row[$0] }
                case (.bytes, .patches):
                    var sums = [Double](repeating: 0, count: patchCount), counts = sums
                    for (i, v) in row.enumerated() where v.isFinite { sums[patchOf[i]] += v; counts[patchOf[i]] += 1 }
                    return zip(sums, counts).map { $1 > 0 ? $0 / $1 : .nan }
                }
            }
        }
    }

    public func render() throws -> Canvas {
        guard !blocks.isEmpty else { throw PlottingError.invalidInput(field: "blocks", message: "no blocks") }
        let mixed = blocks.contains { $0.unit != xAxis }
        if mixed || xAxis == .patches {
            guard !patchStarts.isEmpty else {
                throw PlottingError.invalidInput(field: "patchStarts", message: "required to convert between bytes and patches")
            }
        }
        if !patchStarts.isEmpty { try validatePatchStarts(patchStarts, byteCount: byteCount, field: "patchStarts") }
        let aligned = try alignedRows()
        let positions = xAxis == .bytes ? byteCount : patchStarts.count
        guard positions > 0 else { throw PlottingError.invalidInput(field: "byteCount", message: "no positions to plot") }
        let totalRows = blocks.reduce(0) { $0 + $1.layerLabels.count }
        let rowH = totalRows <= 24 ? 16 : totalRows <= 48 ? 12 : 8
        let blockGap = 6
        let plotH = totalRows * rowH + (blocks.count - 1) * blockGap
        let tickStyle = TextStyle.label.aligned(.right, .middle)
        let labelStep = rowH >= 12 ? 1 : 2
        let layerLabelW = blocks.flatMap(\.layerLabels).map { tickStyle.size(of: $0).width }.max() ?? 0
        let blockLabelW = blocks.map { TextStyle.label.size(of: $0.name).width }.max() ?? 0
        let showPatchMarks = xAxis == .bytes && !patchStarts.isEmpty
        let marksLabelW = showPatchMarks ? BitmapFont.small.measure("patch starts") + 6 : 0
        let plotX = Layout.margin + max(blockLabelW + 12 + layerLabelW + 10, marksLabelW)
        let barH = max(120, min(320, plotH))
        // Long items are averaged over bins of `bin` positions so the image stays at most ~1200 columns wide
        // (or as wide as a width budget leaves for the plot). The colour range is that of the binned rows.
        let naturalBin = (positions + Self.maxColumns - 1) / Self.maxColumns
        let binnedRows = { (bin: Int) in bin == 1 ? aligned : aligned.map { $0.map { Self.binned($0, bin) } } }
        let naturalRows = binnedRows(naturalBin)
        let naturalRange = widened(range ?? finiteRange(naturalRows.joined().joined()))
        var barExtent = Canvas.colorBarExtent(range: naturalRange, height: barH, label: measureName)
        let budget = maxWidth.map { max(100, $0 - plotX - 24 - 16 - barExtent - Layout.margin) }
        let naturalCellW = max(1, min(24, 960 / ((positions + naturalBin - 1) / naturalBin)))
        let naturalWidth = max(plotX + naturalCellW * ((positions + naturalBin - 1) / naturalBin) + 24 + 16 + barExtent + Layout.margin,
                               Canvas.headerWidth(title, subtitle))
        let compact = maxWidth.map { $0 < naturalWidth } ?? false
        let bin = compact ? max(naturalBin, (positions + budget! - 1) / budget!) : naturalBin
        let columns = (positions + bin - 1) / bin
        let rows = bin == naturalBin ? naturalRows : binnedRows(bin)
        let cRange = bin == naturalBin ? naturalRange : widened(range ?? finiteRange(rows.joined().joined()))
        barExtent = Canvas.colorBarExtent(range: cRange, height: barH, label: measureName)
        // Within a budget the plot fills it: columns get widths that differ by at most one pixel.
        let plotW = compact ? max(columns, min(24 * columns, budget!)) : naturalCellW * columns
        let cellX = { (i: Int) in plotX + i * plotW / columns }
        let width = compact ? max(maxWidth!, plotX + plotW + 24 + 16 + barExtent + Layout.margin) : naturalWidth
        let wrap: Int? = compact ? width : nil
        let headerH = Canvas.headerHeight(title, subtitle, width: wrap)
        let patchMarks = showPatchMarks ? 12 : 0
        let height = headerH + patchMarks + max(plotH, barH) + 8 + 14 + 6 + 14 + Layout.margin + 4
        var canvas = Canvas(width: width, height: height)
        let top = canvas.title(title, subtitle: subtitle, width: wrap) + patchMarks

        var y = top
        for (b, block) in blocks.enumerated() {
            let blockTop = y
            for (r, row) in rows[b].enumerated() {
                for (i, v) in row.enumerated() {
                    canvas.fillPixels(x0: cellX(i), y0: y, x1: cellX(i + 1), y1: y + rowH,
                                      colormap.color(v, in: cRange))
                }
                if r % labelStep == 0 || r == row.count - 1 {
                    canvas.hline(x0: plotX - 4, x1: plotX, y: y + rowH / 2, .ink)
                    canvas.text(block.layerLabels[r], at: Point(Double(plotX - 6), Double(y) + Double(rowH) / 2), tickStyle)
                }
                y += rowH
            }
            canvas.stroke(Rect(x: Double(plotX), y: Double(blockTop), width: Double(plotW), height: Double(y - blockTop)), .ink)
            let bracketX = plotX - layerLabelW - 12
            canvas.vline(x: bracketX, y0: blockTop + 1, y1: y - 1, .midGrey)
            canvas.text(block.name, at: Point(Double(bracketX - 5), Double(blockTop + y) / 2),
                        TextStyle.label.aligned(.right, .middle))
            y += blockGap
        }
        if patchMarks > 0 {
            for s in patchStarts {
                canvas.vline(x: cellX(s / bin), y0: top - patchMarks, y1: top - 2, .ink)
            }
            canvas.text("patch starts", at: Point(Double(plotX - 6), Double(top - patchMarks / 2 - 1)),
                        TextStyle(font: .small, color: .midGrey, hAlign: .right, vAlign: .middle))
        }
        let ticks = NiceTicks(0, Double(positions - 1), target: max(2, plotW / 90))
        let xs = ticks.values.filter { $0 >= 0 && $0 < Double(positions) }
        canvas.xAxis(Rect(x: Double(plotX), y: Double(top), width: Double(plotW), height: Double(plotH)),
                     positions: xs.map { Double(plotX) + ($0 / Double(bin) + 0.5 / Double(bin)) * Double(plotW) / Double(columns) },
                     labels: xs.map { NumberFormat.tick($0, step: ticks.step) }, label: xAxis.axisLabel + (bin > 1 ? " (mean over bins of \(bin))" : ""))
        canvas.colorBar(Rect(x: Double(plotX + plotW + 24), y: Double(top), width: 16, height: Double(barH)),
                        colormap: colormap, range: cRange, label: measureName)
        return canvas
    }
}
