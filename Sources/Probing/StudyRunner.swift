import BLTModel
import Foundation
import Kernels
import HDF5Store
import Ladders
import Metrics
import Statistics
import Parallelism

/// Where a run is, for progress displays.
public struct StudyProgress: Sendable {
    public enum Phase: String, Sendable {
        case loadingModel = "loading model"
        case reference = "reference profile"
        case items = "items"
        case statistics = "statistics"
        case report = "report"
    }
    public var phase: Phase
    /// Units done and total in this phase (forward passes for `reference` and `items`).
    public var done: Int
    public var total: Int
    /// Input bytes processed so far in this phase (for bytes/s).
    public var bytesDone: Int
    public var bytesTotal: Int
    /// Seconds since the phase started.
    public var elapsed: Double
}

/// Wall time of a run and of each phase as it ends (shared by `probe run` and `probe merge`).
final class PhaseClock {
    private let started = Date()
    private var phaseStart = Date()
    private(set) var phases: [(phase: StudyProgress.Phase, seconds: Double)] = []

    /// Records the phase that just ended and starts timing the next.
    func end(_ phase: StudyProgress.Phase) {
        phases.append((phase, Date().timeIntervalSince(phaseStart)))
        phaseStart = Date()
    }

    /// Seconds since the run started.
    var elapsed: Double { Date().timeIntervalSince(started) }
}

/// What a finished run produced.
public struct StudyOutcome: Sendable {
    public var finalPath: String
    /// The figures and REPORT.md; nil for a shard (``StudyShard``), whose report comes from `probe merge`.
    public var report: ReportOutput?
    public var statistics: [StudyResultRow]
    public var itemCount: Int
    /// Items that were already in the partial file (resume), 0 otherwise.
    public var resumedItems: Int
    /// Wall time of the whole run and of each phase, seconds.
    public var seconds: Double
    public var phaseSeconds: [(phase: StudyProgress.Phase, seconds: Double)]
}

/// Runs a validated ``StudyPlan``: loads the model, builds the reference profile, streams every item's
/// rows into `<out>/probe.h5.partial`, computes the statistics from the stored values, finishes the file
/// (rename to `probe.h5`) and rebuilds figures and REPORT.md from the finished file alone (the same code
/// path as `probe report`).
///
/// Interrupts: between items the runner checks `shouldStop` (by default ``Parallelism/InterruptSignal``);
/// when set it finishes the items in flight, checkpoints and closes the partial file and throws
/// ``HDF5Store/ProbeRunError/interrupted(partialPath:completedItems:)``. A failing item does the same and
/// rethrows the item's error. `--resume` (``StudyRequest/resume``) continues from the last complete item
/// and gives the same dataset contents as an uninterrupted run.
public struct StudyRunner: Sendable {
    /// Items between writer checkpoints (see the item loop).
    static let checkpointItems = 16

    public let plan: StudyPlan
    public var progress: @Sendable (StudyProgress) -> Void
    public var shouldStop: @Sendable () -> Bool

    public init(plan: StudyPlan, progress: @escaping @Sendable (StudyProgress) -> Void = { _ in },
                shouldStop: @escaping @Sendable () -> Bool = { InterruptSignal.isRequested }) {
        self.plan = plan
        self.progress = progress
        self.shouldStop = shouldStop
    }

    /// The bootstrap seed of the statistics, derived from the run seed.
    public var statisticsConfiguration: StudyConfiguration {
        StudyConfiguration(bootstrapResamples: plan.request.bootstrapResamples, seed: plan.statisticsSeed)
    }

    /// The model of the plan's ``ModelSource`` (the trained BLT unless the request says otherwise).
    func loadModel() throws -> any ByteLevelModel {
        try plan.request.modelSource.load(directory: plan.modelDirectory, config: plan.config, precision: plan.request.compute)
    }

