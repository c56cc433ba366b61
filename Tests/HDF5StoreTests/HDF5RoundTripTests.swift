import Foundation
import Testing
@testable import HDF5Store

@Suite("HDF5 datasets round-trip")
struct HDF5RoundTripTests {
    /// Writes `values` with `shape`, closes the file, reopens it read-only and reads them back.
    func roundTrip<T: HDF5Scalar & Equatable>(_ values: [T], shape: [Int], in directory: TemporaryDirectory) throws -> ([T], [Int], HDF5ElementType) {
        let path = directory.file("\(T.self)-\(shape.count).h5")
        do {
            let file = try HDF5File.create(at: path)
            try file.createDataset("data", values: values, shape: shape)
        }
        let file = try HDF5File.open(path)
        let dataset = try file.dataset("data")
        return (try dataset.read(as: T.self), try dataset.shape(), dataset.elementType)
    }

    func check<T: HDF5Scalar & Equatable>(_ make: (Int) -> T, expected: HDF5ElementType) throws {
        let directory = try TemporaryDirectory()
        for shape in [[], [0], [7], [3, 4], [2, 3, 5], [2, 1, 3, 2]] {
            let count = shape.reduce(1, *)
            let values = (0..<count).map(make)
            let (read, readShape, type) = try roundTrip(values, shape: shape, in: directory)
            #expect(read == values, "\(T.self) shape \(shape)")
            #expect(readShape == shape)
            #expect(type == expected)
        }
    }

    @Test func everyNumericTypeAndRank() throws {
        try check({ Float($0) * 0.5 - 3 }, expected: .float32)
        try check({ Double($0) / 3 }, expected: .float64)
        try check({ Int8(truncatingIfNeeded: $0 * 37 - 100) }, expected: .int8)
        try check({ Int16(truncatingIfNeeded: $0 * 1_001 - 30_000) }, expected: .int16)
        try check({ Int32($0) * -70_001 }, expected: .int32)
        try check({ Int64($0) * -9_000_000_000_001 }, expected: .int64)
        try check({ $0 * 3 - 11 }, expected: .int64)
        try check({ UInt8(truncatingIfNeeded: $0 * 41) }, expected: .uint8)
        try check({ UInt16($0) * 2_000 }, expected: .uint16)
        try check({ UInt32($0) * 4_000_000 }, expected: .uint32)
        try check({ UInt64($0) << 40 | 7 }, expected: .uint64)
        try check({ $0 % 3 == 0 }, expected: .bool)
    }

    @Test func extremesAndSpecialFloats() throws {
        let directory = try TemporaryDirectory()
        let floats: [Float] = [.infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 1e-38]
        #expect(try roundTrip(floats, shape: [6], in: directory).0 == floats)
        let (nanRead, _, _) = try roundTrip([Double.nan, 1], shape: [2], in: directory)
        #expect(nanRead[0].isNaN && nanRead[1] == 1)
        #expect(try roundTrip([Int64.min, .max], shape: [2], in: directory).0 == [Int64.min, .max])
        #expect(try roundTrip([UInt64.max, 0], shape: [2], in: directory).0 == [UInt64.max, 0])
    }

