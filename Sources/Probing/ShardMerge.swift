import Foundation
import HDF5Store
import Statistics

/// Puts the shard files of one study back together (`probe merge`): checks that they are the complete,
/// untouched set of one study, copies every item into one `probe.h5` in study order (rebasing the ragged
/// byte and patch offsets), then computes the statistics and writes figures and REPORT.md exactly as a
/// one-process run does (``StudyRunner/finishStudy``).
///
/// **Why a physical copy, not HDF5 virtual datasets.** The byte and patch axes are ragged: a shard's
/// `items/byte_offset`, `items/patch_offset` and `bytes/patch_index` count rows of that shard, so they
/// must be rewritten, which a virtual dataset cannot do; a VDS file also breaks when the shards move.
/// The copy is one read and one write of the data (measured in README, "Running on a cluster") and
/// gives one self-contained file equal, dataset by dataset, to the one-process run's.
///
/// **Checks** (each failure names the files and the field): every file is a finished shard file
/// (a `.partial` is refused with the command that resumes it); all have the same shard count, study
/// item count, assignment rule, tool version, run configuration, dataset manifest, seed, model files
/// (SHA-256) and layout, and bit-identical reference profiles; no shard index appears twice and none is
/// missing (the missing indices are listed); the items cover the study's rows exactly once.
public struct ShardMerge {
    public let shardPaths: [String]
    /// Where `probe.h5`, `figures/` and REPORT.md go.
    public let outDirectory: URL
    /// Recorded as the merged file's command line.
    public var commandLine: [String]
    public var threads: Int
    /// Replace a finished run of another study in `outDirectory`.
    public var force: Bool
    public var progress: (StudyProgress) -> Void
    public var shouldStop: () -> Bool
    /// Compute the statistics and write the report (false: only the copy, for `probe bench --merge`).
    public var statistics: Bool

    public init(shardPaths: [String], outDirectory: URL, commandLine: [String] = [], threads: Int = 1, force: Bool = false,
                statistics: Bool = true,
                progress: @escaping (StudyProgress) -> Void = { _ in }, shouldStop: @escaping () -> Bool = { false }) {
        self.statistics = statistics
        self.shardPaths = shardPaths
        self.outDirectory = outDirectory
        // Recorded in the merged file; `probe merge` is also how a later merge recognises a killed one's leftovers.
        self.commandLine = commandLine.isEmpty ? ["probe", "merge"] + shardPaths : commandLine
        self.threads = threads
        self.force = force
        self.progress = progress
        self.shouldStop = shouldStop
    }

    /// One opened shard.
    struct Shard {
        let path: String
        let reader: ProbeRunReader
        let shard: ProbeRunShard
    }

    /// The default output folder: the parent of the `shards/` folder all shards are in, else nil.
    public static func defaultOutDirectory(for shardPaths: [String]) -> URL? {
        let folders = Set(shardPaths.map { URL(fileURLWithPath: $0).standardizedFileURL.deletingLastPathComponent() })
        guard folders.count == 1, let folder = folders.first, folder.lastPathComponent == StudyShard.folder else { return nil }
        return folder.deletingLastPathComponent()
    }