    public func run() throws -> StudyOutcome {
        let clock = PhaseClock()
        progress(StudyProgress(phase: .loadingModel, done: 0, total: 1, bytesDone: 0, bytesTotal: 0, elapsed: 0))
        let model = try loadModel()
        let threads = plan.request.threads
        clock.end(.loadingModel)
        if shouldStop() { throw ProbingError.interruptedBeforeStart }

        let referenceStart = Date()
        let referenceBytes = plan.referenceItems.map(\.byteLength)
        let profiles = try ReferenceProfiles.build(model: model, plan: plan, threads: threads) { done in
            progress(StudyProgress(phase: .reference, done: done, total: plan.referenceItems.count,
                                   bytesDone: referenceBytes[..<done].reduce(0, +), bytesTotal: referenceBytes.reduce(0, +),
                                   elapsed: Date().timeIntervalSince(referenceStart)))
        }
        // The model-control arm: the control model gets its own reference profile (its outlier dimensions
        // and moments, from the same reference items cut into the trained patches); it is deterministic
        // given the seeds and not stored in the file.
        var controlMeasurer: ItemMeasurer? = nil
        if let control = plan.modelControl, !plan.modelControlItems.isEmpty {
            let controlModel = try control.load(directory: plan.modelDirectory, config: plan.config, precision: plan.request.compute)
            let controlProfiles = try ReferenceProfiles.build(model: controlModel, plan: plan, threads: threads, patchSource: model) { done in
                progress(StudyProgress(phase: .reference, done: done, total: plan.referenceItems.count,
                                       bytesDone: referenceBytes[..<done].reduce(0, +), bytesTotal: referenceBytes.reduce(0, +),
                                       elapsed: Date().timeIntervalSince(referenceStart)))
            }
            controlMeasurer = ItemMeasurer(model: controlModel, plan: plan, profiles: controlProfiles,
                                           shape: try controlModel.computeShape(), patchSource: model)
        }
        clock.end(.reference)
        if shouldStop() { throw ProbingError.interruptedBeforeStart }
        var trainedMeasurer = ItemMeasurer(model: model, plan: plan, profiles: profiles, shape: try model.computeShape())
        // The control arms take what the trained arm computed from the same bytes instead of recomputing it.
        let usesPatchMemo = controlMeasurer != nil, usesOutputMemo = !plan.controlItems.isEmpty && trainedMeasurer.reusesPatcher
        if usesPatchMemo || usesOutputMemo {
            let memo = PatcherMemo(forPatchControl: usesOutputMemo, forModelControl: usesPatchMemo)
            trainedMeasurer.memo = memo
            controlMeasurer?.memo = memo
        }
        let measurer = { (item: LadderItem) -> ItemMeasurer in
            plan.isModelControl(item) ? controlMeasurer! : trainedMeasurer
        }

        let provenance = try RunProvenance.make(plan: plan, statisticsSeed: plan.statisticsSeed)
        // Checkpoint every 16 items, not after each: every flush re-compresses the partially filled
        // 64 KiB chunk of each of the ~130 columns, which made deflate a fifth of a study's run time.
        // An interrupted run redoes at most 16 items (a second or two) on resume.
        let writerOptions = ProbeRunWriterOptions(itemsPerCheckpoint: Self.checkpointItems)
        let writer = plan.request.resume
            ? try ProbeRunWriter.resume(at: plan.finalPath, layout: plan.layout, provenance: provenance,
                                        options: writerOptions)
            : try ProbeRunWriter.create(at: plan.finalPath, layout: plan.layout, provenance: provenance,
                                        options: writerOptions)
        let resumed = writer.completedItemCount
        // The reference profile goes into the file (`/reference`), so readers see which dimensions the
        // `_no_outliers` variants dropped and the moments behind `_z`; a resumed file keeps its own.
        do {
            try writer.writeReference(plan.measuredHooks.compactMap { hook in
                profiles[hook.name].map {
                    ProbeRunReferenceProfile(hook: hook.name, outlierDimensions: $0.outlierDimensions, mean: $0.mean,
                                             standardDeviation: $0.standardDeviation, vectorCount: $0.referenceCount)
                }
            }, rule: plan.referenceRule)
        } catch {
            _ = writer.abandon()
            throw error
        }

        let itemStart = Date()
        let runItems = plan.itemsToRun
        let itemBytes = runItems.map(\.byteLength)
        let bytesTotal = itemBytes.reduce(0, +)
        var bytesDone = itemBytes[..<resumed].reduce(0, +)
        let bytesBefore = bytesDone, pending = Array(runItems[resumed...])
        // Consecutive items of one arm share a packed forward (``ItemPacking``: the same bits as one
        // forward each, so the file does not depend on the grouping or on where a resume starts).
        let batches = ItemPacking(maxItems: plan.request.itemsPerForward)
            .batches(lengths: pending.map(\.byteLength), arms: pending.map { plan.isModelControl($0) ? 1 : 0 })
        do {
            if shouldStop() { throw writer.abandon() }
            // One batch per worker thread, each running its kernels single-threaded (splitting every product
            // over the pool as well only adds spinning threads); the calling thread appends finished items
            // in study order while the workers go on with the next ones, so neither a long item nor a
            // checkpoint leaves a core idle. The file is the same as with a serial loop.
            try orderedPipeline(count: batches.count, threads: threads, window: 2 * threads, produce: { b in
                let items = Array(pending[batches[b]])
                return try ComputeThreads.serially { try measurer(items[0]).measure(batch: items) }
            }, consume: { b, rows in
                for (i, row) in zip(batches[b], rows) {
                    if shouldStop() { throw writer.abandon() }
                    try writer.append(row)
                    bytesDone += pending[i].byteLength
                    progress(StudyProgress(phase: .items, done: resumed + i + 1, total: runItems.count, bytesDone: bytesDone - bytesBefore,
                                           bytesTotal: bytesTotal - bytesBefore, elapsed: Date().timeIntervalSince(itemStart)))
                }
                return true
            })
        } catch let error as ProbeRunError {
            if case .interrupted = error { throw error }
            _ = writer.abandon()
            throw error
        } catch {
            let stopped = writer.abandon()
            throw ProbingError.runFailed(detail: "\(error)", partialPath: plan.partialPath, completedItems: stopped.completedItems)
        }

        clock.end(.items)
        if let shard = plan.request.shard {
            // A shard stops here: its items and reference are in the file; the statistics and the report
            // need every shard and come from `probe merge`.
            do {
                if shouldStop() { throw writer.abandon() }
                try writer.writeShard(ProbeRunShard(index: shard.index, count: shard.count, studyItemCount: plan.runItems.count,
                                                    studyItemIndex: plan.studyItemIndices, assignmentRule: StudyShard.assignmentRule))
                try writer.finish(statistics: [])
            } catch {
                _ = writer.abandon()
                throw error
            }
            return StudyOutcome(finalPath: plan.finalPath, report: nil, statistics: [], itemCount: runItems.count,
                                resumedItems: resumed, seconds: clock.elapsed, phaseSeconds: clock.phases)
        }
        let finished = try Self.finishStudy(writer: writer, outDirectory: plan.outDirectory.path,
                                            configuration: statisticsConfiguration, threads: threads,
                                            progress: progress, shouldStop: shouldStop, clock: clock)
        return StudyOutcome(finalPath: plan.finalPath, report: finished.report, statistics: finished.statistics, itemCount: runItems.count,
                            resumedItems: resumed, seconds: clock.elapsed, phaseSeconds: clock.phases)
    }

