#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The write-ahead journal of a probe run, `<final>.journal`: the durable truth from which `--resume`
/// rebuilds the HDF5 file.
///
/// Why: an HDF5 file that is being written is not crash-consistent. libhdf5 writes metadata and compressed
/// chunks whenever its caches evict them, moves chunks that grow and reuses the space they leave, so a
/// `kill -9` or a full disk at the wrong moment left a `.partial` that no reader could open (about 1 kill
/// in 5). The journal is append-only: every complete item is one checksummed record, written with `write`
/// as soon as the item is appended (so it survives `kill -9`) and `fdatasync`ed at each checkpoint (so it
/// survives a power loss up to the last checkpoint). A record is never rewritten. A resume reads the
/// journal read-only, checks every record (XXH64 over header and payload, consecutive sequence numbers),
/// keeps the longest valid prefix (a torn or corrupt tail is dropped and recomputed), and builds a fresh
/// HDF5 file from it under a temporary name before anything existing is changed.
///
/// Layout (little-endian): the 8-byte magic `BLJOURN1`, then records of a 32-byte header
/// (`u32` marker "RECL", `u32` kind, `u64` sequence number, `u64` payload length, `u64` XXH64 of the
/// first 24 header bytes and the payload) followed by the payload. Record 0 is the run header (JSON:
/// layout and provenance); then one record per item (``ProbeRunItem`` in a fixed binary form) and one per
/// resume (the UTC time as text).
public enum ProbeRunJournal {
    static let magic = Array("BLJOURN1".utf8)
    static let marker: UInt32 = 0x4C43_4552  // "RECL"
    static let recordHeaderSize = 32

    public enum Kind: UInt32, Sendable { case header = 1, item = 2, resume = 3 }

    /// `<finalPath>.journal`.
    public static func path(for finalPath: String) -> String { finalPath + ".journal" }

    /// The run header stored in record 0.
    struct Header: Codable, Equatable {
        var layout: ProbeRunLayout
        var provenance: ProbeRunProvenance
    }

    /// What a read-only scan found.
    struct Scan {
        var header: Header
        /// (kind, payload offset, payload length) of every valid record after the header.
        var records: [(kind: Kind, offset: Int, length: Int)]
        /// Bytes of the valid prefix; anything after it is a torn or corrupt tail.
        var validLength: Int
        var fileLength: Int
        var itemCount: Int { records.lazy.filter { $0.kind == .item }.count }
        var resumedUTC: [String]
    }

    // MARK: Reading

