/// One item's bytes as glyph cells coloured by per-byte entropy, with patch boundaries as vertical rules and
/// one row per hook underneath showing that position's sparsity. Long inputs wrap over several lines.
///
/// Cells: printable ASCII (0x21–0x7E) shows its glyph, space is blank, a valid multi-byte UTF-8 character is
/// drawn in its own script over the cells of its bytes (each byte keeps its own colour; see ``ByteSpan``),
/// and control bytes and bytes outside valid UTF-8 show two hex digits in the small font. Hook rows given per patch are
/// stretched over the bytes of each patch. NaN entropy or sparsity draws the colormap's missing grey.
public struct ByteStripFigure: Figure {
    /// One sparsity row under the text: a hook's values per byte or per patch.
    public struct HookRow: Sendable {
        public var name: String
        public var values: [Double]
        public var unit: PositionUnit
        /// A shorter label used when the strip is fitted to a width budget (nil: ``name``).
        public var shortName: String?
        public init(name: String, values: [Double], unit: PositionUnit, shortName: String? = nil) {
            self.name = name; self.values = values; self.unit = unit; self.shortName = shortName
        }
    }

    public var title: String
    public var subtitle: String?
    public var bytes: [UInt8]
    /// Per-byte entropy, `bytes.count` values.
    public var entropy: [Double]
    public var entropyLabel: String
    /// Byte offsets where patches start: strictly increasing, first 0. Empty draws no rules.
    public var patchStarts: [Int]
    public var hookRows: [HookRow]
    /// Name of the sparsity measure shown in the hook rows (colour bar label).
    public var sparsityLabel: String
    /// Bytes per wrapped line (≥ 8).
    public var bytesPerLine: Int
    /// At most this many wrapped lines are drawn (≥ 1); longer inputs are cut and the caption says how many
    /// bytes are shown, which keeps the canvas bounded for long items.
    public var maxLines: Int
    /// Colour ranges; nil uses the finite min...max of the data.
    public var entropyRange: ClosedRange<Double>?
    public var sparsityRange: ClosedRange<Double>?
    public var entropyColormap: Colormap
    public var sparsityColormap: Colormap
    public var maxWidth: Int? = nil

    public init(title: String, subtitle: String? = nil, bytes: [UInt8], entropy: [Double],
                entropyLabel: String = "entropy (bits)", patchStarts: [Int], hookRows: [HookRow] = [],
                sparsityLabel: String = "sparsity", bytesPerLine: Int = 64, maxLines: Int = 48,
                entropyRange: ClosedRange<Double>? = nil, sparsityRange: ClosedRange<Double>? = nil,
                entropyColormap: Colormap = .magma, sparsityColormap: Colormap = .viridis) {
        self.title = title; self.subtitle = subtitle; self.bytes = bytes; self.entropy = entropy
        self.entropyLabel = entropyLabel; self.patchStarts = patchStarts; self.hookRows = hookRows
        self.sparsityLabel = sparsityLabel; self.bytesPerLine = bytesPerLine; self.maxLines = maxLines
        self.entropyRange = entropyRange; self.sparsityRange = sparsityRange
        self.entropyColormap = entropyColormap; self.sparsityColormap = sparsityColormap
    }

    static let cellWidth = 13
    static let textRowHeight = 20
    static let hookRowHeight = 12
    static let lineGap = 12

