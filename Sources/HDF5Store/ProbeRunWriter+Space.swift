#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ProbeRunWriter {
    /// Free space kept in reserve below which a run stops before writing more (4 MiB).
    public static let reserveBytes = 4 << 20

    /// Stops the run with `ProbeRunError.diskFull` before a write could fail: libhdf5 1.10.8 does not
    /// recover from ENOSPC in the middle of a flush (it has been seen to shrink the file, corrupt its
    /// heap or crash in `H5F__close_cb`), so the writer keeps enough space for the next journal record,
    /// the rows libhdf5 may still hold in its caches (at most the journal bytes since the last
    /// checkpoint, uncompressed) and the reserve, and stops cleanly when there is less.
    func ensureSpace(forRecordBytes record: Int, pendingBytes: Int) throws {
        let folder = URL(fileURLWithPath: partialPath).deletingLastPathComponent().path
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return }
        let (free, overflow) = Int(clamping: info.f_bavail).multipliedReportingOverflow(by: Int(clamping: info.f_frsize))
        guard !overflow else { return }
        let needed = Self.reserveBytes + 2 * record + pendingBytes
        if free < needed {
            throw ProbeRunError.diskFull(path: partialPath, freeBytes: free, neededBytes: needed, completedItems: appendedItemCount)
        }
    }
}
