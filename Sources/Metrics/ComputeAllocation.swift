/// FLOPs a BLT forward pass spends, attributed to each byte position.
///
/// **What is counted** (everything in `Double`; exact for counts below 2⁵³):
/// - every matrix product as 2·m·n·k (one multiply and one add per term): q/k/v/o projections, SwiGLU
///   gate/up/down, patch-embedding projections, the global input projection (7B only), LM heads;
/// - attention as 4·H·hd per (query, key) pair **actually visited** under the masks (2·H·hd for Q·Kᵀ and
///   2·H·hd for the weighted sum of V): causal self-attention visits min(t+1, W) keys (W = window, or
///   unbounded), encoder cross-attention visits the Lₚ bytes of its own patch per query slot, decoder
///   cross-attention visits the k slots of the byte's decoder patch;
/// - the hash n-gram embedding sum as `hashEmbeddingTables`·De additions per byte (the only non-matmul item).
/// **Not counted:** RMSNorm, RoPE, softmax, SiLU and gating products, residual adds, max-pooling, embedding
/// lookups, masked-out attention pairs that a dense implementation would also compute.
///
/// **Attribution to byte positions** (N positions including BOS; positions follow the patch lengths):
/// - patcher, embedding, per-byte encoder/decoder work (self-attention layers, k/v projections of bytes in
///   the encoder cross-attention, q/o projections and attention of bytes in the decoder cross-attention,
///   the LM head): to the byte itself;
/// - per-patch encoder work (patch-embedding projection, the k slots' q/o projections and attention) and the
///   patch's global-transformer work: shared equally over the bytes of that patch (encoder patch ids);
/// - per-patch decoder work (projection of the global state into k slots, their k/v projections): shared
///   equally over the bytes that read that global state (decoder patch ids, HF `ids(lengths[1:])`);
/// - work that no byte owns (empty patches: their encoder slots and global step; the global state no byte
///   reads, always including the last patch's decoder projection): `unattributed`.
/// So `perByte.sum() + unattributed == total` (up to rounding).
public struct ComputeAllocation: Sendable, Equatable, Codable {
    /// Entropy-model FLOPs per byte (zeros when the patcher is not counted).
    public var patcher: [Double]
    /// Hash-embedding additions per byte.
    public var embedding: [Double]
    /// Local-encoder FLOPs per byte (own work plus its share of its patch's encoder cross-attention).
    public var encoder: [Double]
    /// Share of the byte's patch's global-transformer FLOPs.
    public var global: [Double]
    /// Local-decoder FLOPs per byte (own work, its share of the read patch's slot projections, LM head).
    public var decoder: [Double]
    /// FLOPs no byte owns (see type documentation).
    public var unattributed: Double
    /// Patch lengths the allocation was computed for.
    public var patchLengths: [Int]

    /// Total FLOPs per byte position: patcher + embedding + encoder + global + decoder.
    public var perByte: [Double] {
        patcher.indices.map { patcher[$0] + embedding[$0] + encoder[$0] + global[$0] + decoder[$0] }
    }

    /// All FLOPs of the forward pass as counted here.
    public var total: Double { perByte.reduce(0, +) + unattributed }

    /// Number of byte positions N.
    public var byteCount: Int { patcher.count }

