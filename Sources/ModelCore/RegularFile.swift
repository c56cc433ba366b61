import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small input files (config.json, the shard index) only when they are regular files of bounded
/// size: opened with `O_NONBLOCK` and checked with `fstat`, so a FIFO or a link to `/dev/zero` is refused
/// at once instead of hanging or reading forever.
package enum RegularFile {
    package struct Failure: Error { package let reason: String }

    package static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Failure(reason: "not a regular file (a FIFO, device, socket or directory)") }
        let size = Int(info.st_size)
        guard size <= limit else { throw Failure(reason: "\(size) bytes exceeds the limit of \(limit) bytes") }
        var data = Data(count: size)
        var done = 0
        while done < size {
            let n = data.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }  // the file shrank: parse what is there
            done += n
        }
        return data.prefix(done)
    }
}
