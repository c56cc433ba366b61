import Foundation
import Testing
@testable import HDF5Store

@Suite("Run journal, run lock and crash-consistent resume")
struct ProbeRunJournalTests {
    static let itemCount = 9

    func reference(in directory: TemporaryDirectory) throws -> [String: String] {
        let path = directory.file("reference.h5")
        try ProbeRunFixture.writeComplete(to: path, count: Self.itemCount)
        return try datasetContents(of: path)
    }

    /// Starts a run, appends `items` items and "dies" (handles dropped without checkpoint or finish).
    func startAndDie(_ path: String, items: Int) throws {
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                               options: ProbeRunWriterOptions(itemsPerCheckpoint: 16))
        for index in 0..<items { try writer.append(ProbeRunFixture.item(index)) }
        writer.closeHandles()
    }

    func resumeAndFinish(_ path: String) throws -> Int {
        let writer = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        let resumedAt = writer.completedItemCount
        for index in resumedAt..<Self.itemCount { try writer.append(ProbeRunFixture.item(index)) }
        try writer.finish(statistics: ProbeRunFixture.statistics, finishedUTC: "2026-11-29T05:00:00Z")
        return resumedAt
    }

    @Test func codecRoundTripsEveryItemAndCoversEveryField() throws {
        for index in 0..<12 {
            let item = ProbeRunFixture.item(index)
            #expect(try ProbeRunJournal.decodeItem(ProbeRunJournal.encodeItem(item), path: "x") == item)
        }
        // A field added to a row type must be added to the journal codec too (or a resume would lose it).
        let item = ProbeRunFixture.item(3)
        let values: [String: Any] = ["ProbeRunItem": item, "ProbeRunItemRecord": item.record, "ProbeRunByteRows": item.bytes,
                                     "ProbeRunPatchRows": item.patches, "ProbeRunMeasureRows": item.byteMeasures]
        for (type, value) in values {
            let fields = Mirror(reflecting: value).children.compactMap(\.label)
            #expect(fields == ProbeRunJournal.encodedFields[type], "\(type) has fields \(fields)")
        }
    }

    @Test func hashDetectsEverySingleBitFlip() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let base = XXHash64.hash(bytes)
        #expect(XXHash64.hash([UInt8]()) == 0xEF46_DB37_51D8_E999)  // the reference value of XXH64("")
        for bit in 0..<(bytes.count * 8) {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(XXHash64.hash(flipped) != base)
        }
    }

    @Test func resumeRebuildsFromTheJournalWhenThePartialFileIsDestroyed() throws {
        let directory = try TemporaryDirectory()
        let expected = try reference(in: directory)
        let path = directory.file("run.h5")
        try startAndDie(path, items: 5)
        // What a kill in the middle of a libhdf5 flush can leave: the partial file is garbage.
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: path + ".partial"))
        #expect(try resumeAndFinish(path) == 5)
        #expect(try datasetContents(of: path) == expected)
        #expect(!FileManager.default.fileExists(atPath: ProbeRunJournal.path(for: path)))
        #expect(!FileManager.default.fileExists(atPath: RunLock.lockPath(for: path)))
    }

    @Test func aTornOrCorruptJournalTailIsDroppedAndRecomputed() throws {
        for damage in ["truncate", "flip", "garbage"] {
            let directory = try TemporaryDirectory()
            let expected = try reference(in: directory)
            let path = directory.file("run.h5")
            try startAndDie(path, items: 4)
            let journalPath = ProbeRunJournal.path(for: path)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journalPath)))
            switch damage {
            case "truncate": bytes.removeLast(7)                   // the last record is torn
            case "flip": bytes[bytes.count - 5] ^= 0x10            // the last record is corrupt
            default: bytes += [UInt8](repeating: 0xFF, count: 100)  // garbage after the last record
            }
            try Data(bytes).write(to: URL(fileURLWithPath: journalPath))
            let resumable = try ProbeRunWriter.resumable(at: path)
            #expect(resumable.completedItems == (damage == "garbage" ? 4 : 3), "\(damage)")
            #expect(try resumeAndFinish(path) == (damage == "garbage" ? 4 : 3))
            #expect(try datasetContents(of: path) == expected, "\(damage)")
        }
    }

    @Test func aDamagedJournalHeaderIsRefusedAndNothingIsChanged() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("run.h5")
        try startAndDie(path, items: 2)
        let journalPath = ProbeRunJournal.path(for: path)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journalPath)))
        bytes[50] ^= 0x01  // inside the header record's JSON
        try Data(bytes).write(to: URL(fileURLWithPath: journalPath))
        let partialBefore = try Data(contentsOf: URL(fileURLWithPath: path + ".partial"))
        do {
            _ = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
            Issue.record("a damaged journal header must be refused")
        } catch let error as ProbeRunError {
            #expect(error.description.contains("journal is damaged"), "\(error)")
        }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: journalPath))) == bytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + ".partial")) == partialBefore)
    }

    @Test func aSecondWriterOfTheSameRunIsLockedOut() throws {
        let directory = try TemporaryDirectory()
        let expected = try reference(in: directory)
        let path = directory.file("run.h5")
        try startAndDie(path, items: 3)
        let first = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        let journalBefore = try Data(contentsOf: URL(fileURLWithPath: ProbeRunJournal.path(for: path)))
        for attempt in 0..<2 {
            do {
                if attempt == 0 {
                    _ = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
                } else {
                    _ = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                                  options: ProbeRunWriterOptions(replacePartial: true))
                }
                Issue.record("a second writer must be refused")
            } catch ProbeRunError.locked(let lockPath, let holder) {
                #expect(lockPath == path + ".lock")
                #expect(holder == "process \(getpid())")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ProbeRunJournal.path(for: path))) == journalBefore)
        for index in first.completedItemCount..<Self.itemCount { try first.append(ProbeRunFixture.item(index)) }
        try first.finish(statistics: ProbeRunFixture.statistics, finishedUTC: "2026-11-29T05:00:00Z")
        #expect(try datasetContents(of: path) == expected)
    }

    @Test func resumingTwiceKeepsEveryResumeTime() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("run.h5")
        try startAndDie(path, items: 2)
        do {
            let once = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                                 resumedUTC: "2026-11-29T04:10:00Z")
            try once.append(ProbeRunFixture.item(2))
            once.closeHandles()  // dies; its lock goes with it
        }
        let twice = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                              resumedUTC: "2026-11-29T04:20:00Z")
        #expect(twice.completedItemCount == 3)
        for index in 3..<Self.itemCount { try twice.append(ProbeRunFixture.item(index)) }
        try twice.finish(statistics: ProbeRunFixture.statistics)
        let reader = try ProbeRunReader(path: path)
        #expect(reader.provenance.resumedUTC == ["2026-11-29T04:10:00Z", "2026-11-29T04:20:00Z"])
        #expect(reader.provenance.startedUTC == ProbeRunFixture.provenance.startedUTC)
    }

    @Test func outputsThatAreNotRegularFilesAreRefused() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: HDF5Error.self) {
            _ = try ProbeRunWriter.create(at: directory.path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        }
        let fifo = directory.file("fifo.h5")
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: HDF5Error.self) { try SafeFile.checkRegularInput(fifo) }
        #expect(throws: HDF5Error.self) { try SafeFile.checkOutput(fifo) }
        #expect(throws: HDF5Error.self) { try SafeFile.checkRegularInput("/dev/zero") }
        let temporary = SafeFile.temporaryPath(near: directory.file("out.png"))
        #expect(temporary != SafeFile.temporaryPath(near: directory.file("out.png")))
        #expect(temporary.hasPrefix(directory.file(".out.png.")))
    }
}

