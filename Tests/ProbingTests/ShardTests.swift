import Foundation
import HDF5Store
import Testing
@testable import Probing

/// Sharded studies (`probe run --shard I/N`, `probe merge`): the assignment, the environment default,
/// and a merge that equals the one-process run or refuses a set that is not one whole study.
@Suite struct ShardTests {
    /// The tiny study (4 base items × 3 levels × 3 arms = 36 items) as a plan, optionally one shard of it.
    static func plan(_ dir: TemporaryDirectory, out: String, shard: StudyShard? = nil, seed: UInt64 = 7) throws -> StudyPlan {
        var request = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: out)
        request.seed = seed
        request.shard = shard
        return try StudyPlan.prepare(request)
    }

    /// Runs every shard of the tiny study into `out`; returns the shard file paths.
    static func runShards(_ dir: TemporaryDirectory, out: String, count: Int, seed: UInt64 = 7) throws -> [String] {
        try (0..<count).map { i in
            try isolatedRunner(try plan(dir, out: out, shard: try StudyShard(index: i, count: count), seed: seed)).run().finalPath
        }
    }

    @Test func assignmentKeepsEveryLevelAndArmOfABaseItemTogetherAndDealsBaseItemsRoundRobin() throws {
        let dir = try TemporaryDirectory()
        let plan = try Self.plan(dir, out: dir.file("out"))
        let items = plan.runItems
        #expect(items.count == 36)
        let assignment = StudyShard.assignment(of: items, shards: 3, controlSpecs: plan.controlSpecs)
        var shardOf: [String: Int] = [:]
        for (item, shard) in zip(items, assignment) {
            if let earlier = shardOf[item.baseItemID] { #expect(earlier == shard, "base item \(item.baseItemID) split across shards") }
            shardOf[item.baseItemID] = shard
        }
        // Base items in order of first appearance: item0 → 0, item1 → 1, item2 → 2, item3 → 0.
        #expect(shardOf == ["item0": 0, "item1": 1, "item2": 2, "item3": 0])
        #expect(assignment.filter { $0 == 0 }.count == 18)
        // One shard: everything in shard 0; the rule does not depend on anything but the item list.
        #expect(StudyShard.assignment(of: items, shards: 1, controlSpecs: plan.controlSpecs).allSatisfy { $0 == 0 })
        #expect(StudyShard.assignment(of: items, shards: 3, controlSpecs: plan.controlSpecs) == assignment)
        // A shard's plan runs exactly its items, in study order, into shards/.
        let shardPlan = try Self.plan(dir, out: dir.file("out"), shard: try StudyShard(index: 1, count: 3))
        #expect(shardPlan.studyItemIndices == items.indices.filter { assignment[$0] == 1 })
        #expect(shardPlan.finalPath.hasSuffix("/out/shards/shard-0001-of-0003.h5"))
        // More shards than base items would leave shards empty: refused, naming the limit.
        #expect(throws: ProbingError.self) { try Self.plan(dir, out: dir.file("out"), shard: try StudyShard(index: 0, count: 5)) }
    }

    @Test func shardComesFromTheOptionOrTheSlurmArrayEnvironment() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "4"]
        #expect(try StudyShard.resolve(option: nil, environment: env) == StudyShard(index: 2, count: 4))
        #expect(try StudyShard.resolve(option: nil, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"])
                == StudyShard(index: 3, count: 4))
        #expect(try StudyShard.resolve(option: "none", environment: env) == nil)
        #expect(try StudyShard.resolve(option: "1/2", environment: env) == StudyShard(index: 1, count: 2))
        #expect(try StudyShard.resolve(option: nil, environment: [:]) == nil)
        #expect(try StudyShard.resolve(option: nil, environment: ["SLURM_JOB_ID": "9"]) == nil)
        // Untrusted values: every one is an error naming its variable or option.
        let bad: [(String?, [String: String], String)] = [
            (nil, ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID"),
            (nil, ["SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID"),  // stepped array
            (nil, ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "99999999999"], "SLURM_ARRAY_TASK_COUNT"),
            (nil, ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "0"], "SLURM_ARRAY_TASK_ID"),
            ("4/4", [:], "--shard"), ("-1/4", [:], "--shard"), ("1/0", [:], "--shard"), ("1/20000", [:], "--shard"), ("1", [:], "--shard"),
        ]
        for (option, environment, name) in bad {
            #expect { try StudyShard.resolve(option: option, environment: environment) } throws: { error in
                guard case let ProbingError.invalidOption(option, _) = error else { return false }
                return option == name
            }
        }
    }

    @Test func mergedShardsEqualTheOneProcessRunItemForItemAndInEveryStatistic() throws {
        let dir = try TemporaryDirectory()
        let whole = try isolatedRunner(try Self.plan(dir, out: dir.file("whole"))).run()
        let paths = try Self.runShards(dir, out: dir.file("sharded"), count: 3)
        // A shard file is a finished file with its own items only, no statistics, and no report of its own.
        let first = try ProbeRunReader(path: paths[0])
        #expect(try first.shard()?.studyItemIndex.count == first.completedItemCount)
        #expect(try first.statistics().isEmpty)
        #expect(try first.summary().contains("shard: 0 of 3 (zero-based) of a 36-item study"))
        first.close()
        #expect(throws: ProbingError.self) { try ReportBuilder(path: paths[0]).write(to: dir.file("shard-report")) }

        #expect(ShardMerge.defaultOutDirectory(for: paths)?.path == URL(fileURLWithPath: dir.file("sharded")).standardizedFileURL.path)
        let merged = try ShardMerge(shardPaths: paths.reversed(), outDirectory: URL(fileURLWithPath: dir.file("sharded"))).run()
        #expect(try allItems(merged.finalPath) == allItems(whole.finalPath))
        let a = try ProbeRunReader(path: whole.finalPath), b = try ProbeRunReader(path: merged.finalPath)
        defer { a.close(); b.close() }
        #expect(try b.statistics() == a.statistics())
        #expect(try b.referenceProfiles() == a.referenceProfiles())
        #expect(b.provenance.configJSON == a.provenance.configJSON)
        #expect(try b.shard() == nil)
        #expect(try b.column("bytes/patch_index", as: Int64.self) == a.column("bytes/patch_index", as: Int64.self))
        let reportA = try String(contentsOfFile: whole.report!.reportPath, encoding: .utf8)
        let reportB = try String(contentsOfFile: merged.report!.reportPath, encoding: .utf8)
        // Every line but the run's times and command line is the same.
        func lines(_ report: String) -> [String] {
            report.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("| time |") && !$0.hasPrefix("probe run") && !$0.hasPrefix("probe merge") }
        }
        let (la, lb) = (lines(reportA), lines(reportB))
        #expect(la.count == lb.count)
        #expect(zip(la, lb).filter { $0 != $1 }.map { "\($0.0.prefix(120)) | \($0.1.prefix(120))" } == [])
    }

    @Test func mergeRefusesAMissingADuplicateAForeignAndAnUnfinishedShard() throws {
        let dir = try TemporaryDirectory()
        let paths = try Self.runShards(dir, out: dir.file("study"), count: 3)
        let out = URL(fileURLWithPath: dir.file("merged"))
        func refusal(_ shards: [String]) -> String? {
            do { _ = try ShardMerge(shardPaths: shards, outDirectory: out).run(); return nil } catch { return "\(error)" }
        }
        let missing = refusal([paths[0], paths[2]])
        #expect(missing?.contains("1 of 3 shards missing (indices 1)") == true, "\(missing ?? "merged")")
        #expect(missing?.contains("shard-0001-of-0003.h5") == true)
        let duplicate = refusal([paths[0], paths[1], paths[1], paths[2]])
        #expect(duplicate?.contains("shard 1 of 3 is given twice") == true, "\(duplicate ?? "merged")")
        // The same shard of another study (another seed: other items) is foreign.
        let foreign = try Self.runShards(dir, out: dir.file("other"), count: 3, seed: 8)
        let mixed = refusal([paths[0], foreign[1], paths[2]])
        #expect(mixed?.contains("belongs to another study") == true, "\(mixed ?? "merged")")
        // A whole-study file is not a shard.
        let whole = try isolatedRunner(try Self.plan(dir, out: dir.file("whole"))).run()
        #expect(refusal([whole.finalPath])?.contains("not a shard") == true)
        // Nothing was left at the merge's output path by any refusal.
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("probe.h5").path))

        // A task that stopped half-way: its partial file is named, with the way to resume it.
        try FileManager.default.removeItem(atPath: paths[1])
        var request = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: dir.file("study"))
        request.shard = try StudyShard(index: 1, count: 3)
        let stop = StopAfter(4)
        #expect(throws: ProbeRunError.self) {
            try StudyRunner(plan: try StudyPlan.prepare(request), progress: { stop.record($0) }, shouldStop: { stop.shouldStop }).run()
        }
        let unfinished = refusal([paths[0], paths[2]])
        #expect(unfinished?.contains("unfinished") == true && unfinished?.contains("--resume") == true, "\(unfinished ?? "merged")")
        #expect(refusal([paths[0], paths[1] + ".partial", paths[2]])?.contains("unfinished shard") == true)

        // Resuming the failed task alone completes the set; the merge then equals the one-process run.
        request.resume = true
        let resumed = try isolatedRunner(try StudyPlan.prepare(request)).run()
        #expect(resumed.resumedItems > 0)
        // An unfinished `probe run` in the merge's output folder is somebody's work: refused, kept.
        var other = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: out.path)
        other.seed = 9
        let stopOther = StopAfter(2)
        #expect(throws: ProbeRunError.self) {
            try StudyRunner(plan: try StudyPlan.prepare(other), progress: { stopOther.record($0) }, shouldStop: { stopOther.shouldStop }).run()
        }
        let partialRun = out.appendingPathComponent("probe.h5.partial").path
        #expect(refusal(paths)?.contains("unfinished run") == true)
        #expect(FileManager.default.fileExists(atPath: partialRun))
        try FileManager.default.removeItem(atPath: partialRun)
        try FileManager.default.removeItem(atPath: out.appendingPathComponent("probe.h5.journal").path)

        // A merge stopped half-way (Ctrl-C, kill) leaves its own partial file; the next merge replaces it.
        final class Calls: @unchecked Sendable { var n = 0 }
        let calls = Calls()
        #expect(throws: ProbeRunError.self) {
            try ShardMerge(shardPaths: paths, outDirectory: out, shouldStop: { calls.n += 1; return calls.n > 10 }).run()
        }
        #expect(FileManager.default.fileExists(atPath: partialRun))
        let merged = try ShardMerge(shardPaths: paths, outDirectory: out).run()
        #expect(try allItems(merged.finalPath) == allItems(whole.finalPath))
    }
}