    /// Attributes the FLOPs of one forward pass over `patchLengths.reduce(0, +)` byte positions.
    /// - Parameters:
    ///   - shape: model dimensions.
    ///   - patchLengths: the forward pass's patch lengths (HF layout: BOS patch first, zero lengths allowed).
    ///   - includePatcher: count the entropy model (true for entropy patching; false for a control whose
    ///     patches do not need it). Ignored when `shape.patcher` is nil.
    /// - Throws: `.empty` for no bytes, `.outOfRange` for a negative length.
    public init(shape: ModelShape, patchLengths: [Int], includePatcher: Bool = true) throws {
        let n = patchLengths.reduce(0, +)
        guard n > 0 else { throw MetricsError.empty(argument: "patchLengths (no bytes)") }
        try PatchLayout.validate(patchLengths: patchLengths, byteCount: n)
        let k = shape.crossAttentionK
        let decoderIDs = PatchLayout.decoderPatchIDs(patchLengths: patchLengths, byteCount: n)
        var readers = [Int](repeating: 0, count: patchLengths.count)
        for id in decoderIDs where id >= 0 { readers[id] += 1 }

        var patcherFLOPs = [Double](repeating: 0, count: n)
        if includePatcher, let p = shape.patcher {
            for t in 0..<n {
                var f = 2 * Double(p.hidden) * Double(shape.vocabulary)
                for _ in 0..<p.layers { f += p.tokenLayerMatmulFLOPs + p.attentionFLOPs(keys: p.visitedKeys(position: t)) }
                patcherFLOPs[t] = f
            }
        }

        if shape.isEntropyModelOnly {
            // A standalone byte-level transformer: all of its work is the "patcher" stack, per byte.
            let zeros = [Double](repeating: 0, count: n)
            self.patcher = patcherFLOPs
            self.embedding = zeros
            self.encoder = zeros
            self.global = zeros
            self.decoder = zeros
            self.unattributed = 0
            self.patchLengths = patchLengths
            return
        }
        let embeddingFLOPs = [Double](repeating: Double(shape.hashEmbeddingTables * shape.encoder.hidden), count: n)

        // Encoder: own layers and the k/v projections of the byte in each cross-attention application.
        let e = shape.encoder
        let encoderCrossCount = Double(shape.encoderCrossAttentionCount)
        let eq = Double(e.heads * e.headDim), ekv = Double(e.kvHeads * e.headDim), ed = Double(e.hidden)
        var encoderFLOPs = (0..<n).map { t -> Double in
            var f = encoderCrossCount * 4 * ed * ekv
            for _ in 0..<e.layers { f += e.tokenLayerMatmulFLOPs + e.attentionFLOPs(keys: e.visitedKeys(position: t)) }
            return f
        }
        var unattributed = 0.0
        let starts = PatchLayout.starts(patchLengths: patchLengths)
        for (p, length) in patchLengths.enumerated() {
            // Patch projection to k slots, the slots' q and o projections, slots attending to the patch's bytes.
            let perPatch = encoderCrossCount * (2 * ed * ed * Double(k) + Double(k) * (2 * ed * eq + 2 * eq * ed)
                + Double(k) * e.attentionFLOPs(keys: length))
            share(perPatch, over: starts[p]..<(starts[p] + length), into: &encoderFLOPs, orAddTo: &unattributed)
        }

        // Global transformer: one step per patch, shared over the patch's bytes.
        let g = shape.global
        var globalFLOPs = [Double](repeating: 0, count: n)
        let inputProjection = shape.hasGlobalInputProjection ? 2 * ed * Double(k) * Double(g.hidden) : 0
        for (j, length) in patchLengths.enumerated() {
            var f = inputProjection
            for _ in 0..<g.layers { f += g.tokenLayerMatmulFLOPs + g.attentionFLOPs(keys: g.visitedKeys(position: j)) }
            share(f, over: starts[j]..<(starts[j] + length), into: &globalFLOPs, orAddTo: &unattributed)
        }

        // Decoder: per-patch slot projections shared over the bytes reading that state, per-byte work.
        let dcfg = shape.decoder
        let decoderCrossCount = Double(shape.decoderCrossAttentionCount)
        let dq = Double(dcfg.heads * dcfg.headDim), dkv = Double(dcfg.kvHeads * dcfg.headDim)
        let dd = Double(dcfg.hidden)
        var decoderFLOPs = (0..<n).map { t -> Double in
            var f = 2 * dd * Double(shape.vocabulary)
            let slotAttention = decoderIDs[t] >= 0 ? dcfg.attentionFLOPs(keys: k) : 0
            f += decoderCrossCount * (2 * dd * dq + 2 * dq * dd + slotAttention)
            for _ in 0..<dcfg.layers {
                f += dcfg.tokenLayerMatmulFLOPs + dcfg.attentionFLOPs(keys: dcfg.visitedKeys(position: t))
            }
            return f
        }
        let perPatchDecoder = 2 * Double(g.hidden) * dd * Double(k) + decoderCrossCount * Double(k) * 4 * dd * dkv
        for p in patchLengths.indices where readers[p] == 0 { unattributed += perPatchDecoder }
        for t in 0..<n where decoderIDs[t] >= 0 { decoderFLOPs[t] += perPatchDecoder / Double(readers[decoderIDs[t]]) }

        self.patcher = patcherFLOPs
        self.embedding = embeddingFLOPs
        self.encoder = encoderFLOPs
        self.global = globalFLOPs
        self.decoder = decoderFLOPs
        self.unattributed = unattributed
        self.patchLengths = patchLengths
    }