    public func render() throws -> Canvas {
        let n = bytes.count
        guard entropy.count == n else {
            throw PlottingError.invalidInput(field: "entropy", message: "\(entropy.count) values for \(n) bytes")
        }
        try validatePatchStarts(patchStarts, byteCount: n, field: "patchStarts")
        guard bytesPerLine >= 8, bytesPerLine <= 4096 else {
            throw PlottingError.invalidInput(field: "bytesPerLine", message: "must be in 8...4096, got \(bytesPerLine)")
        }
        let patchOf = patchIndexOfByte(starts: patchStarts.isEmpty ? [0] : patchStarts, byteCount: n)
        var perByteRows = [[Double]]()
        for (i, row) in hookRows.enumerated() {
            let expected = row.unit == .bytes ? n : max(1, patchStarts.count)
            guard row.values.count == expected else {
                throw PlottingError.invalidInput(
                    field: "hookRows[\(i)].values",
                    message: "\(row.values.count) values for \(expected) \(row.unit.rawValue) (hook \(row.name))")
            }
            perByteRows.append(row.unit == .bytes ? row.values : patchOf.map { row.values[$0] })
        }
        let eRange = widened(entropyRange ?? finiteRange(entropy))
        let sRange = widened(sparsityRange ?? finiteRange(perByteRows.joined()))

        // Layout: [labels | cells] [entropy bar] [sparsity bar]. Within a width budget hook rows use their
        // short names, lines hold as many bytes as fit (a multiple of 8) and text wraps.
        let labelStyle = TextStyle.label.aligned(.right, .middle)
        let bars = [(eRange, entropyLabel, entropyColormap)] + (hookRows.isEmpty ? [] : [(sRange, sparsityLabel, sparsityColormap)])
        let blockH = Self.textRowHeight + hookRows.count * (Self.hookRowHeight + 1)
        func layout(_ compact: Bool) -> (labels: [String], labelW: Int, perLineLimit: Int, barH: Int, barExtents: [Int]) {
            let labels = hookRows.map { compact ? ($0.shortName ?? $0.name) : $0.name }
            let labelW = ([labelStyle.size(of: "byte 00000").width] + labels.map { labelStyle.size(of: $0).width }).max()!
            var limit = self.bytesPerLine
            var barH = 140
            for _ in 0..<2 {
                let lines = min(max(1, (n + limit - 1) / limit), max(1, maxLines))
                barH = max(140, min(260, lines * blockH + (lines - 1) * Self.lineGap))
                let extents = bars.map { Canvas.colorBarExtent(range: $0.0, height: barH, label: $0.1) + 16 + 24 }
                if compact, let maxWidth {
                    let room = maxWidth - (Layout.margin + labelW + 8) - 16 - extents.reduce(0, +) - Layout.margin
                    limit = min(self.bytesPerLine, max(8, room / Self.cellWidth / 8 * 8))
                }
            }
            return (labels, labelW, limit, barH, bars.map { Canvas.colorBarExtent(range: $0.0, height: barH, label: $0.1) + 16 + 24 })
        }
        let baseCaption = "black rules: patch starts · each character drawn over its bytes, other bytes in hex"
            + (hookRows.contains { $0.unit == .patches } ? " · patch-level hooks stretched over their bytes" : "")
        let natural = layout(false)
        let naturalPerLine = min(natural.perLineLimit, max(1, n))
        // The caption wraps to the strips' width (at least 480 px), so it never widens the figure by itself.
        let naturalWidth = max(Layout.margin + natural.labelW + 8 + naturalPerLine * Self.cellWidth + 16 + natural.barExtents.reduce(0, +) + Layout.margin,
                               Canvas.headerWidth(title, subtitle), 480)
        let compact = maxWidth.map { $0 < naturalWidth } ?? false
        let chosen = compact ? layout(true) : natural
        let bytesPerLine = chosen.perLineLimit, labelW = chosen.labelW, barH = chosen.barH, barExtents = chosen.barExtents
        let allLines = max(1, (n + bytesPerLine - 1) / bytesPerLine)
        let lines = min(allLines, max(1, maxLines))
        let shown = min(n, lines * bytesPerLine)
        let perLine = min(bytesPerLine, max(1, n))
        let stripsH = lines * blockH + (lines - 1) * Self.lineGap
        let cellsX = Layout.margin + labelW + 8
        let cellsW = perLine * Self.cellWidth
        let caption = baseCaption + (shown < n ? " · first \(shown) of \(n) bytes shown" : "")
        let width = compact ? max(maxWidth!, cellsX + cellsW + 16 + barExtents.reduce(0, +) + Layout.margin) : naturalWidth
        let wrap: Int? = compact ? width : nil
        let captionLines = Canvas.captionLines(caption, width: width)
        let headerH = Canvas.headerHeight(title, subtitle, width: wrap)
        let height = headerH + max(stripsH, barH) + 14 + 16 + (captionLines.count - 1) * (BitmapFont.regular.height + 2) + Layout.margin
        var canvas = Canvas(width: width, height: height)
        let top = canvas.title(title, subtitle: subtitle, width: wrap)
        canvas.caption(captionLines, x: Layout.margin, bottom: height - Layout.margin)
        let spans = ByteSpan.spans(Array(bytes[0..<shown]))

        let patchStartSet = Set(patchStarts)
        for line in 0..<lines {
            let y0 = top + line * (blockH + Self.lineGap)
            let first = line * bytesPerLine, last = min(shown, first + bytesPerLine)
            canvas.text("byte \(first)", at: Point(Double(cellsX - 6), Double(y0) + Double(Self.textRowHeight) / 2),
                        labelStyle.colored(RGBA(hex: 0x555555)))
            for (r, label) in chosen.labels.enumerated() {
                let ry = y0 + Self.textRowHeight + 1 + r * (Self.hookRowHeight + 1)
                canvas.text(label, at: Point(Double(cellsX - 6), Double(ry) + Double(Self.hookRowHeight) / 2 + 0.5),
                            labelStyle)
            }
            guard first < last else { continue }
            for span in spans where span.start < last && span.start + span.count > first {
                // A character cut by the line end is drawn over the part of its bytes on each line.
                let lo = max(first, span.start), hi = min(last, span.start + span.count)
                let x = cellsX + (lo - first) * Self.cellWidth
                if let text = span.text {
                    canvas.characterCells(text, x: x, y: y0, cellWidth: Self.cellWidth, height: Self.textRowHeight,
                                          backgrounds: (lo..<hi).map { entropyColormap.color(entropy[$0], in: eRange) })
                } else {
                    canvas.byteCell(bytes[lo], x: x, y: y0, width: Self.cellWidth, height: Self.textRowHeight,
                                    background: entropyColormap.color(entropy[lo], in: eRange))
                }
            }
            for i in first..<last {
                let x = cellsX + (i - first) * Self.cellWidth
                for (r, values) in perByteRows.enumerated() {
                    let ry = y0 + Self.textRowHeight + 1 + r * (Self.hookRowHeight + 1)
                    canvas.fillPixels(x0: x, y0: ry, x1: x + Self.cellWidth, y1: ry + Self.hookRowHeight,
                                      sparsityColormap.color(values[i], in: sRange))
                }
            }
            // Patch boundaries: a dark rule with a white halo so it reads on any background.
            for i in first..<last where patchStartSet.contains(i) && i > 0 {
                let x = cellsX + (i - first) * Self.cellWidth
                canvas.vline(x: x - 1, y0: y0 - 3, y1: y0 + blockH + 2, RGBA.white.withAlpha(0.8))
                canvas.vline(x: x, y0: y0 - 3, y1: y0 + blockH + 2, .black, lineWidth: 2)
            }
            canvas.stroke(Rect(x: Double(cellsX), y: Double(y0), width: Double((last - first) * Self.cellWidth),
                               height: Double(blockH)), .midGrey)
        }

        var bx = cellsX + cellsW + 28
        for (range, label, map) in bars {
            let bar = Rect(x: Double(bx), y: Double(top), width: 16, height: Double(barH))
            let used = canvas.colorBar(bar, colormap: map, range: range, label: label)
            bx += 16 + used + 24
        }
        return canvas
    }
}
