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

/// File-system checks for files ByteLens reads and writes: inputs must be regular files (opened
/// non-blocking first, so a FIFO or a device cannot hang the process), outputs must be regular files
/// or absent (a rename never replaces a device, FIFO or directory), and temporary files are created
/// with `O_CREAT|O_EXCL|O_NOFOLLOW` under unpredictable names in the destination folder (a planted
/// symlink or a guessed name in a shared folder cannot redirect a write).
public enum SafeFile {
    /// Throws unless `path` names a regular file (symlinks to regular files are followed). Opens with
    /// `O_NONBLOCK` and checks with `fstat`, so FIFOs, sockets and devices such as `/dev/zero` are refused
    /// without blocking.
    public static func checkRegularInput(_ path: String, what: String = "input") throws {
        let fd = try openRegularForReading(path, what: what)
        close(fd)
    }

    /// Opens `path` read-only after checking that it is a regular file; the caller closes the descriptor.
    public static func openRegularForReading(_ path: String, what: String = "input") throws -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw HDF5Error.fileSystem(path: path, detail: "cannot open \(what): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let e = errno
            close(fd)
            throw HDF5Error.fileSystem(path: path, detail: "cannot stat \(what): \(String(cString: strerror(e)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw HDF5Error.fileSystem(path: path, detail: "\(what) is a \(kind(info.st_mode)), not a regular file")
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// Throws unless `path` is absent or a regular file (or a symlink, which a rename replaces, not follows).
    public static func checkOutput(_ path: String, what: String = "output") throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw HDF5Error.fileSystem(path: path, detail: "cannot check \(what): \(String(cString: strerror(errno)))")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFLNK else {
            throw HDF5Error.fileSystem(path: path, detail: "\(what) exists and is a \(kind(info.st_mode)); refusing to replace it")
        }
    }

    /// A name in `destination`'s folder that nobody can predict: `.<name>.<16 random hex digits>.tmp`.
    public static func temporaryPath(near destination: String) -> String {
        let url = URL(fileURLWithPath: destination)
        var rng = SystemRandomNumberGenerator()
        let token = String(rng.next(), radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - token.count)) + token
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(padded).tmp").path
    }

    /// Creates a new temporary file near `destination` with `O_CREAT|O_EXCL|O_NOFOLLOW` and returns its
    /// descriptor (write-only) and path.
    public static func createTemporary(near destination: String) throws -> (fd: Int32, path: String) {
        for _ in 0..<8 {
            let path = temporaryPath(near: destination)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, path) }
            if errno != EEXIST {
                throw HDF5Error.fileSystem(path: path, detail: "cannot create temporary file: \(String(cString: strerror(errno)))")
            }
        }
        throw HDF5Error.fileSystem(path: destination, detail: "cannot create a temporary file next to it (names taken)")
    }

    /// Writes `bytes` to `path` atomically: a new temporary file in the same folder, fsync, rename over
    /// `path` (which must be absent or a regular file), fsync of the folder. On failure nothing is left at
    /// `path` that was not there before, and the temporary file is removed.
    public static func atomicWrite(_ bytes: some Collection<UInt8>, to path: String) throws {
        try checkOutput(path)
        let (fd, temporary) = try createTemporary(near: path)
        do {
            try writeAll(fd, Array(bytes), path: temporary)
            guard fsync(fd) == 0 else { throw HDF5Error.fileSystem(path: temporary, detail: "fsync failed: \(String(cString: strerror(errno)))") }
            close(fd)
            try renameIntoPlace(temporary, path)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    /// Renames `source` over `destination` after checking the destination is absent or regular, then
    /// fsyncs the folder so the rename survives a power loss.
    public static func renameIntoPlace(_ source: String, _ destination: String) throws {
        try checkOutput(destination)
        guard rename(source, destination) == 0 else {
            throw HDF5Error.fileSystem(path: source, detail: "could not rename to \(destination): \(String(cString: strerror(errno)))")
        }
        syncFolder(of: destination)
    }

    /// fsync of an existing regular file's data and metadata (opened read-only, no following of a link).
    /// - Throws: `HDF5Error.fileSystem` naming the file when it cannot be opened or synced (EIO, ENOSPC).
    public static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw HDF5Error.fileSystem(path: path, detail: "cannot open to fsync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw HDF5Error.fileSystem(path: path, detail: "fsync failed: \(String(cString: strerror(errno)))") }
    }

    /// fsync of the folder holding `path` (best effort: some file systems refuse it).
    public static func syncFolder(of path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// `write` until every byte is out; EINTR is retried, anything else (ENOSPC, EIO, EDQUOT) throws.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HDF5Error.fileSystem(path: path, detail: "write failed after \(done) of \(raw.count) bytes: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "directory"
        case S_IFIFO: return "FIFO"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        case S_IFLNK: return "symbolic link"
        default: return "special file"
        }
    }
}