/// Writes the seed inputs of the `probe-run` fuzz target (Tests/Fuzz/corpus/probe-run) when
/// BYTELENS_FUZZ_SEED_DIR is set: a small finished run, a minimal-layout run and a partial one.
@Test(.enabled(if: ProcessInfo.processInfo.environment["BYTELENS_FUZZ_SEED_DIR"] != nil))
func writeProbeRunFuzzSeeds() throws {
    let directory = ProcessInfo.processInfo.environment["BYTELENS_FUZZ_SEED_DIR"]!
    for (name, count, level) in [("finished-2.h5", 2, 1 as Int?)] {
        let path = directory + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try ProbeRunFixture.writeComplete(to: path, count: count, options: ProbeRunWriterOptions(compressionLevel: level))
    }
    // A minimal layout (one hook, one measure) keeps the seed small, so the fuzzer runs fast.
    let layout = ProbeRunLayout(byteLevelHooks: ["h"], patchLevelHooks: [], probeHooks: ["h"], measureColumns: ["hoyer"],
                                itemMetricNames: ["m"], activations: [])
    let small = directory + "/small"
    try? FileManager.default.removeItem(atPath: small + ".h5")
    let tiny = try ProbeRunWriter.create(at: small + ".h5", layout: layout, provenance: ProbeRunFixture.provenance)
    for index in 0..<3 {
        let n = 3 + index
        let record = ProbeRunItemRecord(ladder: "l", levelIndex: index, levelName: "L\(index)", baseItemID: "b", seed: 1,
                                        analysisSpan: 1..<n, probePosition: n - 1, metrics: [0.5])
        let bytes = ProbeRunByteRows(value: [-1] + (1..<n).map { Int16($0 + 96) }, entropy: (0..<n).map { Float($0) },
                                     patchID: [0] + Array(repeating: 1, count: n - 1), isPatchStart: [true, true] + Array(repeating: false, count: n - 2))
        let patches = ProbeRunPatchRows(start: [0, 1], length: [1, Int32(n - 1)], meanEntropy: [0, 1], maxEntropy: [0, 2], firstByteEntropy: [0, 1])
        try tiny.append(ProbeRunItem(record: record, bytes: bytes, patches: patches,
                                     byteMeasures: ProbeRunMeasureRows(rows: n, values: ["hoyer": (0..<n).map { Float($0) / 8 }]),
                                     patchMeasures: .empty, probeMeasures: ProbeRunMeasureRows(rows: 1, values: ["hoyer": [0.25]])))
    }
    try tiny.finish(statistics: Array(ProbeRunFixture.statistics.prefix(2)))
    let partial = directory + "/partial"
    let writer = try ProbeRunWriter.create(at: partial, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                           options: ProbeRunWriterOptions(replacePartial: true))
    try writer.append(ProbeRunFixture.item(0))
    writer.close()
    try? FileManager.default.removeItem(atPath: directory + "/partial-1.h5")
    try FileManager.default.moveItem(atPath: partial + ".partial", toPath: directory + "/partial-1.h5")
    try? FileManager.default.removeItem(atPath: ProbeRunJournal.path(for: partial))
}

