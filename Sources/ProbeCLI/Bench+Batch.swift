import ArgumentParser
import BLTModel
import Foundation
import Metrics
import ModelCore

extension Bench {
    /// Most items per packed forward `--batch` accepts.
    static let maxBatch = 256

    /// `probe bench --batch N`: for each size, N different texts of that size one forward at a time and then
    /// packed into one `forward(batch:)`, alternating, `repeats` times; prints the medians per item side by
    /// side and their ratio, and checks the packed patches equal the single ones: exactly in fp32 (an error
    /// otherwise); with `--compute bf16` it counts the patch starts that move instead: with dense output
    /// bands the bf16 products give the same bits packed or not (tested), but other oneDNN bf16 kernels
    /// (AMX) are unchecked, and an entropy within ~0.05 nat of the threshold would cross it.
    func runBatchBench(_ model: BLTModel, sizes: [Int], batch: Int) throws {
        Self.say("  batch \(batch): one forward per item vs one packed forward (medians of \(repeats), per item)")
        Self.say("  bytes  items  single ms/item  packed ms/item  packed speed-up")
        for size in sizes {
            // Different texts: the shared bench text shifted by a prime stride per item.
            let base = BenchText.bytes(count: size + 97 * batch)
            let items = (0..<batch).map { Array(base[(97 * $0)..<(97 * $0 + size)]) }
            let plain = [ForwardOptions](repeating: ForwardOptions(), count: batch)
            for _ in 0..<warmup {
                for item in items { _ = try model.forward(bytes: item) }
                _ = try model.forward(batch: items, options: plain)
            }
            var single: [Double] = [], packed: [Double] = []
            var moved = 0, starts = 0
            for _ in 0..<repeats {
                var start = Date()
                let ones = try items.map { try model.forward(bytes: $0) }
                single.append(Date().timeIntervalSince(start) / Double(batch))
                start = Date()
                let together = try model.forward(batch: items, options: plain)
                packed.append(Date().timeIntervalSince(start) / Double(batch))
                for (one, packedOne) in zip(ones, together) {
                    let a = Set(PatchLayout.starts(patchLengths: one.patchLengths))
                    let b = Set(PatchLayout.starts(patchLengths: packedOne.patchLengths))
                    moved += a.symmetricDifference(b).count
                    starts += a.count
                }
                if moved > 0 && compute == .fp32 {
                    throw ValidationError("packed patches differ from single patches at \(size) bytes")
                }
            }
            let s = Self.median(single) * 1000, p = Self.median(packed) * 1000
            Self.say(String(format: "  %5d  %5d  %14.2f  %14.2f  %14.2f×", size, batch, s, p, s / p)
                     + (moved > 0 ? "  (patch starts moved: \(moved) of \(starts))" : ""))
        }
    }
}
