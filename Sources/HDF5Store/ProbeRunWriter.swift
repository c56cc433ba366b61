#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tunables of a probe-run writer.
public struct ProbeRunWriterOptions: Sendable, Equatable {
    /// Deflate level (with shuffle) for numeric columns; nil disables compression. The default, 1, writes
    /// an `ood` study about 8 % faster than level 4 (deflate was a quarter of its run time) for files
    /// about 1 % larger.
    public var compressionLevel: Int?
    /// Delete an existing `<final>.partial` instead of refusing to start.
    public var replacePartial: Bool
    /// Items between checkpoints (flush + completion counter). 1 = after every item; larger values
    /// trade resume granularity for less re-compression of partially filled chunks.
    public var itemsPerCheckpoint: Int

    public init(compressionLevel: Int? = 1, replacePartial: Bool = false, itemsPerCheckpoint: Int = 1) {
        self.compressionLevel = compressionLevel
        self.replacePartial = replacePartial
        self.itemsPerCheckpoint = max(1, itemsPerCheckpoint)
    }
}

/// Streams a probe run into an HDF5 file (schema v1, see `ProbeRunSchema` and the DocC article
/// "Probe-run schema"), one item at a time.
///
/// Safety: rows go to `<final>.partial`; only `finish()` renames it to the final path, so a failed,
/// killed or interrupted run never leaves a file at the final path. After each checkpoint the root
/// attribute `completed_items` counts the items whose rows are all on disk; `resume` truncates any
/// rows beyond it and continues, giving the same dataset contents as an uninterrupted run.
///
/// Memory stays bounded: nothing is buffered beyond the current item and HDF5's per-dataset chunk
/// caches (1 MiB each by default). A writer is used from one thread (it is not `Sendable`).
public final class ProbeRunWriter {
    /// Where `finish()` puts the file.
    public let finalPath: String
    /// Where rows are written until `finish()`.
    public let partialPath: String
    public let layout: ProbeRunLayout
    public let options: ProbeRunWriterOptions
    /// Items whose rows are complete and checkpointed.
    public private(set) var completedItemCount: Int
    /// Items appended (checkpointed or not).
    public private(set) var appendedItemCount: Int
    /// Rows on the byte and patch axes so far.
    public private(set) var byteRowCount: Int
    public private(set) var patchRowCount: Int

    var file: HDF5File?
    /// Appendable datasets by key ("items/ladder", "measures/byte_level/hoyer", "activations/byte/<hook>")
    /// with the root dimension their first axis follows.
    var columns: [String: (dataset: HDF5Dataset, dimension: String)] = [:]
    /// The write-ahead journal (the durable record a resume rebuilds from) and the run's lock; nil for
    /// the temporary writer that rebuilds a file from a journal.
    var journal: ProbeRunJournal.Appender?
    var lock: RunLock?

    /// `<final>.partial`.
    public static func partialPath(for finalPath: String) -> String { finalPath + ".partial" }

    init(finalPath: String, layout: ProbeRunLayout, options: ProbeRunWriterOptions, file: HDF5File,
         completedItems: Int, byteRows: Int, patchRows: Int) {
        self.finalPath = finalPath
        self.partialPath = Self.partialPath(for: finalPath)
        self.layout = layout
        self.options = options
        self.file = file
        self.completedItemCount = completedItems
        self.appendedItemCount = completedItems
        self.byteRowCount = byteRows
        self.patchRowCount = patchRows
    }

    deinit { close() }

    /// Starts a new run at `<finalPath>.partial` with every group, column and dimension of the
    /// layout created empty and the provenance attributes written, its journal `<finalPath>.journal`
    /// (see ``ProbeRunJournal``) and its lock `<finalPath>.lock` (see ``RunLock``).
    /// - Throws: `ProbeRunError.partialFileExists` if a partial file or journal exists (unless
    ///   `options.replacePartial`), `.locked`, `.invalidLayout`, or `HDF5Error` (e.g. missing directory,
    ///   or a final path that is a device, FIFO or directory).
    public static func create(at finalPath: String, layout: ProbeRunLayout, provenance: ProbeRunProvenance,
                              options: ProbeRunWriterOptions = ProbeRunWriterOptions()) throws -> ProbeRunWriter {
        let partial = partialPath(for: finalPath)
        let journalPath = ProbeRunJournal.path(for: finalPath)
        try layout.validate(path: partial)
        try SafeFile.checkOutput(finalPath)
        try SafeFile.checkOutput(partial)
        let lock = try RunLock.acquire(for: finalPath)
        if unfinishedRunExists(at: finalPath) {
            guard options.replacePartial else { throw ProbeRunError.partialFileExists(partialPath: partial) }
            for path in [journalPath, partial] where FileManager.default.fileExists(atPath: path) {
                try FileManager.default.removeItem(atPath: path)
            }
        }
        let journal = try ProbeRunJournal.Appender.create(at: journalPath,
                                                          header: ProbeRunJournal.Header(layout: layout, provenance: provenance))
        do {
            let writer = try createFile(finalPath: finalPath, filePath: partial, layout: layout, provenance: provenance,
                                        options: options)
            writer.journal = journal
            writer.lock = lock
            return writer
        } catch {
            journal.close()
            unlink(journalPath)
            throw error
        }
    }

