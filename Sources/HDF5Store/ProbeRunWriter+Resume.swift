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

/// What an unfinished run left: its layout, provenance and the items its journal vouches for.
public struct ProbeRunResumable: Sendable {
    public var layout: ProbeRunLayout
    public var provenance: ProbeRunProvenance
    public var completedItems: Int
    /// Bytes at the end of the journal that are torn or corrupt and will be dropped (their items recomputed).
    public var droppedBytes: Int
}

extension ProbeRunWriter {
    /// Whether a run for `finalPath` was started and not finished (its journal or partial file exists).
    public static func unfinishedRunExists(at finalPath: String) -> Bool {
        FileManager.default.fileExists(atPath: ProbeRunJournal.path(for: finalPath))
            || FileManager.default.fileExists(atPath: partialPath(for: finalPath))
    }

    /// Reads and verifies, without changing anything, what `resume` would continue.
    /// - Throws: `.noPartialFile`, or `.resumeMismatch` naming why the run cannot be resumed.
    public static func resumable(at finalPath: String) throws -> ProbeRunResumable {
        let partial = partialPath(for: finalPath)
        let journalPath = ProbeRunJournal.path(for: finalPath)
        guard FileManager.default.fileExists(atPath: journalPath) else {
            if FileManager.default.fileExists(atPath: partial) {
                throw ProbeRunError.resumeMismatch(partialPath: partial, detail:
                    "it has no journal (\(journalPath)), so its contents cannot be verified (it was written by an older ByteLens, "
                    + "or the journal was deleted); nothing was changed; delete it and start again")
            }
            throw ProbeRunError.noPartialFile(partialPath: partial)
        }
        let scan = try ProbeRunJournal.scan(journalPath)
        return ProbeRunResumable(layout: scan.header.layout, provenance: scan.header.provenance, completedItems: scan.itemCount,
                                 droppedBytes: scan.fileLength - scan.validLength)
    }

    /// Continues an unfinished run after a crash, `kill -9`, full disk or interrupt.
    ///
    /// Takes the run's lock (``RunLock``), reads the journal read-only and verifies every record, checks
    /// that layout and experiment match, then builds a fresh HDF5 file from the journal's items under a
    /// temporary name and renames it over `<final>.partial`: the old partial file (which may be torn) is
    /// never read, and nothing is changed until the journal has been verified. A torn or corrupt tail of
    /// the journal is cut; its items are recomputed. The returned writer's `completedItemCount` tells the
    /// caller which item to produce next; appending the remaining items gives the same dataset contents as
    /// an uninterrupted run.
    /// - Throws: `.locked` when another process writes this run; `.noPartialFile`; `.resumeMismatch` when
    ///   the journal is missing or damaged, or the layout, configuration, dataset, seed or model differ.
    public static func resume(at finalPath: String, layout: ProbeRunLayout, provenance: ProbeRunProvenance,
                              options: ProbeRunWriterOptions = ProbeRunWriterOptions(),
                              resumedUTC: String = ProbeRunProvenance.utcNow()) throws -> ProbeRunWriter {
        let partial = partialPath(for: finalPath)
        let journalPath = ProbeRunJournal.path(for: finalPath)
        try layout.validate(path: partial)
        try SafeFile.checkOutput(finalPath)
        try SafeFile.checkOutput(partial)
        let lock = try RunLock.acquire(for: finalPath)
        _ = try resumable(at: finalPath)
        let scan = try ProbeRunJournal.scan(journalPath)
        guard scan.header.layout == layout else {
            throw ProbeRunError.resumeMismatch(partialPath: partial,
                detail: "it was written with another layout (hooks, measures, item metrics or activations)")
        }
        guard scan.header.provenance.experimentIdentity() == provenance.experimentIdentity() else {
            throw ProbeRunError.resumeMismatch(partialPath: partial,
                detail: "it was written for another experiment (config, dataset, seed or model differ)")
        }

        // A fresh file from the verified journal, under a temporary name; only then replace the old partial.
        var stored = scan.header.provenance
        stored.resumedUTC = scan.resumedUTC + [resumedUTC]
        let temporary = SafeFile.temporaryPath(near: partial)
        var buildOptions = options
        buildOptions.itemsPerCheckpoint = Int.max
        let builder = try createFile(finalPath: finalPath, filePath: temporary, layout: layout, provenance: stored,
                                     options: buildOptions)
        do {
            try ProbeRunJournal.forEachItem(journalPath, scan) { try builder.append($0) }
            try builder.checkpoint()
            builder.closeHandles()
            try SafeFile.renameIntoPlace(temporary, partial)
        } catch {
            builder.closeHandles()
            unlink(temporary)
            throw error
        }
        let journal = try ProbeRunJournal.Appender.reopen(journalPath, after: scan)
        try journal.append(.resume, Array(resumedUTC.utf8))
        try journal.sync()
        try journal.waitForSync()

        let file = try HDF5File.open(partial, mode: .readWrite)
        let writer = ProbeRunWriter(finalPath: finalPath, layout: layout, options: options, file: file,
                                    completedItems: builder.completedItemCount, byteRows: builder.byteRowCount,
                                    patchRows: builder.patchRowCount)
        writer.journal = journal
        writer.lock = lock
        do {
            try writer.reopenColumns(in: file)
        } catch {
            writer.closeHandles()
            throw error
        }
        return writer
    }
}
