import BLTModel
import HDF5Store
import ModelCore
import Ladders
import Metrics

/// Runs one item through the model and turns the forward pass into the rows the HDF5 file stores:
/// bytes (value, byte-aligned entropy, patch id, patch starts), patches (entropy summaries), sparsity
/// measures per byte (byte-level hooks), per patch (global hooks) and at the probe position, raw
/// activations if requested, and the per-item metrics (`ItemMetrics`).
///
/// Positions are sequence positions: 0 is BOS, byte i of the item is position i + 1. The analysis
/// span of the item (its content without the probe suffix) becomes positions `lo+1 ..< hi+1`; the probe
/// position is the last position N − 1 (the probe suffix's last byte) or, with `--probe prompt-end`, the
/// last byte before the answer span (``ProbePosition``), for byte-level hooks, and the patch containing it
/// for patch-level hooks.
struct ItemMeasurer: Sendable {
    /// Any model behind the seam (the BLT, a standalone entropy model, a random-initialised control).
    let model: any ByteLevelModel
    let plan: StudyPlan
    /// Reference profile per measured hook (outlier dimensions and z-score moments).
    let profiles: [String: ReferenceProfile]
    let shape: ModelShape
    /// For the model-control arm: the trained model, whose patches for the same bytes the control model
    /// is cut into (so the arms differ in the weights only). nil: the plan's patching for the item.
    var patchSource: (any ByteLevelModel)? = nil
    /// Shared by the arms of a study: the trained arm leaves its patcher results here for the control arms
    /// of the same bytes (``PatcherMemo``). nil: every arm computes everything.
    var memo: PatcherMemo? = nil

    /// The patching `item` runs with: the plan's, or the trained model's patches as explicit lengths.
    static func patching(for item: LadderItem, plan: StudyPlan, patchSource: (any ByteLevelModel)?) throws -> PatchingStrategy {
        guard let patchSource else { return plan.patching(for: item) }
        // No hooks and no logits: the forward stops right after patching (only the patcher runs).
        let trained = try patchSource.forward(bytes: item.bytes, options: ForwardOptions(patching: plan.patching, computeLogits: false))
        return .explicit(trained.patchLengths)
    }

    /// Whether the patch-length control arm may take the trained arm's patcher results: the model has a
    /// patcher and no patcher activation is saved raw (only its measures and entropies are kept).
    var reusesPatcher: Bool {
        model is BLTModel && model.hasEntropyModel && !(plan.activationHooks + plan.probeVectorHooks).contains { Self.isPatcherHook($0.name) }
    }

    static func isPatcherHook(_ name: String) -> Bool { HookName(name)?.component == .patcher }

    /// What an item's measurement decides before its forward pass.
    struct Prepared {
        /// Whether the item is in the trained model's own arm (which stores into the memo), not its
        /// patch-length control (takes the patcher's output) or the model control (patchSource set; takes the
        /// trained patches).
        let isTrainedArm: Bool
        let patching: PatchingStrategy
        /// Decided once per item: whether the patcher's output goes through the memo at all.
        let sharesPatcher: Bool
        let measuredPatcherHooks: [String]
        /// The trained arm's patcher output for the same bytes (the patcher does not run).
        let known: PatcherMemo.PatcherOutput?
        let options: ForwardOptions
    }

