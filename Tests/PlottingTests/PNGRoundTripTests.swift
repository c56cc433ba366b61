import Foundation
import Testing
@testable import Plotting

@Suite struct PNGRoundTripTests {
    /// A canvas with every channel varying, including translucent alpha, so the round trip is not trivial.
    static func pattern() -> Canvas {
        var c = Canvas(width: 37, height: 23)
        for y in 0..<23 {
            for x in 0..<37 {
                c.set(x, y, RGBA(UInt8(x * 7 % 256), UInt8(y * 11 % 256), UInt8((x * y) % 256), UInt8(128 + (x + y) % 128)))
            }
        }
        return c
    }

    func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-plot-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    @Test func fileRoundTripPreservesDimensionsAndPixels() throws {
        let canvas = Self.pattern()
        let path = tempPath("roundtrip.png")
        try canvas.writePNG(to: path)
        let back = try Canvas.readPNG(path: path)
        #expect(back.width == 37 && back.height == 23)
        #expect(back.pixels == canvas.pixels)
        // No temporary file left next to the output.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(!siblings.contains { $0.contains(".tmp-") })
    }

    @Test func memoryRoundTripAndPNGSignature() throws {
        let canvas = Self.pattern()
        let bytes = try canvas.pngData()
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try Canvas.decodePNG(bytes) == canvas)
    }

    @Test func encodingIsDeterministic() throws {
        let canvas = Self.pattern()
        #expect(try canvas.pngData() == canvas.pngData())
    }

    @Test func libpngErrorsSurfaceAsSwiftErrors() throws {
        let missing = tempPath("does-not-exist.png")
        do {
            _ = try Canvas.readPNG(path: missing)
            Issue.record("reading a missing file must throw")
        } catch let PlottingError.png(operation, path, message) {
            #expect(operation == "begin_read_from_file")
            #expect(path == missing)
            #expect(!message.isEmpty)
        }
        do {
            _ = try Canvas.decodePNG([1, 2, 3, 4, 5, 6, 7, 8, 9])
            Issue.record("decoding garbage must throw")
        } catch let PlottingError.png(_, _, message) {
            #expect(!message.isEmpty, "libpng's own message is passed through")
        }
        // libpng refuses a zero-sized image.
        #expect(throws: PlottingError.self) { try Canvas(width: 0, height: 5).pngData() }
    }

    @Test func unwritableDestinationThrowsAndLeavesNothing() throws {
        let path = tempPath("no-such-dir/out.png")
        #expect(throws: PlottingError.self) { try Self.pattern().writePNG(to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