/// `probe compare`: the same study on several models, side by side.
@Suite struct ModelComparisonTests {
    @Test func twoModelsOfTheSameStudyAreComparedAndOtherItemsAreRefused() throws {
        let dir = try TemporaryDirectory()
        // A second "model": the fixture checkpoint under another folder name (same weights, another label).
        let copy = dir.file("fixture-copy")
        try FileManager.default.copyItem(atPath: TestPaths.model, toPath: copy)
        let a = try isolatedRunner(try ShardTests.plan(dir, out: dir.file("a"))).run()
        var request = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: dir.file("b"))
        request.modelDirectory = copy
        let b = try isolatedRunner(try StudyPlan.prepare(request)).run()
        let comparison = try ModelComparison(paths: [a.finalPath, b.finalPath])
        defer { comparison.close() }
        let markdown = comparison.markdown()
        #expect(markdown.contains("| | **tiny\\_default** | **fixture-copy** |"))
        // Same weights, same items: every row has the same cell for both models, and every row is filled.
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| (") }
        #expect(rows.count == 2 + 3 * 4)
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 3 && cells[1] == cells[2] && cells[1] != "—", "\(row)")
        }
        let path = try comparison.write(to: dir.file("sweep"))
        #expect(FileManager.default.fileExists(atPath: path))
        // One chart per ladder beside COMPARE.md: both runs on x, each question with its CI, same values for both.
        let charts = comparison.charts()
        #expect(charts.count == 1 && charts[0].chart.levels == ["tiny_default", "fixture-copy"])
        #expect(charts[0].chart.panels.map(\.series.count) == [2, 4, 4, 4])
        for series in charts[0].chart.panels.flatMap(\.series) { #expect(series.mean[0] == series.mean[1] && series.mean[0].isFinite, "\(series.name)") }
        let png = dir.file("sweep") + "/" + ModelComparison.chartFileName(charts[0].ladder)
        #expect(FileManager.default.fileExists(atPath: png))
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("](\(ModelComparison.chartFileName(charts[0].ladder)))"))
        // Another seed means other items: not a side-by-side of the same study.
        let other = try isolatedRunner(try ShardTests.plan(dir, out: dir.file("c"), seed: 8)).run()
        #expect { try ModelComparison(paths: [a.finalPath, other.finalPath]) } throws: { error in
            "\(error)".contains("other items")
        }
        #expect(throws: ProbingError.self) { try ModelComparison(paths: [a.finalPath]) }
    }
}