    func prepare(_ item: LadderItem) throws -> Prepared {
        let isPatchControl = plan.controlPatchingSpec.map { StudyArm.split(item.ladder, controlSpec: $0).isControl } ?? false
        let isTrainedArm = patchSource == nil && !isPatchControl
        let patching: PatchingStrategy
        if patchSource != nil, let lengths = memo?.takePatchLengths(bytes: item.bytes) {
            patching = .explicit(lengths)
        } else {
            patching = try Self.patching(for: item, plan: plan, patchSource: patchSource)
        }
        let sharesPatcher = memo?.keepsOutputs == true && reusesPatcher
        let measuredPatcherHooks = plan.measuredHooks.map(\.name).filter(Self.isPatcherHook)
        var known: PatcherMemo.PatcherOutput? = nil
        if isPatchControl, sharesPatcher, let output = memo?.takeOutput(bytes: item.bytes),
           measuredPatcherHooks.allSatisfy({ output.hookValues[$0] != nil }) {
            known = output
        }
        // The entropy model's logits give its log-probability of each byte (per-byte measured difficulty).
        let patcherLogits = model.hasEntropyModel && known == nil ? [StudyPlan.patcherLogitsHook] : []
        var names = Array(Set(plan.measuredHooks.map(\.name) + plan.activationHooks.map(\.name)
                             + plan.probeVectorHooks.map(\.name) + patcherLogits))
        if known != nil { names.removeAll(where: Self.isPatcherHook) }   // the patcher does not run
        return Prepared(isTrainedArm: isTrainedArm, patching: patching,
                        sharesPatcher: sharesPatcher, measuredPatcherHooks: measuredPatcherHooks, known: known,
                        options: ForwardOptions(patching: patching, hooks: HookSet(capture: names), computeLogits: true,
                                                patcherEntropy: known?.entropy))
    }

    func measure(_ item: LadderItem) throws -> ProbeRunItem {
        let prepared = try prepare(item)
        return try finish(item, prepared, model.forward(bytes: item.bytes, options: prepared.options))
    }

    /// The items of one arm (this measurer's) in packed forwards: the rows of `measure` for each item, bit for
    /// bit (a packed forward gives each item the bits of its own forward). Items that take the patcher's
    /// output from the memo and items that run it go in separate passes (a pass runs the patcher for all its
    /// items or none).
    func measure(batch items: [LadderItem]) throws -> [ProbeRunItem] {
        if items.count == 1 { return [try measure(items[0])] }
        let prepared = try items.map(prepare)
        var results = [ForwardResult?](repeating: nil, count: items.count)
        let takesPatcher = items.indices.filter { prepared[$0].known != nil }
        let runsPatcher = items.indices.filter { prepared[$0].known == nil }
        for group in [takesPatcher, runsPatcher] where !group.isEmpty {
            let out = try model.forward(batch: group.map { items[$0].bytes }, options: group.map { prepared[$0].options })
            for (i, result) in zip(group, out) { results[i] = result }
        }
        return try items.indices.map { try finish(items[$0], prepared[$0], results[$0]!) }
    }

