#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Keeps HDF5 file locks out of child processes.
///
/// libhdf5 (1.10.7+) takes an `flock` on every file it opens, and `flock` locks belong to the open file
/// description. Foundation's `Process` does not close inherited descriptors, so a child started while an
/// HDF5 file is open keeps that description (and its lock) alive after the parent closes the file; reopening
/// the file then fails with "unable to lock file, errno = 11". Call `prepareForSpawn()` right before
/// starting a child process: it marks every descriptor above standard error close-on-exec.
///
/// A descriptor opened by another thread between this call and the spawn is not covered; callers that spawn
/// while other threads open HDF5 files should spawn before opening files, as `probe run` does.
public enum ChildProcessSafety {
    public static func prepareForSpawn() {
        #if os(Linux)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
        #endif
    }
}
