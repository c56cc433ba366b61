import BLTModel
import Foundation
import Ladders
import Metrics

/// What `probe run --dry-run` prints: the items, the forward passes and an upper bound on the HDF5
/// size before compression.
public struct DryRunEstimate: Sendable {
    public var items: Int
    public var forwards: Int
    public var bytes: Int
    /// Estimated patches (exact for fixed and space patching; bytes / 4.5 for entropy patching).
    public var patches: Int
    /// Uncompressed size of every dataset, bytes.
    public var uncompressedBytes: Int
    /// Forward FLOPs of the items and reference passes (items counted under fixed:4 patching, about the
    /// shipped model's mean entropy-patch length; 0 when the config gives no shape).
    public var flops: Double
    /// Rough peak resident memory, bytes: every weight file as fp32 (twice with a control model), per
    /// thread one item's activations of the longest item, plus a fixed 300 MB for the runtime, HDF5
    /// caches and the dataset. An upper-bound-minded guess for `sbatch --mem`, not a measurement.
    public var memoryBytes: Int

    /// Study item-stage rate assumed by ``seconds(threads:)``, FLOP/s per thread: `probe bench --study ood`
    /// measured 35.3 GFLOP/s on 2 threads on the project's 2-core machine (README, Performance).
    public static let assumedFLOPsPerThread = 15e9

    public init(plan: StudyPlan) {
        let runItems = plan.itemsToRun
        items = runItems.count
        forwards = plan.forwardCount
        var positions = 0, patchCount = 0
        for item in runItems {
            let n = item.byteLength + 1
            positions += n
            switch plan.patching(for: item) {
            case .fixed(let size): patchCount += 1 + (n - 1 + size - 1) / size
            case .space: patchCount += 2 + item.bytes.filter(Patching.isSpaceLike).count
            default: patchCount += 2 + Int((Double(n) / 4.5).rounded(.up))
            }
        }
        bytes = positions - runItems.count
        patches = patchCount
        let columns = plan.layout.measureColumns.count
        let byteRow = 4 + 4 + 2 + 4 + 4 + 1 + 4 + 4 + 4 * columns * plan.layout.byteLevelHooks.count
        let patchRow = 4 * 6 + 4 * columns * plan.layout.patchLevelHooks.count
        let itemRow = 256 + 8 * plan.layout.itemMetricNames.count + 4 * columns * plan.layout.probeHooks.count
        var activations = 0
        for spec in plan.layout.activations {
            activations += 4 * spec.width * (spec.scope == .patch ? patchCount : positions)
        }
        uncompressedBytes = positions * byteRow + patchCount * patchRow + runItems.count * itemRow + activations

        let shape = try? ModelShape(config: plan.config)
        var total = 0.0
        if let shape {
            let passes = runItems + plan.referenceItems + (plan.modelControl == nil ? [] : plan.referenceItems)
            for item in passes { total += Self.forwardFLOPs(item, shape: shape) }
        }
        flops = total
        let weightFiles = (try? FileManager.default.contentsOfDirectory(atPath: plan.modelDirectory.path)) ?? []
        var weightBytes = 0
        for name in weightFiles where name.hasSuffix(".safetensors") {
            let size = (try? FileManager.default.attributesOfItem(atPath: plan.modelDirectory.appendingPathComponent(name).path))?[.size] as? Int ?? 0
            weightBytes += size
        }
        // bf16/f16 checkpoints widen to fp32 in memory: count 2x the file (exact for 16-bit, 2x for fp32).
        let modelBytes = 2 * weightBytes * (plan.modelControl == nil ? 1 : 2)
        let longest = (runItems.map(\.byteLength).max() ?? 0) + 1
        let widest = shape.map { [$0.encoder.hidden, $0.global.hidden, $0.decoder.hidden, $0.global.intermediate].max()! } ?? 1024
        let heads = shape.map { max($0.global.heads, $0.encoder.heads) } ?? 16
        // Per thread: ~64 hidden-width rows per position (hooks captured, MLP, KV) plus one attention matrix.
        let perThread = longest * widest * 4 * 64 + longest * longest * heads * 4
        memoryBytes = modelBytes + plan.request.threads * perThread + 300_000_000
    }

    /// Items, input bytes and forward FLOPs (reference passes included: every shard runs them) of each
    /// of `count` shards of `plan`'s whole study, by ``StudyShard/assignmentRule``.
    public static func shards(of plan: StudyPlan, count: Int) -> [(items: Int, bytes: Int, flops: Double)] {
        let all = plan.runItems
        let assignment = StudyShard.assignment(of: all, shards: count, controlSpecs: plan.controlSpecs)
        let shape = try? ModelShape(config: plan.config)
        func cost(_ item: LadderItem) -> Double { shape.map { forwardFLOPs(item, shape: $0) } ?? 0 }
        let reference = (plan.referenceItems + (plan.modelControl == nil ? [] : plan.referenceItems)).reduce(0) { $0 + cost($1) }
        var out = [(items: Int, bytes: Int, flops: Double)](repeating: (0, 0, reference), count: max(count, 1))
        for (item, shard) in zip(all, assignment) {
            out[shard].items += 1
            out[shard].bytes += item.byteLength
            out[shard].flops += cost(item)
        }
        return out
    }

    /// One forward's FLOPs for `item` (BOS included), counted under fixed:4 patching.
    static func forwardFLOPs(_ item: LadderItem, shape: ModelShape) -> Double {
        (try? ComputeAllocation.fixedPatching(shape: shape, byteCount: item.byteLength + 1, patchSize: 4).total) ?? 0
    }

    /// Estimated wall time of the forward passes with `threads` threads, at ``assumedFLOPsPerThread``.
    public func seconds(threads: Int) -> Double { Self.seconds(flops: flops, threads: threads) }

    /// Estimated wall time of `flops` of forwards on `threads` threads, at ``assumedFLOPsPerThread``.
    public static func seconds(flops: Double, threads: Int) -> Double { flops / (assumedFLOPsPerThread * Double(max(threads, 1))) }

    /// Human-readable size, e.g. "12.3 MB".
    public static func format(bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
