import Foundation
import Probing

/// The two `sbatch` scripts of a sharded study: an array whose task `i` runs `probe run … --shard i/N`,
/// and a merge job that runs `probe merge` on the shard files. Pure text, so it is tested without Slurm.
///
/// The array script passes `--shard $SLURM_ARRAY_TASK_ID/N` explicitly (not the environment default):
/// resubmitting one failed task with `sbatch --array=2 array.sbatch` then still runs shard 2 of N, and
/// `--resume-if-partial` continues its partial file. The merge job depends on the array with
/// `afterany` (not `afterok`), so it runs even when a task failed and says which shard is missing or
/// unfinished and how to resume it, instead of waiting forever on a dependency that can never be met.
///
/// A **sweep** (several models, the same study) is one array of `models × shards` tasks: task `t` runs
/// shard `t mod N` of model `t / N` into that model's folder; the merge job merges every model and then
/// writes the side-by-side `COMPARE.md` (`probe compare`) into the sweep folder.
struct SlurmScripts: Equatable {
    /// One study of the array (one model of a sweep).
    struct Study: Equatable {
        /// `probe run` arguments (``StudyOptions/arguments(out:)``), `--out` included.
        var arguments: [String]
        /// Its output folder (shards in `<out>/shards/`, merged run in `<out>/`).
        var outDirectory: String
    }

    /// Absolute path of the `probe` binary on the compute nodes.
    var probe: String
    /// Folder the jobs `cd` into (relative paths in the study options resolve against it).
    var workingDirectory: String
    /// The study's output folder, or the sweep's (scripts and logs go to `<out>/slurm/`).
    var outDirectory: String
    /// One study, or one per model of a sweep.
    var studies: [Study]
    var shards: Int
    var cpusPerTask: Int
    /// CPUs of the merge job (its statistics run on that many threads).
    var mergeCPUs: Int
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
    func header(name: String, output: String, minutes: Int, cpus: Int) -> [String] {
        var lines = ["#!/bin/bash",
                     "#SBATCH --job-name=\(name)",
                     "#SBATCH --cpus-per-task=\(cpus)",
                     "#SBATCH --mem=\(memoryMB)M",
                     "#SBATCH --time=\(Self.time(minutes: minutes))",
                     "#SBATCH --output=\(output)"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let account { lines.append("#SBATCH --account=\(account)") }
        lines += extraFlags.map { "#SBATCH \($0)" }
        return lines
    }

    var arrayScript: String {
        var lines = header(name: jobName, output: slurmDirectory + "/task-%a.out", minutes: taskMinutes, cpus: cpusPerTask)
        lines.insert("#SBATCH --array=0-\(studies.count * shards - 1)", at: 2)
        lines += ["# Written by `probe slurm`: task t runs shard t mod \(shards) of study t / \(shards) (\(studies.count) "
                    + (studies.count == 1 ? "study" : "models") + ") into <study out>/shards/.",
                  "# Resubmit one failed task with: sbatch --array=T \(arrayScriptPath)  (it resumes its partial file).",
                  "set -euo pipefail",
                  "cd \(Self.quote(workingDirectory))",
                  "task=${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array}",
                  "shard=$(( task % \(shards) ))"]
        func run(_ study: Study) -> String {
            "exec " + ([probe, "run"] + study.arguments).map(Self.quote).joined(separator: " ")
                + " --shard \"${shard}/\(shards)\" --resume-if-partial"
        }
        if studies.count == 1 {
            lines.append(run(studies[0]))
        } else {
            lines.append("case $(( task / \(shards) )) in")
            for (m, study) in studies.enumerated() { lines.append("  \(m)) " + run(study) + " ;;") }
            lines += ["esac", "echo \"task $task is outside the array 0-\(studies.count * shards - 1)\" >&2", "exit 2"]
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    var mergeScript: String {
        var lines = header(name: jobName + "-merge", output: slurmDirectory + "/merge.out", minutes: mergeMinutes, cpus: mergeCPUs)
        lines += ["# Written by `probe slurm`: runs after every array task (afterany) and merges the shards of each study;",
                  "# a missing or unfinished shard is named and that merge refuses.",
                  "set -uo pipefail",
                  "cd \(Self.quote(workingDirectory))",
                  "shopt -s nullglob",
                  "status=0"]
        for study in studies {
            let pattern = Self.quote(study.outDirectory + "/shards") + "/" + StudyShard.fileNamePattern(count: shards)
            lines += ["shards=(\(pattern))",
                      "\(Self.quote(probe)) merge \"${shards[@]}\" --out \(Self.quote(study.outDirectory)) --threads \(mergeCPUs) || status=1"]
        }
        if studies.count > 1 {
            lines.append("[ $status = 0 ] && { \(Self.quote(probe)) compare "
                         + studies.map { Self.quote($0.outDirectory + "/probe.h5") }.joined(separator: " ")
                         + " --out \(Self.quote(outDirectory)) || status=1; }")
        }
        lines += ["exit $status", ""]
        return lines.joined(separator: "\n")
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