    /// Reads and verifies the journal at `path` without changing it.
    /// - Throws: `ProbeRunError.resumeMismatch` when the file is not a journal or its header record is damaged.
    static func scan(_ path: String) throws -> Scan {
        let fd = try SafeFile.openRegularForReading(path, what: "run journal")
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw HDF5Error.fileSystem(path: path, detail: "cannot stat the journal") }
        let fileLength = Int(info.st_size)
        func damaged(_ detail: String) -> ProbeRunError {
            .resumeMismatch(partialPath: path, detail: "its journal is damaged (\(detail)); nothing was changed")
        }
        guard fileLength >= magic.count, try readBytes(fd, offset: 0, count: magic.count, path: path) == magic else {
            throw damaged("no journal signature")
        }
        var offset = magic.count
        var sequence: UInt64 = 0
        var header: Header?
        var records: [(kind: Kind, offset: Int, length: Int)] = []
        var resumed: [String] = []
        while offset + recordHeaderSize <= fileLength {
            let head = try readBytes(fd, offset: offset, count: recordHeaderSize, path: path)
            let fields = head.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self), raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self),
                 raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            }
            let (mark, kindValue, seq, length, checksum) = (UInt32(littleEndian: fields.0), UInt32(littleEndian: fields.1),
                                                            UInt64(littleEndian: fields.2), UInt64(littleEndian: fields.3),
                                                            UInt64(littleEndian: fields.4))
            let payloadOffset = offset + recordHeaderSize
            guard mark == marker, let kind = Kind(rawValue: kindValue), seq == sequence,
                  length <= UInt64(fileLength - payloadOffset) else { break }
            let payload = try readBytes(fd, offset: payloadOffset, count: Int(length), path: path)
            guard recordChecksum(head: head, payload: payload) == checksum else { break }
            if sequence == 0 {
                guard kind == .header, let decoded = try? JSONDecoder().decode(Header.self, from: Data(payload)) else {
                    throw damaged("record 0 is not a readable run header")
                }
                header = decoded
            } else {
                guard kind != .header else { break }
                if kind == .resume { resumed.append(String(decoding: payload, as: UTF8.self)) }
                records.append((kind, payloadOffset, Int(length)))
            }
            offset = payloadOffset + Int(length)
            sequence += 1
        }
        guard let header else { throw damaged("the run header record is missing or torn") }
        return Scan(header: header, records: records, validLength: offset, fileLength: fileLength, resumedUTC: resumed)
    }

    /// The item records of a scan, decoded one at a time.
    static func forEachItem(_ path: String, _ scan: Scan, _ body: (ProbeRunItem) throws -> Void) throws {
        let fd = try SafeFile.openRegularForReading(path, what: "run journal")
        defer { close(fd) }
        for record in scan.records where record.kind == .item {
            let payload = try readBytes(fd, offset: record.offset, count: record.length, path: path)
            try body(try decodeItem(payload, path: path))
        }
    }

    static func readBytes(_ fd: Int32, offset: Int, count: Int, path: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        try buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw HDF5Error.fileSystem(path: path, detail: "short read at offset \(offset + done)") }
                done += n
            }
        }
        return buffer
    }

    static func recordChecksum(head: [UInt8], payload: [UInt8]) -> UInt64 {
        let headHash = head.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<24])) }
        return payload.withUnsafeBytes { XXHash64.hash($0, seed: headHash) }
    }

    static func record(kind: Kind, sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var head = [UInt8]()
        head.reserveCapacity(recordHeaderSize + payload.count)
        for value in [UInt64(marker) | UInt64(kind.rawValue) << 32, sequence, UInt64(payload.count)] {
            withUnsafeBytes(of: value.littleEndian) { head.append(contentsOf: $0) }
        }
        let checksum = recordChecksum(head: head, payload: payload)
        withUnsafeBytes(of: checksum.littleEndian) { head.append(contentsOf: $0) }
        head.append(contentsOf: payload)
        return head
    }

    // MARK: Writing

    /// An open journal that records are appended to.
    final class Appender {
        let path: String
        private var fd: Int32
        private(set) var sequence: UInt64
        private(set) var length: Int
        private var unsynced = false
        private var syncedLength = 0
        /// `fdatasync` runs here, off the item loop; its failure is reported by the next `sync` or `close`.
        private let syncQueue = DispatchQueue(label: "bytelens.journal.sync")
        private let syncFailure = SyncFailure()

        final class SyncFailure: Sendable {
            let message = Mutex<String?>(nil)
        }
        /// Bytes appended since the last `sync` (an upper bound on the uncompressed rows libhdf5 may still
        /// have to write at the next checkpoint).
        var unsyncedBytes: Int { length - syncedLength }

        private init(path: String, fd: Int32, sequence: UInt64, length: Int) {
            self.path = path
            self.fd = fd
            self.sequence = sequence
            self.length = length
            self.syncedLength = length
        }

        deinit { close() }

        /// Creates a new journal (written to a temporary name, fsynced and renamed, so a journal at `path`
        /// always has a complete header) holding the run header.
        static func create(at path: String, header: Header) throws -> Appender {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let payload = Array(try encoder.encode(header))
            let (fd, temporary) = try SafeFile.createTemporary(near: path)
            do {
                try SafeFile.writeAll(fd, magic + record(kind: .header, sequence: 0, payload: payload), path: temporary)
                guard fsync(fd) == 0 else { throw HDF5Error.fileSystem(path: temporary, detail: "fsync failed: \(String(cString: strerror(errno)))") }
                // link(2) refuses an existing name: a journal that appeared meanwhile is never replaced.
                guard link(temporary, path) == 0 else {
                    throw HDF5Error.fileSystem(path: path, detail: "cannot create the run journal: \(String(cString: strerror(errno)))")
                }
                unlink(temporary)
                SafeFile.syncFolder(of: path)
            } catch {
                Glibc.close(fd)
                unlink(temporary)
                throw error
            }
            let length = Int(lseek(fd, 0, SEEK_END))
            return Appender(path: path, fd: fd, sequence: 1, length: length)
        }

        /// Opens an existing journal after `scan` verified it, cutting a torn or corrupt tail.
        static func reopen(_ path: String, after scan: Scan) throws -> Appender {
            let fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                throw HDF5Error.fileSystem(path: path, detail: "cannot open the run journal for writing: \(String(cString: strerror(errno)))")
            }
            if scan.validLength < scan.fileLength {
                guard ftruncate(fd, off_t(scan.validLength)) == 0 else {
                    Glibc.close(fd)
                    throw HDF5Error.fileSystem(path: path, detail: "cannot cut the journal's torn tail: \(String(cString: strerror(errno)))")
                }
            }
            lseek(fd, off_t(scan.validLength), SEEK_SET)
            return Appender(path: path, fd: fd, sequence: UInt64(scan.records.count + 1), length: scan.validLength)
        }

        /// Appends one record. On failure (ENOSPC, EIO) the file is cut back to its previous length, so
        /// the journal never ends in a half record written by this process.
        func append(_ kind: Kind, _ payload: [UInt8]) throws {
            guard fd >= 0 else { throw ProbeRunError.writerClosed(path: path) }
            let bytes = record(kind: kind, sequence: sequence, payload: payload)
            do {
                try SafeFile.writeAll(fd, bytes, path: path)
            } catch {
                _ = ftruncate(fd, off_t(length))
                lseek(fd, off_t(length), SEEK_SET)
                throw error
            }
            length += bytes.count
            sequence += 1
            unsynced = true
        }

        /// Starts an `fdatasync` of every record appended so far in the background (the item loop does not
        /// wait for the disk; syncs run one after another, so when the next one starts the previous
        /// checkpoint is durable). Throws the failure of an earlier background sync.
        func sync() throws {
            try reportSyncFailure()
            guard fd >= 0, unsynced else { return }
            unsynced = false
            syncedLength = length
            let fd = self.fd
            syncQueue.async { [syncFailure, path] in
                if fdatasync(fd) != 0 {
                    let message = "fdatasync of the run journal \(path) failed: \(String(cString: strerror(errno)))"
                    syncFailure.message.withLock { if $0 == nil { $0 = message } }
                }
            }
        }

        /// Waits for the background syncs; every record appended before the last `sync` is then durable.
        func waitForSync() throws {
            syncQueue.sync {}
            try reportSyncFailure()
        }

        private func reportSyncFailure() throws {
            if let message = syncFailure.message.withLock({ $0 }) { throw HDF5Error.fileSystem(path: path, detail: message) }
        }

        func close() {
            guard fd >= 0 else { return }
            syncQueue.sync {}
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: Item codec

    /// Stored properties the codec writes, per type; a test compares them with `Mirror` so a field added to
    /// a row type cannot silently be left out of the journal.
    static let encodedFields: [String: [String]] = [
        "ProbeRunItem": ["record", "bytes", "patches", "byteMeasures", "patchMeasures", "probeMeasures", "activations"],
        "ProbeRunItemRecord": ["ladder", "levelIndex", "levelName", "baseItemID", "seed", "analysisSpan", "probePosition", "metrics"],
        "ProbeRunByteRows": ["value", "entropy", "patchID", "isPatchStart", "logProb", "entropyModelLogProb"],
        "ProbeRunPatchRows": ["start", "length", "meanEntropy", "maxEntropy", "firstByteEntropy"],
        "ProbeRunMeasureRows": ["rows", "values"],
    ]

    static func encodeItem(_ item: ProbeRunItem) -> [UInt8] {
        var w = ByteWriter()
        let r = item.record
        w.string(r.ladder); w.int(r.levelIndex); w.string(r.levelName); w.string(r.baseItemID); w.u64(r.seed)
        w.int(r.analysisSpan.lowerBound); w.int(r.analysisSpan.upperBound); w.int(r.probePosition); w.array(r.metrics)
        w.array(item.bytes.value); w.array(item.bytes.entropy); w.array(item.bytes.patchID)
        w.array(item.bytes.isPatchStart.map { $0 ? UInt8(1) : 0 })
        w.array(item.bytes.logProb); w.array(item.bytes.entropyModelLogProb)
        w.array(item.patches.start); w.array(item.patches.length); w.array(item.patches.meanEntropy)
        w.array(item.patches.maxEntropy); w.array(item.patches.firstByteEntropy)
        for rows in [item.byteMeasures, item.patchMeasures, item.probeMeasures] {
            w.int(rows.rows)
            w.floatTable(rows.values)
        }
        w.floatTable(item.activations)
        return w.bytes
    }

    static func decodeItem(_ bytes: [UInt8], path: String) throws -> ProbeRunItem {
        var r = ByteReader(bytes: bytes, path: path)
        let ladder = try r.string(), levelIndex = try r.int(), levelName = try r.string(), baseItemID = try r.string()
        let seed = try r.u64(), lower = try r.int(), upper = try r.int(), probe = try r.int()
        let metrics: [Double] = try r.array()
        guard lower <= upper else { throw r.fail("analysis span \(lower)..<\(upper)") }
        let record = ProbeRunItemRecord(ladder: ladder, levelIndex: levelIndex, levelName: levelName, baseItemID: baseItemID,
                                        seed: seed, analysisSpan: lower..<upper, probePosition: probe, metrics: metrics)
        let bytesRows = ProbeRunByteRows(value: try r.array(), entropy: try r.array(), patchID: try r.array(),
                                         isPatchStart: (try r.array() as [UInt8]).map { $0 != 0 },
                                         logProb: try r.array(), entropyModelLogProb: try r.array())
        let patches = ProbeRunPatchRows(start: try r.array(), length: try r.array(), meanEntropy: try r.array(),
                                        maxEntropy: try r.array(), firstByteEntropy: try r.array())
        var measures: [ProbeRunMeasureRows] = []
        for _ in 0..<3 { measures.append(ProbeRunMeasureRows(rows: try r.int(), values: try r.floatTable())) }
        let activations = try r.floatTable()
        guard r.offset == bytes.count else { throw r.fail("\(bytes.count - r.offset) trailing bytes") }
        return ProbeRunItem(record: record, bytes: bytesRows, patches: patches, byteMeasures: measures[0],
                            patchMeasures: measures[1], probeMeasures: measures[2], activations: activations)
    }

    struct ByteWriter {
        var bytes: [UInt8] = []
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
        mutating func string(_ s: String) { let utf8 = Array(s.utf8); u64(UInt64(utf8.count)); bytes.append(contentsOf: utf8) }
        mutating func array<T: BitwiseCopyable>(_ values: [T]) {
            u64(UInt64(values.count))
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        mutating func floatTable(_ table: [String: [Float]]) {
            u64(UInt64(table.count))
            for key in table.keys.sorted() { string(key); array(table[key]!) }
        }
    }

    struct ByteReader {
        let bytes: [UInt8]
        let path: String
        var offset = 0

        func fail(_ detail: String) -> ProbeRunError {
            .resumeMismatch(partialPath: path, detail: "a journal record passed its checksum but does not decode (\(detail)); nothing was changed")
        }
        mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - offset else { throw fail("\(count) bytes wanted at offset \(offset) of \(bytes.count)") }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        mutating func u64() throws -> UInt64 {
            let slice = try take(8)
            return UInt64(littleEndian: slice.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        }
        mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
        mutating func count(width: Int) throws -> Int {
            let n = try u64()
            guard n <= UInt64(bytes.count - offset) / UInt64(max(width, 1)) else { throw fail("count \(n) exceeds the record") }
            return Int(n)
        }
        mutating func string() throws -> String {
            let n = try count(width: 1)
            return String(decoding: try take(n), as: UTF8.self)
        }
        mutating func array<T: BitwiseCopyable>() throws -> [T] {
            let n = try count(width: MemoryLayout<T>.stride)
            let slice = try take(n * MemoryLayout<T>.stride)
            return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                slice.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
                initialized = n
            }
        }
        mutating func floatTable() throws -> [String: [Float]] {
            let n = try count(width: 16)
            var table: [String: [Float]] = [:]
            for _ in 0..<n {
                let key = try string()
                guard table[key] == nil else { throw fail("duplicate key '\(key)'") }
                table[key] = try array()
            }
            return table
        }
    }
}

#if !_endian(little)
#error("the run journal stores native little-endian arrays")
#endif