    /// The end of every study, shared by `probe run` and `probe merge`: statistics from the stored values
    /// (read back from the partial file), `finish` (rename to the final path), then figures and REPORT.md
    /// from the finished file alone.
    static func finishStudy(writer: ProbeRunWriter, outDirectory: String, configuration: StudyConfiguration, threads: Int,
                            progress: (StudyProgress) -> Void, shouldStop: () -> Bool,
                            clock: PhaseClock) throws -> (statistics: [StudyResultRow], report: ReportOutput) {
        progress(StudyProgress(phase: .statistics, done: 0, total: 1, bytesDone: 0, bytesTotal: 0, elapsed: 0))
        let results: [StudyResultRow]
        do {
            // An interrupt during the statistics stops before the file is finished: --resume then only
            // recomputes the statistics (every item is in the journal).
            if shouldStop() { throw writer.abandon() }
            try writer.checkpoint()
            let reader = try ProbeRunReader(path: writer.partialPath, allowPartial: true)
            results = try StudyStatistics.analyze(reader, configuration: configuration, threads: threads)
            reader.close()
            if shouldStop() { throw writer.abandon() }
            try writer.finish(statistics: StudyStatistics.storedRows(results))
        } catch {
            _ = writer.abandon()
            throw error
        }
        clock.end(.statistics)
        if shouldStop() { throw ProbingError.interruptedBeforeReport(finalPath: writer.finalPath) }
        progress(StudyProgress(phase: .report, done: 0, total: 1, bytesDone: 0, bytesTotal: 0, elapsed: 0))
        var builder = ReportBuilder(path: writer.finalPath)
        builder.threads = threads
        let report = try builder.write(to: outDirectory)
        clock.end(.report)
        return (results, report)
    }
}

extension ProbeRunError {
    /// Items checkpointed when the run stopped (0 for other cases).
    var completedItems: Int {
        if case let .interrupted(_, completed) = self { return completed }
        return 0
    }
}
