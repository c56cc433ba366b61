import Foundation
import Testing
import BLTModel

/// The Swift examples of README.md ("Using it" and "Activation patching and the logit lens"), run on the
/// shipped model, so the README cannot rot. `.ci/test` also runs them verbatim from a separate package
/// that depends on a tagged clone of this repository (Tests/Consumer/run.sh).
@Suite("README examples")
struct ReadmeExampleTests {
    @Test("capture, reduce and intervene on the shipped model as the README shows")
    func readmeExampleRuns() throws {
        // --- README snippet (with a counter in the reducer) ---
        let model = try BLTModel.shipped()
        var reducedRows = 0
        var hooks = HookSet(capture: ["global.blocks.*.hook_resid_post"])
        hooks.reduce("*.hook_mlp_act") { _, info in reducedRows += info.rows }
        hooks.intervene("global.blocks.1.hook_mlp_out", .zero)
        let result = try model.forward(text: "The quick brown fox", options: ForwardOptions(hooks: hooks))
        let (_, cache) = try model.runWithCache(text: "The quick brown fox")
        let pattern = cache[.pattern, layer: 0, component: .global]!
        let residual = try cache.accumulatedResidual(component: .global)
        // --- end of snippet ---
        let layers = model.config.global.numHiddenLayers
        #expect(Set(result.activations.keys) == Set((0..<layers).map { "global.blocks.\($0).hook_resid_post" }))
        #expect(result.patchLengths.reduce(0, +) == 20)          // BOS + 19 bytes
        #expect(try #require(result.entropy).count == 20)
        #expect(reducedRows > 0)
        let clean = try model.forward(text: "The quick brown fox")
        #expect(clean.logits != result.logits, "the ablation must change the logits")
        let patches = clean.patchLengths.count
        #expect(pattern.shape == [model.config.global.numAttentionHeads * patches, patches])
        #expect(residual.count == layers + 1)
    }

    @Test("activation patching between a clean and a corrupted input, as the README shows")
    func readmePatchingExample() throws {
        // --- README snippet ---
        let model = try BLTModel.shipped()
        let clean = "def add(a, b): return a + b", corrupted = "def add(a, b): return a - b"
        let run = try model.activationPatching(clean: clean, corrupted: corrupted, hooks: "global.blocks.*.hook_resid_post")
        let lastRow = { (r: ForwardResult) in Array(r.logits!.row(r.inputIDs.count - 1)) }
        let distance = { (a: [Float], b: [Float]) in zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
        let gap = distance(lastRow(run.corrupted), lastRow(run.clean))
        for (hook, patched) in run.patched {       // share of the clean/corrupted gap each layer restores
            print(hook, 1 - distance(lastRow(patched), lastRow(run.clean)) / gap)
        }
        // --- end of snippet ---
        #expect(gap > 0)
        #expect(run.patched.count == model.config.global.numHiddenLayers)
        #expect(run.patched.allSatisfy { distance(lastRow($0.result), lastRow(run.clean)).isFinite })
        #expect(run.corrupted.patchLengths == run.clean.patchLengths)
    }

    @Test("logit lens on the decoder and global streams, as the README shows")
    func readmeLogitLensExample() throws {
        // --- README snippet ---
        let model = try BLTModel.shipped()
        let bytes = Array("To be, or not to be, that is the question".utf8)
        let topByte = { (logits: HookTensor) in    // most likely next byte after the last input byte
            let row = Array(logits.row(logits.rows - 1))
            return row.indices.max { row[$0] < row[$1] }! - 4     // ids are byte + 4
        }
        for (i, logits) in try model.decoderLogitLens(bytes: bytes).enumerated() {
            print("decoder state \(i): next byte \(topByte(logits))")
        }
        for (i, logits) in try model.globalLogitLens(bytes: bytes).enumerated() {
            print("global state \(i): next byte \(topByte(logits))")
        }
        // --- end of snippet ---
        let logits = try #require(try model.forward(bytes: bytes).logits)
        #expect(try model.decoderLogitLens(bytes: bytes).last == logits)
        #expect(topByte(logits) >= -4 && topByte(logits) < 256)
    }

    @Test("several inputs in one packed forward, as the README shows")
    func readmeBatchExample() throws {
        // --- README snippet ---
        let model = try BLTModel.shipped()
        let texts = ["The quick brown fox", "Zürich, 東京, Москва", "def add(a, b): return a + b"]
        let capture = ForwardOptions(hooks: HookSet(capture: ["global.blocks.*.hook_resid_post"]))
        let results = try model.forward(batch: texts.map { Array($0.utf8) }, options: texts.map { _ in capture })
        for (text, result) in zip(texts, results) {      // [patches, hidden] per input, one packed forward
            print(text, result.patchLengths.count, result.activations["global.blocks.0.hook_resid_post"]!.shape)
        }
        // --- end of snippet ---
        for (text, result) in zip(texts, results) {
            let alone = try model.forward(bytes: Array(text.utf8), options: capture)
            #expect(result.patchLengths == alone.patchLengths)
            #expect(result.activations["global.blocks.0.hook_resid_post"]!.shape == [alone.patchLengths.count, model.config.global.hiddenSize])
        }
    }

    @Test("a second forward of the same bytes without the patcher, as the README shows")
    func readmePatcherEntropyExample() throws {
        // --- README snippet ---
        let model = try BLTModel.shipped()
        let bytes = Array("Where the next byte is hard to guess, a new patch begins.".utf8)
        let first = try model.forward(bytes: bytes)
        let fixed = try model.forward(bytes: bytes, options: ForwardOptions(patching: .fixed(4), patcherEntropy: first.entropy))
        print(fixed.patchLengths, fixed.entropy == first.entropy)   // fixed 4-byte patches, the same entropy
        // --- end of snippet ---
        let full = try model.forward(bytes: bytes, options: ForwardOptions(patching: .fixed(4)))
        #expect(fixed.entropy == first.entropy && fixed.patchLengths == full.patchLengths)
        #expect(fixed.logits!.values == full.logits!.values)
    }
}
