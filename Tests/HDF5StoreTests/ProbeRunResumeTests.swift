import Foundation
import Testing
@testable import HDF5Store
import Parallelism

@Suite("Probe-run resume after crashes, kills and interrupts")
struct ProbeRunResumeTests {
    static let itemCount = 11

    /// The reference: the same items written without interruption.
    func uninterruptedContents(in directory: TemporaryDirectory) throws -> [String: String] {
        let path = directory.file("reference.h5")
        try ProbeRunFixture.writeComplete(to: path, count: Self.itemCount)
        return try datasetContents(of: path)
    }

    /// Resumes the partial file for `path`, appends the remaining items and finishes.
    func resumeAndFinish(_ path: String) throws -> Int {
        let writer = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                               resumedUTC: "2026-11-29T04:30:00Z")
        let resumedAt = writer.completedItemCount
        for index in resumedAt..<Self.itemCount { try writer.append(ProbeRunFixture.item(index)) }
        try writer.finish(statistics: ProbeRunFixture.statistics, finishedUTC: "2026-11-29T05:00:00Z")
        return resumedAt
    }

    @Test func resumeAfterSimulatedCrashTruncatesHalfWrittenRows() throws {
        let directory = try TemporaryDirectory()
        let reference = try uninterruptedContents(in: directory)
        let path = directory.file("crashed.h5")
        do {
            let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
            for index in 0..<4 { try writer.append(ProbeRunFixture.item(index)) }
            // Half of item 4: some byte, patch, measure and item rows, but no checkpoint.
            let half = ProbeRunFixture.item(4)
            try writer.appendColumn("bytes/value", half.bytes.value)
            try writer.appendColumn("bytes/entropy", half.bytes.entropy)
            try writer.appendColumn("patches/start", half.patches.start)
            try writer.appendColumn("measures/byte_level/hoyer", half.byteMeasures.values["hoyer"]!)
            try writer.appendStringColumn("items/ladder", half.record.ladder)
            try writer.file?.flush()
            writer.closeHandles()  // the process "dies": no checkpoint, no finish
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let partial = try ProbeRunReader(path: path + ".partial", allowPartial: true)
        #expect(partial.completedItemCount == 4)
        // The half-written rows of item 4 are on disk but never shown.
        #expect(try partial.column("bytes/value", as: Int16.self) == (0..<4).flatMap { ProbeRunFixture.item($0).bytes.value })
        #expect(try partial.stringColumn("items/ladder").count == 4)
        partial.close()

        #expect(try resumeAndFinish(path) == 4)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        #expect(try datasetContents(of: path) == reference)
        let reader = try ProbeRunReader(path: path)
        #expect(reader.provenance.resumedUTC == ["2026-11-29T04:30:00Z"])
        #expect(reader.provenance.startedUTC == ProbeRunFixture.provenance.startedUTC)
    }

    @Test func resumeRefusesOtherExperimentsAndMissingFiles() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("mismatch.h5")
        #expect(throws: ProbeRunError.noPartialFile(partialPath: path + ".partial")) {
            _ = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        }
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        try writer.append(ProbeRunFixture.item(0))
        writer.close()
        var otherLayout = ProbeRunFixture.layout
        otherLayout.measureColumns.append("top10_energy")
        #expect(throws: ProbeRunError.self) {
            _ = try ProbeRunWriter.resume(at: path, layout: otherLayout, provenance: ProbeRunFixture.provenance)
        }
        var otherSeed = ProbeRunFixture.provenance
        otherSeed.seed = 8
        do {
            _ = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: otherSeed)
            Issue.record("a different seed must be refused")
        } catch let error as ProbeRunError {
            #expect(error.description.contains("another experiment"))
        }
        // A different start time or command line is fine: it is the same experiment.
        var laterStart = ProbeRunFixture.provenance
        laterStart.startedUTC = "2026-11-29T06:00:00Z"
        laterStart.commandLine.append("--resume")
        let resumed = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: laterStart)
        #expect(resumed.completedItemCount == 1)
        resumed.close()
    }

    @Test func resumeExplainsAPartialFileKilledDuringCreation() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("stub.h5")
        do {
            let file = try HDF5File.create(at: path + ".partial")
            try file.setAttribute("schema", ProbeRunSchema.name)
            try file.setAttribute("schema_version", Int64(1))
            try file.setAttribute("status", ProbeRunSchema.Status.writing)
        }
        do {
            _ = try ProbeRunWriter.resume(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
            Issue.record("an incomplete partial file must be refused")
        } catch let error as ProbeRunError {
            #expect(error.description.contains("has no journal"), "\(error)")
            #expect(error.description.contains(path + ".partial"))
        }
    }

    // MARK: Real processes

    static let childDirectoryVariable = "BYTELENS_HDF5_CHILD_WRITER_DIR"
    static let childModeVariable = "BYTELENS_HDF5_CHILD_WRITER_MODE"
    static var isChild: Bool { ProcessInfo.processInfo.environment[childDirectoryVariable] != nil }

    /// Runs only inside the child process the kill/interrupt tests spawn. It checkpoints every
    /// second item, and after appending `pauseAfter` items it reports progress and waits (up to 60 s)
    /// for the parent's signal, so the signal always lands at a known point: with `pauseAfter` odd,
    /// one item's rows are written but not yet vouched for by `completed_items`.
    @Test(.enabled(if: ProbeRunResumeTests.isChild)) func childWriterProcess() throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = environment[Self.childDirectoryVariable]!
        let mode = environment[Self.childModeVariable] ?? "kill"
        let pauseAfter = Int(environment["BYTELENS_HDF5_CHILD_PAUSE_AFTER"] ?? "") ?? 5
        let path = directory + "/child.h5"
        if mode == "sigint" { InterruptSignal.install() }
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance,
                                               options: ProbeRunWriterOptions(itemsPerCheckpoint: 2))
        for index in 0..<Self.itemCount {
            if InterruptSignal.isRequested {
                let error = writer.abandon()
                FileHandle.standardError.write(Data("probe: \(error)\n".utf8))
                exit(130)
            }
            try writer.append(ProbeRunFixture.item(index))
            if index + 1 == pauseAfter {
                _ = FileManager.default.createFile(atPath: directory + "/progress", contents: Data("\(index + 1)".utf8))
                for _ in 0..<6_000 where !InterruptSignal.isRequested { usleep(10_000) }
            }
        }
        try writer.finish(statistics: ProbeRunFixture.statistics)
    }

    /// Starts the test binary again running only `childWriterProcess`, waits until it appended
    /// `items` items, then sends `signal`. Returns the child's exit status and stderr.
    func runChild(in directory: TemporaryDirectory, mode: String, signal: Int32, afterItems items: Int) throws -> (Int32, String) {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childWriterProcess"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childDirectoryVariable] = directory.path
        environment[Self.childModeVariable] = mode
        environment["BYTELENS_HDF5_CHILD_PAUSE_AFTER"] = String(items)
        child.environment = environment
        let errors = Pipe()
        child.standardError = errors
        child.standardOutput = FileHandle.nullDevice
        ChildProcessSafety.prepareForSpawn()   // don't hand other tests' HDF5 files (and locks) to the child
        try child.run()
        let deadline = Date().addingTimeInterval(60)
        var progress = 0
        while progress < items && child.isRunning && Date() < deadline {
            usleep(20_000)
            if let data = FileManager.default.contents(atPath: directory.file("progress")) {
                progress = Int(String(decoding: data, as: UTF8.self)) ?? 0
            }
        }
        if child.isRunning { kill(child.processIdentifier, signal) }
        child.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(progress >= items, "the child did not reach \(items) items: \(stderr)")
        return (child.terminationStatus, stderr)
    }

    @Test(.enabled(if: !ProbeRunResumeTests.isChild && FileManager.default.fileExists(atPath: "/proc/self/exe")))
    func killedWriterLeavesNoFinalFileAndResumesToIdenticalContents() throws {
        let directory = try TemporaryDirectory()
        let reference = try uninterruptedContents(in: directory)
        _ = try runChild(in: directory, mode: "kill", signal: SIGKILL, afterItems: 5)
        let path = directory.file("child.h5")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: path + ".partial"))
        // Items 0–3 were checkpointed (fdatasync); item 4 was appended after the checkpoint but its journal
        // record was written whole before the kill, and a kill (unlike a power loss) keeps written data.
        let resumedAt = try resumeAndFinish(path)
        #expect(resumedAt == 5)
        #expect(try datasetContents(of: path) == reference)
    }

    @Test(.enabled(if: !ProbeRunResumeTests.isChild && FileManager.default.fileExists(atPath: "/proc/self/exe")))
    func interruptedWriterSaysWhereThePartialFileIsAndResumes() throws {
        let directory = try TemporaryDirectory()
        let reference = try uninterruptedContents(in: directory)
        let (status, stderr) = try runChild(in: directory, mode: "sigint", signal: SIGINT, afterItems: 3)
        let path = directory.file("child.h5")
        #expect(status == 130, "stderr: \(stderr)")
        #expect(stderr.contains("partial results are in \(path).partial"), "stderr: \(stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
        // abandon() checkpointed the third item, which was appended but not yet vouched for.
        #expect(stderr.contains("after 3 complete item(s)"), "stderr: \(stderr)")
        let resumedAt = try resumeAndFinish(path)
        #expect(resumedAt == 3)
        #expect(try datasetContents(of: path) == reference)
    }
}