    /// The fixed-size-patching control: the same accounting with `PatchLayout.fixedPatchLengths` and no
    /// entropy model (fixed patches do not need it).
    /// - Throws: `.empty` for `byteCount < 1`, `.outOfRange` for `patchSize < 1`.
    public static func fixedPatching(shape: ModelShape, byteCount: Int, patchSize: Int) throws -> ComputeAllocation {
        let lengths = try PatchLayout.fixedPatchLengths(byteCount: byteCount, patchSize: patchSize)
        return try ComputeAllocation(shape: shape, patchLengths: lengths, includePatcher: false)
    }

    /// Sum of per-byte FLOPs over a span of byte positions.
    /// - Throws: `.outOfRange` for an empty span or one outside 0..<N.
    public func flops(over span: Range<Int>) throws -> Double {
        try checkSpan(span)
        let all = perByte
        return span.reduce(0) { $0 + all[$1] }
    }

    /// Mean FLOPs per byte over a span.
    public func meanFLOPsPerByte(over span: Range<Int>) throws -> Double {
        try flops(over: span) / Double(span.count)
    }

    /// Fraction of the span's FLOPs that are global-transformer shares.
    public func globalFraction(over span: Range<Int>) throws -> Double {
        let total = try flops(over: span)
        let global = span.reduce(0) { $0 + self.global[$1] }
        return total > 0 ? global / total : 0
    }

    /// FLOPs of a span split by component (for one row per item in the study's tables).
    /// - Throws: `.outOfRange` for an empty span or one outside 0..<N.
    public func components(over span: Range<Int>) throws -> ComponentFLOPs {
        try checkSpan(span)
        func sum(_ values: [Double]) -> Double { span.reduce(0) { $0 + values[$1] } }
        return ComponentFLOPs(patcher: sum(patcher), embedding: sum(embedding), encoder: sum(encoder),
                              global: sum(global), decoder: sum(decoder))
    }

    private func checkSpan(_ span: Range<Int>) throws {
        guard !span.isEmpty, span.lowerBound >= 0, span.upperBound <= byteCount else {
            throw MetricsError.outOfRange(argument: "span", value: span.upperBound,
                                          validRange: "non-empty range within 0..<\(byteCount)")
        }
    }
}

/// Adds `amount / span.count` to each position of `span`, or the whole amount to `unowned` for an empty span.
private func share(_ amount: Double, over span: Range<Int>, into values: inout [Double], orAddTo unowned: inout Double) {
    guard !span.isEmpty else {
        unowned += amount
        return
    }
    let portion = amount / Double(span.count)
    for t in span { values[t] += portion }
}

/// FLOPs of a span of bytes by model component (see `ComputeAllocation` for what is counted).
public struct ComponentFLOPs: Sendable, Equatable, Codable {
    public var patcher: Double
    public var embedding: Double
    public var encoder: Double
    public var global: Double
    public var decoder: Double

    public init(patcher: Double, embedding: Double, encoder: Double, global: Double, decoder: Double) {
        self.patcher = patcher
        self.embedding = embedding
        self.encoder = encoder
        self.global = global
        self.decoder = decoder
    }

    /// Sum of the components.
    public var total: Double { patcher + embedding + encoder + global + decoder }
    /// Local (patcher, embedding, encoder, decoder) FLOPs.
    public var local: Double { patcher + embedding + encoder + decoder }
}
