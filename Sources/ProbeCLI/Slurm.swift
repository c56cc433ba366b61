import ArgumentParser
import Foundation
import HDF5Store
import Probing

/// `probe slurm`: writes (and with `--submit` submits) a Slurm job array for a study plus the merge job.
struct Slurm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write (and submit) a Slurm job array that runs a study in shards, plus the job that merges them.",
        discussion: """
        Takes the same study options as `probe run`, validates the study (nothing is computed), and \
        writes <out>/slurm/array.sbatch (task i: `probe run … --shard i/N --resume-if-partial` into \
        <out>/shards/) and <out>/slurm/merge.sbatch (`probe merge` into <out>/: probe.h5, figures, \
        REPORT.md, identical in values to a one-process run). --submit runs `sbatch` on both, the merge \
        with --dependency=afterany on the array, so it also runs after a failed task and names the \
        shard to redo (`sbatch --array=I <out>/slurm/array.sbatch`, which resumes it, then \
        `sbatch <out>/slurm/merge.sbatch`). Logs: <out>/slurm/task-<t>.out and merge.out. With --sweep-model A --sweep-model B the array runs every model's shards (task t: model t / N, shard t mod N) into <out>/<model folder name>/, and the merge job merges each and writes <out>/COMPARE.md (`probe compare`).

        --cpus-per-task defaults to --threads, --mem to the study's memory estimate (at least 1 GB), \
        --time to twice the largest shard's estimated time plus 10 minutes. The probe binary must be \
        reachable at the same path on the compute nodes (--probe-binary otherwise).

        Examples:
          probe slurm --dataset ood --shards 4 --submit
          probe slurm --dataset noise --limit all --shards 16 --partition short --account lab42 --submit
          probe slurm --dataset ood --model ~/models/blt-1b --shards 8 --mem 16G --time 2:00:00 --sbatch-flag=--qos=normal
          probe slurm --dataset ood --sweep-model ~/models/blt-1b --sweep-model ~/models/blt-7b --shards 8 --out runs/sweep --submit
        """)

    @OptionGroup var study: StudyOptions

    @Option(name: .long, help: "Array tasks (shards); at most the study's base items.")
    var shards: Int

    @Option(name: .customLong("cpus-per-task"), help: "CPUs per task (default: --threads).")
    var cpusPerTask: Int?

    @Option(name: .customLong("merge-cpus"), help: "CPUs of the merge job (default: --cpus-per-task); its statistics use every one.")
    var mergeCPUs: Int?

    @Option(name: .long, help: "Memory per task, e.g. 8G or 4000M (default: the study's estimate, at least 1G).")
    var mem: String?

    @Option(name: .long, help: "Time limit per task and for the merge, H:MM:SS or minutes (default: from the estimate).")
    var time: String?

    @Option(name: .long, help: "Slurm partition.")
    var partition: String?

    @Option(name: .long, help: "Slurm account.")
    var account: String?

    @Option(name: .customLong("sbatch-flag"), help: "Extra #SBATCH flag for both jobs (repeatable), e.g. --sbatch-flag=--qos=short.")
    var sbatchFlags: [String] = []

    @Option(name: .customLong("probe-binary"), help: "The probe binary the jobs run (default: this one).")
    var probeBinary: String?

    @Option(name: .customLong("sweep-model"), help: "A sweep: run the same study on each of these checkpoints (repeat; needs --out, not --model); the merge job also writes <out>/COMPARE.md side by side.")
    var sweepModels: [String] = []

    @Flag(name: .long, help: "Submit both jobs with sbatch (otherwise only write the scripts).")
    var submit = false

    @Flag(name: .long, help: "With --submit: wait until the merge job has finished (sbatch --wait) and exit with its status.")
    var wait = false

    /// Limits on the numbers a user can pass (an error names the option, value and limit).
    static let maxMinutes = 60 * 24 * 365

    func validate() throws {
        guard (1...ProbeRunShard.maxCount).contains(shards) else {
            throw ValidationError("--shards must be in 1...\(ProbeRunShard.maxCount), got \(shards)")
        }
        if let c = cpusPerTask, !(1...1024).contains(c) { throw ValidationError("--cpus-per-task must be in 1...1024, got \(c)") }
        if let c = mergeCPUs, !(1...1024).contains(c) { throw ValidationError("--merge-cpus must be in 1...1024, got \(c)") }
        if wait && !submit { throw ValidationError("--wait needs --submit") }
        if !sweepModels.isEmpty {
            guard study.model == nil else { throw ValidationError("use either --model (one study) or --sweep-model (a sweep), not both") }
            guard study.out != nil else { throw ValidationError("a sweep needs --out DIR (each model's study goes to DIR/<model folder name>/)") }
            guard sweepModels.count >= 2, sweepModels.count <= 64 else {
                throw ValidationError("--sweep-model takes 2 to 64 checkpoints, got \(sweepModels.count)")
            }
            let names = sweepModels.map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent }
            guard Set(names).count == names.count else {
                throw ValidationError("--sweep-model folders need distinct names (each model's study goes to <out>/<name>/), got \(names.joined(separator: ", "))")
            }
            guard shards * sweepModels.count <= ProbeRunShard.maxCount else {
                throw ValidationError("--shards × models must be ≤ \(ProbeRunShard.maxCount), got \(shards * sweepModels.count)")
            }
        }
    }

    func run() async throws {
        // Validate every study (each model of a sweep) and count its shards' work (nothing is created: dry run).
        var plans: [StudyPlan] = []
        var arguments: [[String]] = []
        let sweepRoot = study.out.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let cpus = cpusPerTask ?? study.threads
        for model in sweepModels.isEmpty ? [nil] : sweepModels.map(Optional.some) {
            var options = study
            // Each task uses exactly its allocation (--threads does not change results).
            options.threads = min(cpus, 256)
            if let model {
                options.model = URL(fileURLWithPath: model).standardizedFileURL.path
                options.out = sweepRoot! + "/" + URL(fileURLWithPath: model).standardizedFileURL.lastPathComponent
            }
            var request = try options.request()
            request.shard = try StudyShard(index: 0, count: shards)
            let plan = try StudyPlan.prepare(request, dryRun: true)
            plans.append(plan)
            arguments.append(options.arguments(out: plan.outDirectory.path))
        }
        let plan = plans[0]
        let perShard = plans.flatMap { DryRunEstimate.shards(of: $0, count: shards) }
        let largest = perShard.map(\.flops).max() ?? 0
        let largestSeconds = DryRunEstimate.seconds(flops: largest, threads: cpus)
        let estimatedMinutes = Int((largestSeconds / 60).rounded(.up))
        let taskMinutes = try time.map { try Self.minutes($0) } ?? (2 * estimatedMinutes + 10)
        let estimatedMemory = plans.map { DryRunEstimate(plan: $0).memoryBytes }.max() ?? 0
        let memoryMB = try mem.map { try Self.megabytes($0) } ?? max(1024, (estimatedMemory + 999_999) / 1_000_000)
        for (option, value) in [("--partition", partition), ("--account", account)] {
            if let value { try SlurmScripts.checkDirective(value, option: option) }
        }
        for flag in sbatchFlags {
            try SlurmScripts.checkDirective(flag, option: "--sbatch-flag")
            guard flag.hasPrefix("-") else { throw SlurmError.invalid(option: "--sbatch-flag", detail: "expected a flag such as --qos=short, got '\(flag)'") }
        }
        let out = sweepModels.isEmpty ? plan.outDirectory.path : sweepRoot!
        let scripts = SlurmScripts(
            probe: try probeBinary.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Self.currentExecutable(),
            workingDirectory: FileManager.default.currentDirectoryPath, outDirectory: out,
            studies: zip(plans, arguments).map { SlurmScripts.Study(arguments: $1, outDirectory: $0.outDirectory.path) }, shards: shards, cpusPerTask: cpus, mergeCPUs: mergeCPUs ?? cpus, memoryMB: memoryMB,
            taskMinutes: taskMinutes, mergeMinutes: max(15, taskMinutes), jobName: "bytelens-" + StudyPlan.slug(plan.request.dataset)
                .filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" },
            partition: partition, account: account, extraFlags: sbatchFlags)
        try FileManager.default.createDirectory(atPath: scripts.slurmDirectory, withIntermediateDirectories: true)
        try SafeFile.atomicWrite(Array(scripts.arrayScript.utf8), to: scripts.arrayScriptPath)
        try SafeFile.atomicWrite(Array(scripts.mergeScript.utf8), to: scripts.mergeScriptPath)
        print("wrote \(scripts.arrayScriptPath) (\(plans.count * shards) tasks: " + perShard.map { "\($0.items)" }.joined(separator: "/")
              + " items, ~\(Run.clock(largestSeconds)) each at most; "
              + "--cpus-per-task=\(cpus) --mem=\(memoryMB)M --time=\(SlurmScripts.time(minutes: taskMinutes)))")
        print("wrote \(scripts.mergeScriptPath)")
        guard submit else {
            print("submit with: jid=$(sbatch --parsable \(scripts.arrayScriptPath)) && sbatch --dependency=afterany:${jid%%;*} \(scripts.mergeScriptPath)")
            return
        }
        let arrayJob = try Self.sbatch(["--parsable", scripts.arrayScriptPath])
        print("submitted array job \(arrayJob) (\(plans.count * shards) tasks)")
        let mergeArguments = ["--parsable", "--dependency=afterany:\(arrayJob)"] + (wait ? ["--wait"] : []) + [scripts.mergeScriptPath]
        if wait { print("waiting for the merge job (after the array)…") }
        let mergeJob = try Self.sbatch(mergeArguments)
        print("submitted merge job \(mergeJob); results: " + (sweepModels.isEmpty ? "\(out)/probe.h5 and \(out)/REPORT.md"
            : "<model>/probe.h5 and REPORT.md per model under \(out)/, and \(out)/COMPARE.md"))
    }

    /// Runs `sbatch ARGS`; returns the job id of `--parsable` output (`ID` or `ID;cluster`).
    static func sbatch(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch"] + arguments
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        ChildProcessSafety.prepareForSpawn()
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let command = "sbatch " + arguments.joined(separator: " ")
        guard process.terminationStatus == 0 else {
            throw SlurmError.sbatchFailed(command: command, status: process.terminationStatus, output: errorText + output)
        }
        let id = output.split(whereSeparator: \.isNewline).first.map { String($0.split(separator: ";")[0]) } ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SlurmError.sbatchFailed(command: command, status: 0, output: "no job id in its output: \(output)")
        }
        return id
    }

    /// The running binary's absolute path (`/proc/self/exe`, else argv[0] made absolute).
    static func currentExecutable() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// `90`, `1:30:00`, `2-00:00:00` → minutes (rounded up), capped at a year.
    static func minutes(_ text: String) throws -> Int {
        let bad = SlurmError.invalid(option: "--time", detail: "expected minutes, H:MM:SS or D-HH:MM:SS (at most \(maxMinutes) minutes), got '\(text)'")
        var days = 0, clock = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let d = Int(text[..<dash]), d >= 0, d <= 366 else { throw bad }
            days = d
            clock = text[text.index(after: dash)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 && $0! < 1_000_000 }) else { throw bad }
        let v = parts.map { $0! }
        let seconds: Int
        switch v.count {
        case 1: seconds = (days > 0 ? v[0] * 3600 : v[0] * 60)
        case 2: seconds = days > 0 ? v[0] * 3600 + v[1] * 60 : v[0] * 60 + v[1]
        default: seconds = v[0] * 3600 + v[1] * 60 + v[2]
        }
        let total = (days * 86_400 + seconds + 59) / 60
        guard total >= 1, total <= maxMinutes else { throw bad }
        return total
    }

    /// `8G`, `4000M`, `4000` (MB) → MB, capped at 16 TB.
    static func megabytes(_ text: String) throws -> Int {
        let bad = SlurmError.invalid(option: "--mem", detail: "expected a size such as 8G, 4000M or 4000 (MB), at most 16T, got '\(text)'")
        let unit = text.last.map { $0.isLetter ? String($0).uppercased() : "" } ?? ""
        let digits = unit.isEmpty ? Substring(text) : text.dropLast()
        guard let n = Int(digits), n >= 1 else { throw bad }
        let factor: Int
        switch unit {
        case "", "M": factor = 1
        case "K":
            guard n <= (16 << 20) * 1024 else { throw bad }
            return max(1, (n + 1023) / 1024)
        case "G": factor = 1024
        case "T": factor = 1024 * 1024
        default: throw bad
        }
        let (mb, overflow) = n.multipliedReportingOverflow(by: factor)
        guard !overflow, mb <= 16 << 20 else { throw bad }
        return mb
    }
}