/// The journal's cost on a real study's items (BYTELENS_JOURNAL_BENCH=path/to/probe.h5): the same items
/// written alternately with and without the journal, 16 items per checkpoint as `probe run` does.
@Test(.enabled(if: ProcessInfo.processInfo.environment["BYTELENS_JOURNAL_BENCH"] != nil))
func journalCostOnARealStudy() throws {
    let source = try ProbeRunReader(path: ProcessInfo.processInfo.environment["BYTELENS_JOURNAL_BENCH"]!)
    let items = try (0..<source.completedItemCount).map { try source.item(at: $0) }
    let layout = source.layout, provenance = source.provenance
    source.close()
    let directory = try TemporaryDirectory()
    let options = ProbeRunWriterOptions(itemsPerCheckpoint: 16)
    var times: [String: [Double]] = [:]
    for round in 0..<(ProcessInfo.processInfo.environment["BYTELENS_JOURNAL_BENCH_FULL"] == nil ? 0 : 3) {
        for journaled in [false, true] {
            let path = directory.file("bench-\(round)-\(journaled).h5")
            let start = Date()
            let writer = journaled
                ? try ProbeRunWriter.create(at: path, layout: layout, provenance: provenance, options: options)
                : try ProbeRunWriter.createFile(finalPath: path, filePath: path + ".partial", layout: layout,
                                                provenance: provenance, options: options)
            for item in items { try writer.append(item) }
            try writer.finish(statistics: [])
            times[journaled ? "journal" : "plain", default: []].append(Date().timeIntervalSince(start))
        }
    }
    // The journal alone (encode, checksum, write, fdatasync every 16 items): wall time and this thread's CPU time.
    func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    for round in 0..<3 {
        let start = Date(), cpu = threadCPU()
        let appender = try ProbeRunJournal.Appender.create(at: directory.file("only-\(round).journal"),
                                                           header: .init(layout: layout, provenance: provenance))
        for (index, item) in items.enumerated() {
            try appender.append(.item, ProbeRunJournal.encodeItem(item))
            if index % 16 == 15 { try appender.sync() }
        }
        try appender.sync()
        try appender.waitForSync()
        appender.close()
        times["journal only wall", default: []].append(Date().timeIntervalSince(start))
        times["journal only cpu", default: []].append(threadCPU() - cpu)
    }
    print("journal bench: journal alone, wall \(times["journal only wall"]!) s, CPU \(times["journal only cpu"]!) s")
    let bytes = items.reduce(0) { $0 + ProbeRunJournal.encodeItem($1).count }
    print("journal bench: \(items.count) items, \(bytes) journal bytes; plain \(times["plain"] ?? []) s, with journal \(times["journal"] ?? []) s")
}