    /// Opens and checks every shard; throws ``ProbingError/shardSetInvalid(detail:)`` on the first problem.
    func openShards() throws -> [Shard] {
        guard !shardPaths.isEmpty else { throw ProbingError.shardSetInvalid(detail: "no shard files given") }
        guard shardPaths.count <= ProbeRunShard.maxCount else {
            throw ProbingError.shardSetInvalid(detail: "\(shardPaths.count) files given; a study has at most \(ProbeRunShard.maxCount) shards")
        }
        var shards: [Shard] = []
        for path in shardPaths {
            if path.hasSuffix(".partial") {
                throw ProbingError.shardSetInvalid(detail: "\(path) is an unfinished shard; finish it with the same `probe run … --shard I/N` command plus --resume, then merge \(String(path.dropLast(".partial".count)))")
            }
            try SafeFile.checkRegularInput(path, what: "shard file")
            let reader = try ProbeRunReader(path: path)
            guard let shard = try reader.shard() else {
                reader.close()
                throw ProbingError.shardSetInvalid(detail: "\(path) is a whole-study file, not a shard (it has no /shard group)")
            }
            shards.append(Shard(path: path, reader: reader, shard: shard))
        }
        let first = shards[0]
        for other in shards.dropFirst() {
            if let field = Self.firstDifference(first, other) {
                throw ProbingError.shardSetInvalid(detail: "\(other.path) belongs to another study than \(first.path): \(field) differs")
            }
        }
        var byIndex: [Int: String] = [:]
        for s in shards {
            if let earlier = byIndex[s.shard.index] {
                throw ProbingError.shardSetInvalid(detail: "shard \(s.shard.index) of \(s.shard.count) is given twice: \(earlier) and \(s.path)")
            }
            byIndex[s.shard.index] = s.path
        }
        let count = first.shard.count
        let missing = (0..<count).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            let folder = URL(fileURLWithPath: first.path).deletingLastPathComponent()
            let hints = missing.prefix(8).map { index -> String in
                let name = (try? StudyShard(index: index, count: count).fileName) ?? "?"
                let partial = folder.appendingPathComponent(name + ".partial").path
                return FileManager.default.fileExists(atPath: partial)
                    ? "shard \(index): unfinished (\(partial)); rerun its task with --resume"
                    : "shard \(index): no file (\(folder.appendingPathComponent(name).path)); run its task"
            }
            throw ProbingError.shardSetInvalid(detail: "\(missing.count) of \(count) shards missing (indices "
                + ShortList.format(missing.map(String.init), hint: "") + "); refusing to merge a smaller study. "
                + hints.joined(separator: "; "))
        }
        // Every study row exactly once (the assignment rule is deterministic, so this only fails for
        // tampered or foreign files, but a merge that silently dropped or doubled an item would be worse).
        var seen = [Bool](repeating: false, count: first.shard.studyItemCount)
        for s in shards {
            for row in s.shard.studyItemIndex {
                guard !seen[row] else {
                    throw ProbingError.shardSetInvalid(detail: "study item \(row) is in two shards (second: \(s.path))")
                }
                seen[row] = true
            }
        }
        if let hole = seen.firstIndex(of: false) {
            throw ProbingError.shardSetInvalid(detail: "study item \(hole) is in no shard (\(seen.filter { !$0 }.count) items uncovered)")
        }
        return shards.sorted { $0.shard.index < $1.shard.index }
    }

    /// The first field in which two shards' studies differ, or nil when they are the same study.
    static func firstDifference(_ a: Shard, _ b: Shard) -> String? {
        let pa = a.reader.provenance, pb = b.reader.provenance
        if a.shard.count != b.shard.count { return "the shard count (\(a.shard.count) vs \(b.shard.count))" }
        if a.shard.studyItemCount != b.shard.studyItemCount { return "the study's item count (\(a.shard.studyItemCount) vs \(b.shard.studyItemCount))" }
        if a.shard.assignmentRule != b.shard.assignmentRule { return "the assignment rule" }
        if pa.toolVersion != pb.toolVersion { return "the tool version (\(pa.toolVersion) vs \(pb.toolVersion))" }
        if pa.configJSON != pb.configJSON { return "the run configuration (/provenance/config_json)" }
        if pa.datasetName != pb.datasetName { return "the dataset (\(pa.datasetName) vs \(pb.datasetName))" }
        if pa.datasetManifestSHA256 != pb.datasetManifestSHA256 { return "the dataset manifest (dataset_manifest_sha256)" }
        if pa.seed != pb.seed { return "the seed (\(pa.seed) vs \(pb.seed))" }
        if pa.modelFiles != pb.modelFiles { return "the model files (model_sha256)" }
        if a.reader.layout != b.reader.layout { return "the layout (hooks, measures, activations)" }
        let ra = try? a.reader.referenceProfiles(), rb = try? b.reader.referenceProfiles()
        if ra != rb { return "the reference profile (/reference)" }
        if (try? a.reader.referenceRule()) != (try? b.reader.referenceRule()) { return "the reference rule" }
        return nil
    }

    /// Merges, computes the statistics and writes the report.
    public func run() throws -> StudyOutcome {
        let clock = PhaseClock()
        let shards = try openShards()
        defer { for s in shards { s.reader.close() } }
        let first = shards[0]
        try StudyPlan.checkWritable(outDirectory, create: true)
        let finalPath = outDirectory.appendingPathComponent(StudyPlan.fileName).path
        try checkReplaceable(finalPath, like: first.reader)

        var provenance = first.reader.provenance
        provenance.commandLine = commandLine
        provenance.startedUTC = ProbeRunProvenance.utcNow()
        provenance.finishedUTC = nil
        provenance.resumedUTC = []
        // A merge is repeatable from its inputs, so an older (killed) merge's leftovers are simply replaced;
        // an unfinished `probe run` in the same folder is somebody's work and is never deleted.
        if ProbeRunWriter.unfinishedRunExists(at: finalPath) {
            let leftover = try? ProbeRunWriter.resumable(at: finalPath)
            guard let command = leftover?.provenance.commandLine, command.count >= 2, command[1] == "merge" else {
                throw ProbingError.partialRunExists(partialPath: ProbeRunWriter.partialPath(for: finalPath))
            }
        }
        let writer = try ProbeRunWriter.create(at: finalPath, layout: first.reader.layout, provenance: provenance,
                                               options: ProbeRunWriterOptions(replacePartial: true,
                                                                              itemsPerCheckpoint: StudyRunner.checkpointItems))
        let total = first.shard.studyItemCount
        do {
            if let profiles = try first.reader.referenceProfiles() {
                try writer.writeReference(profiles, rule: try first.reader.referenceRule() ?? "")
            }
            // Study row -> (shard, row in the shard).
            var source = [(shard: Int, row: Int)](repeating: (0, 0), count: total)
            for (s, shard) in shards.enumerated() {
                for (row, studyRow) in shard.shard.studyItemIndex.enumerated() { source[studyRow] = (s, row) }
            }
            let copyStart = Date()
            for (studyRow, from) in source.enumerated() {
                if shouldStop() { throw writer.abandon() }
                try writer.append(try shards[from.shard].reader.item(at: from.row))
                if studyRow % 64 == 63 || studyRow == total - 1 {
                    progress(StudyProgress(phase: .items, done: studyRow + 1, total: total, bytesDone: 0, bytesTotal: 0,
                                           elapsed: Date().timeIntervalSince(copyStart)))
                }
            }
        } catch {
            // Closes the partial file (a second abandon after an interrupt's is a no-op).
            _ = writer.abandon()
            throw error
        }
        clock.end(.items)
        guard statistics else {
            do { try writer.finish(statistics: []) } catch { _ = writer.abandon(); throw error }
            return StudyOutcome(finalPath: finalPath, report: nil, statistics: [], itemCount: total, resumedItems: 0,
                                seconds: clock.elapsed, phaseSeconds: clock.phases)
        }
        let configuration = try Self.statisticsConfiguration(first.reader.provenance, path: first.path)
        let finished = try StudyRunner.finishStudy(writer: writer, outDirectory: outDirectory.path, configuration: configuration,
                                                   threads: threads, progress: progress, shouldStop: shouldStop, clock: clock)
        return StudyOutcome(finalPath: finalPath, report: finished.report, statistics: finished.statistics, itemCount: total,
                            resumedItems: 0, seconds: clock.elapsed, phaseSeconds: clock.phases)
    }

    /// The statistics settings the shards' run recorded (bootstrap resamples, statistics seed).
    static func statisticsConfiguration(_ provenance: ProbeRunProvenance, path: String) throws -> StudyConfiguration {
        let config = RunConfiguration(json: provenance.configJSON)
        guard let resamples = config.bootstrapResamples, resamples >= 1, resamples <= 10_000_000 else {
            throw ProbingError.shardSetInvalid(detail: "\(path): config_json has no bootstrap_resamples in 1...10000000")
        }
        guard let seedText = config.statisticsSeed, let seed = UInt64(seedText) else {
            throw ProbingError.shardSetInvalid(detail: "\(path): config_json has no statistics_seed (an unsigned integer string)")
        }
        return StudyConfiguration(bootstrapResamples: resamples, seed: seed)
    }

    /// Refuses to replace a finished run of another study at `finalPath` unless `force`.
    func checkReplaceable(_ finalPath: String, like shard: ProbeRunReader) throws {
        guard FileManager.default.fileExists(atPath: finalPath), !force else { return }
        let existing: ProbeRunReader
        do { existing = try ProbeRunReader(path: finalPath) } catch {
            throw ProbingError.finishedRunExists(path: finalPath, detail: "it cannot be read (\(error))")
        }
        defer { existing.close() }
        guard existing.layout == shard.layout, existing.provenance.configJSON == shard.provenance.configJSON,
              existing.provenance.modelFiles == shard.provenance.modelFiles else {
            throw ProbingError.finishedRunExists(path: finalPath, detail: "it is not the study of these shards")
        }
    }
}
