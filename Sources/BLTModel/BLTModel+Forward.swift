import ByteTransformer
import Foundation
import Kernels

extension BLTModel {
    /// Runs the model on raw bytes (BOS is prepended; no EOS).
    public func forward(bytes: [UInt8], options: ForwardOptions = ForwardOptions()) throws -> ForwardResult {
        ComputeThreads.prepareWorkers()
        let runner = try HookRunner(hooks: options.hooks, catalogue: catalogue, stopAfterDeepest: !options.computeLogits)
        var state = ForwardState(ids: ByteTokens.ids(for: bytes))
        do {
            try run(bytes: bytes, options: options, runner: runner, state: &state)
        } catch is EarlyStop {
            state.stoppedAfter = runner.deepestIndex.map { catalogue[$0].name }
        }
        return ForwardResult(
            inputIDs: state.ids, entropy: state.entropy, patchLengths: state.patchLengths,
            patchIDs: state.patchIDs, decoderPatchIDs: state.decoderPatchIDs, logits: state.logits,
            activations: runner.captured, stoppedAfter: state.stoppedAfter)
    }

    private func run(bytes: [UInt8], options: ForwardOptions, runner: HookRunner, state: inout ForwardState) throws {
        let ids = state.ids
        let n = ids.count
        let c = config
        // The patcher runs whenever the checkpoint has one: entropy is a primary output for studies,
        // whatever the patching strategy.
        if let patcher = weights.patcher {
            state.entropy = try runPatcher(patcher, ids: ids, runner: runner)
        }

        // Patching.
        let lengths = try Patching.lengths(strategy: options.patching, bytes: bytes, entropy: state.entropy, config: c)
        state.patchLengths = lengths
        state.patchIDs = Patching.patchIDs(lengths: lengths, count: n)
        state.decoderPatchIDs = Patching.decoderPatchIDs(lengths: lengths, count: n)
        var lengthValues = lengths.map(Float.init)
        try runner.fire(HookName(valid: .patching, .component, .patchLengths), &lengthValues, rows: lengths.count, columns: 1)
        if !options.computeLogits && runner.deepestIndex == nil { throw EarlyStop() }
        let p = lengths.count
        let k = c.crossAttnK

        // Byte + hash n-gram embeddings.
        let e = c.encoder, de = e.hiddenSize
        var h = [Float](repeating: 0, count: n * de)
        let hashRows = weights.hashEmbed == nil ? [] : HashNGrams.rows(ids: ids, config: c)
        h.withUnsafeMutableBufferPointer { buffer in
            for t in 0..<n {
                let row = buffer.baseAddress! + t * de
                weights.encoderEmbed.copyRow(ids[t], into: row)
                if let table = weights.hashEmbed {
                    for rows in hashRows { table.addRow(rows[t], into: row) }
                }
            }
        }
        try runner.fire(HookName(valid: .encoder, .component, .embed), &h, rows: n, columns: de)

        // Local encoder.
        let byteRanges = KeyRanges.causal(length: n, window: e.slidingWindow)
        let encoderRope = RotaryEmbedding(theta: e.ropeTheta, headDim: e.headDim, positions: n)
        let patchByteRanges = Self.patchByteRanges(patchIDs: state.patchIDs, patches: p)
        var slotRanges = KeyRanges(lower: [], upper: [])
        for q in 0..<p {
            for _ in 0..<k {
                slotRanges.lower.append(patchByteRanges.lower[q])
                slotRanges.upper.append(patchByteRanges.upper[q])
            }
        }
        var patchEmbeds: [Float] = []
        for (l, layer) in weights.encoderLayers.enumerated() {
            try blocks.transformerLayer(&h, rows: n, layer: layer, stack: e, rope: encoderRope, ranges: byteRanges,
                                 component: .encoder, index: l, runner: runner)
            if l == e.numHiddenLayers - 1 || e.crossAttnAllLayers {
                let j = e.crossAttnAllLayers ? l : 0
                let cross = HookModule(component: .encoder, scope: .cross(j))
                var pooled = Self.maxPool(h, columns: de, ranges: patchByteRanges)
                try runner.fire(cross.hook(.pooled), &pooled, rows: p, columns: de)
                var queries = try blocks.linear(pooled, rows: p, weights.encoderPatchProjection)
                try runner.fire(cross.hook(.queries), &queries, rows: p * k, columns: de)
                var crossOut = try blocks.crossAttention(query: queries, queryRows: p * k, keyValue: h, keyRows: n,
                                                  weights: weights.encoderCross[j], stack: e, ranges: slotRanges,
                                                  module: cross, runner: runner)
                try runner.fire(cross.hook(.out), &crossOut, rows: p * k, columns: de)
                for i in 0..<queries.count { queries[i] += crossOut[i] }
                patchEmbeds = queries
            }
        }
        try runner.fire(HookName(valid: .encoder, .component, .patchEmbed), &patchEmbeds, rows: p, columns: k * de)

        // Global transformer over patches.
        let g = c.global
        var x: [Float]
        if let projection = weights.globalTokenProjection {
            x = try blocks.linear(patchEmbeds, rows: p, projection)
        } else {
            x = patchEmbeds
        }
        try runner.fire(HookName(valid: .global, .component, .embed), &x, rows: p, columns: g.hiddenSize)
        let globalRope = RotaryEmbedding(theta: g.ropeTheta, headDim: g.headDim, positions: p)
        let patchCausal = KeyRanges.causal(length: p, window: nil)
        for (l, layer) in weights.globalLayers.enumerated() {
            try blocks.transformerLayer(&x, rows: p, layer: layer, stack: g, rope: globalRope, ranges: patchCausal,
                                 component: .global, index: l, runner: runner)
        }

        // Local decoder.
        let d = c.decoder, dd = d.hiddenSize
        var keyValue = try blocks.linear(x, rows: p, weights.decoderPatchProjection)
        try runner.fire(HookName(valid: .decoder, .component, .patchKV), &keyValue, rows: p * k, columns: dd)
        var byteToSlots = KeyRanges(lower: [Int](repeating: 0, count: n), upper: [Int](repeating: 0, count: n))
        for t in 0..<n {
            let patch = state.decoderPatchIDs[t]
            if patch < p {
                byteToSlots.lower[t] = patch * k
                byteToSlots.upper[t] = patch * k + k
            }
        }
        let decoderRope = RotaryEmbedding(theta: d.ropeTheta, headDim: d.headDim, positions: n)
        let decoderRanges = KeyRanges.causal(length: n, window: d.slidingWindow)
        for (l, layer) in weights.decoderLayers.enumerated() {
            if l == 0 || d.crossAttnAllLayers {
                let cross = HookModule(component: .decoder, scope: .cross(l))
                var crossOut = try blocks.crossAttention(query: h, queryRows: n, keyValue: keyValue, keyRows: p * k,
                                                  weights: weights.decoderCross[l], stack: d, ranges: byteToSlots,
                                                  module: cross, runner: runner)
                try runner.fire(cross.hook(.out), &crossOut, rows: n, columns: dd)
                for i in 0..<h.count { h[i] += crossOut[i] }
            }
            try blocks.transformerLayer(&h, rows: n, layer: layer, stack: d, rope: decoderRope, ranges: decoderRanges,
                                 component: .decoder, index: l, runner: runner)
        }
        var normed = RMSNorm.apply(h, columns: dd, weight: weights.decoderNorm, eps: d.rmsNormEps)
        try runner.fire(HookName(valid: .decoder, .component, .finalNorm), &normed, rows: n, columns: dd)
        var logits = try blocks.linear(normed, rows: n, weights.lmHead)
        try runner.fire(HookName(valid: .output, .component, .logits), &logits, rows: n, columns: c.vocabSize)
        state.logits = HookTensor(validShape: [n, c.vocabSize], values: logits)
    }

