import ArgumentParser
import Foundation
import Testing
@testable import ProbeCLI
import Probing

/// `probe slurm` without a cluster: the scripts it writes (parsed back by bash and by the run command's
/// own parser), its option checks, and `probe merge`'s argument handling. The real cluster run is
/// Tests/Slurm/run.sh in CI.
@Suite struct SlurmCommandTests {
    static func scripts(study: [String] = ["--dataset", "ood", "--limit", "6"]) throws -> SlurmScripts {
        let options = try StudyOptions.parse(study)
        return SlurmScripts(probe: "/opt/by telens/probe", workingDirectory: "/home/a b/work", outDirectory: "/scratch/it's/ood",
                            studies: [.init(arguments: options.arguments(out: "/scratch/it's/ood"), outDirectory: "/scratch/it's/ood")], shards: 4, cpusPerTask: 2, mergeCPUs: 2, memoryMB: 1500,
                            taskMinutes: 75, mergeMinutes: 75, jobName: "bytelens-ood", partition: "short", account: nil,
                            extraFlags: ["--qos=low"])
    }

    @Test func theArrayScriptRunsEveryShardWithTheSameStudyAndResumesARetriedTask() throws {
        let s = try Self.scripts()
        let array = s.arrayScript
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=1500M", "#SBATCH --time=1:15:00",
                     "#SBATCH --partition=short", "#SBATCH --qos=low", "#SBATCH --output=/scratch/it's/ood/slurm/task-%a.out"] {
            #expect(array.contains(line + "\n"), "missing \(line)")
        }
        #expect(!array.contains("--account"))
        #expect(array.contains("shard=$(( task % 4 ))\n"))
        #expect(array.contains("--shard \"${shard}/4\" --resume-if-partial"))
        // bash accepts both scripts, and the exec line's words are exactly the run command.
        for script in [array, s.mergeScript] { #expect(try Self.bashAccepts(script)) }
        let words = try Self.bashWords(of: array.split(separator: "\n").first { $0.hasPrefix("exec ") }!.dropFirst(5),
                                       environment: ["shard": "2"])
        #expect(words.prefix(2) == ["/opt/by telens/probe", "run"])
        #expect(words.suffix(3) == ["--shard", "2/4", "--resume-if-partial"])
        // Parsing the script's arguments back gives the same study request as the user's options.
        let parsed = try Run.parse(Array(words.dropFirst(2)))
        var expected = try StudyOptions.parse(["--dataset", "ood", "--limit", "6", "--out", "/scratch/it's/ood"]).request(commandLine: [])
        var got = try parsed.study.request(commandLine: [])
        expected.threads = 1; got.threads = 1  // --threads is written explicitly; results do not depend on it
        #expect(got == expected)
        #expect(parsed.shard == "2/4" && parsed.resumeIfPartial)
        #expect(s.mergeScript.contains("merge \"${shards[@]}\" --out '/scratch/it'\\''s/ood' --threads 2"))
        #expect(s.mergeScript.contains("shard-*-of-0004.h5"))
        #expect(!s.mergeScript.contains("compare"))
        // A sweep: one array over models × shards, task t → model t / 4, shard t % 4; the merge compares.
        var sweep = s
        sweep.studies = [.init(arguments: ["--dataset", "ood", "--model", "/m/a"], outDirectory: "/s/a"),
                         .init(arguments: ["--dataset", "ood", "--model", "/m/b"], outDirectory: "/s/b")]
        #expect(sweep.arrayScript.contains("#SBATCH --array=0-7\n"))
        #expect(sweep.arrayScript.contains("case $(( task / 4 )) in\n  0) exec '/opt/by telens/probe' 'run' '--dataset' 'ood' '--model' '/m/a'"))
        #expect(sweep.mergeScript.contains("merge \"${shards[@]}\" --out '/s/b'"))
        #expect(sweep.mergeScript.contains("compare '/s/a/probe.h5' '/s/b/probe.h5' --out '/scratch/it'\\''s/ood'"))
        for script in [sweep.arrayScript, sweep.mergeScript] { #expect(try Self.bashAccepts(script)) }
    }

    /// Whether `bash -n` parses `script` without a syntax error.
    static func bashAccepts(_ script: String) throws -> Bool {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = ["-n", "-c", script]
        try check.run()
        check.waitUntilExit()
        return check.terminationStatus == 0
    }

    /// The words bash makes of `text` (quotes and variables expanded), via `printf '%s\0'`.
    static func bashWords(of text: Substring, environment: [String: String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "printf '%s\\0' " + text]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func limitsAndUnitsOfTimeAndMemoryAreCheckedAndNamed() throws {
        #expect(try Slurm.minutes("90") == 90)
        #expect(try Slurm.minutes("1:30:00") == 90)
        #expect(try Slurm.minutes("1:30") == 2)  // MM:SS, rounded up
        #expect(try Slurm.minutes("2-00:00:00") == 2880)
        #expect(try Slurm.megabytes("8G") == 8192)
        #expect(try Slurm.megabytes("4000M") == 4000)
        #expect(try Slurm.megabytes("4000") == 4000)
        #expect(try Slurm.megabytes("2048K") == 2)
        for bad in ["", "x", "-5", "1:2:3:4", "999999999", "400-00:00:00", "0"] {
            #expect(throws: SlurmError.self) { try Slurm.minutes(bad) }
        }
        for bad in ["", "G", "8X", "-1G", "99999999999T", "0"] {
            #expect(throws: SlurmError.self) { try Slurm.megabytes(bad) }
        }
        #expect(throws: SlurmError.self) { try SlurmScripts.checkDirective("short\n#SBATCH --uid=0", option: "--partition") }
        #expect(throws: (any Error).self) { try Slurm.parse(["--dataset", "ood", "--shards", "0"]) }
        #expect(throws: (any Error).self) { try Slurm.parse(["--dataset", "ood", "--shards", "20000"]) }
        #expect(throws: (any Error).self) { try Slurm.parse(["--dataset", "ood", "--shards", "2", "--wait"]) }
    }

    /// What a resubmitted array task does: `--resume-if-partial` resumes its shard's partial file, or starts.
    @Test func resumeIfPartialResumesAnUnfinishedShardAndOtherwiseStarts() throws {
        let dir = try CLIPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try CLIPaths.dataset(in: dir)
        let arguments = ["--dataset", "custom:\(data)", "--model", CLIPaths.model, "--assets", CLIPaths.assets,
                         "--out", dir + "/study", "--bootstrap", "100", "--shard", "1/3", "--resume-if-partial"]
        #expect(try Run.parse(arguments).request().resume == false)
        // Stop the shard after its first items: its partial file and journal stay.
        final class Stop: @unchecked Sendable { var items = 0 }
        let stop = Stop()
        var request = try Run.parse(arguments).request()
        request.commandLine = ["probe", "run"]
        #expect(throws: (any Error).self) {
            try StudyRunner(plan: try StudyPlan.prepare(request), progress: { if $0.phase == .items { stop.items = $0.done } },
                            shouldStop: { stop.items >= 1 }).run()
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/study/shards/shard-0001-of-0003.h5.partial"))
        #expect(try Run.parse(arguments).request().resume == true)
        #expect(try Run.parse(arguments.filter { $0 != "--resume-if-partial" }).request().resume == false)
    }

    @Test func slurmWritesBothScriptsForAValidStudyAndRefusesTooManyShards() async throws {
        let dir = try CLIPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try CLIPaths.dataset(in: dir)
        let study = ["--dataset", "custom:\(data)", "--model", CLIPaths.model, "--assets", CLIPaths.assets, "--out", dir + "/study"]
        var command = try Slurm.parse(study + ["--shards", "3", "--probe-binary", "/usr/local/bin/probe"])
        try await command.run()
        let array = try String(contentsOfFile: dir + "/study/slurm/array.sbatch", encoding: .utf8)
        #expect(array.contains("#SBATCH --array=0-2"))
        #expect(array.contains("'/usr/local/bin/probe' 'run' '--dataset' 'custom:\(data)'"))
        #expect(FileManager.default.fileExists(atPath: dir + "/study/slurm/merge.sbatch"))
        // 3 base items: a fourth shard would be empty.
        var tooMany = try Slurm.parse(study + ["--shards", "4"])
        await #expect(throws: ProbingError.self) { try await tooMany.run() }
        // merge needs --out unless the shards sit in one shards/ folder.
        #expect(throws: (any Error).self) { try Merge.parse(["a/shard-0000-of-0002.h5", "b/shard-0001-of-0002.h5"]) }
        #expect(throws: Never.self) { try Merge.parse(["x/shards/shard-0000-of-0002.h5", "x/shards/shard-0001-of-0002.h5"]) }
    }
}

/// The built `probe` binary's help: on stdout, exit 0, no "Error:" (ArgumentParser's help command reaches
/// `launch()` as a failing run; it must still print as help).
@Suite struct HelpOutputTests {
    @Test func helpGoesToStandardOutputWithoutAnErrorPrefix() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
            .appendingPathComponent("probe")
        // The test bundle sits next to the products of the same build (`.build/<configuration>/`).
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no probe binary at \(binary.path)")
        for arguments in [["--help"], ["help", "merge"], ["slurm", "--help"]] {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(arguments)")
            #expect(stdout.hasPrefix("OVERVIEW:"), "\(arguments): \(stdout.prefix(60))")
            #expect(!stderr.contains("Error"), "\(arguments): \(stderr.prefix(60))")
        }
    }
}
