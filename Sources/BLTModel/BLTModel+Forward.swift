import ByteTransformer
import Foundation
import Kernels

extension BLTModel {
    /// Runs the model on raw bytes (BOS is prepended; no EOS).
    public func forward(bytes: [UInt8], options: ForwardOptions = ForwardOptions()) throws -> ForwardResult {
        ComputeThreads.prepareWorkers()
        let runner = try HookRunner(hooks: options.hooks, catalogue: catalogue, stopAfterDeepest: !options.computeLogits)
        return try forwardPacked([bytes], [options], runners: [runner], runner: runner)[0]
    }

    /// Runs several items in one pass, packed one after another along the row axis: every product sees all
    /// items' rows at once, while attention, RoPE positions, hash n-grams, patching and cross-attention stay
    /// within each item. Results, hooks, reducers and interventions are per item as in ``forward(bytes:options:)``:
    /// each item's `options.hooks` fire on that item's rows only.
    ///
    /// Equal to one forward per item up to the rounding of row blocks in the matrix products (patches are
    /// computed per item from each item's own entropies). Falls back to one forward per item when an item
    /// asks for attention scores or patterns (their key axis would span the packed items) or when the items
    /// disagree on `computeLogits` or on whether `patcherEntropy` is given.
    /// - Throws: what ``forward(bytes:options:)`` throws, naming no item; `options` must have one entry per item.
    public func forward(batch items: [[UInt8]], options: [ForwardOptions]) throws -> [ForwardResult] {
        guard items.count == options.count else {
            throw ForwardBatchError.optionsCount(items: items.count, options: options.count)
        }
        if items.isEmpty { return [] }
        ComputeThreads.prepareWorkers()
        let runners = try options.map { try HookRunner(hooks: $0.hooks, catalogue: catalogue, stopAfterDeepest: !$0.computeLogits) }
        let sameLogits = Set(options.map(\.computeLogits)).count == 1
        let samePatcher = Set(options.map { $0.patcherEntropy == nil }).count == 1
        guard items.count > 1, sameLogits, samePatcher, HookRunner.canPack(runners) else {
            return try zip(items, options).map { try forward(bytes: $0, options: $1) }
        }
        let packed = HookRunner(packing: runners, byteRows: items.map { $0.count + 1 }, slotsPerPatch: config.crossAttnK)
        return try forwardPacked(items, options, runners: runners, runner: packed)
    }

    private func forwardPacked(_ items: [[UInt8]], _ options: [ForwardOptions], runners: [HookRunner],
                               runner: HookRunner) throws -> [ForwardResult] {
        var state = ForwardState(ids: items.map(ByteTokens.ids(for:)))
        do {
            try run(items, options: options, runner: runner, state: &state)
        } catch is EarlyStop {
            state.stoppedAfter = runner.deepestIndex.map { catalogue[$0].name }
        }
        var byteStart = 0
        return items.indices.map { i in
            let n = state.ids[i].count
            defer { byteStart += n }
            let entropy = state.entropy.map { Array($0[byteStart..<(byteStart + n)]) }
            let logits = state.logits.map { all in
                HookTensor(validShape: [n, all.columns], values: Array(all.values[(byteStart * all.columns)..<((byteStart + n) * all.columns)]))
            }
            return ForwardResult(
                inputIDs: state.ids[i], entropy: entropy, patchLengths: state.patchLengths[safe: i] ?? [],
                patchIDs: state.patchIDs[safe: i] ?? [], decoderPatchIDs: state.decoderPatchIDs[safe: i] ?? [], logits: logits,
                activations: runners[i].captured, stoppedAfter: state.stoppedAfter)
        }
    }