    @Test func stringsUnicodeEmptyAndMultiDimensional() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("strings.h5")
        let words = ["", "ascii", "naïve café", "日本語", "emoji 🧪", String(repeating: "x", count: 5_000)]
        do {
            let file = try HDF5File.create(at: path)
            try file.createDataset("words", strings: words)
            try file.createDataset("grid", strings: ["a", "b", "c", "d", "e", "f"], shape: [2, 3])
            try file.createDataset("none", strings: [])
            let growing = try file.createDataset("growing", type: .string, shape: [0], options: .appendable(chunkRows: 2))
            try growing.appendStrings(["one", "two", "three"])
            try growing.appendStrings(["four"])
        }
        let file = try HDF5File.open(path)
        #expect(try file.dataset("words").readStrings() == words)
        #expect(try file.dataset("grid").readStrings() == ["a", "b", "c", "d", "e", "f"])
        #expect(try file.dataset("grid").shape() == [2, 3])
        #expect(try file.dataset("none").readStrings() == [])
        #expect(try file.dataset("growing").readStrings() == ["one", "two", "three", "four"])
        #expect(try file.dataset("growing").readStrings(rows: 1..<3) == ["two", "three"])
        #expect(try file.dataset("growing").storageDescription().filters.isEmpty)
    }

    @Test func appendsAcrossChunkBoundaries() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("append.h5")
        let width = 3
        var expected: [Float] = []
        do {
            let file = try HDF5File.create(at: path)
            let dataset = try file.createDataset("rows", type: .float32, shape: [0, width],
                                                 options: .appendable(chunkRows: 4, compressionLevel: 4))
            var next = 0
            // Batches of 0, 1, 3, 4, 5, 9 and 2 rows straddle every 4-row chunk boundary.
            for batch in [0, 1, 3, 4, 5, 9, 2] {
                let values = (0..<(batch * width)).map { Float(next + $0) * 0.25 }
                next += batch * width
                let rows = try dataset.append(values)
                #expect(rows.count == batch)
                expected += values
            }
            #expect(throws: HDF5Error.self) { try dataset.append([Float(1), 2]) }  // not whole rows
        }
        let file = try HDF5File.open(path)
        let dataset = try file.dataset("rows")
        #expect(try dataset.shape() == [24, width])
        #expect(try dataset.maxShape() == [nil, width])
        #expect(try dataset.read(as: Float.self) == expected)
        #expect(try dataset.read(rows: 3..<9, as: Float.self) == Array(expected[9..<27]))
        let storage = try dataset.storageDescription()
        #expect(storage.chunks == [4, width])
        #expect(storage.filters.count == 3, "\(storage.filters)")  // shuffle, deflate, Fletcher-32
    }

    @Test func aDamagedChunkIsReportedByItsChecksum() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("damaged.h5")
        var generator = SystemRandomNumberGenerator()
        let values = (0..<262_144).map { _ in Float(bitPattern: UInt32.random(in: 0..<0x7F00_0000, using: &generator)) }
        do {
            let file = try HDF5File.create(at: path)
            let dataset = try file.createDataset("noise", type: .float32, shape: [0], options: .appendable(chunkRows: 16_384, compressionLevel: 1))
            _ = try dataset.append(values)
        }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count * 6 / 10] ^= 0x40  // inside the (incompressible) chunk data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(path)
        #expect(throws: HDF5Error.self) { _ = try file.dataset("noise").read(as: Float.self) }
    }

    @Test func impossibleExtentsAreRefusedBeforeAllocating() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("huge.h5")
        do {
            let file = try HDF5File.create(at: path)
            let dataset = try file.createDataset("rows", type: .float32, shape: [0], options: .appendable(chunkRows: 1024))
            try dataset.resize(rows: 1 << 36)  // 2^36 rows, no chunk written: a 256 GiB read of fill values
        }
        let dataset = try HDF5File.open(path).dataset("rows")
        #expect(try dataset.shape() == [1 << 36])
        #expect(throws: HDF5Error.self) { _ = try dataset.read(as: Float.self) }
        #expect(throws: HDF5Error.self) { _ = try dataset.read(rows: 0..<(1 << 35), as: Float.self) }
        #expect(try dataset.read(rows: 0..<4, as: Float.self) == [0, 0, 0, 0])
    }

    @Test func resizeTruncatesAndRewritesRows() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("resize.h5"))
        let dataset = try file.createDataset("x", type: .int32, shape: [0], options: .appendable(chunkRows: 3))
        try dataset.append(Array(Int32(0)..<10))
        try dataset.resize(rows: 4)
        try dataset.append([Int32(40), 50])
        try dataset.write([Int32(-1)], rows: 0..<1)
        #expect(try dataset.read(as: Int32.self) == [-1, 1, 2, 3, 40, 50])
    }

    @Test func sameContentGivesIdenticalBytes() throws {
        let directory = try TemporaryDirectory()
        func write(_ name: String) throws -> [UInt8] {
            let path = directory.file(name)
            do {
                let file = try HDF5File.create(at: path)
                let group = try file.createGroup("g")
                try group.createDataset("v", values: (0..<1000).map { Float($0).squareRoot() },
                                        options: .compressed(level: 4))
                try group.setAttribute("note", "same")
            }
            return try readFileBytes(path)
        }
        let first = try write("a.h5")
        try sleepOneSecond()  // timestamps, if tracked, would now differ
        #expect(try write("b.h5") == first)
    }

    @Test func typeAndShapeErrorsNameTheDataset() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("errors.h5"))
        let dataset = try file.createDataset("ints", values: [Int32(1), 2, 3])
        #expect(throws: HDF5Error.typeMismatch(object: "\(directory.file("errors.h5")):/ints", expected: "float32", found: "int32")) {
            _ = try dataset.read(as: Float.self)
        }
        do {
            try dataset.write([Int32(1)])
            Issue.record("a wrong element count must throw")
        } catch let error as HDF5Error {
            #expect(error.description.contains("/ints"))
        }
    }
}
