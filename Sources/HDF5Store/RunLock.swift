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

/// ByteLens's own advisory lock on a run, independent of HDF5's file locking (which
/// `HDF5_USE_FILE_LOCKING=FALSE` turns off): an exclusive, non-blocking `flock` on the sidecar file
/// `<final>.lock`, held from the moment a writer is created or resumed until it finishes or closes.
/// A second writer of the same run fails at once with ``ProbeRunError/locked(lockPath:holder:)``
/// instead of writing beside the first. The lock dies with its process (also after `kill -9`), so a
/// stale lock file never blocks a resume. The lock file holds the owner's pid, for the message only.
public final class RunLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// `<finalPath>.lock`.
    public static func lockPath(for finalPath: String) -> String { finalPath + ".lock" }

    /// Takes the lock of the run whose final file is `finalPath`, or throws `ProbeRunError.locked`.
    public static func acquire(for finalPath: String) throws -> RunLock {
        let path = lockPath(for: finalPath)
        for _ in 0..<16 {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw HDF5Error.fileSystem(path: path, detail: "cannot open the run's lock file: \(String(cString: strerror(errno)))")
            }
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                close(fd)
                throw HDF5Error.fileSystem(path: path, detail: "the run's lock file is not a regular file")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let e = errno
                let holder = readHolder(fd)
                close(fd)
                if e == EWOULDBLOCK || e == EAGAIN { throw ProbeRunError.locked(lockPath: path, holder: holder) }
                throw HDF5Error.fileSystem(path: path, detail: "flock failed: \(String(cString: strerror(e)))")
            }
            // The previous owner may have unlinked the file between our open and our flock: then we hold a
            // lock on a dead inode; start again on the current file.
            var current = stat()
            if stat(path, &current) != 0 || current.st_ino != info.st_ino || current.st_dev != info.st_dev {
                close(fd)
                continue
            }
            let pid = Array("\(getpid())\n".utf8)
            _ = ftruncate(fd, 0)
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            return RunLock(path: path, fd: fd)
        }
        throw HDF5Error.fileSystem(path: path, detail: "the run's lock file keeps being replaced")
    }

    /// Releases the lock and removes the lock file (idempotent).
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)  // while still holding the lock: see the inode check in `acquire`
        close(fd)
        fd = -1
    }

    static func readHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "another process" }
        let text = String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).map { "process \($0)" } ?? "another process"
    }
}
