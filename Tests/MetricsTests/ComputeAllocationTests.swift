import Testing
@testable import Metrics

@Suite("FLOP attribution per byte")
struct ComputeAllocationTests {
    /// A shape small enough to count by hand (see `handCount`).
    static let tiny = try! ModelShape(
        patcher: nil,
        encoder: StackShape(layers: 1, hidden: 4, heads: 2, intermediate: 6),
        global: StackShape(layers: 1, hidden: 8, heads: 2, intermediate: 10),
        decoder: StackShape(layers: 1, hidden: 4, heads: 2, intermediate: 6, window: 1),
        vocabulary: 3, crossAttentionK: 2, encoderCrossAttentionAllLayers: false,
        decoderCrossAttentionAllLayers: false, hashEmbeddingTables: 1)

    @Test("tiny shape, patches [1, 2], counted by hand")
    func handCount() throws {
        let a = try ComputeAllocation(shape: Self.tiny, patchLengths: [1, 2])
        // Encoder layer per token: q,k,v,o 4·(2·4·4) = 128, SwiGLU 3·2·4·6 = 144 → 272; attention 4·H·hd = 16 per key.
        // Byte t visits t+1 keys; cross-attention k/v projections of the byte 2·2·4·4 = 64.
        // Patch p: projection 2·4·(4·2) = 64, 2 slots × (q 32 + o 32) = 128, slots × L × 16 = 32·L.
        //   patch 0 (L = 1): 224 → byte 0;  patch 1 (L = 2): 256 → 128 to bytes 1 and 2.
        let expectedEncoder: [Double] = [576, 496, 512]  // 272+16+64+224, 272+32+64+128, 272+48+64+128
        #expect(a.encoder == expectedEncoder)
        // Global layer per patch: 4·(2·8·8) = 512 + 3·2·8·10 = 480 → 992; attention 4·8 = 32 per visited patch.
        // De·k = 8 = Dg: no input projection. Patch 0: 1024 → byte 0; patch 1: 1056 → 528 each.
        #expect(a.global == [1024, 528, 528])
        // Decoder per byte: LM head 2·4·3 = 24; cross q 32 + o 32 + attention over k = 2 slots 32 → 96;
        // layer 272 + window 1 → 16. Per patch: projection 2·8·(4·2) = 128, slot k/v 2·2·2·4·4 = 128 → 256.
        // Decoder ids of [1, 2] are ids([2]) = [0, 0, 0]: patch 0 shared by 3 bytes, patch 1 unread.
        let own = 24.0 + 96 + 288
        #expect(a.decoder == [own + 256 / 3, own + 256 / 3, own + 256 / 3])
        #expect(a.embedding == [4, 4, 4])
        #expect(a.patcher == [0, 0, 0])
        #expect(a.unattributed == 256)
        let encoderTotal = 576.0 + 496 + 512, globalTotal = 1024.0 + 1056
        let decoderTotal = 3 * own + 256, embeddingTotal = 12.0
        #expect(a.total == encoderTotal + globalTotal + decoderTotal + embeddingTotal + 256)
        #expect(try a.flops(over: 1..<3) == a.perByte[1] + a.perByte[2])
        #expect(try a.meanFLOPsPerByte(over: 0..<3) == a.perByte.reduce(0, +) / 3)
        #expect(try a.globalFraction(over: 0..<3) == 2080 / a.perByte.reduce(0, +))
        let parts = try a.components(over: 1..<3)
        #expect(parts.global == 1056 && parts.encoder == 1008 && parts.embedding == 8 && parts.patcher == 0)
        #expect(parts.total == a.perByte[1] + a.perByte[2] && parts.local == parts.total - 1056)
    }

    static func shape(_ s: MetricsFixture.Shape) throws -> ModelShape {
        func stack(_ x: MetricsFixture.Stack) throws -> StackShape {
            try StackShape(layers: x.layers, hidden: x.hidden, heads: x.heads, kvHeads: x.kv_heads,
                           intermediate: x.intermediate, window: x.window)
        }
        return try ModelShape(patcher: s.patcher.map(stack), encoder: stack(s.encoder), global: stack(s.global),
                              decoder: stack(s.decoder), vocabulary: s.vocab, crossAttentionK: s.k,
                              encoderCrossAttentionAllLayers: s.enc_all, decoderCrossAttentionAllLayers: s.dec_all,
                              hashEmbeddingTables: s.hash_tables)
    }

