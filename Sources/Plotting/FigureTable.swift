import Foundation

/// The numbers a figure draws, as one flat table, so a user can restyle the figure (matplotlib, R, a
/// spreadsheet) without recomputing anything: `probe report` writes it as `figures/<name>.csv` beside the PNG.
/// Values are written in Swift's shortest round-trip form (exact); a missing value is an empty cell.
public struct FigureTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String]]
    /// Lines written as `# …` comments before the header (what the figure is, how to redraw it).
    public var notes: [String]

    public init(columns: [String], rows: [[String]] = [], notes: [String] = []) {
        self.columns = columns; self.rows = rows; self.notes = notes
    }

    /// A number cell: shortest round-trip form, empty for NaN/±∞.
    public static func cell(_ v: Double) -> String { v.isFinite ? "\(v)" : "" }

    /// RFC 4180 CSV (fields with a comma, quote or line break are quoted), `# ` comment lines first.
    public func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = notes.map { "# " + $0.replacingOccurrences(of: "\n", with: " ") }
        lines.append(columns.map(field).joined(separator: ","))
        for row in rows { lines.append(row.map(field).joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A figure that can hand over the table behind it.
public protocol TabularFigure: Figure {
    func table() -> FigureTable
}

extension TrendChart: TabularFigure {
    public func table() -> FigureTable {
        var t = FigureTable(columns: ["panel", "series", "level_index", "level", "mean", "lower", "upper"],
                            notes: [title, "level scale: \(levelScale.rawValue)"])
        for panel in panels {
            for series in panel.series {
                for (l, level) in levels.enumerated() {
                    t.rows.append([panel.title, series.name, String(l), level, FigureTable.cell(series.mean[l]),
                                   series.lower.map { FigureTable.cell($0[l]) } ?? "", series.upper.map { FigureTable.cell($0[l]) } ?? ""])
                }
            }
        }
        return t
    }
}

extension LadderLayerHeatmap: TabularFigure {
    public func table() -> FigureTable {
        var t = FigureTable(columns: ["level_index", "level", "group", "layer", "value"] + (interval == nil ? [] : ["lower", "upper"]),
                            notes: [title, "value: \(measureName)"] + (interval.map { ["lower, upper: \($0.label)"] } ?? []))
        let columns = groups.flatMap { g in g.layerLabels.map { (g.name, $0) } }
        for (l, level) in levels.enumerated() where l < values.count {
            for (c, (group, layer)) in columns.enumerated() where c < values[l].count {
                var row = [String(l), level, group, layer, FigureTable.cell(values[l][c])]
                if let interval, l < interval.lower.count, c < interval.lower[l].count, l < interval.upper.count, c < interval.upper[l].count {
                    row += [FigureTable.cell(interval.lower[l][c]), FigureTable.cell(interval.upper[l][c])]
                } else if interval != nil {
                    row += ["", ""]
                }
                t.rows.append(row)
            }
        }
        return t
    }
}

extension LayerPositionHeatmap: TabularFigure {
    public func table() -> FigureTable {
        var t = FigureTable(columns: ["block", "layer", "unit", "position", "value"], notes: [title, "value: \(measureName)"])
        for block in blocks {
            for (layer, row) in zip(block.layerLabels, block.values) {
                for (p, v) in row.enumerated() { t.rows.append([block.name, layer, block.unit.rawValue, String(p), FigureTable.cell(v)]) }
            }
        }
        return t
    }
}

extension ByteStripFigure: TabularFigure {
    public func table() -> FigureTable {
        let patchOf = patchIndexOfByte(starts: patchStarts, byteCount: bytes.count)
        var t = FigureTable(columns: ["position", "byte", "patch", "is_patch_start", entropyLabel] + hookRows.map(\.name),
                            notes: [title, "hook rows: \(sparsityLabel); patch-level rows give the value of the byte's patch"])
        let starts = Set(patchStarts)
        for (i, b) in bytes.enumerated() {
            var row = [String(i), String(b), String(patchOf[i]), starts.contains(i) ? "1" : "0",
                       i < entropy.count ? FigureTable.cell(entropy[i]) : ""]
            for hook in hookRows {
                let index = hook.unit == .bytes ? i : patchOf[i]
                row.append(index < hook.values.count ? FigureTable.cell(hook.values[index]) : "")
            }
            t.rows.append(row)
        }
        return t
    }
}

extension ScatterFigure: TabularFigure {
    /// The points (at most ``densityThreshold`` of them), or for a density plot the non-empty bins as drawn.
    public func table() -> FigureTable {
        let (px, py, fit, xt, yt, nx, ny, counts) = binned()
        var notes = [title, "x: \(xLabel); y: \(yLabel)"]
        if let fit { notes.append("pooled OLS y = \(fit.slope) x + \(fit.intercept), Pearson r = \(fit.r), n = \(px.count)") }
        guard px.count > densityThreshold else {
            return FigureTable(columns: ["x", "y"], rows: zip(px, py).map { [FigureTable.cell($0), FigureTable.cell($1)] }, notes: notes)
        }
        var t = FigureTable(columns: ["x_low", "x_high", "y_low", "y_high", "count"], notes: notes + ["2-D histogram, \(nx) × \(ny) bins"])
        let xd = xt.niceRange, yd = yt.niceRange
        for j in 0..<ny {
            for i in 0..<nx where counts[j * nx + i] > 0 {
                let x0 = xd.lowerBound + Double(i) / Double(nx) * (xd.upperBound - xd.lowerBound)
                let x1 = xd.lowerBound + Double(i + 1) / Double(nx) * (xd.upperBound - xd.lowerBound)
                let y0 = yd.lowerBound + Double(j) / Double(ny) * (yd.upperBound - yd.lowerBound)
                let y1 = yd.lowerBound + Double(j + 1) / Double(ny) * (yd.upperBound - yd.lowerBound)
                t.rows.append([x0, x1, y0, y1].map(FigureTable.cell) + [String(counts[j * nx + i])])
            }
        }
        return t
    }
}

extension PatchLengthDistribution: TabularFigure {
    /// Patch counts per level and length (every length, none cut at the axis).
    public func table() -> FigureTable {
        var t = FigureTable(columns: ["level_index", "level", "length_bytes", "patches"], notes: [title])
        for (l, level) in levels.enumerated() where l < lengths.count {
            var counts: [Int: Int] = [:]
            for v in lengths[l] { counts[v, default: 0] += 1 }
            for length in counts.keys.sorted() { t.rows.append([String(l), level, String(length), String(counts[length]!)]) }
        }
        return t
    }
}
