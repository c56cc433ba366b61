import ArgumentParser
import BLTModel
import Foundation
import HDF5Store
import Metrics
import Probing
import Statistics
import Parallelism
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `probe run` (the default subcommand): the whole study in one command.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole study on a dataset: HDF5, figures and REPORT.md.",
        discussion: """
        For every item (ladder × level × base item) one forward pass records the entropy model's \
        per-byte entropy and patches, and sparsity measures (each raw, without the reference set's \
        outlier dimensions, and on z-scores) at every selected hook: per byte for local hooks, per \
        patch for global hooks, and once per item at the probe position (the final byte / its patch; \
        with --probe prompt-end the last byte before the answer of a task item). \
        Rows are streamed to <out>/probe.h5.partial, the statistics (a)-(d) are computed from the \
        stored values, the file is renamed to <out>/probe.h5, and the figures and REPORT.md are built \
        from that file alone (as `probe report` does). Ctrl-C stops after the current item and keeps \
        the partial file with every finished item; --resume continues it (also after kill -9 or a full \
        disk: every finished item is in the checksummed journal <out>/probe.h5.journal).

        Output: without --out, the canonical study (a built-in ladder on the shipped model with no \
        study-changing option: --model, --levels, --limit, --seed, --hooks, --measures, \
        --save-activations, --patching, --probe, --reference-items, --control-patch-size, \
        --no-patch-control, --model-source, --control-model, --null-shuffles, --bootstrap, --compute) writes \
        Reports/<dataset>/ (with --match M: Reports/<dataset>-matched-M/), which holds the committed reports; any other run writes \
        runs/<dataset>-<spec hash>/ (gitignored). A finished run in the output folder is replaced only \
        by the same study, or with --force.

        Examples:
          probe --dataset ood                       (default model, Reports/ood/)
          probe --dataset ood --limit 8             (runs/ood-<hash>/)
          probe run --dataset noise --levels 0 2 4 6 --limit 50
          probe run --dataset custom:my_ladder.jsonl --model ~/models/blt-1b
          probe run --dataset ood --hooks 'global.*' --measures hoyer gini
          probe run --dataset tasks --patching fixed:4 --out /tmp/tasks-fixed
          probe run --dataset tasks-dyck --probe prompt-end   (state at the end of the prompt)
          probe run --dataset ood --save-activations 'global.blocks.3.*post'
          probe run --dataset ood --dry-run         (items, passes, file size)
          probe run --dataset ood --resume          (continue after Ctrl-C)
          probe run --dataset ood --control-model random-init:7   (another untrained control)
          probe run --dataset ood --control-model checkpoint:stages/step-00281   (an early training stage as the control)
          probe run --dataset ood --model-source random-init:0 --control-model none   (study an untrained BLT alone)
          probe run --dataset ood --match patches   (every level of an item cut to the same patch count)
          probe run --protocol sparsity-paper --out Reports/sparsity-paper   (Jin et al.'s replication on bytes)
          probe run --dataset ood --sweep-model stages/step-00281 --sweep-model stages/step-05614 --out runs/stages
        """)

    @OptionGroup var study: StudyOptions

    @Flag(name: .long, help: "Replace a finished run of another study in the output folder.")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Print items, forward passes and the estimated HDF5 size, then stop.")
    var dryRun = false

    @Flag(name: .long, help: "Continue <out>/probe.h5.partial from its last complete item.")
    var resume = false

    @Option(name: .long, help: ArgumentHelp("Run only shard I of N (zero-based) into <out>/shards/; `probe merge` joins the shards. Default inside a Slurm array: SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT; 'none' turns that off.", valueName: "I/N|none"))
    var shard: String?

    @Flag(name: .customLong("resume-if-partial"), help: "Resume when <out>'s partial file exists, else start (for scheduler retries).")
    var resumeIfPartial = false

    /// The request of the study options plus this run's shard and resume state.
    func request() throws -> StudyRequest {
        var request = try study.request()
        request.resume = resume
        request.shard = try StudyShard.resolve(option: shard)
        if resumeIfPartial && !resume {
            // Resume when the plan finds an unfinished run at its output path (default --out, shard name),
            // start when it finds none; a partial file of another study is still an error.
            var probe = request
            probe.resume = true
            do {
                _ = try StudyPlan.prepare(probe, dryRun: true)
                request.resume = true
            } catch ProbingError.nothingToResume {
                request.resume = false
            }
        }
        return request
    }

    @Option(name: .customLong("sweep-model"), help: "A sweep: run the same study on each of these checkpoints in turn (repeat; needs --out, not --model) into <out>/<model folder name>/, then write <out>/COMPARE.md with every question side by side (`probe compare`).")
    var sweepModels: [String] = []

    func run() async throws {
        if !sweepModels.isEmpty {
            try runSweep()
            return
        }
        try runStudy(try request())
    }

    /// Every sweep model's study in turn, then the side-by-side comparison of all of them.
    func runSweep() throws {
        guard study.model == nil else { throw ValidationError("use either --model (one study) or --sweep-model (a sweep), not both") }
        guard let out = study.out else { throw ValidationError("a sweep needs --out DIR (each model's study goes to DIR/<model folder name>/)") }
        guard sweepModels.count >= 2, sweepModels.count <= 64 else {
            throw ValidationError("--sweep-model takes 2 to 64 checkpoints, got \(sweepModels.count)")
        }
        guard shard == nil else { throw ValidationError("a sweep runs whole studies; use `probe slurm --sweep-model` to shard them") }
        let names = sweepModels.map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent }
        guard Set(names).count == names.count else {
            throw ValidationError("--sweep-model folders must have distinct names (each study goes to <out>/<name>/): \(names.joined(separator: ", "))")
        }
        var paths: [String] = []
        for (model, name) in zip(sweepModels, names) {
            var request = try request()
            request.modelDirectory = model
            // Paths as the user wrote them (COMPARE.md names the files; a relative --out keeps them relative).
            request.outDirectory = (out.hasSuffix("/") ? String(out.dropLast()) : out) + "/" + name
            FileHandle.standardError.write(Data("probe: sweep model \(paths.count + 1) of \(sweepModels.count): \(model)\n".utf8))
            // A finished run of exactly this study is kept (studies are deterministic: re-running gives the
            // same datasets), so an interrupted sweep continues where it stopped.
            if !dryRun, !force, try RunOutput.checkReplaceable(try StudyPlan.prepare(request, dryRun: true), force: false) == .sameStudy {
                FileHandle.standardError.write(Data("probe: \(request.outDirectory!)/probe.h5 is a finished run of this study; kept\n".utf8))
            } else {
                try runStudy(request)
            }
            paths.append(request.outDirectory! + "/" + StudyPlan.fileName)
        }
        guard !dryRun else { return }
        let comparison = try ModelComparison(paths: paths)
        defer { comparison.close() }
        print("wrote \(try comparison.write(to: out)) (\(paths.count) models)")
    }

    func runStudy(_ request: StudyRequest) throws {
        if !dryRun { InterruptSignal.install() }
        let plan = try StudyPlan.prepare(request, dryRun: dryRun)
        if dryRun {
            print(Self.dryRunText(plan))
            return
        }
        if let shard = plan.request.shard {
            FileHandle.standardError.write(Data("probe: shard \(shard) of the study: \(plan.studyItemIndices.count) of \(plan.runItems.count) items\n".utf8))
        }
        let existing = try RunOutput.checkReplaceable(plan, force: force)
        let note: String
        switch existing {
        case .nothing: note = ""
        case .sameStudy: note = " (replacing the finished run of the same study)"
        case .otherStudy: note = " (--force: replacing a finished run of another study)"
        }
        FileHandle.standardError.write(Data("probe: writing \(plan.outDirectory.path)/\(note)\n".utf8))
        InterruptSignal.install()
        let display = ProgressDisplay(interactive: isatty(STDERR_FILENO) != 0)
        let runner = StudyRunner(plan: plan, progress: { display.update($0) })
        do {
            let outcome = try runner.run()
            display.finish()
            print(Self.summary(outcome))
        } catch let error as ProbeRunError {
            display.finish()
            if case .interrupted = error {
                FileHandle.standardError.write(Data("probe: \(error)\n".utf8))
                throw ExitCode(130)
            }
            throw error
        } catch let error as ProbingError where error.isInterruption {
            display.finish()
            FileHandle.standardError.write(Data("probe: \(error)\n".utf8))
            throw ExitCode(130)
        } catch {
            display.finish()
            throw error
        }
    }

    static func dryRunText(_ plan: StudyPlan) -> String {
        var lines = ["dry run: nothing is computed or written", ""]
        lines.append("model:    \(plan.modelDirectory.path)")
        lines.append("dataset:  \(plan.request.dataset) -> \(plan.items.count) items")
        for (ladder, levels) in zip(plan.ladders, plan.selectedLevels) {
            for level in levels {
                let items = plan.items.filter { $0.ladder == ladder.name && $0.level.index == level.index }
                let bytes = items.reduce(0) { $0 + $1.byteLength }
                let first = items.first.map { "first: \($0.baseItemID) \(String($0.text.prefix(32)).debugDescription)" } ?? ""
                lines.append("  \(ladder.name) level \(level.index) (\(level.name)): \(items.count) items, \(bytes) bytes  \(first)")
            }
        }
        let estimate = DryRunEstimate(plan: plan)
        lines.append("hooks:    \(plan.measuredHooks.count) measured (\(plan.layout.byteLevelHooks.count) per byte, \(plan.layout.patchLevelHooks.count) per patch), "
                     + "\(plan.activationHooks.count) with raw activations")
        lines.append("measures: \(plan.layout.measureColumns.count) columns (\(plan.measures.map(\.rawValue).joined(separator: ", ")) × raw/no_outliers/z)")
        lines.append("patching: \(plan.patchingSpec)" + (plan.controlPatchingSpec.map { "; control arm: the same items under \($0)" } ?? "; no control arm"))
        lines.append("control model: " + (plan.modelControl.map { "\($0) (the same items again through " + ($0.isUntrained ? "an untrained BLT of the same config" : "that checkpoint") + ", cut into the trained patches)" } ?? "none"))
        lines.append("primary:  \(plan.primaryHooks.joined(separator: ", ")) (pre-registered, one per component)")
        if let shard = plan.request.shard {
            let references = (plan.modelControl == nil ? 1 : 2) * plan.referenceItems.count
            lines.append("forwards: \(estimate.forwards) in shard \(shard) (\(references) reference + \(plan.studyItemIndices.count) of the study's "
                         + "\(plan.runItems.count) items, every arm of its base items), \(estimate.bytes) input bytes")
        } else {
            lines.append("forwards: \(estimate.forwards) (\(plan.referenceItems.count) reference + \(plan.items.count) items"
                         + (plan.controlItems.isEmpty ? "" : " + \(plan.controlItems.count) control")
                         + (plan.modelControlItems.isEmpty ? "" : " + \(plan.referenceItems.count) reference and \(plan.modelControlItems.count) items of the control model")
                         + "), \(estimate.bytes) input bytes")
        }
        lines.append("HDF5:     \(plan.finalPath), estimated ≤ \(DryRunEstimate.format(bytes: estimate.uncompressedBytes)) before compression "
                     + "(~\(estimate.patches) patches; deflate usually shrinks it 2-4×)")
        let threads = plan.request.threads
        lines.append("time:     ~\(Self.clock(estimate.seconds(threads: threads))) for the forwards with \(threads) thread(s) (\(String(format: "%.0f", estimate.flops / 1e9)) GFLOP "
                     + "at an assumed \(Int(DryRunEstimate.assumedFLOPsPerThread / 1e9)) GFLOP/s per thread; `probe bench --study` measures this machine)")
        lines.append("memory:   ~\(DryRunEstimate.format(bytes: estimate.memoryBytes)) peak (rough upper bound: weights as fp32, one item's activations per thread)")
        if let shard = plan.request.shard {
            lines.append("shards:   this process is shard \(shard) (\(plan.studyItemIndices.count) items); all \(shard.count) shards (items share out by base item):")
            for (index, s) in DryRunEstimate.shards(of: plan, count: shard.count).enumerated() {
                let seconds = DryRunEstimate.seconds(flops: s.flops, threads: threads)
                lines.append("  shard \(index): \(s.items) items, \(s.bytes) bytes, ~\(Self.clock(seconds)) with \(threads) thread(s) (reference pass included)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `42 s`, `3 min 5 s`, `2 h 07 min`.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(String(format: "%02d", (s % 3600) / 60)) min"
    }

    static func summary(_ outcome: StudyOutcome) -> String {
        guard let report = outcome.report else {
            return "wrote shard \(outcome.finalPath) (\(outcome.itemCount) items\(outcome.resumedItems > 0 ? ", \(outcome.resumedItems) from the resumed partial file" : ""))\n"
                + String(format: "time: %.1f s; when every shard is done: probe merge %@/shard-*.h5", outcome.seconds,
                         URL(fileURLWithPath: outcome.finalPath).deletingLastPathComponent().path)
        }
        var lines = ["wrote \(outcome.finalPath) (\(outcome.itemCount) items\(outcome.resumedItems > 0 ? ", \(outcome.resumedItems) from the resumed partial file" : ""))",
                     "      \(report.reportPath) with \(report.figurePaths.count) figures",
                     String(format: "time: %.1f s (", outcome.seconds)
                        + outcome.phaseSeconds.map { $0.phase.rawValue + String(format: " %.1f s", $0.seconds) }.joined(separator: ", ") + ")"]
        for row in outcome.statistics where (row.test == .entropyTracksLevel || row.test == .lossTracksLevel) && !row.ladder.contains("@") {
            let what = row.test == .entropyTracksLevel ? "entropy tracks level" : "model loss tracks level (harder for the model?)"
            lines.append("\(what) (\(row.ladder)): \(row.verdict.rawValue), τ = \(row.estimate.map { String(format: "%.3f", $0) } ?? "—"), n = \(row.n)")
        }
        // Primary hooks only, oriented verdicts; each control arm (ladder "<ladder>@<spec>") separately.
        let primary = outcome.statistics.filter { $0.test == .sparsityTracksLevel && $0.isPrimary }
        var arms: [String] = []
        for row in primary where !arms.contains(Self.arm(of: row.ladder)) { arms.append(Self.arm(of: row.ladder)) }
        for arm in arms {
            let rows = primary.filter { Self.arm(of: $0.ladder) == arm }
            let sparser = rows.filter { $0.verdict == .tracksDifficulty }.count, denser = rows.filter { $0.verdict == .tracksInversely }.count
            let label = arm.isEmpty ? "" : (arm.hasPrefix("fixed:") ? " (fixed-patching control arm \(arm))"
                : (arm.hasPrefix("checkpoint:") ? " (control model \(arm))" : " (untrained control model \(arm))"))
            lines.append("\(rows.first!.measure) at the primary hooks\(label): sparser on harder levels at \(sparser), "
                         + "denser at \(denser), of \(rows.count) (see REPORT.md)")
        }
        // A trained-model finding survives the untrained control when (h) has the verdict of (b).
        let h = outcome.statistics.filter { $0.test == .modelControlDifference && $0.isPrimary }
        if !h.isEmpty {
            let found = primary.filter { Self.arm(of: $0.ladder).isEmpty && ($0.verdict == .tracksDifficulty || $0.verdict == .tracksInversely) }
            let beyond = found.filter { b in h.contains { $0.ladder == b.ladder && $0.hook == b.hook && $0.measure == b.measure && $0.verdict == b.verdict } }
            let checkpoint = outcome.statistics.contains { Self.arm(of: $0.ladder).hasPrefix("checkpoint:") }
            let adjective = checkpoint ? "control" : "untrained"
            lines.append("beyond the \(adjective) control (h): \(beyond.count) of the \(found.count) primary-hook trends")
        }
        return lines.joined(separator: "\n")
    }

    /// The control spec of a stored ladder name (`ood@fixed:4` → `fixed:4`), "" for the run's own arm.
    static func arm(of ladder: String) -> String {
        ladder.firstIndex(of: "@").map { String(ladder[ladder.index(after: $0)...]) } ?? ""
    }
}

/// Progress on stderr: a redrawn bar on a terminal, plain lines every 10 s otherwise.
final class ProgressDisplay: @unchecked Sendable {
    let interactive: Bool
    private let lock = NSLock()
    private var lastLine = Date.distantPast
    private var lastPhase: StudyProgress.Phase?
    private var drewBar = false

    init(interactive: Bool) { self.interactive = interactive }

    func update(_ p: StudyProgress) {
        lock.lock(); defer { lock.unlock() }
        let rate = p.elapsed > 0 ? Double(p.bytesDone) / p.elapsed : 0
        let remaining = rate > 0 ? Double(p.bytesTotal - p.bytesDone) / rate : .nan
        let detail = p.phase == .items || p.phase == .reference
            ? "\(p.done)/\(p.total) · \(Self.rate(rate)) · ETA \(Self.duration(remaining))" : ""
        let counted = p.phase == .items || p.phase == .reference
        if interactive && !counted {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(p.phase.rawValue)…".utf8))
            drewBar = true
        } else if interactive {
            let width = 28
            let filled = p.total > 0 ? min(width, width * p.done / p.total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = "\r\u{1B}[2K\(p.phase.rawValue) [\(bar)] \(detail)"
            FileHandle.standardError.write(Data(text.utf8))
            drewBar = true
        } else {
            let phaseChanged = p.phase != lastPhase
            let now = Date()
            if phaseChanged || now.timeIntervalSince(lastLine) >= 10 || p.done == p.total {
                FileHandle.standardError.write(Data("probe: \(p.phase.rawValue)\(detail.isEmpty ? "…" : " " + detail)\n".utf8))
                lastLine = now
            }
        }
        lastPhase = p.phase
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if interactive && drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        drewBar = false
    }

    static func rate(_ bytesPerSecond: Double) -> String {
        bytesPerSecond >= 1000 ? String(format: "%.1f kB/s", bytesPerSecond / 1000) : String(format: "%.0f B/s", bytesPerSecond)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}

extension ProbingError {
    /// A stop requested by SIGINT/SIGTERM (exit status 130), not a failure.
    var isInterruption: Bool {
        switch self {
        case .interruptedBeforeStart, .interruptedBeforeReport: return true
        default: return false
        }
    }
}
