import Foundation
import Kernels
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

    /// Every hook a packed forward can capture: all but the per-head attention scores and patterns.
    static func packableHooks(_ model: BLTModel) -> [String] {
        model.catalogue.filter { $0.keys == nil && ![.headBytes, .headPatches, .headPatchSlots].contains($0.rows) }.map(\.name)
    }

    /// `body` single-threaded (`threads == 1`) or on every kernel thread.
    static func on<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        threads == 1 ? try ComputeThreads.serially(body) : try body()
    }

    /// Shape and float bit patterns (-0 and 0 differ, NaN equals itself).
    static func bits(_ t: HookTensor) -> [Int] { t.shape + t.values.map { Int($0.bitPattern) } }

    /// Checks that `batch` gives each item exactly (bit for bit) what its own forward gives.
    static func expectIdentical(_ singles: [ForwardResult], _ batch: [ForwardResult], _ context: String) throws {
        #expect(batch.count == singles.count)
        for (i, (a, b)) in zip(singles, batch).enumerated() {
            #expect(a.inputIDs == b.inputIDs, "\(context) item \(i) ids")
            #expect(a.patchLengths == b.patchLengths, "\(context) item \(i) patch lengths")
            #expect(a.patchIDs == b.patchIDs && a.decoderPatchIDs == b.decoderPatchIDs, "\(context) item \(i) patch ids")
            #expect(try #require(a.entropy).map(\.bitPattern) == (try #require(b.entropy)).map(\.bitPattern), "\(context) item \(i) entropy")
            #expect(try Self.bits(#require(a.logits)) == Self.bits(#require(b.logits)), "\(context) item \(i) logits")
            #expect(Set(a.activations.keys) == Set(b.activations.keys), "\(context) item \(i) captured hooks")
            for (name, tensor) in a.activations {
                #expect(Self.bits(tensor) == b.activations[name].map(Self.bits), "\(context) item \(i) \(name)")
            }
        }
    }

    @Test("bit-identical to single forwards: patches, entropy, logits and every packable hook; per-item reducers and edits",
          arguments: [1, 2])
    func batchEqualsSingles(threads: Int) throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory)
        let captures = Self.packableHooks(model)
        #expect(captures.count > 150)
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
        let singles = try Self.on(threads) { try zip(Self.items, singleSeen).map { try model.forward(bytes: $0, options: options($1)) } }
        let batch = try Self.on(threads) { try model.forward(batch: Self.items, options: batchSeen.map(options)) }
        try Self.expectIdentical(singles, batch, "\(threads) threads")
        for i in Self.items.indices {
            #expect(singleSeen[i].rows == batchSeen[i].rows && singleSeen[i].sums == batchSeen[i].sums, "item \(i) reducer")
        }
        // Any split into batches gives the same bits (what lets the study runner batch freely).
        let halves = try Self.on(threads) {
            try model.forward(batch: Array(Self.items.prefix(2)), options: [ForwardOptions(), ForwardOptions()])
                + model.forward(batch: Array(Self.items.dropFirst(2)), options: [ForwardOptions](repeating: ForwardOptions(), count: Self.items.count - 2))
        }
        let plain = try Self.on(threads) { try Self.items.map { try model.forward(bytes: $0) } }
        try Self.expectIdentical(plain, halves, "split batches, \(threads) threads")
    }

    @Test("bf16 products: packed forwards bit-identical to single ones, single-threaded and on threads",
          arguments: [1, 2])
    func bf16Batch(threads: Int) throws {
        let model = try BLTModel(directory: ShippedModelParityTests.modelDirectory, options: LoadOptions(matrixPrecision: .bf16))
        let opts = [ForwardOptions](repeating: ForwardOptions(hooks: HookSet(capture: Self.packableHooks(model))), count: Self.items.count)
        // On threads the products are cut into row or column bands by the total row count; every band
        // writes a dense block (Linear.applyBFloat16), on which oneDNN's bf16 kernel gives each element
        // the same bits whatever the band's rows.
        let singles = try Self.on(threads) { try zip(Self.items, opts).map { try model.forward(bytes: $0, options: $1) } }
        let batch = try Self.on(threads) { try model.forward(batch: Self.items, options: opts) }
        try Self.expectIdentical(singles, batch, "bf16, \(threads) threads")
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