    /// A new HDF5 file at `filePath` with provenance and the empty structure (no journal, no lock).
    static func createFile(finalPath: String, filePath: String, layout: ProbeRunLayout, provenance: ProbeRunProvenance,
                           options: ProbeRunWriterOptions) throws -> ProbeRunWriter {
        let file = try HDF5File.create(at: filePath, overwrite: false)
        let writer = ProbeRunWriter(finalPath: finalPath, layout: layout, options: options, file: file,
                                    completedItems: 0, byteRows: 0, patchRows: 0)
        do {
            try writer.writeProvenance(provenance, to: file)
            try writer.createStructure(in: file)
            try file.flush()
        } catch {
            writer.closeHandles()
            unlink(filePath)
            throw error
        }
        return writer
    }

    /// Appends one item's rows (item record, positions, patches, measures, activations). The whole
    /// item is validated before anything is written, so a malformed item leaves the file unchanged.
    public func append(_ item: ProbeRunItem) throws {
        guard file != nil else { throw ProbeRunError.writerClosed(path: partialPath) }
        try validate(item)
        // The journal first: once its record is written the item survives a kill, whatever libhdf5 does next.
        if let journal {
            let record = ProbeRunJournal.encodeItem(item)
            try ensureSpace(forRecordBytes: record.count, pendingBytes: journal.unsyncedBytes)
            try journal.append(.item, record)
        }
        let itemIndex = appendedItemCount
        let byteCount = item.bytes.count
        let patchCount = item.patches.count

        try column(ProbeRunSchema.Dimension.item).appendStrings([ProbeRunSchema.itemID(item.record)])
        try appendColumn("bytes/item_index", [Int32](repeating: Int32(itemIndex), count: byteCount))
        try appendColumn("bytes/position", (0..<byteCount).map { Int32($0) })
        try appendColumn("bytes/value", item.bytes.value)
        try appendColumn("bytes/entropy", item.bytes.entropy)
        try appendColumn("bytes/patch_id", item.bytes.patchID)
        let patchOffset = Int64(patchRowCount)
        try appendColumn("bytes/patch_index", item.bytes.patchID.map { patchOffset + Int64($0) })
        try appendColumn("bytes/is_patch_start", item.bytes.isPatchStart)
        try appendColumn("bytes/log_prob", item.bytes.logProb)
        try appendColumn("bytes/entropy_model_log_prob", item.bytes.entropyModelLogProb)

        try appendColumn("patches/item_index", [Int32](repeating: Int32(itemIndex), count: patchCount))
        try appendColumn("patches/start", item.patches.start)
        try appendColumn("patches/length", item.patches.length)
        try appendColumn("patches/mean_entropy", item.patches.meanEntropy)
        try appendColumn("patches/max_entropy", item.patches.maxEntropy)
        try appendColumn("patches/first_byte_entropy", item.patches.firstByteEntropy)

        for (group, hooks, rows) in measureGroups(item) where !hooks.isEmpty {
            for column in layout.measureColumns {
                try appendColumn("\(ProbeRunSchema.Group.measures)/\(group)/\(column)", rows.values[column] ?? [])
            }
        }
        for spec in layout.activations {
            try appendColumn("\(ProbeRunSchema.Group.activations)/\(spec.key)", item.activations[spec.key] ?? [])
        }

        let record = item.record
        try appendStringColumn("items/ladder", record.ladder)
        try appendColumn("items/level_index", [Int32(record.levelIndex)])
        try appendStringColumn("items/level_name", record.levelName)
        try appendStringColumn("items/base_item_id", record.baseItemID)
        try appendColumn("items/seed", [record.seed])
        try appendColumn("items/byte_offset", [Int64(byteRowCount)])
        try appendColumn("items/byte_count", [Int64(byteCount)])
        try appendColumn("items/patch_offset", [Int64(patchRowCount)])
        try appendColumn("items/patch_count", [Int64(patchCount)])
        try appendColumn("items/span_start", [Int32(record.analysisSpan.lowerBound)])
        try appendColumn("items/span_end", [Int32(record.analysisSpan.upperBound)])
        try appendColumn("items/probe_position", [Int32(record.probePosition)])
        for (name, value) in zip(layout.itemMetricNames, record.metrics) {
            try appendColumn("items/\(name)", [value])
        }

        appendedItemCount += 1
        byteRowCount += byteCount
        patchRowCount += patchCount
        if appendedItemCount - completedItemCount >= options.itemsPerCheckpoint {
            try checkpoint()
        }
    }