    /// Entropy model (`ByteTransformer.run`): embeddings, layers, norm, lm_head, entropy. Returns `[N]`
    /// entropies in nats.
    private func runPatcher(_ w: ByteTransformerWeights, ids: [Int], runner: HookRunner) throws -> [Float] {
        try ByteTransformer.run(w, stack: config.patcher, ids: ids, runner: runner, blocks: blocks).entropy
    }

    /// Entropy (nats) of softmax over each row (`ByteTransformer.entropies`).
    static func entropies(logits: [Float], rows: Int, columns: Int) -> [Float] {
        ByteTransformer.entropies(logits: logits, rows: rows, columns: columns)
    }

    /// For each patch, the contiguous byte range `[first, last+1)` whose encoder patch id is that
    /// patch (empty for zero-length patches).
    static func patchByteRanges(patchIDs: [Int], patches: Int) -> KeyRanges {
        var lower = [Int](repeating: 0, count: patches)
        var upper = [Int](repeating: 0, count: patches)
        var seen = [Bool](repeating: false, count: patches)
        for (t, id) in patchIDs.enumerated() where id >= 0 && id < patches {
            if !seen[id] { lower[id] = t; seen[id] = true }
            upper[id] = t + 1
        }
        return KeyRanges(lower: lower, upper: upper)
    }

    /// Element-wise max over each patch's bytes; empty patches stay exactly 0 (scatter_reduce amax
    /// into zeros with include_self=False).
    static func maxPool(_ h: [Float], columns: Int, ranges: KeyRanges) -> [Float] {
        var out = [Float](repeating: 0, count: ranges.count * columns)
        for q in 0..<ranges.count where ranges.lower[q] < ranges.upper[q] {
            let dst = q * columns
            for c in 0..<columns { out[dst + c] = h[ranges.lower[q] * columns + c] }
            for t in (ranges.lower[q] + 1)..<ranges.upper[q] {
                let src = t * columns
                for c in 0..<columns {
                    let v = h[src + c]
                    if v > out[dst + c] || v.isNaN { out[dst + c] = v }
                }
            }
        }
        return out
    }
}

/// Mutable per-call state.
struct ForwardState {
    var ids: [Int]
    var entropy: [Float]?
    var patchLengths: [Int] = []
    var patchIDs: [Int] = []
    var decoderPatchIDs: [Int] = []
    var logits: HookTensor?
    var stoppedAfter: String?
}
