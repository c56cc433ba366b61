import CPNG
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

/// PNG encoding and decoding through libpng's simplified API (`png_image`), which reports failures through
/// `png_image.message` rather than setjmp/longjmp (unusable from Swift).
extension Canvas {
    /// Encodes the canvas as an 8-bit RGBA PNG. Deterministic for a given libpng/zlib build.
    /// Throws ``PlottingError/png(operation:path:message:)`` with libpng's message on failure
    /// (e.g. a zero-sized canvas).
    public func pngData() throws -> [UInt8] {
        var image = png_image()
        image.version = bl_PNG_IMAGE_VERSION()
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = bl_PNG_FORMAT_RGBA()
        var size = 0
        // First call sizes the output; libpng documents that a nil buffer returns the required size.
        let sized = pixels.withUnsafeBytes { raw in
            png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, 0, nil)
        }
        guard sized != 0, size > 0 else {
            throw PlottingError.png(operation: "write_to_memory", path: nil, message: Self.message(of: &image))
        }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { dst in
            pixels.withUnsafeBytes { raw in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, raw.baseAddress, 0, nil)
            }
        }
        guard ok != 0 else {
            throw PlottingError.png(operation: "write_to_memory", path: nil, message: Self.message(of: &image))
        }
        return Array(out.prefix(size))
    }

    /// Writes the canvas as PNG to `path` atomically: bytes go to a new temporary file in the same
    /// directory (`O_CREAT|O_EXCL|O_NOFOLLOW`, unpredictable name, so a planted symlink cannot redirect
    /// the write) which is then renamed over `path`; `path` must be a regular file or absent. A failed
    /// write never leaves a half-written PNG behind.
    public func writePNG(to path: String) throws {
        try Self.atomicWrite(try pngData(), to: path)
    }

    /// Writes `bytes` to `path` atomically (new unpredictable temporary file in the same directory, then rename);
    /// `path` must be a regular file or absent. Shared by the PNG and the vector (SVG, PDF) writers.
    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFLNK {
            throw PlottingError.io(path: path, message: "exists and is not a regular file; refusing to replace it")
        }
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PlottingError.io(path: path, message: "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(tmp)
                throw PlottingError.io(path: path, message: "writing \(tmp) failed: \(reason)")
            }
            written += n
        }
        close(fd)
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PlottingError.io(path: path, message: "rename from \(tmp) failed: \(reason)")
        }
    }

    /// Reads a PNG file (any colour type libpng supports) converted to 8-bit RGBA.
    public static func readPNG(path: String) throws -> Canvas {
        var image = png_image()
        image.version = bl_PNG_IMAGE_VERSION()
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw PlottingError.png(operation: "begin_read_from_file", path: path, message: message(of: &image))
        }
        return try finishRead(&image, path: path)
    }

    /// Decodes PNG bytes into an 8-bit RGBA canvas.
    public static func decodePNG(_ bytes: [UInt8]) throws -> Canvas {
        var image = png_image()
        image.version = bl_PNG_IMAGE_VERSION()
        let ok = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard ok != 0 else {
            throw PlottingError.png(operation: "begin_read_from_memory", path: nil, message: message(of: &image))
        }
        // libpng reads lazily from the caller's buffer until finish_read, so keep `bytes` alive until then.
        return try withExtendedLifetime(bytes) { try finishRead(&image, path: nil) }
    }

    private static func finishRead(_ image: inout png_image, path: String?) throws -> Canvas {
        image.format = bl_PNG_FORMAT_RGBA()
        let count = bl_PNG_IMAGE_SIZE(&image)
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { dst in
            png_image_finish_read(&image, nil, dst.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let msg = message(of: &image)
            png_image_free(&image)
            throw PlottingError.png(operation: "finish_read", path: path, message: msg)
        }
        return try Canvas(width: Int(image.width), height: Int(image.height), pixels: buffer)
    }

    /// libpng's NUL-terminated `message` field (a fixed-size C array imported as a tuple).
    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