    /// Makes every appended item durable: grows the dimension scales, records the completion counter
    /// and flushes. Called automatically every `itemsPerCheckpoint` items and by `finish`/`close`.
    public func checkpoint() throws {
        guard let file else { throw ProbeRunError.writerClosed(path: partialPath) }
        guard appendedItemCount != completedItemCount else { return }
        try journal?.sync()
        try file.dataset(ProbeRunSchema.Dimension.item).resize(rows: appendedItemCount)
        try file.dataset(ProbeRunSchema.Dimension.byte).resize(rows: byteRowCount)
        try file.dataset(ProbeRunSchema.Dimension.patch).resize(rows: patchRowCount)
        try file.flush()  // rows first ...
        try file.setAttribute(ProbeRunSchema.Attribute.completedItems, Int64(appendedItemCount))
        try file.flush()  // ... then the counter that vouches for them
        completedItemCount = appendedItemCount
    }

    /// Writes the statistics table and end provenance, closes the file and renames it to the final
    /// path (replacing an older file there atomically).
    public func finish(statistics: [ProbeRunStatisticRow], finishedUTC: String = ProbeRunProvenance.utcNow()) throws {
        guard let file else { throw ProbeRunError.writerClosed(path: partialPath) }
        try checkpoint()
        try writeStatistics(statistics, to: file)
        try file.setAttribute(ProbeRunSchema.Attribute.finishedUTC, finishedUTC)
        try file.setAttribute(ProbeRunSchema.Attribute.status, ProbeRunSchema.Status.complete)
        try file.flush()
        closeHandles()
        // The file's bytes reach the disk before it replaces anything and before the journal (the only
        // other copy of the items) goes: a power loss after this point leaves a complete probe.h5.
        try SafeFile.syncFile(partialPath)
        try SafeFile.renameIntoPlace(partialPath, finalPath)
        // The final file is in place (and its folder entry synced): the journal has served its purpose.
        journal?.close()
        journal = nil
        unlink(ProbeRunJournal.path(for: finalPath))
        lock?.release()
        lock = nil
    }

    /// Stops writing without finishing: checkpoints what was appended, closes the file and returns
    /// the error to report (`ProbeRunError.interrupted` naming the partial file). Use it when SIGINT
    /// was requested or an item failed; the final path stays untouched.
    public func abandon() -> ProbeRunError {
        if file != nil { try? checkpoint() }
        close()
        return .interrupted(partialPath: partialPath, completedItems: completedItemCount)
    }

    /// Stops writing after `error`: checkpoints the complete items, closes the file and returns
    /// `ProbeRunError.failed` naming the partial file and the cause, for the CLI to report.
    public func abandon(after error: any Error) -> ProbeRunError {
        if file != nil { try? checkpoint() }
        close()
        return .failed(partialPath: partialPath, completedItems: completedItemCount, reason: "\(error)")
    }

    /// Closes the partial file without renaming (idempotent). Appended but not checkpointed items
    /// are checkpointed first when possible.
    public func close() {
        if file != nil { try? checkpoint() }
        closeHandles()
        try? journal?.sync()
        try? journal?.waitForSync()
        journal?.close()
        journal = nil
        lock?.release()
        lock = nil
    }

    func closeHandles() {
        for entry in columns.values { entry.dataset.close() }
        columns = [:]
        file?.close()
        file = nil
    }

