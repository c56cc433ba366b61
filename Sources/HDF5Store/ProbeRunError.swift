/// Failures specific to probe-run files (HDF5 failures surface as `HDF5Error`).
public enum ProbeRunError: Error, CustomStringConvertible, Equatable {
    case invalidLayout(path: String, detail: String)
    /// An item whose arrays do not fit the layout; nothing of it was written.
    case invalidItem(path: String, itemIndex: Int, field: String, detail: String)
    /// A `.partial` file exists and neither resume nor replacement was requested.
    case partialFileExists(partialPath: String)
    /// `resume` found no partial file.
    case noPartialFile(partialPath: String)
    /// A partial file written with another layout or experiment cannot be resumed.
    case resumeMismatch(partialPath: String, detail: String)
    /// The file has no schema attribute, another schema, or a newer version than this reader.
    case unsupportedSchema(path: String, detail: String)
    /// The run stopped early (SIGINT or error); the partial file keeps the completed items.
    case interrupted(partialPath: String, completedItems: Int)
    /// The run failed (e.g. an item could not be computed); the partial file keeps the completed items.
    case failed(partialPath: String, completedItems: Int, reason: String)
    /// The writer was used after `finish()` or `close()`.
    case writerClosed(path: String)
    /// Another process holds the run's lock (`<final>.lock`): two writers of one run are never allowed.
    case locked(lockPath: String, holder: String)
    /// The output folder is (nearly) full; the run stopped cleanly before libhdf5 could fail mid-write.
    case diskFull(path: String, freeBytes: Int, neededBytes: Int, completedItems: Int)

    public var description: String {
        switch self {
        case let .invalidLayout(path, detail):
            return "\(path): invalid probe-run layout: \(detail)"
        case let .invalidItem(path, itemIndex, field, detail):
            return "\(path): item \(itemIndex): \(field): \(detail) (nothing of this item was written)"
        case let .partialFileExists(partialPath):
            return "a partial run exists at \(partialPath); resume it (--resume) or delete it first"
        case let .noPartialFile(partialPath):
            return "nothing to resume: no partial file at \(partialPath)"
        case let .resumeMismatch(partialPath, detail):
            return "cannot resume \(partialPath): \(detail)"
        case let .unsupportedSchema(path, detail):
            return "\(path): \(detail)"
        case let .interrupted(partialPath, completedItems):
            return "run interrupted after \(completedItems) complete item(s); partial results are in \(partialPath) "
                + "(no file was written at the final path; rerun with --resume to continue)"
        case let .failed(partialPath, completedItems, reason):
            return "run failed after \(completedItems) complete item(s): \(reason); partial results are in \(partialPath) "
                + "(no file was written at the final path; fix the cause and rerun with --resume to continue)"
        case let .writerClosed(path):
            return "\(path): the probe-run writer is already closed"
        case let .locked(lockPath, holder):
            return "another run of this study is writing (\(holder) holds the lock \(lockPath)); nothing was changed. "
                + "Wait for it to finish or stop it; a lock of a killed process is released automatically"
        case let .diskFull(path, free, needed, completed):
            return "disk full: \(free) bytes free next to \(path), at least \(needed) needed to continue safely; stopped after "
                + "\(completed) complete item(s). Free some space and rerun with --resume to continue"
        }
    }
}
