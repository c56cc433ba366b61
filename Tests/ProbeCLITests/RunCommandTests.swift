import ArgumentParser
import Foundation
import Testing
@testable import ProbeCLI
import Probing

enum CLIPaths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let model = repository.appendingPathComponent("Tests/BLTModelTests/Fixtures/tiny_default").path
    static let assets = repository.appendingPathComponent("Assets").path

    static func temporaryDirectory(_ label: String = #function) throws -> String {
        let path = NSTemporaryDirectory() + "bytelens-cli-\(label.filter { $0.isLetter })-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A 3-level, 3-item custom dataset.
    static func dataset(in dir: String) throws -> String {
        var lines: [String] = []
        for (i, text) in ["Bytes are small.", "Patches group bytes.", "Entropy marks surprise."].enumerated() {
            for level in 0..<3 {
                let t = level == 0 ? text : String(text.reversed().map { level == 2 && $0 == " " ? "#" : $0 })
                lines.append("{\"id\": \"b\(i)\", \"level\": \(level), \"text\": \"\(t)\"}")
            }
        }
        let path = dir + "/tiny.jsonl"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite struct RunCommandTests {
    @Test func runIsTheDefaultSubcommandAndReportRebuildsIt() async throws {
        let dir = try CLIPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try CLIPaths.dataset(in: dir)
        let arguments = [
            "--dataset", "custom:\(data)", "--model", CLIPaths.model, "--limit", "3", "--bootstrap", "200",
            "--hooks", "global.*.hook_resid_post", "encoder.blocks.0.hook_resid_post", "--measures", "hoyer", "gini",
            "--out", dir + "/run", "--assets", CLIPaths.assets]
        var command = try ProbeCommand.parseAsRoot(arguments)
        #expect(command is Run)
        var run = try #require(command as? AsyncParsableCommand)
        try await run.run()
        let report = try String(contentsOfFile: dir + "/run/REPORT.md", encoding: .utf8)
        #expect(report.contains("## Verdicts"))
        #expect(report.contains("| hooks | 3 measured (1 per byte, 2 per patch"))
        let figures = try FileManager.default.contentsOfDirectory(atPath: dir + "/run/figures").sorted()
        #expect(figures.contains("trend_custom-tiny.png"))

        // The finished run is replaced by the same study, but not by another one unless --force.
        let same = try #require(try ProbeCommand.parseAsRoot(arguments) as? Run)
        #expect(try RunOutput.checkReplaceable(try StudyPlan.prepare(try same.request()), force: false) == .sameStudy)
        let other = try #require(try ProbeCommand.parseAsRoot(arguments.map { $0 == "3" ? "2" : $0 }) as? Run)
        let otherPlan = try StudyPlan.prepare(try other.request())
        #expect { try RunOutput.checkReplaceable(otherPlan, force: false) } throws: { error in
            guard case ProbingError.finishedRunExists(let path, _) = error else { return false }
            return path == dir + "/run/probe.h5"
        }
        #expect(try RunOutput.checkReplaceable(otherPlan, force: true) != .sameStudy)

        command = try ProbeCommand.parseAsRoot(["report", dir + "/run/probe.h5", "--out", dir + "/again"])
        var rebuild = try #require(command as? Report)
        try await rebuild.run()
        #expect(try String(contentsOfFile: dir + "/again/REPORT.md", encoding: .utf8) == report)
        for name in figures {
            #expect(FileManager.default.contents(atPath: dir + "/again/figures/" + name)
                    == FileManager.default.contents(atPath: dir + "/run/figures/" + name))
        }
    }

    @Test func dryRunComputesAndWritesNothing() throws {
        let dir = try CLIPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = try #require(try ProbeCommand.parseAsRoot([
            "run", "--dataset", "ood", "--levels", "0", "9", "--limit", "2", "--model", CLIPaths.model,
            "--out", dir + "/out", "--assets", CLIPaths.assets, "--dry-run"]) as? Run)
        let plan = try StudyPlan.prepare(try command.request(), dryRun: true)
        let text = Run.dryRunText(plan)
        #expect(text.contains("ood level 0 (English): 2 items"))
        #expect(text.contains("ood level 9 (random bytes): 2 items"))
        #expect(text.contains("forwards: 16 (2 reference + 4 items + 4 control + 2 reference and 4 items of the control model)"))
        #expect(text.contains("control model: random-init:0"))
        #expect(text.contains("control arm: the same items under fixed:4"))
        #expect(text.contains("estimated ≤"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))

        // A shard's dry run: its own forwards, and every shard's items (they add up to the study's).
        let sharded = try #require(try ProbeCommand.parseAsRoot([
            "run", "--dataset", "ood", "--levels", "0", "9", "--limit", "2", "--model", CLIPaths.model,
            "--out", dir + "/out", "--assets", CLIPaths.assets, "--shard", "1/2", "--dry-run"]) as? Run)
        let shardPlan = try StudyPlan.prepare(try sharded.request(), dryRun: true)
        let shardText = Run.dryRunText(shardPlan)
        #expect(shardText.contains("forwards: 10 in shard 1/2 (4 reference + 6 of the study's 12 items"))
        #expect(shardText.contains("  shard 0: 6 items") && shardText.contains("  shard 1: 6 items"))
        #expect(shardPlan.finalPath.hasSuffix("/out/shards/shard-0001-of-0002.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func badOptions() throws {
        #expect(throws: ProbingError.unknownMeasure(name: "sparsiness", valid: SparsityMeasureNames.all)) {
            _ = try StudyOptions.parseMeasures(["hoyer", "sparsiness"])
        }
        #expect(try StudyOptions.parseMeasures(["all"]).count == SparsityMeasureNames.all.count)
        let command = try #require(try ProbeCommand.parseAsRoot(["run", "--limit", "many"]) as? Run)
        #expect(throws: ValidationError.self) { try command.request() }
        #expect(try #require(try ProbeCommand.parseAsRoot(["run", "--limit", "all"]) as? Run).request().limit == nil)
    }

    @Test func helpHasExamples() {
        for help in [Run.helpMessage(), Report.helpMessage()] {
            #expect(help.contains("Examples:"))
        }
        #expect(Run.helpMessage().contains("--save-activations"))
    }
}

