import BLTModel
import Foundation

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

    public init(plan: StudyPlan) {
        items = plan.runItems.count
        forwards = plan.forwardCount
        var positions = 0, patchCount = 0
        for item in plan.runItems {
            let n = item.byteLength + 1
            positions += n
            switch plan.patching(for: item) {
            case .fixed(let size): patchCount += 1 + (n - 1 + size - 1) / size
            case .space: patchCount += 2 + item.bytes.filter(Patching.isSpaceLike).count
            default: patchCount += 2 + Int((Double(n) / 4.5).rounded(.up))
            }
        }
        bytes = positions - plan.runItems.count
        patches = patchCount
        let columns = plan.layout.measureColumns.count
        let byteRow = 4 + 4 + 2 + 4 + 4 + 1 + 4 + 4 + 4 * columns * plan.layout.byteLevelHooks.count
        let patchRow = 4 * 6 + 4 * columns * plan.layout.patchLevelHooks.count
        let itemRow = 256 + 8 * plan.layout.itemMetricNames.count + 4 * columns * plan.layout.probeHooks.count
        var activations = 0
        for spec in plan.layout.activations {
            activations += 4 * spec.width * (spec.scope == .patch ? patchCount : positions)
        }
        uncompressedBytes = positions * byteRow + patchCount * patchRow + plan.runItems.count * itemRow + activations
    }

    /// Human-readable size, e.g. "12.3 MB".
    public static func format(bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