    @Test("closed forms equal an independent count that enumerates the attention masks (numpy)")
    func matchesMaskEnumeration() throws {
        let flops = MetricsFixture.shared.flops
        let shape = try Self.shape(flops.shape)
        #expect(shape.hasGlobalInputProjection)  // 8·2 ≠ 12: the 7B-style projection is exercised
        for flopCase in flops.cases {
            let a = try ComputeAllocation(shape: shape, patchLengths: flopCase.patch_lengths,
                                          includePatcher: flopCase.include_patcher)
            let e = flopCase.expected
            for (name, mine, theirs) in [("patcher", a.patcher, e.patcher), ("embedding", a.embedding, e.embedding),
                                         ("encoder", a.encoder, e.encoder), ("global", a.global, e.global),
                                         ("decoder", a.decoder, e.decoder)] {
                try #require(mine.count == theirs.count)
                for (x, y) in zip(mine, theirs) {
                    #expect(isClose(x, y, relative: 1e-13, absolute: 0), "\(flopCase.patch_lengths) \(name)")
                }
            }
            #expect(isClose(a.unattributed, e.unattributed, relative: 1e-13, absolute: 0))
            #expect(isClose(a.perByte.reduce(0, +) + a.unattributed, a.total, relative: 1e-15))
        }
    }

    @Test("fixed-size control: no patcher, same local work, global work follows the fixed patches")
    func fixedControl() throws {
        let shape = ModelShape.blt1B
        let entropyPatched = try ComputeAllocation(shape: shape, patchLengths: [1, 3, 7, 1, 1, 4, 0])
        let fixed = try ComputeAllocation.fixedPatching(shape: shape, byteCount: 17, patchSize: 4)
        #expect(fixed.patchLengths == [1, 4, 4, 4, 4])
        #expect(fixed.patcher.allSatisfy { $0 == 0 })
        #expect(entropyPatched.patcher.allSatisfy { $0 > 0 })
        #expect(fixed.embedding == entropyPatched.embedding)
        // Shorter patches cost more global FLOPs per byte: the 1-byte patch at position 11 vs a 4-byte patch.
        #expect(entropyPatched.global[11] > fixed.global[11])
        // blt-1b: per-byte patcher cost = 14 layers × (token matmuls + attention) + LM head.
        let p = shape.patcher!
        let tokenLayer = 2.0 * 768 * 768 * 4 + 6 * 768 * 2048
        #expect(p.tokenLayerMatmulFLOPs == tokenLayer)
        #expect(entropyPatched.patcher[0] == 14 * (tokenLayer + 4 * 768 * 1) + 2 * 768 * 260)
        #expect(entropyPatched.patcher[16] == 14 * (tokenLayer + 4 * 768 * 17) + 2 * 768 * 260)
        #expect(!shape.hasGlobalInputProjection)
        #expect(shape.encoderCrossAttentionCount == 1 && shape.decoderCrossAttentionCount == 9)
    }

    @Test("sliding window caps visited keys")
    func window() throws {
        let s = try StackShape(layers: 1, hidden: 8, heads: 2, intermediate: 8, window: 3)
        #expect((0..<6).map { s.visitedKeys(position: $0) } == [1, 2, 3, 3, 3, 3])
        let full = try StackShape(layers: 1, hidden: 8, heads: 2, intermediate: 8)
        #expect(full.visitedKeys(position: 9) == 10)
        #expect(s.attentionFLOPs(keys: 3) == 4 * 8 * 3)
    }

    @Test("invalid shapes and inputs are typed errors")
    func errors() throws {
        #expect(throws: MetricsError.self) { try StackShape(layers: 1, hidden: 10, heads: 3, intermediate: 4) }
        #expect(throws: MetricsError.self) { try StackShape(layers: 1, hidden: 8, heads: 4, kvHeads: 3, intermediate: 4) }
        #expect(throws: MetricsError.self) { try StackShape(layers: 1, hidden: 8, heads: 4, intermediate: 4, window: 0) }
        #expect(throws: MetricsError.self) {
            try ModelShape(patcher: nil, encoder: Self.tiny.encoder, global: Self.tiny.global,
                           decoder: StackShape(layers: 1, hidden: 8, heads: 2, intermediate: 6), vocabulary: 3,
                           crossAttentionK: 2, encoderCrossAttentionAllLayers: false,
                           decoderCrossAttentionAllLayers: false, hashEmbeddingTables: 0)
        }
        #expect(throws: MetricsError.empty(argument: "patchLengths (no bytes)")) {
            try ComputeAllocation(shape: Self.tiny, patchLengths: [0])
        }
        #expect(throws: MetricsError.self) { try ComputeAllocation(shape: Self.tiny, patchLengths: [1, -1, 2]) }
        let a = try ComputeAllocation(shape: Self.tiny, patchLengths: [1, 2])
        #expect(throws: MetricsError.self) { try a.flops(over: 2..<4) }
        #expect(throws: MetricsError.self) { try a.flops(over: 1..<1) }
    }
}