    /// The stored rows of `item` from its forward pass.
    func finish(_ item: LadderItem, _ prepared: Prepared, _ result: ForwardResult) throws -> ProbeRunItem {
        let isTrainedArm = prepared.isTrainedArm, sharesPatcher = prepared.sharesPatcher
        let measuredPatcherHooks = prepared.measuredPatcherHooks, known = prepared.known, patching = prepared.patching
        let n = result.inputIDs.count
        let lengths = result.patchLengths
        let p = lengths.count
        let label = "\(item.ladder)/\(item.level.name)/\(item.baseItemID)"

        // Entropy (byte-aligned, nats) and losses.
        let byteEntropy: [Double] = result.entropy.map { ByteEntropy.entropiesOfBytes(predictive: $0.map(Double.init)) }
            ?? [Double](repeating: .nan, count: n)
        if result.entropy != nil, let bad = byteEntropy.indices.dropFirst().first(where: { !byteEntropy[$0].isFinite }) {
            throw ProbingError.nonFiniteModelOutput(item: label, detail: "entropy at position \(bad) is \(byteEntropy[bad])")
        }
        var losses: [Double]? = nil
        var answer: AnswerScore? = nil
        if let logits = result.logits {
            losses = try logits.values.withUnsafeBufferPointer {
                try ByteEntropy.nextByteLosses(logits: $0, rows: n, vocabulary: logits.columns, ids: result.inputIDs)
            }
            let scoredPositions = item.scoredOffsets.map { $0 + 1 }.filter { $0 < n }
            if !scoredPositions.isEmpty {
                answer = try logits.values.withUnsafeBufferPointer {
                    try AnswerScore.score(logits: $0, rows: n, vocabulary: logits.columns, ids: result.inputIDs,
                                          positions: scoredPositions)
                }
            }
        }
        var patcherLosses: [Double]? = known?.losses
        if let logits = result.activations[StudyPlan.patcherLogitsHook], logits.rows == n {
            patcherLosses = try logits.values.withUnsafeBufferPointer {
                try ByteEntropy.nextByteLosses(logits: $0, rows: n, vocabulary: logits.columns, ids: result.inputIDs)
            }
        }

        // Patches.
        let starts = PatchLayout.starts(patchLengths: lengths)
        var patchMean = [Float](repeating: .nan, count: p), patchMax = patchMean, patchFirst = patchMean
        if result.entropy != nil {
            for s in try PatchEntropySummary.summarize(byteEntropies: byteEntropy, patchLengths: lengths) {
                patchMean[s.index] = Float(s.meanEntropy)
                patchMax[s.index] = Float(s.maxEntropy)
                patchFirst[s.index] = Float(s.firstByteEntropy)
            }
        }
        var isStart = [Bool](repeating: false, count: n)
        for (j, start) in starts.enumerated() where lengths[j] > 0 && start < n { isStart[start] = true }

        let bytes = ProbeRunByteRows(
            value: [-1] + item.bytes.map { Int16($0) },
            entropy: byteEntropy.map { Float($0) },
            patchID: result.patchIDs.map { Int32($0) },
            isPatchStart: isStart,
            logProb: losses.map { $0.map { Float(-$0) } },
            entropyModelLogProb: patcherLosses.map { $0.map { Float(-$0) } })
        let patches = ProbeRunPatchRows(
            start: starts.map { Int32($0) }, length: lengths.map { Int32($0) },
            meanEntropy: patchMean, maxEntropy: patchMax, firstByteEntropy: patchFirst)

        // Sparsity measures.
        let probePosition = try plan.request.probePosition.sequencePosition(of: item)
        let probePatch = result.patchIDs[probePosition]
        var byteLevel: [String: [Float]] = [:], patchLevel: [String: [Float]] = [:], probe: [String: [Float]] = [:]
        let byteHooks = plan.layout.byteLevelHooks, patchHooks = plan.layout.patchLevelHooks
        let columns = plan.layout.measureColumns
        for column in columns {
            byteLevel[column] = [Float](repeating: .nan, count: n * byteHooks.count)
            patchLevel[column] = [Float](repeating: .nan, count: p * patchHooks.count)
            probe[column] = [Float](repeating: .nan, count: plan.measuredHooks.count)
        }
        let columnKeys: [(String, SparsityMeasure, SparsityVariant)] = StudyPlan.variants.flatMap { v in
            plan.measures.map { (v.columnName($0), $0, v) }
        }
        var patcherValues: [String: [String: [Float]]] = [:]   // for the memo (trained arm)
        for (hookIndex, hook) in plan.measuredHooks.enumerated() {
            if let cached = known?.hookValues[hook.name] {
                // A patcher hook of the patch-length control: the trained arm's values for the same bytes.
                let h = byteHooks.firstIndex(of: hook.name)!
                for (column, _, _) in columnKeys {
                    let columnValues = cached[column]!
                    // Written in place (a local copy of the column would copy all its hooks' values).
                    byteLevel[column]!.withUnsafeMutableBufferPointer { values in
                        for r in 0..<n { values[r * byteHooks.count + h] = columnValues[r] }
                    }
                    probe[column]![hookIndex] = columnValues[probePosition]
                }
                continue
            }
            guard let activation = result.activations[hook.name] else {
                throw ProbingError.nonFiniteModelOutput(item: label, detail: "hook \(hook.name) did not fire")
            }
            // Only the study's measures: the others are not stored (skipping the energy effective dimension
            // skips a logarithm per entry, about a third of the reducers' time).
            // The rows only: no running moments (`SparsityReducer.measure`).
            let rows: [SparsityRow]
            do {
                rows = try activation.values.withUnsafeBufferPointer {
                    try SparsityReducer.measure($0, rows: activation.rows, cols: activation.columns,
                                                reference: profiles[hook.name], measures: Set(plan.measures))
                }
            } catch let error as MetricsError {
                throw ProbingError.nonFiniteModelOutput(item: label, detail: "\(hook.name): \(error)")
            }
            let isPatch = HookSelection.scope(of: hook) == .patch
            let hooks = isPatch ? patchHooks : byteHooks
            let h = hooks.firstIndex(of: hook.name)!
            let probeRow = isPatch ? probePatch : probePosition
            for (column, measure, variant) in columnKeys {
                func fill(_ values: inout UnsafeMutableBufferPointer<Float>) {
                    for (r, row) in rows.enumerated() { values[r * hooks.count + h] = Float(row.value(measure, variant) ?? .nan) }
                }
                // In place: a local copy of the column would copy all its hooks' values.
                if isPatch { patchLevel[column]!.withUnsafeMutableBufferPointer(fill) } else { byteLevel[column]!.withUnsafeMutableBufferPointer(fill) }
                probe[column]![hookIndex] = Float(rows[probeRow].value(measure, variant) ?? .nan)
            }
            if isTrainedArm, sharesPatcher, !isPatch, measuredPatcherHooks.contains(hook.name) {
                patcherValues[hook.name] = Dictionary(uniqueKeysWithValues: columnKeys.map { column, measure, variant in
                    (column, rows.map { Float($0.value(measure, variant) ?? .nan) })
                })
            }
        }
        if isTrainedArm, let memo, let entropy = result.entropy {
            memo.store(bytes: item.bytes, output: PatcherMemo.PatcherOutput(entropy: entropy, losses: patcherLosses,
                                                                            hookValues: patcherValues),
                       patchLengths: lengths)
        }

        var activations: [String: [Float]] = [:]
        for spec in plan.layout.activations {
            guard let a = result.activations[spec.hook] else { activations[spec.key] = []; continue }
            if spec.scope == .probe {
                // One row: the probe position (byte-level hooks) or the patch containing it (patch-level hooks).
                let isPatch = plan.probeVectorHooks.first { $0.name == spec.hook }.map { HookSelection.scope(of: $0) == .patch } ?? false
                let row = isPatch ? probePatch : probePosition
                activations[spec.key] = row < a.rows ? Array(a.values[(row * a.columns)..<((row + 1) * a.columns)]) : []
            } else {
                activations[spec.key] = a.values
            }
        }

        let span = (item.analysisSpan.lowerBound + 1)..<(item.analysisSpan.upperBound + 1)
        let record = ProbeRunItemRecord(
            ladder: item.ladder, levelIndex: item.level.index, levelName: item.level.name, baseItemID: item.baseItemID,
            seed: item.seed, analysisSpan: span, probePosition: probePosition,
            metrics: try metrics(item: item, span: span, entropy: byteEntropy, hasEntropy: result.entropy != nil,
                                 losses: losses, lengths: lengths, patching: patching,
                                 probePatch: (start: starts[probePatch], length: lengths[probePatch]), answer: answer))
        return ProbeRunItem(
            record: record, bytes: bytes, patches: patches,
            byteMeasures: byteHooks.isEmpty ? .empty : ProbeRunMeasureRows(rows: n, values: byteLevel),
            patchMeasures: patchHooks.isEmpty ? .empty : ProbeRunMeasureRows(rows: p, values: patchLevel),
            probeMeasures: plan.measuredHooks.isEmpty ? .empty : ProbeRunMeasureRows(rows: 1, values: probe),
            activations: activations)
    }

