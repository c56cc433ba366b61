import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// `forward(batch:options:)` against one forward per item on the shipped model: items of different lengths and
/// scripts packed in one pass must give each item what it gets alone.
@Suite("Packed batch forward equals single forwards")
struct BatchForwardTests {
    static let items: [[UInt8]] = [
        Array("The entropy model reads bytes one at a time; where the next byte is hard to guess, a new patch begins.".utf8),
        Array("Zürich, 東京, Москва — ✓".utf8),
        Array("x".utf8),
        Array(repeating: 0x61, count: 300) + Array("then something else entirely 12345".utf8),
        (0..<97).map { UInt8(($0 * 37 + 11) % 256) },
    ]

    static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Largest difference relative to the tensor's largest magnitude (matrix products over different row
    /// blocks round differently; residual streams reach magnitudes in the hundreds).
    static func relativeDiff(_ a: [Float], _ b: [Float]) -> Float {
        maxDiff(a, b) / max(1, a.map(abs).max() ?? 0)
    }

    @Test("patches exact; entropy within 1e-5; logits and captured hooks within 1e-5 of their scale; per-item reducers and edits")
    func batchEqualsSingles() throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        let captures = ["encoder.blocks.0.hook_resid_post", "global.blocks.*.hook_resid_post", "decoder.hook_final_norm",
                        "encoder.cross.0.hook_out", "decoder.hook_patch_kv", "patching.hook_patch_lengths"]
        // Per-item reducers record what each item's hook saw (rows, columns, a checksum).
        final class Seen: @unchecked Sendable { var rows: [Int] = []; var sums: [Double] = [] }
        func options(_ seen: Seen) -> ForwardOptions {
            var hooks = HookSet(capture: captures)
            hooks.reduce("global.blocks.1.hook_resid_post") { buffer, info in
                seen.rows.append(info.rows); seen.sums.append(buffer.reduce(0) { $0 + Double($1) })
            }
            // An intervention on one item's rows must touch only that item.
            hooks.intervene("global.blocks.0.hook_resid_post", rows: [0], .zero)
            return ForwardOptions(hooks: hooks)
        }
        let singleSeen = Self.items.map { _ in Seen() }, batchSeen = Self.items.map { _ in Seen() }
        let singles = try zip(Self.items, singleSeen).map { try model.forward(bytes: $0, options: options($1)) }
        let batch = try model.forward(batch: Self.items, options: batchSeen.map(options))
        #expect(batch.count == Self.items.count)
        for (i, (a, b)) in zip(singles, batch).enumerated() {
            #expect(a.inputIDs == b.inputIDs, "item \(i) ids")
            #expect(a.patchLengths == b.patchLengths, "item \(i) patch lengths")
            #expect(a.patchIDs == b.patchIDs && a.decoderPatchIDs == b.decoderPatchIDs, "item \(i) patch ids")
            #expect(Self.maxDiff(try #require(a.entropy), try #require(b.entropy)) <= 1e-5, "item \(i) entropy")
            let la = try #require(a.logits), lb = try #require(b.logits)
            #expect(la.shape == lb.shape)
            #expect(Self.relativeDiff(la.values, lb.values) <= 1e-5, "item \(i) logits")
            #expect(Set(a.activations.keys) == Set(b.activations.keys), "item \(i) captured hooks")
            for (name, tensor) in a.activations {
                let other = try #require(b.activations[name])
                #expect(tensor.shape == other.shape, "item \(i) \(name) shape")
                #expect(Self.relativeDiff(tensor.values, other.values) <= 1e-5, "item \(i) \(name)")
            }
            #expect(singleSeen[i].rows == batchSeen[i].rows, "item \(i) reducer rows")
            #expect(zip(singleSeen[i].sums, batchSeen[i].sums).allSatisfy { abs($0 - $1) <= 1e-3 * max(1, abs($0)) }, "item \(i) reducer sums")
        }
    }

    @Test("attention patterns fall back to single forwards; mismatched options are a typed error")
    func fallbackAndErrors() throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        let items = Array(Self.items.prefix(2))
        let opts = ForwardOptions(hooks: HookSet(capture: ["global.blocks.0.attn.hook_pattern"]))
        let batch = try model.forward(batch: items, options: [opts, opts])
        let single = try model.forward(bytes: items[1], options: opts)
        #expect(batch[1].activations == single.activations)
        #expect(throws: ForwardBatchError.optionsCount(items: 2, options: 1)) {
            try model.forward(batch: items, options: [opts])
        }
        #expect(try model.forward(batch: [], options: []).isEmpty)
        // Through the model seam (any ByteLevelModel) and run_with_cache: one cache per input.
        let seam: any ByteLevelModel = model
        let caches = try seam.runWithCache(batch: items, names: ["global.blocks.*.hook_resid_post"])
        #expect(caches.count == 2)
        #expect(caches[1].cache["global.blocks.0.hook_resid_post"]?.shape == [caches[1].result.patchLengths.count, model.config.global.hiddenSize])
        #expect(caches[0].result.patchLengths == (try model.forward(bytes: items[0])).patchLengths)
        #expect(throws: ForwardBatchError.optionsCount(items: 2, options: 0)) { try seam.forward(batch: items, options: []) }
    }
}