import Metrics
enum SparsityMeasureNames {
    static let all = SparsityMeasure.allCases.map(\.rawValue)
}

@Suite struct SweepCommandTests {
    @Test func aSweepRunsEveryModelsStudyAndComparesThem() async throws {
        let dir = try CLIPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try CLIPaths.dataset(in: dir)
        let copy = dir + "/fixture-copy"
        try FileManager.default.copyItem(atPath: CLIPaths.model, toPath: copy)
        let arguments = [
            "run", "--dataset", "custom:\(data)", "--limit", "3", "--bootstrap", "200", "--null-shuffles", "10",
            "--hooks", "global.*.hook_resid_post", "--measures", "hoyer",
            "--sweep-model", CLIPaths.model, "--sweep-model", copy, "--out", dir + "/sweep", "--assets", CLIPaths.assets]
        var run = try #require(try ProbeCommand.parseAsRoot(arguments) as? AsyncParsableCommand)
        try await run.run()
        for name in ["tiny_default", "fixture-copy"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/sweep/\(name)/probe.h5"))
            #expect(FileManager.default.fileExists(atPath: dir + "/sweep/\(name)/REPORT.md"))
        }
        // Again: both finished studies are kept (same file, untouched), COMPARE.md is rewritten.
        let before = try FileManager.default.attributesOfItem(atPath: dir + "/sweep/tiny_default/probe.h5")[.modificationDate] as? Date
        var again = try #require(try ProbeCommand.parseAsRoot(arguments) as? AsyncParsableCommand)
        try await again.run()
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/sweep/tiny_default/probe.h5")[.modificationDate] as? Date == before)
        let compare = try String(contentsOfFile: dir + "/sweep/COMPARE.md", encoding: .utf8)
        #expect(compare.contains("| | **tiny\\_default** | **fixture-copy** |"))
        // Refused: a sweep without --out, with --model, or with one model.
        for bad in [arguments.filter { $0 != "--out" && $0 != dir + "/sweep" },
                    arguments + ["--model", CLIPaths.model],
                    { var a = arguments; a.removeSubrange((a.firstIndex(of: copy)! - 1)...a.firstIndex(of: copy)!); return a }()] {
            var command = try #require(try ProbeCommand.parseAsRoot(bad) as? AsyncParsableCommand)
            await #expect(throws: (any Error).self) { try await command.run() }
        }
    }
}