    /// Values in `ItemMetrics.names` order.
    func metrics(item: LadderItem, span: Range<Int>, entropy: [Double], hasEntropy: Bool, losses: [Double]?,
                 lengths: [Int], patching: PatchingStrategy, probePatch: (start: Int, length: Int), answer: AnswerScore? = nil) throws -> [Double] {
        var m: [String: Double] = [:]
        m[ItemMetrics.probePatchLength] = Double(probePatch.length)
        if hasEntropy, probePatch.length > 0 {
            let values = (probePatch.start..<min(entropy.count, probePatch.start + probePatch.length)).map { entropy[$0] }
                .filter(\.isFinite)
            if !values.isEmpty { m[ItemMetrics.probePatchEntropyBits] = ByteEntropy.bits(fromNats: values.reduce(0, +) / Double(values.count)) }
        }
        m[ItemMetrics.contentBytes] = Double(span.count)
        if !item.analysisSpan.isEmpty {
            let content = item.bytes[item.analysisSpan]
            let letters = content.filter { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }.count
            m[ItemMetrics.asciiLetterFraction] = Double(letters) / Double(content.count)
            m[ItemMetrics.nonASCIIFraction] = Double(content.filter { $0 >= 0x80 }.count) / Double(content.count)
        }
        m[ItemMetrics.shiftBitsPerByte] = item.shiftBitsPerByte ?? .nan
        m[ItemMetrics.shiftBitsPerScalar] = item.shiftBitsPerScalar ?? .nan
        if !span.isEmpty {
            if hasEntropy {
                let s = try ItemEntropySummary(byteEntropies: entropy, losses: losses, patchLengths: lengths, span: span)
                m[ItemMetrics.meanEntropyBits] = s.meanEntropyBits
                m[ItemMetrics.bitsPerByte] = s.bitsPerByte ?? .nan
                m[ItemMetrics.patchesPerByte] = s.patchesPerByte
                m[ItemMetrics.meanPatchLength] = s.patchCount > 0 ? s.meanPatchLength : .nan
                m[ItemMetrics.meanFirstByteEntropyBits] = s.meanFirstByteEntropy.map(ByteEntropy.bits(fromNats:)) ?? .nan
            } else if let losses {
                m[ItemMetrics.bitsPerByte] = ByteEntropy.bits(fromNats: span.reduce(0) { $0 + losses[$1] } / Double(span.count))
            }
            if !hasEntropy {
                // Patch counts do not need entropies.
                let inSpan = zip(PatchLayout.starts(patchLengths: lengths), lengths).filter { $1 > 0 && span.contains($0) }
                m[ItemMetrics.patchesPerByte] = Double(inSpan.count) / Double(span.count)
                m[ItemMetrics.meanPatchLength] = inSpan.isEmpty ? .nan
                    : Double(inSpan.reduce(0) { $0 + $1.1 }) / Double(inSpan.count)
            }
            let allocation = try ComputeAllocation(shape: shape, patchLengths: lengths, includePatcher: patching.needsEntropy)
            m[ItemMetrics.flopsPerByte] = try allocation.meanFLOPsPerByte(over: span)
            m[ItemMetrics.globalFLOPsFraction] = try allocation.globalFraction(over: span)
            let control = try ComputeAllocation.fixedPatching(shape: shape, byteCount: entropy.count,
                                                              patchSize: plan.request.controlPatchSize)
            m[ItemMetrics.fixedPatchingFLOPsPerByte] = try control.meanFLOPsPerByte(over: span)
        }
        let scored = item.scoredOffsets.map { $0 + 1 }.filter { $0 < entropy.count }
        if hasEntropy && !scored.isEmpty {
            m[ItemMetrics.scoredEntropyBits] = ByteEntropy.bits(fromNats: scored.reduce(0) { $0 + entropy[$1] } / Double(scored.count))
        }
        if let answer {
            m[ItemMetrics.answerLossBits] = answer.lossBits
            m[ItemMetrics.answerExactMatch] = answer.exactMatch
        }
        return ItemMetrics.names.map { m[$0] ?? .nan }
    }
}
