import BLTModel
import Foundation
import Kernels
#if canImport(Glibc)
import Glibc
#endif

/// `probe bench --gemm-rate`: ByteLens' chunked single-threaded-per-worker products vs oneDNN's own
/// OpenMP-threaded sgemm on the model's matrix shapes (random data, weight in the model's `[in, out]`
/// layout, same buffers, interleaved).
extension Bench {
    struct GEMMShape: Hashable { let rows, inFeatures, outFeatures: Int; let what: String }

    /// Every distinct linear-layer shape of one forward over `bytes` bytes with `patches` patches.
    static func gemmShapes(_ c: BLTConfig, bytes: Int, patches: Int) -> [GEMMShape] {
        let n = bytes + 1
        var shapes: [GEMMShape] = []
        func layer(_ s: BLTStackConfig, rows: Int, _ name: String) {
            let d = s.hiddenSize, q = s.numAttentionHeads * s.headDim, kv = s.numKeyValueHeads * s.headDim
            shapes += [GEMMShape(rows: rows, inFeatures: d, outFeatures: q, what: "\(name) q/o"),
                       GEMMShape(rows: rows, inFeatures: d, outFeatures: kv, what: "\(name) k/v"),
                       GEMMShape(rows: rows, inFeatures: d, outFeatures: s.intermediateSize, what: "\(name) gate/up"),
                       GEMMShape(rows: rows, inFeatures: s.intermediateSize, outFeatures: d, what: "\(name) down")]
        }
        if c.patchInForward { layer(c.patcher, rows: n, "patcher") }
        layer(c.encoder, rows: n, "encoder")
        layer(c.global, rows: patches, "global")
        layer(c.decoder, rows: n, "decoder")
        shapes.append(GEMMShape(rows: n, inFeatures: c.decoder.hiddenSize, outFeatures: c.vocabSize, what: "lm_head"))
        var seen = Set<[Int]>()
        return shapes.filter { seen.insert([$0.rows, $0.inFeatures, $0.outFeatures]).inserted }
    }

    static func gemmRate(_ c: BLTConfig, bytes: Int, patches: Int, threads: Int, repeats: Int) throws {
        say("\nGEMM rate at \(bytes) bytes (\(patches) patches), fp32, \(threads) threads, median of \(repeats):")
        say("| shape (rows × in → out) | layer | ByteLens GFLOP/s | oneDNN threaded GFLOP/s | ratio |")
        say("| --- | --- | --- | --- | --- |")
        var oursTotal = 0.0, theirsTotal = 0.0, flopsTotal = 0.0
        let reference = GEMMShape(rows: 2048, inFeatures: 2048, outFeatures: 2048, what: "reference 2048³ (not in totals)")
        for s in gemmShapes(c, bytes: bytes, patches: patches) + [reference] {
            var random: UInt64 = 12345
            func next() -> Float {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: random >> 11) % 2000) / 1000 - 1
            }
            let x = (0..<(s.rows * s.inFeatures)).map { _ in next() }
            let w = (0..<(s.outFeatures * s.inFeatures)).map { _ in next() }
            var out = [Float](repeating: 0, count: s.rows * s.outFeatures)
            var ours: [Double] = [], theirs: [Double] = []
            try x.withUnsafeBufferPointer { xp in
                try w.withUnsafeBufferPointer { wp in
                    try out.withUnsafeMutableBufferPointer { op in
                        // Each side in its own block: libgomp's workers spin for a while after a threaded
                        // call and would steal the cores from ByteLens' products if the calls alternated.
                        usleep(200_000)
                        for i in 0..<(repeats + 1) {
                            let t = Date()
                            try Linear.apply(xp.baseAddress!, rows: s.rows, inFeatures: s.inFeatures,
                                             transposedWeight: wp.baseAddress!, outFeatures: s.outFeatures,
                                             into: op.baseAddress!)
                            if i > 0 { ours.append(Date().timeIntervalSince(t)) }
                        }
                        for i in 0..<(repeats + 1) {
                            let t = Date()
                            try Linear.applyOneDNNThreaded(xp.baseAddress!, rows: s.rows, inFeatures: s.inFeatures,
                                                           transposedWeight: wp.baseAddress!, outFeatures: s.outFeatures,
                                                           into: op.baseAddress!, threads: threads)
                            if i > 0 { theirs.append(Date().timeIntervalSince(t)) }
                        }
                    }
                }
            }
            let flops = 2.0 * Double(s.rows * s.inFeatures * s.outFeatures)
            let a = median(ours), b = median(theirs)
            if s != reference { oursTotal += a; theirsTotal += b; flopsTotal += flops }
            say("| \(s.rows) × \(s.inFeatures) → \(s.outFeatures) | \(s.what) | \(String(format: "%.0f", flops / a / 1e9)) | "
                + "\(String(format: "%.0f", flops / b / 1e9)) | \(String(format: "%.2f", b / a)) |")
        }
        say("all shapes (each once): ByteLens \(String(format: "%.0f", flopsTotal / oursTotal / 1e9)) GFLOP/s, "
            + "oneDNN threaded \(String(format: "%.0f", flopsTotal / theirsTotal / 1e9)) GFLOP/s, "
            + "ratio \(String(format: "%.2f", theirsTotal / oursTotal))")
    }
}
