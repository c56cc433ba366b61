import Foundation
import Testing
@testable import HDF5Store
import Parallelism

@Suite("Probe-run writer and reader")
struct ProbeRunWriterTests {
    @Test func roundTripsEveryItemStatisticsAndProvenance() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("run.h5")
        try ProbeRunFixture.writeComplete(to: path, count: 9)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: ProbeRunWriter.partialPath(for: path)))

        let reader = try ProbeRunReader(path: path)
        #expect(reader.schemaVersion == 2)
        #expect(reader.status == "complete")
        #expect(reader.completedItemCount == 9)
        #expect(reader.layout == ProbeRunFixture.layout)
        var expectedProvenance = ProbeRunFixture.provenance
        expectedProvenance.libraryVersions["hdf5"] = HDF5File.libraryVersion
        expectedProvenance.finishedUTC = "2026-11-29T05:00:00Z"
        #expect(reader.provenance == expectedProvenance)
        for index in 0..<9 {
            #expect(try reader.item(at: index) == ProbeRunFixture.item(index), "item \(index)")
        }
        #expect(try reader.itemRecords() == (0..<9).map { ProbeRunFixture.item($0).record })
        #expect(try reader.statistics() == ProbeRunFixture.statistics)
        let meanEntropy = try reader.itemMetric("mean_entropy")
        #expect(meanEntropy == (0..<9).map { Double($0) * 0.5 + 0.25 })
        #expect(try reader.probeMeasure("gini").count == 9 * 2)
        #expect(throws: HDF5Error.self) { _ = try reader.item(at: 9) }
        let items = (0..<9).map(ProbeRunFixture.item)
        #expect(sameValues(try reader.column("bytes/entropy", as: Float.self), items.flatMap(\.bytes.entropy)))
        #expect(try reader.column("patches/length", as: Int32.self) == items.flatMap(\.patches.length))
        #expect(sameValues(try reader.column("measures/patch_level/hoyer", as: Float.self),
                           items.flatMap { $0.patchMeasures.values["hoyer"]! }))
        #expect(try reader.stringColumn("items/level_name") == items.map(\.record.levelName))
        #expect(try reader.column("statistics/n", as: Int64.self) == [12, 2])
        #expect(throws: HDF5Error.self) { _ = try reader.column("bytes/missing", as: Float.self) }
    }

    @Test func offsetsMakeTheRaggedAxesConsistent() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("offsets.h5")
        try ProbeRunFixture.writeComplete(to: path, count: 6)
        let file = try HDF5File.open(path)
        let items = try file.group("items")
        let byteOffset = try items.dataset("byte_offset").read(as: Int64.self)
        let byteCount = try items.dataset("byte_count").read(as: Int64.self)
        let patchOffset = try items.dataset("patch_offset").read(as: Int64.self)
        let patchCount = try items.dataset("patch_count").read(as: Int64.self)
        #expect(byteCount == (0..<6).map { Int64(ProbeRunFixture.item($0).bytes.count) })
        #expect(patchCount == (0..<6).map { Int64(ProbeRunFixture.item($0).patches.count) })
        for i in 1..<6 {
            #expect(byteOffset[i] == byteOffset[i - 1] + byteCount[i - 1])
            #expect(patchOffset[i] == patchOffset[i - 1] + patchCount[i - 1])
        }
        let totalBytes = Int(byteCount.reduce(0, +))
        #expect(try file.group("bytes").dataset("entropy").shape() == [totalBytes])
        #expect(try file.dataset("byte").shape() == [totalBytes])
        #expect(try file.group("measures").group("byte_level").dataset("hoyer").shape() == [totalBytes, 2])
        #expect(try file.group("measures").group("byte_level").dataset("hook").readStrings()
                == ProbeRunFixture.layout.byteLevelHooks)
        let itemIndex = try file.group("bytes").dataset("item_index").read(as: Int32.self)
        #expect(itemIndex == (0..<6).flatMap { Array(repeating: Int32($0), count: ProbeRunFixture.item($0).bytes.count) })
        #expect(try file.group("bytes").dataset("is_patch_start").elementType == .bool)
        #expect(try file.group("bytes").dataset("entropy").stringAttribute("units") == "nat")
    }

    @Test func malformedItemsAreRejectedWithoutWriting() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bad.h5")
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        try writer.append(ProbeRunFixture.item(0))
        var bad = ProbeRunFixture.item(1)
        bad.bytes.entropy.removeLast()
        #expect(throws: ProbeRunError.invalidItem(path: writer.partialPath, itemIndex: 1, field: "bytes.entropy",
                                                  detail: "\(bad.bytes.count - 1) values for \(bad.bytes.count) positions")) {
            try writer.append(bad)
        }
        var missing = ProbeRunFixture.item(1)
        missing.patchMeasures.values["gini"] = nil
        #expect(throws: ProbeRunError.self) { try writer.append(missing) }
        var wrongActivation = ProbeRunFixture.item(1)
        wrongActivation.activations["probe/local_decoder.layers.1"] = [1, 2]
        #expect(throws: ProbeRunError.self) { try writer.append(wrongActivation) }
        try writer.append(ProbeRunFixture.item(1))
        try writer.finish(statistics: [])
        let reader = try ProbeRunReader(path: path)
        #expect(reader.completedItemCount == 2)
        #expect(try reader.item(at: 1) == ProbeRunFixture.item(1))
        #expect(try reader.statistics().isEmpty)
    }

    @Test func invalidLayoutsAndExistingPartialsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("layout.h5")
        var layout = ProbeRunFixture.layout
        layout.byteLevelHooks = ["a/b"]
        #expect(throws: ProbeRunError.self) {
            _ = try ProbeRunWriter.create(at: path, layout: layout, provenance: ProbeRunFixture.provenance)
        }
        layout = ProbeRunFixture.layout
        layout.itemMetricNames = ["seed"]
        #expect(throws: ProbeRunError.self) {
            _ = try ProbeRunWriter.create(at: path, layout: layout, provenance: ProbeRunFixture.provenance)
        }
        let first = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        first.close()
        #expect(throws: ProbeRunError.partialFileExists(partialPath: path + ".partial")) {
            _ = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        }
        let replaced = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                                 options: ProbeRunWriterOptions(replacePartial: true))
        try replaced.finish(statistics: [])
        #expect(throws: ProbeRunError.writerClosed(path: path + ".partial")) { try replaced.append(ProbeRunFixture.item(0)) }
    }

    @Test func emptyRunAndRunWithoutHooks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("empty.h5")
        let layout = ProbeRunLayout(byteLevelHooks: [], patchLevelHooks: [], probeHooks: [], measureColumns: [],
                                    itemMetricNames: [])
        let writer = try ProbeRunWriter.create(at: path, layout: layout, provenance: ProbeRunFixture.provenance)
        var item = ProbeRunFixture.item(2)
        item.record.metrics = []
        item.byteMeasures = .empty
        item.patchMeasures = .empty
        item.probeMeasures = .empty
        item.activations = [:]
        try writer.append(item)
        try writer.finish(statistics: [])
        let reader = try ProbeRunReader(path: path)
        #expect(try reader.item(at: 0) == item)
        let file = try HDF5File.open(path)
        #expect(try !file.contains("measures"))
    }

    @Test func partialFilesAreOnlyReadWhenAsked() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("partial.h5")
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        try writer.append(ProbeRunFixture.item(0))
        let error = writer.abandon()
        #expect(error == .interrupted(partialPath: path + ".partial", completedItems: 1))
        #expect(error.description.contains(path + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: ProbeRunError.self) { _ = try ProbeRunReader(path: path + ".partial") }
        struct ModelFailure: Error, CustomStringConvertible { var description: String { "forward pass failed" } }
        let failed = writer.abandon(after: ModelFailure())
        #expect(failed == .failed(partialPath: path + ".partial", completedItems: 1, reason: "forward pass failed"))
        #expect(failed.description.contains("forward pass failed") && failed.description.contains("--resume"))
        let reader = try ProbeRunReader(path: path + ".partial", allowPartial: true)
        #expect(reader.status == "writing")
        #expect(reader.completedItemCount == 1)
        #expect(try reader.item(at: 0) == ProbeRunFixture.item(0))
        #expect(try reader.statistics().isEmpty)
        #expect(try reader.column("bytes/value", as: Int16.self) == ProbeRunFixture.item(0).bytes.value)
    }

    @Test func schemaChecksRefuseForeignMissingAndNewerFiles() throws {
        let directory = try TemporaryDirectory()
        let noSchema = directory.file("plain.h5")
        try HDF5File.create(at: noSchema).createDataset("x", values: [1.0])
        #expect(throws: ProbeRunError.unsupportedSchema(path: noSchema,
            detail: "not a ByteLens probe-run file: the root attribute 'schema' is missing")) {
            _ = try ProbeRunReader(path: noSchema)
        }
        let newer = directory.file("newer.h5")
        try ProbeRunFixture.writeComplete(to: newer, count: 1)
        try HDF5File.open(newer, mode: .readWrite).setAttribute("schema_version", Int64(3))
        do {
            _ = try ProbeRunReader(path: newer)
            Issue.record("a newer schema version must be refused")
        } catch let error as ProbeRunError {
            #expect(error.description.contains("schema version 3 is newer"))
        }
        let other = directory.file("other.h5")
        try HDF5File.create(at: other).setAttribute("schema", "someone.else")
        #expect(throws: ProbeRunError.self) { _ = try ProbeRunReader(path: other) }
    }

    @Test func checkpointIntervalStillProducesTheSameContents() throws {
        let directory = try TemporaryDirectory()
        try ProbeRunFixture.writeComplete(to: directory.file("a.h5"), count: 7)
        try ProbeRunFixture.writeComplete(to: directory.file("b.h5"), count: 7,
                                          options: ProbeRunWriterOptions(itemsPerCheckpoint: 3))
        #expect(try datasetContents(of: directory.file("a.h5")) == datasetContents(of: directory.file("b.h5")))
    }

    @Test func identicalRunsGiveByteIdenticalFiles() throws {
        let directory = try TemporaryDirectory()
        try ProbeRunFixture.writeComplete(to: directory.file("first.h5"), count: 5)
        try sleepOneSecond()  // object timestamps, if recorded, would now differ
        try ProbeRunFixture.writeComplete(to: directory.file("second.h5"), count: 5)
        #expect(try readFileBytes(directory.file("first.h5")) == readFileBytes(directory.file("second.h5")))
    }

    @Test func interruptFlagIsCooperative() {
        InterruptSignal.reset()
        #expect(!InterruptSignal.isRequested)
        InterruptSignal.request()
        #expect(InterruptSignal.isRequested)
        InterruptSignal.reset()
        #expect(!InterruptSignal.isRequested)
    }
}

