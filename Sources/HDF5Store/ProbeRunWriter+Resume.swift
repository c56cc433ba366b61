#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ProbeRunWriter {
    /// Continues `<finalPath>.partial` after a crash, kill or interrupt.
    ///
    /// Finds the last complete item (root attribute `completed_items`), shrinks every appendable
    /// column back to the rows of those items (dropping half-written rows of the next one), and
    /// returns a writer whose `completedItemCount` tells the caller which item to produce next.
    /// Appending the remaining items then gives the same dataset contents as an uninterrupted run.
    /// - Throws: `.noPartialFile`; `.resumeMismatch` when the layout, configuration, dataset, seed or
    ///   model differ from the partial file's, or the file is already complete;
    ///   `.unsupportedSchema` for a foreign file; `HDF5Error` if HDF5 cannot open it (a file killed
    ///   in the middle of a metadata write may be unreadable; then delete it and start again).
    public static func resume(at finalPath: String, layout: ProbeRunLayout, provenance: ProbeRunProvenance,
                              options: ProbeRunWriterOptions = ProbeRunWriterOptions(),
                              resumedUTC: String = ProbeRunProvenance.utcNow()) throws -> ProbeRunWriter {
        let partial = partialPath(for: finalPath)
        guard FileManager.default.fileExists(atPath: partial) else { throw ProbeRunError.noPartialFile(partialPath: partial) }
        try layout.validate(path: partial)
        let file = try HDF5File.open(partial, mode: .readWrite)
        _ = try ProbeRunReader.checkSchema(file, path: partial)
        typealias A = ProbeRunSchema.Attribute
        let status = try file.stringAttribute(A.status)
        guard status == ProbeRunSchema.Status.writing else {
            throw ProbeRunError.resumeMismatch(partialPath: partial, detail: "its status is '\(status)', not '\(ProbeRunSchema.Status.writing)'")
        }
        let storedLayout: ProbeRunLayout
        do {
            storedLayout = try ProbeRunReader.readLayout(file, path: partial)
        } catch HDF5Error.notFound(let kind, let name, _) {
            throw ProbeRunError.resumeMismatch(partialPath: partial,
                detail: "it is incomplete (no \(kind) '\(name)'; the run stopped while creating it); delete it and start again")
        }
        guard storedLayout == layout else {
            throw ProbeRunError.resumeMismatch(partialPath: partial,
                detail: "it was written with another layout (hooks, measures, item metrics or activations)")
        }
        let stored = try ProbeRunReader.readProvenance(file)
        guard stored.experimentIdentity() == provenance.experimentIdentity() else {
            throw ProbeRunError.resumeMismatch(partialPath: partial,
                detail: "it was written for another experiment (config, dataset, seed or model differ)")
        }

        let completed = Int(try file.attribute(A.completedItems, as: Int64.self))
        let items = try file.group(ProbeRunSchema.Group.items)
        let byteCounts = try items.dataset("byte_count")
        let patchCounts = try items.dataset("patch_count")
        let available = try byteCounts.shape()[0]
        guard completed <= available, try patchCounts.shape()[0] >= completed else {
            throw ProbeRunError.resumeMismatch(partialPath: partial,
                detail: "completed_items = \(completed) but /items holds only \(available) rows")
        }
        let byteRows = Int(try byteCounts.read(rows: 0..<completed, as: Int64.self).reduce(0, +))
        let patchRows = Int(try patchCounts.read(rows: 0..<completed, as: Int64.self).reduce(0, +))

        let writer = ProbeRunWriter(finalPath: finalPath, layout: layout, options: options, file: file,
                                    completedItems: completed, byteRows: byteRows, patchRows: patchRows)
        do {
            try writer.reopenColumns(in: file)
            let target: [String: Int] = [ProbeRunSchema.Dimension.item: completed,
                                         ProbeRunSchema.Dimension.byte: byteRows,
                                         ProbeRunSchema.Dimension.patch: patchRows]
            for (key, entry) in writer.columns {
                guard let rows = target[entry.dimension] else { continue }
                let current = try entry.dataset.shape()[0]
                if current < rows {
                    throw ProbeRunError.resumeMismatch(partialPath: partial,
                        detail: "\(key) has \(current) rows but the complete items need \(rows)")
                }
                if current > rows { try entry.dataset.resize(rows: rows) }
            }
            for (dimension, rows) in target { try file.dataset(dimension).resize(rows: rows) }
            try file.setAttribute(A.resumedUTC, stored.resumedUTC + [resumedUTC])
            try file.flush()
        } catch {
            writer.closeHandles()
            throw error
        }
        return writer
    }
}
