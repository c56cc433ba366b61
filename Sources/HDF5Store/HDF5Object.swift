import CHDF5

/// An open HDF5 object (file root group, group or dataset) that owns its identifier.
///
/// The identifier is closed exactly once: by `close()` or, if the caller never calls it, by `deinit`.
/// Objects are deliberately not `Sendable`: HDF5 files are used from one thread (or one task at a
/// time). Debian's libhdf5 is built thread-safe behind one global lock, but the error stack and
/// the automatic error printing setting are per thread and interleaved writers would make row
/// order nondeterministic, so ByteLens never shares a file across threads.
public class HDF5Object {
    /// The HDF5 identifier; negative once closed.
    public private(set) var id: hid_t
    /// Absolute path of the object inside its file ("/" for the root group).
    public let path: String
    /// File name on disk, for error messages.
    public let fileName: String
    private let closeFunction: @Sendable (hid_t) -> herr_t

    init(id: hid_t, path: String, fileName: String, close: @escaping @Sendable (hid_t) -> herr_t) {
        self.id = id
        self.path = path
        self.fileName = fileName
        self.closeFunction = close
    }

    deinit {
        if id >= 0 { _ = closeFunction(id) }
    }

    /// Whether `close()` has not been called yet.
    public var isOpen: Bool { id >= 0 }

    /// Closes the identifier now. Safe to call more than once; later calls do nothing.
    public func close() {
        guard id >= 0 else { return }
        bl_silence_error_printing()
        _ = closeFunction(id)
        id = -1
    }

    /// `file.h5:/group/name`, used in every error message.
    public var displayName: String { "\(fileName):\(path)" }

    /// Joins a child name onto this object's path.
    func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    /// Throws if the object was closed, instead of letting HDF5 report an invalid identifier.
    func requireOpen() throws(HDF5Error) {
        if id < 0 {
            throw .library(operation: "using \(displayName)", stack: ["object was already closed"])
        }
    }
}

/// Owns a temporary HDF5 identifier (dataspace, datatype, property list) inside one function;
/// closed when the last reference goes away.
final class ScopedID {
    let id: hid_t
    private let closeFunction: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closeFunction = close
    }

    deinit { _ = closeFunction(id) }

    static func dataspace(_ id: hid_t) -> ScopedID { ScopedID(id, close: { H5Sclose($0) }) }
    static func datatype(_ id: hid_t) -> ScopedID { ScopedID(id, close: { H5Tclose($0) }) }
    static func propertyList(_ id: hid_t) -> ScopedID { ScopedID(id, close: { H5Pclose($0) }) }
    static func attribute(_ id: hid_t) -> ScopedID { ScopedID(id, close: { H5Aclose($0) }) }
}

/// Creates the variable-length UTF-8 string type used for every string ByteLens writes.
func makeUTF8StringType() throws(HDF5Error) -> ScopedID {
    let type = ScopedID.datatype(try HDF5Call.id("creating a string type") { H5Tcopy(bl_H5T_C_S1()) })
    try HDF5Call.status("setting string size") { H5Tset_size(type.id, bl_H5T_VARIABLE()) }
    try HDF5Call.status("setting UTF-8") { H5Tset_cset(type.id, H5T_CSET_UTF8) }
    return type
}

/// Converts a NUL-terminated C buffer to a Swift string (invalid UTF-8 is repaired, not trapped).
func stringFromCBuffer(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