    // MARK: Appending helpers

    func column(_ key: String) throws -> HDF5Dataset {
        guard let entry = columns[key] else {
            throw HDF5Error.notFound(kind: "column", name: key, in: partialPath)
        }
        return entry.dataset
    }

    func appendColumn<T: HDF5Scalar>(_ key: String, _ values: [T]) throws {
        try column(key).append(values)
    }

    func appendStringColumn(_ key: String, _ value: String) throws {
        try column(key).appendStrings([value])
    }

    func measureGroups(_ item: ProbeRunItem) -> [(String, [String], ProbeRunMeasureRows)] {
        [(ProbeRunSchema.Group.byteLevel, layout.byteLevelHooks, item.byteMeasures),
         (ProbeRunSchema.Group.patchLevel, layout.patchLevelHooks, item.patchMeasures),
         (ProbeRunSchema.Group.probe, layout.probeHooks, item.probeMeasures)]
    }

    /// Every count and column the layout requires, before anything is written.
    func validate(_ item: ProbeRunItem) throws {
        let index = appendedItemCount
        func fail(_ field: String, _ detail: String) -> ProbeRunError {
            .invalidItem(path: partialPath, itemIndex: index, field: field, detail: detail)
        }
        let n = item.bytes.count
        for (name, count) in [("bytes.entropy", item.bytes.entropy.count), ("bytes.patchID", item.bytes.patchID.count),
                              ("bytes.isPatchStart", item.bytes.isPatchStart.count), ("bytes.logProb", item.bytes.logProb.count),
                              ("bytes.entropyModelLogProb", item.bytes.entropyModelLogProb.count)] where count != n {
            throw fail(name, "\(count) values for \(n) positions")
        }
        let p = item.patches.count
        for (name, count) in [("patches.length", item.patches.length.count),
                              ("patches.meanEntropy", item.patches.meanEntropy.count),
                              ("patches.maxEntropy", item.patches.maxEntropy.count),
                              ("patches.firstByteEntropy", item.patches.firstByteEntropy.count)] where count != p {
            throw fail(name, "\(count) values for \(p) patches")
        }
        let record = item.record
        guard record.metrics.count == layout.itemMetricNames.count else {
            throw fail("record.metrics", "\(record.metrics.count) values for metrics \(layout.itemMetricNames)")
        }
        guard record.analysisSpan.lowerBound >= 0, record.analysisSpan.upperBound <= n else {
            throw fail("record.analysisSpan", "\(record.analysisSpan) is outside 0..<\(n)")
        }
        guard record.probePosition >= 0, record.probePosition < max(n, 1) else {
            throw fail("record.probePosition", "\(record.probePosition) is outside 0..<\(n)")
        }
        let expectedRows = [n, p, 1]
        for ((group, hooks, rows), expected) in zip(measureGroups(item), expectedRows) where !hooks.isEmpty {
            guard rows.rows == expected else {
                throw fail("\(group) measures", "\(rows.rows) rows, expected \(expected)")
            }
            for column in layout.measureColumns {
                guard let values = rows.values[column] else { throw fail("\(group) measures", "missing column '\(column)'") }
                guard values.count == expected * hooks.count else {
                    throw fail("\(group) measures '\(column)'", "\(values.count) values for \(expected) rows × \(hooks.count) hooks")
                }
            }
            let unknown = Set(rows.values.keys).subtracting(layout.measureColumns)
            if let extra = unknown.sorted().first { throw fail("\(group) measures", "column '\(extra)' is not in the layout") }
        }
        for spec in layout.activations {
            let rows = spec.scope == .byte ? n : spec.scope == .patch ? p : 1
            guard let values = item.activations[spec.key] else { throw fail("activations", "missing '\(spec.key)'") }
            guard values.count == rows * spec.width else {
                throw fail("activations '\(spec.key)'", "\(values.count) values for \(rows) rows × width \(spec.width)")
            }
        }
        let unknownActivations = Set(item.activations.keys).subtracting(layout.activations.map(\.key))
        if let extra = unknownActivations.sorted().first { throw fail("activations", "'\(extra)' is not in the layout") }
    }
}

extension ProbeRunProvenance {
    /// The current time as ISO 8601 UTC, e.g. "2026-11-29T04:35:00Z".
    public static func utcNow() -> String {
        Date().formatted(Date.ISO8601FormatStyle())
    }
}
