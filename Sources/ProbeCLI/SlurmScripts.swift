import Foundation

/// The two `sbatch` scripts of a sharded study: an array whose task `i` runs `probe run … --shard i/N`,
/// and a merge job that runs `probe merge` on the shard files. Pure text, so it is tested without Slurm.
///
/// The array script passes `--shard $SLURM_ARRAY_TASK_ID/N` explicitly (not the environment default):
/// resubmitting one failed task with `sbatch --array=2 array.sbatch` then still runs shard 2 of N, and
/// `--resume-if-partial` continues its partial file. The merge job depends on the array with
/// `afterany` (not `afterok`), so it runs even when a task failed and says which shard is missing or
/// unfinished and how to resume it, instead of waiting forever on a dependency that can never be met.
struct SlurmScripts: Equatable {
    /// Absolute path of the `probe` binary on the compute nodes.
    var probe: String
    /// Folder the jobs `cd` into (relative paths in the study options resolve against it).
    var workingDirectory: String
    /// The study's output folder (shards go to `<out>/shards/`, the merged run to `<out>/`).
    var outDirectory: String
    /// `probe run` arguments of the study (``StudyOptions/arguments(out:)``).
    var studyArguments: [String]
    var shards: Int
    var cpusPerTask: Int
    /// `--mem` in MB, per task.
    var memoryMB: Int
    /// `--time` in minutes, per array task and for the merge job.
    var taskMinutes: Int
    var mergeMinutes: Int
    var jobName: String
    var partition: String?
    var account: String?
    /// Extra `#SBATCH` flags for both jobs, e.g. `--qos=short`.
    var extraFlags: [String]

    /// Where the scripts and the jobs' logs go.
    var slurmDirectory: String { outDirectory + "/slurm" }
    var arrayScriptPath: String { slurmDirectory + "/array.sbatch" }
    var mergeScriptPath: String { slurmDirectory + "/merge.sbatch" }

    /// Single-quoted for bash (a `'` becomes `'\''`).
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// `H:MM:00` for `--time`.
    static func time(minutes: Int) -> String { "\(minutes / 60):\(String(format: "%02d", minutes % 60)):00" }

    /// Header lines shared by both jobs.
    func header(name: String, output: String, minutes: Int) -> [String] {
        var lines = ["#!/bin/bash",
                     "#SBATCH --job-name=\(name)",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)",
                     "#SBATCH --mem=\(memoryMB)M",
                     "#SBATCH --time=\(Self.time(minutes: minutes))",
                     "#SBATCH --output=\(output)"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let account { lines.append("#SBATCH --account=\(account)") }
        lines += extraFlags.map { "#SBATCH \($0)" }
        return lines
    }

    var arrayScript: String {
        var lines = header(name: jobName, output: slurmDirectory + "/shard-%a.out", minutes: taskMinutes)
        lines.insert("#SBATCH --array=0-\(shards - 1)", at: 2)
        lines += ["# Written by `probe slurm`: task i runs shard i of \(shards) of the study into \(outDirectory)/shards/.",
                  "# Resubmit one failed task with: sbatch --array=I \(arrayScriptPath)  (it resumes its partial file).",
                  "set -euo pipefail",
                  "cd \(Self.quote(workingDirectory))",
                  "exec " + ([probe, "run"] + studyArguments).map(Self.quote).joined(separator: " ")
                    + " --shard \"${SLURM_ARRAY_TASK_ID}/\(shards)\" --resume-if-partial",
                  ""]
        return lines.joined(separator: "\n")
    }

    var mergeScript: String {
        var lines = header(name: jobName + "-merge", output: slurmDirectory + "/merge.out", minutes: mergeMinutes)
        let pattern = Self.quote(outDirectory + "/shards") + "/shard-*-of-" + shardSuffix + ".h5"
        lines += ["# Written by `probe slurm`: runs after every array task (afterany) and merges the shards;",
                  "# a missing or unfinished shard is named and the merge refuses.",
                  "set -euo pipefail",
                  "cd \(Self.quote(workingDirectory))",
                  "shopt -s nullglob",
                  "shards=(\(pattern))",
                  "exec \(Self.quote(probe)) merge \"${shards[@]}\" --out \(Self.quote(outDirectory)) --threads \(cpusPerTask)",
                  ""]
        return lines.joined(separator: "\n")
    }

    /// `0004` for 4 shards (the file-name suffix of ``Probing/StudyShard/fileName``).
    var shardSuffix: String {
        let digits = String(shards)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Refuses values that would break out of an `#SBATCH` line (newlines, control characters).
    static func checkDirective(_ value: String, option: String) throws {
        guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw SlurmError.invalid(option: option, detail: "must be a non-empty single line without control characters, got \(value.debugDescription)")
        }
    }
}

/// Problems of `probe slurm`.
enum SlurmError: Error, CustomStringConvertible {
    case invalid(option: String, detail: String)
    case sbatchFailed(command: String, status: Int32, output: String)

    var description: String {
        switch self {
        case let .invalid(option, detail): return "invalid \(option): \(detail)"
        case let .sbatchFailed(command, status, output):
            return "`\(command)` failed (exit status \(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }
}
