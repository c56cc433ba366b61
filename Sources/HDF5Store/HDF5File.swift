import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An open HDF5 file. Its root group is the file itself: every `HDF5Group` API works on it.
///
/// Closing: `close()` flushes and releases the file; `deinit` does the same if the caller forgot.
/// HDF5 keeps a file open until its last object is closed, so close datasets and groups first
/// when the file must be complete on disk at a given moment (e.g. before a rename).
public final class HDF5File: HDF5Group {
    /// How to open an existing file.
    public enum AccessMode: Sendable { case readOnly, readWrite }

    /// Creates a new file. With `overwrite: false`, an existing file at `path` is an error.
    ///
    /// Object modification times are not tracked (see `HDF5Group.createGroup`), so the same
    /// content written twice gives identical dataset bytes.
    public static func create(at path: String, overwrite: Bool = true) throws -> HDF5File {
        let flags = overwrite ? bl_H5F_ACC_TRUNC() : bl_H5F_ACC_EXCL()
        let id = try HDF5Call.id("creating HDF5 file \(path)") {
            H5Fcreate(path, flags, bl_H5P_DEFAULT(), bl_H5P_DEFAULT())
        }
        markCloseOnExec(id)
        return HDF5File(id: id, path: path)
    }

    /// Opens an existing file. A path that does not exist or is not HDF5 throws `HDF5Error.library`
    /// carrying HDF5's message (for a non-HDF5 file: "file signature not found").
    public static func open(_ path: String, mode: AccessMode = .readOnly) throws -> HDF5File {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error.fileSystem(path: path, detail: "no such file")
        }
        // libhdf5 would block forever on a FIFO and read /dev/zero without end.
        try SafeFile.checkRegularInput(path, what: "HDF5 file")
        let flags = mode == .readOnly ? bl_H5F_ACC_RDONLY() : bl_H5F_ACC_RDWR()
        let id = try HDF5Call.id("opening HDF5 file \(path)") { H5Fopen(path, flags, bl_H5P_DEFAULT()) }
        markCloseOnExec(id)
        return HDF5File(id: id, path: path)
    }

    /// Opens an HDF5 file image held in memory, read-only (core driver, nothing is written anywhere): for
    /// checking untrusted bytes, e.g. the fuzz targets of `Tests/Fuzz`. `name` appears in error messages;
    /// libhdf5 is given a name unique to this process, because it treats two open core-driver files of the
    /// same name as one file (it would read one image's objects through the other's handle).
    public static func open(image: [UInt8], name: String = "memory.h5") throws -> HDF5File {
        let fapl = ScopedID.propertyList(try HDF5Call.id("creating file access properties") { H5Pcreate(bl_H5P_FILE_ACCESS()) })
        try HDF5Call.status("selecting the core driver") { H5Pset_fapl_core(fapl.id, 1 << 16, false) }
        guard !image.isEmpty else { throw HDF5Error.fileSystem(path: name, detail: "empty file image") }
        try image.withUnsafeBytes { raw in
            try HDF5Call.status("setting the file image") {
                H5Pset_file_image(fapl.id, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
            }
        }
        let unique = OpenImages.register(image, name: name)
        let id: hid_t
        do {
            id = try HDF5Call.id("opening the in-memory image \(name)") { H5Fopen(unique, bl_H5F_ACC_RDONLY(), fapl.id) }
        } catch {
            OpenImages.remove(unique)
            throw error
        }
        return HDF5File(id: id, path: name, close: { H5Fclose($0); OpenImages.remove(unique); return 0 })
    }

    /// Whether `path` starts with the HDF5 signature (no error for a missing or foreign file).
    public static func isHDF5(_ path: String) -> Bool {
        bl_silence_error_printing()
        let result = H5Fis_hdf5(path)
        H5Eclear2(bl_H5E_DEFAULT())
        return result > 0
    }

    /// libhdf5 opens files without `O_CLOEXEC`, so a child process started while a file is open would keep
    /// its descriptor, and the `flock` on it, after the parent closed the file (see ``ChildProcessSafety``).
    /// Marking the descriptor close-on-exec right after the open shrinks that window to microseconds.
    static func markCloseOnExec(_ id: hid_t) {
        var handle: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(id, bl_H5P_DEFAULT(), &handle) >= 0, let handle else { return }
        let fd = handle.load(as: Int32.self)  // the sec2 driver's handle is a pointer to its descriptor
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// The on-disk path.
    public var filePath: String { fileName }

    private init(id: hid_t, path: String, close: @escaping @Sendable (hid_t) -> herr_t = { H5Fclose($0) }) {
        super.init(id: id, path: "/", fileName: path, close: close)
    }

    /// Writes all buffered data and metadata to the operating system.
    public func flush() throws {
        try requireOpen()
        try HDF5Call.status("flushing \(fileName)") { H5Fflush(id, H5F_SCOPE_GLOBAL) }
    }

    /// The linked libhdf5 version, e.g. "1.10.8".
    public static var libraryVersion: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}

/// The in-memory images open in this process, under the unique names libhdf5 was given (see
/// `HDF5File.open(image:name:)`), so that `HDF5RawFile` reads an image itself instead of asking libhdf5
/// for a copy (`H5Fget_file_image` copies as many bytes as the superblock's end-of-allocation address
/// claims, which damage can make a gigabyte).
enum OpenImages {
    private static let state = Mutex<(next: Int, images: [String: [UInt8]])>((0, [:]))

    /// Registers `image` and returns the unique name to open it under.
    static func register(_ image: [UInt8], name: String) -> String {
        state.withLock { state in
            state.next += 1
            let unique = "\(name)#\(state.next)"
            state.images[unique] = image
            return unique
        }
    }

    static func remove(_ unique: String) { state.withLock { _ = $0.images.removeValue(forKey: unique) } }

    static func image(named unique: String) -> [UInt8]? { state.withLock { $0.images[unique] } }
}