    private func run(_ items: [[UInt8]], options: [ForwardOptions], runner: HookRunner, state: inout ForwardState) throws {
        let byteCounts = state.ids.map(\.count)
        let ids = state.ids.flatMap { $0 }
        let n = ids.count
        let c = config
        // The patcher runs whenever the checkpoint has one: entropy is a primary output for studies,
        // whatever the patching strategy. Unless the caller has its output from an earlier forward of the
        // same bytes (`ForwardOptions.patcherEntropy`; `forward(batch:)` packs only all-or-none).
        if options.allSatisfy({ $0.patcherEntropy != nil }) {
            var known: [Float] = []
            known.reserveCapacity(n)
            for (i, option) in options.enumerated() {
                try ForwardOptionsError.check(option.patcherEntropy!, positions: byteCounts[i])
                known += option.patcherEntropy!
            }
            state.entropy = known
        } else if let patcher = weights.patcher {
            state.entropy = try ByteTransformer.run(patcher, stack: config.patcher, ids: ids, segments: byteCounts,
                                                    runner: runner, blocks: blocks).entropy
        }

        // Patching, per item on its own bytes and entropies; patch ids are then offset into the packed rows.
        var byteStart = 0
        for (i, bytes) in items.enumerated() {
            let entropy = state.entropy.map { Array($0[byteStart..<(byteStart + byteCounts[i])]) }
            let lengths = try Patching.lengths(strategy: options[i].patching, bytes: bytes, entropy: entropy, config: c)
            state.patchLengths.append(lengths)
            state.patchIDs.append(Patching.patchIDs(lengths: lengths, count: byteCounts[i]))
            state.decoderPatchIDs.append(Patching.decoderPatchIDs(lengths: lengths, count: byteCounts[i]))
            byteStart += byteCounts[i]
        }
        let patchCounts = state.patchLengths.map(\.count)
        runner.setPatchRows(patchCounts)
        var lengthValues = state.patchLengths.flatMap { $0 }.map(Float.init)
        try runner.fire(HookName(valid: .patching, .component, .patchLengths), &lengthValues, rows: lengthValues.count, columns: 1)
        if !(options.first?.computeLogits ?? true) && runner.deepestIndex == nil { throw EarlyStop() }
        let p = lengthValues.count
        let k = c.crossAttnK
        // Packed patch ids: item i's patches follow those of the items before it. An id outside the item's own
        // patches (bytes past the last patch) belongs to no patch, as in a single forward, so it becomes -1
        // rather than pointing into the next item.
        var patchIDs: [Int] = [], decoderPatchIDs: [Int] = [], patchStart = 0
        for i in items.indices {
            let inside = { (id: Int) in id >= 0 && id < patchCounts[i] ? id + patchStart : -1 }
            patchIDs += state.patchIDs[i].map(inside)
            decoderPatchIDs += state.decoderPatchIDs[i].map(inside)
            patchStart += patchCounts[i]
        }

        // Byte + hash n-gram embeddings (n-grams never reach across items).
        let e = c.encoder, de = e.hiddenSize
        var h = [Float](repeating: 0, count: n * de)
        let hashRows = weights.hashEmbed == nil ? [] : state.ids.map { HashNGrams.rows(ids: $0, config: c) }
        h.withUnsafeMutableBufferPointer { buffer in
            var t = 0
            for (i, itemIDs) in state.ids.enumerated() {
                for (u, id) in itemIDs.enumerated() {
                    let row = buffer.baseAddress! + t * de
                    weights.encoderEmbed.copyRow(id, into: row)
                    if let table = weights.hashEmbed {
                        for rows in hashRows[i] { table.addRow(rows[u], into: row) }
                    }
                    t += 1
                }
            }
        }
        try runner.fire(HookName(valid: .encoder, .component, .embed), &h, rows: n, columns: de)

        // Local encoder.
        let byteRanges = KeyRanges.causal(segments: byteCounts, window: e.slidingWindow)
        let encoderRope = RotaryEmbedding(theta: e.ropeTheta, headDim: e.headDim, segments: byteCounts)
        let patchByteRanges = Self.patchByteRanges(patchIDs: patchIDs, patches: p)
        // Each item's packed byte rows and patch-slot rows: cross-attention runs each item as its own call, so
        // a slot of an empty patch (which sees no byte) spreads uniform weight over its own item's bytes and a
        // byte outside every patch over its own item's slots, as in a single forward.
        var itemRows: [(bytes: Range<Int>, slots: Range<Int>)] = []
        for i in items.indices {
            let byteStart = itemRows.last?.bytes.upperBound ?? 0, slotStart = itemRows.last?.slots.upperBound ?? 0
            itemRows.append((byteStart..<(byteStart + byteCounts[i]), slotStart..<(slotStart + patchCounts[i] * k)))
        }
        let packed = items.count > 1
        var slotLower: [Int] = [], slotUpper: [Int] = []
        for q in 0..<p {
            for _ in 0..<k {
                slotLower.append(patchByteRanges.lower[q])
                slotUpper.append(patchByteRanges.upper[q])
            }
        }
        let slotRanges = KeyRanges(lower: slotLower, upper: slotUpper,
                                   segments: packed ? itemRows.map { .init(queries: $0.slots, keys: $0.bytes) } : nil)
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
        let globalRope = RotaryEmbedding(theta: g.ropeTheta, headDim: g.headDim, segments: patchCounts)
        let patchCausal = KeyRanges.causal(segments: patchCounts, window: nil)
        for (l, layer) in weights.globalLayers.enumerated() {
            try blocks.transformerLayer(&x, rows: p, layer: layer, stack: g, rope: globalRope, ranges: patchCausal,
                                 component: .global, index: l, runner: runner)
        }

        // Local decoder.
        let d = c.decoder, dd = d.hiddenSize
        var keyValue = try blocks.linear(x, rows: p, weights.decoderPatchProjection)
        try runner.fire(HookName(valid: .decoder, .component, .patchKV), &keyValue, rows: p * k, columns: dd)
        // A byte outside its item's patches (-1 above) gets an empty range at its item's first slot.
        var slotLowerOfByte = itemRows.flatMap { [Int](repeating: $0.slots.lowerBound, count: $0.bytes.count) }
        var slotUpperOfByte = slotLowerOfByte
        for t in 0..<n {
            let patch = decoderPatchIDs[t]
            if patch >= 0 && patch < p {
                slotLowerOfByte[t] = patch * k
                slotUpperOfByte[t] = patch * k + k
            }
        }
        let byteToSlots = KeyRanges(lower: slotLowerOfByte, upper: slotUpperOfByte,
                                    segments: packed ? itemRows.map { .init(queries: $0.bytes, keys: $0.slots) } : nil)
        let decoderRope = RotaryEmbedding(theta: d.ropeTheta, headDim: d.headDim, segments: byteCounts)
        let decoderRanges = KeyRanges.causal(segments: byteCounts, window: d.slidingWindow)
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

/// Mutable per-call state: token ids, patch lengths and ids per item; entropy and logits packed.
struct ForwardState {
    var ids: [[Int]]
    var entropy: [Float]?
    var patchLengths: [[Int]] = []
    var patchIDs: [[Int]] = []
    var decoderPatchIDs: [[Int]] = []
    var logits: HookTensor?
    var stoppedAfter: String?
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
