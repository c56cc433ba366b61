#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ProbeRunReader {
    /// Every count, offset, width and length a reader later indexes with, checked once when the file is
    /// opened, against the layout and against each other: the item counter, every column's rank, width
    /// and row count, the items' byte/patch offsets and counts (non-negative, consecutive, no overflow),
    /// spans and probe positions inside their item, byte values in -1...255 and patches inside their
    /// item. Reads themselves are bounded by what each dataset stores (`HDF5Dataset.checkReadable`).
    /// - Throws: `ProbeRunError.unsupportedSchema` naming the column, the value and the limit.
    func validateStructure() throws {
        func bad(_ column: String, _ detail: String) -> ProbeRunError {
            .unsupportedSchema(path: path, detail: "damaged or inconsistent file: \(column): \(detail)")
        }
        typealias S = ProbeRunSchema
        let items = completedItemCount
        guard items >= 0 else { throw bad("completed_items", "\(items) is negative") }
        func requireColumn(_ group: String, _ name: String, rows: Int, width: Int?) throws {
            let shape = try dataset(group, name).shape()
            let rank = width == nil ? 1 : 2
            guard shape.count == rank, shape[0] >= rows, width == nil || shape[1] == width else {
                throw bad("\(group)/\(name)", "shape \(shape), but the complete items need \(rows) rows"
                          + (width.map { " of width \($0)" } ?? ""))
            }
        }
        for column in S.itemColumns { try requireColumn(S.Group.items, column.name, rows: items, width: nil) }
        for name in layout.itemMetricNames { try requireColumn(S.Group.items, name, rows: items, width: nil) }

        let rows = 0..<items
        let g = S.Group.items
        let byteCount = try dataset(g, "byte_count").read(rows: rows, as: Int64.self)
        let patchCount = try dataset(g, "patch_count").read(rows: rows, as: Int64.self)
        let byteOffset = try dataset(g, "byte_offset").read(rows: rows, as: Int64.self)
        let patchOffset = try dataset(g, "patch_offset").read(rows: rows, as: Int64.self)
        let spanStart = try dataset(g, "span_start").read(rows: rows, as: Int32.self)
        let spanEnd = try dataset(g, "span_end").read(rows: rows, as: Int32.self)
        let probe = try dataset(g, "probe_position").read(rows: rows, as: Int32.self)
        var bytes: Int64 = 0, patches: Int64 = 0
        for i in rows {
            guard byteCount[i] >= 0 else { throw bad("items/byte_count", "item \(i): \(byteCount[i]) is negative") }
            guard patchCount[i] >= 0 else { throw bad("items/patch_count", "item \(i): \(patchCount[i]) is negative") }
            guard byteOffset[i] == bytes else { throw bad("items/byte_offset", "item \(i): \(byteOffset[i]), expected \(bytes)") }
            guard patchOffset[i] == patches else { throw bad("items/patch_offset", "item \(i): \(patchOffset[i]), expected \(patches)") }
            guard spanStart[i] >= 0, spanStart[i] <= spanEnd[i], Int64(spanEnd[i]) <= byteCount[i] else {
                throw bad("items/span_start, span_end", "item \(i): \(spanStart[i])..<\(spanEnd[i]) outside 0...\(byteCount[i])")
            }
            guard probe[i] >= 0, Int64(probe[i]) < max(byteCount[i], 1) else {
                throw bad("items/probe_position", "item \(i): \(probe[i]) outside 0..<\(byteCount[i])")
            }
            let (b, o1) = bytes.addingReportingOverflow(byteCount[i])
            let (p, o2) = patches.addingReportingOverflow(patchCount[i])
            guard !o1, !o2, b <= Int64(Int32.max), p <= Int64(Int32.max) else {
                throw bad("items/byte_count, patch_count", "the rows of the first \(i + 1) items exceed \(Int32.max)")
            }
            bytes = b
            patches = p
        }
        let byteRows = Int(bytes), patchRows = Int(patches)
        for column in S.byteColumns {
            // Columns added after the first v1 files may be absent (readers give NaN); checked when present.
            if S.optionalByteColumns.contains(column.name), try !file.group(S.Group.bytes).contains(column.name) { continue }
            try requireColumn(S.Group.bytes, column.name, rows: byteRows, width: nil)
        }
        for column in S.patchColumns { try requireColumn(S.Group.patches, column.name, rows: patchRows, width: nil) }
        let measureGroups = [(S.Group.byteLevel, layout.byteLevelHooks, byteRows), (S.Group.patchLevel, layout.patchLevelHooks, patchRows),
                             (S.Group.probe, layout.probeHooks, items)]
        for (group, hooks, rows) in measureGroups where !hooks.isEmpty {
            for column in layout.measureColumns {
                try requireColumn("\(S.Group.measures)/\(group)", column, rows: rows, width: hooks.count)
            }
        }
        for spec in layout.activations {
            let rows = spec.scope == .byte ? byteRows : spec.scope == .patch ? patchRows : items
            try requireColumn("\(S.Group.activations)/\(spec.scope.groupName)", spec.hook, rows: rows, width: spec.width)
        }

        // Values that index or convert: byte values, patch starts and lengths inside their item.
        let values = try dataset(S.Group.bytes, "value").read(rows: 0..<byteRows, as: Int16.self)
        if let i = values.firstIndex(where: { $0 < -1 || $0 > 255 }) {
            throw bad("bytes/value", "row \(i): \(values[i]) is outside -1...255")
        }
        let starts = try dataset(S.Group.patches, "start").read(rows: 0..<patchRows, as: Int32.self)
        let lengths = try dataset(S.Group.patches, "length").read(rows: 0..<patchRows, as: Int32.self)
        for i in rows {
            let count = byteCount[i]
            for row in Int(patchOffset[i])..<Int(patchOffset[i] + patchCount[i]) {
                guard starts[row] >= 0, lengths[row] >= 0, Int64(starts[row]) + Int64(lengths[row]) <= count else {
                    throw bad("patches/start, length", "row \(row) (item \(i)): \(starts[row]) + \(lengths[row]) outside the item's \(count) bytes")
                }
            }
        }
    }
}