@Suite("probe inspect summary")
struct ProbeRunSummaryTests {
    @Test func summaryShowsSchemaProvenanceLayoutAndEveryGroup() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inspect.h5")
        try ProbeRunFixture.writeComplete(to: path, count: 3)
        let text = try ProbeRunReader(path: path).summary(itemLimit: 2)
        for expected in [
            "schema: bytelens.probe-run version 2", "status: complete, 3 complete item(s)",
            "tool: 0.1.0-test (git 0123456789abcdef)", "seed: 7",
            "command: probe run --dataset ood --name 'naïve ✓'", "hdf5 \(HDF5File.libraryVersion)",
            "model.safetensors  sha256 " + String(repeating: "ab", count: 32),
            "statistics: 2 row(s): 1 insufficient data, 1 tracks difficulty",
            "      hoyer  float32[", "(byte, hook)  chunked", "shuffle+deflate",
            "  byte  float32[", "dimension", "      hook  string[2]  coordinate",
            "first 2 item(s):", "[1] script_distance level 1",
        ] {
            #expect(text.contains(expected), "missing '\(expected)' in:\n\(text)")
        }
        for group in ["items/", "bytes/", "patches/", "measures/", "activations/", "statistics/", "provenance/"] {
            #expect(text.contains("\n  \(group)\n"), "missing group \(group)")
        }
    }

    @Test func shellQuotingOnlyQuotesWhenNeeded() {
        #expect(ProbeRunReader.shellQuoted("--dataset=ood") == "--dataset=ood")
        #expect(ProbeRunReader.shellQuoted("two words") == "'two words'")
        #expect(ProbeRunReader.shellQuoted("it's") == "'it'\\''s'")
        #expect(ProbeRunReader.shellQuoted("") == "''")
    }
}
