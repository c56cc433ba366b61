import Foundation
import Testing
import CHDF5
@testable import HDF5Store

/// Variable-length strings whose descriptor or global heap object is damaged: libhdf5 1.10.8 would copy
/// out of bounds (memory corruption that crashes sometimes, in either process) or loop forever, so
/// ByteLens checks them first and throws ``HDF5Error/damaged(object:detail:)``.
///
/// The damage is placed by this test's own search of the file bytes (the marker strings inside the heap
/// collection, then the 16-byte descriptor that points at each), not by the code under test.
@Suite("Global heap check before variable-length reads")
struct HeapCheckTests {
    static let names = ["alpha-marker-0", "beta-marker-1", "gamma-marker-2"]
    static let rows = ["row-marker-0", "row-marker-1", "row-marker-2", "row-marker-3", "row-marker-4"]
    static let note = "attribute-marker-value"

    /// A contiguous string dataset, a chunked (appendable) one and a string attribute.
    static func makeImage() throws -> [UInt8] {
        let directory = try TemporaryDirectory()
        let path = directory.file("strings.h5")
        do {
            let file = try HDF5File.create(at: path)
            try file.setAttribute("note", Self.note)
            try file.createDataset("names", strings: Self.names)
            let rows = try file.createDataset("rows", type: .string, shape: [0], options: .appendable(chunkRows: 2))
            try rows.appendStrings(Self.rows)
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    struct Located {
        let collection: Int      // offset of "GCOL"
        let objectHeader: Int    // offset of the heap object's header
        let descriptor: Int      // offset of the 16-byte descriptor pointing at it
    }

    /// Finds the heap object holding `marker` and the one descriptor that refers to it.
    static func locate(_ marker: String, in bytes: [UInt8], userBlock: Int = 0) throws -> Located {
        let data = Data(bytes)
        let text = try #require(data.range(of: Data(marker.utf8)))
        let collection = try #require(data.range(of: Data("GCOL".utf8), options: .backwards, in: 0..<text.lowerBound)).lowerBound
        let objectHeader = text.lowerBound - 16
        var pattern = [UInt8]()
        func append(_ value: UInt64, _ width: Int) { for k in 0..<width { pattern.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) } }
        append(UInt64(marker.utf8.count), 4)
        append(UInt64(collection - userBlock), 8)   // file addresses count from the end of the user block
        append(UInt64(bytes[objectHeader]) | UInt64(bytes[objectHeader + 1]) << 8, 4)
        let descriptor = try #require(data.range(of: Data(pattern)))
        #expect(data.range(of: Data(pattern), in: descriptor.upperBound..<data.count) == nil)
        return Located(collection: collection, objectHeader: objectHeader, descriptor: descriptor.lowerBound)
    }

    /// Where the first variable-length string datatype message stores its base type's size: class 9
    /// (version 1), size 16, then the base, a 1-byte fixed-point character (version 1, class 0).
    static func stringBaseSizeOffset(in bytes: [UInt8]) throws -> Int {
        let offset = try #require(bytes.indices.dropLast(16).first { k in
            bytes[k] == 0x19 && bytes[k + 3] == 0 && bytes[(k + 4)..<(k + 8)].elementsEqual([16, 0, 0, 0])
                && bytes[k + 8] == 0x10 && bytes[(k + 12)..<(k + 16)].elementsEqual([1, 0, 0, 0])
        })
        return offset + 12
    }

    /// Where the chunked layout message of `rows` (version 3: class 2, 2 dimensions, B-tree address, chunk
    /// of 2 rows, element of 16 bytes) stores its dimensionality.
    static func chunkDimensionalityOffset(in bytes: [UInt8]) throws -> Int {
        try #require(bytes.indices.dropLast(19).first { k in
            bytes[k] == 3 && bytes[k + 1] == 2 && bytes[k + 2] == 2 && bytes[(k + 11)..<(k + 19)].elementsEqual([2, 0, 0, 0, 16, 0, 0, 0])
        }) + 2
    }

    static func add(_ delta: UInt64, at offset: Int, width: Int, in bytes: inout [UInt8]) {
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        value &+= delta
        for k in 0..<width { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }

    /// Reads everything the damage could reach; the error thrown, if any.
    static func readAll(_ image: [UInt8]) -> (any Error)? {
        do {
            let file = try HDF5File.open(image: image)
            _ = try file.attributeValue("note")
            _ = try file.dataset("names").readStrings()
            _ = try file.dataset("rows").readStrings()
            _ = try file.dataset("rows").readStrings(rows: 1..<4)
            return nil
        } catch { return error }
    }

    static func isDamaged(_ error: (any Error)?, naming object: String) -> Bool {
        guard case .damaged(let named, _)? = error as? HDF5Error else { return false }
        return named.contains(object)
    }

    @Test func anUndamagedFileReadsBackUnchanged() throws {
        let file = try HDF5File.open(image: try Self.makeImage())
        #expect(try file.attributeValue("note") == .string(Self.note))
        #expect(try file.dataset("names").readStrings() == Self.names)
        #expect(try file.dataset("rows").readStrings() == Self.rows)
        #expect(try file.dataset("rows").readStrings(rows: 3..<5) == Array(Self.rows[3..<5]))
        #expect(try file.readEveryObject() > 0)
    }

    @Test func damagedDescriptorsAndObjectsAreNamedErrors() throws {
        let good = try Self.makeImage()
        let name = try Self.locate(Self.names[1], in: good)
        let row = try Self.locate(Self.rows[3], in: good)
        let note = try Self.locate(Self.note, in: good)
        let baseSize = try Self.stringBaseSizeOffset(in: good)
        let chunkRank = try Self.chunkDimensionalityOffset(in: good)
        typealias Damage = (what: String, object: String, apply: (inout [UInt8]) -> Void)
        let damages: [Damage] = [
            // The CI case: a flipped bit in the index's third byte sends libhdf5 past its object table.
            ("index past the table", "/names", { Self.add(1 << 17, at: name.descriptor + 12, width: 4, in: &$0) }),
            ("index of the free space", "/names", { $0[name.descriptor + 12] = 0 }),
            ("length shorter than the object", "/names", { Self.add(UInt64.max, at: name.descriptor, width: 4, in: &$0) }),
            ("address outside the file", "/names", { Self.add(1 << 40, at: name.descriptor + 4, width: 8, in: &$0) }),
            ("address of no collection", "/names", { Self.add(8, at: name.descriptor + 4, width: 8, in: &$0) }),
            ("object larger than stored", "memory.h5", { Self.add(1 << 30, at: name.objectHeader + 8, width: 8, in: &$0) }),
            // The CI fuzz job's input: a size whose padding and header overflow 64 bits.
            ("object size near 2^64", "memory.h5", { for k in 0..<8 { $0[name.objectHeader + 8 + k] = k == 0 ? 0xF8 : 0xFF } }),
            ("collection size past the file", "memory.h5", { Self.add(1 << 40, at: name.collection + 8, width: 8, in: &$0) }),
            ("chunked dataset index", "/rows", { Self.add(1 << 17, at: row.descriptor + 12, width: 4, in: &$0) }),
            ("attribute index", "'note'", { Self.add(1 << 17, at: note.descriptor + 12, width: 4, in: &$0) }),
            ("attribute length", "'note'", { Self.add(UInt64.max, at: note.descriptor, width: 4, in: &$0) }),
            // The fuzz target's out-of-memory inputs: libhdf5 sizes its buffer as length × base size (1 GiB each).
            ("string base type of 1 GiB", "memory.h5", { Self.add(1 << 30, at: baseSize, width: 4, in: &$0) }),
            ("string base type of 0 bytes", "memory.h5", { Self.add(UInt64.max, at: baseSize, width: 4, in: &$0) }),
            // The fuzz target's SIGFPE: no chunk sizes at all, which H5Dopen2 divides by.
            ("chunk layout of dimensionality 0", "/rows", { $0[chunkRank] = 0 }),
        ]
        for damage in damages {
            var bytes = good
            damage.apply(&bytes)
            let error = Self.readAll(bytes)
            #expect(Self.isDamaged(error, naming: damage.object), "\(damage.what): \(String(describing: error))")
        }
    }

    /// The hang: a free-space object of size 0 made libhdf5 1.10.8 walk the collection forever.
    @Test func aZeroSizedFreeSpaceObjectIsRefusedNotLoopedOn() throws {
        var bytes = try Self.makeImage()
        let name = try Self.locate(Self.names[0], in: bytes)
        // Walk the collection (16-byte header, objects padded to 8) to its free-space object (index 0).
        var position = name.collection + 16
        while bytes[position] != 0 || bytes[position + 1] != 0 {
            var size = 0
            for k in 0..<8 { size |= Int(bytes[position + 8 + k]) << (8 * k) }
            position += 16 + (size + 7) / 8 * 8
        }
        for k in 0..<8 { bytes[position + 8 + k] = 0 }
        #expect(Self.isDamaged(Self.readAll(bytes), naming: "memory.h5"))   // the first string read: 'note'
    }

    /// Every single-bit flip in two descriptors and in the used part of the heap collection: each read
    /// returns or throws, none corrupts memory (a crash fails the whole test run), and every flip of a
    /// descriptor's index above bit 15 is refused by name.
    @Test func everyBitFlipInDescriptorsAndTheCollectionIsReadOrRefused() throws {
        let good = try Self.makeImage()
        let name = try Self.locate(Self.names[2], in: good)
        let note = try Self.locate(Self.note, in: good)
        let lastObject = try Self.locate(Self.rows[4], in: good).objectHeader + 16 + 16
        let regions = [name.descriptor..<(name.descriptor + 16), note.descriptor..<(note.descriptor + 16), name.collection..<lastObject]
        var refused = 0, flips = 0
        for region in regions {
            for offset in region {
                for bit in 0..<8 {
                    var bytes = good
                    bytes[offset] ^= 1 << bit
                    let error = Self.readAll(bytes)
                    flips += 1
                    if case .damaged? = error as? HDF5Error { refused += 1 }
                    if region.lowerBound != name.collection, offset - region.lowerBound >= 14 {
                        #expect(error is HDF5Error, "index bit \(bit) of byte \(offset - region.lowerBound) was read")
                    }
                }
            }
        }
        #expect(flips > 2_000)
        #expect(refused > 200)
    }

    /// The same check through a file on disk (libhdf5's own descriptor), and for a file open for writing
    /// (its heap written out first, so a string written in this process reads back).
    @Test func filesOnDiskAndOpenForWritingAreCheckedToo() throws {
        let directory = try TemporaryDirectory()
        var bytes = try Self.makeImage()
        let name = try Self.locate(Self.names[1], in: bytes)
        Self.add(1 << 17, at: name.descriptor + 12, width: 4, in: &bytes)
        let path = directory.file("damaged.h5")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: HDF5Error.self) { try HDF5File.open(path).dataset("names").readStrings() }
        let open = try HDF5File.create(at: directory.file("written.h5"))
        try open.createDataset("fresh", strings: ["written-but-not-flushed"])
        try open.setAttribute("fresh", "also-in-the-cache-only")
        #expect(try open.dataset("fresh").readStrings() == ["written-but-not-flushed"])
        #expect(try open.attributeValue("fresh") == .string("also-in-the-cache-only"))
    }

    /// Version 2 object headers (files written with the latest format, as `h5py.File(libver="latest")` does)
    /// and compact string storage: read back unchanged, and a damaged index in each is still named.
    @Test func latestFormatHeadersAndCompactStorageAreCheckedToo() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("latest.h5")
        do {
            let fapl = H5Pcreate(bl_H5P_FILE_ACCESS())
            defer { H5Pclose(fapl) }
            #expect(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0)
            let fileID = H5Fcreate(path, bl_H5F_ACC_TRUNC(), bl_H5P_DEFAULT(), fapl)
            try #require(fileID >= 0)
            let root = HDF5Group(id: fileID, path: "/", fileName: path, close: { H5Fclose($0) })
            try root.setAttribute("note", Self.note)
            try root.createDataset("names", strings: Self.names)
            let dcpl = H5Pcreate(bl_H5P_DATASET_CREATE())
            defer { H5Pclose(dcpl) }
            #expect(H5Pset_layout(dcpl, H5D_COMPACT) >= 0)
            var dims = [hsize_t(Self.rows.count)]
            let space = H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            let type = try makeUTF8StringType()
            let compactID = H5Dcreate2(fileID, "rows", type.id, space, bl_H5P_DEFAULT(), dcpl, bl_H5P_DEFAULT())
            try #require(compactID >= 0)
            try HDF5Dataset(id: compactID, path: "/rows", fileName: path).writeStrings(Self.rows)
        }
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Data(good).range(of: Data("OHDR".utf8)) != nil)
        let file = try HDF5File.open(image: good)
        #expect(try file.attributeValue("note") == .string(Self.note))
        #expect(try file.dataset("names").readStrings() == Self.names)
        #expect(try file.dataset("rows").readStrings(rows: 2..<5) == Array(Self.rows[2..<5]))
        // The attribute's and the compact dataset's descriptors sit in checksummed version 2 headers (libhdf5
        // refuses a flipped bit there itself), so their heap objects are damaged instead (a size one larger,
        // same padding); the contiguous dataset's descriptor is damaged directly.
        for (marker, object) in [(Self.note, "'note'"), (Self.names[1], "/names"), (Self.rows[3], "/rows")] {
            var bytes = good
            let located = try Self.locate(marker, in: good)
            if object == "/names" {
                Self.add(1 << 17, at: located.descriptor + 12, width: 4, in: &bytes)
            } else {
                Self.add(1, at: located.objectHeader + 8, width: 8, in: &bytes)
            }
            #expect(Self.isDamaged(Self.readAll(bytes), naming: object), "\(marker)")
        }
    }

    /// A file with a 512-byte user block: its addresses are relative to the superblock.
    @Test func aUserBlockShiftsEveryAddress() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("userblock.h5")
        do {
            let fcpl = H5Pcreate(bl_H5P_FILE_CREATE())
            defer { H5Pclose(fcpl) }
            #expect(H5Pset_userblock(fcpl, 512) >= 0)
            let fileID = H5Fcreate(path, bl_H5F_ACC_TRUNC(), fcpl, bl_H5P_DEFAULT())
            try #require(fileID >= 0)
            let root = HDF5Group(id: fileID, path: "/", fileName: path, close: { H5Fclose($0) })
            try root.setAttribute("note", Self.note)
            try root.createDataset("names", strings: Self.names)
        }
        #expect(try HDF5File.open(path).dataset("names").readStrings() == Self.names)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try HDF5File.open(image: bytes).attributeValue("note") == .string(Self.note))
        let located = try Self.locate(Self.names[2], in: bytes, userBlock: 512)
        Self.add(1 << 17, at: located.descriptor + 12, width: 4, in: &bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(Self.isDamaged(Result { try HDF5File.open(path).dataset("names").readStrings() }.error, naming: "/names"))
    }
}

extension Result where Failure == any Error {
    var error: (any Error)? { if case .failure(let error) = self { return error } else { return nil } }
}
